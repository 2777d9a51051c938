//! The one-shot side of the seam: what the commands `validate`, `status`,
//! `inject` and `clear` ask of a target's backend ([`OneShot`]), so that no
//! command knows which kind of target it acts on. The running engine goes
//! through [`super::FaultBackend`] instead; both are picked for a target in
//! one place (`crate::registry`).
//!
//! A backend's one-shot operations print their own progress (`say!` on
//! standard output, `error:` lines on standard error), as the commands do:
//! an injection held for `--for` says what it did before it waits.

mod hold;

use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::clock::system_clock;
use crate::input::duration::parse_duration;
use crate::journal::Journal;
use crate::scenario::{Catalogue, Scenario};
use crate::telemetry::Telemetry;

pub use crate::outcome::Location;
pub use hold::HoldWaiter;

/// What every one-shot command knows of its target, whatever the backend.
#[derive(Debug, Clone, Copy)]
pub struct OneShotContext<'a> {
    /// The target's name.
    pub target: &'a str,
    /// How long a failure lasts unless told otherwise (its recovery).
    pub recovery: Duration,
    /// The target's scenarios (each failure's category and fix).
    pub catalogue: &'a Catalogue,
    /// False when chaos is disabled: an injection is refused.
    pub enabled: bool,
    /// Only say what would be done.
    pub dry_run: bool,
    /// Where engines keep their write-ahead fault ledgers.
    pub ledger_dir: &'a Path,
    /// Where what is done by hand is recorded: the audit journal, beside
    /// what the daemon does.
    pub recorder: &'a Recorder,
}

/// The telemetry a one-shot command records what it does through (the
/// audit journal named by `--journal`, rotated at `--journal-max`),
/// opened at its first use: a request refused before anything is done
/// leaves no journal behind, and a command that only reads opens none.
#[derive(Debug)]
pub struct Recorder {
    journal: Option<PathBuf>,
    max: Option<u64>,
    opened: OnceCell<Arc<Telemetry>>,
}

impl Recorder {
    /// Records to the journal at `journal` (none when `None`), rotated at
    /// `max` bytes.
    pub fn new(journal: Option<PathBuf>, max: Option<u64>) -> Self {
        Recorder {
            journal,
            max,
            opened: OnceCell::new(),
        }
    }

    /// The telemetry, its journal opened now if it is not yet.
    pub fn telemetry(&self) -> &Arc<Telemetry> {
        self.opened.get_or_init(|| {
            let journal = match &self.journal {
                Some(path) => Journal::open_with_max(path, self.max),
                None => Journal::disabled(),
            };
            Arc::new(Telemetry::new(system_clock(), journal))
        })
    }
}

/// One injection asked for on the command line.
#[derive(Debug, Clone)]
pub struct InjectRequest<'a> {
    /// The name the failure is written and journalled under.
    pub scenario: String,
    /// Its mode.
    pub mode: String,
    /// The catalogue's scenario, when `--scenario` chose it (its delay
    /// range and, on a container target, its fault are used).
    pub chosen: Option<&'a Scenario>,
    /// `--delay` in seconds, if given.
    pub delay: Option<u64>,
    /// `--for` as given: how long to hold the failure before undoing it.
    pub hold_for: Option<&'a str>,
}

impl InjectRequest<'_> {
    /// `--for` read as a duration: `None` when not given.
    pub fn hold(&self) -> Result<Option<Duration>, OneShotError> {
        match self.hold_for.map(parse_duration) {
            None => Ok(None),
            Some(Ok(hold)) if !hold.is_zero() => Ok(Some(hold)),
            Some(Ok(_)) => Err(OneShotError::Usage(
                "--for: must be greater than 0".to_owned(),
            )),
            Some(Err(message)) => Err(OneShotError::Usage(format!("--for: {message}"))),
        }
    }
}

/// Why a one-shot operation stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum OneShotError {
    /// The request cannot be carried out as given (exit 2): the message
    /// says why; nothing was done.
    Usage(String),
    /// It failed on the way (exit 1), after saying why.
    Failed,
}

/// The refusal of an injection while chaos is disabled.
pub const DISABLED: &str = "chaos is disabled (CHAOS_ENABLED false or empty, or --enabled false): nothing injected; pass --enabled true to inject anyway";

/// What a target is doing now, for `status` and `status --watch`.
#[derive(Debug, Clone, PartialEq)]
pub struct Look {
    /// One line: `NAME: MODE (...) [where]`.
    pub line: String,
    /// The same as one JSON object.
    pub json: serde_json::Value,
    /// What `status --watch` compares to tell a change.
    pub change_key: String,
}

/// What the one-shot commands ask of one target's backend.
pub trait OneShot {
    /// Where the target's failures take effect.
    fn location(&self) -> Location;

    /// `validate`: prints the lines that say where its failures go and
    /// what that matches now (after the `target NAME` line); `false`, after
    /// an `error:` line, when the configuration would be refused at every
    /// injection.
    fn describe(&self, context: &OneShotContext<'_>) -> bool;

    /// `status`: what the target is doing now (Unix time `now`).
    fn look(&self, context: &OneShotContext<'_>, now: f64) -> Look;

    /// `inject`: applies the failure `request` names once, holds it as
    /// asked and undoes it, saying what it did.
    fn inject(
        &self,
        context: &OneShotContext<'_>,
        request: &InjectRequest<'_>,
    ) -> Result<(), OneShotError>;

    /// `clear`: ends whatever failure is in effect on the target, and
    /// undoes what an engine left behind on it; `false` (after saying why)
    /// when something could not be undone.
    fn clear(&self, context: &OneShotContext<'_>) -> bool;

    /// How long undoing a failure of this target may take at shutdown
    /// (the drain waits that long for it); `None`: no longer than any
    /// write.
    fn undo_time(&self) -> Option<Duration> {
        None
    }

    /// Where repairs are seen without a probe, for `validate`'s `probe:
    /// none (repairs are seen ...)`: the state file, unless a backend
    /// says otherwise.
    fn repairs_seen_in(&self) -> &'static str {
        "the state file"
    }
}
