//! The figures of one responder's scorecard, each with the counts behind
//! it. Aggregates count the *scored* incidents only (manifested, or on a
//! target without a probe); incidents that never manifested are counted
//! apart. Percentiles are nearest-rank, as in the report
//! ([`crate::report::stats::nearest_rank`]).

use serde::Serialize;

use super::matching::{FalseAlarmKind, Matched};
use super::ScoreJournal;
use crate::report::stats::nearest_rank;

/// `numerator / denominator`, `None` when the denominator is 0.
fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    // Counts far below 2^52 convert to f64 exactly.
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// The values sorted ascending.
fn sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut values: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    values.sort_by(f64::total_cmp);
    values
}

/// One responder's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// Every incident in the journal.
    pub incidents: u64,
    /// Incidents scored: manifested, or on a target without a probe.
    pub scored: u64,
    /// Incidents a probe never saw: not scored.
    pub never_manifested: u64,
    /// True positives: scored incidents detected.
    pub true_positives: u64,
    /// False negatives: scored incidents not detected.
    pub false_negatives: u64,
    /// False positives: `detected` findings inside no incident window.
    pub false_positives: u64,
    /// Of the false positives, those inside a control window.
    pub false_positives_in_control_windows: u64,
    /// Of the false positives, those naming a target with no window.
    pub false_positives_without_incident: u64,
    /// Never-manifested incidents detected anyway (neither TP nor FP).
    pub detected_never_manifested: u64,
    /// TP / (TP + FP).
    pub precision: Option<f64>,
    /// TP / scored.
    pub recall: Option<f64>,
    /// 2 · precision · recall / (precision + recall).
    pub f1: Option<f64>,
    /// Scored incidents the responder alerted on (any target).
    pub alerted: u64,
    /// Of those, detected on the right target.
    pub localised: u64,
    /// localised / alerted.
    pub localisation_accuracy: Option<f64>,
    /// Scored incidents with a `diagnosed` finding naming the target.
    pub diagnosis_attempts: u64,
    /// Of those, with the right mode or category.
    pub diagnosed: u64,
    /// diagnosed / diagnosis_attempts.
    pub diagnosis_accuracy: Option<f64>,
    /// Scored incidents mitigated.
    pub mitigated: u64,
    /// Scored incidents repaired before their deadline.
    pub repaired: u64,
    /// Incidents judged as tampering (any responder's doing).
    pub tampering: u64,
    /// Time to detect, p50, ms.
    pub mttd_p50_ms: Option<f64>,
    /// Time to detect, p95, ms.
    pub mttd_p95_ms: Option<f64>,
    /// Time to mitigate, p50, ms.
    pub mttr_p50_ms: Option<f64>,
    /// Time to mitigate, p95, ms.
    pub mttr_p95_ms: Option<f64>,
}

impl Figures {
    /// The figures of `matched`, a responder's matching in `journal`.
    pub fn of(journal: &ScoreJournal, matched: &Matched) -> Figures {
        let scored: Vec<_> = journal
            .incidents
            .iter()
            .zip(&matched.incidents)
            .filter(|(incident, _)| incident.scored())
            .map(|(_, score)| score)
            .collect();
        let n = |f: &dyn Fn(&&super::matching::IncidentScore) -> bool| {
            count(scored.iter().filter(|s| f(s)).count())
        };
        let tp = n(&|s| s.detected);
        let fp = count(matched.false_alarms.len());
        let fp_control = count(
            matched
                .false_alarms
                .iter()
                .filter(|a| a.kind == FalseAlarmKind::ControlWindow)
                .count(),
        );
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, count(scored.len()));
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        let alerted = n(&|s| s.alerted);
        let attempts = n(&|s| s.diagnosed.is_some());
        let diagnosed = n(&|s| s.diagnosed == Some(true));
        let detect = sorted(scored.iter().filter_map(|s| s.time_to_detect_ms));
        let mitigate = sorted(scored.iter().filter_map(|s| s.time_to_mitigate_ms));
        let never = journal.incidents.iter().filter(|i| !i.scored());
        let detected_never = journal
            .incidents
            .iter()
            .zip(&matched.incidents)
            .filter(|(incident, score)| !incident.scored() && score.detected)
            .count();
        Figures {
            incidents: count(journal.incidents.len()),
            scored: count(scored.len()),
            never_manifested: count(never.count()),
            true_positives: tp,
            false_negatives: count(scored.len()) - tp,
            false_positives: fp,
            false_positives_in_control_windows: fp_control,
            false_positives_without_incident: fp - fp_control,
            detected_never_manifested: count(detected_never),
            precision,
            recall,
            f1,
            alerted,
            localised: tp,
            localisation_accuracy: ratio(tp, alerted),
            diagnosis_attempts: attempts,
            diagnosed,
            diagnosis_accuracy: ratio(diagnosed, attempts),
            mitigated: n(&|s| s.mitigated),
            repaired: count(
                journal
                    .incidents
                    .iter()
                    .filter(|i| i.scored() && i.outcome == crate::report::Outcome::Repaired)
                    .count(),
            ),
            tampering: count(journal.incidents.iter().filter(|i| i.tampering).count()),
            mttd_p50_ms: nearest_rank(&detect, 50),
            mttd_p95_ms: nearest_rank(&detect, 95),
            mttr_p50_ms: nearest_rank(&mitigate, 50),
            mttr_p95_ms: nearest_rank(&mitigate, 95),
        }
    }
}

/// A responder's whole scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    /// The matching.
    pub matched: Matched,
    /// The figures.
    pub figures: Figures,
}

/// The scorecards of every responder in `journal` (or only `only`), sorted
/// by name. A responder named by `only` who posted nothing still gets one.
pub fn scorecards(journal: &ScoreJournal, only: Option<&str>, grace_s: f64) -> Vec<Scorecard> {
    let names = match only {
        Some(name) => vec![name.to_owned()],
        None => journal.responders(),
    };
    names
        .iter()
        .map(|name| {
            let matched = super::matching::match_responder(journal, name, grace_s);
            let figures = Figures::of(journal, &matched);
            Scorecard { matched, figures }
        })
        .collect()
}
