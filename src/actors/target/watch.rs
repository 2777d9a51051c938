//! Carrying out the watch over an active failure, and recording what it
//! finds.
//!
//! Every watch period (the probe's `period`, or without a probe a tenth of
//! the recovery period, at most 1 s) the core asks the backend whether the
//! failure is still in place ([`backend::judge_rewrite`] for a state file:
//! a restarted target or a removed file is a **repair**, the engine's own
//! `clear` or `inject` commands are **manual**) and sends the probe, if
//! there is one: the first failed probe marks the failure as
//! **manifested**; on a state file target, a healthy probe after that
//! (sent before the last second of the failure) is a **repair**
//! (`repaired_by: probe`). On a container target it is not: a probe that
//! gets through a partial fault proves nothing, and the container's own
//! events and its fault's rules tell (see `crate::docker::watch`).
//!
//! A failure repaired by another writer is recorded and the RecoveryActor
//! cancels its clear: the state file is left as the repairer left it; a
//! container fault's rest (its other containers, a helper that exited) is
//! settled at once by the backend's `release`, which closes it in the
//! fault ledger. A
//! repair seen only by the probe is recorded at once, but the file still
//! holds the failure, so the engine still clears it at the deadline.
//!
//! A failure nobody repaired expires: the engine clears it. A target with a
//! probe is then probed every period until it answers healthy again
//! (`healthy_again`), which tells how long the service took to come back
//! once its failure was lifted (a crashed process without a restart policy
//! never does). That watch ends with the next injection.
//!
//! [`backend::judge_rewrite`]: crate::backend::judge_rewrite

use actix::fut::ActorFutureExt;
use actix::{AsyncContext, Context, WrapFuture};
use tracing::{info, warn};

use super::core::{ProbeAnswer, ProbePurpose};
use super::TargetActor;
use crate::outcome::InjectedFailure;
use crate::probe::{probe, ProbeOutcome};

impl TargetActor {
    /// Sends the probe and hands its answer to the core.
    pub(super) fn send_probe(&mut self, purpose: ProbePurpose, ctx: &mut Context<Self>) {
        let Some(settings) = self.settings.probe.clone() else {
            // The core asks for probes only for targets that have one; a
            // reload that removed it leaves nothing to ask.
            let answer = ProbeAnswer::Unhealthy("the target has no probe".to_owned());
            let commands = self.core.probe_answered(purpose, answer, self.now());
            let _ = self.run(commands, ctx);
            return;
        };
        let client = self.probe_client();
        self.probe_sent();
        let asked = async move { probe(&client, &settings).await }
            .into_actor(self)
            .map(move |outcome, actor, ctx| {
                actor.probe_answered(&outcome);
                let answer = match outcome {
                    ProbeOutcome::Healthy => ProbeAnswer::Healthy,
                    ProbeOutcome::Unhealthy { detail, .. } => ProbeAnswer::Unhealthy(detail),
                };
                let commands = actor.core.probe_answered(purpose, answer, actor.now());
                let _ = actor.run(commands, ctx);
            });
        ctx.spawn(asked);
    }

    /// The first sign of `failure` (`seen_by` the probe, or a restart).
    pub(super) fn record_manifested(&self, failure: &InjectedFailure, seen_by: &str, detail: &str) {
        let name = self.name();
        warn!(
            target = %name, scenario = %failure.scenario, mode = %failure.mode,
            delay = failure.delay, id = %failure.id, detail = %detail,
            "Failure manifested in {name}: {detail}"
        );
        self.telemetry
            .manifested(name, failure, &format!("{seen_by}: {detail}"));
    }

    /// The probe sees the target healthy again before the deadline.
    pub(super) fn record_repaired_in_place(&self, failure: &InjectedFailure) {
        let name = self.name();
        info!(
            target = %name, scenario = %failure.scenario, mode = %failure.mode,
            delay = failure.delay, id = %failure.id, repaired_by = "probe",
            "🔧 {} failure in {name} repaired: the probe sees it healthy again \
             (its state file is cleared at the deadline as usual)",
            failure.scenario
        );
        self.telemetry.repaired_in_place(name, failure, "probe");
    }

    /// The target answers healthy again after `expired` was cleared.
    pub(super) fn record_healthy_again(
        &self,
        expired: &InjectedFailure,
        expired_at: f64,
        healthy_at: f64,
    ) {
        let name = self.name();
        info!(
            target = %name, scenario = %expired.scenario, mode = %expired.mode,
            delay = expired.delay, id = %expired.id,
            "✓ {name} is healthy again, {:.0} ms after its failure was cleared",
            (healthy_at - expired_at).max(0.0) * 1000.0
        );
        self.telemetry
            .healthy_again(name, expired, expired_at, healthy_at);
    }
}
