//! [`SwarmBackend`]: the running engine's backend of a Swarm target. A
//! container mode goes through the Docker backend, on the task containers
//! that carry the service's label on the manager's Engine: a killed task
//! is replaced by Swarm in its slot, which the Docker backend's watch sees
//! as a repair by Swarm. A `drain` or `scale` set back by someone else
//! while in effect is a repair too (`super::cluster_watch`), settled by
//! closing it in the ledger: the clear leaves that field alone.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use chaos_state::ClearReason;

use super::cluster_fault::{self, ClusterActive, ClusterJob};
use super::config::{SwarmFault, SwarmSettings};
use crate::backend::{Applied, Effect, FaultBackend, Observation};
use crate::docker::ledger::Ledger;
use crate::docker::DockerBackend;
use crate::outcome::InjectedFailure;
use crate::telemetry::SharedTelemetry;

/// Applies, clears and observes the failures of one Swarm target.
pub struct SwarmBackend {
    /// The task containers' backend.
    containers: DockerBackend,
    /// The target's service and the fault of each scenario.
    swarm: Arc<SwarmSettings>,
    /// Where a drain or scale is written first.
    ledger: Arc<Ledger>,
    /// Where it is journalled.
    telemetry: SharedTelemetry,
    /// Only log the Engine calls.
    dry_run: bool,
    /// The drain or scale in effect, if any (shared with the effect that
    /// applies it).
    cluster: Rc<RefCell<Option<ClusterActive>>>,
}

impl SwarmBackend {
    /// The backend of the Swarm target `target`, configured with `swarm`;
    /// every fault is written to `ledger` first; `dry_run` logs the Engine
    /// calls it would make and makes none.
    pub fn new(
        ledger: Arc<Ledger>,
        target: &str,
        swarm: Arc<SwarmSettings>,
        telemetry: SharedTelemetry,
        dry_run: bool,
    ) -> Self {
        SwarmBackend {
            containers: DockerBackend::new(
                Arc::clone(&ledger),
                target,
                &swarm.docker,
                Arc::clone(&telemetry),
                dry_run,
            ),
            swarm,
            ledger,
            telemetry,
            dry_run,
            cluster: Rc::new(RefCell::new(None)),
        }
    }

    /// The fault `failure` applies: its scenario's, else the first
    /// scenario of its mode's, else (a manual injection of a mode no
    /// scenario has) the mode's default; `None`: a container mode no
    /// scenario has (the Docker backend's default for it, or its refusal).
    fn fault_of(&self, failure: &InjectedFailure) -> Option<SwarmFault> {
        let default = match failure.mode.as_str() {
            "drain" => Some(SwarmFault::Drain),
            "scale" => Some(SwarmFault::Scale { replicas: 0 }),
            _ => None,
        };
        self.swarm
            .fault_for(&failure.scenario, &failure.mode)
            .cloned()
            .or(default)
    }
}

impl FaultBackend for SwarmBackend {
    fn apply(&mut self, target: &str, failure: &InjectedFailure) -> Effect<Applied> {
        let fault = match self.fault_of(failure) {
            Some(fault @ (SwarmFault::Drain | SwarmFault::Scale { .. })) => fault,
            Some(SwarmFault::Container(_)) | None => return self.containers.apply(target, failure),
        };
        if self.dry_run {
            tracing::info!(
                target,
                service = %self.swarm.service,
                "dry run: would journal fault_applying and {}",
                fault.describe()
            );
            return Box::pin(std::future::ready(Ok(Applied::default())));
        }
        let job = ClusterJob {
            target: target.to_owned(),
            swarm: Arc::clone(&self.swarm),
            fault,
            failure: failure.clone(),
            ledger: Arc::clone(&self.ledger),
            telemetry: Arc::clone(&self.telemetry),
        };
        let cluster = Rc::clone(&self.cluster);
        let ledger = Arc::clone(&self.ledger);
        Box::pin(async move {
            // A drain or scale still in effect (a clear that failed) is
            // undone first.
            let leftover = cluster.borrow_mut().take();
            if let Some(previous) = leftover {
                previous.stop_watching();
                if let Err(err) = cluster_fault::undo(&previous, &ledger).await {
                    *cluster.borrow_mut() = Some(previous);
                    return Err(err.into());
                }
            }
            let (applied, active) = job.run().await?;
            *cluster.borrow_mut() = Some(active);
            Ok(applied)
        })
    }

    fn clear(&mut self, target: &str, reason: ClearReason, now: f64) -> Effect<Duration> {
        let taken = self.cluster.borrow_mut().take();
        let Some(active) = taken else {
            return self.containers.clear(target, reason, now);
        };
        let cluster = Rc::clone(&self.cluster);
        let ledger = Arc::clone(&self.ledger);
        let target = target.to_owned();
        // The undo's own update is no repair.
        active.stop_watching();
        Box::pin(async move {
            let started = std::time::Instant::now();
            match cluster_fault::undo(&active, &ledger).await {
                Ok(done) => {
                    tracing::info!(target = %target, reason = %reason, "Undone: {done}");
                    Ok(started.elapsed())
                }
                Err(err) => {
                    // Kept: the next clear, injection or shutdown tries
                    // again, and the ledger keeps it for `recover`.
                    *cluster.borrow_mut() = Some(active);
                    Err(err.into())
                }
            }
        })
    }

    /// A drain or scale stays in place until it is undone, or someone
    /// else sets the field back (a repair); a container fault is watched
    /// as a Docker target's.
    fn observe(&self, id: &str) -> Observation {
        if let Some(active) = self.cluster.borrow().as_ref().filter(|a| a.id == id) {
            return match active.verdict() {
                Some(repaired) => Observation::EndedElsewhere(repaired.ended),
                None => Observation::InPlace,
            };
        }
        self.containers.observe(id)
    }

    /// A drain or scale someone else set back is closed in the ledger,
    /// nothing set back (the field is theirs now); a container fault is
    /// settled as a Docker target's.
    fn release(&mut self, target: &str, id: &str) -> Effect<Option<String>> {
        let repaired = {
            let mut slot = self.cluster.borrow_mut();
            let now = slot
                .as_ref()
                .filter(|active| active.id == id)
                .and_then(ClusterActive::verdict)
                .map(|repaired| repaired.now);
            now.and_then(|now| slot.take().map(|active| (active, now)))
        };
        let Some((active, now)) = repaired else {
            return self.containers.release(target, id);
        };
        active.stop_watching();
        let settled = match cluster_fault::settle(&active, &self.ledger, &now) {
            Ok(done) => {
                tracing::info!(target = %target, id = %id, "Swarm fault settled after repair: {done}");
                Ok(Some(done))
            }
            Err(err) => {
                // Kept: the next clear's undo finds the field changed by
                // someone and leaves it, then closes it.
                let mut slot = self.cluster.borrow_mut();
                if slot.is_none() {
                    *slot = Some(active);
                }
                Err(err.into())
            }
        };
        Box::pin(std::future::ready(settled))
    }

    fn probe_repairs(&self) -> bool {
        self.containers.probe_repairs()
    }

    fn cleared_words(&self, ended_one: bool) -> &'static str {
        self.containers.cleared_words(ended_one)
    }
}
