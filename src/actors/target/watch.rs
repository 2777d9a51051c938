//! Watching an active failure until it ends.
//!
//! Every watch period (the probe's `period`, or without a probe a tenth of
//! the recovery period, at most 1 s) the target:
//! - reads its state file: if it no longer holds this failure, something
//!   other than the engine ended it ([`judge_rewrite`]): a healthy record
//!   from another writer (a restarted target writes its own name in
//!   `cleared_by`) or a removed file is a **repair**; a record from
//!   `chaos-engine` itself (the `clear` or `inject` commands) is **manual**;
//! - sends its probe, if it has one: the first failed probe marks the
//!   failure as **manifested**; a healthy probe after that (sent before the
//!   last second of the failure, see [`TargetActor::expiry_margin`]) is a
//!   **repair** (`repaired_by: probe`).
//!
//! A failure repaired by another writer is recorded and the RecoveryActor
//! cancels its clear: the state file is left as the repairer left it. A
//! repair seen only by the probe is recorded at once, but the file still
//! holds the failure, so the engine still clears it at the deadline.
//!
//! A failure nobody repaired expires: the engine clears it. A target with a
//! probe is then probed every period until it answers healthy again
//! (`healthy_again`), which tells how long the service took to come back
//! once its failure was lifted (a crashed process without a restart policy
//! never does). That watch ends with the next injection.

use std::time::Duration;

use actix::fut::ActorFutureExt;
use actix::{AsyncContext, Context, WrapFuture};
use chaos_state::{modes, ReadOutcome, StateRecord, CLEARED_BY, INJECTED_BY};
use tracing::{info, warn};

use super::TargetActor;
use crate::actors::recovery::FailureEnded;
use crate::clock::round_millis;
use crate::outcome::EndedBy;
use crate::probe::{probe, ProbeOutcome};
use crate::telemetry::InjectedFailure;

/// The longest time between two looks at a watched failure without probe.
const MAX_FILE_WATCH: Duration = Duration::from_secs(1);
/// The shortest.
const MIN_FILE_WATCH: Duration = Duration::from_millis(10);

/// Who ended a failure by rewriting its state file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Rewrite {
    /// `Repair` or `Manual`.
    pub ended_by: EndedBy,
    /// For a repair: who.
    pub repaired_by: Option<String>,
    /// The mode the file holds now.
    pub now_mode: String,
}

/// What the state file says about the failure `our_id`: `None` while it
/// still holds it (or cannot be read right now: a writer that is not
/// atomic may be halfway), otherwise who ended it.
pub(super) fn judge_rewrite(outcome: &ReadOutcome, our_id: &str) -> Option<Rewrite> {
    match outcome {
        ReadOutcome::Unreadable(_) => None,
        ReadOutcome::Missing => Some(Rewrite {
            ended_by: EndedBy::Repair,
            repaired_by: Some("state file removed".to_owned()),
            now_mode: modes::HEALTHY.to_owned(),
        }),
        ReadOutcome::Record(record) if record.id.as_deref() == Some(our_id) => None,
        ReadOutcome::Record(record) => Some(judge_record(record)),
    }
}

fn judge_record(record: &StateRecord) -> Rewrite {
    let now_mode = record.mode.clone();
    if record.mode != modes::HEALTHY {
        // Another failure on top: a person (or another tool) injected.
        return Rewrite {
            ended_by: EndedBy::Manual,
            repaired_by: None,
            now_mode,
        };
    }
    match record.cleared_by.as_deref() {
        // `chaos-engine clear` by hand.
        Some(CLEARED_BY) => Rewrite {
            ended_by: EndedBy::Manual,
            repaired_by: None,
            now_mode,
        },
        Some(writer) if !writer.trim().is_empty() => Rewrite {
            ended_by: EndedBy::Repair,
            repaired_by: Some(writer.to_owned()),
            now_mode,
        },
        _ => Rewrite {
            ended_by: EndedBy::Repair,
            repaired_by: Some("another writer".to_owned()),
            now_mode,
        },
    }
}

impl TargetActor {
    /// How often an active failure is looked at.
    fn watch_period(&self) -> Duration {
        match &self.settings.probe {
            Some(probe) => probe.period,
            None => (self.settings.recovery / 10).clamp(MIN_FILE_WATCH, MAX_FILE_WATCH),
        }
    }

    /// Looks at the failure `id` again one watch period from now.
    pub(super) fn watch_later(&mut self, id: String, ctx: &mut Context<Self>) {
        let period = self.watch_period();
        ctx.run_later(period, move |actor, ctx| actor.watch_tick(id, ctx));
    }

    fn is_active(&self, id: &str) -> bool {
        self.active.as_ref().is_some_and(|a| a.id == id)
    }

    fn watch_tick(&mut self, id: String, ctx: &mut Context<Self>) {
        if !self.is_active(&id) || self.draining {
            return;
        }
        let outcome = chaos_state::read_state(&self.settings.state_file);
        if let Some(rewrite) = judge_rewrite(&outcome, &id) {
            self.end_by_other_writer(rewrite);
            return;
        }
        let repaired = self.repaired_in_place.as_deref() == Some(id.as_str());
        if let Some(settings) = self.settings.probe.clone().filter(|_| !repaired) {
            if !self.probe_in_flight {
                self.probe_in_flight = true;
                let client = self.probe_client();
                let checked = id.clone();
                let sent_at = self.telemetry.clock.unix_now();
                let asked = async move { probe(&client, &settings).await }
                    .into_actor(self)
                    .map(move |answer, actor, _ctx| {
                        actor.probe_in_flight = false;
                        actor.on_watch_probe(&checked, sent_at, answer);
                    });
                ctx.spawn(asked);
            }
        }
        self.watch_later(id, ctx);
    }

    /// Near its deadline a failure may already read as over to targets
    /// that honour `expires_at`: a healthy probe sent in the last second
    /// (or last quarter of the recovery, if shorter) is not a repair.
    fn expiry_margin(&self) -> f64 {
        (self.settings.recovery.as_secs_f64() / 4.0).min(1.0)
    }

    /// What a probe of the watched failure `id`, sent at `sent_at` (Unix
    /// time), means.
    fn on_watch_probe(&mut self, id: &str, sent_at: f64, answer: ProbeOutcome) {
        if !self.is_active(id) || self.draining {
            return;
        }
        let now = round_millis(self.telemetry.clock.unix_now());
        let name = self.settings.name.clone();
        let margin = self.expiry_margin();
        let Some(active) = self.active.as_mut() else {
            return;
        };
        match (answer, active.manifested_at) {
            (ProbeOutcome::Unhealthy(detail), None) => {
                active.manifested_at = Some(now);
                let failure = active.clone();
                warn!(
                    target = %name, scenario = %failure.scenario, mode = %failure.mode,
                    delay = failure.delay, id = %failure.id, detail = %detail,
                    "Failure manifested in {name}: {detail}"
                );
                self.telemetry
                    .manifested(&name, &failure, &format!("probe: {detail}"));
            }
            (ProbeOutcome::Healthy, Some(_)) if sent_at < active.expires_at - margin => {
                let failure = active.clone();
                self.repaired_in_place = Some(failure.id.clone());
                info!(
                    target = %name, scenario = %failure.scenario, mode = %failure.mode,
                    delay = failure.delay, id = %failure.id, repaired_by = "probe",
                    "🔧 {} failure in {name} repaired: the probe sees it healthy again \
                     (its state file is cleared at the deadline as usual)",
                    failure.scenario
                );
                self.telemetry.repaired_in_place(&name, &failure, "probe");
            }
            // Not showing yet, or still failing.
            _ => {}
        }
    }

    /// After the engine cleared `expired` at `expired_at`: probe until the
    /// target is healthy again (targets with a probe only).
    pub(super) fn watch_comeback(
        &mut self,
        expired: InjectedFailure,
        expired_at: f64,
        ctx: &mut Context<Self>,
    ) {
        if self.settings.probe.is_none() {
            return;
        }
        self.comeback = Some(expired.id.clone());
        self.comeback_later(expired, expired_at, ctx);
    }

    fn comeback_later(
        &mut self,
        expired: InjectedFailure,
        expired_at: f64,
        ctx: &mut Context<Self>,
    ) {
        let period = self.watch_period();
        ctx.run_later(period, move |actor, ctx| {
            actor.comeback_tick(expired, expired_at, ctx)
        });
    }

    fn still_coming_back(&self, id: &str) -> bool {
        !self.draining && self.active.is_none() && self.comeback.as_deref() == Some(id)
    }

    fn comeback_tick(
        &mut self,
        expired: InjectedFailure,
        expired_at: f64,
        ctx: &mut Context<Self>,
    ) {
        if !self.still_coming_back(&expired.id) {
            return;
        }
        let Some(settings) = self.settings.probe.clone() else {
            return;
        };
        if self.probe_in_flight {
            self.comeback_later(expired, expired_at, ctx);
            return;
        }
        self.probe_in_flight = true;
        let client = self.probe_client();
        let asked = async move { probe(&client, &settings).await }
            .into_actor(self)
            .map(move |answer, actor, ctx| {
                actor.probe_in_flight = false;
                if !actor.still_coming_back(&expired.id) {
                    return;
                }
                if !answer.is_healthy() {
                    actor.comeback_later(expired, expired_at, ctx);
                    return;
                }
                actor.comeback = None;
                let healthy_at = round_millis(actor.telemetry.clock.unix_now());
                let name = actor.settings.name.clone();
                info!(
                    target = %name, scenario = %expired.scenario, mode = %expired.mode,
                    delay = expired.delay, id = %expired.id,
                    "✓ {name} is healthy again, {:.0} ms after its failure was cleared",
                    (healthy_at - expired_at).max(0.0) * 1000.0
                );
                actor
                    .telemetry
                    .healthy_again(&name, &expired, expired_at, healthy_at);
            });
        ctx.spawn(asked);
    }

    /// Another writer replaced the failure in the state file.
    pub(super) fn end_by_other_writer(&mut self, rewrite: Rewrite) {
        let how = match rewrite.ended_by {
            EndedBy::Repair => format!(
                "state file rewritten by {} (now {})",
                rewrite.repaired_by.as_deref().unwrap_or("another writer"),
                rewrite.now_mode
            ),
            _ => format!(
                "state file rewritten by {INJECTED_BY} by hand (now {})",
                rewrite.now_mode
            ),
        };
        self.end_without_write(rewrite.ended_by, rewrite.repaired_by, &how);
    }

    /// Ends the active failure without writing the file (someone else did,
    /// or the target no longer acts on it) and cancels its clear.
    fn end_without_write(&mut self, ended_by: EndedBy, repaired_by: Option<String>, how: &str) {
        let Some(failure) = self.active.take() else {
            return;
        };
        self.recovery.do_send(FailureEnded {
            id: failure.id.clone(),
        });
        let name = self.settings.name.clone();
        if ended_by == EndedBy::Repair {
            info!(
                target = %name, scenario = %failure.scenario, mode = %failure.mode,
                delay = failure.delay, id = %failure.id,
                repaired_by = repaired_by.as_deref().unwrap_or("unknown"),
                "🔧 {} failure in {name} repaired: {how}", failure.scenario
            );
        } else {
            info!(
                target = %name, scenario = %failure.scenario, mode = %failure.mode,
                delay = failure.delay, id = %failure.id,
                "Failure in {name} ended by hand: {how}; leaving the file as it is"
            );
        }
        let reason = if ended_by == EndedBy::Repair {
            "repaired"
        } else {
            "replaced"
        };
        let ending = self.ending(&failure, ended_by, repaired_by);
        self.telemetry.cleared(&name, Some(ending), reason, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> ReadOutcome {
        chaos_state::parse_state(json.as_bytes())
    }

    #[test]
    fn our_own_failure_or_an_unreadable_file_is_not_a_rewrite() {
        let ours = record(r#"{"mode":"slow","delay":3,"id":"a","injected_by":"chaos-engine"}"#);
        assert_eq!(judge_rewrite(&ours, "a"), None);
        assert_eq!(
            judge_rewrite(&ReadOutcome::Unreadable("x".into()), "a"),
            None
        );
    }

    #[test]
    fn a_target_writing_healthy_is_a_repair_by_that_target() {
        let restarted = record(r#"{"mode":"healthy","delay":0,"cleared_by":"target-app"}"#);
        let got = judge_rewrite(&restarted, "a").unwrap();
        assert_eq!(got.ended_by, EndedBy::Repair);
        assert_eq!(got.repaired_by.as_deref(), Some("target-app"));
        let anonymous = record(r#"{"mode":"healthy","delay":0}"#);
        assert_eq!(
            judge_rewrite(&anonymous, "a")
                .unwrap()
                .repaired_by
                .as_deref(),
            Some("another writer")
        );
        let removed = judge_rewrite(&ReadOutcome::Missing, "a").unwrap();
        assert_eq!(removed.ended_by, EndedBy::Repair);
    }

    #[test]
    fn the_engines_own_commands_are_manual() {
        let cleared =
            record(r#"{"mode":"healthy","delay":0,"cleared_by":"chaos-engine","reason":"manual"}"#);
        assert_eq!(
            judge_rewrite(&cleared, "a").unwrap().ended_by,
            EndedBy::Manual
        );
        let injected =
            record(r#"{"mode":"crash","delay":0,"id":"b","injected_by":"chaos-engine"}"#);
        let got = judge_rewrite(&injected, "a").unwrap();
        assert_eq!(got.ended_by, EndedBy::Manual);
        assert_eq!(got.repaired_by, None);
    }
}
