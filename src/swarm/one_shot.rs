//! [`SwarmOneShot`]: what `validate`, `status`, `inject` and `clear` do on
//! a Swarm target. Its task containers are looked at, broken and undone as
//! a Docker target's are (`crate::docker::one_shot`); `validate` says
//! which service they belong to (by labels: which one they match now, an
//! error when none or several) and how many tasks run.

use std::collections::BTreeMap;
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
use crate::docker::select::listed;
use crate::docker::swarm_task::SERVICE_NAME_LABEL;
use crate::docker::{DockerError, Selector};

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
            Ok((service, tasks)) => {
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
/// so) and its running task containers, by name.
fn running_tasks(swarm: &SwarmSettings) -> Result<(String, Vec<String>), DockerError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| DockerError::Unsupported(err.to_string()))?;
    runtime.block_on(async {
        let engine = connect(
            swarm.docker.target.host.as_deref(),
            swarm.docker.target.cert_path.as_deref(),
        )
        .await?;
        let service = resolve_service(&engine, &swarm.service).await?;
        let tasks = Selector::Labels(BTreeMap::from([(
            SERVICE_NAME_LABEL.to_owned(),
            service.clone(),
        )]));
        let found = listed(&engine, &tasks, false).await?;
        Ok((service, found.iter().map(ToString::to_string).collect()))
    })
}
