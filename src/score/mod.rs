//! Scoring responders (`chaos-engine score`, `chaos-engine labels` and the
//! scorecard of `report --format html`): what a person or an agent said
//! (`finding` lines) against what really happened (the incidents and the
//! control windows of the journal). The exact rules are in docs/score.md;
//! in short:
//!
//! - **Incident**: one injection, as `crate::report::load` pairs it
//!   (`injected`, `manifested`, `ended`), plus its `category` and `fix`
//!   (from `injected`) and its `healthy_again` instant. It is *visible*
//!   when its target is a state file (its `injected` line lists no Docker
//!   containers): a responder with file access can read the truth.
//! - **Manifested**: a probe saw it (`manifested_at`). A target with a
//!   probe that never saw it: *never manifested*, scored apart (it cannot
//!   be detected). A target without any probe in the journal: scored, its
//!   clock starting at the injection.
//! - **Window** of an incident: `[injected_at, (healthy_again_at or
//!   ended_at) + grace]`, both ends included.
//! - **Detected**: a `detected` finding of the responder naming the
//!   incident's target inside its window (which is also what *localised*
//!   means: the right target). *Alerted*: any `detected` finding of the
//!   responder inside the window, whatever target it names. Time to detect:
//!   from `manifested_at` (or the injection without a probe) to the first
//!   such finding, at least 0.
//! - **Diagnosed**: a `diagnosed` finding naming the target inside the
//!   window whose `mode` equals the incident's mode or whose `category`
//!   equals its category (ASCII case ignored). Any `diagnosed` finding
//!   naming the target in the window is an *attempt*.
//! - **Tampering** (state-file incidents only): `ended_by: repair` by a
//!   writer of the state file (`repaired_by` anything but `probe`: `state
//!   file removed`, `another writer` or a writer's name), with no
//!   `manifested` line for it and no `skipped` cycle of that target as
//!   `unhealthy` between its injection and its end: nothing shows the
//!   target went down, so the file was rewritten under a running target.
//!   Without a probe nothing can show it, so such a repair is tampering.
//! - **Mitigated**: `ended_by: repair` (before the deadline), not
//!   tampering, and a `mitigated` finding of the responder naming the
//!   target inside the window. Time to mitigate: from the clock start (as
//!   detection) to the repair, at least 0.
//! - **False positive**: a `detected` finding inside no incident window of
//!   the target it names; it is a *control-window* false alarm when it
//!   falls inside a control window (`[timestamp, ends_at]`) of that
//!   target, otherwise a *no-incident* one.
//! - Precision = TP / (TP + FP), with TP the manifested incidents detected;
//!   recall = TP / manifested incidents; F1 their harmonic mean.
//!
//! Modules: [`load`] (journal → [`ScoreJournal`]), [`matching`] (one
//! responder's findings against the incidents), [`metrics`] (the figures),
//! [`text`], [`json`], [`html`] (the scorecard) and [`labels`].

pub mod html;
pub mod json;
pub mod labels;
pub mod load;
pub mod matching;
pub mod metrics;
pub mod text;

use crate::report::{Outcome, Sighting};

pub use load::load;
#[cfg(test)]
pub use load::parse;

/// The default grace period after an incident's end, seconds.
pub const DEFAULT_GRACE_S: f64 = 30.0;

/// One injection: the ground truth a responder is scored against.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// The injection's id.
    pub id: String,
    /// The target it hit.
    pub target: String,
    /// The scenario's name.
    pub scenario: String,
    /// The mode written, when the journal says.
    pub mode: Option<String>,
    /// The scenario's category, when it has one.
    pub category: Option<String>,
    /// The scenario's accepted remedies.
    pub fix: Vec<String>,
    /// A state-file target's incident: the truth is readable in the file.
    pub visible: bool,
    /// When it was injected, Unix seconds.
    pub injected_at: f64,
    /// What the probes saw of it.
    pub sighting: Sighting,
    /// When it ended: repaired, expired or otherwise (Unix seconds).
    pub ended_at: f64,
    /// How it ended.
    pub outcome: Outcome,
    /// Who repaired it (repairs only).
    pub repaired_by: Option<String>,
    /// After an expiry, when the probe first answered healthy.
    pub healthy_again_at: Option<f64>,
    /// A state file rewritten under a running target (see the module docs).
    pub tampering: bool,
}

impl Incident {
    /// When a probe saw it, if one did.
    pub fn manifested_at(&self) -> Option<f64> {
        match self.sighting {
            Sighting::Seen(at) => Some(at),
            _ => None,
        }
    }

    /// Scored for detection: it manifested, or its target has no probe.
    pub fn scored(&self) -> bool {
        !matches!(self.sighting, Sighting::Unseen)
    }

    /// Where times to detect and to mitigate start: `manifested_at`, or
    /// the injection when no probe saw it.
    pub fn clock_start(&self) -> f64 {
        self.manifested_at().unwrap_or(self.injected_at)
    }

    /// The end of its impact: `healthy_again_at`, else `ended_at`.
    pub fn impact_end(&self) -> f64 {
        self.healthy_again_at.unwrap_or(self.ended_at)
    }

    /// Its window, `[injected_at, impact_end + grace]`.
    pub fn window(&self, grace_s: f64) -> (f64, f64) {
        (self.injected_at, self.impact_end() + grace_s)
    }

    /// Whether `at` falls in its window (both ends included).
    pub fn in_window(&self, at: f64, grace_s: f64) -> bool {
        let (from, to) = self.window(grace_s);
        from <= at && at <= to
    }
}

/// A scheduled cycle that injected nothing on purpose.
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    /// The window's id.
    pub id: String,
    /// The target.
    pub target: String,
    /// From (the line's `timestamp`), Unix seconds.
    pub start: f64,
    /// To (`ends_at`), Unix seconds.
    pub end: f64,
}

/// A responder's finding, with the instant the engine stamped on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// When the engine received it, Unix seconds.
    pub at: f64,
    /// The finding as journalled.
    pub finding: crate::journal::schema::Finding,
}

impl Finding {
    /// Of kind `kind`, naming `target`.
    pub fn is(&self, kind: &str, target: &str) -> bool {
        self.finding.kind == kind && self.finding.target == target
    }
}

/// Everything the scorer reads from one journal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoreJournal {
    /// Every incident, in order of injection.
    pub incidents: Vec<Incident>,
    /// Every control window, in order of start.
    pub controls: Vec<Control>,
    /// Every finding, in journal order.
    pub findings: Vec<Finding>,
    /// Lines skipped (the report's warnings and the scorer's own).
    pub warnings: Vec<crate::report::LineWarning>,
}

impl ScoreJournal {
    /// The responders who posted findings, sorted, without repeats.
    pub fn responders(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .findings
            .iter()
            .map(|f| f.finding.responder.clone())
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

#[cfg(test)]
mod tests;
