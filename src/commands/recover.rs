//! `chaos-engine recover`: undoes the Docker faults an engine that was
//! killed left behind, as `run` does at startup: network helpers of the
//! configured targets found by their labels are stopped and removed (their
//! rules with them), and faults the journal records as applied and never
//! cleared are undone (paused containers unpaused, stopped or killed ones
//! started). Prints one line per thing done.

use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::{RecoverArgs, EXIT_FAILURE};
use crate::clock::system_clock;
use crate::config::Settings;
use crate::docker::recover::{recover, RecoverReport};
use crate::docker::DockerTarget;
use crate::telemetry::Telemetry;

/// Recovers every Docker target; exit 1 if anything could not be undone.
pub fn execute(args: &RecoverArgs) -> ExitCode {
    let settings = match super::load_settings(&args.config) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let names: Vec<&str> = settings.targets.iter().map(|t| t.name.as_str()).collect();
    let report = match recover_targets(&settings, &names) {
        Ok(report) => report,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if report.lines.is_empty() && report.errors.is_empty() {
        say!("nothing to recover: no fault left behind");
    }
    for line in &report.lines {
        say!("✓ {line}");
    }
    for error in &report.errors {
        eprintln!("error: {error}");
    }
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}

/// Runs [`recover`] for the Docker targets among `names`, with the
/// journal of `settings` (read for open faults, appended with what was
/// undone).
pub(super) fn recover_targets(
    settings: &Settings,
    names: &[&str],
) -> std::io::Result<RecoverReport> {
    let docker_targets: Vec<(String, DockerTarget)> = settings
        .targets
        .iter()
        .filter(|t| names.contains(&t.name.as_str()))
        .filter_map(|t| Some((t.name.clone(), t.docker()?.target.clone())))
        .collect();
    let image = settings
        .targets
        .iter()
        .find_map(|t| t.docker())
        .map(|docker| docker.policy.net_image.clone())
        .unwrap_or_else(|| crate::docker::DockerPolicy::default().net_image);
    let journal = super::journal_for(settings);
    let journal_path = journal.path().map(ToOwned::to_owned);
    let telemetry = Arc::new(Telemetry::new(system_clock(), journal));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(recover(
        &docker_targets,
        journal_path.as_deref(),
        &image,
        &telemetry,
    )))
}
