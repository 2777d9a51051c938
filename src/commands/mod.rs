//! One module per command. Each `execute` returns the process exit code and
//! prints configuration errors as `error: <origin>: <message>` (exit 2).
//!
//! The one-shot commands (`validate`, `status`, `inject`, `clear`) go
//! through each target's backend (`crate::backend::OneShot`, picked in
//! `crate::registry`): no command knows which kind of target it acts on.

pub mod clear;
pub mod demo;
pub mod demo_target;
pub mod healthcheck;
pub mod inject;
mod inject_choice;
pub mod labels;
pub mod mcp_config;
pub mod preview;
pub mod recover;
pub mod report;
pub mod run;
pub mod score;
mod service_health;
pub mod status;
pub mod status_watch;
pub mod validate;

use std::process::ExitCode;

use clap::Parser as _;

use crate::backend::{OneShotContext, Recorder};
use crate::cli::{Cli, Command, SettingArgs, EXIT_USAGE};
use crate::config::{self, ConfigInputs, Settings, TargetSettings};
use crate::journal::Journal;

/// Parses the process arguments and runs the command; returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => run::execute(&cli.run.into_set()),
        Some(Command::Run(args)) => run::execute(&args),
        Some(Command::Inject(args)) => inject::execute(&args),
        Some(Command::Clear(args)) => clear::execute(&args),
        Some(Command::Recover(args)) => recover::execute(&args),
        Some(Command::Status(args)) => status::execute(&args),
        Some(Command::Validate(args)) => validate::execute(&args),
        Some(Command::Preview(args)) => preview::execute(&args),
        Some(Command::Report(args)) => report::execute(&args),
        Some(Command::Score(args)) => score::execute(&args),
        Some(Command::Labels(args)) => labels::execute(&args),
        Some(Command::Healthcheck(args)) => healthcheck::execute(&args),
        Some(Command::McpConfig(args)) => mcp_config::execute(&args),
        Some(Command::Demo(args)) => demo::execute(&args),
        Some(Command::DemoTarget(args)) => demo_target::execute(args),
    }
}

/// Loads and validates the configuration of `inject` or `clear` (which
/// write once and keep no schedule), or prints why not.
pub fn load_settings<S>(args: &SettingArgs<S>) -> Result<Settings, ExitCode> {
    let settings =
        config::load(&inputs(args, Access::WritesOnce)).map_err(|err| usage_error(&err))?;
    print_warnings(&settings);
    Ok(settings)
}

/// Prints each configuration warning as `warning: <origin>: <message>` on
/// standard error (`run` logs them instead, `validate` lists them).
fn print_warnings(settings: &Settings) {
    for warning in &settings.warnings {
        eprintln!("warning: {warning}");
    }
}

/// What a command does with the state files, which decides how strictly
/// their directories, and the schedule, are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `run`, `validate`: the directories must be writable, and the
    /// schedule (interval, recovery, floor) is checked.
    Writes,
    /// `inject`, `clear`: the directories must be writable; no schedule.
    WritesOnce,
    /// `status`, `preview`: reading is enough; no schedule.
    ReadsOnly,
}

/// The inputs of [`config::load`] for a command's settings and `access`.
fn inputs<S>(args: &SettingArgs<S>, access: Access) -> ConfigInputs {
    let mut inputs = ConfigInputs::from_process(args.values().clone());
    inputs.read_only = access == Access::ReadsOnly;
    inputs.one_shot = access != Access::Writes;
    inputs
}

/// Like [`load_settings`], for commands where `--state-file` cannot also
/// select a target: giving it with `--targets` is an error.
pub fn load_settings_without_selector<S>(
    args: &SettingArgs<S>,
    access: Access,
) -> Result<Settings, ExitCode> {
    let settings = config::load(&inputs(args, access)).map_err(|err| usage_error(&err))?;
    if access != Access::Writes {
        print_warnings(&settings);
    }
    if let Some(path) = &settings.state_file_selector {
        return Err(usage_error(&format!(
            "--state-file {}: cannot be combined with --targets (the targets file names every state file)",
            path.display()
        )));
    }
    Ok(settings)
}

/// Prints `error: {message}` to standard error; returns exit code 2.
pub fn usage_error(message: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_USAGE)
}

/// The targets a one-shot command acts on: `--target NAME`, or the one
/// whose state file is `--state-file` (with `--targets`), or every target
/// when `all`, or the only target.
pub fn select_targets<'a>(
    settings: &'a Settings,
    target: Option<&str>,
    all: bool,
    all_allowed: bool,
) -> Result<Vec<&'a TargetSettings>, ExitCode> {
    if all {
        return Ok(settings.targets.iter().collect());
    }
    if let Some(name) = target {
        return match settings.target(name) {
            Some(found) => Ok(vec![found]),
            None => Err(usage_error(&format!(
                "--target {name}: no such target (configured: {})",
                target_names(settings)
            ))),
        };
    }
    if let Some(path) = &settings.state_file_selector {
        let wanted = config::comparable_path(path);
        let found = settings
            .targets
            .iter()
            .find(|t| t.state_file().map(config::comparable_path) == Some(wanted.clone()));
        return match found {
            Some(found) => Ok(vec![found]),
            None => Err(usage_error(&format!(
                "--state-file {}: no configured target uses this file",
                path.display()
            ))),
        };
    }
    match settings.targets.as_slice() {
        [only] => Ok(vec![only]),
        _ => Err(usage_error(&format!(
            "several targets are configured ({}); choose one with --target NAME{}",
            target_names(settings),
            if all_allowed {
                " or all with --all"
            } else {
                ""
            }
        ))),
    }
}

/// The audit journal named by `--journal` / `CHAOS_JOURNAL`, so what a
/// person does by hand is recorded beside what the daemon does (rotated at
/// the same cap, `--journal-max`).
pub fn journal_for(settings: &Settings) -> Journal {
    match settings.journal.as_deref() {
        Some(path) => Journal::open_with_max(path, settings.journal_max),
        None => Journal::disabled(),
    }
}

/// `journal.jsonl, rotated to journal.jsonl.1 at 64 MiB (67108864 bytes)` (or `never
/// rotated`), for the banner and `validate`.
pub fn describe_journal(journal: &std::path::Path, max: Option<u64>) -> String {
    match max {
        Some(max) => format!(
            "{}, rotated to {} at {} ({max} bytes)",
            journal.display(),
            crate::journal::rotated_path(journal).display(),
            crate::size::format_size(max)
        ),
        None => format!("{}, never rotated (--journal-max off)", journal.display()),
    }
}

/// `20/2s per responder, 200/2s for all together` (or `off`), for the
/// banner and `validate`.
pub fn describe_findings_rate(rate: Option<crate::config::rate::Rate>) -> String {
    match rate {
        Some(rate) => format!(
            "{rate} per responder, {} for all together",
            rate.times(crate::api::FINDINGS_EVERYONE_FACTOR)
        ),
        None => "off (--findings-rate off)".to_owned(),
    }
}

/// The one-shot operations of `target`'s backend are given this: its
/// settings, and `recorder` for what they do.
pub fn one_shot_context<'a>(
    settings: &'a Settings,
    target: &'a TargetSettings,
    recorder: &'a Recorder,
) -> OneShotContext<'a> {
    OneShotContext {
        target: &target.name,
        recovery: target.recovery,
        catalogue: &target.catalogue,
        enabled: settings.enabled,
        dry_run: settings.dry_run,
        ledger_dir: &settings.ledger_dir,
        recorder,
    }
}

/// What a one-shot command records its doings through: the audit journal
/// of `settings` ([`journal_for`]), opened at its first record.
pub fn recorder_for(settings: &Settings) -> Recorder {
    Recorder::new(settings.journal.clone(), settings.journal_max)
}

/// A command that only reads: it records nothing.
pub fn no_recorder() -> Recorder {
    Recorder::new(None, None)
}

fn target_names(settings: &Settings) -> String {
    settings
        .targets
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
