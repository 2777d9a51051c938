//! The findings the API has taken, kept in memory for `GET /findings`:
//! the last [`FINDING_LOG_CAPACITY`], each marked with the token it came
//! with. The journal keeps every one; this is only what the API shows.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

use super::blind::Poster;
use crate::journal::schema::Finding;

/// How many findings `GET /findings` can show.
pub(super) const FINDING_LOG_CAPACITY: usize = 1000;

/// One finding as `GET /findings` shows it.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Shown {
    /// When the engine took it (Unix time).
    pub(super) timestamp: f64,
    /// The finding.
    #[serde(flatten)]
    pub(super) finding: Finding,
}

/// The recent findings, oldest first.
#[derive(Debug, Default)]
pub(super) struct FindingLog {
    kept: Mutex<VecDeque<(Poster, Shown)>>,
}

impl FindingLog {
    /// Keeps `shown`, posted by `poster`, dropping the oldest when full.
    pub(super) fn push(&self, poster: Poster, shown: Shown) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() == FINDING_LOG_CAPACITY {
            kept.pop_front();
        }
        kept.push_back((poster, shown));
    }

    /// What `reader` may see: the agent token only what was posted with
    /// it, the control token everything; optionally only `responder`'s.
    pub(super) fn visible_to(&self, reader: Poster, responder: Option<&str>) -> Vec<Shown> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.iter()
            .filter(|(poster, _)| reader == Poster::Control || *poster == Poster::Agent)
            .filter(|(_, shown)| responder.is_none_or(|name| shown.finding.responder == name))
            .map(|(_, shown)| shown.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(responder: &str, n: usize) -> Shown {
        Shown {
            timestamp: n as f64,
            finding: Finding {
                id: n.to_string(),
                responder: responder.into(),
                target: "db".into(),
                kind: "detected".into(),
                category: None,
                mode: None,
                note: None,
            },
        }
    }

    #[test]
    fn the_agent_sees_only_agent_findings_and_the_log_is_bounded() {
        let log = FindingLog::default();
        log.push(Poster::Control, shown("lead", 0));
        for n in 1..=FINDING_LOG_CAPACITY {
            log.push(Poster::Agent, shown(if n % 2 == 0 { "a" } else { "b" }, n));
        }
        let all = log.visible_to(Poster::Control, None);
        assert_eq!(all.len(), FINDING_LOG_CAPACITY);
        assert_eq!(all[0].finding.id, "1", "the oldest was dropped");
        log.push(Poster::Control, shown("lead", 5000));
        let agent = log.visible_to(Poster::Agent, None);
        assert_eq!(agent.len(), FINDING_LOG_CAPACITY - 1);
        assert!(agent.iter().all(|s| s.finding.responder != "lead"));
        assert_eq!(log.visible_to(Poster::Agent, Some("a")).len(), 500);
        assert_eq!(log.visible_to(Poster::Control, Some("lead")).len(), 1);
    }
}
