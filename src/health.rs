//! A service's health as its probe sees it: `up`, `down`, `degraded` or
//! `unknown`, from the last few probe answers.
//!
//! This is what `GET /status`, the dashboard and `status` show beside the
//! fault (the state file's mode): a target can be free of any fault and
//! still be down (its process crashed and nothing restarted it), or carry a
//! fault its service shrugs off. The rule is a pure function of the last
//! [`HEALTH_WINDOW`] answers ([`health_of`]); [`HealthWindow`] keeps them.
//! This module never probes: the TargetActor (and the `status` command)
//! ask, and hand each answer here.

use serde::Serialize;

/// How many of the latest probe answers the rule looks at.
pub const HEALTH_WINDOW: usize = 3;

/// A service's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// Every recent probe was answered with the expected status in time.
    Up,
    /// No recent probe got an answer (connection refused or reset, timed
    /// out, host not found).
    Down,
    /// Answers, but not as it should: a wrong status among the recent
    /// probes, or healthy and failed probes mixed.
    Degraded,
    /// No probe configured, or none answered yet.
    #[default]
    Unknown,
}

impl Health {
    /// `up`, `down`, `degraded` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Up => "up",
            Health::Down => "down",
            Health::Degraded => "degraded",
            Health::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one probe saw, as far as health goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeSign {
    /// The expected status, in time.
    Healthy,
    /// An HTTP answer with another status.
    WrongAnswer,
    /// No HTTP answer: refused, reset, timed out, not resolved.
    NoAnswer,
}

/// The rule, over the latest answers (oldest first; only the last
/// [`HEALTH_WINDOW`] count):
/// - none: `unknown`;
/// - all healthy: `up`;
/// - all without an answer: `down`;
/// - anything else (a wrong status, or a mix): `degraded`.
///
/// So a service that stops answering reads `degraded` at its first failed
/// probe and `down` once the whole window failed; one that comes back
/// reads `degraded` until the whole window is healthy again.
pub fn health_of(recent: &[ProbeSign]) -> Health {
    let window = &recent[recent.len().saturating_sub(HEALTH_WINDOW)..];
    if window.is_empty() {
        Health::Unknown
    } else if window.iter().all(|sign| *sign == ProbeSign::Healthy) {
        Health::Up
    } else if window.iter().all(|sign| *sign == ProbeSign::NoAnswer) {
        Health::Down
    } else {
        Health::Degraded
    }
}

/// The latest probe answers of one service, and what the last failed one
/// said.
#[derive(Debug, Clone, Default)]
pub struct HealthWindow {
    /// Oldest first, at most [`HEALTH_WINDOW`].
    recent: Vec<ProbeSign>,
    /// Why the latest failed probe failed (e.g. `Connection refused`).
    last_failure: Option<String>,
}

impl HealthWindow {
    /// Adds one answer (`failure`: why it failed, for a failed one) and
    /// answers the health now.
    pub fn record(&mut self, sign: ProbeSign, failure: Option<&str>) -> Health {
        if self.recent.len() == HEALTH_WINDOW {
            self.recent.remove(0);
        }
        self.recent.push(sign);
        if sign != ProbeSign::Healthy {
            self.last_failure = failure.map(str::to_owned);
        }
        self.health()
    }

    /// The health by [`health_of`].
    pub fn health(&self) -> Health {
        health_of(&self.recent)
    }

    /// How many of the answers in the window failed, and how many there are.
    pub fn failed(&self) -> (usize, usize) {
        let failed = self
            .recent
            .iter()
            .filter(|sign| **sign != ProbeSign::Healthy)
            .count();
        (failed, self.recent.len())
    }

    /// Why the service is not up: the latest failed probe's reason, while
    /// the health is `down` or `degraded`.
    pub fn detail(&self) -> Option<&str> {
        match self.health() {
            Health::Down | Health::Degraded => self.last_failure.as_deref(),
            Health::Up | Health::Unknown => None,
        }
    }

    /// Forgets every answer (the probe changed).
    pub fn reset(&mut self) {
        self.recent.clear();
        self.last_failure = None;
    }
}

#[cfg(test)]
mod tests {
    use super::ProbeSign::{Healthy as H, NoAnswer as N, WrongAnswer as W};
    use super::*;

    #[test]
    fn the_rule_over_the_last_three_answers() {
        assert_eq!(health_of(&[]), Health::Unknown);
        assert_eq!(health_of(&[H]), Health::Up);
        assert_eq!(health_of(&[N]), Health::Down);
        assert_eq!(health_of(&[W]), Health::Degraded);
        assert_eq!(health_of(&[H, H, H]), Health::Up);
        assert_eq!(health_of(&[N, N, N]), Health::Down);
        // Going down: degraded until the whole window failed.
        assert_eq!(health_of(&[H, H, N]), Health::Degraded);
        assert_eq!(health_of(&[H, N, N]), Health::Degraded);
        // Coming back: degraded until the whole window is healthy.
        assert_eq!(health_of(&[N, N, H]), Health::Degraded);
        assert_eq!(health_of(&[N, H, H]), Health::Degraded);
        // A wrong status is an answer: never down.
        assert_eq!(health_of(&[W, W, W]), Health::Degraded);
        assert_eq!(health_of(&[N, W, N]), Health::Degraded);
        // Only the last three count.
        assert_eq!(health_of(&[N, W, H, H, H]), Health::Up);
        assert_eq!(health_of(&[H, H, N, N, N]), Health::Down);
    }

    #[test]
    fn the_window_keeps_three_answers_and_the_last_reason() {
        let mut window = HealthWindow::default();
        assert_eq!(window.health(), Health::Unknown);
        assert_eq!(window.record(H, None), Health::Up);
        assert_eq!(window.detail(), None);
        assert_eq!(
            window.record(N, Some("Connection refused")),
            Health::Degraded
        );
        assert_eq!(window.detail(), Some("Connection refused"));
        assert_eq!(window.failed(), (1, 2));
        assert_eq!(
            window.record(N, Some("Connection refused")),
            Health::Degraded
        );
        assert_eq!(window.record(N, Some("timed out after 1s")), Health::Down);
        assert_eq!(window.detail(), Some("timed out after 1s"));
        // Wrapped around the ring: still the last three.
        for _ in 0..2 {
            assert_eq!(window.record(H, None), Health::Degraded);
        }
        assert_eq!(window.record(H, None), Health::Up);
        assert_eq!(window.detail(), None, "no reason once up");
        window.reset();
        assert_eq!(window.health(), Health::Unknown);
    }

    #[test]
    fn health_reads_as_one_lowercase_word() {
        assert_eq!(serde_json::to_value(Health::Degraded).unwrap(), "degraded");
        assert_eq!(Health::Down.to_string(), "down");
        assert_eq!(Health::default(), Health::Unknown);
    }
}
