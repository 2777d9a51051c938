//! `drain` and `scale`: the faults a Swarm target makes on the swarm
//! itself rather than on a task's container. Each is written to the fault
//! ledger (with what to set back, `restore`) and journalled as
//! `fault_applying` before the Engine changes anything, and undone by
//! setting that field back (`crate::docker::swarm_restore`), as the clear
//! at recovery or shutdown and a later `recover` do. Once made, the change
//! is watched ([`super::cluster_watch`]): set back by someone else, it is
//! a repair, settled by closing it in the ledger with nothing to set back
//! ([`settle`]).

use std::sync::Arc;
use std::time::Instant;

use bollard::Docker;

use super::cluster_watch::{ClusterWatch, ClusterWatched, Repaired};
use super::config::{SwarmFault, SwarmSettings};
use super::service::resolve_service;
use crate::backend::{Applied, BackendError};
use crate::docker::client::connect;
use crate::docker::ledger::{random_id, Ledger};
use crate::docker::select::{choose, draw_for};
use crate::docker::{swarm_ops, swarm_restore, ContainerRef, DockerError, DockerMode, FaultRecord};
use crate::outcome::InjectedFailure;
use crate::telemetry::SharedTelemetry;

/// A drain or scale in effect.
pub struct ClusterActive {
    /// The failure's id.
    pub id: String,
    /// Its token in the ledger.
    token: String,
    /// The manager's Engine.
    docker: Docker,
    /// `drain` or `scale`.
    mode: DockerMode,
    /// What it hit: the node, or the service.
    unit: ContainerRef,
    /// What to set back.
    restore: crate::outcome::Restore,
    /// Who else sets it back.
    watch: ClusterWatch,
}

impl ClusterActive {
    /// The repair the watch has seen, if any (`None` once it is stopped).
    pub fn verdict(&self) -> Option<Repaired> {
        self.watch.verdict()
    }

    /// Stops the watch: what happens from now on is the engine's doing.
    pub fn stop_watching(&self) {
        self.watch.stop();
    }
}

/// What applying a drain or scale needs.
pub struct ClusterJob {
    /// The target's name.
    pub target: String,
    /// Its service, Engine and blast radius.
    pub swarm: Arc<SwarmSettings>,
    /// `drain`, or `scale` to some replicas.
    pub fault: SwarmFault,
    /// The failure applied.
    pub failure: InjectedFailure,
    /// Where it is written first.
    pub ledger: Arc<Ledger>,
    /// Where it is journalled.
    pub telemetry: SharedTelemetry,
}

impl ClusterJob {
    /// Checks the change (changing nothing), writes it to the ledger and
    /// the journal, then makes it.
    pub async fn run(self) -> Result<(Applied, ClusterActive), BackendError> {
        let started = Instant::now();
        let docker = connect(
            self.swarm.docker.target.host.as_deref(),
            self.swarm.docker.target.cert_path.as_deref(),
        )
        .await?;
        let service = resolve_service(&docker, &self.swarm.service).await?;
        let planned = self.plan(&docker, &service).await?;
        let token = random_id();
        let mut record = FaultRecord {
            target: self.target.clone(),
            id: self.failure.id.clone(),
            mode: planned.mode,
            host: self.swarm.docker.target.host.clone(),
            cert_path: self.swarm.docker.target.cert_path.clone(),
            containers: vec![planned.unit.clone()],
            expires_at: self.failure.expires_at,
            token: token.clone(),
            owner: Some(self.ledger.owner().to_owned()),
            started_at: self.telemetry.clock.unix_now(),
            grace_s: None,
            restore: Some(planned.restore.clone()),
            unit_hosts: Default::default(),
        };
        self.ledger
            .intent(&record)
            .map_err(|err| DockerError::Ledger(err.to_string()))?;
        self.telemetry.fault_applying(&record);
        // Our own update, replayed by the stream, is no repair.
        let since = self.telemetry.clock.unix_now();
        let restore = match &self.fault {
            SwarmFault::Scale { replicas } => {
                let done = swarm_ops::scale(&docker, &service, *replicas).await?;
                done.restore(*replicas)
            }
            _ => swarm_ops::drain(&docker, &planned.unit.id).await?.restore(),
        };
        if restore != planned.restore {
            // Changed by someone between the check and the change: the
            // ledger keeps what was really there before.
            record.restore = Some(restore.clone());
            self.ledger
                .intent(&record)
                .map_err(|err| DockerError::Ledger(err.to_string()))?;
        }
        if let Err(err) = self.ledger.applied(&token) {
            tracing::warn!(target = %self.target, "cannot note the fault as applied in the ledger: {err}");
        }
        let applied = Applied {
            took: started.elapsed(),
            containers: vec![planned.unit.clone()],
        };
        let watch = ClusterWatch::start(
            docker.clone(),
            ClusterWatched {
                mode: planned.mode,
                unit: planned.unit.clone(),
                applied: restore.applied.clone(),
            },
            since,
        );
        let active = ClusterActive {
            id: self.failure.id.clone(),
            token,
            docker,
            mode: planned.mode,
            unit: planned.unit,
            restore,
            watch,
        };
        Ok((applied, active))
    }

    /// What the fault will change on `service`, checked on the swarm as it
    /// is now.
    async fn plan(&self, docker: &Docker, service: &str) -> Result<Planned, DockerError> {
        match &self.fault {
            SwarmFault::Scale { replicas } => {
                let done = swarm_ops::check_scale(docker, service, *replicas).await?;
                Ok(Planned {
                    mode: DockerMode::Scale,
                    unit: done.unit(),
                    restore: done.restore(*replicas),
                })
            }
            SwarmFault::Container(fault) => Err(DockerError::Unsupported(format!(
                "{} is a fault on a task's container, not on the swarm",
                fault.mode()
            ))),
            SwarmFault::Drain => {
                // The node of a running task, chosen as a container fault
                // chooses its containers (one, reproducibly by the
                // failure's id).
                let tasks = swarm_ops::running_tasks(docker, service).await?;
                let units: Vec<ContainerRef> = tasks.iter().map(|t| t.unit(service)).collect();
                let chosen = choose(
                    &units,
                    crate::docker::BlastRadius::One,
                    draw_for(&self.failure.id),
                );
                let node = chosen
                    .first()
                    .and_then(|unit| tasks.iter().find(|task| task.id == unit.id))
                    .and_then(|task| task.node_id.clone())
                    .ok_or_else(|| {
                        DockerError::SwarmRefused(format!(
                            "service {service} has no running task: no node to drain"
                        ))
                    })?;
                let done = swarm_ops::check_drain(docker, &node).await?;
                Ok(Planned {
                    mode: DockerMode::Drain,
                    unit: done.unit(),
                    restore: done.restore(),
                })
            }
        }
    }
}

/// A checked change, before it is made.
struct Planned {
    mode: DockerMode,
    unit: ContainerRef,
    restore: crate::outcome::Restore,
}

/// Sets back what `active` changed and closes it in `ledger`; says what
/// it did (`replicas 0 -> 2`, `availability drain -> active`).
pub async fn undo(active: &ClusterActive, ledger: &Ledger) -> Result<String, DockerError> {
    let done = swarm_restore::undo(
        &active.docker,
        active.mode,
        &active.unit,
        Some(&active.restore),
    )
    .await?;
    let done = format!("{} {} {done}", active.mode, active.unit);
    ledger
        .undone(&active.token, &done)
        .map_err(|err| DockerError::Ledger(format!("cannot note the undo ({done}): {err}")))?;
    Ok(done)
}

/// Closes `active`, which someone else set back to `now`, in `ledger`
/// without touching the Engine (the field is no longer ours); says so
/// (`scale svc (id) already changed by someone (replicas 2): left alone`).
pub fn settle(active: &ClusterActive, ledger: &Ledger, now: &str) -> Result<String, DockerError> {
    let done = format!(
        "{} {} already changed by someone ({} {now}): left alone",
        active.mode, active.unit, active.restore.field
    );
    ledger
        .undone(&active.token, &done)
        .map_err(|err| DockerError::Ledger(format!("cannot note the settle ({done}): {err}")))?;
    Ok(done)
}
