//! The TargetActor: owns exactly one target's failures and schedule.
//!
//! The decisions (when to clear, inject, look, retry; pause, reload,
//! drain) are made by its [`core::TargetCore`], a state machine
//! without effects. The actor feeds it the time and every event (a timer
//! fired, a write worked or failed, a probe answered, a control message
//! came) and carries out the [`Command`]s it answers: through its
//! [`FaultBackend`] (the state file today) for what touches the target,
//! through actix for timers and messages, and to [`Telemetry`] for logs,
//! metrics and the journal.
//!
//! It writes the target healthy at start, waits `startup_wait`, then starts
//! an injection every `interval` (start to start): it asks the
//! WeightedPicker what to inject, applies the failure and hands its
//! deadline to the RecoveryActor, which later sends [`Recover`]. Runtime
//! control arrives as [`Pause`], [`Resume`], [`InjectNow`], [`ClearNow`],
//! [`Reconfigure`] and [`Retire`] (on reload), and [`DrainTarget`] at
//! shutdown. A write that fails is logged with the OS error and retried; it
//! never affects other targets.
//!
//! The cycle's checks (windows, probe, cap, pick, next start) live in
//! `schedule.rs`; the watch over an active failure in `watch.rs`; applying
//! and clearing in `effects.rs`; the runtime-control messages in
//! `control_messages.rs`; the service's health from its probe answers in
//! `health.rs`.
//!
//! [`Telemetry`]: crate::telemetry::Telemetry

use std::collections::BTreeSet;
use std::sync::Arc;

use actix::fut::ActorFutureExt;
use actix::{
    Actor, ActorContext, Addr, AsyncContext, Context, Handler, Message, ResponseActFuture,
    SpawnHandle,
};
use tokio::time::Instant;
use tracing::info;

use super::picker::WeightedPicker;
use super::recovery::{InUse, RecoveryActor};
use crate::clock::format_duration;
use crate::config::TargetSettings;
use crate::telemetry::SharedTelemetry;

mod control_messages;
pub mod core;
mod effects;
mod health;
mod schedule;
mod watch;

pub use crate::backend::{BackendError, FaultBackend, StateFileBackend};
pub use control_messages::{ClearNow, InjectNow, Pause, Reconfigure, Resume, Retire, UpdatePolicy};
pub use effects::{InjectError, TargetError};

use self::core::{ClearJob, Command, Now, TargetCore, Timing};

/// Whether this run injects for real.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunMode {
    /// False: write healthy (`reason: disabled`) and never inject.
    pub enabled: bool,
    /// True: log picks, write nothing but healthy.
    pub dry_run: bool,
}

/// How many distinct modes outside its catalogue a target accepts by hand
/// in one run (each is a metric series and a status entry).
pub const MAX_AD_HOC_MODES: usize = 16;

/// The actors every target talks to: one copy shared by all targets
/// (cloning an actix `Addr` allocates, and each target would hold two).
#[derive(Debug)]
pub struct Peers {
    /// Draws each cycle's scenario.
    pub picker: Addr<WeightedPicker>,
    /// Ends every failure at its deadline.
    pub recovery: Addr<RecoveryActor>,
}

/// One target's failures and schedule.
pub struct TargetActor {
    /// Shared with the supervisor's record of the running target.
    settings: Arc<TargetSettings>,
    dry_run: bool,
    core: TargetCore,
    backend: Box<dyn FaultBackend>,
    telemetry: SharedTelemetry,
    peers: Arc<Peers>,
    /// Failures active or about to start, as the RecoveryActor counts them.
    in_use: InUse,
    /// Made on the first probe; `None` for targets without a probe.
    /// (Boxed: most targets have no probe, and every target carries the
    /// field.)
    probe_client: Option<Box<awc::Client>>,
    /// The service's health from its probe's answers; `None` for targets
    /// without a probe (their health is `unknown`).
    health: Option<Box<health::HealthWatch>>,
    /// The timer of the planned start.
    timer: Option<SpawnHandle>,
    /// Modes outside the catalogue injected by hand (API, CLI) in this run,
    /// at most [`MAX_AD_HOC_MODES`]: each becomes a metric series.
    ad_hoc_modes: BTreeSet<String>,
    /// The error of a clear whose effect had to wait, for the handler that
    /// asked for it (read after the wait).
    /// (Boxed: rarely set, and every target carries the field.)
    deferred_error: Option<Box<TargetError>>,
    /// The outcome of the latest injection, for the handler that asked for
    /// it (read after the wait, if its effect had to wait).
    /// (Boxed: rarely set, and every target carries the field.)
    injection_outcome: Option<Box<Result<crate::outcome::InjectedFailure, InjectError>>>,
}

/// The durations of `settings` the core decides with, and whether a probe
/// may end a failure of `backend`.
fn timing(settings: &TargetSettings, backend: &dyn FaultBackend) -> Timing {
    Timing {
        startup_wait: settings.startup_wait,
        interval: settings.interval,
        recovery: settings.recovery,
        has_probe: settings.probe.is_some(),
        probe_repairs: backend.probe_repairs(),
        probe_period: settings
            .probe
            .as_ref()
            .map(|p| p.period)
            .unwrap_or_default(),
    }
}

impl TargetActor {
    /// A target actor whose failures take effect through `backend`; it
    /// does nothing until started.
    pub fn new(
        settings: Arc<TargetSettings>,
        backend: Box<dyn FaultBackend>,
        mode: RunMode,
        telemetry: SharedTelemetry,
        peers: Arc<Peers>,
        in_use: InUse,
    ) -> Self {
        TargetActor {
            core: TargetCore::new(timing(&settings, backend.as_ref()), mode.enabled),
            dry_run: mode.dry_run,
            backend,
            settings,
            telemetry,
            peers,
            in_use,
            probe_client: None,
            health: None,
            timer: None,
            ad_hoc_modes: BTreeSet::new(),
            deferred_error: None,
            injection_outcome: None,
        }
    }

    fn name(&self) -> &str {
        &self.settings.name
    }

    /// The present, on both clocks.
    fn now(&self) -> Now {
        Now {
            at: Instant::now(),
            unix: self.telemetry.clock.unix_now(),
        }
    }

    /// Carries out `commands` in order (and whatever their outcomes lead
    /// to). Answers the error of the last clear that failed, if one did.
    fn run(&mut self, commands: Vec<Command>, ctx: &mut Context<Self>) -> Result<(), TargetError> {
        let mut outcome = Ok(());
        for command in commands {
            if let Err(err) = self.carry_out(command, ctx) {
                outcome = Err(err);
            }
        }
        outcome
    }

    fn carry_out(&mut self, command: Command, ctx: &mut Context<Self>) -> Result<(), TargetError> {
        match command {
            Command::Clear(job) => return self.clear(job, ctx),
            Command::RetryAt { at, job } => {
                let wait = at.saturating_duration_since(Instant::now());
                ctx.run_later(wait, move |actor, ctx| {
                    let commands = actor.core.retry_due(job);
                    // A retry that fails again plans its own next try.
                    let _ = actor.run(commands, ctx);
                });
            }
            Command::ScheduleAt {
                at,
                cycle,
                announce,
            } => self.schedule_at(at, cycle, announce, ctx),
            Command::CancelSchedule => self.cancel_schedule(ctx),
            Command::CheckCycle {
                cycle,
                planned,
                lateness,
                next_due,
            } => self.check_cycle(cycle, planned, lateness, next_due, ctx),
            Command::WatchAt { id, at } => {
                let wait = at.saturating_duration_since(Instant::now());
                ctx.run_later(wait, move |actor, ctx| {
                    let commands = actor.core.watch_due(&id);
                    let _ = actor.run(commands, ctx);
                });
            }
            Command::Observe { id, at_deadline } => {
                let observation = self.backend.observe(&id);
                let commands = self
                    .core
                    .observed(&id, at_deadline, observation, self.now());
                return self.run(commands, ctx);
            }
            Command::Probe(purpose) => self.send_probe(purpose, ctx),
            Command::ComebackAt { id, at } => {
                let wait = at.saturating_duration_since(Instant::now());
                ctx.run_later(wait, move |actor, ctx| {
                    let commands = actor.core.comeback_due(&id, actor.now());
                    let _ = actor.run(commands, ctx);
                });
            }
            Command::Replaced(ended) => self.record_replaced(ended),
            Command::EndedElsewhere { ended, how } => {
                let id = ended.failure.id.clone();
                self.record_ended_elsewhere(ended, &how);
                self.release(&id, ctx);
            }
            Command::Manifested {
                failure,
                seen_by,
                detail,
            } => self.record_manifested(&failure, seen_by, &detail),
            Command::RepairedInPlace { failure } => self.record_repaired_in_place(&failure),
            Command::HealthyAgain {
                failure,
                expired_at,
                healthy_at,
            } => self.record_healthy_again(&failure, expired_at, healthy_at),
        }
        Ok(())
    }
}

impl Actor for TargetActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let name = self.settings.name.clone();
        let commands = self.core.start(self.now());
        if self.core.lifecycle() == self::core::Lifecycle::Disabled {
            info!(target = %name, "Chaos disabled: no failure will be injected");
        } else {
            info!(
                target = %name,
                "Waiting {} for {name} to stabilize",
                format_duration(self.settings.startup_wait)
            );
        }
        // A failed startup clear is retried every second by the core.
        let _ = self.run(commands, ctx);
        self.watch_health(ctx, false);
    }
}

/// The failure with this id has lasted its recovery period: clear it.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Recover {
    /// The injection's id; ignored if it is no longer the active one.
    pub id: String,
}

impl Handler<Recover> for TargetActor {
    type Result = ();

    fn handle(&mut self, msg: Recover, ctx: &mut Context<Self>) {
        // The engine is not the only writer: a restarted target writes its
        // file healthy, a person may inject by hand. The core looks first
        // and clears only our own failure; a failed clear is retried.
        let commands = self.core.recovery_due(&msg.id);
        let _ = self.run(commands, ctx);
    }
}

/// Shut down: stop the schedule, write the target healthy
/// (`reason: shutdown`) and report whether that worked.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), TargetError>")]
pub struct DrainTarget;

impl Handler<DrainTarget> for TargetActor {
    type Result = ResponseActFuture<Self, Result<(), TargetError>>;

    fn handle(&mut self, _msg: DrainTarget, ctx: &mut Context<Self>) -> Self::Result {
        // A state file's shutdown clear is queued with every other
        // target's and written off this thread (see `StateFiles`); the
        // answer waits for it.
        let commands = self.core.drain(ClearJob::Drain);
        self.answer_after_effects(commands, ctx, |result, _actor, ctx| {
            ctx.stop();
            result
        })
    }
}

impl TargetActor {
    /// Carries out `commands` and answers, once every effect they started
    /// is done (an effect that must wait holds the mailbox, and the answer
    /// runs after it), what `answer` makes of their outcome: the first
    /// error of a clear, if one failed.
    fn answer_after_effects<R: 'static>(
        &mut self,
        commands: Vec<self::core::Command>,
        ctx: &mut Context<Self>,
        answer: impl FnOnce(Result<(), TargetError>, &mut Self, &mut Context<Self>) -> R + 'static,
    ) -> ResponseActFuture<Self, R> {
        self.deferred_error = None;
        let at_once = self.run(commands, ctx);
        Box::pin(actix::fut::ready(()).map(move |(), actor: &mut Self, ctx| {
            let outcome = match (at_once, actor.deferred_error.take().map(|err| *err)) {
                (Err(err), _) | (Ok(()), Some(err)) => Err(err),
                (Ok(()), None) => Ok(()),
            };
            answer(outcome, actor, ctx)
        }))
    }
}
