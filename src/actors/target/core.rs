//! The decisions of one target, without effects: a state machine that is
//! told the time and what happened, and answers with [`Command`]s.
//!
//! [`TargetCore`] knows the lifecycle (one [`Lifecycle`] enum), the
//! schedule (start-to-start anchor, planned start, generation), the active
//! failure and the watch over it. It never writes a file, sends a message,
//! reads a clock or sleeps: the [`TargetActor`](super::TargetActor) passes
//! `now` in, carries each command out through its
//! [`FaultBackend`](crate::backend::FaultBackend) and actix, and reports the
//! result back as the next event. That keeps every timing rule of the
//! contract testable with made-up instants (see `core/tests.rs`):
//!
//! - at start the target is written healthy (`startup`, or `disabled`),
//!   retried every second until it works, then the first start is planned
//!   `startup_wait` later;
//! - starts are `interval` apart, start to start, lengthened by jitter and
//!   backoff; a start more than a whole step late skips the missed cycles;
//!   where the interval is not longer than the recovery (only a drop-in
//!   `CHAOS_INTERVAL` gets there: see [`Timing::start_to_start`]), the next
//!   start is the interval after the clear, as the original service did;
//!   with an interval of 0 a start that comes due while the failure is
//!   still in place waits for its clear and starts then;
//! - a failure is watched every watch period; it ends at its deadline
//!   ([`ClearJob::Recovery`], retried at most every second), when another
//!   writer ends it, or by hand; a probe marks it manifested, and repaired
//!   where the timing says a probe may (`Timing::probe_repairs`);
//! - after an expiry a target with a probe is probed until healthy again;
//! - pause stops the schedule and clears the failure; resume plans the next
//!   start one interval later; a reload keeps the anchor with the new
//!   interval; a drain stops everything and clears once.
//!
//! Each planned start carries a generation (`cycle`): pause, resume, reload
//! and drain bump it, so the answer of a cycle that was superseded while it
//! waited for its checks is recognised and dropped.

use std::sync::Arc;
use std::time::Duration;

use chaos_state::ClearReason;
use tokio::time::Instant;

pub use crate::backend::{EndedElsewhere, Observation};
use crate::outcome::EndedBy;
use crate::outcome::InjectedFailure;

#[cfg(test)]
mod tests;

/// How soon a failed clear is tried again (a recovery: at most this, and
/// at most one cycle).
pub const CLEAR_RETRY: Duration = Duration::from_secs(1);

/// The longest time between two looks at a watched failure without probe.
const MAX_FILE_WATCH: Duration = Duration::from_secs(1);
/// The shortest.
const MIN_FILE_WATCH: Duration = Duration::from_millis(10);

/// Where a target is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// Chaos is disabled by configuration: written healthy, never injected.
    Disabled,
    /// Injecting on schedule.
    Running,
    /// Paused by hand: nothing planned until resumed.
    Paused,
    /// Shutting down or retired: nothing more is planned or written.
    Draining,
}

/// The durations a target's decisions depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// From start to the first injection.
    pub startup_wait: Duration,
    /// From one start to the next.
    pub interval: Duration,
    /// How long a failure lasts unless something ends it first.
    pub recovery: Duration,
    /// Whether the target has a probe (manifest, repair, healthy again).
    pub has_probe: bool,
    /// Whether a healthy probe before the deadline is a repair: true for a
    /// state file (a target that no longer acts on its file works again),
    /// false for a container, whose repairs are seen on the container
    /// itself (see `crate::docker::watch`): a probe that gets through a
    /// partial fault (30 % packet loss lets most through) or answers from
    /// another replica proves nothing about the fault.
    pub probe_repairs: bool,
    /// The probe's period (ignored without a probe).
    pub probe_period: Duration,
}

impl Timing {
    /// From one start to the next when the interval, lengthened by jitter
    /// and backoff, is `step`: `step` itself (start to start), or, when
    /// the interval is not longer than the recovery, `step` after the
    /// clear due at the end of the recovery (recovery + `step`), as the
    /// original service's cycle went: inject, recovery, clear, interval.
    /// Configuration lets an interval that short through only where the
    /// original service accepted it (a whole number of seconds in
    /// `CHAOS_INTERVAL`), and warns when it does.
    pub fn start_to_start(&self, step: Duration) -> Duration {
        if self.waits_after_clear() {
            self.recovery.saturating_add(step)
        } else {
            step
        }
    }

    /// Whether the interval is waited after the clear rather than counted
    /// from the start (see [`Timing::start_to_start`]).
    pub fn waits_after_clear(&self) -> bool {
        self.interval <= self.recovery
    }

    /// One whole cycle without jitter or backoff: start to next start.
    pub fn cycle(&self) -> Duration {
        self.start_to_start(self.interval)
    }

    /// How often an active failure is looked at: the probe's period, or
    /// without a probe a tenth of the recovery, between 10 ms and 1 s.
    pub fn watch_period(&self) -> Duration {
        if self.has_probe {
            self.probe_period
        } else {
            (self.recovery / 10).clamp(MIN_FILE_WATCH, MAX_FILE_WATCH)
        }
    }

    /// Near its deadline a failure may already read as over to targets
    /// that honour `expires_at`: a healthy probe sent in the last second
    /// (or last quarter of the recovery, if shorter) is not a repair.
    pub fn expiry_margin(&self) -> f64 {
        (self.recovery.as_secs_f64() / 4.0).min(1.0)
    }
}

/// The present, as the actor's clocks tell it.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    /// The monotonic clock (schedules).
    pub at: Instant,
    /// Unix time in seconds (deadlines written in the file).
    pub unix: f64,
}

/// Why (and on whose behalf) the target is written healthy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClearJob {
    /// At start (`startup`, or `disabled`); retried every second until it
    /// works, unless a failure took its place meanwhile.
    Initial(ClearReason),
    /// The failure `id` lasted its recovery period.
    Recovery {
        /// The failure due.
        id: String,
    },
    /// A pause clears the failure active then (`id`); retried while paused.
    Pause {
        /// The failure active when the pause came.
        id: String,
    },
    /// Cleared by hand (API); not retried, the caller is told.
    Manual,
    /// Shutdown: once.
    Drain,
    /// Removed from the configuration on reload: once.
    Retire,
}

impl ClearJob {
    /// The reason written in the healthy record.
    pub fn reason(&self) -> ClearReason {
        match self {
            ClearJob::Initial(reason) => *reason,
            ClearJob::Recovery { .. } => ClearReason::Recovery,
            ClearJob::Pause { .. } | ClearJob::Manual => ClearReason::Manual,
            ClearJob::Drain => ClearReason::Shutdown,
            ClearJob::Retire => ClearReason::Reload,
        }
    }

    /// How the failure this clear ends is recorded: at its deadline, at
    /// shutdown, otherwise by hand (pause, clear, reload).
    pub fn ended_by(&self) -> EndedBy {
        match self {
            ClearJob::Recovery { .. } => EndedBy::Recovery,
            ClearJob::Drain => EndedBy::Shutdown,
            ClearJob::Initial(_) | ClearJob::Pause { .. } | ClearJob::Manual | ClearJob::Retire => {
                EndedBy::Manual
            }
        }
    }
}

/// What a probe answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeAnswer {
    /// Healthy.
    Healthy,
    /// Not healthy, and why.
    Unhealthy(String),
}

/// Why a probe is sent while a failure is active or just over.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbePurpose {
    /// Watching the active failure `id`; sent at `sent_at` (Unix time).
    Watch {
        /// The failure watched.
        id: String,
        /// When the probe left.
        sent_at: f64,
    },
    /// The expired failure `id`: is the target healthy again?
    Comeback {
        /// The failure that expired.
        id: String,
    },
}

/// How a failure ended, for the log and telemetry.
#[derive(Debug, Clone, PartialEq)]
pub struct Ended {
    /// The failure.
    pub failure: InjectedFailure,
    /// Who or what ended it.
    pub ended_by: EndedBy,
    /// For a repair: who.
    pub repaired_by: Option<String>,
    /// A probe already recorded it as repaired: only the clear is left.
    pub outcome_recorded: bool,
}

/// What the actor carries out, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Write the target healthy, then report [`TargetCore::cleared`] or
    /// [`TargetCore::clear_failed`].
    Clear(ClearJob),
    /// Try `job` again at `at` ([`TargetCore::retry_due`]).
    RetryAt {
        /// When.
        at: Instant,
        /// What.
        job: ClearJob,
    },
    /// Plan the start of `cycle` at `at` (replacing any planned one), then
    /// [`TargetCore::start_due`]. `announce` logs the wait.
    ScheduleAt {
        /// When the start is due.
        at: Instant,
        /// Its generation.
        cycle: u64,
        /// Whether the wait is logged as "until next chaos cycle".
        announce: bool,
    },
    /// Nothing is planned any more: cancel the timer.
    CancelSchedule,
    /// Run the cycle's checks (windows, probe, slot), then pick and inject
    /// or skip; either way report [`TargetCore::plan_after`].
    CheckCycle {
        /// Its generation.
        cycle: u64,
        /// When it was planned.
        planned: Instant,
        /// How late it started.
        lateness: Duration,
        /// Under `wait`, waiting for a slot ends then.
        next_due: Instant,
    },
    /// Look at the active failure `id` again at `at` ([`TargetCore::watch_due`]).
    WatchAt {
        /// The failure.
        id: String,
        /// When.
        at: Instant,
    },
    /// Ask the backend about the failure `id` ([`TargetCore::observed`]).
    Observe {
        /// The failure.
        id: String,
        /// Its deadline came (clear it if it is still in place), or it is
        /// only watched.
        at_deadline: bool,
    },
    /// Send the probe ([`TargetCore::probe_answered`]).
    Probe(ProbePurpose),
    /// Probe the expired failure `id` again at `at`
    /// ([`TargetCore::comeback_due`]).
    ComebackAt {
        /// The expired failure.
        id: String,
        /// When.
        at: Instant,
    },
    /// A failure injected by hand replaced the active one before its
    /// deadline: tell the RecoveryActor and record it.
    Replaced(Ended),
    /// A failure ended without a write of ours: tell the RecoveryActor,
    /// log and record it.
    EndedElsewhere {
        /// How it ended.
        ended: Ended,
        /// For the log.
        how: String,
    },
    /// The failure showed for the first time: the probe saw it, or the
    /// target's repair shows it went down.
    Manifested {
        /// The failure, with `manifested_at` set.
        failure: InjectedFailure,
        /// `probe`, or `restart` (a target that came back after going down).
        seen_by: &'static str,
        /// What was seen.
        detail: String,
    },
    /// The probe sees the target healthy again before the deadline.
    RepairedInPlace {
        /// The failure.
        failure: InjectedFailure,
    },
    /// The target answers healthy again after its failure expired.
    HealthyAgain {
        /// The failure that expired.
        failure: InjectedFailure,
        /// When the engine cleared it (Unix time).
        expired_at: f64,
        /// When the probe saw it healthy (Unix time).
        healthy_at: f64,
    },
}

/// The failure in place and what the watch found out about it.
#[derive(Debug, Clone)]
struct Active {
    /// Shared with the status board (`GET /status`), which shows it while
    /// it is active: one copy, not two, for every active failure.
    failure: Arc<InjectedFailure>,
    /// A probe saw it repaired while the file still holds it: its outcome
    /// is recorded, the file is still cleared at the deadline.
    repaired_in_place: bool,
}

/// An expired failure whose target is probed until healthy again.
#[derive(Debug, Clone)]
struct Comeback {
    failure: InjectedFailure,
    expired_at: f64,
}

/// One target's decisions. See the module docs.
#[derive(Debug, Clone)]
pub struct TargetCore {
    timing: Timing,
    lifecycle: Lifecycle,
    /// Generation of the schedule.
    cycle: u64,
    /// When the next start is planned.
    next_start: Option<Instant>,
    /// When the last start was planned (the start-to-start anchor).
    last_start: Option<Instant>,
    /// Boxed, like `comeback`: a target spends most of its time without
    /// one, and the core lives inside its actor's task for the whole run.
    active: Option<Box<Active>>,
    comeback: Option<Box<Comeback>>,
    /// A probe is on its way (the next tick does not send another).
    probe_in_flight: bool,
    /// The start of this cycle came due while a failure was in place and
    /// waits for its end (interval 0 only: see [`TargetCore::start_due`]).
    start_after_clear: Option<u64>,
}

impl TargetCore {
    /// A target that injects (`enabled`) or only keeps its file healthy.
    pub fn new(timing: Timing, enabled: bool) -> Self {
        TargetCore {
            timing,
            lifecycle: if enabled {
                Lifecycle::Running
            } else {
                Lifecycle::Disabled
            },
            cycle: 0,
            next_start: None,
            last_start: None,
            active: None,
            comeback: None,
            probe_in_flight: false,
            start_after_clear: None,
        }
    }

    /// Where the target is in its life.
    pub fn lifecycle(&self) -> Lifecycle {
        self.lifecycle
    }

    /// The failure in place, if any.
    pub fn active(&self) -> Option<&InjectedFailure> {
        self.active.as_ref().map(|a| &*a.failure)
    }

    /// When the next start is planned.
    pub fn next_start(&self) -> Option<Instant> {
        self.next_start
    }

    /// The durations in force.
    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    /// Whether an answer for `cycle` still counts: nothing replanned,
    /// paused or drained since it was asked.
    pub fn is_current(&self, cycle: u64) -> bool {
        cycle == self.cycle && self.lifecycle == Lifecycle::Running
    }

    fn is_active(&self, id: &str) -> bool {
        self.active.as_ref().is_some_and(|a| a.failure.id == id)
    }

    /// The engine starts this target: write it healthy, then wait
    /// `startup_wait` for the first start.
    pub fn start(&mut self, now: Now) -> Vec<Command> {
        let reason = if self.lifecycle == Lifecycle::Disabled {
            ClearReason::Disabled
        } else {
            ClearReason::Startup
        };
        let mut commands = vec![Command::Clear(ClearJob::Initial(reason))];
        commands.extend(self.schedule(now.at + self.timing.startup_wait, now, false));
        commands
    }

    /// Plans the start at `at` (not before `now`), unless the target is
    /// not running.
    fn schedule(&mut self, at: Instant, now: Now, announce: bool) -> Option<Command> {
        if self.lifecycle != Lifecycle::Running {
            return None;
        }
        // A new plan: whatever cycle is still on its way is stale now.
        self.cycle += 1;
        let at = at.max(now.at);
        self.next_start = Some(at);
        Some(Command::ScheduleAt {
            at,
            cycle: self.cycle,
            announce,
        })
    }

    /// Stops the schedule: nothing planned, the current cycle stale.
    fn stop_schedule(&mut self) -> Command {
        self.cycle += 1;
        self.next_start = None;
        Command::CancelSchedule
    }

    /// The start of `cycle` is due: run its checks. With an interval of 0
    /// the start falls on the clear of the failure before it: while a
    /// failure is still in place it waits for its end
    /// ([`TargetCore::start_after_end`]) rather than race its clear.
    pub fn start_due(&mut self, cycle: u64, now: Now) -> Vec<Command> {
        if !self.is_current(cycle) {
            return Vec::new();
        }
        if self.timing.interval.is_zero() && self.active.is_some() {
            self.start_after_clear = Some(cycle);
            return Vec::new();
        }
        let planned = self.next_start.unwrap_or(now.at);
        vec![self.checks_of(cycle, planned, now)]
    }

    /// The active failure ended: a start that waited for that begins now,
    /// anchored on this instant, unless it was superseded meanwhile.
    fn start_after_end(&mut self, now: Now) -> Option<Command> {
        let cycle = self.start_after_clear.take()?;
        if !self.is_current(cycle) || self.active.is_some() {
            return None;
        }
        self.next_start = Some(now.at);
        Some(self.checks_of(cycle, now.at, now))
    }

    /// The checks of the start of `cycle` planned at `planned`, which is
    /// the start-to-start anchor from now on.
    fn checks_of(&mut self, cycle: u64, planned: Instant, now: Now) -> Command {
        self.last_start = Some(planned);
        Command::CheckCycle {
            cycle,
            planned,
            lateness: now.at.saturating_duration_since(planned),
            next_due: planned + self.timing.cycle(),
        }
    }

    /// The cycle started at `planned` injected or was skipped, and the
    /// interval to the next start is `step` (with jitter and backoff): plan
    /// it, [`Timing::start_to_start`] after `planned`. More than a whole
    /// cycle late (the machine was suspended, say), the missed cycles are
    /// skipped, not replayed.
    pub fn plan_after(
        &mut self,
        cycle: u64,
        planned: Instant,
        step: Duration,
        now: Now,
    ) -> Vec<Command> {
        if !self.is_current(cycle) {
            return Vec::new();
        }
        // Durations are capped at ten years (config::duration::MAX_DURATION)
        // and stretched at most 2000 times (jitter 1, backoff 1000): 20,000
        // years, far inside an Instant's range, so these cannot overflow.
        let step = self
            .timing
            .start_to_start(step)
            .max(Duration::from_millis(1));
        let mut next = planned + step;
        while next <= now.at {
            next += step;
        }
        self.schedule(next, now, true).into_iter().collect()
    }

    /// Whether a failure may be written now, and why not.
    pub fn may_inject(&self) -> Result<(), &'static str> {
        match self.lifecycle {
            Lifecycle::Draining => Err("the engine is shutting down"),
            Lifecycle::Disabled => Err("chaos is disabled by configuration"),
            Lifecycle::Running | Lifecycle::Paused => Ok(()),
        }
    }

    /// `failure` was written: it is the active one now (the one it
    /// replaced, if any, ended by hand), and it is watched.
    pub fn injected(&mut self, failure: impl Into<Arc<InjectedFailure>>, now: Now) -> Vec<Command> {
        let failure = failure.into();
        let id = failure.id.clone();
        let previous = self.active.replace(Box::new(Active {
            failure,
            repaired_in_place: false,
        }));
        // A new failure ends the watch for the previous one's comeback.
        self.comeback = None;
        let mut commands = Vec::new();
        if let Some(previous) = previous {
            commands.push(Command::Replaced(Ended {
                outcome_recorded: previous.repaired_in_place,
                failure: Arc::unwrap_or_clone(previous.failure),
                ended_by: EndedBy::Manual,
                repaired_by: None,
            }));
        }
        commands.push(Command::WatchAt {
            id,
            at: now.at + self.timing.watch_period(),
        });
        commands
    }

    /// The watch period of failure `id` is over: look at it.
    pub fn watch_due(&mut self, id: &str) -> Vec<Command> {
        if !self.is_active(id) || self.lifecycle == Lifecycle::Draining {
            return Vec::new();
        }
        vec![Command::Observe {
            id: id.to_owned(),
            at_deadline: false,
        }]
    }

    /// What the backend says about failure `id`. Ended elsewhere: it is
    /// recorded so. Still in place at its deadline: it is cleared; while
    /// watched: it is probed, and looked at again one period later.
    pub fn observed(
        &mut self,
        id: &str,
        at_deadline: bool,
        observation: Observation,
        now: Now,
    ) -> Vec<Command> {
        if !self.is_active(id) || self.lifecycle == Lifecycle::Draining {
            return Vec::new();
        }
        if let Observation::EndedElsewhere(ended) = observation {
            let mut commands = Vec::new();
            if let (Some(detail), Some(active)) = (&ended.went_down, self.active.as_mut()) {
                if active.failure.manifested_at.is_none() {
                    Arc::make_mut(&mut active.failure).manifested_at =
                        Some(crate::clock::round_millis(now.unix));
                    commands.push(Command::Manifested {
                        failure: InjectedFailure::clone(&active.failure),
                        seen_by: "restart",
                        detail: detail.clone(),
                    });
                }
            }
            commands.extend(self.end_elsewhere(ended));
            commands.extend(self.start_after_end(now));
            return commands;
        }
        if at_deadline {
            return vec![Command::Clear(ClearJob::Recovery { id: id.to_owned() })];
        }
        let mut commands = Vec::new();
        let repaired = self.active.as_ref().is_some_and(|a| a.repaired_in_place);
        if self.timing.has_probe && !repaired && !self.probe_in_flight {
            self.probe_in_flight = true;
            commands.push(Command::Probe(ProbePurpose::Watch {
                id: id.to_owned(),
                sent_at: now.unix,
            }));
        }
        commands.push(Command::WatchAt {
            id: id.to_owned(),
            at: now.at + self.timing.watch_period(),
        });
        commands
    }

    /// Ends the active failure without a write of ours.
    fn end_elsewhere(&mut self, ended: EndedElsewhere) -> Option<Command> {
        let active = self.active.take()?;
        Some(Command::EndedElsewhere {
            ended: Ended {
                failure: Arc::unwrap_or_clone(active.failure),
                ended_by: ended.ended_by,
                repaired_by: ended.repaired_by,
                outcome_recorded: active.repaired_in_place,
            },
            how: ended.how,
        })
    }

    /// A probe answered.
    pub fn probe_answered(
        &mut self,
        purpose: ProbePurpose,
        answer: ProbeAnswer,
        now: Now,
    ) -> Vec<Command> {
        self.probe_in_flight = false;
        match purpose {
            ProbePurpose::Watch { id, sent_at } => self.watch_answer(&id, sent_at, answer, now),
            ProbePurpose::Comeback { id } => self.comeback_answer(&id, answer, now),
        }
    }

    fn watch_answer(
        &mut self,
        id: &str,
        sent_at: f64,
        answer: ProbeAnswer,
        now: Now,
    ) -> Vec<Command> {
        if !self.is_active(id) || self.lifecycle == Lifecycle::Draining {
            return Vec::new();
        }
        let margin = self.timing.expiry_margin();
        let Some(active) = self.active.as_mut() else {
            return Vec::new();
        };
        match (answer, active.failure.manifested_at) {
            (ProbeAnswer::Unhealthy(detail), None) => {
                Arc::make_mut(&mut active.failure).manifested_at =
                    Some(crate::clock::round_millis(now.unix));
                vec![Command::Manifested {
                    failure: InjectedFailure::clone(&active.failure),
                    seen_by: "probe",
                    detail,
                }]
            }
            (ProbeAnswer::Healthy, Some(_))
                if self.timing.probe_repairs
                    && !active.repaired_in_place
                    && sent_at < active.failure.expires_at - margin =>
            {
                active.repaired_in_place = true;
                vec![Command::RepairedInPlace {
                    failure: InjectedFailure::clone(&active.failure),
                }]
            }
            // Not showing yet, or still failing.
            _ => Vec::new(),
        }
    }

    /// The recovery period of failure `id` is over: look at the backend
    /// first (another writer may have ended it), then clear.
    pub fn recovery_due(&mut self, id: &str) -> Vec<Command> {
        if !self.is_active(id) || self.lifecycle == Lifecycle::Draining {
            return Vec::new();
        }
        vec![Command::Observe {
            id: id.to_owned(),
            at_deadline: true,
        }]
    }

    /// A clear by hand (API), unless shutting down.
    pub fn clear_now(&self) -> Result<Vec<Command>, &'static str> {
        if self.lifecycle == Lifecycle::Draining {
            return Err("the engine is shutting down");
        }
        Ok(vec![Command::Clear(ClearJob::Manual)])
    }

    /// The healthy write for `job` worked: the active failure (if any)
    /// ended. Answers how, and what follows (the watch for an expired
    /// failure's comeback).
    pub fn cleared(&mut self, job: &ClearJob, now: Now) -> (Option<Ended>, Vec<Command>) {
        let ended = self.active.take().map(|active| Ended {
            ended_by: job.ended_by(),
            repaired_by: None,
            outcome_recorded: active.repaired_in_place,
            failure: Arc::unwrap_or_clone(active.failure),
        });
        let mut commands = Vec::new();
        if let (ClearJob::Recovery { .. }, Some(ended)) = (job, &ended) {
            if !ended.outcome_recorded && self.timing.has_probe {
                self.comeback = Some(Box::new(Comeback {
                    failure: ended.failure.clone(),
                    expired_at: crate::clock::round_millis(now.unix),
                }));
                commands.push(Command::ComebackAt {
                    id: ended.failure.id.clone(),
                    at: now.at + self.timing.watch_period(),
                });
            }
        }
        commands.extend(self.start_after_end(now));
        (ended, commands)
    }

    /// The healthy write for `job` failed: when to try again, if at all.
    pub fn clear_failed(&mut self, job: ClearJob, now: Now) -> Vec<Command> {
        let wait = match &job {
            ClearJob::Initial(_) | ClearJob::Pause { .. } => CLEAR_RETRY,
            // The whole cycle, not the interval: an interval of 0 would
            // retry at once, over and over.
            ClearJob::Recovery { .. } => CLEAR_RETRY.min(self.timing.cycle()),
            ClearJob::Manual | ClearJob::Drain | ClearJob::Retire => return Vec::new(),
        };
        vec![Command::RetryAt {
            at: now.at + wait,
            job,
        }]
    }

    /// A retry of `job` is due: whether it still makes sense.
    pub fn retry_due(&mut self, job: ClearJob) -> Vec<Command> {
        let still_wanted = match &job {
            // Shutting down, or a failure already replaced the file.
            ClearJob::Initial(_) => self.lifecycle != Lifecycle::Draining && self.active.is_none(),
            // Our failure is still due (otherwise it ended meanwhile).
            ClearJob::Recovery { id } => {
                self.lifecycle != Lifecycle::Draining && self.is_active(id)
            }
            // Retried while paused until the file is written healthy, even
            // if the failure ended meanwhile (e.g. repaired by removing the
            // file); never once a newer failure took its place.
            ClearJob::Pause { id } => {
                let newer_failure = self.active.as_ref().is_some_and(|a| a.failure.id != *id);
                self.lifecycle == Lifecycle::Paused && !newer_failure
            }
            ClearJob::Manual | ClearJob::Drain | ClearJob::Retire => false,
        };
        if !still_wanted {
            return Vec::new();
        }
        match job {
            // The deadline rule again: another writer may have ended it.
            ClearJob::Recovery { id } => vec![Command::Observe {
                id,
                at_deadline: true,
            }],
            job => vec![Command::Clear(job)],
        }
    }

    /// The comeback probe of the expired failure `id` is due.
    pub fn comeback_due(&mut self, id: &str, now: Now) -> Vec<Command> {
        if !self.still_coming_back(id) {
            return Vec::new();
        }
        if self.probe_in_flight {
            return vec![Command::ComebackAt {
                id: id.to_owned(),
                at: now.at + self.timing.watch_period(),
            }];
        }
        self.probe_in_flight = true;
        vec![Command::Probe(ProbePurpose::Comeback { id: id.to_owned() })]
    }

    fn still_coming_back(&self, id: &str) -> bool {
        self.lifecycle != Lifecycle::Draining
            && self.active.is_none()
            && self.comeback.as_ref().is_some_and(|c| c.failure.id == id)
    }

    fn comeback_answer(&mut self, id: &str, answer: ProbeAnswer, now: Now) -> Vec<Command> {
        if !self.still_coming_back(id) {
            return Vec::new();
        }
        if answer != ProbeAnswer::Healthy {
            return vec![Command::ComebackAt {
                id: id.to_owned(),
                at: now.at + self.timing.watch_period(),
            }];
        }
        let Some(comeback) = self.comeback.take() else {
            return Vec::new();
        };
        vec![Command::HealthyAgain {
            failure: comeback.failure,
            expired_at: comeback.expired_at,
            healthy_at: crate::clock::round_millis(now.unix),
        }]
    }

    /// Pause: stop the schedule and clear the active failure. Answers
    /// whether the target was running, and the commands.
    pub fn pause(&mut self) -> Result<(bool, Vec<Command>), &'static str> {
        let newly_paused = match self.lifecycle {
            Lifecycle::Running => true,
            // A disabled target has no schedule to stop and no failure.
            Lifecycle::Paused | Lifecycle::Disabled => false,
            Lifecycle::Draining => return Err("the engine is shutting down"),
        };
        let mut commands = Vec::new();
        if newly_paused {
            self.lifecycle = Lifecycle::Paused;
            commands.push(self.stop_schedule());
        }
        // Also when already paused: a failure injected by hand since then
        // is cleared too.
        if let Some(active) = &self.active {
            commands.push(Command::Clear(ClearJob::Pause {
                id: active.failure.id.clone(),
            }));
        }
        Ok((newly_paused, commands))
    }

    /// Resume a paused target: the next start comes one interval from now.
    /// Answers whether it was paused.
    pub fn resume(&mut self, now: Now) -> Result<(bool, Vec<Command>), &'static str> {
        match self.lifecycle {
            Lifecycle::Paused => {}
            Lifecycle::Running => return Ok((false, Vec::new())),
            Lifecycle::Disabled => return Err("chaos is disabled by configuration"),
            Lifecycle::Draining => return Err("the engine is shutting down"),
        }
        self.lifecycle = Lifecycle::Running;
        let commands = self
            .schedule(now.at + self.timing.interval, now, true)
            .into_iter()
            .collect();
        Ok((true, commands))
    }

    /// New durations after a reload: the active failure stays; the schedule
    /// keeps its start-to-start anchor with the new cycle (before the
    /// first start: the planned one stays).
    pub fn reconfigure(&mut self, timing: Timing, now: Now) -> Vec<Command> {
        self.timing = timing;
        if self.lifecycle != Lifecycle::Running {
            return Vec::new();
        }
        let next = match self.last_start {
            Some(start) => start + self.timing.cycle(),
            None => self.next_start.unwrap_or(now.at + self.timing.startup_wait),
        };
        self.schedule(next, now, true).into_iter().collect()
    }

    /// Shut down (or retire): nothing more is planned; clear once.
    pub fn drain(&mut self, job: ClearJob) -> Vec<Command> {
        self.lifecycle = Lifecycle::Draining;
        vec![self.stop_schedule(), Command::Clear(job)]
    }

    /// A retire's clear failed: the failure left in the file is given up
    /// (its `expires_at` still ends it for readers).
    pub fn abandon(&mut self) -> Option<Ended> {
        self.active.take().map(|active| Ended {
            outcome_recorded: active.repaired_in_place,
            failure: Arc::unwrap_or_clone(active.failure),
            ended_by: EndedBy::Manual,
            repaired_by: None,
        })
    }
}
