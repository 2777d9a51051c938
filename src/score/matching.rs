//! One responder's findings against the incidents and control windows:
//! per incident, what the responder got right; per `detected` finding
//! outside every incident window of its target, a false alarm. The rules
//! are in the docs of `crate::score`.

use serde::Serialize;

use super::{Finding, Incident, ScoreJournal};
use crate::report::Outcome;

/// What one responder did about one incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentScore {
    /// The incident's id.
    pub id: String,
    /// A `detected` finding of the responder, naming any target, fell in
    /// the incident's window.
    pub alerted: bool,
    /// A `detected` finding named the incident's target in its window
    /// (right target: detected and localised).
    pub detected: bool,
    /// Clock start to the first such finding, ms (at least 0).
    pub time_to_detect_ms: Option<f64>,
    /// `diagnosed` findings naming the target in the window: `None` when
    /// there were none, else whether one named the right mode or category.
    pub diagnosed: Option<bool>,
    /// Repaired before its deadline, not tampering, and the responder
    /// posted `mitigated` naming the target in the window.
    pub mitigated: bool,
    /// Clock start to the repair, ms (at least 0), when mitigated.
    pub time_to_mitigate_ms: Option<f64>,
}

/// Why a `detected` finding is a false alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FalseAlarmKind {
    /// Inside a control window of the target it names.
    ControlWindow,
    /// The target it names had neither an incident nor a control window.
    NoIncident,
}

/// A `detected` finding inside no incident window of its target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FalseAlarm {
    /// The finding's id.
    pub finding: String,
    /// The target it names.
    pub target: String,
    /// When it was posted, Unix seconds.
    pub at: f64,
    /// Why it is false.
    pub kind: FalseAlarmKind,
}

/// One responder's findings matched to the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Matched {
    /// The responder's name.
    pub responder: String,
    /// One per incident, in the journal's incident order.
    pub incidents: Vec<IncidentScore>,
    /// Its false alarms, in journal order.
    pub false_alarms: Vec<FalseAlarm>,
}

/// Matches `responder`'s findings in `journal`, with `grace_s` seconds of
/// grace after each incident.
pub fn match_responder(journal: &ScoreJournal, responder: &str, grace_s: f64) -> Matched {
    let findings: Vec<&Finding> = journal
        .findings
        .iter()
        .filter(|f| f.finding.responder == responder)
        .collect();
    let incidents = journal
        .incidents
        .iter()
        .map(|incident| score_incident(incident, &findings, grace_s))
        .collect();
    let false_alarms = findings
        .iter()
        .filter(|f| f.finding.kind == "detected")
        .filter(|f| {
            !journal
                .incidents
                .iter()
                .any(|i| i.target == f.finding.target && i.in_window(f.at, grace_s))
        })
        .map(|f| {
            let in_control = journal
                .controls
                .iter()
                .any(|c| c.target == f.finding.target && c.start <= f.at && f.at <= c.end);
            FalseAlarm {
                finding: f.finding.id.clone(),
                target: f.finding.target.clone(),
                at: f.at,
                kind: if in_control {
                    FalseAlarmKind::ControlWindow
                } else {
                    FalseAlarmKind::NoIncident
                },
            }
        })
        .collect();
    Matched {
        responder: responder.to_owned(),
        incidents,
        false_alarms,
    }
}

fn score_incident(incident: &Incident, findings: &[&Finding], grace_s: f64) -> IncidentScore {
    let in_window: Vec<&Finding> = findings
        .iter()
        .copied()
        .filter(|f| incident.in_window(f.at, grace_s))
        .collect();
    let since_start = |at: f64| ((at - incident.clock_start()) * 1000.0).max(0.0);
    let alerted = in_window.iter().any(|f| f.finding.kind == "detected");
    let first_detection = in_window
        .iter()
        .filter(|f| f.is("detected", &incident.target))
        .map(|f| f.at)
        .min_by(f64::total_cmp);
    let diagnoses: Vec<&&Finding> = in_window
        .iter()
        .filter(|f| f.is("diagnosed", &incident.target))
        .collect();
    let diagnosed = (!diagnoses.is_empty())
        .then(|| diagnoses.iter().any(|f| right_cause(incident, &f.finding)));
    let mitigated = incident.outcome == Outcome::Repaired
        && !incident.tampering
        && in_window
            .iter()
            .any(|f| f.is("mitigated", &incident.target));
    IncidentScore {
        id: incident.id.clone(),
        alerted,
        detected: first_detection.is_some(),
        time_to_detect_ms: first_detection.map(since_start),
        diagnosed,
        mitigated,
        time_to_mitigate_ms: mitigated.then(|| since_start(incident.ended_at)),
    }
}

/// The finding names the incident's mode or its category.
fn right_cause(incident: &Incident, finding: &crate::journal::schema::Finding) -> bool {
    let same = |said: &Option<String>, truth: &Option<String>| match (said, truth) {
        (Some(said), Some(truth)) => said.trim().eq_ignore_ascii_case(truth.trim()),
        _ => false,
    };
    same(&finding.mode, &incident.mode) || same(&finding.category, &incident.category)
}
