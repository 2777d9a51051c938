//! Which backend each kind of target goes through: the one place that
//! matches on [`TargetKind`]. The running engine gets a target's
//! [`FaultBackend`] from its [`EngineBackends`] (which also does what the
//! backends need at the engine's start and exit); the one-shot commands its
//! [`OneShot`] ([`one_shot`]); the daemon's start and `recover` undo what
//! dead engines left behind on every backend that keeps such records
//! ([`recover_leftovers`]). A new backend adds its arm to each match here,
//! and nothing else outside its own folder changes but its configuration
//! kind and its docs.

use std::path::PathBuf;
use std::sync::Arc;

use crate::backend::{FaultBackend, OneShot, StateFileBackend, StateFileTarget};
use crate::config::{Settings, TargetKind, TargetSettings};
use crate::docker::config::DockerSettings;
use crate::docker::ledger::Ledger;
use crate::docker::one_shot::DockerOneShot;
use crate::state_files::StateFiles;
use crate::swarm::{SwarmBackend, SwarmOneShot};
use crate::telemetry::{SharedTelemetry, Telemetry};

/// What the backends of one running engine share, built once per engine:
/// the fault ledger every Docker target writes each fault to before it
/// applies it. It also does what the backends need at the engine's start
/// and exit.
#[derive(Debug)]
pub struct EngineBackends {
    ledger: Arc<Ledger>,
}

impl EngineBackends {
    /// The backends of an engine whose ledger lives in `ledger_dir`.
    pub fn new(ledger_dir: PathBuf) -> Self {
        EngineBackends {
            ledger: Arc::new(Ledger::new(ledger_dir)),
        }
    }

    /// The backend of `settings` in the running engine: its state file
    /// (written through `files`), or its containers (through the Docker
    /// Engine, each fault written to the ledger first; with `dry_run`,
    /// only logging the calls it would make).
    pub fn fault_backend(
        &self,
        settings: &TargetSettings,
        telemetry: &SharedTelemetry,
        files: &StateFiles,
        dry_run: bool,
    ) -> Box<dyn FaultBackend> {
        match &settings.kind {
            TargetKind::StateFile(path) => {
                Box::new(StateFileBackend::new(path.clone(), files.clone()))
            }
            TargetKind::Docker(docker) => Box::new(crate::docker::DockerBackend::new(
                Arc::clone(&self.ledger),
                &settings.name,
                docker,
                Arc::clone(telemetry),
                dry_run,
            )),
            TargetKind::Swarm(swarm) => Box::new(SwarmBackend::new(
                Arc::clone(&self.ledger),
                &settings.name,
                Arc::clone(swarm),
                Arc::clone(telemetry),
                dry_run,
            )),
        }
    }

    /// At the engine's start, before the targets' actors: undoes what
    /// engines that died left behind, logging each thing done (nothing
    /// in a dry run). State files need nothing here: every target's file
    /// is cleared as its actor starts.
    pub async fn recover_at_start(&self, settings: &Settings, telemetry: &Telemetry) {
        crate::docker::engine_lifecycle::recover_at_start(
            &settings.ledger_dir,
            telemetry,
            &dockers(settings, None),
            settings.dry_run,
        )
        .await;
    }

    /// At the engine's exit: true (after naming each) when faults are
    /// still in effect, kept for the next engine or `recover`.
    pub fn close_at_exit(&self) -> bool {
        crate::docker::engine_lifecycle::close_at_exit(&self.ledger)
    }
}

/// What the one-shot commands do on `target`.
pub fn one_shot(target: &TargetSettings) -> Box<dyn OneShot> {
    match &target.kind {
        TargetKind::StateFile(path) => Box::new(StateFileTarget::new(path.clone())),
        TargetKind::Docker(docker) => Box::new(DockerOneShot::new(Arc::clone(docker))),
        TargetKind::Swarm(swarm) => Box::new(SwarmOneShot::new(Arc::clone(swarm))),
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
    let dockers = dockers(settings, only);
    crate::docker::one_shot::recover_leftovers(&settings.ledger_dir, telemetry, &dockers, only)
        .await
}

/// The Docker targets of `settings` named in `only` (all when `None`).
fn dockers<'a>(settings: &'a Settings, only: Option<&[&str]>) -> Vec<&'a DockerSettings> {
    settings
        .targets
        .iter()
        .filter(|target| only.is_none_or(|names| names.contains(&target.name.as_str())))
        .filter_map(|target| match &target.kind {
            TargetKind::Docker(docker) => Some(docker.as_ref()),
            // A Swarm target's task containers are a Docker target's.
            TargetKind::Swarm(swarm) => Some(swarm.docker.as_ref()),
            TargetKind::StateFile(_) => None,
        })
        .collect()
}
