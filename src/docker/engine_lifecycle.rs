//! What a running engine does for its Docker targets at its start and at
//! its exit: undo what dead engines left behind (logged), and close its
//! own fault ledger, naming every fault still open in it.

use std::path::Path;

use tracing::{error, info, warn};

use super::config::DockerSettings;
use super::ledger::Ledger;
use super::one_shot::recover_leftovers;
use crate::telemetry::Telemetry;

/// At start, before the targets' actors: undoes the Docker faults engines
/// that died left behind (their ledgers in `ledger_dir`, and the journal's
/// records of engines older than the ledger; see `super::recover`) on the
/// Engines of `dockers`, the configured Docker targets; logs each thing
/// done. A dry run only says it skipped this.
pub async fn recover_at_start(
    ledger_dir: &Path,
    telemetry: &Telemetry,
    dockers: &[&DockerSettings],
    dry_run: bool,
) {
    if dry_run {
        info!("[dry run] Docker faults left by an earlier engine are not looked for");
        return;
    }
    let report = recover_leftovers(ledger_dir, telemetry, dockers, None).await;
    if !dockers.is_empty() {
        info!(
            ledger = %ledger_dir.display(),
            "Fault ledger: {}",
            ledger_dir.display()
        );
    }
    for note in &report.notes {
        info!("{note}");
    }
    for line in &report.lines {
        info!("Recovered a fault left behind: {line}");
    }
    for error in &report.errors {
        warn!(error = %error, "Could not undo a fault left behind: {error}");
    }
}

/// At exit: names every Docker fault still open in `ledger` (it stays
/// there for the next engine or `recover`) and says so (true); deletes the
/// ledger when nothing is open (false).
pub fn close_at_exit(ledger: &Ledger) -> bool {
    let open = ledger.open_faults();
    for record in &open {
        let on: Vec<String> = record.containers.iter().map(ToString::to_string).collect();
        error!(
            target = %record.target,
            id = %record.id,
            ledger = %ledger.path().display(),
            "{} fault on {} is still in effect: kept in the ledger {} for the next engine or `chaos-engine recover`",
            record.mode,
            on.join(", "),
            ledger.path().display()
        );
    }
    if !open.is_empty() {
        return true;
    }
    if let Err(err) = ledger.close() {
        warn!(error = %err, "cannot remove the fault ledger: {err}");
    }
    false
}
