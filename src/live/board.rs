//! One target's line of the live view, from its entry in the engine's
//! `GET /status` (read as JSON, so a newer engine's extra fields do no
//! harm): its service's health, its state, the active failure and its
//! countdown, the next injection and how the last failure ended.

use serde_json::Value;

use super::short_seconds;

/// What the live view shows of one target at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetLine {
    /// The target's name.
    pub name: String,
    /// The service's health (`up`, `down`, `degraded`, `unknown`); `None`
    /// from an engine that does not report it.
    pub health: Option<String>,
    /// `healthy`, `paused`, or the active failure's mode.
    pub mode: String,
    /// The active failure's id, if any (a new id is a new failure).
    pub failure_id: Option<String>,
    /// The active failure's scenario, delay and countdown, as shown.
    pub failure: Option<String>,
    /// When the next injection starts, as shown.
    pub next: Option<String>,
    /// How the last failure ended, as shown.
    pub last: Option<String>,
    /// The last failure's id, if any (a new id is a new ending).
    pub last_id: Option<String>,
}

impl TargetLine {
    /// Reads one entry of `/status`'s `targets` at Unix time `now`.
    pub fn from_status(entry: &Value, now: f64) -> Self {
        let text = |value: &Value| value.as_str().map(str::to_owned);
        let failure = &entry["failure"];
        let failure_text = failure.is_object().then(|| {
            let mut shown = text(&failure["scenario"]).unwrap_or_default();
            if let Some(delay) = failure["delay"].as_u64().filter(|d| *d > 0) {
                shown.push_str(&format!(" {delay}s"));
            }
            if let Some(expires) = failure["expires_at"].as_f64() {
                shown.push_str(&format!(", ends in {}", short_seconds(expires - now)));
            }
            if failure["manifested_at"].is_number() {
                shown.push_str(", seen by probe");
            }
            shown
        });
        let paused = entry["paused"].as_bool().unwrap_or(false);
        let mode = text(&entry["mode"]).unwrap_or_else(|| "unknown".to_owned());
        let last = &entry["last_outcome"];
        TargetLine {
            name: text(&entry["name"]).unwrap_or_default(),
            health: text(&entry["health"]),
            mode: if paused && failure_text.is_none() {
                "paused".to_owned()
            } else {
                mode
            },
            failure_id: text(&failure["id"]),
            failure: failure_text,
            next: entry["next_injection_at"]
                .as_f64()
                .map(|at| format!("next in {}", short_seconds(at - now))),
            last: last.is_object().then(|| describe_outcome(last)),
            last_id: text(&last["id"]),
        }
    }

    /// The line shown for this target.
    pub fn render(&self, name_width: usize) -> String {
        let mut line = format!("{:<name_width$}  ", self.name);
        if let Some(health) = &self.health {
            line.push_str(&format!("{:<16}  ", format!("service {health}")));
        }
        line.push_str(&format!("{:<12}  ", self.mode));
        let mut parts = Vec::new();
        if let Some(failure) = &self.failure {
            parts.push(failure.clone());
        }
        if let Some(next) = &self.next {
            parts.push(next.clone());
        }
        if let Some(last) = &self.last {
            parts.push(format!("last: {last}"));
        }
        line.push_str(&parts.join(" | "));
        line.trim_end().to_owned()
    }

    /// What a plain-line view reports a change of: the health, the mode,
    /// a new failure, a new last outcome (not the countdowns).
    pub fn change_key(&self) -> String {
        format!(
            "{:?}|{}|{:?}|{:?}",
            self.health, self.mode, self.failure_id, self.last_id
        )
    }
}

/// Every target's line from a whole `/status` document.
pub fn lines_from_status(status: &Value, now: f64) -> Vec<TargetLine> {
    status["targets"]
        .as_array()
        .map(|targets| {
            targets
                .iter()
                .map(|entry| TargetLine::from_status(entry, now))
                .collect()
        })
        .unwrap_or_default()
}

/// `SLOWDOWN repaired by probe after 1.2s`, `CRASH expired`, ...
fn describe_outcome(outcome: &Value) -> String {
    let scenario = outcome["scenario"].as_str().unwrap_or("failure");
    let how = match outcome["ended_by"].as_str() {
        Some("repair") => match outcome["repaired_by"].as_str() {
            Some(by) => format!("repaired by {by}"),
            None => "repaired".to_owned(),
        },
        Some("recovery") => "expired (not repaired)".to_owned(),
        Some("manual") => "cleared by hand".to_owned(),
        Some("shutdown") => "cleared at shutdown".to_owned(),
        Some(other) => other.to_owned(),
        None => "ended".to_owned(),
    };
    let took = match (
        outcome["injected_at"].as_f64(),
        outcome["ended_at"].as_f64(),
    ) {
        (Some(start), Some(end)) if end >= start => {
            format!(" after {}", short_seconds(end - start))
        }
        _ => String::new(),
    };
    format!("{scenario} {how}{took}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_failing_target_shows_its_failure_countdown_and_history() {
        let entry = json!({
            "name": "orders", "paused": false, "mode": "slow", "health": "degraded",
            "failure": { "id": "f2", "scenario": "SLOWDOWN", "mode": "slow", "delay": 2,
                         "injected_at": 100.0, "expires_at": 103.5, "manifested_at": 100.4 },
            "next_injection_at": 107.0,
            "last_outcome": { "id": "f1", "scenario": "CRASH", "ended_by": "repair",
                              "repaired_by": "orders", "injected_at": 90.0, "ended_at": 91.24 },
        });
        let line = TargetLine::from_status(&entry, 101.0);
        assert_eq!(
            line.render(8),
            "orders    service degraded  slow          SLOWDOWN 2s, ends in 2.5s, seen by probe \
             | next in 6.0s | last: CRASH repaired by orders after 1.2s"
        );
        assert_eq!(line.failure_id.as_deref(), Some("f2"));
        assert_eq!(line.last_id.as_deref(), Some("f1"));
    }

    #[test]
    fn a_paused_healthy_target_says_so_and_changes_are_noticed() {
        let status = json!({ "targets": [
            { "name": "a", "paused": true, "mode": "healthy", "failure": null,
              "next_injection_at": null, "last_outcome": null },
        ]});
        let lines = lines_from_status(&status, 0.0);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].render(1), "a  paused");
        let later = lines_from_status(&status, 5.0);
        assert_eq!(lines[0].change_key(), later[0].change_key());
        let mut failing = lines[0].clone();
        failing.failure_id = Some("x".to_owned());
        assert_ne!(failing.change_key(), lines[0].change_key());
        let mut down = lines[0].clone();
        down.health = Some("down".to_owned());
        assert_ne!(down.change_key(), lines[0].change_key(), "health counts");
        assert_eq!(down.render(1), "a  service down      paused");
    }
}
