//! [`DockerBackend`]: a Docker target's [`FaultBackend`]. Applying a
//! failure connects to the Engine, selects the matching containers afresh,
//! chooses the hit ones, writes the write-ahead record to the fault ledger
//! (synced; and journals it as `fault_applying`) and only then changes
//! anything, at most [`CONCURRENCY`] containers at a time; it keeps what
//! it applied so that clearing undoes exactly that (as concurrently), and
//! watches the Engine's events for a repair ([`super::watch`]) that
//! `observe` reports. An undo is written to the ledger only once verified
//! (the container runs, is not paused, the helper reverted). A fault the
//! watch saw repaired is settled at once (`release`): what is left of it
//! (the other hit containers, a helper that exited) is undone and the
//! ledger closes it, so that nothing reads it as still in effect.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bollard::Docker;
use chaos_state::ClearReason;
use futures_util::StreamExt;

use super::client::connect;
use super::config::DockerSettings;
use super::container_ops::{self, Reverted};
use super::crash::{self, Crash};
use super::helper;
use super::ledger::{random_id, Ledger};
use super::own_project::resolve;
use super::select::{choose, draw_for, matching};
use super::swarm_nodes::{swarm_tasks, unreachable_text, UnitEngines};
use super::swarm_task;
use super::watch::{Watch, WatchKind, Watched};
use super::{
    ContainerRef, DockerError, DockerFault, DockerMode, DockerPolicy, DockerTarget, FaultRecord,
};
use crate::backend::{Applied, BackendError, Effect, FaultBackend, Observation};
use crate::clock::SharedClock;
use crate::outcome::InjectedFailure;
use crate::telemetry::SharedTelemetry;

/// How many containers a fault is applied to, or undone on, at once.
pub const CONCURRENCY: usize = 16;

/// The faults of a Docker target and where they are applied.
pub struct DockerBackend {
    ledger: Arc<Ledger>,
    target: String,
    docker_target: Arc<DockerTarget>,
    faults: Vec<(String, DockerFault)>,
    policy: DockerPolicy,
    telemetry: SharedTelemetry,
    /// Stamps the ledger's records and the watch's start (Unix time);
    /// durations are measured on the monotonic `Instant`.
    clock: SharedClock,
    dry_run: bool,
    active: Rc<RefCell<Option<Active>>>,
}

impl std::fmt::Debug for DockerBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DockerBackend")
            .field("target", &self.target)
            .field("docker_target", &self.docker_target)
            .field("dry_run", &self.dry_run)
            .finish_non_exhaustive()
    }
}

/// The fault in effect: what to undo at clear.
struct Active {
    id: String,
    token: String,
    /// The Engine of each container it was applied to.
    engines: UnitEngines,
    fault: DockerFault,
    applied: Vec<AppliedTo>,
    watch: Option<Watch>,
}

/// One container a fault was applied to (and its network helper).
#[derive(Debug, Clone)]
struct AppliedTo {
    container: ContainerRef,
    helper: Option<String>,
}

impl DockerBackend {
    /// The backend of the Docker target `target`, configured with
    /// `docker` (its containers, the fault of each scenario, the helper
    /// image); `dry_run` logs the Engine calls it would make and makes
    /// none. Every fault is written to `ledger` first; its times are read
    /// from the engine's clock (`telemetry.clock`).
    pub fn new(
        ledger: Arc<Ledger>,
        target: &str,
        docker: &DockerSettings,
        telemetry: SharedTelemetry,
        dry_run: bool,
    ) -> DockerBackend {
        DockerBackend {
            ledger,
            target: target.to_owned(),
            docker_target: Arc::new(docker.target.clone()),
            faults: docker.faults.clone(),
            policy: docker.policy.clone(),
            clock: Arc::clone(&telemetry.clock),
            telemetry,
            dry_run,
            active: Rc::new(RefCell::new(None)),
        }
    }

    /// The Engine time (Unix nanoseconds) up to which the repair watch of
    /// the fault in effect has judged the events ([`Watch::read_until`]);
    /// `None` without a fault in effect or a watch.
    pub fn watch_read_until(&self) -> Option<i64> {
        let active = self.active.borrow();
        active.as_ref()?.watch.as_ref().map(Watch::read_until)
    }

    /// The fault `failure` applies: its scenario's, else the first
    /// scenario of its mode, else the mode's default (a manual injection);
    /// a network fault needs a scenario.
    pub fn fault_for(&self, failure: &InjectedFailure) -> Result<DockerFault, DockerError> {
        fault_for(&self.target, &self.faults, &failure.scenario, &failure.mode)
    }

    /// [`FaultBackend::apply`] of a failure given by its parts (the
    /// one-shot commands and the tests, which hold no `InjectedFailure`):
    /// failure `id` of `scenario` (or a manual injection of `mode`), in
    /// effect until Unix time `expires_at`.
    pub fn apply_parts(
        &mut self,
        target: &str,
        id: &str,
        scenario: &str,
        mode: &str,
        injected_at: f64,
        expires_at: f64,
    ) -> Effect<Applied> {
        let failure = InjectedFailure {
            id: id.to_owned(),
            scenario: scenario.to_owned(),
            mode: mode.to_owned(),
            delay: 0,
            injected_at,
            expires_at,
            manifested_at: None,
            containers: Vec::new(),
            category: None,
            fix: Vec::new(),
        };
        self.apply(target, &failure)
    }

    /// The ids of the containers the fault in effect was applied to.
    pub fn active_containers(&self) -> Vec<ContainerRef> {
        self.active
            .borrow()
            .as_ref()
            .map(|active| active.applied.iter().map(|a| a.container.clone()).collect())
            .unwrap_or_default()
    }
}

/// See [`DockerBackend::fault_for`].
pub fn fault_for(
    target: &str,
    faults: &[(String, DockerFault)],
    scenario: &str,
    mode: &str,
) -> Result<DockerFault, DockerError> {
    if let Some((_, fault)) = faults.iter().find(|(name, _)| name == scenario) {
        return Ok(fault.clone());
    }
    if let Some((_, fault)) = faults
        .iter()
        .find(|(_, fault)| fault.mode().as_str() == mode)
    {
        return Ok(fault.clone());
    }
    let parsed = mode.parse::<DockerMode>().ok();
    if let Some(swarm_only) = parsed.filter(|m| m.is_swarm_only()) {
        return Err(DockerError::Unsupported(swarm_only_refusal(swarm_only)));
    }
    let default = parsed.and_then(DockerFault::default_for_mode);
    default.ok_or_else(|| {
        DockerError::Unsupported(format!(
            "target {target} has no scenario with mode {mode}, and a {mode} fault needs its \
             parameters: add a scenario such as `{{ name: LOSSY, mode: network, weight: 1, \
             network: {{ loss: 30% }} }}` to the target and inject that scenario"
        ))
    })
}

/// `mode drain needs a `swarm:` target`: why a `docker:` target refuses
/// a Swarm-only mode.
pub fn swarm_only_refusal(mode: DockerMode) -> String {
    format!("mode {mode} needs a `swarm:` target")
}

impl FaultBackend for DockerBackend {
    /// No: a probe that gets through a partial network fault, or reaches
    /// another replica, proves nothing; the Engine's events and the
    /// helper's rules tell (see `super::watch`).
    fn probe_repairs(&self) -> bool {
        false
    }

    /// `Fault cleared`, or `No fault of ours in effect` when there was
    /// none to undo.
    fn cleared_words(&self, ended_one: bool) -> &'static str {
        if ended_one {
            "Fault cleared"
        } else {
            "No fault of ours in effect"
        }
    }
    fn apply(&mut self, target: &str, failure: &InjectedFailure) -> Effect<Applied> {
        let fault = match self.fault_for(failure) {
            Ok(fault) => fault,
            Err(err) => return Box::pin(std::future::ready(Err(err.into()))),
        };
        if self.dry_run {
            tracing::info!(
                target,
                selector = %self.docker_target.selector,
                pick = %self.docker_target.pick,
                host = self.docker_target.host.as_deref().unwrap_or("default"),
                "dry run: would list the running containers matching the selector, choose {} of them, \
                 journal fault_applying and {} each",
                self.docker_target.pick,
                describe_call(&fault)
            );
            return Box::pin(std::future::ready(Ok(Applied::default())));
        }
        let job = ApplyJob {
            target: target.to_owned(),
            docker_target: Arc::clone(&self.docker_target),
            fault,
            failure: failure.clone(),
            image: self.policy.net_image.clone(),
            telemetry: Arc::clone(&self.telemetry),
            clock: Arc::clone(&self.clock),
            ledger: Arc::clone(&self.ledger),
            token: random_id(),
        };
        let active = Rc::clone(&self.active);
        let ledger = Arc::clone(&self.ledger);
        Box::pin(async move {
            // Anything still in effect (a clear that failed) is undone first.
            let leftover = active.borrow_mut().take();
            if let Some(previous) = leftover {
                if let Err(err) = revert(&previous, &job.image, &ledger).await {
                    *active.borrow_mut() = Some(previous);
                    return Err(err.into());
                }
            }
            let (applied, now_active) = job.run().await?;
            *active.borrow_mut() = Some(now_active);
            Ok(applied)
        })
    }

    fn clear(&mut self, target: &str, reason: ClearReason, _now: f64) -> Effect<Duration> {
        let taken = self.active.borrow_mut().take();
        let Some(mut active) = taken else {
            return Box::pin(std::future::ready(Ok(Duration::ZERO)));
        };
        // From here on, what happens to the containers is our own doing.
        if let Some(watch) = active.watch.take() {
            watch.stop();
        }
        if self.dry_run {
            tracing::info!(
                target,
                "dry run: would revert {}",
                describe_call(&active.fault)
            );
            return Box::pin(std::future::ready(Ok(Duration::ZERO)));
        }
        let image = self.policy.net_image.clone();
        let target = target.to_owned();
        let slot = Rc::clone(&self.active);
        let ledger = Arc::clone(&self.ledger);
        Box::pin(async move {
            let started = Instant::now();
            match revert(&active, &image, &ledger).await {
                Ok(done) => {
                    tracing::info!(target = %target, reason = %reason.as_str(), id = %active.id, "Docker fault reverted: {done}");
                    Ok(started.elapsed())
                }
                Err(err) => {
                    // Kept, so that the next clear tries again.
                    *slot.borrow_mut() = Some(active);
                    Err(err.into())
                }
            }
        })
    }

    fn observe(&self, id: &str) -> Observation {
        let active = self.active.borrow();
        let verdict = active
            .as_ref()
            .filter(|active| active.id == id)
            .and_then(|active| active.watch.as_ref())
            .and_then(Watch::verdict);
        match verdict {
            Some(ended) => Observation::EndedElsewhere(ended),
            None => Observation::InPlace,
        }
    }

    fn release(&mut self, target: &str, id: &str) -> Effect<Option<String>> {
        let taken = {
            let mut slot = self.active.borrow_mut();
            match slot.as_ref() {
                Some(active) if active.id == id => slot.take(),
                _ => None,
            }
        };
        let Some(mut active) = taken else {
            return Box::pin(std::future::ready(Ok(None)));
        };
        // The watch has said its word; the revert's own calls are ours.
        if let Some(watch) = active.watch.take() {
            watch.stop();
        }
        let image = self.policy.net_image.clone();
        let target = target.to_owned();
        let slot = Rc::clone(&self.active);
        let ledger = Arc::clone(&self.ledger);
        Box::pin(async move {
            // Each revert looks first: a container running again is left
            // alone, a helper that exited after its rules were removed is
            // removed, a container destroyed counts as nothing to undo.
            match revert(&active, &image, &ledger).await {
                Ok(done) => {
                    tracing::info!(target = %target, id = %active.id, "Docker fault settled after repair: {done}");
                    Ok(Some(done))
                }
                Err(err) => {
                    // Kept, so that the next clear, injection or shutdown
                    // tries again (unless one already holds the slot).
                    let mut slot = slot.borrow_mut();
                    if slot.is_none() {
                        *slot = Some(active);
                    }
                    Err(err.into())
                }
            }
        })
    }
}

/// `kill (SIGKILL)`, `stop (grace 10s)`, `pause`, `start a network helper
/// (loss 30%)`: the changing call a fault makes, for dry-run logs.
fn describe_call(fault: &DockerFault) -> String {
    match fault {
        DockerFault::Kill { signal } => {
            format!("kill ({signal}, from a helper in the host PID namespace)")
        }
        DockerFault::Stop { grace } => format!("stop (grace {}s)", grace.as_secs()),
        DockerFault::Pause => "pause".to_owned(),
        DockerFault::Network(network) => format!("start a network helper ({})", network.describe()),
        DockerFault::Partition { peers } if peers.is_empty() => {
            "start a network helper (partition: all traffic)".to_owned()
        }
        DockerFault::Partition { peers } => {
            format!(
                "start a network helper (partition from {})",
                peers.join(", ")
            )
        }
    }
}

/// Everything one apply needs, owned by its future.
struct ApplyJob {
    target: String,
    docker_target: Arc<DockerTarget>,
    fault: DockerFault,
    failure: InjectedFailure,
    image: String,
    telemetry: SharedTelemetry,
    clock: SharedClock,
    ledger: Arc<Ledger>,
    token: String,
}

impl ApplyJob {
    async fn run(self) -> Result<(Applied, Active), BackendError> {
        let started = Instant::now();
        let since = self.clock.unix_now();
        let docker = connect(
            self.docker_target.host.as_deref(),
            self.docker_target.cert_path.as_deref(),
        )
        .await?;
        // Resolved once: the watch judges replacements by the same scope.
        let selector = resolve(&docker, &self.docker_target.selector).await?;
        let (hit, elsewhere) = match &self.docker_target.swarm_nodes {
            Some(nodes) => {
                let (service, tasks) = swarm_tasks(&docker, &selector, nodes).await?;
                if !tasks.unreachable_nodes.is_empty() {
                    tracing::warn!(target = %self.target, "{}", unreachable_text(&service, &tasks.unreachable_nodes));
                }
                if tasks.containers.is_empty() {
                    return Err(tasks.none_reachable(&service).into());
                }
                let hit = choose(
                    &tasks.containers,
                    self.docker_target.pick,
                    draw_for(&self.failure.id),
                );
                let elsewhere = tasks.elsewhere_of(&hit);
                (hit, elsewhere)
            }
            None => {
                let found = matching(&docker, &selector).await?;
                let hit = choose(&found, self.docker_target.pick, draw_for(&self.failure.id));
                (hit, BTreeMap::new())
            }
        };
        let engines = UnitEngines::connect(docker, &elsewhere).await?;
        let mut restart_counts = std::collections::HashMap::new();
        let mut slots = std::collections::HashMap::new();
        for container in &hit {
            let docker = engines.of(&container.id);
            if let Some(state) = container_ops::inspect(docker, container).await? {
                restart_counts.insert(container.id.clone(), state.restart_count);
                if state.swarm_task {
                    if let Some(slot) = swarm_task::slot_of(docker, container).await? {
                        slots.insert(container.id.clone(), slot);
                    }
                }
            }
        }
        let record = FaultRecord {
            target: self.target.clone(),
            id: self.failure.id.clone(),
            mode: self.fault.mode(),
            host: self.docker_target.host.clone(),
            cert_path: self.docker_target.cert_path.clone(),
            containers: hit.clone(),
            expires_at: self.failure.expires_at,
            token: self.token.clone(),
            owner: Some(self.ledger.owner().to_owned()),
            started_at: self.clock.unix_now(),
            grace_s: match &self.fault {
                DockerFault::Stop { grace } => Some(grace.as_secs_f64()),
                _ => None,
            },
            restore: None,
            unit_hosts: elsewhere,
        };
        self.ledger
            .intent(&record)
            .map_err(|err| DockerError::Ledger(err.to_string()))?;
        self.telemetry.fault_applying(&record);
        // At most CONCURRENCY containers at a time; none started once the
        // engine is shutting down (what was applied is undone below).
        let outcomes: Vec<(ContainerRef, Result<Option<String>, DockerError>)> =
            futures_util::stream::iter(hit.iter())
                .map(|container| async {
                    let outcome = if self.telemetry.is_shutting_down() {
                        Err(DockerError::ShuttingDown)
                    } else {
                        self.apply_one(engines.of(&container.id), container).await
                    };
                    (container.clone(), outcome)
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
        let mut applied = Vec::with_capacity(hit.len());
        let mut first_error = None;
        for (container, outcome) in outcomes {
            match outcome {
                Ok(helper) => applied.push(AppliedTo { container, helper }),
                Err(err) => {
                    // The failing container too: its call may have taken
                    // effect before the error; reverts look first. Not a
                    // container refused for its network namespace: nothing
                    // was made for it, and a revert there would be refused
                    // too.
                    if !matches!(err, DockerError::SharedNetns { .. }) {
                        applied.push(AppliedTo {
                            container,
                            helper: None,
                        });
                    }
                    first_error.get_or_insert(err);
                }
            }
        }
        if let Some(err) = first_error {
            return Err(self.undo_partial(engines, applied, err).await.into());
        }
        if let Err(err) = self.ledger.applied(&self.token) {
            tracing::warn!(target = %self.target, "cannot note the fault as applied in the ledger: {err}");
        }
        let watched = Watched {
            kind: WatchKind::of_mode(self.fault.mode()),
            hit: hit.clone(),
            helpers: applied.iter().filter_map(|a| a.helper.clone()).collect(),
            selector,
            restart_counts,
            slots,
            expires_at: self.failure.expires_at,
        };
        // Swarm replaces a task on any node: the manager's task list tells.
        let manager = self
            .docker_target
            .swarm_nodes
            .is_some()
            .then(|| engines.home().clone());
        let watch = Watch::start(engines.all(), manager, watched, since);
        let active = Active {
            id: self.failure.id.clone(),
            token: self.token.clone(),
            engines,
            fault: self.fault.clone(),
            applied,
            watch: Some(watch),
        };
        Ok((
            Applied {
                took: started.elapsed(),
                containers: hit,
            },
            active,
        ))
    }

    async fn apply_one(
        &self,
        docker: &Docker,
        container: &ContainerRef,
    ) -> Result<Option<String>, DockerError> {
        match &self.fault {
            DockerFault::Kill { signal } => {
                let crash = Crash {
                    image: &self.image,
                    owner: self.ledger.owner(),
                    token: &self.token,
                    signal,
                };
                crash::crash(docker, container, crash).await.map(|()| None)
            }
            DockerFault::Stop { grace } => container_ops::stop(docker, container, *grace)
                .await
                .map(|()| None),
            DockerFault::Pause => container_ops::pause(docker, container).await.map(|()| None),
            DockerFault::Network(_) | DockerFault::Partition { .. } => helper::start_helper(
                docker,
                &self.image,
                container,
                self.ledger.owner(),
                &self.token,
                &self.fault,
                self.failure.expires_at,
            )
            .await
            .map(Some),
        }
    }

    /// Undoes a fault applied to some of its containers, journals that
    /// nothing of it is left (so `recover` leaves it alone), and returns
    /// the error that stopped it.
    async fn undo_partial(
        &self,
        engines: UnitEngines,
        applied: Vec<AppliedTo>,
        err: DockerError,
    ) -> DockerError {
        let partial = Active {
            id: self.failure.id.clone(),
            token: self.token.clone(),
            engines,
            fault: self.fault.clone(),
            applied,
            watch: None,
        };
        let detail = match revert(&partial, &self.image, &self.ledger).await {
            Ok(done) if done.is_empty() => format!("not applied ({err}); nothing to undo"),
            Ok(done) => format!("not applied ({err}); undone: {done}"),
            Err(revert_err) => {
                tracing::error!(target = %self.target, "undoing a partly applied fault failed: {revert_err}");
                return err;
            }
        };
        tracing::warn!(target = %self.target, id = %self.failure.id, "{detail}");
        self.telemetry
            .fault_recovered(&self.target, Some(&self.failure.id), &detail);
        err
    }
}

/// Undoes `active` on every container it was applied to, at most
/// [`CONCURRENCY`] at a time (each revert looks first, so this is
/// idempotent, and verifies its end state); once all are undone, notes it
/// in the ledger. Says what it did, or the first error after trying them
/// all (the fault then stays open in the ledger).
async fn revert(active: &Active, image: &str, ledger: &Ledger) -> Result<String, DockerError> {
    let outcomes: Vec<(&AppliedTo, Result<&'static str, DockerError>)> =
        futures_util::stream::iter(active.applied.iter())
            .map(|applied| async move {
                let outcome = revert_one(
                    active.engines.of(&applied.container.id),
                    &active.fault,
                    applied,
                    image,
                    ledger.owner(),
                )
                .await;
                (applied, outcome)
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
    let mut done = Vec::new();
    let mut first_error = None;
    for (applied, outcome) in outcomes {
        match outcome {
            Ok(what) => done.push(format!("{} {what}", applied.container)),
            Err(err) => {
                tracing::warn!(container = %applied.container, "revert failed: {err}");
                first_error.get_or_insert(err);
            }
        }
    }
    if let Some(err) = first_error {
        return Err(err);
    }
    let done = done.join(", ");
    ledger
        .undone(&active.token, &done)
        .map_err(|err| DockerError::Ledger(format!("cannot note the undo ({done}): {err}")))?;
    Ok(done)
}

async fn revert_one(
    docker: &Docker,
    fault: &DockerFault,
    applied: &AppliedTo,
    image: &str,
    owner: &str,
) -> Result<&'static str, DockerError> {
    let container = &applied.container;
    match fault {
        DockerFault::Kill { .. } | DockerFault::Stop { .. } => {
            container_ops::start_verified(docker, container)
                .await
                .map(Reverted::describe)
        }
        DockerFault::Pause => container_ops::unpause_verified(docker, container)
            .await
            .map(Reverted::describe),
        DockerFault::Network(_) | DockerFault::Partition { .. } => {
            helper::undo_network_fault(docker, applied.helper.as_deref(), container, image, owner)
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::NetworkFault;

    #[test]
    fn a_failure_takes_its_scenarios_fault_else_its_modes() {
        let lossy = DockerFault::Network(NetworkFault {
            loss: Some(30.0),
            ..NetworkFault::default()
        });
        let faults = vec![
            ("LOSSY".to_owned(), lossy.clone()),
            (
                "GENTLE".to_owned(),
                DockerFault::Stop {
                    grace: Duration::from_secs(3),
                },
            ),
        ];
        assert_eq!(
            fault_for("cache", &faults, "LOSSY", "network").unwrap(),
            lossy
        );
        // A manual injection of a mode: the first scenario of that mode...
        assert_eq!(
            fault_for("cache", &faults, "stop", "stop").unwrap(),
            DockerFault::Stop {
                grace: Duration::from_secs(3)
            }
        );
        // ...else the mode's default.
        assert_eq!(
            fault_for("cache", &faults, "pause", "pause").unwrap(),
            DockerFault::Pause
        );
        assert!(matches!(
            fault_for("cache", &faults, "kill", "kill").unwrap(),
            DockerFault::Kill { signal } if signal == "SIGKILL"
        ));
        // A network fault without a scenario names the fix.
        let err = fault_for("cache", &[], "network", "network").unwrap_err();
        assert!(matches!(err, DockerError::Unsupported(_)));
        assert!(
            err.to_string()
                .contains("target cache has no scenario with mode network"),
            "{err}"
        );
        // A Swarm-only mode is no container fault.
        let err = fault_for("cache", &faults, "DRAIN", "drain").unwrap_err();
        assert_eq!(err.to_string(), "mode drain needs a `swarm:` target");
    }
}
