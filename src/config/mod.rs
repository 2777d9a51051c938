//! Configuration: from flags, environment variables, the targets file and
//! built-in defaults to validated [`Settings`].
//!
//! Precedence: flag > environment variable > targets file > built-in
//! default; flags and variables set the defaults, and a value set on one
//! target in the file wins for that target. Everything is validated here,
//! before any state file is written: once [`load`] returns `Ok`, the engine
//! meets no invalid value. This module reads the file system (the targets
//! file, the state files' directories) but never writes to it.

pub mod file;
mod load;
pub mod locate;
pub mod paths;
pub mod rate;
pub mod setting;
mod target_kind;
pub mod warning;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::policy::Policy;
use crate::probe::ProbeSettings;
use crate::scenario::Catalogue;

// The error type and the durations live in `input`, below the backends'
// own configuration (`docker::config`); their paths under `config` stay.
pub use crate::docker::config::DockerSettings;
pub use crate::input::{duration, error};
pub use error::{ConfigError, Origin};
pub use load::load;
pub use paths::comparable_path;
pub use setting::{SettingId, SettingValues, Source, Sourced};
pub use target_kind::TargetKind;
pub use warning::ConfigWarning;

/// The state file of the single target when nothing else is configured.
pub const DEFAULT_STATE_FILE: &str = "/tmp/failure_state.json";
/// The name of the single target when no targets file is given.
pub const DEFAULT_TARGET_NAME: &str = "target-app";
/// Built-in start-to-start time between injections.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(180);
/// Built-in time a failure lasts.
pub const DEFAULT_RECOVERY: Duration = Duration::from_secs(30);
/// Built-in wait before the first injection.
pub const DEFAULT_STARTUP_WAIT: Duration = Duration::from_secs(60);
/// Built-in safety floor under every interval.
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(60);

/// Built-in limit of `POST /findings` per responder: 20 at once, then 10 a
/// second (a real responder posts a handful per incident).
pub const DEFAULT_FINDINGS_RATE: rate::Rate = rate::Rate {
    count: 20,
    per: Duration::from_secs(2),
};
/// [`DEFAULT_FINDINGS_RATE`] as `--help` shows it.
pub const DEFAULT_FINDINGS_RATE_TEXT: &str = "20/2s";
/// [`crate::journal::DEFAULT_JOURNAL_MAX`] as `--help` shows it.
pub const DEFAULT_JOURNAL_MAX_TEXT: &str = "64MiB";

/// Everything configuration is computed from, so tests need no process env.
#[derive(Debug, Default, Clone)]
pub struct ConfigInputs {
    /// What the command line gave: flags and their environment variables,
    /// each with its origin (see [`setting`]).
    pub flags: SettingValues,
    /// `CHAOS_API_TOKEN` (no flag: a token on the command line would show
    /// in `ps`); empty counts as unset.
    pub api_token: Option<String>,
    /// `CHAOS_AGENT_TOKEN` (environment only, like `api_token`): the token
    /// responders use for `POST /findings`; empty counts as unset.
    pub agent_token: Option<String>,
    /// The command only reads state files (`status`, `preview`): skip the
    /// check that their directories are writable.
    pub read_only: bool,
    /// The command acts once and keeps no schedule (`inject`, `clear`,
    /// `status`, `preview`): it takes none of the flags that set the
    /// interval, so the schedule's checks (an interval above 0, not below
    /// `min_interval`, longer than the recovery) are left to `run` and
    /// `validate`. The recovery must still be above 0.
    pub one_shot: bool,
}

impl ConfigInputs {
    /// `flags` plus `CHAOS_API_TOKEN` and `CHAOS_AGENT_TOKEN` from the
    /// process environment.
    pub fn from_process(flags: SettingValues) -> Self {
        ConfigInputs {
            flags,
            api_token: token_from_env("CHAOS_API_TOKEN"),
            agent_token: token_from_env("CHAOS_AGENT_TOKEN"),
            read_only: false,
            one_shot: false,
        }
    }
}

/// The variable `name`, unless unset, empty or not UTF-8.
fn token_from_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|token| !token.is_empty())
}

/// How log lines are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines with structured fields (the default).
    Text,
    /// One JSON object per line.
    Json,
}

/// The validated configuration of one run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// False: targets are written healthy and nothing is ever injected.
    pub enabled: bool,
    /// True: injections are only logged; only healthy states are written.
    pub dry_run: bool,
    /// The run seed, if one was given; otherwise `run` draws one and logs it.
    pub seed: Option<u64>,
    /// The safety floor every interval was checked against.
    pub min_interval: Duration,
    /// Text or JSON logs.
    pub log_format: LogFormat,
    /// Where the HTTP control API listens; `None`: no API.
    pub http: Option<std::net::SocketAddr>,
    /// `CHAOS_API_TOKEN`: the bearer token every POST must carry.
    pub api_token: Option<String>,
    /// `CHAOS_AGENT_TOKEN`: the bearer token responders post findings with
    /// (never printed; it differs from `api_token`).
    pub agent_token: Option<String>,
    /// Blind mode (`policy.blind`, or on because `agent_token` is set):
    /// every read that reveals the active failure needs `api_token`.
    pub blind: bool,
    /// The audit journal (JSON lines), if any.
    pub journal: Option<PathBuf>,
    /// The fault ledger's directory (see `crate::docker::ledger`).
    pub ledger_dir: PathBuf,
    /// The journal's size cap (`--journal-max`), bytes; `None`: no cap.
    pub journal_max: Option<u64>,
    /// The limit of `POST /findings` per responder (`--findings-rate`);
    /// `None`: no limit.
    pub findings_rate: Option<rate::Rate>,
    /// The targets file, when the targets came from one.
    pub targets_file: Option<PathBuf>,
    /// `--state-file` given together with `--targets`: `inject` and `clear`
    /// use it to choose a target; other commands reject it.
    pub state_file_selector: Option<PathBuf>,
    /// Coordination across targets (cap, jitter, backoff); every target
    /// holds the same copy.
    pub policy: Arc<Policy>,
    /// At least one target, unique names and state files.
    pub targets: Vec<TargetSettings>,
    /// Values accepted with a caveat (see [`warning`]), for the command to
    /// log or print.
    pub warnings: Vec<ConfigWarning>,
}

/// One target's effective settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetSettings {
    /// Unique name.
    pub name: String,
    /// A state file, or containers.
    pub kind: TargetKind,
    /// Start-to-start time between injections; > recovery, >= min_interval,
    /// except for a drop-in `CHAOS_INTERVAL` (see [`warning`]): not longer
    /// than the recovery, it is waited after each clear instead.
    pub interval: Duration,
    /// Time a failure lasts; > 0 (and < interval, but for a drop-in
    /// `CHAOS_INTERVAL`).
    pub recovery: Duration,
    /// Wait before the first injection; may be 0.
    pub startup_wait: Duration,
    /// What this target picks from; shared (not copied) between targets
    /// that use the same list, and with their pick streams.
    pub catalogue: Arc<Catalogue>,
    /// How to tell whether the target is healthy, if configured.
    /// (Boxed: most targets have none, and every target's settings carry
    /// the field.)
    pub probe: Option<Box<ProbeSettings>>,
    /// The engine-wide coordination policy (one shared copy).
    pub policy: Arc<Policy>,
}

// `state_file()` and `docker()`, which read the kind, are with
// [`TargetKind`] in `target_kind`.
impl TargetSettings {
    /// Equal apart from the engine-wide policy, which a reload hands to a
    /// running target without touching its schedule.
    pub fn same_except_policy(&self, other: &TargetSettings) -> bool {
        let mut other = other.clone();
        other.policy = Arc::clone(&self.policy);
        *self == other
    }
}

impl Settings {
    /// The target called `name`.
    pub fn target(&self, name: &str) -> Option<&TargetSettings> {
        self.targets.iter().find(|t| t.name == name)
    }
}
