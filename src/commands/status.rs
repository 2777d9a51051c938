//! `chaos-engine status`: what each target is doing now, as its backend
//! sees it (`crate::backend::OneShot::look`: a state file's mode,
//! scenario, age and time until it expires; a Docker target's containers
//! and the faults in effect on them), and its service's health by one
//! probe (targets with a probe; see `service_health`). Writes nothing.
//! With `--watch`, see [`super::status_watch`].

use std::process::ExitCode;

use crate::cli::StatusArgs;
use crate::clock::{Clock, SystemClock};
use crate::config::SettingId;

/// Prints one line (or JSON object) per target.
pub fn execute(args: &StatusArgs) -> ExitCode {
    if args.watch {
        return super::status_watch::execute(args);
    }
    // `--http` serves only `--watch`: without it, the address is not read.
    let config = args.config.without(SettingId::Http);
    let settings = match super::load_settings_without_selector(&config, super::Access::ReadsOnly) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let healths = super::service_health::look_once(&settings.targets);
    let now = SystemClock.unix_now();
    let recorder = super::no_recorder();
    for (target, health) in settings.targets.iter().zip(healths) {
        let context = super::one_shot_context(&settings, target, &recorder);
        let look = crate::registry::one_shot(target).look(&context, now);
        if args.json {
            let mut value = look.json;
            health.add_to(&mut value);
            say!("{value}");
        } else {
            say!("{}{}", look.line, health.suffix());
        }
    }
    ExitCode::SUCCESS
}
