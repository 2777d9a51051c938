//! The targets file (`targets.yaml`) as written, before validation.
//!
//! Unknown and duplicate keys are rejected by serde (`deny_unknown_fields`
//! and derived duplicate-field checks); errors carry the key path and the
//! line and column. Semantic checks live in [`super::load`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::duration::deserialize_optional;
use super::error::{ConfigError, Origin};
use super::locate::KeyLocations;
use crate::input::KeyOrigins;

// The Docker keys are the Docker backend's (`docker::config::file`).
pub use crate::docker::config::file::{
    FileDocker, FileDockerPolicy, FileNetwork, NumberOrText, ScenarioKeys,
};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetsFile {
    /// Values every target inherits unless it sets its own.
    #[serde(default)]
    pub defaults: FileDefaults,
    /// Engine-wide safety settings.
    #[serde(default)]
    pub policy: FilePolicy,
    /// The targets; at least one.
    pub targets: Vec<FileTarget>,
}

/// `defaults:`; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDefaults {
    /// Start-to-start time between injections.
    #[serde(default, deserialize_with = "deserialize_optional")]
    pub interval: Option<Duration>,
    /// How long a failure lasts.
    #[serde(default, deserialize_with = "deserialize_optional")]
    pub recovery: Option<Duration>,
    /// Wait before the first injection.
    #[serde(default, deserialize_with = "deserialize_optional")]
    pub startup_wait: Option<Duration>,
    /// Replaces the built-in catalogue.
    pub scenarios: Option<Vec<FileScenario>>,
}

/// `policy:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilePolicy {
    /// The safety floor under every interval; 0 turns it off.
    #[serde(default, deserialize_with = "deserialize_optional")]
    pub min_interval: Option<Duration>,
    /// A cap on failures active at once across all targets.
    pub max_concurrent_failures: Option<u32>,
    /// `wait` or `skip`: what a target does when the cap is reached.
    pub when_capped: Option<String>,
    /// A random fraction (0 to 1) added to each interval.
    pub jitter: Option<f64>,
    /// The fraction (0 to 1) of scheduled cycles that are control windows.
    pub control_rate: Option<f64>,
    /// Stretch intervals while many failures are active.
    pub backoff: Option<FileBackoff>,
    /// When chaos is allowed: weekday/hour windows and blackouts.
    pub windows: Option<crate::windows::FileWindows>,
    /// Settings of Docker targets (the network helper's image).
    pub docker: Option<FileDockerPolicy>,
    /// Settings of Swarm targets (the Engines of the other nodes).
    pub swarm: Option<crate::swarm::config::FileSwarmPolicy>,
    /// Blind mode: only the control token reads the active failure
    /// (on by default when `CHAOS_AGENT_TOKEN` is set).
    pub blind: Option<bool>,
}

/// `policy.backoff: { above: 2, factor: 2 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileBackoff {
    /// Stressed: more than this many failures active.
    pub above: u32,
    /// Interval multiplier while stressed; defaults to 2.
    pub factor: Option<f64>,
}

/// `probe: { url: ..., timeout: 1s, expect_status: 200, period: 1s }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileProbe {
    /// An `http://` URL the target answers when healthy.
    pub url: String,
    /// Longer than this is unhealthy.
    #[serde(default, deserialize_with = "deserialize_optional")]
    pub timeout: Option<Duration>,
    /// The status a healthy target answers.
    pub expect_status: Option<u16>,
    /// Time between probes (the service's health, at any time).
    #[serde(default, deserialize_with = "deserialize_optional")]
    pub period: Option<Duration>,
}

/// One entry of `targets:`; any `defaults` key may be set here too.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileTarget {
    /// Unique name, used in logs and state files.
    pub name: String,
    /// The state file this target's app reads. Relative paths are relative
    /// to the targets file's directory. A target has this or `docker`.
    pub state_file: Option<PathBuf>,
    /// The containers this target is made of (a Docker target).
    pub docker: Option<FileDocker>,
    /// The Swarm service whose tasks this target breaks (a Swarm target).
    pub swarm: Option<crate::swarm::config::FileSwarm>,
    /// Overrides `defaults.interval`.
    #[serde(default, deserialize_with = "deserialize_optional")]
    pub interval: Option<Duration>,
    /// Overrides `defaults.recovery`.
    #[serde(default, deserialize_with = "deserialize_optional")]
    pub recovery: Option<Duration>,
    /// Overrides `defaults.startup_wait`.
    #[serde(default, deserialize_with = "deserialize_optional")]
    pub startup_wait: Option<Duration>,
    /// Overrides `defaults.scenarios`.
    pub scenarios: Option<Vec<FileScenario>>,
    /// How to tell whether this target is healthy (optional).
    pub probe: Option<FileProbe>,
}

/// One scenario.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileScenario {
    /// Name shown in logs, e.g. `SLOWDOWN`.
    pub name: String,
    /// Mode written to the state file.
    pub mode: String,
    /// Relative weight.
    pub weight: f64,
    /// Inclusive delay range in whole seconds; defaults to 10..=30 for `slow`.
    pub delay: Option<FileDelay>,
    /// What kind of incident it is (`availability`, `latency`, ...): ground
    /// truth for scoring responders.
    pub category: Option<String>,
    /// The accepted remedies (`[restart]`), for scoring responders.
    pub fix: Option<Vec<String>>,
    /// Docker `kill`: the signal sent (default `SIGKILL`).
    pub signal: Option<String>,
    /// Docker `stop`: the time to exit before SIGKILL (default 10 s).
    #[serde(default, deserialize_with = "deserialize_optional")]
    pub grace: Option<Duration>,
    /// Docker `network`: what to degrade.
    pub network: Option<FileNetwork>,
    /// Docker `partition`: cut off only these (containers, Compose
    /// services, IP addresses or CIDR blocks); absent: everything.
    pub peers: Option<Vec<String>>,
    /// Swarm `scale`: the replicas the service is scaled to (default 0).
    pub replicas: Option<u64>,
}

impl FileScenario {
    /// The keys the Docker checks read (`docker::config`).
    pub fn docker_keys(&self) -> ScenarioKeys<'_> {
        ScenarioKeys {
            name: &self.name,
            mode: &self.mode,
            has_delay: self.delay.is_some(),
            signal: self.signal.as_deref(),
            grace: self.grace,
            network: self.network.as_ref(),
            peers: self.peers.as_deref(),
        }
    }

    /// The keys the Swarm checks read (`swarm::config`).
    pub fn swarm_keys(&self) -> crate::swarm::config::SwarmScenarioKeys<'_> {
        crate::swarm::config::SwarmScenarioKeys {
            docker: self.docker_keys(),
            replicas: self.replicas,
        }
    }
}

/// `delay: { min: 10, max: 30 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDelay {
    /// Smallest delay, seconds.
    pub min: u64,
    /// Largest delay, seconds, inclusive.
    pub max: u64,
}

/// A parsed targets file with the positions of its keys.
#[derive(Debug)]
pub struct ParsedFile {
    /// The file as the user named it (used in error messages).
    pub path: PathBuf,
    /// The parsed content.
    pub content: TargetsFile,
    /// Where each key is.
    pub locations: KeyLocations,
}

impl ParsedFile {
    /// The origin of `key` in this file, with its line and column if known.
    pub fn origin(&self, key: &str) -> Origin {
        let position = self.locations.get(key);
        Origin::File {
            file: self.path.clone(),
            line: position.map(|p| p.0),
            column: position.map(|p| p.1),
            key: key.to_owned(),
        }
    }

    /// The directory relative state files are resolved against.
    pub fn base_dir(&self) -> &Path {
        match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        }
    }
}

impl KeyOrigins for ParsedFile {
    fn origin(&self, key: &str) -> Origin {
        ParsedFile::origin(self, key)
    }

    fn base_dir(&self) -> &Path {
        ParsedFile::base_dir(self)
    }
}

/// Reads and parses the targets file at `path`. `origin` names where the
/// path came from, for the error when the file cannot be read.
pub fn read_targets_file(path: &Path, origin: Origin) -> Result<ParsedFile, ConfigError> {
    let cannot_read = |why: String| {
        ConfigError::new(
            origin.clone(),
            format!("cannot read {}: {why}", path.display()),
        )
    };
    // Looked at before it is opened: a FIFO would block the open, and the
    // parser's cost grows faster than the file.
    let meta = std::fs::metadata(path).map_err(|err| cannot_read(err.to_string()))?;
    if !meta.is_file() {
        return Err(cannot_read(format!(
            "it is {}, not a regular file",
            chaos_state::file_kind::describe(meta.file_type())
        )));
    }
    if meta.len() > MAX_TARGETS_FILE_BYTES {
        return Err(cannot_read(format!(
            "it is {} bytes, more than the {} MiB a targets file may have",
            meta.len(),
            MAX_TARGETS_FILE_BYTES >> 20
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|err| cannot_read(err.to_string()))?;
    parse_targets_file(path, &text)
}

/// The largest targets file read: 10,000 targets with probes take about
/// 2 MiB.
pub const MAX_TARGETS_FILE_BYTES: u64 = 16 << 20;

/// The deepest nesting of flow collections (`[...]`, `{...}`) parsed. The
/// schema needs 3; the YAML scanner's cost grows with the square of it.
pub const MAX_FLOW_DEPTH: usize = 32;

/// The deepest nesting of `[` and `{` outside quotes and comments, with
/// the line and column where it first passes [`MAX_FLOW_DEPTH`]. A rough
/// scan, made before the parser sees the text.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    for (line_index, line) in text.lines().enumerate() {
        let mut quote: Option<char> = None;
        let mut previous = ' ';
        for (column, c) in line.chars().enumerate() {
            match (quote, c) {
                (Some('"'), '"') if previous != '\\' => quote = None,
                (Some('\''), '\'') => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') if previous.is_whitespace() => break,
                (None, '[' | '{') => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Some((line_index + 1, column + 1));
                    }
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            previous = c;
        }
    }
    None
}

/// Parses targets-file text; `path` is only used in messages.
pub fn parse_targets_file(path: &Path, text: &str) -> Result<ParsedFile, ConfigError> {
    if let Some((line, column)) = too_deep(text) {
        return Err(ConfigError::new(
            Origin::File {
                file: path.to_owned(),
                line: Some(line),
                column: Some(column),
                key: String::new(),
            },
            format!("collections nested more than {MAX_FLOW_DEPTH} deep"),
        ));
    }
    let locations = KeyLocations::index(text);
    // Every mapping in this schema is a struct, so a repeated key is always
    // an error; report it where the repetition is.
    if let Some((key, (line, column))) = locations.first_duplicate() {
        let name = key.rsplit('.').next().unwrap_or(key);
        return Err(ConfigError::new(
            Origin::File {
                file: path.to_owned(),
                line: Some(line),
                column: Some(column),
                key: key.to_owned(),
            },
            format!("duplicate key `{name}` (each key may appear once)"),
        ));
    }
    let deserializer = yaml_serde::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, TargetsFile>(deserializer) {
        Ok(content) => Ok(ParsedFile {
            path: path.to_owned(),
            content,
            locations,
        }),
        Err(err) => {
            let key = err.path().to_string();
            let key = if key == "." { String::new() } else { key };
            let inner = err.into_inner();
            let location = inner.location();
            let mut message = inner.to_string();
            if let Some(at) = &location {
                // The position is already in front of the message.
                let position = format!(" at line {} column {}", at.line(), at.column());
                message = message.replacen(&position, "", 1);
            }
            // yaml_serde prefixes the path of the enclosing value; the key
            // path in front of the message already says it.
            if let Some((head, rest)) = message.split_once(": ") {
                if !head.contains(' ') && key.starts_with(head) {
                    message = rest.to_owned();
                }
            }
            Err(ConfigError::new(
                Origin::File {
                    file: path.to_owned(),
                    line: location.as_ref().map(|at| at.line()),
                    column: location.as_ref().map(|at| at.column()),
                    key,
                },
                message,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> String {
        parse_targets_file(Path::new("targets.yaml"), text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn parses_the_contract_example() {
        let text = "\
defaults:
  interval: 180s
  recovery: 30s
  startup_wait: 60s
  scenarios:
    - { name: CRASH, mode: crash, weight: 0.30 }
    - { name: SLOWDOWN, mode: slow, weight: 0.40, delay: { min: 10, max: 30 } }
    - { name: CONFIG_ERROR, mode: config_error, weight: 0.30 }
policy:
  min_interval: 60s
targets:
  - name: target-app
    state_file: /tmp/failure_state.json
  - name: target-db
    state_file: /tmp/db_failure_state.json
    interval: 300s
    scenarios:
      - { name: NETWORK_PARTITION, mode: network_partition, weight: 1 }
";
        let parsed = parse_targets_file(Path::new("targets.yaml"), text).unwrap();
        let file = &parsed.content;
        assert_eq!(file.defaults.interval, Some(Duration::from_secs(180)));
        assert_eq!(file.policy.min_interval, Some(Duration::from_secs(60)));
        assert_eq!(file.targets.len(), 2);
        assert_eq!(file.targets[1].interval, Some(Duration::from_secs(300)));
        assert!(file.targets[0].docker.is_none());
        assert_eq!(
            file.defaults.scenarios.as_ref().unwrap()[1]
                .delay
                .as_ref()
                .unwrap()
                .max,
            30
        );
        assert_eq!(
            parsed.origin("targets[1].interval").to_string(),
            "targets.yaml:16:5: targets[1].interval"
        );
    }

    #[test]
    fn unknown_key_names_path_line_and_column() {
        let err = error_of("targets:\n  - name: a\n    state_file: /tmp/a\n    intervl: 5\n");
        assert!(
            err.starts_with("targets.yaml:4:5: targets[0].intervl: unknown field `intervl`"),
            "{err}"
        );
    }

    #[test]
    fn duplicate_key_is_rejected() {
        let err = error_of("targets:\n  - name: a\n    name: b\n    state_file: /tmp/a\n");
        assert_eq!(
            err,
            "targets.yaml:3:5: targets[0].name: duplicate key `name` (each key may appear once)"
        );
    }

    #[test]
    fn bad_duration_is_located() {
        let err = error_of("defaults:\n  interval: soon\ntargets: []\n");
        assert!(
            err.starts_with("targets.yaml:2:13: defaults.interval: invalid duration `soon`"),
            "{err}"
        );
    }

    #[test]
    fn missing_targets_and_syntax_errors() {
        assert!(error_of("defaults: {}\n").contains("missing field `targets`"));
        let err = error_of("targets:\n  - name: [unclosed\n");
        assert!(err.starts_with("targets.yaml:"), "{err}");
    }
}
