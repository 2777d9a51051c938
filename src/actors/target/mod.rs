//! The TargetActor: owns exactly one target's state file and schedule.
//!
//! It writes the file healthy at start, waits `startup_wait`, then starts an
//! injection every `interval` (start to start): it asks the WeightedPicker
//! what to inject, writes the failure atomically and hands its deadline to
//! the RecoveryActor, which later sends [`Recover`]. It also carries out
//! runtime control: [`Pause`], [`Resume`], [`InjectNow`], [`ClearNow`],
//! [`Reconfigure`] and [`Retire`] (on reload), and [`DrainTarget`] at
//! shutdown. A write that fails is logged with the OS error and retried; it
//! never affects other targets. Every event is reported to [`Telemetry`].
//!
//! While a failure is active the target watches it ([`watch`]): a probe
//! tells when the failure manifests and when the target is healthy again,
//! and a look at the state file tells when another writer (a restarted
//! target, a person) ended it. Either way the failure is recorded with how
//! it ended and the RecoveryActor cancels its clear.
//!
//! The cycle itself (windows, probe, cap, pick, next start) lives in
//! [`schedule`]; the runtime-control messages and their handlers in
//! [`control_messages`].
//!
//! [`Telemetry`]: crate::telemetry::Telemetry

use std::time::Duration;

use std::sync::atomic::Ordering;

use actix::{Actor, ActorContext, Addr, AsyncContext, Context, Handler, Message, SpawnHandle};
use chaos_state::{read_state, write_atomic, ClearReason, FailureSpec, StateRecord};
use tokio::time::Instant;
use tracing::{error, info, warn};

use super::picker::WeightedPicker;
use super::recovery::{FailureEnded, InUse, Injected, RecoveryActor, Slot};
use crate::clock::round_millis;
use crate::config::duration::format_duration;
use crate::config::TargetSettings;
use crate::outcome::EndedBy;
use crate::picker::Pick;
use crate::telemetry::{Ending, InjectedFailure, SharedTelemetry};

mod control_messages;
mod schedule;
mod watch;

pub use control_messages::{ClearNow, InjectNow, Pause, Reconfigure, Resume, Retire, UpdatePolicy};

/// How soon a failed clear is tried again (capped by the interval).
const CLEAR_RETRY: Duration = Duration::from_secs(1);

/// A scheduled injection this late is logged as a warning.
const LATE_WARNING: Duration = Duration::from_millis(50);

/// Whether this run injects for real.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunMode {
    /// False: write healthy (`reason: disabled`) and never inject.
    pub enabled: bool,
    /// True: log picks, write nothing but healthy.
    pub dry_run: bool,
}

/// One target's state file and schedule.
/// How many distinct modes outside its catalogue a target accepts by hand
/// in one run (each is a metric series and a status entry).
pub const MAX_AD_HOC_MODES: usize = 16;

pub struct TargetActor {
    settings: TargetSettings,
    mode: RunMode,
    telemetry: SharedTelemetry,
    picker: Addr<WeightedPicker>,
    recovery: Addr<RecoveryActor>,
    /// Failures active or about to start, as the RecoveryActor counts them.
    in_use: InUse,
    /// Made on the first probe; `None` for targets without a probe.
    probe_client: Option<awc::Client>,
    /// A watch probe is on its way (the next tick does not send another).
    probe_in_flight: bool,
    /// The expired failure whose target is probed until it is healthy again.
    comeback: Option<String>,
    /// The active failure a probe saw repaired while the file still holds
    /// it: its outcome is recorded, the file is still cleared at the deadline.
    repaired_in_place: Option<String>,
    /// The failure written to the file and not yet ended.
    active: Option<InjectedFailure>,
    /// When the next injection is planned to start.
    next_injection: Option<Instant>,
    /// When the last scheduled injection started (the start-to-start anchor).
    last_start: Option<Instant>,
    /// Generation of the schedule: bumped whenever a new start is planned
    /// or the schedule stops (pause, resume, reload, shutdown), so a cycle
    /// still running its checks knows it has been superseded.
    cycle: u64,
    timer: Option<SpawnHandle>,
    paused: bool,
    draining: bool,
    /// Modes outside the catalogue injected by hand (API, CLI) in this run,
    /// at most [`MAX_AD_HOC_MODES`]: each becomes a metric series.
    ad_hoc_modes: std::collections::BTreeSet<String>,
}

impl TargetActor {
    /// A target actor; it does nothing until started.
    pub fn new(
        settings: TargetSettings,
        mode: RunMode,
        telemetry: SharedTelemetry,
        picker: Addr<WeightedPicker>,
        recovery: Addr<RecoveryActor>,
        in_use: InUse,
    ) -> Self {
        TargetActor {
            settings,
            mode,
            telemetry,
            picker,
            recovery,
            in_use,
            probe_client: None,
            probe_in_flight: false,
            comeback: None,
            repaired_in_place: None,
            active: None,
            next_injection: None,
            last_start: None,
            cycle: 0,
            timer: None,
            paused: false,
            draining: false,
            ad_hoc_modes: std::collections::BTreeSet::new(),
        }
    }

    fn name(&self) -> &str {
        &self.settings.name
    }

    fn now(&self) -> f64 {
        round_millis(self.telemetry.clock.unix_now())
    }

    /// The healthy record this target writes for `reason`.
    fn healthy_record(&self, reason: ClearReason) -> StateRecord {
        StateRecord::healthy(self.name(), reason, self.now())
    }

    /// How `failure` ended, for telemetry: by `ended_by`, unless a probe
    /// already recorded it as repaired in place (then only the clear is
    /// left to report).
    fn ending<'a>(
        &mut self,
        failure: &'a InjectedFailure,
        ended_by: EndedBy,
        repaired_by: Option<String>,
    ) -> Ending<'a> {
        let outcome_recorded = self.repaired_in_place.as_deref() == Some(failure.id.as_str());
        if outcome_recorded {
            self.repaired_in_place = None;
        }
        Ending {
            failure,
            ended_by,
            repaired_by,
            outcome_recorded,
        }
    }

    /// Writes the file healthy for `reason`, ending the active failure (if
    /// any) and telling the RecoveryActor to forget it.
    fn clear(&mut self, reason: ClearReason) -> Result<(), String> {
        let written = timed_write(&self.settings.state_file, &self.healthy_record(reason));
        self.finish_clear(reason, written)
    }

    /// The bookkeeping after a healthy write for `reason` (`written`: how
    /// long it took, or why it failed): logs, telemetry, and on success the
    /// end of the active failure.
    fn finish_clear(
        &mut self,
        reason: ClearReason,
        written: Result<f64, String>,
    ) -> Result<(), String> {
        let name = self.settings.name.clone();
        match written {
            Ok(write_ms) => {
                let ended = self.active.take();
                match &ended {
                    Some(f) => {
                        self.recovery.do_send(FailureEnded { id: f.id.clone() });
                        info!(
                            target = %name, scenario = %f.scenario, mode = %f.mode, delay = f.delay,
                            id = %f.id, reason = %reason,
                            "✓ Failure state cleared ({reason})"
                        );
                    }
                    None => {
                        info!(target = %name, reason = %reason, "✓ Failure state cleared ({reason})")
                    }
                }
                let ending = ended.as_ref().map(|failure| {
                    self.ending(failure, EndedBy::for_clear_reason(reason.as_str()), None)
                });
                self.telemetry
                    .cleared(&name, ending, reason.as_str(), Some(write_ms));
                Ok(())
            }
            Err(err) => {
                self.telemetry
                    .write_error(&name, &err, self.active.as_ref());
                error!(target = %name, reason = %reason, error = %err, "could not clear the failure state");
                Err(err)
            }
        }
    }

    /// Writes `pick` as the target's failure and hands its deadline (and
    /// its `slot`, for scheduled ones) to the RecoveryActor, then watches
    /// it. `source` is `Some("manual")` for injections asked for through
    /// the API.
    fn inject(
        &mut self,
        pick: Pick,
        source: Option<&str>,
        lateness_ms: Option<f64>,
        slot: Option<Slot>,
        ctx: &mut Context<Self>,
    ) -> Result<InjectedFailure, String> {
        // `draining` comes with the drain message, which may wait behind a
        // backlog; the shared flag is set the moment the signal arrives.
        if self.draining || self.telemetry.is_shutting_down() {
            return Err("the engine is shutting down".to_owned());
        }
        let id = uuid::Uuid::new_v4().to_string();
        let name = self.settings.name.clone();
        if self.mode.dry_run {
            info!(
                target = %name, scenario = %pick.scenario, mode = %pick.mode, delay = pick.delay, id = %id,
                "[dry run] would inject {} failure into {name}", pick.scenario
            );
            return Err("dry run: nothing was written".to_owned());
        }
        let timestamp = self.now();
        let failure = InjectedFailure {
            id,
            scenario: pick.scenario,
            mode: pick.mode,
            delay: pick.delay,
            injected_at: timestamp,
            expires_at: round_millis(timestamp + self.settings.recovery.as_secs_f64()),
            manifested_at: None,
        };
        let spec = FailureSpec {
            target: &name,
            scenario: &failure.scenario,
            mode: &failure.mode,
            delay: failure.delay,
            id: &failure.id,
            timestamp,
            expires_at: failure.expires_at,
        };
        let started = std::time::Instant::now();
        match write_atomic(&self.settings.state_file, &StateRecord::failure(&spec)) {
            Ok(()) => {
                let write_ms = elapsed_ms(started);
                warn!(
                    target = %name, scenario = %failure.scenario, mode = %failure.mode, delay = failure.delay,
                    id = %failure.id, expires_at = failure.expires_at, source = source.unwrap_or("schedule"),
                    "💥 Injecting {} failure into {name}", failure.scenario
                );
                if let Some(previous) = self.active.replace(failure.clone()) {
                    // Replaced before its deadline (a manual injection on top).
                    self.recovery.do_send(FailureEnded {
                        id: previous.id.clone(),
                    });
                    let ending = self.ending(&previous, EndedBy::Manual, None);
                    self.telemetry
                        .cleared(&name, Some(ending), "replaced", None);
                }
                // A scheduled injection holds a slot: it is counted already.
                let in_use = self.in_use.load(Ordering::Relaxed) + usize::from(slot.is_none());
                self.telemetry.injected(
                    &name,
                    &failure,
                    source,
                    lateness_ms,
                    write_ms,
                    Some(in_use),
                );
                self.recovery.do_send(Injected {
                    id: failure.id.clone(),
                    target: name,
                    recovery: self.settings.recovery,
                    owner: ctx.address().recipient(),
                    slot,
                });
                self.watch_later(failure.id.clone(), ctx);
                Ok(failure)
            }
            Err(err) => {
                let message = err.to_string();
                self.telemetry.write_error(&name, &message, Some(&failure));
                error!(
                    target = %name, scenario = %failure.scenario, mode = %failure.mode, delay = failure.delay,
                    id = %failure.id, error = %message,
                    "could not write the failure state; retrying at the next tick"
                );
                Err(message)
            }
        }
    }
}

/// Writes `record` atomically; answers how long it took (ms) or why it failed.
fn timed_write(path: &std::path::Path, record: &StateRecord) -> Result<f64, String> {
    let started = std::time::Instant::now();
    write_atomic(path, record)
        .map(|()| elapsed_ms(started))
        .map_err(|err| err.to_string())
}

/// Milliseconds since `started`, to the microsecond.
fn elapsed_ms(started: std::time::Instant) -> f64 {
    crate::clock::duration_ms(started.elapsed())
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
        let name = self.settings.name.clone();
        if !self.mode.enabled {
            info!(target = %name, "Chaos disabled: no failure will be injected");
            return;
        }
        info!(
            target = %name,
            "Waiting {} for {name} to stabilize",
            format_duration(self.settings.startup_wait)
        );
        let first = Instant::now() + self.settings.startup_wait;
        self.schedule_at(first, ctx, false);
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
        if self.clear(msg.reason).is_err() {
            ctx.notify_later(msg, CLEAR_RETRY);
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
        // The engine is not the only writer: a restarted target writes its
        // file healthy, a person may inject by hand. Clear only our own
        // failure (or a file that no longer holds a valid record).
        if let Some(rewrite) =
            watch::judge_rewrite(&read_state(&self.settings.state_file), &active.id)
        {
            self.end_by_other_writer(rewrite);
            return;
        }
        let repaired_already = self.repaired_in_place.as_deref() == Some(active.id.as_str());
        if self.clear(ClearReason::Recovery).is_err() {
            ctx.notify_later(msg, CLEAR_RETRY.min(self.settings.interval));
            return;
        }
        if !repaired_already {
            let expired_at = self.now();
            self.watch_comeback(active, expired_at, ctx);
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

    fn handle(&mut self, _msg: DrainTarget, ctx: &mut Context<Self>) -> Self::Result {
        self.draining = true;
        self.stop_schedule(ctx);
        // Written here, one target after another: measured faster than
        // overlapping the writes on the blocking pool (10,000 targets on
        // tmpfs: 0.63 s against 1.6 s; on ext4 the overlap saved only a
        // fifth). See "Benchmarks" in the README.
        let result = self.clear(ClearReason::Shutdown);
        ctx.stop();
        result.map_err(|err| format!("{}: {err}", self.settings.name))
    }
}
