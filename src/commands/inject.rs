//! `chaos-engine inject MODE`: one failure now, through the target's
//! backend (`crate::backend::OneShot::inject`): a state file is written by
//! the same atomic writer as the daemon; a Docker target's fault is
//! applied by the daemon's own backend. With `--for` it is held, then
//! undone (`reason: manual`); SIGTERM or SIGINT during that wait undoes it
//! at once.

use std::process::ExitCode;

use crate::backend::{InjectRequest, OneShotError};
use crate::cli::{InjectArgs, EXIT_FAILURE};

use super::inject_choice::{choose, Choice};

/// Injects the failure; exit 2 on bad input, 1 when it could not be
/// applied or undone.
pub fn execute(args: &InjectArgs) -> ExitCode {
    let settings = match super::load_settings(&args.config) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let target = match super::select_targets(&settings, args.target.as_deref(), false, false) {
        Ok(targets) => targets[0],
        Err(code) => return code,
    };
    let Choice {
        scenario,
        mode,
        chosen,
    } = match choose(target, args.mode.as_deref(), args.scenario.as_deref()) {
        Ok(choice) => choice,
        Err(message) => return super::usage_error(&message),
    };
    let request = InjectRequest {
        scenario,
        mode,
        chosen,
        delay: args.delay,
        hold_for: args.duration.as_deref(),
    };
    let recorder = super::recorder_for(&settings);
    let context = super::one_shot_context(&settings, target, &recorder);
    match crate::registry::one_shot(target).inject(&context, &request) {
        Ok(()) => ExitCode::SUCCESS,
        Err(OneShotError::Usage(message)) => super::usage_error(&message),
        Err(OneShotError::Failed) => ExitCode::from(EXIT_FAILURE),
    }
}
