//! Runtime control of one target, asked for through the Supervisor (HTTP
//! API, reload): [`Pause`], [`Resume`], [`InjectNow`], [`ClearNow`],
//! [`Reconfigure`], [`UpdatePolicy`] and [`Retire`]. Each is a message
//! handled by the [`TargetActor`], which stays the only writer of its state
//! file.

use std::sync::Arc;

use actix::fut::ActorFutureExt;
use actix::{ActorContext, Context, Handler, Message, ResponseActFuture};
use tracing::info;

use super::core::{ClearJob, Lifecycle};
use super::effects::TargetError;
use super::{timing, TargetActor, MAX_AD_HOC_MODES};
use crate::actors::control::{ControlError, ManualInjection};
use crate::config::TargetSettings;
use crate::outcome::InjectedFailure;
use crate::picker::{draw_delay, manual_delay, Pick};
use crate::scenario::check_mode;

/// Pause the schedule: clear the active failure (`reason: manual`) and plan
/// nothing until [`Resume`]. Answers whether the target was running.
#[derive(Debug, Message)]
#[rtype(result = "Result<bool, ControlError>")]
pub struct Pause;

impl Handler<Pause> for TargetActor {
    type Result = ResponseActFuture<Self, Result<bool, ControlError>>;

    fn handle(&mut self, _msg: Pause, ctx: &mut Context<Self>) -> Self::Result {
        let (newly_paused, commands) = match self.core.pause() {
            Ok(paused) => paused,
            Err(reason) => return answer_now(Err(conflict(reason))),
        };
        if newly_paused {
            self.telemetry.paused(self.name(), true);
            info!(target = %self.settings.name, "Paused");
        }
        // Also when already paused: a failure injected by hand since then
        // is cleared too. If the write fails the target stays paused and the
        // clear is retried every second.
        self.answer_after_effects(commands, ctx, move |cleared, _actor, _ctx| {
            cleared
                .map(|()| newly_paused)
                .map_err(|err| ControlError::Failed(err.source.to_string()))
        })
    }
}

/// An answer known before any effect starts.
fn answer_now<T: 'static>(answer: T) -> ResponseActFuture<TargetActor, T> {
    Box::pin(actix::fut::ready(answer))
}

/// A refusal of the core, as the API reports it.
fn conflict(reason: &str) -> ControlError {
    ControlError::Conflict(reason.to_owned())
}

/// Restart a paused schedule: the next injection comes one interval from
/// now. Answers whether the target was paused.
#[derive(Debug, Message)]
#[rtype(result = "Result<bool, ControlError>")]
pub struct Resume;

impl Handler<Resume> for TargetActor {
    type Result = Result<bool, ControlError>;

    fn handle(&mut self, _msg: Resume, ctx: &mut Context<Self>) -> Self::Result {
        if self.core.lifecycle() == Lifecycle::Disabled {
            return Err(conflict(
                "chaos is disabled by configuration (CHAOS_ENABLED=false)",
            ));
        }
        let (resumed, commands) = self.core.resume(self.now()).map_err(conflict)?;
        if resumed {
            self.telemetry.paused(self.name(), false);
            info!(target = %self.settings.name, "Resumed");
        }
        let _ = self.run(commands, ctx);
        Ok(resumed)
    }
}

/// Inject a failure now, cleared by the RecoveryActor like any other:
/// after `hold`, or the target's recovery when `None`.
#[derive(Debug, Message)]
#[rtype(result = "Result<InjectedFailure, ControlError>")]
pub struct InjectNow {
    /// What to inject.
    pub injection: ManualInjection,
    /// How long it holds (`None`: the target's recovery).
    pub hold: Option<std::time::Duration>,
}

impl Handler<InjectNow> for TargetActor {
    type Result = ResponseActFuture<Self, Result<InjectedFailure, ControlError>>;

    fn handle(&mut self, msg: InjectNow, ctx: &mut Context<Self>) -> Self::Result {
        let hold = msg.hold;
        let pick = match self.manual_pick(msg.injection) {
            Ok(pick) => pick,
            Err(refused) => return answer_now(Err(refused)),
        };
        self.injection_outcome = None;
        self.inject(pick, Some("manual"), None, None, hold, ctx);
        // After the effect, if it had to wait (the answer runs after it).
        Box::pin(actix::fut::ready(()).map(|(), actor: &mut Self, _ctx| {
            match actor.injection_outcome.take().map(|outcome| *outcome) {
                Some(outcome) => outcome.map_err(|err| ControlError::Failed(err.to_string())),
                None => Err(ControlError::Failed(
                    "the injection was interrupted before it finished".to_owned(),
                )),
            }
        }))
    }
}

impl TargetActor {
    /// What a manual injection asks for, or why it is refused.
    fn manual_pick(&mut self, injection: ManualInjection) -> Result<Pick, ControlError> {
        match self.core.lifecycle() {
            Lifecycle::Disabled => {
                return Err(conflict(
                    "chaos is disabled by configuration (CHAOS_ENABLED=false): nothing is injected",
                ))
            }
            Lifecycle::Draining => return Err(conflict("the engine is shutting down")),
            Lifecycle::Running | Lifecycle::Paused => {}
        }
        let catalogue = &self.settings.catalogue;
        let pick = match injection {
            ManualInjection::Scenario(name) => {
                let scenario = catalogue
                    .scenarios()
                    .iter()
                    .find(|s| s.name == name)
                    .ok_or_else(|| {
                        let known: Vec<&str> = catalogue
                            .scenarios()
                            .iter()
                            .map(|s| s.name.as_str())
                            .collect();
                        ControlError::NotFound(format!(
                            "target {} has no scenario {name} (it has: {})",
                            self.settings.name,
                            known.join(", ")
                        ))
                    })?;
                Pick {
                    scenario: scenario.name.clone(),
                    mode: scenario.mode.clone(),
                    delay: scenario.delay.map_or(0, draw_delay),
                }
            }
            ManualInjection::Mode { mode, delay } => {
                check_mode(&mode).map_err(ControlError::BadRequest)?;
                let in_catalogue = catalogue.scenarios().iter().any(|s| s.mode == mode);
                if !in_catalogue && !self.ad_hoc_modes.contains(&mode) {
                    if self.ad_hoc_modes.len() >= MAX_AD_HOC_MODES {
                        return Err(ControlError::BadRequest(format!(
                            "target {} already had {MAX_AD_HOC_MODES} modes outside its \
                             catalogue injected in this run ({}); inject one of those or a \
                             catalogue mode",
                            self.settings.name,
                            self.ad_hoc_modes
                                .iter()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        )));
                    }
                    self.ad_hoc_modes.insert(mode.clone());
                }
                let delay =
                    manual_delay(catalogue, &mode, delay).map_err(ControlError::BadRequest)?;
                Pick {
                    scenario: catalogue.name_for_mode(&mode),
                    mode,
                    delay,
                }
            }
        };
        if self.dry_run {
            return Err(conflict(
                "the engine runs with --dry-run: nothing is injected",
            ));
        }
        Ok(pick)
    }
}

/// Write the state file healthy now (`reason: manual`). Answers `true`.
#[derive(Debug, Message)]
#[rtype(result = "Result<bool, ControlError>")]
pub struct ClearNow;

impl Handler<ClearNow> for TargetActor {
    type Result = ResponseActFuture<Self, Result<bool, ControlError>>;

    fn handle(&mut self, _msg: ClearNow, ctx: &mut Context<Self>) -> Self::Result {
        let commands = match self.core.clear_now() {
            Ok(commands) => commands,
            Err(reason) => return answer_now(Err(conflict(reason))),
        };
        self.answer_after_effects(commands, ctx, |cleared, _actor, _ctx| {
            cleared
                .map(|()| true)
                .map_err(|err| ControlError::Failed(err.source.to_string()))
        })
    }
}

/// New settings after a reload (same name and state file). The active
/// failure stays; the schedule keeps its start-to-start anchor with the new
/// interval.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Reconfigure(pub Arc<TargetSettings>);

impl Handler<Reconfigure> for TargetActor {
    type Result = ();

    fn handle(&mut self, msg: Reconfigure, ctx: &mut Context<Self>) {
        let probe_changed = self.settings.probe != msg.0.probe;
        self.settings = msg.0;
        let commands = self
            .core
            .reconfigure(timing(&self.settings, self.backend.as_ref()), self.now());
        let _ = self.run(commands, ctx);
        if probe_changed {
            self.watch_health(ctx, true);
        }
    }
}

/// The engine-wide coordination policy changed on reload (and nothing
/// else of this target): the next cycles follow it; the planned one stays.
/// Carries the target's new settings, which differ from the running ones
/// only in their policy, so the actor and the supervisor keep sharing one
/// copy.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct UpdatePolicy(pub Arc<TargetSettings>);

impl Handler<UpdatePolicy> for TargetActor {
    type Result = ();

    fn handle(&mut self, msg: UpdatePolicy, _ctx: &mut Context<Self>) {
        self.settings = msg.0;
    }
}

/// Leave the engine (removed from the configuration on reload): clear the
/// target (`reason: reload`) and stop.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), TargetError>")]
pub struct Retire;

impl Handler<Retire> for TargetActor {
    type Result = ResponseActFuture<Self, Result<(), TargetError>>;

    fn handle(&mut self, _msg: Retire, ctx: &mut Context<Self>) -> Self::Result {
        // A failed clear abandons the failure left in the file (its
        // `expires_at` still ends it for readers); the actor stops anyway.
        let commands = self.core.drain(ClearJob::Retire);
        self.answer_after_effects(commands, ctx, |result, _actor, ctx| {
            ctx.stop();
            result
        })
    }
}
