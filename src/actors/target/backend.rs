//! Which backend a target's failures go through: [`for_target`] picks it
//! from the target's configured kind. The seam itself (the
//! [`FaultBackend`] trait, its effects and errors) is [`crate::backend`].

use crate::backend::{FaultBackend, StateFileBackend};
use crate::config::TargetKind;
use crate::state_files::StateFiles;

/// The backend of `settings`: its state file (written through `files`), or
/// its containers (through the Docker Engine, each fault written to
/// `ledger` first; with `dry_run`, only logging the calls it would make).
pub fn for_target(
    settings: &crate::config::TargetSettings,
    telemetry: &crate::telemetry::SharedTelemetry,
    files: &StateFiles,
    ledger: &std::sync::Arc<crate::docker::ledger::Ledger>,
    dry_run: bool,
) -> Box<dyn FaultBackend> {
    match &settings.kind {
        TargetKind::StateFile(path) => Box::new(StateFileBackend::new(path.clone(), files.clone())),
        TargetKind::Docker(docker) => Box::new(crate::docker::backend::DockerBackend::new(
            std::sync::Arc::clone(ledger),
            &settings.name,
            std::sync::Arc::new(docker.target.clone()),
            docker.faults.clone(),
            docker.policy.clone(),
            std::sync::Arc::clone(telemetry),
            std::sync::Arc::clone(&telemetry.clock),
            dry_run,
        )),
    }
}
