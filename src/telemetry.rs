//! What the engine tells the outside world about each event, in one place:
//! Prometheus `Metrics`, the audit [`Journal`], the [`StatusBoard`]
//! behind `GET /status` and the [`Timeline`] behind `GET /timeline`. Actors
//! report events here (`injected`, `cleared`, ...) and this module keeps the
//! four consistent.
//!
//! Everything here is thread-safe and cheap, so the HTTP workers read it
//! without sending a message to the actor thread: load on `/status` or
//! `/metrics` cannot delay the chaos schedule.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use serde::Serialize;

use crate::clock::{millis_between, SharedClock};
use crate::health::Health;
use crate::journal::schema::{self, JournalEvent, OrUnknown, TargetOnly};
use crate::journal::Journal;
use crate::metrics::{Count, Metrics};
use crate::outcome::{EndedBy, FailureOutcome, FaultRecord, InjectedFailure, Location, SkipReason};
use crate::render::colours::{ScenarioColours, Swatch};
use crate::timeline::{Timeline, TimelineKind};

/// How a failure ended, for [`Telemetry::cleared`].
#[derive(Debug, Clone)]
pub struct Ending<'a> {
    /// The failure that ended.
    pub failure: &'a InjectedFailure,
    /// Why.
    pub ended_by: EndedBy,
    /// Who repaired it, for `EndedBy::Repair`.
    pub repaired_by: Option<String>,
    /// Its outcome was recorded already ([`Telemetry::repaired_in_place`]):
    /// this is only the clear that follows.
    pub outcome_recorded: bool,
}

/// A cycle that injected nothing, as `GET /status` shows the last one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkippedCycle {
    /// When (Unix time).
    pub at: f64,
    /// `unhealthy`, `cap`, `window` or `blackout`.
    pub reason: &'static str,
    /// What was seen, e.g. the probe's answer.
    pub detail: String,
}

/// One configured scenario of a target, as `GET /status` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioChoice {
    /// Its name, e.g. `SLOWDOWN` (what `POST /inject` takes as `scenario`).
    pub name: String,
    /// The mode it writes or applies, e.g. `slow` or `pause`.
    pub mode: String,
    /// Its delay range in whole seconds (`[min, max]`), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<[u64; 2]>,
}

impl ScenarioChoice {
    /// The entry of `scenario`.
    pub fn of(scenario: &crate::scenario::Scenario) -> Self {
        ScenarioChoice {
            name: scenario.name.clone(),
            mode: scenario.mode.clone(),
            delay: scenario.delay.map(|range| [range.min, range.max]),
        }
    }
}

/// One target as `GET /status` shows it.
///
/// The board holds one for every target for the whole run, so the parts a
/// target has only now and then (its active failure, its latest outcome
/// and skip) are boxed, and `healthy` is not a string of its own.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TargetStatus {
    /// The target's name.
    pub name: String,
    /// Where its failures take effect: its state file, or the containers
    /// it is made of (e.g. `service cache`), under the key that configures
    /// it (`state_file`, `docker`); `None` only before it is registered.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The scenarios it is configured with, in order: what the
    /// dashboard's inject control offers (configuration, not the active
    /// failure).
    pub scenarios: Vec<ScenarioChoice>,
    /// True while its schedule is paused.
    pub paused: bool,
    /// `healthy`, or the mode of the active failure.
    pub mode: Cow<'static, str>,
    /// The service's health as its probe sees it (`crate::health`):
    /// `up`, `down`, `degraded`, or `unknown` without a probe or before its
    /// first answer. Apart from `mode`: a target without a fault may be
    /// down.
    pub health: Health,
    /// Why it is not up: the latest failed probe's reason while `down` or
    /// `degraded`; `no probe configured` or `not probed yet` while
    /// `unknown`; `None` while `up`.
    pub health_detail: Option<String>,
    /// Since when (Unix time) the health is what it is; `None` while
    /// `unknown` from the start.
    pub health_since: Option<f64>,
    /// The active failure, if any (the target's own record of it, shared).
    pub failure: Option<Arc<InjectedFailure>>,
    /// When the next scheduled injection starts (Unix time); `None` while
    /// paused or disabled.
    pub next_injection_at: Option<f64>,
    /// Failures injected since start.
    pub injections: u64,
    /// Failures ended since start, whatever the reason.
    pub recoveries: u64,
    /// State-file writes that failed since start.
    pub write_errors: u64,
    /// Failures repaired (ended by something other than the engine).
    pub repairs: u64,
    /// Failures that lasted until their recovery deadline.
    pub expirations: u64,
    /// Scheduled cycles skipped (unhealthy, cap, window, blackout).
    pub skipped: u64,
    /// How the latest failure ended.
    pub last_outcome: Option<Box<FailureOutcome>>,
    /// The latest skipped cycle.
    pub last_skip: Option<Box<SkippedCycle>>,
}

/// The latest status of every target.
#[derive(Debug, Default)]
pub struct StatusBoard {
    /// Boxed: a B-tree node holds eleven entries and is often half full.
    targets: RwLock<BTreeMap<String, Box<TargetStatus>>>,
}

impl StatusBoard {
    /// Changes one target's entry (creating it if needed).
    pub fn update(&self, target: &str, change: impl FnOnce(&mut TargetStatus)) {
        let mut targets = self.targets.write().unwrap_or_else(PoisonError::into_inner);
        let entry = targets.entry(target.to_owned()).or_insert_with(|| {
            // The name is the key: `snapshot` copies it in, rather than
            // every entry holding a second copy all run.
            Box::new(TargetStatus {
                mode: Cow::Borrowed(chaos_state::modes::HEALTHY),
                ..TargetStatus::default()
            })
        });
        change(entry);
    }

    /// Drops a target (removed on reload).
    pub fn remove(&self, target: &str) {
        self.targets
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(target);
    }

    /// Packs the board's B-tree tightly (see `Metrics::compact`).
    pub fn compact(&self) {
        let mut targets = self.targets.write().unwrap_or_else(PoisonError::into_inner);
        *targets = std::mem::take(&mut *targets).into_iter().collect();
    }

    /// Whether a target called `target` is on the board (configured now).
    pub fn contains(&self, target: &str) -> bool {
        self.targets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(target)
    }

    /// Every target, by name.
    pub fn snapshot(&self) -> Vec<TargetStatus> {
        self.targets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(name, status)| TargetStatus {
                name: name.clone(),
                ..TargetStatus::clone(status)
            })
            .collect()
    }
}

/// Metrics, journal and status board, with the clock that stamps events.
#[derive(Debug)]
pub struct Telemetry {
    /// Wall-clock time for journal lines and status timestamps.
    pub clock: SharedClock,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// The audit journal (possibly disabled).
    pub journal: Journal,
    /// What `GET /status` shows.
    pub board: StatusBoard,
    /// The recent history `GET /timeline` shows.
    pub timeline: Timeline,
    /// The swatch of each scenario of the run, as the report will draw it.
    colours: RwLock<ScenarioColours>,
    /// Set the moment a shutdown signal arrives, before the drain reaches
    /// the targets (whose mailboxes may be backlogged): from then on no
    /// new failure is written.
    shutting_down: std::sync::atomic::AtomicBool,
}

/// The handle actors and HTTP handlers share.
pub type SharedTelemetry = Arc<Telemetry>;

impl Telemetry {
    /// Telemetry writing to `journal`.
    pub fn new(clock: SharedClock, journal: Journal) -> Self {
        let started_at = crate::clock::round_millis(clock.unix_now());
        Telemetry {
            clock,
            metrics: Metrics::new(),
            journal,
            board: StatusBoard::default(),
            timeline: Timeline::new(started_at),
            colours: RwLock::new(ScenarioColours::default()),
            shutting_down: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The run starts: its `engine_started` journal line, with the seed
    /// and the configured `scenarios` (see
    /// `crate::render::colours::configured_names`), which take their
    /// swatches in that order here as the report takes them from the line.
    pub fn engine_started(&self, seed: u64, targets: usize, scenarios: Vec<String>) {
        {
            let mut colours = self.colours.write().unwrap_or_else(PoisonError::into_inner);
            for name in &scenarios {
                colours.assign(name);
            }
        }
        self.record(JournalEvent::EngineStarted(schema::Started {
            detail: Some(format!("seed {seed}, {targets} target(s)")),
            seed: Some(seed),
            scenarios: Some(scenarios),
        }));
    }

    /// The swatch of `scenario`; a scenario new to the run takes the next
    /// free one (as the report does at its first injection).
    pub fn swatch(&self, scenario: &str) -> Swatch {
        self.colours
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .assign(scenario)
    }

    /// Every scenario of the run with its swatch, in assignment order.
    pub fn swatches(&self) -> Vec<(String, Swatch)> {
        self.colours
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .assigned()
            .map(|(name, swatch)| (name.to_owned(), swatch))
            .collect()
    }

    /// A shutdown signal arrived: no failure may be written any more.
    pub fn begin_shutdown(&self) {
        self.shutting_down
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether [`Telemetry::begin_shutdown`] was called.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Appends `event` to the journal, stamped now.
    pub fn record(&self, event: JournalEvent) {
        self.journal.record(self.clock.unix_now(), event);
    }

    /// A target joined (at start or on reload). Its injection, recovery
    /// and write-error counters start at 0 (one series per scenario), so
    /// `rate()` and alerts work from the first scrape. The skip, outcome
    /// and time-to-repair series appear with their first event: six more
    /// series per target up front would be held for every target, most of
    /// which never skip or get repaired.
    pub fn target_added<'a>(
        &self,
        target: &str,
        location: Location,
        scenarios: impl Iterator<Item = &'a str>,
    ) {
        self.board
            .update(target, |status| status.location = Some(location));
        let metrics = &self.metrics;
        let labels = metrics.target_labels(target);
        metrics.paused.with(&labels, |paused| paused.set(0));
        metrics.write_errors.create(&labels);
        metrics
            .recoveries
            .create(&metrics.reason_labels(target, chaos_state::ClearReason::Recovery.as_str()));
        for scenario in scenarios {
            metrics
                .injections
                .create(&metrics.scenario_labels(target, scenario));
        }
    }

    /// The scenarios `target` is configured with (at start and on
    /// reload), for `GET /status`.
    pub fn target_scenarios(&self, target: &str, scenarios: &[crate::scenario::Scenario]) {
        let choices = scenarios.iter().map(ScenarioChoice::of).collect();
        self.board
            .update(target, |status| status.scenarios = choices);
    }

    /// Every configured target has started: the status board and the
    /// metric series are packed tightly (they hold an entry or more for
    /// every target, all run).
    pub fn all_targets_started(&self) {
        self.board.compact();
        self.metrics.compact();
    }

    /// A target left on reload.
    pub fn target_removed(&self, target: &str) {
        self.board.remove(target);
        self.metrics.forget_target(target);
    }

    /// A fault is about to be applied: the write-ahead record that lets a
    /// later engine undo it (see `crate::docker::recover`).
    pub fn fault_applying<Mode: std::fmt::Display>(&self, record: &FaultRecord<Mode>) {
        self.record(JournalEvent::FaultApplying(record.with_mode_name()));
    }

    /// A fault left behind by an earlier engine was undone.
    pub fn fault_recovered(&self, target: &str, id: Option<&str>, detail: &str) {
        self.record(JournalEvent::FaultRecovered(schema::Recovered {
            id: id.map(str::to_owned),
            target: target.to_owned(),
            detail: detail.to_owned(),
        }));
    }

    /// A failure was written (the write took `write_ms`). `source` is
    /// `Some("manual")` for injections asked for through the API;
    /// `lateness_ms` is set for scheduled ones.
    pub fn injected(
        &self,
        target: &str,
        failure: &Arc<InjectedFailure>,
        source: Option<&str>,
        lateness_ms: Option<f64>,
        write_ms: f64,
        in_use: Option<usize>,
    ) {
        let labels = self.metrics.scenario_labels(target, &failure.scenario);
        self.metrics.injections.with(&labels, Count::inc);
        self.metrics.active_failures.inc();
        self.board.update(target, |status| {
            status.mode = Cow::Owned(failure.mode.clone());
            status.failure = Some(Arc::clone(failure));
            status.injections += 1;
        });
        self.timeline.record(
            failure.injected_at,
            target,
            TimelineKind::Injected {
                id: failure.id.clone(),
                scenario: failure.scenario.clone(),
                swatch: self.swatch(&failure.scenario),
                mode: failure.mode.clone(),
                expires_at: failure.expires_at,
                source: source.map(str::to_owned),
            },
        );
        self.record(JournalEvent::Injected(schema::Injected {
            id: failure.id.clone(),
            target: target.to_owned(),
            scenario: failure.scenario.clone(),
            mode: Some(failure.mode.clone()),
            delay: Some(failure.delay),
            expires_at: failure.expires_at,
            lateness_ms,
            write_ms: Some(write_ms),
            source: source.map(str::to_owned),
            active: in_use,
            containers: failure.containers.clone(),
            category: failure.category.clone(),
            fix: failure.fix.clone(),
        }));
    }

    /// A state file was written healthy for `reason` (the write took
    /// `write_ms`; `None` when the failure ended without a write of ours,
    /// e.g. repaired by another writer); `ending` is the failure that this
    /// ended, if one was active, and how.
    pub fn cleared(
        &self,
        target: &str,
        ending: Option<Ending<'_>>,
        reason: &str,
        write_ms: Option<f64>,
    ) {
        let ended = ending.as_ref().map(|e| e.failure);
        if ended.is_some() {
            let labels = self.metrics.reason_labels(target, reason);
            self.metrics.recoveries.with(&labels, Count::inc);
            self.metrics.active_failures.dec();
        }
        self.board.update(target, |status| {
            status.mode = Cow::Borrowed(chaos_state::modes::HEALTHY);
            status.failure = None;
            if ended.is_some() {
                status.recoveries += 1;
            }
        });
        self.record(JournalEvent::Cleared(schema::Cleared {
            id: ended.map(|f| f.id.clone()),
            target: target.to_owned(),
            scenario: ended.map(|f| f.scenario.clone()),
            mode: ended.map(|f| f.mode.clone()),
            delay: ended.map(|f| f.delay),
            reason: reason.to_owned(),
            write_ms,
            source: None,
        }));
        if let Some(ending) = ending.filter(|e| !e.outcome_recorded) {
            let outcome = FailureOutcome::new(
                ending.failure,
                ending.ended_by,
                ending.repaired_by,
                crate::clock::round_millis(self.clock.unix_now()),
            );
            self.failure_ended(target, outcome);
        }
    }

    /// A probe saw `failure` repaired while its state file still holds it
    /// (the service no longer acts on it): its outcome is recorded now; the
    /// clear that follows at the deadline passes `outcome_recorded`.
    pub fn repaired_in_place(&self, target: &str, failure: &InjectedFailure, repaired_by: &str) {
        let outcome = FailureOutcome::new(
            failure,
            EndedBy::Repair,
            Some(repaired_by.to_owned()),
            crate::clock::round_millis(self.clock.unix_now()),
        );
        self.failure_ended(target, outcome);
    }

    /// The record of a failure that ended: journal `ended`, counters,
    /// time-to-repair histogram, `/status`.
    fn failure_ended(&self, target: &str, outcome: FailureOutcome) {
        let labels = self
            .metrics
            .ended_by_labels(target, outcome.ended_by.as_str());
        self.metrics.ended.with(&labels, Count::inc);
        if let Some(ms) = outcome.time_to_repair_ms {
            self.metrics
                .time_to_repair
                .get_or_create(&self.metrics.target_labels(target))
                .observe(ms / 1000.0);
        }
        self.record(JournalEvent::Ended(schema::Ended {
            id: outcome.id.clone(),
            target: target.to_owned(),
            scenario: outcome.scenario.clone(),
            mode: Some(outcome.mode.clone()),
            delay: Some(outcome.delay),
            ended_by: OrUnknown::Known(outcome.ended_by),
            repaired_by: outcome.repaired_by.clone(),
            injected_at: outcome.injected_at,
            manifested_at: outcome.manifested_at,
            repaired_at: outcome.repaired_at,
            expired_at: outcome.expired_at,
            ended_at: outcome.ended_at,
            time_to_manifest_ms: outcome.time_to_manifest_ms,
            time_to_repair_ms: outcome.time_to_repair_ms,
        }));
        self.timeline.record(
            outcome.ended_at,
            target,
            TimelineKind::Ended {
                id: outcome.id.clone(),
                scenario: outcome.scenario.clone(),
                swatch: self.swatch(&outcome.scenario),
                ended_by: outcome.ended_by.as_str(),
            },
        );
        self.board.update(target, |status| {
            match outcome.ended_by {
                EndedBy::Repair => status.repairs += 1,
                EndedBy::Recovery => status.expirations += 1,
                EndedBy::Manual | EndedBy::Shutdown => {}
            }
            status.last_outcome = Some(Box::new(outcome));
        });
    }

    /// A probe saw the active failure `failure` show (its `manifested_at`
    /// is set); `detail` is what the probe saw.
    pub fn manifested(&self, target: &str, failure: &InjectedFailure, detail: &str) {
        let Some(at) = failure.manifested_at else {
            return;
        };
        self.board.update(target, |status| {
            if let Some(active) = status.failure.as_mut() {
                if active.id == failure.id {
                    Arc::make_mut(active).manifested_at = Some(at);
                }
            }
        });
        self.timeline.record(
            at,
            target,
            TimelineKind::Manifested {
                id: failure.id.clone(),
            },
        );
        self.record(JournalEvent::Manifested(schema::Manifested {
            id: failure.id.clone(),
            target: target.to_owned(),
            scenario: failure.scenario.clone(),
            mode: failure.mode.clone(),
            detail: detail.to_owned(),
            injected_at: failure.injected_at,
            manifested_at: at,
            time_to_manifest_ms: millis_between(failure.injected_at, at),
        }));
    }

    /// The target of `failure`, which expired and was cleared at
    /// `expired_at`, answers its probe healthy again at `healthy_at`.
    pub fn healthy_again(
        &self,
        target: &str,
        failure: &InjectedFailure,
        expired_at: f64,
        healthy_at: f64,
    ) {
        self.board.update(target, |status| {
            if let Some(outcome) = status.last_outcome.as_mut() {
                if outcome.id == failure.id {
                    outcome.healthy_again_at = Some(healthy_at);
                }
            }
        });
        self.record(JournalEvent::HealthyAgain(schema::HealthyAgain {
            id: failure.id.clone(),
            target: target.to_owned(),
            scenario: failure.scenario.clone(),
            mode: failure.mode.clone(),
            expired_at,
            healthy_at,
            time_to_healthy_ms: millis_between(expired_at, healthy_at),
        }));
    }

    /// A responder's finding arrived: journalled as `finding`, stamped now
    /// by the engine's clock (to the millisecond). Returns the stamp.
    pub fn finding(&self, finding: schema::Finding) -> f64 {
        let at = crate::clock::round_millis(self.clock.unix_now());
        self.journal.record(at, JournalEvent::Finding(finding));
        at
    }

    /// A scheduled cycle injected nothing, for `reason`.
    pub fn skipped(&self, target: &str, reason: SkipReason, detail: &str, in_use: usize) {
        let labels = self.metrics.reason_labels(target, reason.as_str());
        self.metrics.skipped.with(&labels, Count::inc);
        let at = crate::clock::round_millis(self.clock.unix_now());
        self.board.update(target, |status| {
            status.skipped += 1;
            status.last_skip = Some(Box::new(SkippedCycle {
                at,
                reason: reason.as_str(),
                detail: detail.to_owned(),
            }));
        });
        self.timeline.record(
            at,
            target,
            TimelineKind::Skipped {
                reason: reason.as_str(),
                detail: detail.to_owned(),
            },
        );
        self.record(JournalEvent::Skipped(schema::Skipped {
            target: target.to_owned(),
            reason: OrUnknown::Known(reason),
            detail: Some(detail.to_owned()),
            active: Some(in_use),
        }));
    }

    /// A scheduled cycle of `target` is a control window `id`: nothing is
    /// injected from `at` until `ends_at` (Unix times). Journalled and on
    /// the timeline; not an injection in metrics or `/status`.
    pub fn control_window(&self, target: &str, id: &str, at: f64, ends_at: f64) {
        self.timeline.record(
            at,
            target,
            TimelineKind::Control {
                id: id.to_owned(),
                ends_at,
            },
        );
        self.journal.record(
            at,
            JournalEvent::ControlWindow(schema::ControlWindow {
                id: id.to_owned(),
                target: target.to_owned(),
                ends_at,
            }),
        );
    }

    /// A state-file write failed; `failure` is the failure being written
    /// (an injection) or being ended (a clear), if any.
    pub fn write_error(&self, target: &str, error: &str, failure: Option<&InjectedFailure>) {
        let labels = self.metrics.target_labels(target);
        self.metrics.write_errors.with(&labels, Count::inc);
        self.board.update(target, |status| status.write_errors += 1);
        self.record(JournalEvent::WriteError(schema::WriteError {
            id: failure.map(|f| f.id.clone()),
            target: target.to_owned(),
            scenario: failure.map(|f| f.scenario.clone()),
            mode: failure.map(|f| f.mode.clone()),
            delay: failure.map(|f| f.delay),
            detail: error.to_owned(),
        }));
    }

    /// The next scheduled injection moved (`None`: none planned).
    pub fn next_injection(&self, target: &str, at: Option<f64>) {
        let labels = self.metrics.target_labels(target);
        self.metrics
            .next_injection
            .with(&labels, |next| next.set(at.unwrap_or(0.0)));
        self.board
            .update(target, |status| status.next_injection_at = at);
    }

    /// The target's probe answered and its health is `health` (`detail`:
    /// why it is not up). Answers whether the health changed; only then is
    /// `health_since` moved. Not journalled: the probe's answers that
    /// matter to a failure are (`manifested`, `ended`, `healthy_again`,
    /// `skipped`).
    pub fn health(&self, target: &str, health: Health, detail: Option<&str>) -> bool {
        let mut changed = false;
        let now = crate::clock::round_millis(self.clock.unix_now());
        self.board.update(target, |status| {
            if status.health != health {
                changed = true;
                status.health = health;
                status.health_since = Some(now);
            }
            if status.health_detail.as_deref() != detail {
                status.health_detail = detail.map(str::to_owned);
            }
        });
        changed
    }

    /// The target's schedule was paused or resumed.
    pub fn paused(&self, target: &str, paused: bool) {
        let labels = self.metrics.target_labels(target);
        self.metrics
            .paused
            .with(&labels, |level| level.set(i64::from(paused)));
        self.board.update(target, |status| status.paused = paused);
        let kind = if paused {
            TimelineKind::Paused
        } else {
            TimelineKind::Resumed
        };
        self.timeline.record(self.clock.unix_now(), target, kind);
        let target = TargetOnly {
            target: target.to_owned(),
        };
        self.record(if paused {
            JournalEvent::Paused(target)
        } else {
            JournalEvent::Resumed(target)
        });
    }
}

#[cfg(test)]
mod tests;
