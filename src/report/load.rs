//! Reading a journal into a [`JournalSummary`]: one [`Failure`] per
//! injection (matched by `id` across `injected`, `manifested` and `ended`
//! lines) and one [`Skip`] per `skipped` line.
//!
//! Lines are parsed into the one journal schema,
//! [`crate::journal::schema`], the engine writes with. Unknown events and
//! unknown fields are ignored, so journals written by a newer engine still
//! load; so are known events the report has no use for. A line that is not JSON, or a known event that
//! lacks a field the report needs, becomes a [`LineWarning`] and is left
//! out; only a file that cannot be read at all is an error.
//!
//! [`load`] streams the journal line by line, its rotated predecessor
//! (`<journal>.1`) first ([`crate::journal::read`]); [`Reader`] is what it
//! streams into, also used by the scorer.
//!
//! Fields relied on (others are ignored):
//! - `injected`: `timestamp`, `id`, `target`, `scenario`, `expires_at`;
//!   optional `mode`, `delay`, `source`.
//! - `manifested`: `id`, `time_to_manifest_ms`.
//! - `ended`: `id`, `target`, `scenario`, `ended_by`, `injected_at`,
//!   `ended_at`; optional `mode`, `delay`, `repaired_by`, `repaired_at`,
//!   `expired_at`, `time_to_manifest_ms`, `time_to_repair_ms`.
//! - `skipped`: `timestamp`, `target`, `reason`; optional `detail`.
//! - `engine_started`, `engine_stopped`: `timestamp` (runs and time span);
//!   optional `scenarios` on `engine_started` (the order of the colours).
//! - `healthy_again`: `target` only, read leniently (a sign the target has
//!   a probe, like `manifested` lines and `unhealthy` skips).
//! - `fault_recovered`: `timestamp`, `id`. A Docker fault left behind by an
//!   engine that died and undone by `chaos-engine recover` (or by the next
//!   engine's start) has no `ended` line: its `fault_recovered` line closes
//!   it, as cleared by `recover` ([`RECOVER`]) at that line's time. An
//!   `ended` line of the same id wins (the engine ended it itself); a
//!   `fault_recovered` line without an id, or whose id was never injected
//!   (a fault undone while it was being applied), closes nothing.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Failure, JournalSummary, LineWarning, Outcome, ReportError, Skip};
use crate::journal::read::{for_each_raw_line, RawLine};
use crate::journal::schema::{Ended, Injected, JournalEvent, JournalLine, OrUnknown};
use crate::journal::EventName;
use crate::outcome::EndedBy;

/// How a fault closed by its `fault_recovered` line ended, as `ended_by`
/// would name it: `chaos-engine recover` (or an engine's start) undid it.
pub const RECOVER: &str = "recover";

/// Reads and parses the journal at `path`, its rotated predecessor
/// (`<path>.1`) first, streaming line by line.
pub fn load(path: &Path) -> Result<JournalSummary, ReportError> {
    let mut reader = Reader::default();
    for_each_raw_line(path, |line| reader.line(line)).map_err(|source| ReportError::Read {
        path: path.to_owned(),
        source,
    })?;
    Ok(reader.finish())
}

/// Parses journal text (JSON lines) as [`load`] reads a file. Never
/// fails: bad lines become warnings.
#[cfg(test)]
pub fn parse(bytes: &[u8]) -> JournalSummary {
    let mut reader = Reader::default();
    for (index, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        reader.line(RawLine {
            rotated: false,
            file: Path::new("journal"),
            number: index + 1,
            bytes: raw,
        });
    }
    reader.finish()
}

/// A journal read line by line: what [`load`] streams into, and the
/// scorer beside its own reading of the same lines.
#[derive(Default)]
pub struct Reader {
    lines: Lines,
}

impl Reader {
    /// Reads one line.
    pub fn line(&mut self, line: RawLine<'_>) {
        if line.rotated && self.lines.rotated_file.is_none() {
            self.lines.rotated_file = Some(line.file.to_owned());
        }
        self.lines.read(Place::of(&line), line.bytes);
    }

    /// The summary of every line read.
    pub fn finish(self) -> JournalSummary {
        self.lines.finish()
    }
}

/// Where a line is: in the rotated `<journal>.1` or the journal itself,
/// and its 1-based number there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// In `<journal>.1`.
    pub rotated: bool,
    /// 1-based line number in its file.
    pub line: usize,
}

impl Place {
    /// Where `line` is.
    pub fn of(line: &RawLine<'_>) -> Self {
        Place {
            rotated: line.rotated,
            line: line.number,
        }
    }

    /// A warning about this line; `rotated_file` names `<journal>.1`.
    pub fn warning(self, rotated_file: Option<&Path>, message: String) -> LineWarning {
        LineWarning {
            file: if self.rotated {
                rotated_file.map(Path::to_owned)
            } else {
                None
            },
            line: self.line,
            message,
        }
    }
}

/// The lines read so far, before injections are matched to their ends.
#[derive(Default)]
struct Lines {
    /// `injected` lines (with their timestamps), in journal order.
    injected: Vec<(f64, Injected)>,
    injected_line: HashMap<String, Place>,
    ended: HashMap<String, Ended>,
    ended_line: HashMap<String, Place>,
    /// Per id: the instant of its first `fault_recovered` line.
    recovered: HashMap<String, f64>,
    /// Per id: the first `manifested` line's time to manifest (ms) and
    /// instant (Unix seconds, when written).
    manifest: HashMap<String, (f64, Option<f64>)>,
    /// Targets the journal shows a probe for.
    probed: BTreeSet<String>,
    skips: Vec<Skip>,
    runs: usize,
    /// The `engine_started` lines' scenarios, each name once.
    configured_scenarios: Vec<String>,
    instants: Vec<f64>,
    warnings: Vec<LineWarning>,
    /// `<journal>.1`, once a line of it was read.
    rotated_file: Option<PathBuf>,
}

impl Lines {
    fn read(&mut self, place: Place, raw: &[u8]) {
        if let Err(message) = self.try_read(place, raw) {
            let warning = place.warning(self.rotated_file.as_deref(), message);
            self.warnings.push(warning);
        }
    }

    /// `line 7`, or `line 7 of journal.jsonl.1`.
    fn describe(&self, place: Place) -> String {
        match (&self.rotated_file, place.rotated) {
            (Some(file), true) => format!("line {} of {}", place.line, file.display()),
            _ => format!("line {}", place.line),
        }
    }

    fn try_read(&mut self, line: Place, raw: &[u8]) -> Result<(), String> {
        let text = std::str::from_utf8(raw).map_err(|_| "not UTF-8 text".to_owned())?;
        let text = text.trim();
        if text.is_empty() {
            return Ok(());
        }
        let value: Value = serde_json::from_str(text).map_err(|err| not_json(&err))?;
        if !value.is_object() {
            return Err("not a JSON object".to_owned());
        }
        let Some(event) = value
            .get("event")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return Err("no \"event\" field (a string) in this object".to_owned());
        };
        let event = event.as_str();
        match event.parse::<EventName>() {
            Ok(EventName::HealthyAgain) => {
                // Only its target is of use: proof that the target has a probe.
                if let Some(target) = value.get("target").and_then(Value::as_str) {
                    self.probed.insert(target.to_owned());
                }
                return Ok(());
            }
            Ok(
                EventName::Injected
                | EventName::Ended
                | EventName::Manifested
                | EventName::Skipped
                | EventName::EngineStarted
                | EventName::EngineStopped
                | EventName::FaultRecovered,
            ) => {}
            _ => return Ok(()),
        }
        let JournalLine { timestamp, event } = fields(event, value)?;
        let name = event.name();
        let needs_timestamp = matches!(
            event,
            JournalEvent::Injected(_)
                | JournalEvent::FaultRecovered(_)
                | JournalEvent::Skipped(_)
                | JournalEvent::EngineStarted(_)
                | JournalEvent::EngineStopped(_)
        );
        // `at` is only read by the events that need it, checked here.
        let at = match timestamp {
            Some(at) => at,
            None if needs_timestamp => {
                return Err(format!("{name} event: missing field `timestamp`"))
            }
            None => f64::NAN,
        };
        match event {
            JournalEvent::Injected(injected) => {
                if let Some(first) = self.injected_line.get(&injected.id) {
                    return Err(format!(
                        "injected event: id {} was already injected on {}; ignored",
                        injected.id,
                        self.describe(*first)
                    ));
                }
                self.instants.push(at);
                self.injected_line.insert(injected.id.clone(), line);
                self.injected.push((at, injected));
            }
            JournalEvent::Ended(ended) => {
                if let Some(first) = self.ended_line.get(&ended.id) {
                    return Err(format!(
                        "ended event: id {} already ended on {}; ignored",
                        ended.id,
                        self.describe(*first)
                    ));
                }
                self.ended_line.insert(ended.id.clone(), line);
                self.ended.insert(ended.id.clone(), ended);
            }
            JournalEvent::Manifested(manifested) => {
                if !manifested.target.is_empty() {
                    self.probed.insert(manifested.target);
                }
                // 0 stands for "not written" in this event's schema.
                let at = (manifested.manifested_at > 0.0).then_some(manifested.manifested_at);
                self.manifest
                    .entry(manifested.id)
                    .or_insert((manifested.time_to_manifest_ms, at));
            }
            JournalEvent::Skipped(skipped) => {
                self.instants.push(at);
                if skipped.reason.as_str() == "unhealthy" {
                    // Only a probe finds a target unhealthy.
                    self.probed.insert(skipped.target.clone());
                }
                self.skips.push(Skip {
                    target: skipped.target,
                    at,
                    reason: skipped.reason.as_str().to_owned(),
                    detail: skipped.detail,
                });
            }
            JournalEvent::EngineStarted(started) => {
                self.instants.push(at);
                self.runs += 1;
                for name in started.scenarios.unwrap_or_default() {
                    if !self.configured_scenarios.contains(&name) {
                        self.configured_scenarios.push(name);
                    }
                }
            }
            JournalEvent::EngineStopped(_) => self.instants.push(at),
            JournalEvent::FaultRecovered(recovered) => {
                self.instants.push(at);
                if let Some(id) = recovered.id {
                    self.recovered.entry(id).or_insert(at);
                }
            }
            // Not read: filtered out by name above.
            _ => {}
        }
        Ok(())
    }

    fn finish(mut self) -> JournalSummary {
        let mut failures = Vec::with_capacity(self.injected.len() + self.ended.len());
        for (at, injected) in std::mem::take(&mut self.injected) {
            let failure = match self.ended.remove(&injected.id) {
                Some(ended) => self.ended_failure(ended, Some(&injected)),
                None => {
                    let recovered = self.recovered.get(&injected.id).copied();
                    let mut failure = self.open_failure(at, injected);
                    if let Some(recovered_at) = recovered {
                        failure.outcome = Outcome::Cleared(RECOVER.to_owned());
                        failure.ended_at = recovered_at.max(failure.injected_at);
                    }
                    failure
                }
            };
            failures.push(failure);
        }
        // Ends whose `injected` line is missing (e.g. a journal started
        // mid-failure) still carry everything the report needs.
        for ended in std::mem::take(&mut self.ended).into_values() {
            failures.push(self.ended_failure(ended, None));
        }
        failures.sort_by(|a, b| {
            a.injected_at
                .total_cmp(&b.injected_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        for failure in &failures {
            self.instants.push(failure.injected_at);
            self.instants.push(failure.ended_at);
        }
        let span = self
            .instants
            .iter()
            .copied()
            .filter(|t| t.is_finite())
            .fold(None, |span: Option<(f64, f64)>, t| match span {
                None => Some((t, t)),
                Some((from, to)) => Some((from.min(t), to.max(t))),
            });
        self.warnings.sort_by_key(LineWarning::order);
        for failure in &failures {
            if failure.manifested_at.is_some() {
                self.probed.insert(failure.target.clone());
            }
        }
        JournalSummary {
            probed: self.probed,
            failures,
            skips: self.skips,
            runs: self.runs,
            span,
            warnings: self.warnings,
            configured_scenarios: self.configured_scenarios,
        }
    }

    fn ended_failure(&self, ended: Ended, injected: Option<&Injected>) -> Failure {
        let outcome = match &ended.ended_by {
            OrUnknown::Known(EndedBy::Repair) => Outcome::Repaired,
            OrUnknown::Known(EndedBy::Recovery) => Outcome::Expired,
            other => Outcome::Cleared(other.as_str().to_owned()),
        };
        let ended_at = match outcome {
            Outcome::Repaired => ended.repaired_at.unwrap_or(ended.ended_at),
            Outcome::Expired => ended.expired_at.unwrap_or(ended.ended_at),
            _ => ended.ended_at,
        };
        let time_to_repair_ms = (outcome == Outcome::Repaired).then(|| {
            ended
                .time_to_repair_ms
                .unwrap_or((ended_at - ended.injected_at) * 1000.0)
        });
        let seen = self.manifest.get(&ended.id);
        let time_to_manifest_ms = ended
            .time_to_manifest_ms
            .or_else(|| seen.map(|(ms, _)| *ms));
        let manifested_at = ended
            .manifested_at
            .or_else(|| seen.and_then(|(_, at)| *at))
            .or_else(|| time_to_manifest_ms.map(|ms| ended.injected_at + ms / 1000.0));
        Failure {
            time_to_manifest_ms,
            manifested_at,
            mode: ended.mode.or_else(|| injected.and_then(|i| i.mode.clone())),
            delay: ended.delay.or_else(|| injected.and_then(|i| i.delay)),
            source: injected.and_then(|i| i.source.clone()),
            containers: injected.map(|i| i.containers.clone()).unwrap_or_default(),
            id: ended.id,
            target: ended.target,
            scenario: ended.scenario,
            injected_at: ended.injected_at,
            ended_at,
            outcome,
            repaired_by: ended.repaired_by,
            time_to_repair_ms,
        }
    }

    fn open_failure(&self, injected_at: f64, injected: Injected) -> Failure {
        let seen = self.manifest.get(&injected.id);
        Failure {
            time_to_manifest_ms: seen.map(|(ms, _)| *ms),
            manifested_at: seen.map(|(ms, at)| at.unwrap_or(injected_at + ms / 1000.0)),
            id: injected.id,
            target: injected.target,
            scenario: injected.scenario,
            mode: injected.mode,
            delay: injected.delay,
            injected_at,
            ended_at: injected.expires_at,
            outcome: Outcome::Open,
            repaired_by: None,
            time_to_repair_ms: None,
            source: injected.source,
            containers: injected.containers,
        }
    }
}

/// `not JSON (EOF while parsing a string at column 64)`: serde_json's
/// message, with the column but without its "line 1" (one line is parsed
/// at a time; the caller names the file's line).
fn not_json(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let location = format!(" at line {} column {}", err.line(), err.column());
    let message = message.strip_suffix(&location).unwrap_or(&message);
    format!("not JSON ({message} at column {})", err.column())
}

/// The fields of a known event, or a message naming the event and what is
/// missing or of the wrong type.
fn fields(event: &str, value: Value) -> Result<JournalLine, String> {
    serde_json::from_value(value).map_err(|err| format!("{event} event: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn injected(ts: f64, id: &str, target: &str, scenario: &str) -> String {
        format!(
            r#"{{"timestamp":{ts},"event":"injected","id":"{id}","target":"{target}","scenario":"{scenario}","mode":"slow","delay":17,"expires_at":{},"lateness_ms":1.2,"write_ms":0.1}}"#,
            ts + 30.0
        )
    }

    #[test]
    fn matches_injections_to_their_ends_by_id() {
        let text = [
            r#"{"timestamp":100,"event":"engine_started"}"#.to_owned(),
            injected(110.0, "a", "app", "SLOWDOWN"),
            r#"{"timestamp":111,"event":"manifested","id":"a","target":"app","scenario":"SLOWDOWN","mode":"slow","injected_at":110,"manifested_at":111,"time_to_manifest_ms":1000,"detail":"probe: HTTP 500"}"#.to_owned(),
            r#"{"timestamp":114,"event":"ended","id":"a","target":"app","scenario":"SLOWDOWN","mode":"slow","delay":17,"ended_by":"repair","repaired_by":"target-app","injected_at":110,"repaired_at":114,"ended_at":114.01,"time_to_repair_ms":4000}"#.to_owned(),
            injected(120.0, "b", "app", "CRASH"),
            r#"{"timestamp":150,"event":"ended","id":"b","target":"app","scenario":"CRASH","mode":"crash","delay":0,"ended_by":"recovery","injected_at":120,"expired_at":150,"ended_at":150}"#.to_owned(),
            r#"{"timestamp":160,"event":"engine_stopped"}"#.to_owned(),
        ]
        .join("\n");
        let summary = parse(text.as_bytes());
        assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
        assert_eq!(summary.runs, 1);
        assert_eq!(summary.span, Some((100.0, 160.0)));
        let [a, b] = summary.failures.as_slice() else {
            panic!("two failures expected: {:?}", summary.failures);
        };
        assert_eq!(a.outcome, Outcome::Repaired);
        assert_eq!(a.time_to_repair_ms, Some(4000.0));
        assert_eq!(a.time_to_manifest_ms, Some(1000.0));
        assert_eq!(a.ended_at, 114.0, "a repair ends at repaired_at");
        assert_eq!(a.repaired_by.as_deref(), Some("target-app"));
        assert_eq!(b.outcome, Outcome::Expired);
        assert_eq!(b.time_to_repair_ms, None);
        assert_eq!(b.ended_at, 150.0);
        assert_eq!(b.mode.as_deref(), Some("crash"));
    }

    #[test]
    fn an_injection_without_an_end_is_open_until_it_expires() {
        let text = format!(
            "{}\n{}\n",
            injected(200.0, "x", "db", "CRASH"),
            r#"{"timestamp":201,"event":"manifested","id":"x","time_to_manifest_ms":500}"#
        );
        let summary = parse(text.as_bytes());
        let [open] = summary.failures.as_slice() else {
            panic!("one failure expected");
        };
        assert_eq!(open.outcome, Outcome::Open);
        assert_eq!(open.ended_at, 230.0, "drawn to expires_at");
        assert_eq!(open.time_to_manifest_ms, Some(500.0));
        assert_eq!(open.time_to_repair_ms, None);
        assert_eq!(summary.span, Some((200.0, 230.0)));
    }

    #[test]
    fn manual_and_shutdown_ends_are_cleared_and_unknown_ones_kept_by_name() {
        let end = |id: &str, by: &str| {
            format!(
                r#"{{"event":"ended","id":"{id}","target":"t","scenario":"S","ended_by":"{by}","injected_at":1,"ended_at":3}}"#
            )
        };
        let text = [end("m", "manual"), end("s", "shutdown"), end("r", "reload")].join("\n");
        let summary = parse(text.as_bytes());
        let outcomes: Vec<_> = summary.failures.iter().map(|f| f.outcome.clone()).collect();
        assert_eq!(outcomes.len(), 3);
        for by in ["manual", "shutdown", "reload"] {
            assert!(outcomes.contains(&Outcome::Cleared(by.into())), "{by}");
        }
        assert!(summary.failures.iter().all(|f| f.ended_at == 3.0));
    }

    #[test]
    fn a_fault_undone_by_recover_is_cleared_at_its_fault_recovered_line() {
        let recovered = |ts: f64, id: &str| {
            format!(
                r#"{{"timestamp":{ts},"event":"fault_recovered","id":"{id}","target":"app","detail":"pause fault {id} left behind: unpaused web-1"}}"#
            )
        };
        let text = [
            injected(10.0, "undone", "app", "PAUSE"),
            injected(20.0, "ended", "app", "PAUSE"),
            r#"{"timestamp":50,"event":"ended","id":"ended","target":"app","scenario":"PAUSE","ended_by":"recovery","injected_at":20,"expired_at":50,"ended_at":50}"#.to_owned(),
            injected(60.0, "open", "app", "PAUSE"),
            recovered(70.5, "undone"),
            // Later ones change nothing: the first closes it, an `ended`
            // line wins, an id never injected or no id closes nothing.
            recovered(80.0, "undone"),
            recovered(81.0, "ended"),
            recovered(82.0, "never-injected"),
            r#"{"timestamp":83,"event":"fault_recovered","target":"app","detail":"removed helper chaos-engine-x"}"#.to_owned(),
        ]
        .join("\n");
        let summary = parse(text.as_bytes());
        assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
        let [undone, ended, open] = summary.failures.as_slice() else {
            panic!("three failures expected: {:?}", summary.failures);
        };
        assert_eq!(undone.outcome, Outcome::Cleared(RECOVER.into()));
        assert_eq!(undone.outcome.ended_by(), Some("recover"));
        assert_eq!(undone.outcome.to_string(), "cleared (recover)");
        assert_eq!(undone.ended_at, 70.5);
        assert_eq!(undone.time_to_repair_ms, None);
        assert_eq!(ended.outcome, Outcome::Expired);
        assert_eq!(ended.ended_at, 50.0);
        assert_eq!(open.outcome, Outcome::Open);
        assert_eq!(open.ended_at, 90.0, "drawn to expires_at");
        assert_eq!(summary.span, Some((10.0, 90.0)));
    }

    #[test]
    fn a_fault_recovered_line_without_a_timestamp_is_a_warning() {
        let text = [
            injected(10.0, "x", "app", "PAUSE"),
            r#"{"event":"fault_recovered","id":"x","target":"app","detail":"d"}"#.to_owned(),
        ]
        .join("\n");
        let summary = parse(text.as_bytes());
        assert_eq!(summary.warnings.len(), 1, "{:?}", summary.warnings);
        assert_eq!(summary.warnings[0].line, 2);
        assert!(summary.warnings[0]
            .message
            .contains("fault_recovered event: missing field `timestamp`"));
        assert_eq!(summary.failures[0].outcome, Outcome::Open);
    }

    #[test]
    fn a_repair_without_time_to_repair_is_measured_from_its_times() {
        let text = r#"{"event":"ended","id":"r","target":"t","scenario":"S","ended_by":"repair","injected_at":10,"repaired_at":12.5,"ended_at":12.6}"#;
        let summary = parse(text.as_bytes());
        assert_eq!(summary.failures[0].time_to_repair_ms, Some(2500.0));
    }

    #[test]
    fn malformed_lines_become_warnings_with_their_line_numbers() {
        let text = [
            injected(10.0, "ok", "app", "CRASH"),
            "{\"timestamp\": 11, \"event\": \"injected\", \"target\"".to_owned(),
            r#"{"timestamp":12,"event":"skipped","reason":"cap"}"#.to_owned(),
            "[1, 2]".to_owned(),
            r#"{"timestamp":13}"#.to_owned(),
            String::new(),
            r#"{"timestamp":"soon","event":"injected","id":"z","target":"app","scenario":"CRASH","expires_at":1}"#.to_owned(),
            injected(14.0, "ok", "app", "CRASH"),
        ]
        .join("\n");
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(b"\n\xff\xfe\n");
        let summary = parse(&bytes);
        let lines: Vec<usize> = summary.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 7, 8, 9], "{:?}", summary.warnings);
        let message = |line: usize| {
            summary
                .warnings
                .iter()
                .find(|w| w.line == line)
                .map(|w| w.message.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            message(2),
            "not JSON (EOF while parsing an object at column 47)",
            "{}",
            message(2)
        );
        assert!(
            message(3).contains("skipped event: missing field `target`"),
            "{}",
            message(3)
        );
        assert_eq!(message(4), "not a JSON object");
        assert!(message(5).contains("no \"event\" field"));
        assert!(message(7).contains("invalid type"), "{}", message(7));
        assert!(message(8).contains("already injected on line 1"));
        assert_eq!(message(9), "not UTF-8 text");
        assert_eq!(summary.failures.len(), 1, "only the good line counts");
        assert!(summary.skips.is_empty());
    }

    #[test]
    fn unknown_events_and_fields_are_ignored() {
        let text = [
            r#"{"timestamp":5,"event":"cleared","target":"app","reason":"startup"}"#,
            r#"{"timestamp":6,"event":"from_the_future","anything":[1,2]}"#,
            r#"{"timestamp":7,"event":"skipped","target":"app","reason":"window","detail":"outside 09:00-17:00","new_field":true}"#,
        ]
        .join("\n");
        let summary = parse(text.as_bytes());
        assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
        assert!(summary.failures.is_empty());
        assert_eq!(summary.skips.len(), 1);
        assert_eq!(summary.skips[0].reason, "window");
        assert_eq!(
            summary.span,
            Some((7.0, 7.0)),
            "only known events set the span"
        );
    }

    #[test]
    fn sightings_come_from_the_probes_lines() {
        use crate::report::Sighting;
        let text = [
            injected(10.0, "seen", "app", "CRASH"),
            r#"{"timestamp":11.5,"event":"manifested","id":"seen","target":"app","scenario":"CRASH","mode":"crash","injected_at":10,"manifested_at":11.5,"time_to_manifest_ms":1500}"#.to_owned(),
            // Its end repeats neither instant: the manifested line's is kept.
            r#"{"event":"ended","id":"seen","target":"app","scenario":"CRASH","ended_by":"repair","injected_at":10,"repaired_at":14,"ended_at":14}"#.to_owned(),
            r#"{"event":"ended","id":"by-ms","target":"app","scenario":"CRASH","ended_by":"repair","injected_at":20,"repaired_at":24,"ended_at":24,"time_to_manifest_ms":500}"#.to_owned(),
            r#"{"event":"ended","id":"unseen","target":"app","scenario":"CRASH","ended_by":"recovery","injected_at":30,"expired_at":60,"ended_at":60}"#.to_owned(),
            r#"{"timestamp":61,"event":"skipped","target":"db","reason":"unhealthy"}"#.to_owned(),
            r#"{"event":"ended","id":"db-unseen","target":"db","scenario":"CRASH","ended_by":"recovery","injected_at":70,"expired_at":80,"ended_at":80}"#.to_owned(),
            r#"{"timestamp":90,"event":"healthy_again","target":"cache"}"#.to_owned(),
            r#"{"event":"ended","id":"cache-unseen","target":"cache","scenario":"CRASH","ended_by":"recovery","injected_at":70,"expired_at":80,"ended_at":80}"#.to_owned(),
            r#"{"event":"ended","id":"bare","target":"web","scenario":"CRASH","ended_by":"recovery","injected_at":70,"expired_at":80,"ended_at":80}"#.to_owned(),
        ]
        .join("\n");
        let summary = parse(text.as_bytes());
        assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
        let sighting = |id: &str| {
            let failure = summary.failures.iter().find(|f| f.id == id).unwrap();
            summary.sighting(failure)
        };
        assert_eq!(sighting("seen"), Sighting::Seen(11.5));
        assert_eq!(sighting("by-ms"), Sighting::Seen(20.5));
        assert_eq!(sighting("unseen"), Sighting::Unseen);
        assert_eq!(sighting("db-unseen"), Sighting::Unseen, "an unhealthy skip");
        assert_eq!(sighting("cache-unseen"), Sighting::Unseen, "healthy_again");
        assert_eq!(sighting("bare"), Sighting::NoProbe);
        let probed: Vec<&str> = summary.probed.iter().map(String::as_str).collect();
        assert_eq!(probed, ["app", "cache", "db"]);
    }

    #[test]
    fn an_empty_journal_has_nothing_and_no_span() {
        let summary = parse(b"");
        assert_eq!(summary, JournalSummary::default());
    }

    #[test]
    fn an_unreadable_journal_is_an_error_naming_the_path() {
        let err = load(Path::new("/nonexistent-dir/journal.jsonl")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/nonexistent-dir/journal.jsonl: "),
            "{err}"
        );
    }
}
