//! Configuration: from flags, environment variables, the targets file and
//! built-in defaults to validated [`Settings`].
//!
//! Precedence: flag > environment variable > targets file > built-in
//! default; flags and variables set the defaults, and a value set on one
//! target in the file wins for that target. Everything is validated here,
//! before any state file is written: once [`load`] returns `Ok`, the engine
//! meets no invalid value. This module reads the file system (the targets
//! file, the state files' directories) but never writes to it.

pub mod duration;
pub mod error;
pub mod file;
mod load;
pub mod locate;
pub mod paths;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::policy::Policy;
use crate::probe::ProbeSettings;
use crate::scenario::Catalogue;

pub use error::{ConfigError, Origin};
pub use load::load;
pub use paths::comparable_path;

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

/// Raw command-line values; `None` (or `false`) when the flag was not given.
#[derive(Debug, Default, Clone)]
pub struct FlagValues {
    /// `--targets`
    pub targets: Option<PathBuf>,
    /// `--state-file`
    pub state_file: Option<PathBuf>,
    /// `--interval`
    pub interval: Option<String>,
    /// `--recovery`
    pub recovery: Option<String>,
    /// `--startup-wait`
    pub startup_wait: Option<String>,
    /// `--min-interval`
    pub min_interval: Option<String>,
    /// `--enabled`
    pub enabled: Option<String>,
    /// `--seed`
    pub seed: Option<String>,
    /// `--dry-run`
    pub dry_run: bool,
    /// `--log-format`
    pub log_format: Option<String>,
    /// `--http`
    pub http: Option<String>,
    /// `--journal`
    pub journal: Option<PathBuf>,
    /// `--max-concurrent-failures`
    pub max_concurrent_failures: Option<String>,
    /// `--jitter`
    pub jitter: Option<String>,
}

/// Everything configuration is computed from, so tests need no process env.
#[derive(Debug, Default, Clone)]
pub struct ConfigInputs {
    /// Command-line values.
    pub flags: FlagValues,
    /// Environment variables; empty values count as unset, except for the
    /// booleans `CHAOS_ENABLED` and `CHAOS_DRY_RUN`, where empty is an error.
    pub env: HashMap<String, String>,
    /// The command only reads state files (`status`, `preview`): skip the
    /// check that their directories are writable.
    pub read_only: bool,
}

impl ConfigInputs {
    /// `flags` plus the process environment.
    pub fn from_process(flags: FlagValues) -> Self {
        ConfigInputs {
            flags,
            env: std::env::vars().collect(),
            read_only: false,
        }
    }
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
    /// The audit journal (JSON lines), if any.
    pub journal: Option<PathBuf>,
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
}

/// One target's effective settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetSettings {
    /// Unique name.
    pub name: String,
    /// The state file the engine writes for this target.
    pub state_file: PathBuf,
    /// Start-to-start time between injections; > recovery, >= min_interval.
    pub interval: Duration,
    /// Time a failure lasts; > 0 and < interval.
    pub recovery: Duration,
    /// Wait before the first injection; may be 0.
    pub startup_wait: Duration,
    /// What this target picks from; shared (not copied) between targets
    /// that use the same list, and with their pick streams.
    pub catalogue: Arc<Catalogue>,
    /// How to tell whether the target is healthy, if configured.
    pub probe: Option<ProbeSettings>,
    /// The engine-wide coordination policy (one shared copy).
    pub policy: Arc<Policy>,
}

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
