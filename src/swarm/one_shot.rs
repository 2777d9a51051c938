//! [`SwarmOneShot`]: what `validate`, `status`, `inject` and `clear` do on
//! a Swarm target. Its task containers are looked at, broken and undone as
//! a Docker target's are (`crate::docker::one_shot`); `validate` says
//! which service they belong to and how many tasks run.

use std::sync::Arc;
use std::time::Duration;

use super::config::{SwarmFault, SwarmSettings};
use crate::backend::{InjectRequest, Location, Look, OneShot, OneShotContext, OneShotError};
use crate::docker::client::{connect, resolve_host};
use crate::docker::one_shot::DockerOneShot;
use crate::docker::select::listed;
use crate::docker::DockerError;

/// The one-shot operations on the Swarm target configured with `swarm`.
#[derive(Debug, Clone)]
pub struct SwarmOneShot {
    swarm: Arc<SwarmSettings>,
    containers: DockerOneShot,
}

impl SwarmOneShot {
    /// The operations on the target configured with `swarm`.
    pub fn new(swarm: Arc<SwarmSettings>) -> Self {
        SwarmOneShot {
            containers: DockerOneShot::new(Arc::clone(&swarm.docker)),
            swarm,
        }
    }
}

impl OneShot for SwarmOneShot {
    fn location(&self) -> Location {
        Location {
            key: "swarm",
            noun: "Swarm",
            value: format!("service {}", self.swarm.service),
        }
    }

    fn describe(&self, _context: &OneShotContext<'_>) -> bool {
        let target = &self.swarm.docker.target;
        say!(
            "  swarm:        service {} on {}, pick {}",
            self.swarm.service,
            resolve_host(target.host.as_deref()),
            target.pick
        );
        match running_tasks(&self.swarm) {
            Ok(tasks) if tasks.is_empty() => {
                say!("  tasks now:    no running task (faults are skipped until one runs)")
            }
            Ok(tasks) => say!(
                "  tasks now:    {} running: {}",
                tasks.len(),
                tasks.join(", ")
            ),
            Err(err) => say!("  tasks now:    unknown ({err})"),
        }
        say!("  faults:");
        for (scenario, fault) in &self.swarm.faults {
            say!("    {scenario:<20} {}", fault.describe());
        }
        true
    }

    fn look(&self, context: &OneShotContext<'_>, _now: f64) -> Look {
        crate::docker::one_shot::look::look(
            context.target,
            &self.swarm.docker,
            context.ledger_dir,
            self.location(),
        )
    }

    fn inject(
        &self,
        context: &OneShotContext<'_>,
        request: &InjectRequest<'_>,
    ) -> Result<(), OneShotError> {
        let fault = self.swarm.fault_for(&request.scenario, &request.mode);
        match fault {
            Some(SwarmFault::Drain | SwarmFault::Scale { .. }) => todo_swarm_ops(),
            _ if !super::config::SWARM_MODES.contains(&request.mode.as_str()) => {
                Err(OneShotError::Usage(format!(
                    "MODE {}: target {} is a Swarm target; its modes are {}",
                    request.mode,
                    context.target,
                    super::config::SWARM_MODES.join(", ")
                )))
            }
            _ => self.containers.inject(context, request),
        }
    }

    fn clear(&self, context: &OneShotContext<'_>) -> bool {
        self.containers.clear(context)
    }

    fn undo_time(&self) -> Option<Duration> {
        self.containers.undo_time()
    }
}

/// The running task containers of `swarm`'s service, by name.
fn running_tasks(swarm: &SwarmSettings) -> Result<Vec<String>, DockerError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| DockerError::Unsupported(err.to_string()))?;
    runtime.block_on(async {
        let engine = connect(swarm.docker.target.host.as_deref()).await?;
        let found = listed(&engine, &swarm.docker.target.selector, false).await?;
        Ok(found.iter().map(ToString::to_string).collect())
    })
}

// STAGE2: replaced once docker::swarm_ops lands.
fn todo_swarm_ops() -> Result<(), OneShotError> {
    Err(OneShotError::Usage(
        "drain and scale: not built yet".to_owned(),
    ))
}
