//! One target's chaos cycle, start to start.
//!
//! At each planned start the target checks, in order:
//! 1. the time windows (`policy.windows`): outside, the cycle is skipped;
//! 2. its probe, if it has one: an unhealthy target is skipped, never hit
//!    again while it is down;
//! 3. a slot from the RecoveryActor (`policy.max_concurrent_failures`):
//!    refused, the cycle is skipped; under `wait`, it waits at most until
//!    the next cycle is due;
//! 4. the pick from the WeightedPicker, then writes the failure.
//!
//! Picks are drawn only for cycles that inject, so a seeded target injects
//! exactly the sequence `preview` shows. Then it plans the next start: one
//! interval after this one, lengthened by jitter (drawn from the picker)
//! and by backoff when more failures are active than `policy.backoff`
//! allows.

use std::sync::atomic::Ordering;
use std::time::Duration;

use actix::fut::ActorFutureExt;
use actix::{AsyncContext, Context, WrapFuture};
use tokio::time::Instant;
use tracing::{error, info, warn};

use super::{round_wait, TargetActor, LATE_WARNING};
use crate::actors::picker::{NextJitter, NextPick};
use crate::actors::recovery::{RequestSlot, Slot, SlotAnswer};
use crate::config::duration::format_duration;
use crate::outcome::SkipReason;
use crate::picker::Pick;
use crate::probe::{probe, ProbeOutcome};
use crate::windows::WindowCheck;

/// Why a cycle's checks stopped short of an injection.
#[derive(Debug)]
struct Skip {
    reason: SkipReason,
    detail: String,
}

impl TargetActor {
    /// Stops the schedule (timer cancelled, nothing planned).
    pub(super) fn stop_schedule(&mut self, ctx: &mut Context<Self>) {
        if let Some(timer) = self.timer.take() {
            ctx.cancel_future(timer);
        }
        self.next_injection = None;
        self.telemetry.next_injection(self.name(), None);
    }

    /// Plans the next injection at `at` and waits for it. `announce` logs
    /// the wait (the first wait is announced as the startup wait).
    pub(super) fn schedule_at(&mut self, at: Instant, ctx: &mut Context<Self>, announce: bool) {
        if self.draining || self.paused || !self.mode.enabled {
            return;
        }
        if let Some(timer) = self.timer.take() {
            ctx.cancel_future(timer);
        }
        self.next_injection = Some(at);
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
        self.timer = Some(ctx.run_later(wait, |actor, ctx| actor.start_injection(ctx)));
    }

    /// A planned start: check windows, probe and cap, then pick and inject,
    /// then plan the next start.
    pub(super) fn start_injection(&mut self, ctx: &mut Context<Self>) {
        self.timer = None;
        if self.draining || self.paused {
            return;
        }
        let now = Instant::now();
        let planned = self.next_injection.unwrap_or(now);
        let lateness = now.saturating_duration_since(planned);
        self.last_start = Some(planned);
        if lateness > LATE_WARNING {
            warn!(
                target = %self.settings.name,
                lateness_ms = lateness.as_millis() as u64,
                "injection started late"
            );
        }
        let lateness_ms = (lateness.as_secs_f64() * 1e6).round() / 1e3;

        if let Some(skip) = self.window_skip() {
            self.skip_cycle(skip, planned, ctx);
            return;
        }

        let name = self.settings.name.clone();
        let probe_check = self
            .settings
            .probe
            .clone()
            .map(|settings| (self.probe_client(), settings));
        let recovery = self.recovery.clone();
        let picker = self.picker.clone();
        // Waiting for a slot ends when the next cycle is due.
        let give_up_after = (planned + self.settings.interval).saturating_duration_since(now);
        let checks = async move {
            if let Some((client, settings)) = probe_check {
                if let ProbeOutcome::Unhealthy(detail) = probe(&client, &settings).await {
                    return Err(Skip {
                        reason: SkipReason::Unhealthy,
                        detail: format!("probe {}: {detail}", settings.url),
                    });
                }
            }
            let request = recovery.send(RequestSlot {
                target: name.clone(),
            });
            let slot = match tokio::time::timeout(give_up_after, request).await {
                Ok(Ok(SlotAnswer::Granted(slot))) => slot,
                Ok(Ok(SlotAnswer::Refused { in_use, cap })) => {
                    return Err(Skip {
                        reason: SkipReason::Cap,
                        detail: format!("{in_use} failure(s) active, the cap is {cap}"),
                    })
                }
                Ok(Err(err)) => {
                    return Err(Skip {
                        reason: SkipReason::Cap,
                        detail: format!("the recovery actor did not answer: {err}"),
                    })
                }
                Err(_) => {
                    return Err(Skip {
                        reason: SkipReason::Cap,
                        detail: format!(
                            "waited {} for a free slot until the next cycle",
                            format_duration(round_wait(give_up_after))
                        ),
                    })
                }
            };
            let pick = picker.send(NextPick { target: name }).await;
            Ok((slot, pick))
        };
        let cycle = checks
            .into_actor(self)
            .map(move |result, actor, ctx| {
                // Paused, reconfigured or shutting down while the checks ran:
                // the pause (or the new schedule) wins; an unused slot is
                // given back when it is dropped.
                if actor.paused || actor.draining || actor.last_start != Some(planned) {
                    return;
                }
                match result {
                    Ok((slot, Ok(Some(pick)))) => actor.inject_scheduled(pick, slot, lateness_ms, ctx),
                    Ok((_slot, Ok(None))) => {
                        error!(target = %actor.settings.name, "the picker has no stream for this target")
                    }
                    Ok((_slot, Err(err))) => {
                        error!(target = %actor.settings.name, error = %err, "the picker did not answer")
                    }
                    Err(skip) => {
                        actor.skip_cycle(skip, planned, ctx);
                        return;
                    }
                }
                actor.plan_next(planned, ctx);
            });
        ctx.spawn(cycle);
    }

    fn inject_scheduled(
        &mut self,
        pick: Pick,
        slot: Slot,
        lateness_ms: f64,
        ctx: &mut Context<Self>,
    ) {
        // Errors are logged and journalled by `inject`; the slot goes back
        // when it is dropped.
        let _ = self.inject(pick, None, Some(lateness_ms), Some(slot), ctx);
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
                let reopens = match windows.next_open(now) {
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
    fn skip_cycle(&mut self, skip: Skip, planned: Instant, ctx: &mut Context<Self>) {
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
        self.plan_next(planned, ctx);
    }

    /// Plans the start after the one planned at `planned`: one interval
    /// later, with jitter and backoff applied.
    pub(super) fn plan_next(&mut self, planned: Instant, ctx: &mut Context<Self>) {
        let in_use = self.in_use.load(Ordering::Relaxed);
        let policy = self.settings.policy.clone();
        if policy.jitter <= 0.0 {
            let step = policy.next_interval(self.settings.interval, in_use, 0.0);
            let next = self.next_after(planned, step);
            self.schedule_at(next, ctx, true);
            return;
        }
        let draw = self.picker.send(NextJitter {
            target: self.settings.name.clone(),
        });
        let plan = draw.into_actor(self).map(move |draw, actor, ctx| {
            if actor.last_start != Some(planned) {
                return;
            }
            let step = policy.next_interval(actor.settings.interval, in_use, draw.unwrap_or(0.0));
            let next = actor.next_after(planned, step);
            actor.schedule_at(next, ctx, true);
        });
        ctx.spawn(plan);
    }

    /// The next start after one at `start`, `step` later; more than a whole
    /// step late (e.g. the machine was suspended), the missed cycles are
    /// skipped instead of replayed.
    pub(super) fn next_after(&self, start: Instant, step: Duration) -> Instant {
        let now = Instant::now();
        // Durations are capped at ten years (config::duration::MAX_DURATION)
        // and stretched at most 2000 times (jitter 1, backoff 1000): 20,000
        // years, far inside an Instant's range, so these cannot overflow.
        let step = step.max(Duration::from_millis(1));
        let mut next = start + step;
        while next <= now {
            next += step;
        }
        next
    }

    /// The probe client, made on first use (targets without a probe never
    /// hold one).
    pub(super) fn probe_client(&mut self) -> awc::Client {
        self.probe_client
            .get_or_insert_with(crate::probe::client)
            .clone()
    }
}
