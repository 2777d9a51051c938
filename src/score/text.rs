//! The scorecard as text for a terminal (`score`, the default format):
//! per responder, one line per incident and the figures with their
//! counts. Every line fits 100 columns; long names are cut with `…`.

use std::fmt::Write as _;

use super::matching::IncidentScore;
use super::metrics::{Figures, Scorecard};
use super::{Incident, ScoreJournal};
use crate::report::text::{format_ms, plural};
use crate::report::Sighting;

/// Column widths of the incident table, in order.
const WIDTHS: [usize; 12] = [8, 10, 10, 8, 12, 3, 8, 7, 3, 4, 8, 6];
pub(super) const HEADERS: [&str; 12] = [
    "id", "target", "scenario", "mode", "category", "vis", "manifest", "detect", "loc", "diag",
    "mitigate", "tamper",
];

/// The whole text.
pub fn render(name: &str, journal: &ScoreJournal, cards: &[Scorecard], grace_s: f64) -> String {
    let mut out = format!(
        "Scorecard of {name} (grace {})\n",
        format_ms(grace_s * 1000.0)
    );
    let never = journal.incidents.iter().filter(|i| !i.scored()).count();
    let _ = writeln!(
        out,
        "{} ({} never manifested), {}, {}",
        plural(journal.incidents.len(), "incident"),
        never,
        plural(journal.controls.len(), "control window"),
        plural(journal.findings.len(), "finding"),
    );
    if !journal.warnings.is_empty() {
        let _ = writeln!(
            out,
            "{} skipped.",
            plural(journal.warnings.len(), "malformed journal line")
        );
    }
    if cards.is_empty() {
        out.push_str("\nNo findings: nobody to score.\n");
    }
    for card in cards {
        let _ = writeln!(out, "\nResponder: {}", card.matched.responder);
        out.push_str(&row(&HEADERS.map(str::to_owned)));
        for (incident, score) in journal.incidents.iter().zip(&card.matched.incidents) {
            let cells = incident_cells(incident, score);
            out.push_str(&row(&cells));
        }
        out.push_str(&figures(&card.figures));
        for alarm in &card.matched.false_alarms {
            let why = match alarm.kind {
                super::matching::FalseAlarmKind::ControlWindow => "in a control window",
                super::matching::FalseAlarmKind::NoIncident => "no incident then",
            };
            let _ = writeln!(
                out,
                "  false alarm: {} at {:.3} ({why})",
                cut(&alarm.target, 30),
                alarm.at
            );
        }
    }
    out
}

/// One incident's cells, in the order of [`HEADERS`] (the HTML scorecard
/// shows the same).
pub(super) fn incident_cells(incident: &Incident, score: &IncidentScore) -> [String; 12] {
    let manifest = match incident.sighting {
        Sighting::Seen(at) => format!("+{}", format_ms((at - incident.injected_at) * 1000.0)),
        Sighting::Unseen => "never".to_owned(),
        Sighting::NoProbe => "no probe".to_owned(),
    };
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    [
        incident.id.clone(),
        incident.target.clone(),
        incident.scenario.clone(),
        incident.mode.clone().unwrap_or_else(|| "-".into()),
        incident.category.clone().unwrap_or_else(|| "-".into()),
        yes_no(incident.visible),
        manifest,
        score
            .time_to_detect_ms
            .map_or_else(|| "no".into(), format_ms),
        yes_no(score.detected),
        score.diagnosed.map_or_else(|| "-".into(), yes_no),
        mitigation(incident, score.time_to_mitigate_ms),
        if incident.tampering { "yes" } else { "-" }.to_owned(),
    ]
}

fn mitigation(incident: &Incident, ms: Option<f64>) -> String {
    match ms {
        Some(ms) => format_ms(ms),
        None if incident.tampering => "tamper".into(),
        None => "no".into(),
    }
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), format_ms)
}

/// The figures, one short line each.
fn figures(f: &Figures) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "detection     precision {} ({}/{})  recall {} ({}/{})  F1 {}",
        percent(f.precision),
        f.true_positives,
        f.true_positives + f.false_positives,
        percent(f.recall),
        f.true_positives,
        f.scored,
        percent(f.f1),
    );
    let _ = writeln!(
        out,
        "false alarms  {} ({} in control windows, {} with no incident)",
        f.false_positives, f.false_positives_in_control_windows, f.false_positives_without_incident,
    );
    let _ = writeln!(
        out,
        "localisation  {} ({}/{} incidents alerted on)",
        percent(f.localisation_accuracy),
        f.localised,
        f.alerted
    );
    let _ = writeln!(
        out,
        "diagnosis     {} ({}/{} diagnoses right)",
        percent(f.diagnosis_accuracy),
        f.diagnosed,
        f.diagnosis_attempts
    );
    let _ = writeln!(
        out,
        "mitigation    {}/{} scored incidents ({} repaired; {} tampering)",
        f.mitigated, f.scored, f.repaired, f.tampering
    );
    let _ = writeln!(
        out,
        "MTTD          p50 {}  p95 {}  ({})",
        ms(f.mttd_p50_ms),
        ms(f.mttd_p95_ms),
        plural(usize::try_from(f.true_positives).unwrap_or(0), "detection")
    );
    let _ = writeln!(
        out,
        "MTTR          p50 {}  p95 {}  ({})",
        ms(f.mttr_p50_ms),
        ms(f.mttr_p95_ms),
        plural(usize::try_from(f.mitigated).unwrap_or(0), "mitigation")
    );
    if f.detected_never_manifested > 0 || f.never_manifested > 0 {
        let _ = writeln!(
            out,
            "never manifested: {} (not scored; {} detected anyway)",
            f.never_manifested, f.detected_never_manifested
        );
    }
    out
}

/// One table line: cells cut to their widths, left-aligned.
fn row(cells: &[String; 12]) -> String {
    let mut line = String::new();
    for (i, (cell, width)) in cells.iter().zip(WIDTHS).enumerate() {
        if i > 0 {
            line.push(' ');
        }
        let cell = cut(cell, width);
        let _ = write!(line, "{cell:<width$}");
    }
    let mut line = line.trim_end().to_owned();
    line.push('\n');
    line
}

/// `text` cut to `width` characters, ending in `…` when cut.
pub fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
