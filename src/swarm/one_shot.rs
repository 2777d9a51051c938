//! [`SwarmOneShot`]: what `validate`, `status`, `inject` and `clear` do on
//! a Swarm target. Its task containers are looked at, broken and undone as
//! a Docker target's are (`crate::docker::one_shot`); `validate` says
//! which service they belong to (by labels: which one they match now, an
//! error when none or several) and how many tasks run.

use std::sync::Arc;
use std::time::Duration;

use super::config::{ServiceSelector, SwarmSettings, SWARM_MODES};
use super::service::resolve_service;
use super::SwarmBackend;
use crate::backend::one_shot::DISABLED;
use crate::backend::{InjectRequest, Location, Look, OneShot, OneShotContext, OneShotError};
use crate::clock::format_duration;
use crate::docker::client::{connect, resolve_endpoint};
use crate::docker::one_shot::inject::apply_held;
use crate::docker::one_shot::DockerOneShot;
use crate::docker::swarm_nodes::{task_containers, unreachable_text, UnitEngines};
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

    fn describe(&self, context: &OneShotContext<'_>) -> bool {
        let target = &self.swarm.docker.target;
        let mut valid = true;
        say!(
            "  swarm:        service {} on {}, pick {}",
            self.swarm.service,
            resolve_endpoint(target.host.as_deref(), target.cert_path.as_deref()),
            target.pick
        );
        match running_tasks(&self.swarm) {
            Ok((service, tasks, out_of_reach)) => {
                if matches!(self.swarm.service, ServiceSelector::Labels(_)) {
                    say!("  service now:  {service}");
                }
                if tasks.is_empty() {
                    say!("  tasks now:    no running task (faults are skipped until one runs)")
                } else {
                    say!(
                        "  tasks now:    {} running: {}",
                        tasks.len(),
                        tasks.join(", ")
                    )
                }
                if let Some(out_of_reach) = out_of_reach {
                    say!("  warning:      {out_of_reach}");
                }
            }
            Err(err @ (DockerError::Unreachable { .. } | DockerError::ServiceLabels(_))) => {
                eprintln!("error: target {}: {err}", context.target);
                valid = false;
            }
            Err(err) => say!("  tasks now:    unknown ({err})"),
        }
        say!("  faults:");
        for (scenario, fault) in &self.swarm.faults {
            say!("    {scenario:<20} {}", fault.describe());
        }
        valid
    }

    fn look(&self, context: &OneShotContext<'_>, _now: f64) -> Look {
        crate::docker::one_shot::look::look(
            context.target,
            &self.swarm.docker,
            context.ledger_dir,
            self.location(),
            false,
        )
    }

    fn inject(
        &self,
        context: &OneShotContext<'_>,
        request: &InjectRequest<'_>,
    ) -> Result<(), OneShotError> {
        let mode = request.mode.as_str();
        if !SWARM_MODES.contains(&mode) {
            return Err(OneShotError::Usage(format!(
                "MODE {mode}: target {} is a Swarm target; its modes are {}",
                context.target,
                SWARM_MODES.join(", ")
            )));
        }
        if mode == "drain" || mode == "scale" {
            self.inject_on_swarm(context, request)
        } else {
            self.containers.inject(context, request)
        }
    }

    fn clear(&self, context: &OneShotContext<'_>) -> bool {
        self.containers.clear(context)
    }

    fn undo_time(&self) -> Option<Duration> {
        self.containers.undo_time()
    }

    fn repairs_seen_in(&self) -> &'static str {
        "the Engines' events and the manager's task list"
    }
}

impl SwarmOneShot {
    /// `inject drain` or `inject scale`: applies it on the swarm, holds it
    /// for `--for` (by default the target's recovery) and sets it back.
    fn inject_on_swarm(
        &self,
        context: &OneShotContext<'_>,
        request: &InjectRequest<'_>,
    ) -> Result<(), OneShotError> {
        let name = context.target;
        let mode = request.mode.as_str();
        if request.delay.is_some() {
            return Err(OneShotError::Usage(format!(
                "--delay: target {name} is a Swarm target; mode {mode} takes no delay"
            )));
        }
        let hold = request.hold()?.unwrap_or(context.recovery);
        // A scenario chosen by name is that scenario's fault; a mode alone,
        // the first fault of that mode (or the mode's default).
        let scenario = match request.chosen {
            Some(_) => request.scenario.clone(),
            None => self
                .swarm
                .faults
                .iter()
                .find(|(_, fault)| fault.mode() == mode)
                .map(|(scenario, _)| scenario.clone())
                .unwrap_or_else(|| mode.to_ascii_uppercase()),
        };
        if !context.enabled {
            return Err(OneShotError::Usage(DISABLED.to_owned()));
        }
        if context.dry_run {
            say!(
                "[dry run] would inject {scenario} ({mode}) into {name} (service {}) for {}; no \
                 Docker call made",
                self.swarm.service,
                format_duration(hold)
            );
            return Ok(());
        }
        apply_held(context, &scenario, mode, hold, |ledger, telemetry| {
            Box::new(SwarmBackend::new(
                ledger,
                name,
                Arc::clone(&self.swarm),
                Arc::clone(telemetry),
                false,
            ))
        })
    }
}

/// The name of `swarm`'s service (found by its labels, when configured
/// so) and its running task containers, by name, each followed by the
/// node it runs on when that is not the manager's, and which nodes are
/// out of reach (not in `policy.swarm.nodes`); an unreachable node Engine
/// is an error, like the manager's.
fn running_tasks(
    swarm: &SwarmSettings,
) -> Result<(String, Vec<String>, Option<String>), DockerError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| DockerError::Unsupported(err.to_string()))?;
    runtime.block_on(async {
        let target = &swarm.docker.target;
        let engine = connect(target.host.as_deref(), target.cert_path.as_deref()).await?;
        let service = resolve_service(&engine, &swarm.service).await?;
        let nodes = target.swarm_nodes.as_deref().cloned().unwrap_or_default();
        let found = task_containers(&engine, &service, &nodes).await?;
        // Each node Engine a fault may use answers now.
        UnitEngines::connect(engine, &found.elsewhere).await?;
        let mut tasks: Vec<String> = found
            .containers
            .iter()
            .map(|task| match found.elsewhere.get(&task.id) {
                Some(at) => format!("{task} on {}", at.node),
                None => task.to_string(),
            })
            .collect();
        let out_of_reach = (!found.unreachable_nodes.is_empty())
            .then(|| unreachable_text(&service, &found.unreachable_nodes));
        tasks.sort();
        Ok((service, tasks, out_of_reach))
    })
}
