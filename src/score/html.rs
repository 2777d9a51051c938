//! The scorecard in HTML: [`section`] is the part `report --format html`
//! adds when the journal has findings; [`render`] is the whole
//! self-contained page of `score --format html`, in the report's style (no
//! scripts, fonts or links).

use std::fmt::Write as _;

use super::metrics::{Figures, Scorecard};
use super::text::cut;
use super::ScoreJournal;
use crate::render::escape::escape;
use crate::render::style::{PAGE, SCORECARD};
use crate::report::text::{format_ms, plural};

/// The whole page.
pub fn render(name: &str, journal: &ScoreJournal, cards: &[Scorecard], grace_s: f64) -> String {
    let name = escape(name);
    let style = format!("{PAGE}{SCORECARD}");
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>chaos-engine score: {name}</title>\n<style>{style}</style>\n</head>\n<body>\n<h1>chaos-engine score: {name}</h1>\n"
    );
    page.push_str(&section(journal, cards, grace_s));
    page.push_str("</body>\n</html>\n");
    page
}

/// The scorecard section: per responder, the incidents and the figures.
pub fn section(journal: &ScoreJournal, cards: &[Scorecard], grace_s: f64) -> String {
    let mut out = String::from("<section class=\"scorecard\">\n<h2>Scorecard</h2>\n");
    let never = journal.incidents.iter().filter(|i| !i.scored()).count();
    let _ = writeln!(
        out,
        "<p class=\"span\">{} ({never} never manifested), {}, {}; grace {}.</p>",
        plural(journal.incidents.len(), "incident"),
        plural(journal.controls.len(), "control window"),
        plural(journal.findings.len(), "finding"),
        escape(&format_ms(grace_s * 1000.0)),
    );
    for card in cards {
        let _ = writeln!(
            out,
            "<h2>Responder: {}</h2>",
            escape(&card.matched.responder)
        );
        out.push_str("<table class=\"report\">\n<thead><tr>");
        for (i, header) in super::text::HEADERS.iter().enumerate() {
            let class = if i < 5 { " class=\"name\"" } else { "" };
            let _ = write!(out, "<th{class}>{header}</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (incident, score) in journal.incidents.iter().zip(&card.matched.incidents) {
            let mut cells = super::text::incident_cells(incident, score);
            cells[0] = cut(&cells[0], 8);
            out.push_str("<tr>");
            for (i, cell) in cells.iter().enumerate() {
                let class = if i < 5 { " class=\"name\"" } else { "" };
                let _ = write!(out, "<td{class}>{}</td>", escape(cell));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        out.push_str(&figures(&card.figures));
    }
    out.push_str("<p class=\"score-note\">Detected: a <code>detected</code> finding naming the incident's target between its injection and its end (healthy again, else ended) plus the grace. False positives: <code>detected</code> findings inside no incident window of their target. Tampering: a state file rewritten while nothing showed the target down; never a mitigation. Percentiles are nearest-rank. See docs/score.md.</p>\n");
    out.push_str("</section>\n");
    out
}

fn figures(f: &Figures) -> String {
    let pct = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{:.1}%", v * 100.0));
    let ms = |v: Option<f64>| v.map_or_else(|| "-".into(), format_ms);
    let rows = [
        (
            "precision",
            pct(f.precision),
            format!(
                "{} of {}",
                f.true_positives,
                f.true_positives + f.false_positives
            ),
        ),
        (
            "recall",
            pct(f.recall),
            format!("{} of {}", f.true_positives, f.scored),
        ),
        ("F1", pct(f.f1), String::new()),
        (
            "false alarms",
            f.false_positives.to_string(),
            format!(
                "{} in control windows, {} with no incident",
                f.false_positives_in_control_windows, f.false_positives_without_incident
            ),
        ),
        (
            "localisation",
            pct(f.localisation_accuracy),
            format!("{} of {} alerted on", f.localised, f.alerted),
        ),
        (
            "diagnosis",
            pct(f.diagnosis_accuracy),
            format!("{} of {} diagnoses", f.diagnosed, f.diagnosis_attempts),
        ),
        (
            "mitigated",
            f.mitigated.to_string(),
            format!(
                "of {} scored; {} repaired, {} tampering",
                f.scored, f.repaired, f.tampering
            ),
        ),
        (
            "MTTD p50 / p95",
            format!("{} / {}", ms(f.mttd_p50_ms), ms(f.mttd_p95_ms)),
            format!("{} detections", f.true_positives),
        ),
        (
            "MTTR p50 / p95",
            format!("{} / {}", ms(f.mttr_p50_ms), ms(f.mttr_p95_ms)),
            format!("{} mitigations", f.mitigated),
        ),
        (
            "never manifested",
            f.never_manifested.to_string(),
            format!(
                "not scored; {} detected anyway",
                f.detected_never_manifested
            ),
        ),
    ];
    let mut out = String::from("<table class=\"report figures\">\n<tbody>\n");
    for (name, value, counts) in rows {
        let _ = writeln!(
            out,
            "<tr><td class=\"name\">{name}</td><td>{}</td><td class=\"name\">{}</td></tr>",
            escape(&value),
            escape(&counts)
        );
    }
    out.push_str("</tbody>\n</table>\n");
    out
}
