//! `chaos-engine recover`: undoes the Docker faults engines that died
//! (`kill -9`, a crash, a lost host) left behind, as `run` does at
//! startup: the open faults of every dead engine's ledger (and, with
//! `--journal`, the journal's open `fault_applying` records of engines
//! older than the ledger) are undone on settled state and verified (see
//! `crate::registry::recover_leftovers`). A live engine's faults are left to it.
//! Prints one line per fault undone; exit 1 when something could not be
//! undone (it stays in the ledger for the next try) or when there is no
//! ledger to read (what cannot be known is said).

use std::process::ExitCode;

use crate::cli::{RecoverArgs, EXIT_FAILURE};

/// Recovers every fault left behind; exit 1 if anything could not be
/// undone, or could not be known.
pub fn execute(args: &RecoverArgs) -> ExitCode {
    let settings = match super::load_settings(&args.config) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let recorder = super::recorder_for(&settings);
    let recovered = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map(|runtime| {
            runtime.block_on(crate::registry::recover_leftovers(
                &settings,
                recorder.telemetry(),
                None,
            ))
        });
    let report = match recovered {
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
