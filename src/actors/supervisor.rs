//! The Supervisor: starts the WeightedPicker, the RecoveryActor and one
//! TargetActor per configured target, and is the single entry point for
//! runtime control: pause, resume, inject, clear (routed to one target or
//! all), reload (re-reads the configuration and starts, stops or
//! reconfigures targets) and drain (every target written healthy at
//! shutdown, acknowledgements collected).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use actix::{
    Actor, ActorFutureExt, Addr, AsyncContext, Context, Handler, Message, ResponseActFuture,
    ResponseFuture, WrapFuture,
};
use tracing::{error, info, warn};

use super::control::{ControlError, ManualInjection};
use super::picker::{RemoveStream, SetStream, WeightedPicker};
use super::recovery::{InUse, RecoveryActor, SetPolicy};
use super::reload_plan::plan_reload;
use super::target::{
    ClearNow, DrainTarget, InjectNow, Pause, Peers, Reconfigure, Resume, Retire, RunMode,
    TargetActor, UpdatePolicy,
};
use crate::config::{self, ConfigError, ConfigInputs, Settings, TargetSettings};
use crate::journal::{JournalEvent, Note};
use crate::outcome::InjectedFailure;
use crate::registry::EngineBackends;
use crate::state_files::StateFiles;
use crate::telemetry::SharedTelemetry;

/// How many targets the supervisor starts at a time. Each batch takes its
/// first steps (its startup clear queued, its schedule planned) before the
/// next is started, so that thousands of targets starting never hold up
/// the timers of those already running for long.
const START_BATCH: usize = 64;

/// How many startup clears may wait in the state-file queue before the
/// next batch of targets starts.
const START_BACKLOG: usize = 4 * START_BATCH;

/// How many targets are asked to drain at a time (see [`Drain`]): enough
/// to keep the state-file worker's batches full.
const DRAIN_WINDOW: usize = 128;

/// A running target: its settings (shared with its actor) and its actor.
struct RunningTarget {
    settings: Arc<TargetSettings>,
    addr: Addr<TargetActor>,
}

/// Owns the other actors' addresses.
pub struct Supervisor {
    settings: Settings,
    /// What the configuration was loaded from; reloads load it again.
    inputs: Option<ConfigInputs>,
    seed: u64,
    telemetry: SharedTelemetry,
    /// The picker and the RecoveryActor, once started; shared by every
    /// target.
    peers: Option<Arc<Peers>>,
    /// The RecoveryActor's count of failures in use, read by the targets.
    in_use: InUse,
    targets: BTreeMap<String, RunningTarget>,
    /// Set by [`Drain`]: control requests and reloads are refused from then on.
    draining: bool,
    /// Writes the state-file targets' files and syncs them.
    files: StateFiles,
    /// Configured targets not started yet (see [`START_BATCH`]).
    to_start: VecDeque<TargetSettings>,
    /// What the targets' backends share (the fault ledger).
    backends: Arc<EngineBackends>,
}

impl Supervisor {
    /// A supervisor for `settings`, drawing picks from `seed`. `inputs`, if
    /// given, is what reloads re-read.
    pub fn new(
        settings: Settings,
        inputs: Option<ConfigInputs>,
        seed: u64,
        telemetry: SharedTelemetry,
    ) -> Self {
        let state_file_targets = settings
            .targets
            .iter()
            .filter(|target| target.state_file().is_some())
            .count();
        let backends = Arc::new(EngineBackends::new(settings.ledger_dir.clone()));
        Supervisor {
            settings,
            inputs,
            seed,
            telemetry,
            peers: None,
            in_use: InUse::default(),
            targets: BTreeMap::new(),
            draining: false,
            files: StateFiles::for_fleet(state_file_targets),
            to_start: VecDeque::new(),
            backends,
        }
    }

    /// Gives the targets `backends` (the ones `run` closes at exit)
    /// instead of backends of its own.
    pub fn with_backends(mut self, backends: Arc<EngineBackends>) -> Self {
        self.backends = backends;
        self
    }

    fn run_mode(&self) -> RunMode {
        RunMode {
            enabled: self.settings.enabled,
            dry_run: self.settings.dry_run,
        }
    }

    fn start_target(&mut self, target: TargetSettings, peers: Arc<Peers>) {
        if !target.catalogue.weights_sum_to_one() {
            info!(
                target = %target.name,
                "Scenario weights normalised: {}",
                target.catalogue.describe_probabilities()
            );
        }
        self.telemetry.target_added(
            &target.name,
            crate::registry::one_shot(&target).location(),
            target.catalogue.scenarios().iter().map(|s| s.name.as_str()),
        );
        self.telemetry
            .target_scenarios(&target.name, target.catalogue.scenarios());
        let backend = self.backends.fault_backend(
            &target,
            &self.telemetry,
            &self.files,
            self.run_mode().dry_run,
        );
        let name = target.name.clone();
        let target = Arc::new(target);
        let actor = TargetActor::new(
            Arc::clone(&target),
            backend,
            self.run_mode(),
            self.telemetry.clone(),
            peers,
            self.in_use.clone(),
        );
        self.targets.insert(
            name,
            RunningTarget {
                settings: target,
                addr: actor.start(),
            },
        );
    }

    /// The targets a request names: one (`Some(name)`), or all.
    fn chosen(
        &self,
        target: Option<&str>,
    ) -> Result<Vec<(String, Addr<TargetActor>)>, ControlError> {
        match target {
            Some(name) => self
                .targets
                .get(name)
                .map(|t| vec![(name.to_owned(), t.addr.clone())])
                .ok_or_else(|| ControlError::NotFound(format!("no target {name}"))),
            None => Ok(self
                .targets
                .iter()
                .map(|(name, t)| (name.clone(), t.addr.clone()))
                .collect()),
        }
    }
}

impl Actor for Supervisor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let mut picker = WeightedPicker::new(self.seed);
        for target in &self.settings.targets {
            picker.set_stream(&target.name, &target.catalogue);
        }
        let picker = picker.start();
        info!("Coordination: {}", self.settings.policy);
        let recovery =
            RecoveryActor::new(self.settings.policy.clone(), self.in_use.clone()).start();
        self.peers = Some(Arc::new(Peers { picker, recovery }));
        // Each target's settings live in its RunningTarget from here on,
        // shared with its actor; no other copy stays in `self.settings`.
        self.to_start = std::mem::take(&mut self.settings.targets).into();
        self.start_next_batch(ctx);
    }
}

impl Supervisor {
    /// Starts the next [`START_BATCH`] targets, and the batch after once
    /// every task ready now (those targets' first steps among them) has run
    /// and at most [`START_BACKLOG`] startup clears are queued.
    fn start_next_batch(&mut self, ctx: &mut Context<Self>) {
        let Some(peers) = self.peers.clone() else {
            return;
        };
        for _ in 0..START_BATCH {
            let Some(target) = self.to_start.pop_front() else {
                break;
            };
            self.start_target(target, Arc::clone(&peers));
        }
        if self.to_start.is_empty() {
            self.all_started();
        } else {
            // Each started target queues its startup clear: the next batch
            // waits until few are left, so that on a slow disk the clears
            // waiting in memory stay bounded (and at most one batch's
            // first steps hold up the timers already running).
            let files = self.files.clone();
            let turn = async move {
                tokio::task::yield_now().await;
                files.backlog_at_most(START_BACKLOG).await;
            };
            ctx.spawn(
                turn.into_actor(self)
                    .map(|(), actor, ctx| actor.start_next_batch(ctx)),
            );
        }
    }

    /// Starts every target still waiting for its batch, now (before a
    /// reload compares the running targets with the new configuration).
    fn start_the_rest(&mut self) {
        let Some(peers) = self.peers.clone() else {
            return;
        };
        if self.to_start.is_empty() {
            return;
        }
        while let Some(target) = self.to_start.pop_front() {
            self.start_target(target, Arc::clone(&peers));
        }
        self.all_started();
    }

    /// The last waiting target has started: the buffer that held every
    /// target's settings is given back, and the maps that hold an entry
    /// for every target all run are packed tightly (a B-tree filled one
    /// entry at a time has nodes little more than half full).
    fn all_started(&mut self) {
        self.to_start = VecDeque::new();
        self.targets = std::mem::take(&mut self.targets).into_iter().collect();
        self.telemetry.all_targets_started();
    }
}

/// Answers when the actor system is responsive (`GET /healthz`).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Ping;

impl Handler<Ping> for Supervisor {
    type Result = ();

    fn handle(&mut self, _msg: Ping, _ctx: &mut Context<Self>) {}
}

/// Pause one target (`Some(name)`) or all.
#[derive(Debug, Message)]
#[rtype(result = "Result<FanOutReport, ControlError>")]
pub struct PauseTargets(pub Option<String>);

/// Resume one target or all.
#[derive(Debug, Message)]
#[rtype(result = "Result<FanOutReport, ControlError>")]
pub struct ResumeTargets(pub Option<String>);

/// Write one target, or all, healthy now (`reason: manual`).
#[derive(Debug, Message)]
#[rtype(result = "Result<FanOutReport, ControlError>")]
pub struct ClearTargets(pub Option<String>);

/// What a request to several targets did: every target is asked, even when
/// one of them fails.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FanOutReport {
    /// Targets whose state changed (paused, resumed, cleared).
    pub changed: Vec<String>,
    /// Targets that refused or failed, with why.
    pub failed: Vec<(String, ControlError)>,
}

/// Inject into one target now.
#[derive(Debug, Message)]
#[rtype(result = "Result<InjectedFailure, ControlError>")]
pub struct InjectInto {
    /// The target's name.
    pub target: String,
    /// What to inject.
    pub injection: ManualInjection,
    /// How long it holds (`None`: the target's recovery).
    pub hold: Option<std::time::Duration>,
}

fn shutting_down() -> ControlError {
    ControlError::Conflict("the engine is shutting down".to_owned())
}

macro_rules! fan_out {
    ($msg:ty, $target_msg:expr) => {
        impl Handler<$msg> for Supervisor {
            type Result = ResponseFuture<Result<FanOutReport, ControlError>>;

            fn handle(&mut self, msg: $msg, _ctx: &mut Context<Self>) -> Self::Result {
                let chosen = if self.draining {
                    Err(shutting_down())
                } else {
                    self.chosen(msg.0.as_deref())
                };
                Box::pin(async move {
                    let mut report = FanOutReport::default();
                    for (name, addr) in chosen? {
                        match addr.send($target_msg).await {
                            Ok(Ok(true)) => report.changed.push(name),
                            Ok(Ok(false)) => {}
                            Ok(Err(err)) => report.failed.push((name, err)),
                            Err(err) => {
                                let err = ControlError::Failed(err.to_string());
                                report.failed.push((name, err));
                            }
                        }
                    }
                    Ok(report)
                })
            }
        }
    };
}

fan_out!(PauseTargets, Pause);
fan_out!(ResumeTargets, Resume);
fan_out!(ClearTargets, ClearNow);

impl Handler<InjectInto> for Supervisor {
    type Result = ResponseFuture<Result<InjectedFailure, ControlError>>;

    fn handle(&mut self, msg: InjectInto, _ctx: &mut Context<Self>) -> Self::Result {
        let chosen = if self.draining {
            Err(shutting_down())
        } else {
            self.chosen(Some(&msg.target))
        };
        Box::pin(async move {
            let (name, addr) = chosen?.remove(0);
            addr.send(InjectNow {
                injection: msg.injection,
                hold: msg.hold,
            })
            .await
            .map_err(|err| ControlError::Failed(format!("{name}: {err}")))?
        })
    }
}

/// What a reload changed.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReloadReport {
    /// Targets started.
    pub added: Vec<String>,
    /// Targets cleared (`reason: reload`) and stopped.
    pub removed: Vec<String>,
    /// Targets with a new schedule or scenarios.
    pub changed: Vec<String>,
    /// Targets left exactly as they were.
    pub unchanged: Vec<String>,
    /// Removed targets whose state file could not be written healthy
    /// (`target: error`); their failure ends at its `expires_at`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_cleared: Vec<String>,
}

/// Re-read the configuration (SIGHUP, `POST /reload`). An invalid one is
/// rejected with the same error as at start-up and nothing changes.
#[derive(Debug, Message)]
#[rtype(result = "Result<ReloadReport, ReloadError>")]
pub struct Reload;

/// Why a reload changed nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReloadError {
    /// The engine is draining.
    #[error("the engine is shutting down")]
    ShuttingDown,
    /// Started without a configuration source (e.g. in tests).
    #[error("this engine was not started from a configuration that can be re-read")]
    NotReloadable,
    /// The actors are not running yet.
    #[error("the engine is not started")]
    NotStarted,
    /// The configuration is invalid: the same error as at start-up.
    #[error(transparent)]
    Invalid(#[from] ConfigError),
    /// The reloaded file turns blind mode on or off: the API decided who
    /// reads what at start, so that takes a restart.
    #[error(
        "policy.blind cannot change on reload (it is {0} now): restart the engine to change it"
    )]
    BlindChanged(bool),
    /// The blocking task that reads the file died.
    #[error("the configuration loader stopped: {0}")]
    LoaderStopped(String),
}

impl Handler<Reload> for Supervisor {
    type Result = ResponseActFuture<Self, Result<ReloadReport, ReloadError>>;

    fn handle(&mut self, _msg: Reload, _ctx: &mut Context<Self>) -> Self::Result {
        if self.draining {
            return Box::pin(actix::fut::ready(Err(ReloadError::ShuttingDown)));
        }
        let Some(inputs) = self.inputs.clone() else {
            return Box::pin(actix::fut::ready(Err(ReloadError::NotReloadable)));
        };
        // Reading and validating the file (a temporary-file write and a
        // canonicalize per target) takes long at scale: off the actor
        // thread, which every target's schedule shares.
        let load = async move {
            tokio::task::spawn_blocking(move || config::load(&inputs).map_err(ReloadError::from))
                .await
                .unwrap_or_else(|err| Err(ReloadError::LoaderStopped(err.to_string())))
        };
        Box::pin(
            load.into_actor(self)
                .then(|loaded, actor, _ctx| actor.apply_reload(loaded)),
        )
    }
}

impl Supervisor {
    /// Applies a reloaded configuration (or reports why it was rejected):
    /// targets added, removed, changed, and the policy.
    fn apply_reload(
        &mut self,
        loaded: Result<Settings, ReloadError>,
    ) -> ResponseActFuture<Self, Result<ReloadReport, ReloadError>> {
        if self.draining {
            return Box::pin(actix::fut::ready(Err(ReloadError::ShuttingDown)));
        }
        self.start_the_rest();
        let new_settings = match loaded.and_then(|settings| {
            if settings.blind == self.settings.blind {
                Ok(settings)
            } else {
                Err(ReloadError::BlindChanged(self.settings.blind))
            }
        }) {
            Ok(settings) => {
                for warning in &settings.warnings {
                    warn!(setting = %warning.origin, "{warning}");
                }
                settings
            }
            Err(err) => {
                warn!(error = %err, "Reload rejected: keeping the running configuration");
                let detail = err.to_string();
                self.telemetry.record(JournalEvent::ReloadRejected(Note {
                    detail: Some(detail),
                }));
                return Box::pin(actix::fut::ready(Err(err)));
            }
        };
        let Some(peers) = self.peers.clone() else {
            return Box::pin(actix::fut::ready(Err(ReloadError::NotStarted)));
        };

        let plan = plan_reload(
            self.targets
                .iter()
                .map(|(name, running)| (name.as_str(), &*running.settings)),
            &new_settings.targets,
        );
        let mut report = ReloadReport {
            unchanged: plan.unchanged,
            ..ReloadReport::default()
        };
        let mut retiring = Vec::new();
        for name in plan.leaving {
            if let Some(running) = self.targets.remove(&name) {
                peers.picker.do_send(RemoveStream {
                    target: name.clone(),
                });
                retiring.push((name.clone(), running.addr));
                report.removed.push(name);
            }
        }
        for target in plan.policy_only {
            if let Some(running) = self.targets.get_mut(&target.name) {
                // Only the policy changed: the schedule stays as it is.
                report.unchanged.push(target.name.clone());
                running.settings = Arc::new(target);
                running
                    .addr
                    .do_send(UpdatePolicy(Arc::clone(&running.settings)));
            }
        }
        for (target, new_scenarios) in plan.changed {
            if let Some(running) = self.targets.get_mut(&target.name) {
                if new_scenarios {
                    peers.picker.do_send(SetStream {
                        target: target.name.clone(),
                        catalogue: target.catalogue.clone(),
                    });
                    self.telemetry
                        .target_scenarios(&target.name, target.catalogue.scenarios());
                }
                report.changed.push(target.name.clone());
                running.settings = Arc::new(target);
                running
                    .addr
                    .do_send(Reconfigure(Arc::clone(&running.settings)));
            }
        }
        report.unchanged.sort();
        // Started once every leaving target is retired: a target that moved
        // to another state file leaves and joins under the same name.
        report.added = plan.joining.iter().map(|t| t.name.clone()).collect();
        let joining = plan.joining;
        self.settings.min_interval = new_settings.min_interval;
        if self.settings.policy != new_settings.policy {
            info!("Coordination: {}", new_settings.policy);
            peers
                .recovery
                .do_send(SetPolicy(new_settings.policy.clone()));
            self.settings.policy = new_settings.policy;
        }

        let telemetry = self.telemetry.clone();
        Box::pin(
            async move {
                let mut failed = Vec::new();
                for (name, addr) in retiring {
                    let outcome = match addr.send(Retire).await {
                        Ok(result) => result.map_err(|err| err.source.to_string()),
                        Err(err) => Err(err.to_string()),
                    };
                    if let Err(err) = outcome {
                        error!(target = %name, error = %err, "could not clear a removed target");
                        failed.push(format!("{name}: {err}"));
                    }
                    telemetry.target_removed(&name);
                }
                failed
            }
            .into_actor(self)
            .map(move |failed, actor, _ctx| {
                for target in joining {
                    peers.picker.do_send(SetStream {
                        target: target.name.clone(),
                        catalogue: target.catalogue.clone(),
                    });
                    actor.start_target(target, Arc::clone(&peers));
                }
                report.not_cleared = failed;
                let detail = format!(
                    "added {:?}, removed {:?}, changed {:?}, unchanged {:?}",
                    report.added, report.removed, report.changed, report.unchanged
                );
                info!(
                    added = report.added.len(),
                    removed = report.removed.len(),
                    changed = report.changed.len(),
                    "Configuration reloaded: {detail}"
                );
                actor.telemetry.record(JournalEvent::Reloaded(Note {
                    detail: Some(detail),
                }));
                Ok(report)
            }),
        )
    }
}

/// The outcome of a drain: targets written healthy and those that failed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DrainReport {
    /// Targets whose state file was written healthy.
    pub cleared: usize,
    /// `target: error` for each target that could not be cleared.
    pub failed: Vec<String>,
}

/// Clear every target and stop its schedule.
#[derive(Debug, Message)]
#[rtype(result = "DrainReport")]
pub struct Drain;

impl Handler<Drain> for Supervisor {
    type Result = ResponseFuture<DrainReport>;

    fn handle(&mut self, _msg: Drain, _ctx: &mut Context<Self>) -> Self::Result {
        use futures_util::StreamExt;

        self.draining = true;
        // Targets not started yet have written nothing: they stay so.
        self.to_start = VecDeque::new();
        // Each drained target stops; nothing asks for them again (control
        // requests and reloads are refused from now on). At most
        // DRAIN_WINDOW requests are in flight: each holds a message, an
        // answer channel and the target's pending write, and ten thousand
        // at once would raise the engine's peak memory by a sixth.
        let targets = std::mem::take(&mut self.targets);
        let files = self.files.clone();
        Box::pin(async move {
            let mut report = DrainReport::default();
            let mut replies = futures_util::stream::iter(targets)
                .map(|(name, target)| async move { (name, target.addr.send(DrainTarget).await) })
                .buffered(DRAIN_WINDOW);
            while let Some((name, reply)) = replies.next().await {
                match reply {
                    Ok(Ok(())) => report.cleared += 1,
                    Ok(Err(err)) => report.failed.push(err.to_string()),
                    Err(err) => report.failed.push(format!("{name}: {err}")),
                }
            }
            // Every file is written healthy: one sync per file system puts
            // them on disk before the engine exits. A failed sync is
            // logged; readers already see the healthy files.
            crate::state_files::log_sync_failures(files.sync().await);
            report
        })
    }
}
