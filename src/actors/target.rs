//! The TargetActor: owns exactly one target's state file and schedule.
//!
//! It writes the file healthy at start, waits `startup_wait`, then starts an
//! injection every `interval` (start to start): it asks the WeightedPicker
//! what to inject, writes the failure atomically and hands its deadline to
//! the RecoveryActor, which later sends [`Recover`]. On [`DrainTarget`] it
//! cancels its schedule, writes the file healthy and acknowledges. A write
//! that fails is logged with the OS error and retried at the next tick; it
//! never affects other targets.

use std::time::Duration;

use actix::fut::ActorFutureExt;
use actix::{
    Actor, ActorContext, Addr, AsyncContext, Context, Handler, Message, SpawnHandle, WrapFuture,
};
use chaos_state::{read_state, write_atomic, ClearReason, FailureSpec, ReadOutcome, StateRecord};
use tokio::time::Instant;
use tracing::{error, info, warn};

use super::picker::{NextPick, WeightedPicker};
use super::recovery::{FailureEnded, Injected, RecoveryActor};
use crate::clock::{round_millis, SharedClock};
use crate::config::duration::format_duration;
use crate::config::TargetSettings;
use crate::picker::Pick;

/// How soon a failed clear is tried again (capped by the next tick).
const CLEAR_RETRY: Duration = Duration::from_secs(1);

/// Whether this run injects for real.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunMode {
    /// False: write healthy (`reason: disabled`) and never inject.
    pub enabled: bool,
    /// True: log picks, write nothing but healthy.
    pub dry_run: bool,
}

/// The failure this target is acting out now.
#[derive(Debug, Clone)]
struct ActiveFailure {
    id: String,
    scenario: String,
    mode: String,
    delay: u64,
}

/// One target's state file and schedule.
pub struct TargetActor {
    settings: TargetSettings,
    mode: RunMode,
    clock: SharedClock,
    picker: Addr<WeightedPicker>,
    recovery: Addr<RecoveryActor>,
    active: Option<ActiveFailure>,
    /// When the next injection is planned to start.
    next_injection: Option<Instant>,
    timer: Option<SpawnHandle>,
    draining: bool,
}

impl TargetActor {
    /// A target actor; it does nothing until started.
    pub fn new(
        settings: TargetSettings,
        mode: RunMode,
        clock: SharedClock,
        picker: Addr<WeightedPicker>,
        recovery: Addr<RecoveryActor>,
    ) -> Self {
        TargetActor {
            settings,
            mode,
            clock,
            picker,
            recovery,
            active: None,
            next_injection: None,
            timer: None,
            draining: false,
        }
    }

    fn write_healthy(&self, reason: ClearReason) -> Result<(), String> {
        let record = StateRecord::healthy(
            &self.settings.name,
            reason,
            round_millis(self.clock.unix_now()),
        );
        write_atomic(&self.settings.state_file, &record).map_err(|err| err.to_string())
    }

    /// Waits until the planned next injection, then injects. `announce`
    /// logs the wait (the first wait is announced as the startup wait).
    fn schedule_next(&mut self, ctx: &mut Context<Self>, announce: bool) {
        let Some(planned) = self.next_injection.filter(|_| !self.draining) else {
            return;
        };
        let wait = planned.saturating_duration_since(Instant::now());
        if announce {
            info!(
            target = %self.settings.name,
            wait_secs = wait.as_secs_f64(),
            "Waiting {} until next chaos cycle",
                format_duration(round_wait(wait))
            );
        }
        self.timer = Some(ctx.run_later(wait, |actor, ctx| actor.start_injection(ctx)));
    }

    /// A tick: plan the next one (start to start), then pick and inject.
    fn start_injection(&mut self, ctx: &mut Context<Self>) {
        if self.draining {
            return;
        }
        let now = Instant::now();
        let planned = self.next_injection.unwrap_or(now);
        let lateness = now.saturating_duration_since(planned);
        // Durations are capped at ten years (config::duration::MAX_DURATION),
        // so these additions cannot overflow an Instant.
        let mut next = planned + self.settings.interval;
        while next <= now {
            // More than a whole interval late (e.g. the machine was
            // suspended): skip the missed cycles instead of bursting.
            next += self.settings.interval;
        }
        self.next_injection = Some(next);
        if lateness > Duration::from_millis(50) {
            warn!(
                target = %self.settings.name,
                lateness_ms = lateness.as_millis() as u64,
                "injection started late"
            );
        }

        let request = NextPick {
            target: self.settings.name.clone(),
        };
        let pick = self.picker.send(request).into_actor(self).map(|result, actor, ctx| {
            match result {
                Ok(Some(pick)) => actor.inject(pick, ctx),
                Ok(None) => error!(target = %actor.settings.name, "the picker has no stream for this target"),
                Err(err) => error!(target = %actor.settings.name, error = %err, "the picker did not answer"),
            }
            actor.schedule_next(ctx, true);
        });
        ctx.spawn(pick);
    }

    fn inject(&mut self, pick: Pick, ctx: &mut Context<Self>) {
        if self.draining {
            return;
        }
        let id = uuid::Uuid::new_v4().to_string();
        let name = self.settings.name.as_str();
        if self.mode.dry_run {
            info!(
                target = %name, scenario = %pick.scenario, mode = %pick.mode, delay = pick.delay, id = %id,
                "[dry run] would inject {} failure into {name}", pick.scenario
            );
            return;
        }
        let timestamp = round_millis(self.clock.unix_now());
        let spec = FailureSpec {
            target: name,
            scenario: &pick.scenario,
            mode: &pick.mode,
            delay: pick.delay,
            id: &id,
            timestamp,
            expires_at: round_millis(timestamp + self.settings.recovery.as_secs_f64()),
        };
        match write_atomic(&self.settings.state_file, &StateRecord::failure(&spec)) {
            Ok(()) => {
                warn!(
                    target = %name, scenario = %pick.scenario, mode = %pick.mode, delay = pick.delay, id = %id,
                    expires_at = spec.expires_at,
                    "💥 Injecting {} failure into {name}", pick.scenario
                );
                self.active = Some(ActiveFailure {
                    id: id.clone(),
                    scenario: pick.scenario.clone(),
                    mode: pick.mode.clone(),
                    delay: pick.delay,
                });
                self.recovery.do_send(Injected {
                    id,
                    target: name.to_owned(),
                    recovery: self.settings.recovery,
                    owner: ctx.address().recipient(),
                });
            }
            Err(err) => error!(
                target = %name, scenario = %pick.scenario, mode = %pick.mode, delay = pick.delay, id = %id,
                error = %err,
                "could not write the failure state; retrying at the next tick"
            ),
        }
    }
}

/// Rounds a wait for display (`149.998s` reads as `150s`).
fn round_wait(wait: Duration) -> Duration {
    Duration::from_millis(((wait.as_secs_f64() * 100.0).round() * 10.0) as u64)
}

impl Actor for TargetActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let reason = if self.mode.enabled {
            ClearReason::Startup
        } else {
            ClearReason::Disabled
        };
        self.handle(InitialClear { reason }, ctx);
        let name = &self.settings.name;
        if !self.mode.enabled {
            info!(target = %name, "Chaos disabled: no failure will be injected");
            return;
        }
        self.next_injection = Some(Instant::now() + self.settings.startup_wait);
        info!(
            target = %name,
            "Waiting {} for {name} to stabilize",
            format_duration(self.settings.startup_wait)
        );
        self.schedule_next(ctx, false);
    }
}

/// Write the state file healthy at start (`startup`, or `disabled`), and
/// keep trying every second until it works: a failure left by a killed
/// engine must not linger, even with chaos disabled and no tick to come.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
struct InitialClear {
    reason: ClearReason,
}

impl Handler<InitialClear> for TargetActor {
    type Result = ();

    fn handle(&mut self, msg: InitialClear, ctx: &mut Context<Self>) {
        if self.draining || self.active.is_some() {
            // Shutting down, or a failure already replaced the file.
            return;
        }
        let (name, reason) = (&self.settings.name, msg.reason);
        match self.write_healthy(reason) {
            Ok(()) => info!(target = %name, reason = %reason, "✓ Failure state cleared ({reason})"),
            Err(err) => {
                error!(target = %name, reason = %reason, error = %err, "could not clear the failure state; retrying");
                ctx.notify_later(msg, CLEAR_RETRY);
            }
        }
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
        let Some(active) = self.active.clone() else {
            return;
        };
        if active.id != msg.id || self.draining {
            return;
        }
        let name = &self.settings.name;
        // The engine is not the only writer: a restarted target writes its
        // file healthy, a person may inject by hand. Clear only our own
        // failure (or a file that no longer holds a valid record).
        if let ReadOutcome::Record(record) = read_state(&self.settings.state_file) {
            if record.id.as_deref() != Some(active.id.as_str()) {
                info!(
                    target = %name, scenario = %active.scenario, mode = %active.mode, delay = active.delay,
                    id = %active.id, now_mode = %record.mode, written_by = record.cleared_by.as_deref().or(record.injected_by.as_deref()).unwrap_or("unknown"),
                    "State file rewritten by another writer before recovery; leaving it as it is"
                );
                self.active = None;
                return;
            }
        }
        match self.write_healthy(ClearReason::Recovery) {
            Ok(()) => {
                info!(
                    target = %name, scenario = %active.scenario, mode = %active.mode, delay = active.delay,
                    id = %active.id, reason = %ClearReason::Recovery,
                    "✓ Failure state cleared"
                );
                self.active = None;
            }
            Err(err) => {
                error!(
                    target = %name, scenario = %active.scenario, mode = %active.mode, delay = active.delay,
                    id = %active.id, error = %err,
                    "could not clear the failure state; retrying"
                );
                ctx.notify_later(msg, CLEAR_RETRY.min(self.settings.interval));
            }
        }
    }
}

/// Shut down: stop the schedule, write the state file healthy
/// (`reason: shutdown`) and report whether that worked.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), String>")]
pub struct DrainTarget;

impl Handler<DrainTarget> for TargetActor {
    type Result = Result<(), String>;

    fn handle(&mut self, _msg: DrainTarget, ctx: &mut Context<Self>) -> Result<(), String> {
        self.draining = true;
        if let Some(timer) = self.timer.take() {
            ctx.cancel_future(timer);
        }
        let ended = self.active.take();
        if let Some(active) = &ended {
            self.recovery.do_send(FailureEnded {
                id: active.id.clone(),
            });
        }
        let result = self.write_healthy(ClearReason::Shutdown);
        let name = &self.settings.name;
        match (&result, &ended) {
            (Ok(()), Some(active)) => info!(
                target = %name, scenario = %active.scenario, mode = %active.mode, delay = active.delay,
                id = %active.id, reason = %ClearReason::Shutdown,
                "✓ Failure state cleared (shutdown)"
            ),
            (Ok(()), None) => {
                info!(target = %name, reason = %ClearReason::Shutdown, "✓ Failure state cleared (shutdown)")
            }
            (Err(err), _) => {
                error!(target = %name, error = %err, "could not clear the failure state at shutdown")
            }
        }
        ctx.stop();
        result.map_err(|err| format!("{}: {err}", self.settings.name))
    }
}
