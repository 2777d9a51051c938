//! Runtime control of one target, asked for through the Supervisor (HTTP
//! API, reload): [`Pause`], [`Resume`], [`InjectNow`], [`ClearNow`],
//! [`Reconfigure`], [`UpdatePolicy`] and [`Retire`]. Each is a message
//! handled by the [`TargetActor`], which stays the only writer of its state
//! file.

use actix::{ActorContext, AsyncContext, Context, Handler, Message};
use chaos_state::ClearReason;
use tokio::time::Instant;
use tracing::info;

use super::{TargetActor, CLEAR_RETRY, MAX_AD_HOC_MODES};
use crate::actors::control::{ControlError, ManualInjection};
use crate::actors::recovery::FailureEnded;
use std::sync::Arc;

use crate::config::TargetSettings;
use crate::outcome::EndedBy;
use crate::picker::{draw_delay, manual_delay, Pick};
use crate::policy::Policy;
use crate::scenario::check_mode;
use crate::telemetry::InjectedFailure;

/// Pause the schedule: clear the active failure (`reason: manual`) and plan
/// nothing until [`Resume`]. Answers whether the target was running.
#[derive(Debug, Message)]
#[rtype(result = "Result<bool, ControlError>")]
pub struct Pause;

impl Handler<Pause> for TargetActor {
    type Result = Result<bool, ControlError>;

    fn handle(&mut self, _msg: Pause, ctx: &mut Context<Self>) -> Self::Result {
        let newly_paused = !self.paused;
        if newly_paused {
            self.paused = true;
            self.stop_schedule(ctx);
            self.telemetry.paused(self.name(), true);
            info!(target = %self.settings.name, "Paused");
        }
        // Also when already paused: a failure injected by hand since then
        // is cleared too. If the write fails the target stays paused and the
        // clear is retried every second.
        if let Some(active) = &self.active {
            let id = active.id.clone();
            if let Err(err) = self.clear(ClearReason::Manual) {
                ctx.notify_later(ClearAgain { id }, CLEAR_RETRY);
                return Err(ControlError::Failed(err));
            }
        }
        Ok(newly_paused)
    }
}

/// Retry a manual clear of the failure `id` that could not be written.
#[derive(Debug, Message)]
#[rtype(result = "()")]
struct ClearAgain {
    id: String,
}

impl Handler<ClearAgain> for TargetActor {
    type Result = ();

    fn handle(&mut self, msg: ClearAgain, ctx: &mut Context<Self>) {
        // Retried while paused until the file is written healthy, even if
        // the failure ended meanwhile (e.g. repaired by removing the file);
        // never once a newer failure (a manual injection) took its place.
        let newer_failure = self.active.as_ref().is_some_and(|a| a.id != msg.id);
        if self.paused
            && !newer_failure
            && !self.draining
            && self.clear(ClearReason::Manual).is_err()
        {
            ctx.notify_later(msg, CLEAR_RETRY);
        }
    }
}

/// Restart a paused schedule: the next injection comes one interval from
/// now. Answers whether the target was paused.
#[derive(Debug, Message)]
#[rtype(result = "Result<bool, ControlError>")]
pub struct Resume;

impl Handler<Resume> for TargetActor {
    type Result = Result<bool, ControlError>;

    fn handle(&mut self, _msg: Resume, ctx: &mut Context<Self>) -> Self::Result {
        if !self.mode.enabled {
            return Err(ControlError::Conflict(
                "chaos is disabled by configuration (CHAOS_ENABLED=false)".to_owned(),
            ));
        }
        if !self.paused {
            return Ok(false);
        }
        self.paused = false;
        self.telemetry.paused(self.name(), false);
        info!(target = %self.settings.name, "Resumed");
        let next = Instant::now() + self.settings.interval;
        self.schedule_at(next, ctx, true);
        Ok(true)
    }
}

/// Inject a failure now, cleared by the RecoveryActor like any other.
#[derive(Debug, Message)]
#[rtype(result = "Result<InjectedFailure, ControlError>")]
pub struct InjectNow(pub ManualInjection);

impl Handler<InjectNow> for TargetActor {
    type Result = Result<InjectedFailure, ControlError>;

    fn handle(&mut self, msg: InjectNow, ctx: &mut Context<Self>) -> Self::Result {
        if !self.mode.enabled {
            return Err(ControlError::Conflict(
                "chaos is disabled by configuration (CHAOS_ENABLED=false): nothing is injected"
                    .to_owned(),
            ));
        }
        if self.draining {
            return Err(ControlError::Conflict(
                "the engine is shutting down".to_owned(),
            ));
        }
        let catalogue = &self.settings.catalogue;
        let pick = match msg.0 {
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
        if self.mode.dry_run {
            return Err(ControlError::Conflict(
                "the engine runs with --dry-run: nothing is injected".to_owned(),
            ));
        }
        self.inject(pick, Some("manual"), None, None, ctx)
            .map_err(ControlError::Failed)
    }
}

/// Write the state file healthy now (`reason: manual`). Answers `true`.
#[derive(Debug, Message)]
#[rtype(result = "Result<bool, ControlError>")]
pub struct ClearNow;

impl Handler<ClearNow> for TargetActor {
    type Result = Result<bool, ControlError>;

    fn handle(&mut self, _msg: ClearNow, _ctx: &mut Context<Self>) -> Self::Result {
        if self.draining {
            return Err(ControlError::Conflict(
                "the engine is shutting down".to_owned(),
            ));
        }
        self.clear(ClearReason::Manual)
            .map(|()| true)
            .map_err(ControlError::Failed)
    }
}

/// New settings after a reload (same name and state file). The active
/// failure stays; the schedule keeps its start-to-start anchor with the new
/// interval.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Reconfigure(pub TargetSettings);

impl Handler<Reconfigure> for TargetActor {
    type Result = ();

    fn handle(&mut self, msg: Reconfigure, ctx: &mut Context<Self>) {
        self.settings = msg.0;
        if self.paused || self.draining || !self.mode.enabled {
            return;
        }
        let now = Instant::now();
        let next = match self.last_start {
            Some(start) => start + self.settings.interval,
            None => self
                .next_injection
                .unwrap_or(now + self.settings.startup_wait),
        };
        self.schedule_at(next.max(now), ctx, true);
    }
}

/// The engine-wide coordination policy changed on reload (and nothing
/// else of this target): the next cycles follow it; the planned one stays.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct UpdatePolicy(pub Arc<Policy>);

impl Handler<UpdatePolicy> for TargetActor {
    type Result = ();

    fn handle(&mut self, msg: UpdatePolicy, _ctx: &mut Context<Self>) {
        self.settings.policy = msg.0;
    }
}

/// Leave the engine (removed from the configuration on reload): clear the
/// state file (`reason: reload`) and stop.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), String>")]
pub struct Retire;

impl Handler<Retire> for TargetActor {
    type Result = Result<(), String>;

    fn handle(&mut self, _msg: Retire, ctx: &mut Context<Self>) -> Self::Result {
        self.draining = true;
        self.stop_schedule(ctx);
        let result = self.clear(ClearReason::Reload);
        if result.is_err() {
            // The actor stops anyway; account for the failure it leaves in
            // the file (its `expires_at` still ends it for readers).
            if let Some(abandoned) = self.active.take() {
                self.recovery.do_send(FailureEnded {
                    id: abandoned.id.clone(),
                });
                let ending = self.ending(&abandoned, EndedBy::Manual, None);
                self.telemetry
                    .cleared(&self.settings.name, Some(ending), "abandoned", None);
            }
        }
        ctx.stop();
        result
    }
}
