//! The JSON shape of a state file (protocol v1).
//!
//! Readers in the wild look only at `mode` and `delay`, so those two keep
//! their names and types (`delay` is always a whole number of seconds); every
//! other field is additive and optional when read.

use serde::{Deserialize, Serialize};

/// The value of `injected_by` on every failure the engine writes.
pub const INJECTED_BY: &str = "chaos-engine";
/// The value of `cleared_by` on every healthy state the engine writes.
pub const CLEARED_BY: &str = "chaos-engine";

/// The built-in modes. Any other non-empty string is a custom mode.
pub mod modes {
    /// The target behaves normally.
    pub const HEALTHY: &str = "healthy";
    /// The target process exits with code 1 on its next request.
    pub const CRASH: &str = "crash";
    /// Every request hangs for `delay` seconds before it is served.
    pub const SLOW: &str = "slow";
    /// Every request answers 500 blaming a missing `DATABASE_URL`.
    pub const CONFIG_ERROR: &str = "config_error";
}

/// Why a state was written healthy (`reason` on a clear).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClearReason {
    /// The engine started and cleared whatever a previous run left behind.
    Startup,
    /// The recovery period of an injected failure ended.
    Recovery,
    /// The engine received SIGTERM or SIGINT.
    Shutdown,
    /// A person cleared it (`chaos-engine clear`, or `inject --for`).
    Manual,
    /// The configuration was reloaded and this target changed or went away.
    Reload,
    /// Chaos is disabled (`CHAOS_ENABLED=false`).
    Disabled,
}

impl ClearReason {
    /// The reason as it appears in the file and in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            ClearReason::Startup => "startup",
            ClearReason::Recovery => "recovery",
            ClearReason::Shutdown => "shutdown",
            ClearReason::Manual => "manual",
            ClearReason::Reload => "reload",
            ClearReason::Disabled => "disabled",
        }
    }
}

impl std::fmt::Display for ClearReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything needed to write one injected failure.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureSpec<'a> {
    /// The target's name, as configured.
    pub target: &'a str,
    /// The scenario's name, e.g. `SLOWDOWN`.
    pub scenario: &'a str,
    /// The mode the target acts out, e.g. `slow`.
    pub mode: &'a str,
    /// Whole seconds; 0 for every mode but `slow` and custom modes with a delay.
    pub delay: u64,
    /// Unique per injection; the same id is logged.
    pub id: &'a str,
    /// Seconds since the Unix epoch when the failure is written.
    pub timestamp: f64,
    /// Seconds since the Unix epoch after which readers may ignore it.
    pub expires_at: f64,
}

/// One state file's content. Field order matches the protocol's examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateRecord {
    /// `healthy`, `crash`, `slow`, `config_error` or a custom mode.
    pub mode: String,
    /// Whole seconds of delay (only meaningful for `slow` and custom modes).
    #[serde(default)]
    pub delay: u64,
    /// When this content was written, seconds since the Unix epoch.
    #[serde(default)]
    pub timestamp: f64,
    /// `chaos-engine` on an injected failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injected_by: Option<String>,
    /// `chaos-engine` on a clear written by the engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleared_by: Option<String>,
    /// The scenario that produced a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// The target this file belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Unique id of the injection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The dead-man's switch: after this instant the failure is over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<f64>,
    /// Why a clear was written. Kept as text so unknown future reasons parse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl StateRecord {
    /// A healthy state written by the engine.
    pub fn healthy(target: &str, reason: ClearReason, timestamp: f64) -> Self {
        Self::healthy_by(CLEARED_BY, target, reason, timestamp)
    }

    /// A healthy state written by someone else, e.g. a target app that
    /// clears its own file when it starts (`cleared_by` is its name), so the
    /// engine can tell a restart from its own clears.
    pub fn healthy_by(cleared_by: &str, target: &str, reason: ClearReason, timestamp: f64) -> Self {
        StateRecord {
            mode: modes::HEALTHY.to_owned(),
            delay: 0,
            timestamp,
            injected_by: None,
            cleared_by: Some(cleared_by.to_owned()),
            scenario: None,
            target: Some(target.to_owned()),
            id: None,
            expires_at: None,
            reason: Some(reason.as_str().to_owned()),
        }
    }

    /// An injected failure.
    pub fn failure(spec: &FailureSpec<'_>) -> Self {
        StateRecord {
            mode: spec.mode.to_owned(),
            delay: spec.delay,
            timestamp: spec.timestamp,
            injected_by: Some(INJECTED_BY.to_owned()),
            cleared_by: None,
            scenario: Some(spec.scenario.to_owned()),
            target: Some(spec.target.to_owned()),
            id: Some(spec.id.to_owned()),
            expires_at: Some(spec.expires_at),
            reason: None,
        }
    }

    /// True when this record asks for a failure at `now` (seconds since the
    /// epoch): its mode is not `healthy` and its `expires_at`, if any, has not
    /// passed.
    pub fn is_failing_at(&self, now: f64) -> bool {
        self.mode != modes::HEALTHY && self.expires_at.is_none_or(|deadline| now < deadline)
    }

    /// The record as the bytes written to disk: one line of compact JSON.
    pub fn to_json_line(&self) -> Vec<u8> {
        // Serialising a struct of strings, integers and finite floats cannot
        // fail; a non-finite float serialises as `null`, not as an error.
        let mut bytes = serde_json::to_vec(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn failure_has_exactly_the_protocol_fields() {
        let record = StateRecord::failure(&FailureSpec {
            target: "target-app",
            scenario: "SLOWDOWN",
            mode: modes::SLOW,
            delay: 15,
            id: "0b9c6f3e",
            timestamp: 1704617280.5,
            expires_at: 1704617310.5,
        });
        let value: Value = serde_json::from_slice(&record.to_json_line()).unwrap();
        assert_eq!(
            value,
            json!({"mode": "slow", "delay": 15, "timestamp": 1704617280.5,
                   "injected_by": "chaos-engine", "scenario": "SLOWDOWN",
                   "target": "target-app", "id": "0b9c6f3e", "expires_at": 1704617310.5})
        );
        assert!(value["delay"].is_u64(), "delay must be an integer");
    }

    #[test]
    fn healthy_has_exactly_the_protocol_fields() {
        let record = StateRecord::healthy("target-app", ClearReason::Recovery, 1704617310.5);
        let value: Value = serde_json::from_slice(&record.to_json_line()).unwrap();
        assert_eq!(
            value,
            json!({"mode": "healthy", "delay": 0, "timestamp": 1704617310.5,
                   "cleared_by": "chaos-engine", "target": "target-app", "reason": "recovery"})
        );
    }

    #[test]
    fn field_order_follows_the_protocol_examples() {
        let record = StateRecord::healthy("t", ClearReason::Startup, 1.5);
        let text = String::from_utf8(record.to_json_line()).unwrap();
        assert!(text.starts_with(r#"{"mode":"healthy","delay":0,"timestamp":1.5,"cleared_by""#));
    }

    #[test]
    fn minimal_legacy_file_parses() {
        let record: StateRecord = serde_json::from_str(r#"{"mode": "crash"}"#).unwrap();
        assert_eq!(record.mode, "crash");
        assert_eq!(record.delay, 0);
        assert!(record.is_failing_at(0.0));
    }

    #[test]
    fn expired_failure_is_not_failing() {
        let mut record = StateRecord::healthy("t", ClearReason::Manual, 0.0);
        record.mode = modes::CRASH.to_owned();
        record.expires_at = Some(100.0);
        assert!(record.is_failing_at(99.9));
        assert!(!record.is_failing_at(100.0));
    }

    #[test]
    fn reason_strings_match_serde() {
        for reason in [
            ClearReason::Startup,
            ClearReason::Recovery,
            ClearReason::Shutdown,
            ClearReason::Manual,
            ClearReason::Reload,
            ClearReason::Disabled,
        ] {
            assert_eq!(
                serde_json::to_value(reason).unwrap(),
                json!(reason.as_str())
            );
        }
    }
}
