//! Reading a journal for scoring: the incidents come from the report's own
//! loader (`crate::report::load::parse`, which pairs `injected`,
//! `manifested` and `ended` lines by id); this module adds what only the
//! scorer needs from the same bytes: `category` and `fix` of `injected`
//! lines, `healthy_again` instants, `control_window` and `finding` lines,
//! and the tampering judgement. A malformed line of those events becomes a
//! warning, like the report's. [`load`] streams the journal (its rotated
//! predecessor `<journal>.1` first) once, line by line, into both readers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Control, Finding, Incident, ScoreJournal};
use crate::journal::read::for_each_raw_line;
use crate::journal::schema::{JournalEvent, JournalLine};
use crate::journal::EventName;
use crate::report::load::{Place, Reader};
use crate::report::{JournalSummary, LineWarning, Outcome, ReportError, Sighting};

/// Reads and parses the journal at `path`, its rotated predecessor
/// (`<path>.1`) first, streaming line by line.
pub fn load(path: &Path) -> Result<ScoreJournal, ReportError> {
    let mut reader = Reader::default();
    let mut extra = Extra::default();
    let mut rotated_file: Option<PathBuf> = None;
    for_each_raw_line(path, |line| {
        reader.line(line);
        if line.rotated && rotated_file.is_none() {
            rotated_file = Some(line.file.to_owned());
        }
        if let Err(message) = extra.read(line.bytes) {
            let warning = Place::of(&line).warning(rotated_file.as_deref(), message);
            extra.warnings.push(warning);
        }
    })
    .map_err(|source| ReportError::Read {
        path: path.to_owned(),
        source,
    })?;
    Ok(extra.finish(reader.finish()))
}

/// Parses journal text (JSON lines). Never fails: bad lines become warnings.
#[cfg(test)]
pub fn parse(bytes: &[u8]) -> ScoreJournal {
    let summary = crate::report::load::parse(bytes);
    let mut extra = Extra::default();
    for (index, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        if let Err(message) = extra.read(raw) {
            extra.warnings.push(LineWarning {
                file: None,
                line: index + 1,
                message,
            });
        }
    }
    extra.finish(summary)
}

/// What the scorer reads beyond the report.
#[derive(Default)]
struct Extra {
    /// Per incident id: `category` and `fix` of its `injected` line.
    scenario: HashMap<String, (Option<String>, Vec<String>)>,
    /// Per incident id: the first `healthy_at`.
    healthy: HashMap<String, f64>,
    controls: Vec<Control>,
    findings: Vec<Finding>,
    warnings: Vec<LineWarning>,
}

impl Extra {
    fn read(&mut self, raw: &[u8]) -> Result<(), String> {
        // Lines that are not JSON objects with an event name are the
        // report's warnings already.
        let Ok(text) = std::str::from_utf8(raw) else {
            return Ok(());
        };
        let Ok(value) = serde_json::from_str::<Value>(text.trim()) else {
            return Ok(());
        };
        let Some(event) = value.get("event").and_then(Value::as_str) else {
            return Ok(());
        };
        let Ok(
            event @ (EventName::Injected
            | EventName::HealthyAgain
            | EventName::ControlWindow
            | EventName::Finding),
        ) = event.parse::<EventName>()
        else {
            return Ok(());
        };
        let line: JournalLine = match serde_json::from_value(value) {
            Ok(line) => line,
            // The report warns about its own events already.
            Err(_) if event == EventName::Injected => return Ok(()),
            Err(err) => return Err(format!("{event} event: {err}")),
        };
        let stamped = |name: EventName| {
            line.timestamp
                .ok_or(format!("{name} event: missing field `timestamp`"))
        };
        match &line.event {
            JournalEvent::Injected(injected) => {
                self.scenario
                    .entry(injected.id.clone())
                    .or_insert((injected.category.clone(), injected.fix.clone()));
            }
            JournalEvent::HealthyAgain(healthy) => {
                self.healthy
                    .entry(healthy.id.clone())
                    .or_insert(healthy.healthy_at);
            }
            JournalEvent::ControlWindow(control) => {
                let start = stamped(EventName::ControlWindow)?;
                self.controls.push(Control {
                    id: control.id.clone(),
                    target: control.target.clone(),
                    start,
                    end: control.ends_at,
                });
            }
            JournalEvent::Finding(finding) => {
                let at = stamped(EventName::Finding)?;
                self.findings.push(Finding {
                    at,
                    finding: finding.clone(),
                });
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(mut self, summary: JournalSummary) -> ScoreJournal {
        let incidents = summary
            .failures
            .iter()
            .map(|failure| {
                let sighting = summary.sighting(failure);
                let (category, fix) = self.scenario.remove(&failure.id).unwrap_or_default();
                let visible = failure.containers.is_empty();
                let mut incident = Incident {
                    id: failure.id.clone(),
                    target: failure.target.clone(),
                    scenario: failure.scenario.clone(),
                    mode: failure.mode.clone(),
                    category,
                    fix,
                    visible,
                    injected_at: failure.injected_at,
                    sighting,
                    ended_at: failure.ended_at,
                    outcome: failure.outcome.clone(),
                    repaired_by: failure.repaired_by.clone(),
                    healthy_again_at: self.healthy.get(&failure.id).copied(),
                    tampering: false,
                };
                incident.tampering = tampering(&incident, &summary);
                incident
            })
            .collect();
        self.controls
            .sort_by(|a, b| a.start.total_cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
        let mut warnings = summary.warnings;
        warnings.extend(self.warnings);
        warnings.sort_by_key(LineWarning::order);
        ScoreJournal {
            incidents,
            controls: self.controls,
            findings: self.findings,
            warnings,
        }
    }
}

/// The tampering rule (module docs of `crate::score`): a state-file
/// incident repaired by a writer of the file, with nothing in the journal
/// showing that the target went down.
fn tampering(incident: &Incident, summary: &JournalSummary) -> bool {
    if !incident.visible || incident.outcome != Outcome::Repaired {
        return false;
    }
    if incident.repaired_by.as_deref() == Some("probe") {
        return false;
    }
    if matches!(incident.sighting, Sighting::Seen(_)) {
        return false;
    }
    let went_down = summary.skips.iter().any(|skip| {
        skip.target == incident.target
            && skip.reason == "unhealthy"
            && incident.injected_at <= skip.at
            && skip.at <= incident.ended_at
    });
    !went_down
}
