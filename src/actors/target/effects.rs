//! Applying and clearing failures through the target's backend, and
//! reporting how each failure ended (RecoveryActor, log, telemetry).

use std::sync::atomic::Ordering;

use actix::{AsyncContext, Context};
use tracing::{error, info, warn};

use std::time::Duration;

use actix::fut::ActorFutureExt;
use actix::WrapFuture;

use super::core::{ClearJob, Ended};
use super::TargetActor;
use crate::actors::recovery::{FailureEnded, Injected, Slot};
use crate::backend::{Applied, BackendError, Effect};
use crate::clock::{duration_ms, round_millis};
use crate::outcome::EndedBy;
use crate::outcome::InjectedFailure;
use crate::picker::Pick;
use crate::telemetry::Ending;

/// A target's write that failed, naming the target.
#[derive(Debug, thiserror::Error)]
#[error("{target}: {source}")]
pub struct TargetError {
    /// The target.
    pub target: String,
    /// What went wrong.
    #[source]
    pub source: BackendError,
}

/// An injection whose effect is under way.
struct Applying {
    failure: InjectedFailure,
    source: Option<&'static str>,
    lateness_ms: Option<f64>,
    slot: Option<Slot>,
    /// How long it holds before the recovery clears it.
    hold: Duration,
}

/// Why a failure was not applied.
#[derive(Debug, thiserror::Error)]
pub enum InjectError {
    /// The engine is draining.
    #[error("the engine is shutting down")]
    ShuttingDown,
    /// `--dry-run`: picks are only logged.
    #[error("dry run: nothing was written")]
    DryRun,
    /// The backend could not apply it.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl Ended {
    /// The telemetry view of this ending.
    fn as_ending(&self) -> Ending<'_> {
        Ending {
            failure: &self.failure,
            ended_by: self.ended_by,
            repaired_by: self.repaired_by.clone(),
            outcome_recorded: self.outcome_recorded,
        }
    }
}

/// An effect's outcome if it is ready at once (a state file), or the
/// effect itself if it must wait (the Docker Engine).
fn ready_now<T>(mut effect: Effect<T>) -> Result<Result<T, BackendError>, Effect<T>> {
    match futures_util::FutureExt::now_or_never(&mut effect) {
        Some(outcome) => Ok(outcome),
        None => Err(effect),
    }
}

impl TargetActor {
    /// Makes the target healthy for `job` and reports the outcome to the
    /// core (which plans a retry of a failed clear where one is due). An
    /// effect that must wait holds this actor's mailbox until it is done;
    /// its error, if any, is kept in `deferred_error` for the handler that
    /// asked (answered after the wait).
    pub(super) fn clear(
        &mut self,
        job: ClearJob,
        ctx: &mut Context<Self>,
    ) -> Result<(), TargetError> {
        let reason = job.reason();
        let name = self.settings.name.clone();
        let effect =
            self.backend
                .clear(&name, reason, round_millis(self.telemetry.clock.unix_now()));
        match ready_now(effect) {
            Ok(written) => self.finish_clear(job, written, ctx),
            Err(pending) => {
                let finished = pending.into_actor(self).map(move |written, actor, ctx| {
                    if let Err(err) = actor.finish_clear(job, written, ctx) {
                        actor.deferred_error = Some(Box::new(err));
                    }
                });
                ctx.wait(finished);
                Ok(())
            }
        }
    }

    fn finish_clear(
        &mut self,
        job: ClearJob,
        written: Result<Duration, BackendError>,
        ctx: &mut Context<Self>,
    ) -> Result<(), TargetError> {
        let reason = job.reason();
        let name = self.settings.name.clone();
        match written {
            Ok(took) => {
                let (ended, follow_up) = self.core.cleared(&job, self.now());
                let cleared = self.backend.cleared_words(ended.is_some());
                match &ended {
                    Some(e) => {
                        let f = &e.failure;
                        self.peers
                            .recovery
                            .do_send(FailureEnded { id: f.id.clone() });
                        info!(
                            target = %name, scenario = %f.scenario, mode = %f.mode, delay = f.delay,
                            id = %f.id, reason = %reason,
                            "✓ {cleared} ({reason})"
                        );
                    }
                    None => {
                        info!(target = %name, reason = %reason, "✓ {cleared} ({reason})")
                    }
                }
                self.telemetry.cleared(
                    &name,
                    ended.as_ref().map(Ended::as_ending),
                    reason.as_str(),
                    Some(duration_ms(took)),
                );
                self.run(follow_up, ctx)
            }
            Err(err) => {
                let message = err.to_string();
                self.telemetry
                    .write_error(&name, &message, self.core.active());
                error!(target = %name, reason = %reason, error = %message, "could not clear the failure state");
                let abandoned = (job == ClearJob::Retire)
                    .then(|| self.core.abandon())
                    .flatten();
                if let Some(abandoned) = abandoned {
                    // The actor stops anyway; account for the failure it
                    // leaves (its `expires_at` still ends it for readers).
                    self.peers.recovery.do_send(FailureEnded {
                        id: abandoned.failure.id.clone(),
                    });
                    self.telemetry
                        .cleared(&name, Some(abandoned.as_ending()), "abandoned", None);
                }
                let retry = self.core.clear_failed(job, self.now());
                // A retry is planned, not carried out yet: it cannot fail here.
                let _ = self.run(retry, ctx);
                Err(TargetError {
                    target: name,
                    source: err,
                })
            }
        }
    }

    /// Applies `pick` and hands its deadline (and its `slot`, for scheduled
    /// ones) to the RecoveryActor; the core then watches it. `source` is
    /// `Some("manual")` for injections asked for through the API, whose
    /// outcome is kept in `injection_outcome` (at once for a state file,
    /// after the wait for an effect that must wait).
    pub(super) fn inject(
        &mut self,
        pick: Pick,
        source: Option<&'static str>,
        lateness_ms: Option<f64>,
        slot: Option<Slot>,
        hold: Option<Duration>,
        ctx: &mut Context<Self>,
    ) {
        // The core learns of a drain with the drain message, which may wait
        // behind a backlog; the shared flag is set the moment the signal
        // arrives.
        if self.core.may_inject().is_err() || self.telemetry.is_shutting_down() {
            self.keep_outcome(source, Err(InjectError::ShuttingDown));
            return;
        }
        let id = uuid::Uuid::new_v4().to_string();
        let name = self.settings.name.clone();
        if self.dry_run {
            info!(
                target = %name, scenario = %pick.scenario, mode = %pick.mode, delay = pick.delay, id = %id,
                "[dry run] would inject {} failure into {name}", pick.scenario
            );
            self.keep_outcome(source, Err(InjectError::DryRun));
            return;
        }
        let timestamp = round_millis(self.telemetry.clock.unix_now());
        // A manual injection may ask for its own hold; else the recovery.
        let hold = hold.unwrap_or(self.settings.recovery);
        let (category, fix) = self
            .settings
            .catalogue
            .truth_for(&pick.scenario, &pick.mode);
        let failure = InjectedFailure {
            id,
            scenario: pick.scenario,
            mode: pick.mode,
            delay: pick.delay,
            injected_at: timestamp,
            expires_at: round_millis(timestamp + hold.as_secs_f64()),
            manifested_at: None,
            containers: Vec::new(),
            category,
            fix,
        };
        let effect = self.backend.apply(&name, &failure);
        let applied = Applying {
            failure,
            source,
            lateness_ms,
            slot,
            hold,
        };
        match ready_now(effect) {
            Ok(outcome) => {
                let outcome = self.finish_inject(applied, outcome, ctx);
                self.keep_outcome(source, outcome);
            }
            Err(pending) => {
                let finished = pending.into_actor(self).map(move |outcome, actor, ctx| {
                    let outcome = actor.finish_inject(applied, outcome, ctx);
                    actor.keep_outcome(source, outcome);
                });
                ctx.wait(finished);
            }
        }
    }

    /// Keeps a manual injection's outcome in `injection_outcome` for the
    /// handler that asked for it. A scheduled one's is not kept: nothing
    /// reads it, and every target would carry its last failure all run.
    fn keep_outcome(
        &mut self,
        source: Option<&'static str>,
        outcome: Result<std::sync::Arc<InjectedFailure>, InjectError>,
    ) {
        if source.is_some() {
            let outcome = outcome.map(std::sync::Arc::unwrap_or_clone);
            self.injection_outcome = Some(Box::new(outcome));
        }
    }

    fn finish_inject(
        &mut self,
        applying: Applying,
        outcome: Result<Applied, BackendError>,
        ctx: &mut Context<Self>,
    ) -> Result<std::sync::Arc<InjectedFailure>, InjectError> {
        let Applying {
            mut failure,
            source,
            lateness_ms,
            slot,
            hold,
        } = applying;
        let name = self.settings.name.clone();
        let applied = match outcome {
            Ok(applied) => applied,
            Err(err) => {
                let message = err.to_string();
                self.telemetry.write_error(&name, &message, Some(&failure));
                let could_not = format!("could not {}", err.could_not());
                error!(
                    target = %name, scenario = %failure.scenario, mode = %failure.mode, delay = failure.delay,
                    id = %failure.id, error = %message,
                    "{could_not}; retrying at the next tick"
                );
                return Err(err.into());
            }
        };
        if applied.containers.is_empty() {
            warn!(
                target = %name, scenario = %failure.scenario, mode = %failure.mode, delay = failure.delay,
                id = %failure.id, expires_at = failure.expires_at, source = source.unwrap_or("schedule"),
                "💥 Injecting {} failure into {name}", failure.scenario
            );
        } else {
            let containers = applied
                .containers
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            warn!(
                target = %name, scenario = %failure.scenario, mode = %failure.mode, delay = failure.delay,
                id = %failure.id, expires_at = failure.expires_at, source = source.unwrap_or("schedule"),
                containers = %containers,
                "💥 Injecting {} failure into {name}: {containers}", failure.scenario
            );
        }
        failure.containers = applied.containers;
        // One copy, shared by the core and the status board.
        let failure = std::sync::Arc::new(failure);
        // First what it replaced (a manual injection on top), then the
        // watch over the new one.
        let follow_up = self
            .core
            .injected(std::sync::Arc::clone(&failure), self.now());
        let _ = self.run(follow_up, ctx);
        // A scheduled injection holds a slot: it is counted already.
        let in_use = self.in_use.load(Ordering::Relaxed) + usize::from(slot.is_none());
        self.telemetry.injected(
            &name,
            &failure,
            source,
            lateness_ms,
            duration_ms(applied.took),
            Some(in_use),
        );
        self.peers.recovery.do_send(Injected {
            id: failure.id.clone(),
            target: name,
            recovery: hold,
            owner: ctx.address().recipient(),
            slot,
        });
        Ok(failure)
    }

    /// Settles what the backend still holds of the failure `id`, which
    /// something else ended (see [`FaultBackend::release`]): nothing for a
    /// state file; a container fault's rest is undone and closed in the
    /// ledger. An effect that must wait holds this actor's mailbox, as a
    /// clear does, so a shutdown's clear comes after it (and finds nothing
    /// left, or the fault it could not settle). Nothing is journalled: the
    /// ending already was.
    ///
    /// [`FaultBackend::release`]: crate::backend::FaultBackend::release
    pub(super) fn release(&mut self, id: &str, ctx: &mut Context<Self>) {
        let name = self.settings.name.clone();
        let effect = self.backend.release(&name, id);
        match ready_now(effect) {
            Ok(outcome) => self.finish_release(id, outcome),
            Err(pending) => {
                let id = id.to_owned();
                let finished = pending
                    .into_actor(self)
                    .map(move |outcome, actor, _ctx| actor.finish_release(&id, outcome));
                ctx.wait(finished);
            }
        }
    }

    fn finish_release(&self, id: &str, outcome: Result<Option<String>, BackendError>) {
        if let Err(err) = outcome {
            warn!(
                target = %self.settings.name, id = %id, error = %err,
                "could not settle the repaired fault; it is kept, and the next clear, \
                 injection or shutdown undoes it"
            );
        }
    }

    /// A manual injection replaced the active failure before its deadline.
    pub(super) fn record_replaced(&mut self, ended: Ended) {
        self.peers.recovery.do_send(FailureEnded {
            id: ended.failure.id.clone(),
        });
        self.telemetry.cleared(
            &self.settings.name,
            Some(ended.as_ending()),
            "replaced",
            None,
        );
    }

    /// Another writer ended the active failure: it is recorded, and the
    /// RecoveryActor cancels its clear (the target is left as it is).
    pub(super) fn record_ended_elsewhere(&mut self, ended: Ended, how: &str) {
        let failure = &ended.failure;
        self.peers.recovery.do_send(FailureEnded {
            id: failure.id.clone(),
        });
        let name = self.settings.name.as_str();
        if ended.ended_by == EndedBy::Repair {
            info!(
                target = %name, scenario = %failure.scenario, mode = %failure.mode,
                delay = failure.delay, id = %failure.id,
                repaired_by = ended.repaired_by.as_deref().unwrap_or("unknown"),
                "🔧 {} failure in {name} repaired: {how}", failure.scenario
            );
        } else {
            info!(
                target = %name, scenario = %failure.scenario, mode = %failure.mode,
                delay = failure.delay, id = %failure.id,
                "Failure in {name} ended by hand: {how}; leaving the file as it is"
            );
        }
        let reason = if ended.ended_by == EndedBy::Repair {
            "repaired"
        } else {
            "replaced"
        };
        self.telemetry
            .cleared(name, Some(ended.as_ending()), reason, None);
    }
}
