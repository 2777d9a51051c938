//! The recent history of the run behind `GET /timeline`: injections, the
//! moment a failure manifested, endings, skipped cycles, pauses and resumes,
//! kept in a bounded ring (the oldest event goes when a new one would
//! exceed [`TIMELINE_CAPACITY`]). The dashboard draws its lanes from it.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

use crate::render::colours::Swatch;

/// How many events the ring keeps.
pub const TIMELINE_CAPACITY: usize = 500;

/// What happened, with the fields the dashboard draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineKind {
    /// A failure was written.
    Injected {
        /// The failure's id.
        id: String,
        /// Its scenario.
        scenario: String,
        /// The scenario's swatch (`colour` and `pattern`), the same as in
        /// the report's timeline.
        #[serde(flatten)]
        swatch: Swatch,
        /// Its mode.
        mode: String,
        /// When it is due to be cleared (Unix time).
        expires_at: f64,
        /// `manual` for an injection asked for through the API or the CLI.
        source: Option<String>,
    },
    /// A probe first saw the failure show.
    Manifested {
        /// The failure's id.
        id: String,
    },
    /// A failure ended.
    Ended {
        /// The failure's id.
        id: String,
        /// Its scenario.
        scenario: String,
        /// The scenario's swatch (`colour` and `pattern`), the same as in
        /// the report's timeline.
        #[serde(flatten)]
        swatch: Swatch,
        /// `repair`, `recovery`, `manual` or `shutdown`.
        ended_by: &'static str,
    },
    /// A scheduled cycle injected nothing.
    Skipped {
        /// `unhealthy`, `cap`, `window` or `blackout`.
        reason: &'static str,
        /// What was seen.
        detail: String,
    },
    /// A scheduled cycle injected nothing on purpose (a control window,
    /// `policy.control_rate`).
    Control {
        /// The window's id.
        id: String,
        /// When it ends (Unix time).
        ends_at: f64,
    },
    /// The target's schedule was paused.
    Paused,
    /// The target's schedule was resumed.
    Resumed,
}

/// One event of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEvent {
    /// Its position in the run: 1 for the first event, never reused.
    pub seq: u64,
    /// When (Unix time).
    pub at: f64,
    /// The target it concerns.
    pub target: String,
    /// What happened.
    #[serde(flatten)]
    pub kind: TimelineKind,
}

/// The ring and the count of events ever recorded.
#[derive(Debug, Default)]
struct Ring {
    events: VecDeque<TimelineEvent>,
    recorded: u64,
}

/// The bounded, thread-safe history of the run.
#[derive(Debug)]
pub struct Timeline {
    /// When the run started (Unix time).
    pub started_at: f64,
    ring: Mutex<Ring>,
}

/// What `GET /timeline` answers: the kept events, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineSnapshot {
    /// When the run started (Unix time).
    pub started_at: f64,
    /// How many events the ring keeps at most.
    pub capacity: usize,
    /// Events recorded since start that the ring no longer holds.
    pub dropped: u64,
    /// The kept events, oldest first.
    pub events: Vec<TimelineEvent>,
}

impl Timeline {
    /// An empty history of a run that started at `started_at`.
    pub fn new(started_at: f64) -> Self {
        Timeline {
            started_at,
            ring: Mutex::new(Ring::default()),
        }
    }

    /// Appends an event, dropping the oldest when the ring is full.
    pub fn record(&self, at: f64, target: &str, kind: TimelineKind) {
        let mut ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        ring.recorded += 1;
        let seq = ring.recorded;
        if ring.events.len() == TIMELINE_CAPACITY {
            ring.events.pop_front();
        }
        ring.events.push_back(TimelineEvent {
            seq,
            at,
            target: target.to_owned(),
            kind,
        });
    }

    /// The kept events.
    pub fn snapshot(&self) -> TimelineSnapshot {
        let ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        let events: Vec<TimelineEvent> = ring.events.iter().cloned().collect();
        TimelineSnapshot {
            started_at: self.started_at,
            capacity: TIMELINE_CAPACITY,
            // At most `recorded` events are kept, so this cannot underflow.
            dropped: ring.recorded - events.len() as u64,
            events,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_latest_events_and_counts_the_dropped_ones() {
        let timeline = Timeline::new(100.0);
        for i in 0..TIMELINE_CAPACITY + 7 {
            timeline.record(100.0 + i as f64, "a", TimelineKind::Paused);
        }
        let snapshot = timeline.snapshot();
        assert_eq!(snapshot.events.len(), TIMELINE_CAPACITY);
        assert_eq!(snapshot.dropped, 7);
        assert_eq!(snapshot.events[0].seq, 8);
        assert_eq!(
            snapshot.events.last().map(|e| e.seq),
            Some(TIMELINE_CAPACITY as u64 + 7)
        );
    }

    #[test]
    fn an_event_serializes_flat_with_its_kind() {
        let timeline = Timeline::new(0.0);
        timeline.record(
            5.0,
            "db",
            TimelineKind::Ended {
                id: "x".into(),
                scenario: "CRASH".into(),
                swatch: Swatch::solid("#d55e00"),
                ended_by: "repair",
            },
        );
        let json = serde_json::to_value(timeline.snapshot()).unwrap();
        assert_eq!(
            json["events"][0],
            serde_json::json!({
                "seq": 1, "at": 5.0, "target": "db", "kind": "ended",
                "id": "x", "scenario": "CRASH", "colour": "#d55e00", "pattern": "solid",
                "ended_by": "repair"
            })
        );
        assert_eq!(json["capacity"], 500);
        assert_eq!(json["dropped"], 0);
    }
}
