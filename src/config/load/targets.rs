//! The targets before cross-target validation: every `targets[i]` of the
//! targets file (its kind, read by `config::target_kind`, its timing
//! inherited from the defaults, its scenario catalogue and probe), or,
//! without a file, the single target the flags and variables describe.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::chain::Chain;
use super::coordination::probe_from_file;
use super::timing::Defaults;
use crate::config::error::{ConfigError, Origin};
use crate::config::file::{FileScenario, FileTarget, ParsedFile};
use crate::config::setting::{SettingId, SettingValues, Sourced};
use crate::config::target_kind::{KindKeys, KindPolicies, RawKind};
use crate::config::{DEFAULT_STATE_FILE, DEFAULT_TARGET_NAME};
use crate::probe::ProbeSettings;
use crate::scenario::{Catalogue, DelayRange, Scenario, DEFAULT_SLOW_DELAY};

/// A target before cross-target validation.
pub(super) struct RawTarget {
    /// Its name.
    pub(super) name: String,
    /// Where the name was given.
    pub(super) name_origin: Origin,
    /// What it is made of.
    pub(super) kind: RawKind,
    /// Its interval, with where it was set.
    pub(super) interval: Sourced<Duration>,
    /// Its recovery, with where it was set.
    pub(super) recovery: Sourced<Duration>,
    /// Its startup wait, with where it was set.
    pub(super) startup_wait: Sourced<Duration>,
    /// The scenarios it picks from.
    pub(super) catalogue: Arc<Catalogue>,
    /// Its health probe, if any.
    pub(super) probe: Option<ProbeSettings>,
}

/// The targets, and the `--state-file` kept as a target selector for
/// `inject` and `clear` when a targets file names the state files.
pub(super) type RawTargets = (Vec<RawTarget>, Option<PathBuf>);

/// The targets of `file`, or without one the single target of `values`.
pub(super) fn raw_targets(
    values: &SettingValues,
    file: Option<&ParsedFile>,
    defaults: &Defaults,
) -> Result<RawTargets, ConfigError> {
    let Some(file) = file else {
        return Ok((vec![single_target(values, defaults)?], None));
    };
    // With a targets file, FAILURE_STATE_FILE from the environment is
    // ignored (the file names every state file); the flag is kept as a
    // target selector for `inject` and `clear`.
    let selector = values
        .raw(SettingId::StateFile)
        .filter(|v| matches!(v.origin, Origin::Flag(_)))
        .map(|v| PathBuf::from(v.value));
    let policies = KindPolicies::load(file)?;
    Ok((targets_from_file(file, defaults, &policies)?, selector))
}

/// The one target without a targets file: `target-app` on the state file
/// of `--state-file` / `FAILURE_STATE_FILE` or the built-in one.
fn single_target(values: &SettingValues, defaults: &Defaults) -> Result<RawTarget, ConfigError> {
    let state_file = Chain::given(values, SettingId::StateFile, |text| Ok(PathBuf::from(text)))?
        .or_built_in(PathBuf::from(DEFAULT_STATE_FILE), "state_file");
    Ok(RawTarget {
        name: DEFAULT_TARGET_NAME.to_owned(),
        name_origin: Origin::BuiltIn("target name"),
        kind: RawKind::StateFile(state_file),
        interval: defaults.interval.clone(),
        recovery: defaults.recovery.clone(),
        startup_wait: defaults.startup_wait.clone(),
        catalogue: Arc::new(Catalogue::default_catalogue()),
        probe: None,
    })
}

/// Every `targets[i]` of `file`, each inheriting `defaults`.
fn targets_from_file(
    file: &ParsedFile,
    defaults: &Defaults,
    policies: &KindPolicies,
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
        let at = FileTargetAt {
            file,
            index,
            target,
        };
        targets.push(at.raw_target(defaults, &default_catalogue, policies)?);
    }
    Ok(targets)
}

/// `targets[index]` of `file`.
struct FileTargetAt<'a> {
    /// The targets file.
    file: &'a ParsedFile,
    /// The target's place in `targets`.
    index: usize,
    /// The target as parsed.
    target: &'a FileTarget,
}

impl FileTargetAt<'_> {
    /// The key path of `name` in this target, e.g. `targets[1].interval`.
    fn key(&self, name: &str) -> String {
        format!("targets[{}].{name}", self.index)
    }

    /// The target, its timing inherited from `defaults` where it sets none.
    fn raw_target(
        &self,
        defaults: &Defaults,
        default_catalogue: &Arc<Catalogue>,
        policies: &KindPolicies,
    ) -> Result<RawTarget, ConfigError> {
        let (file, target) = (self.file, self.target);
        let timing = |value: Option<Duration>, name: &str, default: &Sourced<Duration>| {
            Chain::file_only()
                .or_file(Some(file), &self.key(name), |_| value)
                .or_inherited(default)
        };
        let catalogue = match &target.scenarios {
            Some(scenarios) => Arc::new(catalogue_from_file(
                file,
                &self.key("scenarios"),
                scenarios,
            )?),
            None => Arc::clone(default_catalogue),
        };
        Ok(RawTarget {
            name: target.name.clone(),
            name_origin: file.origin(&self.key("name")),
            kind: KindKeys {
                file,
                index: self.index,
                target,
                scenarios_given: self.scenarios_given(),
                policies,
            }
            .read()?,
            interval: timing(target.interval, "interval", &defaults.interval),
            recovery: timing(target.recovery, "recovery", &defaults.recovery),
            startup_wait: timing(target.startup_wait, "startup_wait", &defaults.startup_wait),
            catalogue,
            probe: match &target.probe {
                Some(probe) => Some(probe_from_file(file, &self.key("probe"), probe)?),
                None => None,
            },
        })
    }

    /// The scenarios this target picks from, with the key they were given
    /// at: its own, else `defaults.scenarios`, else none (the built-in set).
    fn scenarios_given(&self) -> Option<(String, &[FileScenario])> {
        match &self.target.scenarios {
            Some(scenarios) => Some((self.key("scenarios"), scenarios.as_slice())),
            None => self
                .file
                .content
                .defaults
                .scenarios
                .as_deref()
                .map(|scenarios| ("defaults.scenarios".to_owned(), scenarios)),
        }
    }
}

/// The scenario catalogue given at `key` (e.g. `defaults.scenarios`), with
/// errors at the offending scenario or field.
fn catalogue_from_file(
    file: &ParsedFile,
    key: &str,
    scenarios: &[FileScenario],
) -> Result<Catalogue, ConfigError> {
    let converted = scenarios.iter().map(scenario_from_file).collect();
    Catalogue::new(converted).map_err(|err| {
        let at = match (err.index, err.key) {
            (Some(index), Some(field)) => format!("{key}[{index}].{field}"),
            (Some(index), None) => format!("{key}[{index}]"),
            _ => key.to_owned(),
        };
        ConfigError::new(file.origin(&at), err.message)
    })
}

/// One scenario of the file; `slow` without a delay gets the default one.
fn scenario_from_file(s: &FileScenario) -> Scenario {
    Scenario {
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
    }
}
