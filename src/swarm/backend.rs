//! [`SwarmBackend`]: the running engine's backend of a Swarm target. A
//! container mode goes through the Docker backend, on the task containers
//! that carry the service's label on the manager's Engine: a killed task
//! is replaced by Swarm in its slot, which the Docker backend's watch sees
//! as a repair by Swarm.

use std::sync::Arc;
use std::time::Duration;

use chaos_state::ClearReason;

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
            containers: DockerBackend::new(ledger, target, &swarm.docker, telemetry, dry_run),
            swarm,
        }
    }

    /// The fault `failure` applies: its scenario's, else the first
    /// scenario of its mode's, else (a manual injection of a mode no
    /// scenario has) the mode's default.
    fn fault_of(&self, failure: &InjectedFailure) -> Option<SwarmFault> {
        self.swarm
            .fault_for(&failure.scenario, &failure.mode)
            .cloned()
            .or_else(|| match failure.mode.as_str() {
                "drain" => Some(SwarmFault::Drain),
                "scale" => Some(SwarmFault::Scale { replicas: 0 }),
                _ => None,
            })
    }
}

impl FaultBackend for SwarmBackend {
    fn apply(&mut self, target: &str, failure: &InjectedFailure) -> Effect<Applied> {
        match self.fault_of(failure) {
            // A container mode (or one no scenario has: the Docker
            // backend's default, or its refusal).
            Some(SwarmFault::Container(_)) | None => self.containers.apply(target, failure),
            Some(SwarmFault::Drain | SwarmFault::Scale { .. }) => todo_swarm_ops(),
        }
    }

    fn clear(&mut self, target: &str, reason: ClearReason, now: f64) -> Effect<Duration> {
        self.containers.clear(target, reason, now)
    }

    fn observe(&self, id: &str) -> Observation {
        self.containers.observe(id)
    }

    fn release(&mut self, target: &str, id: &str) -> Effect<Option<String>> {
        self.containers.release(target, id)
    }

    fn probe_repairs(&self) -> bool {
        self.containers.probe_repairs()
    }

    fn cleared_words(&self, ended_one: bool) -> &'static str {
        self.containers.cleared_words(ended_one)
    }
}

// STAGE2: replaced by the drain/scale jobs once docker::swarm_ops lands.
fn todo_swarm_ops<T: 'static>() -> Effect<T> {
    Box::pin(std::future::ready(Err(crate::backend::BackendError::from(
        crate::docker::DockerError::Unsupported("drain and scale: not built yet".to_owned()),
    ))))
}
