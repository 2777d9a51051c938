//! Labels for anomaly detectors (`chaos-engine labels`): one row per
//! target and interval `[start, end)`: `impact` from `manifested_at` to
//! `healthy_again_at` (else `ended_at`) for incidents a probe saw (never
//! for unmanifested ones, nor for targets without a probe), and `control`
//! for control windows. Rows are sorted by start, then target, then id.
//! Times are Unix seconds, as in the journal.

use serde::Serialize;

use super::ScoreJournal;

/// One labelled interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    /// The target.
    pub target: String,
    /// `impact` or `control`.
    pub kind: &'static str,
    /// From, Unix seconds (included).
    pub start: f64,
    /// To, Unix seconds (excluded).
    pub end: f64,
    /// The incident's (or control window's) id.
    pub incident_id: String,
    /// The incident's scenario; empty for a control window.
    pub scenario: String,
    /// The incident's mode; empty when unknown.
    pub mode: String,
    /// The incident's category; empty when it has none.
    pub category: String,
}

/// The columns of the CSV, in order.
pub const COLUMNS: &str = "target,kind,start,end,incident_id,scenario,mode,category";

/// Every label of `journal`, sorted.
pub fn labels(journal: &ScoreJournal) -> Vec<Label> {
    let mut rows: Vec<Label> = journal
        .incidents
        .iter()
        .filter_map(|incident| {
            let start = incident.manifested_at()?;
            Some(Label {
                target: incident.target.clone(),
                kind: "impact",
                start,
                end: incident.impact_end(),
                incident_id: incident.id.clone(),
                scenario: incident.scenario.clone(),
                mode: incident.mode.clone().unwrap_or_default(),
                category: incident.category.clone().unwrap_or_default(),
            })
        })
        .chain(journal.controls.iter().map(|control| Label {
            target: control.target.clone(),
            kind: "control",
            start: control.start,
            end: control.end,
            incident_id: control.id.clone(),
            scenario: String::new(),
            mode: String::new(),
            category: String::new(),
        }))
        .collect();
    rows.sort_by(|a, b| {
        a.start
            .total_cmp(&b.start)
            .then_with(|| a.target.cmp(&b.target))
            .then_with(|| a.incident_id.cmp(&b.incident_id))
    });
    rows
}

/// CSV: the header line, then one line per label (RFC 4180 quoting).
pub fn csv(labels: &[Label]) -> String {
    let mut out = format!("{COLUMNS}\n");
    for label in labels {
        let fields = [
            field(&label.target),
            label.kind.to_owned(),
            label.start.to_string(),
            label.end.to_string(),
            field(&label.incident_id),
            field(&label.scenario),
            field(&label.mode),
            field(&label.category),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// JSON lines: one object per label, fields in the CSV's order.
pub fn jsonl(labels: &[Label]) -> String {
    let mut out = String::new();
    for label in labels {
        // A struct of strings and finite numbers always serialises.
        if let Ok(line) = serde_json::to_string(label) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}
