//! The kinds of target a configuration may name, and how each is read from
//! its targets-file keys: the one file of config a new backend adds its
//! kind to (besides its key on `FileTarget` in [`super::file`], and the
//! backend it picks in `crate::registry`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::ConfigError;
use super::file::{FileScenario, FileTarget, ParsedFile};
use super::setting::Sourced;
use super::{DockerSettings, TargetSettings};
use crate::docker::config::{self as docker, ScenarioKeys, TargetAt};
use crate::docker::DockerPolicy;

/// How a target's failures take effect.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetKind {
    /// The target's app reads a state file the engine writes.
    StateFile(PathBuf),
    /// Faults are applied to the target's containers through the Docker
    /// Engine API.
    Docker(Arc<DockerSettings>),
}

impl TargetKind {
    /// The state file the engine writes, for a state-file target.
    pub fn state_file(&self) -> Option<&Path> {
        match self {
            TargetKind::StateFile(path) => Some(path),
            TargetKind::Docker(_) => None,
        }
    }

    /// The Docker settings, for a Docker target.
    pub fn docker(&self) -> Option<&DockerSettings> {
        match self {
            TargetKind::StateFile(_) => None,
            TargetKind::Docker(docker) => Some(docker),
        }
    }
}

impl TargetSettings {
    /// The state file the engine writes, for a state-file target.
    pub fn state_file(&self) -> Option<&Path> {
        self.kind.state_file()
    }

    /// The Docker settings, for a Docker target.
    pub fn docker(&self) -> Option<&DockerSettings> {
        self.kind.docker()
    }
}

/// A target's kind before cross-target validation: a state file (with
/// where it was given) or Docker settings.
pub(super) enum RawKind {
    /// An app that reads this state file.
    StateFile(Sourced<PathBuf>),
    /// Containers to break.
    Docker(Arc<DockerSettings>),
}

impl RawKind {
    /// The state file, with where it was given, for a state-file target
    /// (checked across targets: usable, and not shared).
    pub(super) fn state_file(&self) -> Option<&Sourced<PathBuf>> {
        match self {
            RawKind::StateFile(state_file) => Some(state_file),
            RawKind::Docker(_) => None,
        }
    }

    /// The validated kind.
    pub(super) fn into_kind(self) -> TargetKind {
        match self {
            RawKind::StateFile(path) => TargetKind::StateFile(path.value),
            RawKind::Docker(docker) => TargetKind::Docker(docker),
        }
    }
}

/// The engine-wide settings of the kinds, read once per targets file
/// (`policy.docker`).
pub(super) struct KindPolicies {
    /// `policy.docker`, or its built-in default.
    docker: DockerPolicy,
}

impl KindPolicies {
    /// The kinds' keys under `policy` in `file`.
    pub(super) fn load(file: &ParsedFile) -> Result<Self, ConfigError> {
        Ok(KindPolicies {
            docker: docker::load_docker_policy(file, file.content.policy.docker.as_ref())?,
        })
    }
}

/// What reading the kind of `targets[index]` of a targets file needs.
pub(super) struct KindKeys<'a> {
    /// The targets file.
    pub(super) file: &'a ParsedFile,
    /// The target's place in `targets`.
    pub(super) index: usize,
    /// The target as parsed.
    pub(super) target: &'a FileTarget,
    /// The scenarios the target picks from, with the key they were given
    /// at (its own or `defaults.scenarios`); `None`: the built-in set.
    pub(super) scenarios_given: Option<(String, &'a [FileScenario])>,
    /// The kinds' engine-wide settings.
    pub(super) policies: &'a KindPolicies,
}

impl KindKeys<'_> {
    /// The key path of `name` in this target, e.g. `targets[1].docker`.
    fn key(&self, name: &str) -> String {
        format!("targets[{}].{name}", self.index)
    }

    /// A state file or containers: exactly one of `state_file` and `docker`.
    pub(super) fn read(&self) -> Result<RawKind, ConfigError> {
        let (file, target) = (self.file, self.target);
        match (&target.state_file, &target.docker) {
            (Some(_), Some(_)) => Err(ConfigError::new(
                file.origin(&self.key("docker")),
                format!(
                    "target {} has both `state_file` and `docker`: a target is a state file \
                     or containers, not both",
                    target.name
                ),
            )),
            (None, None) => Err(ConfigError::new(
                file.origin(&format!("targets[{}]", self.index)),
                format!(
                    "target {} needs `state_file` (an app that reads it) or `docker` \
                     (containers to break)",
                    target.name
                ),
            )),
            (None, Some(docker_section)) => {
                let scenario_keys = self
                    .scenarios_given
                    .as_ref()
                    .map(|(key, scenarios)| (key.as_str(), scenario_keys(scenarios)));
                Ok(RawKind::Docker(docker::docker_target(
                    file,
                    TargetAt {
                        index: self.index,
                        name: &target.name,
                    },
                    docker_section,
                    scenario_keys
                        .as_ref()
                        .map(|(key, scenarios)| (*key, scenarios.as_slice())),
                    &self.policies.docker,
                )?))
            }
            (Some(path), None) => self.state_file(path),
        }
    }

    /// A state-file target at `path` (relative to the targets file's
    /// directory), whose scenarios must not have Docker fault keys.
    fn state_file(&self, path: &Path) -> Result<RawKind, ConfigError> {
        let file = self.file;
        if let Some((scenarios_key, scenarios)) = &self.scenarios_given {
            docker::no_fault_keys(file, scenarios_key, &scenario_keys(scenarios))?;
        }
        if path.as_os_str().is_empty() {
            return Err(ConfigError::new(
                file.origin(&self.key("state_file")),
                "empty path",
            ));
        }
        let state_file = if path.is_relative() {
            file.base_dir().join(path)
        } else {
            path.to_path_buf()
        };
        Ok(RawKind::StateFile(Sourced {
            value: state_file,
            origin: file.origin(&self.key("state_file")),
        }))
    }
}

/// The keys of `scenarios` the Docker checks read.
fn scenario_keys(scenarios: &[FileScenario]) -> Vec<ScenarioKeys<'_>> {
    scenarios.iter().map(FileScenario::docker_keys).collect()
}
