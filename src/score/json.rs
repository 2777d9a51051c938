//! The scorecard as one JSON document (`score --format json`). Its shape is
//! stable and documented in docs/score.md: fields are only ever added.
//! Times are Unix seconds; durations are milliseconds (`_ms`); ratios are
//! 0 to 1, `null` when their denominator is 0.

use serde_json::{json, Value};

use super::metrics::Scorecard;
use super::{Incident, ScoreJournal};

/// The document, pretty-printed.
pub fn render(name: &str, journal: &ScoreJournal, cards: &[Scorecard], grace_s: f64) -> String {
    let document = document(name, journal, cards, grace_s);
    serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_owned())
}

/// The document as a value.
pub fn document(name: &str, journal: &ScoreJournal, cards: &[Scorecard], grace_s: f64) -> Value {
    json!({
        "journal": name,
        "grace_s": grace_s,
        "incidents": journal.incidents.iter().map(|i| incident(i, grace_s)).collect::<Vec<_>>(),
        "control_windows": journal.controls.iter().map(|c| json!({
            "id": c.id, "target": c.target, "start": c.start, "end": c.end,
        })).collect::<Vec<_>>(),
        "responders": cards.iter().map(|card| json!({
            "responder": card.matched.responder,
            "figures": card.figures,
            "incidents": card.matched.incidents,
            "false_alarms": card.matched.false_alarms,
        })).collect::<Vec<_>>(),
        "skipped_lines": journal.warnings.len(),
    })
}

fn incident(incident: &Incident, grace_s: f64) -> Value {
    let (from, to) = incident.window(grace_s);
    json!({
        "id": incident.id,
        "target": incident.target,
        "scenario": incident.scenario,
        "mode": incident.mode,
        "category": incident.category,
        "fix": incident.fix,
        "visible": incident.visible,
        "injected_at": incident.injected_at,
        "manifested_at": incident.manifested_at(),
        "scored": incident.scored(),
        "ended_at": incident.ended_at,
        "outcome": incident.outcome.class(),
        "ended_by": incident.outcome.ended_by(),
        "repaired_by": incident.repaired_by,
        "healthy_again_at": incident.healthy_again_at,
        "tampering": incident.tampering,
        "window": [from, to],
    })
}
