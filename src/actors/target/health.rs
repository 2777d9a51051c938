//! Keeping the service's health current (`crate::health`): every probe
//! answer, whatever sent it, goes into the target's window of recent
//! answers, and the status board shows the health they add up to.
//!
//! The probe is sent before each injection, every `period` while a failure
//! is watched and after an expiry until the target is healthy again. In
//! between (most of the time) nothing would ask, so a health tick sends the
//! probe every `period` whenever no other probe left in the last period:
//! one GET per `period` per target with a probe, at any time, never two.
//! Targets without a probe are never probed; their health stays `unknown`.
//! The ticks stop at shutdown.

use actix::fut::ActorFutureExt;
use actix::{AsyncContext, Context, SpawnHandle, WrapFuture};
use tokio::time::Instant;
use tracing::{info, warn};

use super::core::Lifecycle;
use super::TargetActor;
use crate::health::{Health, HealthWindow};
use crate::probe::{probe, ProbeOutcome};

/// Why the health of a target without a probe is `unknown`.
const NO_PROBE: &str = "no probe configured";
/// Why the health of a target whose probe has not answered yet is `unknown`.
const NOT_PROBED_YET: &str = "not probed yet";

/// The health watch of a target with a probe.
#[derive(Debug, Default)]
pub(super) struct HealthWatch {
    /// The latest answers.
    window: HealthWindow,
    /// When the latest probe (sent for any reason) left.
    last_sent: Option<Instant>,
    /// A probe sent by the health tick is on its way.
    in_flight: bool,
    /// The next health tick.
    timer: Option<SpawnHandle>,
}

impl TargetActor {
    /// Starts (or, after a reload, restarts) the health ticks: at once,
    /// then every probe period. A changed probe starts from `unknown`; a
    /// removed one stops the ticks and shows `unknown`.
    pub(super) fn watch_health(&mut self, ctx: &mut Context<Self>, probe_changed: bool) {
        if let Some(timer) = self.health.as_mut().and_then(|watch| watch.timer.take()) {
            ctx.cancel_future(timer);
        }
        if self.settings.probe.is_none() {
            self.health = None;
            self.show_health(Health::Unknown, Some(NO_PROBE));
            return;
        }
        let fresh = self.health.is_none();
        let watch = self.health.get_or_insert_with(Box::default);
        if probe_changed || fresh {
            watch.window.reset();
            self.show_health(Health::Unknown, Some(NOT_PROBED_YET));
        }
        self.schedule_health_tick(Instant::now(), ctx);
    }

    fn schedule_health_tick(&mut self, at: Instant, ctx: &mut Context<Self>) {
        let wait = at.saturating_duration_since(Instant::now());
        let timer = ctx.run_later(wait, |actor, ctx| actor.health_tick(ctx));
        if let Some(watch) = self.health.as_mut() {
            watch.timer = Some(timer);
        }
    }

    /// Probes unless another probe left within the last period (or one of
    /// ours is still on its way), then plans the next tick.
    fn health_tick(&mut self, ctx: &mut Context<Self>) {
        let Some(settings) = self.settings.probe.clone() else {
            return;
        };
        if self.core.lifecycle() == Lifecycle::Draining || self.telemetry.is_shutting_down() {
            return;
        }
        let now = Instant::now();
        let Some(watch) = self.health.as_mut() else {
            return;
        };
        watch.timer = None;
        let recently = watch
            .last_sent
            .is_some_and(|sent| now.saturating_duration_since(sent) < settings.period);
        if !recently && !watch.in_flight {
            watch.in_flight = true;
            self.probe_sent();
            let client = self.probe_client();
            let asked = async move { probe(&client, &settings).await }
                .into_actor(self)
                .map(|outcome, actor, _ctx| {
                    if let Some(watch) = actor.health.as_mut() {
                        watch.in_flight = false;
                    }
                    actor.probe_answered(&outcome);
                });
            ctx.spawn(asked);
        }
        let period = self.settings.probe.as_ref().map(|p| p.period);
        let last_sent = self.health.as_ref().and_then(|w| w.last_sent);
        let next = match (last_sent, period) {
            (Some(sent), Some(period)) => (sent + period).max(now),
            (None, Some(period)) => now + period,
            (_, None) => return,
        };
        // Never spin: at least a millisecond between ticks.
        self.schedule_health_tick(next.max(now + std::time::Duration::from_millis(1)), ctx);
    }

    /// A probe leaves now (for any reason): the health tick waits a whole
    /// period after it.
    pub(super) fn probe_sent(&mut self) {
        if let Some(watch) = self.health.as_mut() {
            watch.last_sent = Some(Instant::now());
        }
    }

    /// A probe (sent for any reason) answered: the health follows.
    pub(super) fn probe_answered(&mut self, outcome: &ProbeOutcome) {
        let Some(watch) = self.health.as_mut() else {
            return;
        };
        let health = watch.window.record(outcome.sign(), outcome.failure());
        let detail = watch.window.detail();
        // Mixed answers: say how mixed, then the latest failure.
        let detail = match (health, watch.window.failed()) {
            (Health::Degraded, (failed, answers)) if failed < answers => detail.map(|why| {
                format!("{failed} of the last {answers} probes failed, the latest: {why}")
            }),
            _ => detail.map(str::to_owned),
        };
        self.show_health(health, detail.as_deref());
    }

    /// Puts `health` on the status board, and logs a change.
    fn show_health(&self, health: Health, detail: Option<&str>) {
        let name = self.name();
        if !self.telemetry.health(name, health, detail) {
            return;
        }
        let url = self.settings.probe.as_ref().map_or("", |p| p.url.as_str());
        match (health, detail) {
            (Health::Down | Health::Degraded, Some(detail)) => warn!(
                target = %name, health = %health, detail = %detail,
                "{name} is {health}: probe {url}: {detail}"
            ),
            (Health::Up, _) => info!(
                target = %name, health = %health,
                "{name} is up: probe {url} answers as expected"
            ),
            // Unknown (or no reason): said at start and on reload only.
            _ => {}
        }
    }
}
