//! `chaos-engine recover`: undoes the Docker faults engines that died
//! (`kill -9`, a crash, a lost host) left behind, as `run` does at
//! startup: the open faults of every dead engine's ledger (and, with
//! `--journal`, the journal's open `fault_applying` records of engines
//! older than the ledger) are undone on settled state and verified (see
//! `crate::docker::recover`). A live engine's faults are left to it.
//! Prints one line per fault undone; exit 1 when something could not be
//! undone (it stays in the ledger for the next try) or when there is no
//! ledger to read (what cannot be known is said).

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::{RecoverArgs, EXIT_FAILURE};
use crate::clock::system_clock;
use crate::config::Settings;
use crate::docker::recover::{recover, RecoverReport, Scope};
use crate::telemetry::Telemetry;

/// Recovers every fault left behind; exit 1 if anything could not be
/// undone, or could not be known.
pub fn execute(args: &RecoverArgs) -> ExitCode {
    let settings = match super::load_settings(&args.config) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let report = match recover_targets(&settings, None) {
        Ok(report) => report,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    for note in &report.notes {
        say!("· {note}");
    }
    for line in &report.lines {
        say!("✓ {line}");
    }
    for error in &report.errors {
        eprintln!("error: {error}");
    }
    if let Some(unknown) = &report.unknown {
        eprintln!("error: {unknown}");
    } else if report.lines.is_empty() && report.errors.is_empty() {
        say!(
            "nothing to recover: no fault left behind (ledger {})",
            settings.ledger_dir.display()
        );
    }
    if report.ok() && report.unknown.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}

/// Runs [`recover`] with the ledger and journal of `settings`, for the
/// faults of the targets named in `only` (all when `None`); the undoing
/// is appended to the journal.
pub(super) fn recover_targets(
    settings: &Settings,
    only: Option<&[&str]>,
) -> std::io::Result<RecoverReport> {
    let image = settings
        .targets
        .iter()
        .find_map(|t| t.docker())
        .map(|docker| docker.policy.net_image.clone())
        .unwrap_or_else(|| crate::docker::DockerPolicy::default().net_image);
    let hosts = settings
        .targets
        .iter()
        .filter(|t| only.is_none_or(|names| names.contains(&t.name.as_str())))
        .filter_map(|t| Some(t.docker()?.target.host.clone()))
        .collect();
    let journal = super::journal_for(settings);
    let journal_path = journal.path().map(ToOwned::to_owned);
    let telemetry = Arc::new(Telemetry::new(system_clock(), journal));
    let scope = Scope {
        ledger_dir: &settings.ledger_dir,
        journal_faults: journal_path
            .as_deref()
            .map_or(Ok(Vec::new()), crate::journal::open_faults::open_records),
        image: &image,
        only: only.map(|names| {
            names
                .iter()
                .map(|n| (*n).to_owned())
                .collect::<BTreeSet<_>>()
        }),
        hosts,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(recover(&scope, &telemetry)))
}
