//! Carrying out one target's chaos cycle (the core decides when it
//! starts and when the next one is due).
//!
//! At each planned start the target checks, in order:
//! 1. the time windows (`policy.windows`): outside, the cycle is skipped;
//! 2. its probe, if it has one: an unhealthy target is skipped, never hit
//!    again while it is down;
//! 3. a slot from the RecoveryActor (`policy.max_concurrent_failures`):
//!    refused, the cycle is skipped; under `wait`, it waits at most until
//!    the next cycle is due;
//! 4. the draw from the WeightedPicker: with `policy.control_rate`, a
//!    control window (the slot is given back at once, nothing is written,
//!    `control_window` is journalled); otherwise the pick, then the
//!    failure is written.
//!
//! Control draws and picks are made only for cycles that passed the
//! checks, so a seeded target goes through exactly the sequence `preview`
//! shows. Then it plans the next start: one
//! interval after this one, lengthened by jitter (drawn from the picker)
//! and by backoff when more failures are active than `policy.backoff`
//! allows; where the interval is not longer than the recovery, that
//! interval counts from the clear (the core's `Timing::start_to_start`).

use std::sync::atomic::Ordering;
use std::time::Duration;

use actix::fut::ActorFutureExt;
use actix::{Addr, AsyncContext, Context, WrapFuture};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tracing::{error, info, warn};

use super::TargetActor;
use crate::actors::picker::{NextCycle, NextJitter};
use crate::actors::recovery::{RecoveryActor, RequestSlot, Slot, SlotAnswer};
use crate::clock::format_duration;
use crate::outcome::SkipReason;
use crate::picker::Cycle;
use crate::probe::probe;
use crate::windows::WindowCheck;

/// A scheduled injection this late is logged as a warning.
const LATE_WARNING: Duration = Duration::from_millis(50);

/// Why a cycle's checks stopped short of an injection.
#[derive(Debug)]
struct Skip {
    reason: SkipReason,
    detail: String,
}

/// Asks the RecoveryActor for a slot; under `wait` at the cap, waits for
/// one until `next_due` (dropping the receiver on the way out, which takes
/// this target out of the queue).
async fn request_slot(
    recovery: Addr<RecoveryActor>,
    target: String,
    next_due: Instant,
) -> Result<Slot, Skip> {
    let (reply, later) = oneshot::channel();
    let answer = recovery.send(RequestSlot { target, reply }).await;
    match answer {
        Ok(SlotAnswer::Granted(slot)) => Ok(slot),
        Ok(SlotAnswer::Refused { in_use, cap }) => Err(Skip {
            reason: SkipReason::Cap,
            detail: format!("{in_use} failure(s) active, the cap is {cap}"),
        }),
        Ok(SlotAnswer::Queued) => match tokio::time::timeout_at(next_due, later).await {
            Ok(Ok(slot)) => Ok(slot),
            Ok(Err(_)) => Err(Skip {
                reason: SkipReason::Cap,
                detail: "the recovery actor stopped while this target waited".to_owned(),
            }),
            Err(_) => Err(Skip {
                reason: SkipReason::Cap,
                detail: "waited for a free slot until the next cycle was due".to_owned(),
            }),
        },
        Err(err) => Err(Skip {
            reason: SkipReason::Cap,
            detail: format!("the recovery actor did not answer: {err}"),
        }),
    }
}

impl TargetActor {
    /// Plans the start of `cycle` at `at`, replacing any planned one.
    /// `announce` logs the wait (the first one is logged as the startup
    /// wait when the actor starts).
    pub(super) fn schedule_at(
        &mut self,
        at: Instant,
        cycle: u64,
        announce: bool,
        ctx: &mut Context<Self>,
    ) {
        if let Some(timer) = self.timer.take() {
            ctx.cancel_future(timer);
        }
        let wait = at.saturating_duration_since(Instant::now());
        let at_unix =
            crate::clock::round_millis(self.telemetry.clock.unix_now() + wait.as_secs_f64());
        self.telemetry.next_injection(self.name(), Some(at_unix));
        if announce {
            info!(
                target = %self.settings.name,
                wait_secs = wait.as_secs_f64(),
                "Waiting {} until next chaos cycle",
                format_duration(round_wait(wait))
            );
        }
        self.timer = Some(ctx.run_later(wait, move |actor, ctx| {
            actor.timer = None;
            let commands = actor.core.start_due(cycle, actor.now());
            let _ = actor.run(commands, ctx);
        }));
    }

    /// Nothing is planned any more.
    pub(super) fn cancel_schedule(&mut self, ctx: &mut Context<Self>) {
        if let Some(timer) = self.timer.take() {
            ctx.cancel_future(timer);
        }
        self.telemetry.next_injection(self.name(), None);
    }

    /// A planned start: check windows, probe and cap, then pick and inject,
    /// then plan the next start.
    pub(super) fn check_cycle(
        &mut self,
        cycle: u64,
        planned: Instant,
        lateness: Duration,
        next_due: Instant,
        ctx: &mut Context<Self>,
    ) {
        if lateness > LATE_WARNING {
            warn!(
                target = %self.settings.name,
                lateness_ms = lateness.as_millis() as u64,
                "injection started late"
            );
        }
        let lateness_ms = crate::clock::duration_ms(lateness);

        if let Some(skip) = self.window_skip() {
            self.skip_cycle(skip, cycle, planned, ctx);
            return;
        }

        let name = self.settings.name.clone();
        let probe_check = self
            .settings
            .probe
            .clone()
            .map(|settings| (self.probe_client(), settings));
        let recovery = self.peers.recovery.clone();
        if probe_check.is_some() {
            self.probe_sent();
        }
        let probed = async move {
            match probe_check {
                Some((client, settings)) => Some((probe(&client, &settings).await, settings.url)),
                None => None,
            }
        };
        // The probe's answer goes to the service's health at once, before
        // any wait for a slot.
        let checks = probed.into_actor(self).then(move |probed, actor, _ctx| {
            let unhealthy = probed.and_then(|(outcome, url)| {
                actor.probe_answered(&outcome);
                outcome.failure().map(|detail| Skip {
                    reason: SkipReason::Unhealthy,
                    detail: format!("probe {url}: {detail}"),
                })
            });
            async move {
                match unhealthy {
                    Some(skip) => Err(skip),
                    // Under `wait`, waiting for a slot ends when the next
                    // cycle is due.
                    None => request_slot(recovery, name, next_due).await,
                }
            }
            .into_actor(actor)
        });
        let checked = checks.map(move |result, actor, ctx| {
            // Paused, resumed, reconfigured or shutting down while the
            // checks ran: the new schedule wins; an unused slot is given
            // back when it is dropped.
            if !actor.core.is_current(cycle) {
                return;
            }
            match result {
                Ok(slot) => actor.pick_and_inject(slot, cycle, planned, lateness_ms, ctx),
                Err(skip) => actor.skip_cycle(skip, cycle, planned, ctx),
            }
        });
        ctx.spawn(checked);
    }

    /// The checks passed and `slot` is held: draw the cycle (only now, so
    /// a cycle cancelled during its checks consumes nothing), then inject
    /// its pick or open a control window, then plan.
    fn pick_and_inject(
        &mut self,
        slot: Slot,
        cycle: u64,
        planned: Instant,
        lateness_ms: f64,
        ctx: &mut Context<Self>,
    ) {
        let request = self.peers.picker.send(NextCycle {
            target: self.settings.name.clone(),
            control_rate: self.settings.policy.control_rate,
        });
        let picked = request.into_actor(self).map(move |drawn, actor, ctx| {
            if !actor.core.is_current(cycle) {
                return;
            }
            match drawn {
                // Errors are logged and journalled by `inject`; the slot
                // goes back when it is dropped.
                Ok(Some(Cycle::Inject(pick))) => {
                    actor.inject(pick, None, Some(lateness_ms), Some(slot), None, ctx);
                }
                Ok(Some(Cycle::Control)) => {
                    // A control window holds no slot.
                    drop(slot);
                    actor.control_window();
                }
                Ok(None) => {
                    error!(target = %actor.settings.name, "the picker has no stream for this target")
                }
                Err(err) => {
                    error!(target = %actor.settings.name, error = %err, "the picker did not answer")
                }
            }
            actor.plan_next(cycle, planned, ctx);
        });
        ctx.spawn(picked);
    }

    /// This cycle injects nothing on purpose: log and journal a control
    /// window as long as a failure would last (nothing is written).
    fn control_window(&mut self) {
        if self.core.may_inject().is_err() || self.telemetry.is_shutting_down() {
            return;
        }
        let name = &self.settings.name;
        let at = crate::clock::round_millis(self.telemetry.clock.unix_now());
        let ends_at = crate::clock::round_millis(at + self.settings.recovery.as_secs_f64());
        let id = uuid::Uuid::new_v4().to_string();
        info!(
            target = %name, id = %id, ends_at,
            "Control window on {name}: nothing injected until {}",
            crate::clock::format_unix(ends_at)
        );
        self.telemetry.control_window(name, &id, at, ends_at);
    }

    /// The window check at this instant, as a skip if chaos is not allowed.
    fn window_skip(&self) -> Option<Skip> {
        let windows = self.settings.policy.windows.as_ref()?;
        match windows.check(self.telemetry.clock.unix_now()) {
            // `next_open` answers an instant at or after `now`, so the wait
            // below is finite and not negative.
            WindowCheck::Open => None,
            WindowCheck::Closed { reason, detail } => {
                let now = self.telemetry.clock.unix_now();
                let reopens = match self.settings.policy.window_reopens_at(now) {
                    Some(at) => format!(
                        "; chaos allowed again in {}",
                        // Whole minutes read best at this scale ("15h", "2h 5m").
                        humantime::format_duration(Duration::from_secs(
                            ((at - now).max(0.0) / 60.0).round() as u64 * 60
                        ))
                    ),
                    None => "; no window opens in the next 8 days".to_owned(),
                };
                Some(Skip {
                    reason: match reason {
                        crate::windows::ClosedReason::OutsideAllowed => SkipReason::Window,
                        crate::windows::ClosedReason::Blackout => SkipReason::Blackout,
                    },
                    detail: detail + &reopens,
                })
            }
        }
    }

    /// Records a skipped cycle and plans the next one.
    fn skip_cycle(&mut self, skip: Skip, cycle: u64, planned: Instant, ctx: &mut Context<Self>) {
        let in_use = self.in_use.load(Ordering::Relaxed);
        let reason = skip.reason.as_str();
        match skip.reason {
            SkipReason::Window | SkipReason::Blackout => info!(
                target = %self.settings.name, reason, detail = %skip.detail,
                "Skipping this chaos cycle: {}", skip.detail
            ),
            SkipReason::Unhealthy | SkipReason::Cap => warn!(
                target = %self.settings.name, reason, detail = %skip.detail,
                "Skipping this chaos cycle: {}", skip.detail
            ),
        }
        self.telemetry
            .skipped(&self.settings.name, skip.reason, &skip.detail, in_use);
        self.plan_next(cycle, planned, ctx);
    }

    /// Works out the step to the start after the one planned at `planned`
    /// (one interval, with jitter and backoff) and lets the core plan it.
    fn plan_next(&mut self, cycle: u64, planned: Instant, ctx: &mut Context<Self>) {
        let in_use = self.in_use.load(Ordering::Relaxed);
        let policy = self.settings.policy.clone();
        if policy.jitter <= 0.0 {
            let step = policy.next_interval(self.settings.interval, in_use, 0.0);
            let commands = self.core.plan_after(cycle, planned, step, self.now());
            let _ = self.run(commands, ctx);
            return;
        }
        let draw = self.peers.picker.send(NextJitter {
            target: self.settings.name.clone(),
        });
        let plan = draw.into_actor(self).map(move |draw, actor, ctx| {
            let step = policy.next_interval(actor.settings.interval, in_use, draw.unwrap_or(0.0));
            let commands = actor.core.plan_after(cycle, planned, step, actor.now());
            let _ = actor.run(commands, ctx);
        });
        ctx.spawn(plan);
    }

    /// The probe client, made on first use (targets without a probe never
    /// hold one).
    pub(super) fn probe_client(&mut self) -> awc::Client {
        awc::Client::clone(
            self.probe_client
                .get_or_insert_with(|| Box::new(crate::probe::client())),
        )
    }
}

/// Rounds a wait for display (`149.998s` reads as `150s`).
fn round_wait(wait: Duration) -> Duration {
    Duration::from_millis(((wait.as_secs_f64() * 100.0).round() * 10.0) as u64)
}
