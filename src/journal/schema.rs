//! The journal's schema, defined once: one [`JournalLine`] per line, a
//! `timestamp` and a [`JournalEvent`] tagged by its `event` name, each
//! variant with exactly the fields that event has. The engine writes these
//! ([`crate::journal::Journal::record`]) and `chaos-engine report` reads
//! them back (`crate::report`); nothing else defines a journal line.
//!
//! Compatibility rules, for whoever adds to it:
//! - Event and field names never change and fields are never removed; a
//!   new field is an `Option` left out when absent, so older readers
//!   (which ignore unknown fields and events) and newer ones both read
//!   every journal.
//! - Fields come out in the order they are declared here, which is the
//!   order the engine has always written them in (`timestamp`, `event`,
//!   `id`, `target`, `scenario`, `mode`, `delay`, `reason`, ...).
//! - Reading is lenient where the report always was: on `injected`,
//!   `manifested`, `ended`, `skipped` and `engine_*` lines, a field the
//!   report does not need may be missing (`#[serde(default)]` or an
//!   `Option`), and a value of `ended_by` or of a skip `reason` this
//!   version does not know is kept by name ([`OrUnknown`]).
//!
//! This module holds no I/O: writing (one unbuffered write per line) is
//! [`crate::journal`], reading and matching lines is `crate::report`.

use serde::{Deserialize, Serialize};

use super::EventName;
use crate::outcome::{EndedBy, SkipReason};

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalLine {
    /// Seconds since the Unix epoch. The engine always writes it; a reader
    /// needs it on `injected`, `skipped` and `engine_*` lines only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<f64>,
    /// What happened, with its fields.
    #[serde(flatten)]
    pub event: JournalEvent,
}

/// Every event the engine journals, by its `event` name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum JournalEvent {
    /// The daemon started (`detail`: seed and number of targets).
    EngineStarted(Started),
    /// A failure was written to a state file.
    Injected(Injected),
    /// A probe saw an injected failure show.
    Manifested(Manifested),
    /// A state file was written healthy, or a failure ended without a
    /// write of ours (`reason`: `repaired`, `replaced`).
    Cleared(Cleared),
    /// The record of a failure that ended: how, and how long it took.
    Ended(Ended),
    /// After an expiry, the probe saw the target healthy again.
    HealthyAgain(HealthyAgain),
    /// A scheduled cycle injected nothing.
    Skipped(Skipped),
    /// A target's schedule was paused.
    Paused(TargetOnly),
    /// A target's schedule was resumed.
    Resumed(TargetOnly),
    /// The configuration was reloaded (`detail`: what changed).
    Reloaded(Note),
    /// A reload was rejected (`detail`: the configuration error).
    ReloadRejected(Note),
    /// A state-file write failed.
    WriteError(WriteError),
    /// The daemon stopped (`detail`: the signal).
    EngineStopped(Note),
    /// A Docker fault is about to be applied (written before the first
    /// Engine call that changes anything): what `recover` undoes if the
    /// engine dies before it clears the fault.
    FaultApplying(crate::outcome::FaultRecord),
    /// A Docker fault left behind by an engine that stopped without
    /// clearing it was undone (`detail`: what was done).
    FaultRecovered(Recovered),
    /// A scheduled cycle that injects nothing on purpose (a control
    /// episode, `policy.control_rate`): from the line's `timestamp` to
    /// `ends_at`, a responder's detection on that target is a false alarm.
    ControlWindow(ControlWindow),
    /// A responder's finding, posted to `POST /findings` and stamped by
    /// the engine.
    Finding(Finding),
}

/// `control_window`: a cycle of `target` that injects nothing on purpose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlWindow {
    /// The window's id (a UUID, as failures have).
    pub id: String,
    /// The target's name.
    pub target: String,
    /// When the window ends (Unix time): as long as a failure would last.
    pub ends_at: f64,
}

/// `finding`: what a responder says it saw or did, about one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The finding's id, given by the engine.
    pub id: String,
    /// Who posted it (a person's or an agent's name).
    pub responder: String,
    /// The target it names.
    pub target: String,
    /// `detected`, `diagnosed` or `mitigated`.
    pub kind: String,
    /// The category it blames (`availability`, `latency`, ...), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The mode it blames (`crash`, `pause`, ...), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `fault_recovered`: a fault left behind was undone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recovered {
    /// The failure's id, when the fault was found by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The target's name.
    pub target: String,
    /// What was undone (`unpaused web-1`, `removed helper ...`).
    pub detail: String,
}

impl JournalEvent {
    /// The name of this event.
    pub fn kind(&self) -> EventName {
        match self {
            JournalEvent::EngineStarted(_) => EventName::EngineStarted,
            JournalEvent::Injected(_) => EventName::Injected,
            JournalEvent::Manifested(_) => EventName::Manifested,
            JournalEvent::Cleared(_) => EventName::Cleared,
            JournalEvent::Ended(_) => EventName::Ended,
            JournalEvent::HealthyAgain(_) => EventName::HealthyAgain,
            JournalEvent::Skipped(_) => EventName::Skipped,
            JournalEvent::Paused(_) => EventName::Paused,
            JournalEvent::Resumed(_) => EventName::Resumed,
            JournalEvent::Reloaded(_) => EventName::Reloaded,
            JournalEvent::ReloadRejected(_) => EventName::ReloadRejected,
            JournalEvent::WriteError(_) => EventName::WriteError,
            JournalEvent::EngineStopped(_) => EventName::EngineStopped,
            JournalEvent::FaultApplying(_) => EventName::FaultApplying,
            JournalEvent::FaultRecovered(_) => EventName::FaultRecovered,
            JournalEvent::ControlWindow(_) => EventName::ControlWindow,
            JournalEvent::Finding(_) => EventName::Finding,
        }
    }

    /// The `event` name this variant is written under.
    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }
}

/// A known value, or one this version does not know, kept by name (a
/// journal written by a newer engine). Serialises as the bare string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OrUnknown<T> {
    /// A value this version knows.
    Known(T),
    /// Any other string.
    Unknown(String),
}

impl<T> From<T> for OrUnknown<T> {
    fn from(known: T) -> Self {
        OrUnknown::Known(known)
    }
}

impl OrUnknown<EndedBy> {
    /// The name as written, e.g. `repair`.
    pub fn as_str(&self) -> &str {
        match self {
            OrUnknown::Known(known) => known.as_str(),
            OrUnknown::Unknown(name) => name,
        }
    }
}

impl OrUnknown<SkipReason> {
    /// The name as written, e.g. `cap`.
    pub fn as_str(&self) -> &str {
        match self {
            OrUnknown::Known(known) => known.as_str(),
            OrUnknown::Unknown(name) => name,
        }
    }
}

/// `engine_started`: the run record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Started {
    /// The seed and the number of targets, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The seed every pick of the run follows (`preview --seed` shows the
    /// run again); absent in journals written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The run's configured scenarios, targets in configuration order and
    /// each one's scenarios in order, each name once: the order in which
    /// they take their colours (see `crate::render::colours`). Absent in
    /// journals written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenarios: Option<Vec<String>>,
}

/// An engine-wide event with an optional free-text `detail`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// What the event is about (seed, signal, reload summary or error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// An event about one target and nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetOnly {
    /// The target's name.
    pub target: String,
}

/// `injected`: a failure was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Injected {
    /// The injection's id (as in the state file).
    pub id: String,
    /// The target's name.
    pub target: String,
    /// The scenario's name.
    pub scenario: String,
    /// The mode written (always written; optional for the report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The delay written, seconds (always written; optional for the report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<u64>,
    /// When it expires (Unix time).
    pub expires_at: f64,
    /// Scheduled injections: how late the injection started, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lateness_ms: Option<f64>,
    /// How long applying the failure took, ms: the atomic state-file write
    /// (a temporary file and a rename; the disk sync comes later), or the
    /// Docker Engine's calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_ms: Option<f64>,
    /// `manual` (API) or `cli`; absent for scheduled injections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Failures active or about to start when the target planned its next
    /// cycle: what the cap and backoff went by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<usize>,
    /// A Docker target's fault: the containers it was applied to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<crate::outcome::AffectedUnit>,
    /// The scenario's `category` (e.g. `availability`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The scenario's accepted remedies (`fix`, e.g. `restart`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fix: Vec<String>,
}

/// `manifested`: a probe saw the failure show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifested {
    /// The injection's id.
    pub id: String,
    /// The target's name.
    #[serde(default)]
    pub target: String,
    /// The scenario's name.
    #[serde(default)]
    pub scenario: String,
    /// The mode written.
    #[serde(default)]
    pub mode: String,
    /// What the probe saw, e.g. `probe: HTTP 500`.
    #[serde(default)]
    pub detail: String,
    /// When the failure was written (Unix time; 0 if absent).
    #[serde(default)]
    pub injected_at: f64,
    /// When the probe first saw it (Unix time; 0 if absent).
    #[serde(default)]
    pub manifested_at: f64,
    /// `manifested_at - injected_at`, ms.
    pub time_to_manifest_ms: f64,
}

/// `cleared`: a state file written healthy, or a failure gone without a
/// write of ours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cleared {
    /// The failure this ended, if one was active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The target's name.
    pub target: String,
    /// The ended failure's scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// The ended failure's mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The ended failure's delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<u64>,
    /// `startup`, `recovery`, `shutdown`, `manual`, `reload`, `disabled`,
    /// or (no write of ours) `repaired`, `replaced`.
    pub reason: String,
    /// How long the write took, ms; absent when nothing was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_ms: Option<f64>,
    /// `cli` for `chaos-engine clear`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// `ended`: the record of one failure, from injection to end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ended {
    /// The injection's id.
    pub id: String,
    /// The target's name.
    pub target: String,
    /// The scenario's name.
    pub scenario: String,
    /// The mode written (always written; optional for the report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The delay written (always written; optional for the report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<u64>,
    /// `repair`, `recovery`, `manual` or `shutdown`.
    pub ended_by: OrUnknown<EndedBy>,
    /// `ended_by: repair`: who (the `cleared_by` that replaced ours,
    /// `probe`, or `state file removed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repaired_by: Option<String>,
    /// When it was written (Unix time).
    pub injected_at: f64,
    /// When a probe first saw it, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifested_at: Option<f64>,
    /// `ended_by: repair`: when the repair was noticed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repaired_at: Option<f64>,
    /// `ended_by: recovery`: when the engine cleared it at its deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_at: Option<f64>,
    /// When it ended, whatever the cause.
    pub ended_at: f64,
    /// `manifested_at - injected_at`, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_manifest_ms: Option<f64>,
    /// `repaired_at - injected_at`, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_repair_ms: Option<f64>,
}

/// `healthy_again`: after an expiry, the probe answered healthy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthyAgain {
    /// The injection's id.
    pub id: String,
    /// The target's name.
    pub target: String,
    /// The scenario's name.
    pub scenario: String,
    /// The mode written.
    pub mode: String,
    /// When the engine cleared the expired failure.
    pub expired_at: f64,
    /// When the probe first answered healthy.
    pub healthy_at: f64,
    /// `healthy_at - expired_at`, ms.
    pub time_to_healthy_ms: f64,
}

/// `skipped`: a scheduled cycle injected nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// The target's name.
    pub target: String,
    /// `unhealthy`, `cap`, `window` or `blackout`.
    pub reason: OrUnknown<SkipReason>,
    /// What was seen, e.g. the probe's answer (always written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Failures active or about to start as the target planned the cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<usize>,
}

/// `write_error`: a state-file write failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteError {
    /// The failure being written or ended, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The target's name.
    pub target: String,
    /// That failure's scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// That failure's mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// That failure's delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<u64>,
    /// The OS error.
    pub detail: String,
}

#[cfg(test)]
mod tests;
