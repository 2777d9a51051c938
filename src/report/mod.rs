//! The repair report: reads an audit journal (see [`crate::journal`]) and
//! tells how the injected failures were repaired, as a table (text or
//! JSON), an SVG timeline or a self-contained HTML page.
//!
//! - [`load`]: journal lines → one [`Failure`] per injection plus the
//!   skipped cycles; malformed lines become [`LineWarning`]s, never errors.
//! - [`stats`]: the table rows, repair rate and the nearest-rank percentile.
//! - [`text`], [`json`], [`svg`], [`html`]: the four output formats.
//! - [`time_axis`]: helper of the drawings (each scenario's swatch comes
//!   from [`JournalSummary::scenario_colours`]; colours, escaping and the
//!   page's style from [`crate::render`]).
//!
//! Nothing here touches a state file or the running engine: the report only
//! reads the journal it is given, and returns text for the command to write.

pub mod html;
pub mod json;
pub mod load;
pub mod notes;
pub mod stats;
pub mod svg;
pub mod text;
pub mod time_axis;
pub mod zone;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

use crate::render::colours::ScenarioColours;
pub use load::load;
#[cfg(test)]
pub use load::parse;

/// How an injected failure ended.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// The target repaired it before the recovery deadline (`ended_by: repair`).
    Repaired,
    /// Nobody repaired it; the recovery deadline ended it (`ended_by: recovery`).
    Expired,
    /// Ended some other way: by a person (`manual`), by the engine stopping
    /// (`shutdown`), by `chaos-engine recover` after the engine died
    /// (`recover`: a `fault_recovered` line and no `ended` one) or any
    /// other `ended_by` (kept as written). Such failures had no fair chance
    /// to be repaired or to expire: the repair rate leaves them out.
    Cleared(String),
    /// Injected, but the journal never says it ended (the engine was killed,
    /// and no `recover` undid its fault). Left out of the repair rate too.
    Open,
}

impl Outcome {
    /// How it ended, as the journal's `ended_by` names it (`repair`,
    /// `recovery`, `manual`, `shutdown`, `recover`...); `None` while open.
    pub fn ended_by(&self) -> Option<&str> {
        match self {
            Outcome::Repaired => Some("repair"),
            Outcome::Expired => Some("recovery"),
            Outcome::Cleared(by) => Some(by.as_str()),
            Outcome::Open => None,
        }
    }

    /// One word for class names and JSON: `repaired`, `expired`, `cleared`, `open`.
    pub fn class(&self) -> &'static str {
        match self {
            Outcome::Repaired => "repaired",
            Outcome::Expired => "expired",
            Outcome::Cleared(_) => "cleared",
            Outcome::Open => "open",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Cleared(by) => write!(f, "cleared ({by})"),
            other => f.write_str(other.class()),
        }
    }
}

/// One injection and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The injection's id.
    pub id: String,
    /// The target it was injected into.
    pub target: String,
    /// The scenario's name, e.g. `SLOWDOWN`.
    pub scenario: String,
    /// The mode written, when the journal says.
    pub mode: Option<String>,
    /// The delay written, when the journal says.
    pub delay: Option<u64>,
    /// When it was injected, Unix seconds.
    pub injected_at: f64,
    /// When it stopped: `repaired_at`, `expired_at` or `ended_at`; for an
    /// open failure its `expires_at` (when readers stop honouring it).
    pub ended_at: f64,
    /// How it ended.
    pub outcome: Outcome,
    /// Who repaired it (only for [`Outcome::Repaired`]).
    pub repaired_by: Option<String>,
    /// Injection to repair, milliseconds (only for [`Outcome::Repaired`]).
    pub time_to_repair_ms: Option<f64>,
    /// Injection to the failure becoming visible to a probe, milliseconds.
    pub time_to_manifest_ms: Option<f64>,
    /// When a probe first saw it, Unix seconds (from the journal's
    /// `manifested_at`, or the injection plus the time to manifest).
    pub manifested_at: Option<f64>,
    /// `source` of the injection (`manual` for API or hand injections).
    pub source: Option<String>,
    /// The containers a Docker target's fault hit (empty for a state file).
    pub containers: Vec<crate::outcome::AffectedUnit>,
}

/// One skipped cycle of a target.
#[derive(Debug, Clone, PartialEq)]
pub struct Skip {
    /// The target whose cycle was skipped.
    pub target: String,
    /// When, Unix seconds.
    pub at: f64,
    /// Why: `unhealthy`, `cap`, `window`, `blackout` or any other word.
    pub reason: String,
    /// Free text from the engine.
    pub detail: Option<String>,
}

/// A journal line that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineWarning {
    /// The journal's rotated predecessor (`<journal>.1`) when the line is
    /// in it; `None` for a line of the journal itself.
    pub file: Option<PathBuf>,
    /// 1-based line number in its file.
    pub line: usize,
    /// What was wrong with it.
    pub message: String,
}

impl LineWarning {
    /// The order warnings are listed in: the rotated file's lines first,
    /// each file's in line order.
    pub fn order(&self) -> (bool, usize) {
        (self.file.is_none(), self.line)
    }
}

/// Everything the report needs from one journal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JournalSummary {
    /// Every injection, in order of injection time.
    pub failures: Vec<Failure>,
    /// Every skipped cycle, in journal order.
    pub skips: Vec<Skip>,
    /// How many times the engine started (`engine_started` lines).
    pub runs: usize,
    /// The first and last instant the journal mentions, if any.
    pub span: Option<(f64, f64)>,
    /// Lines that were skipped.
    pub warnings: Vec<LineWarning>,
    /// Targets the journal shows a probe for: a failure seen manifesting,
    /// a cycle skipped as `unhealthy`, or a `healthy_again` line.
    pub probed: BTreeSet<String>,
    /// The scenarios the runs were configured with, as their
    /// `engine_started` lines list them (runs in journal order, each name
    /// once); empty for journals written before the list was recorded.
    pub configured_scenarios: Vec<String>,
}

/// What the probes saw of one failure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sighting {
    /// A probe saw it at this instant (Unix seconds).
    Seen(f64),
    /// The target has a probe, and it never saw this failure.
    Unseen,
    /// Nothing in the journal says the target has a probe.
    NoProbe,
}

impl JournalSummary {
    /// Each scenario's swatch, assigned as the live engine assigned it:
    /// the configured scenarios in order, then the others in order of
    /// injection (for a journal of one run, the dashboard's colours).
    pub fn scenario_colours(&self) -> ScenarioColours {
        let mut colours = ScenarioColours::configured(&self.configured_scenarios);
        for failure in &self.failures {
            colours.assign(&failure.scenario);
        }
        colours
    }

    /// What the probes saw of `failure`.
    pub fn sighting(&self, failure: &Failure) -> Sighting {
        match failure.manifested_at {
            Some(at) => Sighting::Seen(at),
            None if self.probed.contains(&failure.target) => Sighting::Unseen,
            None => Sighting::NoProbe,
        }
    }

    /// Skipped cycles per target, then per reason.
    pub fn skips_by_target(&self) -> BTreeMap<&str, BTreeMap<&str, u64>> {
        let mut counts: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
        for skip in &self.skips {
            *counts
                .entry(skip.target.as_str())
                .or_default()
                .entry(skip.reason.as_str())
                .or_default() += 1;
        }
        counts
    }
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The journal could not be read at all.
    #[error("{}: cannot read the journal: {source}", path.display())]
    Read {
        /// The journal as the user named it.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_classes_and_display() {
        assert_eq!(Outcome::Repaired.class(), "repaired");
        assert_eq!(Outcome::Expired.to_string(), "expired");
        assert_eq!(Outcome::Open.to_string(), "open");
        let manual = Outcome::Cleared("manual".into());
        assert_eq!(manual.class(), "cleared");
        assert_eq!(manual.to_string(), "cleared (manual)");
    }

    #[test]
    fn skips_are_counted_per_target_and_reason() {
        let skip = |target: &str, reason: &str| Skip {
            target: target.into(),
            at: 1.0,
            reason: reason.into(),
            detail: None,
        };
        let summary = JournalSummary {
            skips: vec![skip("a", "cap"), skip("a", "cap"), skip("b", "window")],
            ..JournalSummary::default()
        };
        let counts = summary.skips_by_target();
        assert_eq!(counts["a"]["cap"], 2);
        assert_eq!(counts["b"]["window"], 1);
        assert_eq!(counts.len(), 2);
    }
}
