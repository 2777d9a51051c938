//! Which backend each kind of target goes through: the one place that
//! matches on [`TargetKind`]. The running engine gets a target's
//! [`FaultBackend`] ([`fault_backend`]); the one-shot commands its
//! [`OneShot`] ([`one_shot`]); the daemon's start and `recover` undo what
//! dead engines left behind on every backend that keeps such records
//! ([`recover_leftovers`]). A new backend adds its arm to each match here,
//! and nothing else outside its own folder changes but its configuration
//! kind and its docs.

use std::sync::Arc;

use crate::backend::{FaultBackend, OneShot, StateFileBackend, StateFileTarget};
use crate::config::{Settings, TargetKind, TargetSettings};
use crate::docker::ledger::Ledger;
use crate::docker::one_shot::DockerOneShot;
use crate::state_files::StateFiles;
use crate::telemetry::{SharedTelemetry, Telemetry};

/// The backend of `settings` in the running engine: its state file
/// (written through `files`), or its containers (through the Docker
/// Engine, each fault written to `ledger` first; with `dry_run`, only
/// logging the calls it would make).
pub fn fault_backend(
    settings: &TargetSettings,
    telemetry: &SharedTelemetry,
    files: &StateFiles,
    ledger: &Arc<Ledger>,
    dry_run: bool,
) -> Box<dyn FaultBackend> {
    match &settings.kind {
        TargetKind::StateFile(path) => Box::new(StateFileBackend::new(path.clone(), files.clone())),
        TargetKind::Docker(docker) => Box::new(crate::docker::DockerBackend::new(
            Arc::clone(ledger),
            &settings.name,
            docker,
            Arc::clone(telemetry),
            dry_run,
        )),
    }
}

/// What the one-shot commands do on `target`.
pub fn one_shot(target: &TargetSettings) -> Box<dyn OneShot> {
    match &target.kind {
        TargetKind::StateFile(path) => Box::new(StateFileTarget::new(path.clone())),
        TargetKind::Docker(docker) => Box::new(DockerOneShot::new(Arc::clone(docker))),
    }
}

/// Undoes what engines that died left behind, for the targets named in
/// `only` (all when `None`): the open faults of dead engines' ledgers in
/// the ledger directory, and the journal's open records (see
/// `crate::docker::recover`). State files keep no such records: the
/// daemon clears every state file at start instead. The undoing is
/// journalled through `telemetry`.
pub async fn recover_leftovers(
    settings: &Settings,
    telemetry: &Telemetry,
    only: Option<&[&str]>,
) -> crate::docker::RecoverReport {
    let dockers: Vec<_> = settings
        .targets
        .iter()
        .filter(|target| only.is_none_or(|names| names.contains(&target.name.as_str())))
        .filter_map(|target| match &target.kind {
            TargetKind::Docker(docker) => Some(docker.as_ref()),
            TargetKind::StateFile(_) => None,
        })
        .collect();
    crate::docker::one_shot::recover_leftovers(&settings.ledger_dir, telemetry, &dockers, only)
        .await
}
