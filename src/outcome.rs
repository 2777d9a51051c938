//! What became of each injected failure, and why a cycle was skipped.
//!
//! A failure is injected, may *manifest* (a probe sees the target fail),
//! and ends exactly once: *repaired* (something other than the engine
//! ended it before the deadline: a restarted target rewrote its state file,
//! the file was removed, or a probe saw the target healthy again),
//! *expired* (the recovery deadline passed and the engine cleared it), or
//! ended by a person or by shutdown. [`FailureOutcome`] is that record, as
//! the journal's `ended` event and `GET /status` show it; [`AffectedUnit`]
//! names what a fault hit, and [`FaultRecord`] is the write-ahead record of
//! a fault about to be applied.

use serde::{Deserialize, Serialize};

use crate::clock::millis_between;

mod affected_unit;
mod fault_record;
mod location;

pub use affected_unit::AffectedUnit;
pub use fault_record::{FaultRecord, Restore, UnitHost};
pub use location::Location;

/// One failure written to a target's state file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InjectedFailure {
    /// Unique id, as in the state file.
    pub id: String,
    /// Scenario name.
    pub scenario: String,
    /// Mode written.
    pub mode: String,
    /// Delay written, seconds.
    pub delay: u64,
    /// When it was written (Unix time).
    pub injected_at: f64,
    /// When it expires (Unix time).
    pub expires_at: f64,
    /// When a probe first saw the target fail, if one has.
    pub manifested_at: Option<f64>,
    /// The units (a Docker target's containers) the fault was applied to
    /// (empty for a state file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<AffectedUnit>,
    /// The scenario's `category` (ground truth for scoring), if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The scenario's accepted remedies (`fix`), if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fix: Vec<String>,
}

/// Who or what ended a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    /// Something other than the engine, before the deadline.
    Repair,
    /// The engine, at the recovery deadline (the failure expired).
    Recovery,
    /// A person: `clear`, `pause`, a manual injection on top, a reload.
    Manual,
    /// The engine shutting down.
    Shutdown,
}

impl EndedBy {
    /// The value in the journal and in `/status`.
    pub fn as_str(self) -> &'static str {
        match self {
            EndedBy::Repair => "repair",
            EndedBy::Recovery => "recovery",
            EndedBy::Manual => "manual",
            EndedBy::Shutdown => "shutdown",
        }
    }

    /// How a clear written by the engine for `reason` ends a failure.
    pub fn for_clear_reason(reason: &str) -> EndedBy {
        match reason {
            "recovery" => EndedBy::Recovery,
            "shutdown" => EndedBy::Shutdown,
            _ => EndedBy::Manual,
        }
    }
}

/// One injected failure from start to end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailureOutcome {
    /// The injection's id.
    pub id: String,
    /// Scenario name.
    pub scenario: String,
    /// Mode written.
    pub mode: String,
    /// Delay written, seconds.
    pub delay: u64,
    /// Why it ended.
    pub ended_by: EndedBy,
    /// Who repaired it (`ended_by: repair` only): the `cleared_by` of the
    /// record that replaced ours (e.g. the target's own name), `probe`, or
    /// `state file removed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repaired_by: Option<String>,
    /// When it was written (Unix time).
    pub injected_at: f64,
    /// When a probe first saw the target fail, if one did.
    pub manifested_at: Option<f64>,
    /// When the repair was noticed (`ended_by: repair`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repaired_at: Option<f64>,
    /// When the engine cleared it at its deadline (`ended_by: recovery`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_at: Option<f64>,
    /// When it ended, whatever the cause.
    pub ended_at: f64,
    /// `manifested_at - injected_at`, milliseconds.
    pub time_to_manifest_ms: Option<f64>,
    /// `repaired_at - injected_at`, milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_repair_ms: Option<f64>,
    /// For an expired failure of a target with a probe: when the probe
    /// first answered healthy after the engine's clear (set later).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthy_again_at: Option<f64>,
}

impl FailureOutcome {
    /// The outcome of `failure`, ended at `ended_at` by `ended_by`.
    pub fn new(
        failure: &InjectedFailure,
        ended_by: EndedBy,
        repaired_by: Option<String>,
        ended_at: f64,
    ) -> Self {
        let since_injection = |at: f64| millis_between(failure.injected_at, at);
        let repaired = ended_by == EndedBy::Repair;
        FailureOutcome {
            id: failure.id.clone(),
            scenario: failure.scenario.clone(),
            mode: failure.mode.clone(),
            delay: failure.delay,
            ended_by,
            repaired_by: if repaired { repaired_by } else { None },
            injected_at: failure.injected_at,
            manifested_at: failure.manifested_at,
            repaired_at: repaired.then_some(ended_at),
            expired_at: (ended_by == EndedBy::Recovery).then_some(ended_at),
            ended_at,
            time_to_manifest_ms: failure.manifested_at.map(since_injection),
            time_to_repair_ms: repaired.then(|| since_injection(ended_at)),
            healthy_again_at: None,
        }
    }
}

/// Why a scheduled cycle injected nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The probe said the target was already unhealthy.
    Unhealthy,
    /// `max_concurrent_failures` was reached.
    Cap,
    /// Outside every allowed window.
    Window,
    /// Inside a blackout window.
    Blackout,
}

impl SkipReason {
    /// The value in the journal, logs and the metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Unhealthy => "unhealthy",
            SkipReason::Cap => "cap",
            SkipReason::Window => "window",
            SkipReason::Blackout => "blackout",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(manifested_at: Option<f64>) -> InjectedFailure {
        InjectedFailure {
            id: "i".to_owned(),
            scenario: "SLOWDOWN".to_owned(),
            mode: "slow".to_owned(),
            delay: 12,
            injected_at: 100.0,
            expires_at: 130.0,
            manifested_at,
            containers: Vec::new(),
            category: None,
            fix: Vec::new(),
        }
    }

    #[test]
    fn a_repair_has_its_times_and_who_repaired() {
        let got = FailureOutcome::new(
            &failure(Some(100.25)),
            EndedBy::Repair,
            Some("target-app".to_owned()),
            107.5,
        );
        assert_eq!(got.repaired_at, Some(107.5));
        assert_eq!(got.expired_at, None);
        assert_eq!(got.time_to_manifest_ms, Some(250.0));
        assert_eq!(got.time_to_repair_ms, Some(7500.0));
        assert_eq!(got.repaired_by.as_deref(), Some("target-app"));
    }

    #[test]
    fn an_expiry_has_no_repair_fields() {
        let got = FailureOutcome::new(&failure(None), EndedBy::Recovery, Some("x".into()), 130.0);
        assert_eq!(got.expired_at, Some(130.0));
        assert_eq!(got.repaired_at, None);
        assert_eq!(got.repaired_by, None);
        assert_eq!(got.time_to_repair_ms, None);
        assert_eq!(got.time_to_manifest_ms, None);
        let json = serde_json::to_value(&got).unwrap();
        assert_eq!(json["ended_by"], "recovery");
        assert!(json.get("repaired_at").is_none());
    }

    #[test]
    fn clear_reasons_map_to_causes() {
        assert_eq!(EndedBy::for_clear_reason("recovery"), EndedBy::Recovery);
        assert_eq!(EndedBy::for_clear_reason("shutdown"), EndedBy::Shutdown);
        assert_eq!(EndedBy::for_clear_reason("reload"), EndedBy::Manual);
        assert_eq!(EndedBy::for_clear_reason("manual"), EndedBy::Manual);
    }
}
