//! Merging the sources of configuration and validating the result.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::duration::parse_duration;
use super::error::{ConfigError, Origin};
use super::file::{read_targets_file, FileScenario, ParsedFile};
use super::paths::{check_journal, check_state_file, comparable_path_in, StateDirectories};
use super::rate::parse_rate;
use super::setting::{SettingId, SettingValues, Sourced};
use super::size::parse_size;
use super::warning::{self, ConfigWarning};
use super::{
    ConfigInputs, LogFormat, Settings, TargetKind, TargetSettings, DEFAULT_INTERVAL,
    DEFAULT_MIN_INTERVAL, DEFAULT_RECOVERY, DEFAULT_STARTUP_WAIT, DEFAULT_STATE_FILE,
    DEFAULT_TARGET_NAME,
};
use crate::clock::format_duration;
use crate::policy::Policy;
use crate::probe::ProbeSettings;
use crate::scenario::{Catalogue, DelayRange, Scenario, DEFAULT_SLOW_DELAY};

mod coordination;
mod docker;
mod docker_selector;
mod docker_values;
mod responders;

/// Builds validated [`Settings`] from `inputs` (see the module docs of
/// [`super`] for precedence). Reads the targets file and checks the state
/// files' directories; writes nothing.
pub fn load(inputs: &ConfigInputs) -> Result<Settings, ConfigError> {
    let values = &inputs.flags;
    let raw = &values;

    let mut warnings = Vec::new();
    let enabled = match raw.get(SettingId::Enabled) {
        // The original service read an empty CHAOS_ENABLED as false.
        Some(v) if matches!(v.origin, Origin::Env(_)) && v.value.trim().is_empty() => {
            warnings.push(warning::empty_enabled(v.origin));
            false
        }
        Some(v) => parse_bool(&v.value).map_err(|m| ConfigError::new(v.origin, m))?,
        None => true,
    };
    // `--dry-run` is a switch: given, its value is `true`.
    let dry_run = match raw.get(SettingId::DryRun) {
        Some(v) => parse_bool(&v.value).map_err(|m| ConfigError::new(v.origin, m))?,
        None => false,
    };
    let seed = match raw.get(SettingId::Seed) {
        Some(v) => Some(v.value.trim().parse::<u64>().map_err(|_| {
            ConfigError::new(
                v.origin,
                format!(
                    "seed must be a whole number from 0 to 2^64-1, got `{}`",
                    v.value
                ),
            )
        })?),
        None => None,
    };
    let log_format = match raw.get(SettingId::LogFormat) {
        Some(v) => match v.value.trim().to_ascii_lowercase().as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError::new(
                    v.origin,
                    format!("log format must be `text` or `json`, got `{other}`"),
                ))
            }
        },
        None => LogFormat::Text,
    };

    let http = match raw.get(SettingId::Http) {
        Some(v) => Some(
            v.value
                .trim()
                .parse::<std::net::SocketAddr>()
                .map_err(|_| {
                    ConfigError::new(
                        v.origin,
                        format!(
                            "`{}` is not an address and port, e.g. 127.0.0.1:9797 or [::1]:9797",
                            v.value
                        ),
                    )
                })?,
        ),
        None => None,
    };
    let api_token = inputs.api_token.clone();
    let journal = match raw.get(SettingId::Journal) {
        Some(v) => {
            let path = PathBuf::from(&v.value);
            check_journal(&path).map_err(|m| ConfigError::new(v.origin, m))?;
            Some(path)
        }
        None => None,
    };
    let journal_max = match raw.get(SettingId::JournalMax) {
        Some(v) => parse_size(&v.value).map_err(|m| ConfigError::new(v.origin, m))?,
        None => Some(crate::journal::DEFAULT_JOURNAL_MAX),
    };
    let findings_rate = match raw.get(SettingId::FindingsRate) {
        Some(v) => parse_rate(&v.value).map_err(|m| ConfigError::new(v.origin, m))?,
        None => Some(super::DEFAULT_FINDINGS_RATE),
    };

    let ledger_dir = match raw.get(SettingId::LedgerDir) {
        Some(v) if v.value.trim().is_empty() => crate::docker::ledger::default_dir(),
        Some(v) => {
            let dir = PathBuf::from(v.value.trim());
            if !dir.is_absolute() && dir.components().next().is_none() {
                return Err(ConfigError::new(v.origin, "give a directory".to_owned()));
            }
            if dir.exists() && !dir.is_dir() {
                return Err(ConfigError::new(
                    v.origin,
                    format!("{} is not a directory", dir.display()),
                ));
            }
            dir
        }
        None => crate::docker::ledger::default_dir(),
    };

    let targets_path = raw.get(SettingId::Targets);
    let file = match &targets_path {
        Some(path) => Some(read_targets_file(
            Path::new(&path.value),
            path.origin.clone(),
        )?),
        None => None,
    };

    let interval = duration(raw, SettingId::Interval)?;
    let drop_in_interval = raw
        .get(SettingId::Interval)
        .is_some_and(|v| is_drop_in_interval(&v));
    let recovery = duration(raw, SettingId::Recovery)?;
    let startup_wait = duration(raw, SettingId::StartupWait)?;
    let min_interval = duration(raw, SettingId::MinInterval)?;

    let file_value = |value: Option<Duration>, key: &str| {
        value.zip(file.as_ref()).map(|(value, file)| Sourced {
            value,
            origin: file.origin(key),
        })
    };
    let defaults = Defaults {
        interval: interval
            .or_else(|| {
                file_value(
                    file.as_ref().and_then(|f| f.content.defaults.interval),
                    "defaults.interval",
                )
            })
            .unwrap_or(Sourced {
                value: DEFAULT_INTERVAL,
                origin: Origin::BuiltIn("interval"),
            }),
        recovery: recovery
            .or_else(|| {
                file_value(
                    file.as_ref().and_then(|f| f.content.defaults.recovery),
                    "defaults.recovery",
                )
            })
            .unwrap_or(Sourced {
                value: DEFAULT_RECOVERY,
                origin: Origin::BuiltIn("recovery"),
            }),
        startup_wait: startup_wait
            .or_else(|| {
                file_value(
                    file.as_ref().and_then(|f| f.content.defaults.startup_wait),
                    "defaults.startup_wait",
                )
            })
            .unwrap_or(Sourced {
                value: DEFAULT_STARTUP_WAIT,
                origin: Origin::BuiltIn("startup_wait"),
            }),
    };
    let min_interval = min_interval
        .or_else(|| {
            file_value(
                file.as_ref().and_then(|f| f.content.policy.min_interval),
                "policy.min_interval",
            )
        })
        .unwrap_or(Sourced {
            value: DEFAULT_MIN_INTERVAL,
            origin: Origin::BuiltIn("min_interval"),
        });

    let policy = Arc::new(coordination::load_policy(raw, file.as_ref())?);

    let state_file_given = raw.get(SettingId::StateFile);
    let (targets, state_file_selector) = match &file {
        Some(file) => {
            // With a targets file, FAILURE_STATE_FILE from the environment is
            // ignored (the file names every state file); the flag is kept as a
            // target selector for `inject` and `clear`.
            let selector = raw
                .raw(SettingId::StateFile)
                .filter(|v| matches!(v.origin, Origin::Flag(_)))
                .map(|v| PathBuf::from(v.value));
            let docker_policy = docker::load_docker_policy(Some(file))?;
            (
                targets_from_file(file, &defaults, &docker_policy)?,
                selector,
            )
        }
        None => {
            let state_file = state_file_given.unwrap_or(Sourced {
                value: DEFAULT_STATE_FILE.to_owned(),
                origin: Origin::BuiltIn("state_file"),
            });
            let target = RawTarget {
                name: DEFAULT_TARGET_NAME.to_owned(),
                name_origin: Origin::BuiltIn("target name"),
                kind: RawKind::StateFile(Sourced {
                    value: PathBuf::from(&state_file.value),
                    origin: state_file.origin,
                }),
                interval: defaults.interval.clone(),
                recovery: defaults.recovery.clone(),
                startup_wait: defaults.startup_wait.clone(),
                catalogue: Arc::new(Catalogue::default_catalogue()),
                probe: None,
            };
            (vec![target], None)
        }
    };

    let timing_rules = TimingRules {
        min_interval: &min_interval,
        schedule: !inputs.one_shot,
        drop_in_interval,
    };
    let targets = validate_targets(targets, &timing_rules, &policy, inputs, &mut warnings)?;
    let responders = responders::load_responders(inputs, file.as_ref(), http)?;
    Ok(Settings {
        enabled,
        dry_run,
        seed,
        min_interval: min_interval.value,
        log_format,
        http,
        api_token,
        agent_token: responders.agent_token,
        blind: responders.blind,
        journal,
        ledger_dir,
        journal_max,
        findings_rate,
        targets_file: targets_path.map(|p| PathBuf::from(p.value)),
        state_file_selector,
        policy,
        targets,
        warnings,
    })
}

/// Whether the interval was given as the original service read it: a whole
/// number of seconds in `CHAOS_INTERVAL` (not our flag, not our units).
fn is_drop_in_interval(value: &Sourced<String>) -> bool {
    let text = value.value.trim();
    value.origin == Origin::Env(SettingId::Interval.def().env)
        && !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
}

/// The duration given for `id` by a flag or variable, if any.
fn duration(raw: &SettingValues, id: SettingId) -> Result<Option<Sourced<Duration>>, ConfigError> {
    match raw.get(id) {
        Some(v) => parse_duration(&v.value)
            .map(|value| {
                Some(Sourced {
                    value,
                    origin: v.origin.clone(),
                })
            })
            .map_err(|m| ConfigError::new(v.origin, m)),
        None => Ok(None),
    }
}

/// `true/false`, `1/0`, `yes/no`, any case.
pub fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(format!(
            "expected true/false, 1/0 or yes/no, got `{}`",
            text.trim()
        )),
    }
}

/// The defaults every target inherits, with where each came from.
struct Defaults {
    interval: Sourced<Duration>,
    recovery: Sourced<Duration>,
    startup_wait: Sourced<Duration>,
}

/// A target before cross-target validation.
struct RawTarget {
    name: String,
    name_origin: Origin,
    kind: RawKind,
    interval: Sourced<Duration>,
    recovery: Sourced<Duration>,
    startup_wait: Sourced<Duration>,
    catalogue: Arc<Catalogue>,
    probe: Option<ProbeSettings>,
}

/// A state file (with where it was given) or Docker settings.
enum RawKind {
    StateFile(Sourced<PathBuf>),
    Docker(Arc<super::DockerSettings>),
}

fn targets_from_file(
    file: &ParsedFile,
    defaults: &Defaults,
    docker_policy: &crate::docker::DockerPolicy,
) -> Result<Vec<RawTarget>, ConfigError> {
    let content = &file.content;
    if content.targets.is_empty() {
        return Err(ConfigError::new(
            file.origin("targets"),
            "no targets: list at least one (name and state_file)",
        ));
    }
    let default_catalogue = match &content.defaults.scenarios {
        Some(scenarios) => Arc::new(catalogue_from_file(file, "defaults.scenarios", scenarios)?),
        None => Arc::new(Catalogue::default_catalogue()),
    };
    let mut targets = Vec::with_capacity(content.targets.len());
    for (index, target) in content.targets.iter().enumerate() {
        let key = |name: &str| format!("targets[{index}].{name}");
        let sourced = |value: Option<Duration>, name: &str, default: &Sourced<Duration>| match value
        {
            Some(value) => Sourced {
                value,
                origin: file.origin(&key(name)),
            },
            None => default.clone(),
        };
        let catalogue = match &target.scenarios {
            Some(scenarios) => Arc::new(catalogue_from_file(file, &key("scenarios"), scenarios)?),
            None => Arc::clone(&default_catalogue),
        };
        let scenarios_given = match &target.scenarios {
            Some(scenarios) => Some((key("scenarios"), scenarios.as_slice())),
            None => content
                .defaults
                .scenarios
                .as_deref()
                .map(|scenarios| ("defaults.scenarios".to_owned(), scenarios)),
        };
        let kind = match (&target.state_file, &target.docker) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    file.origin(&key("docker")),
                    format!(
                        "target {} has both `state_file` and `docker`: a target is a state file \
                         or containers, not both",
                        target.name
                    ),
                ))
            }
            (None, None) => {
                return Err(ConfigError::new(
                    file.origin(&format!("targets[{index}]")),
                    format!(
                        "target {} needs `state_file` (an app that reads it) or `docker` \
                         (containers to break)",
                        target.name
                    ),
                ))
            }
            (None, Some(docker_section)) => RawKind::Docker(docker::docker_target(
                file,
                index,
                docker_section,
                scenarios_given
                    .as_ref()
                    .map(|(key, scenarios)| (key.as_str(), *scenarios)),
                docker_policy,
            )?),
            (Some(path), None) => {
                if let Some((scenarios_key, scenarios)) = &scenarios_given {
                    docker::no_fault_keys(file, scenarios_key, scenarios)?;
                }
                if path.as_os_str().is_empty() {
                    return Err(ConfigError::new(
                        file.origin(&key("state_file")),
                        "empty path",
                    ));
                }
                let state_file = if path.is_relative() {
                    file.base_dir().join(path)
                } else {
                    path.clone()
                };
                RawKind::StateFile(Sourced {
                    value: state_file,
                    origin: file.origin(&key("state_file")),
                })
            }
        };
        targets.push(RawTarget {
            name: target.name.clone(),
            name_origin: file.origin(&key("name")),
            kind,
            interval: sourced(target.interval, "interval", &defaults.interval),
            recovery: sourced(target.recovery, "recovery", &defaults.recovery),
            startup_wait: sourced(target.startup_wait, "startup_wait", &defaults.startup_wait),
            catalogue,
            probe: match &target.probe {
                Some(probe) => Some(coordination::probe_from_file(file, &key("probe"), probe)?),
                None => None,
            },
        });
    }
    Ok(targets)
}

fn catalogue_from_file(
    file: &ParsedFile,
    key: &str,
    scenarios: &[FileScenario],
) -> Result<Catalogue, ConfigError> {
    let converted = scenarios
        .iter()
        .map(|s| Scenario {
            name: s.name.clone(),
            mode: s.mode.clone(),
            weight: s.weight,
            delay: match &s.delay {
                Some(delay) => Some(DelayRange {
                    min: delay.min,
                    max: delay.max,
                }),
                None if s.mode == chaos_state::modes::SLOW => Some(DEFAULT_SLOW_DELAY),
                None => None,
            },
            category: s.category.clone(),
            fix: s.fix.clone().unwrap_or_default(),
        })
        .collect();
    Catalogue::new(converted).map_err(|err| {
        let at = match (err.index, err.key) {
            (Some(index), Some(field)) => format!("{key}[{index}].{field}"),
            (Some(index), None) => format!("{key}[{index}]"),
            _ => key.to_owned(),
        };
        ConfigError::new(file.origin(&at), err.message)
    })
}

fn validate_targets(
    raw: Vec<RawTarget>,
    rules: &TimingRules<'_>,
    policy: &Arc<Policy>,
    inputs: &ConfigInputs,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Vec<TargetSettings>, ConfigError> {
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut files: HashMap<PathBuf, (usize, PathBuf)> = HashMap::new();
    let mut dirs = StateDirectories::default();
    for (index, target) in raw.iter().enumerate() {
        if target.name.trim().is_empty() || target.name.chars().any(char::is_control) {
            return Err(ConfigError::new(
                target.name_origin.clone(),
                "a target name must be non-empty printable text",
            ));
        }
        if let Some(first) = names.insert(&target.name, index) {
            return Err(ConfigError::new(
                target.name_origin.clone(),
                format!(
                    "duplicate target name {} (also targets[{first}])",
                    target.name
                ),
            ));
        }
        warnings.extend(check_timing(target, rules)?);
        let RawKind::StateFile(state_file) = &target.kind else {
            continue;
        };
        check_state_file(&state_file.value, !inputs.read_only, &mut dirs)
            .map_err(|message| ConfigError::new(state_file.origin.clone(), message))?;
        if let Some((first, first_path)) = files.insert(
            comparable_path_in(&state_file.value, &mut dirs),
            (index, state_file.value.clone()),
        ) {
            return Err(ConfigError::new(
                state_file.origin.clone(),
                format!("same file as targets[{first}] ({})", first_path.display()),
            ));
        }
    }
    // A new, exact-size vector rather than a collect in place, which would
    // keep the larger raw targets' buffer (held until every target starts).
    let mut targets = Vec::with_capacity(raw.len());
    targets.extend(raw.into_iter().map(|t| TargetSettings {
        name: t.name,
        kind: match t.kind {
            RawKind::StateFile(path) => TargetKind::StateFile(path.value),
            RawKind::Docker(docker) => TargetKind::Docker(docker),
        },
        interval: t.interval.value,
        recovery: t.recovery.value,
        startup_wait: t.startup_wait.value,
        catalogue: t.catalogue,
        probe: t.probe.map(Box::new),
        policy: Arc::clone(policy),
    }));
    Ok(targets)
}

/// What a target's interval and recovery are checked against.
struct TimingRules<'a> {
    /// The safety floor, and where it was set.
    min_interval: &'a Sourced<Duration>,
    /// The command keeps a schedule (`run`, `validate`): the interval is
    /// checked too.
    schedule: bool,
    /// `CHAOS_INTERVAL` holds a whole number of seconds, as the original
    /// service read it: an interval taken from it runs whatever the floor
    /// and the recovery, with a warning (the contract's drop-in exception).
    drop_in_interval: bool,
}

/// The recovery must be above 0; with `rules.schedule` (the commands that
/// keep a schedule: `run`, `validate`), the interval too, not below the
/// safety floor and longer than the recovery. A drop-in interval (see
/// [`TimingRules::drop_in_interval`]) breaking the last two gets warnings
/// instead of an error.
fn check_timing(
    target: &RawTarget,
    rules: &TimingRules<'_>,
) -> Result<Vec<ConfigWarning>, ConfigError> {
    let (interval, recovery) = (&target.interval, &target.recovery);
    let min_interval = rules.min_interval;
    if rules.schedule && interval.value.is_zero() {
        return Err(ConfigError::new(
            interval.origin.clone(),
            "interval must be greater than 0",
        ));
    }
    if recovery.value.is_zero() {
        return Err(ConfigError::new(
            recovery.origin.clone(),
            "recovery must be greater than 0",
        ));
    }
    if !rules.schedule {
        return Ok(Vec::new());
    }
    let drop_in =
        rules.drop_in_interval && interval.origin == Origin::Env(SettingId::Interval.def().env);
    let mut warnings = Vec::new();
    if interval.value < min_interval.value {
        if !drop_in {
            return Err(ConfigError::new(
                interval.origin.clone(),
                format!(
                    "interval {} of target {} is below the safety floor min_interval {} (set by {}); \
                     raise the interval or lower the floor (0 turns it off)",
                    format_duration(interval.value),
                    target.name,
                    format_duration(min_interval.value),
                    min_interval.origin.describe()
                ),
            ));
        }
        warnings.push(warning::below_floor(
            interval.origin.clone(),
            &target.name,
            interval.value,
            min_interval.value,
            &min_interval.origin,
        ));
    }
    if recovery.value >= interval.value {
        if !drop_in {
            return Err(ConfigError::new(
                recovery.origin.clone(),
                format!(
                    "recovery {} must be shorter than the interval {} of target {} (interval set by {})",
                    format_duration(recovery.value),
                    format_duration(interval.value),
                    target.name,
                    interval.origin.describe()
                ),
            ));
        }
        warnings.push(warning::waits_after_clear(
            interval.origin.clone(),
            &target.name,
            interval.value,
            recovery.value,
        ));
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests;
