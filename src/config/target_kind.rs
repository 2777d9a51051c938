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
use crate::swarm::config::{self as swarm, SwarmScenarioKeys, SwarmSettings};

/// How a target's failures take effect.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetKind {
    /// The target's app reads a state file the engine writes.
    StateFile(PathBuf),
    /// Faults are applied to the target's containers through the Docker
    /// Engine API.
    Docker(Arc<DockerSettings>),
    /// Faults are applied to a Swarm service's tasks (their containers,
    /// their nodes, their number) through the manager's Docker Engine.
    Swarm(Arc<SwarmSettings>),
}

impl TargetKind {
    /// The state file the engine writes, for a state-file target.
    pub fn state_file(&self) -> Option<&Path> {
        match self {
            TargetKind::StateFile(path) => Some(path),
            TargetKind::Docker(_) | TargetKind::Swarm(_) => None,
        }
    }

    /// The Docker settings, for a Docker target.
    pub fn docker(&self) -> Option<&DockerSettings> {
        match self {
            TargetKind::StateFile(_) | TargetKind::Swarm(_) => None,
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
    /// A Swarm service's tasks to break.
    Swarm(Arc<SwarmSettings>),
}

impl RawKind {
    /// The state file, with where it was given, for a state-file target
    /// (checked across targets: usable, and not shared).
    pub(super) fn state_file(&self) -> Option<&Sourced<PathBuf>> {
        match self {
            RawKind::StateFile(state_file) => Some(state_file),
            RawKind::Docker(_) | RawKind::Swarm(_) => None,
        }
    }

    /// The validated kind.
    pub(super) fn into_kind(self) -> TargetKind {
        match self {
            RawKind::StateFile(path) => TargetKind::StateFile(path.value),
            RawKind::Docker(docker) => TargetKind::Docker(docker),
            RawKind::Swarm(swarm) => TargetKind::Swarm(swarm),
        }
    }
}

/// The engine-wide settings of the kinds, read once per targets file
/// (`policy.docker`, `policy.swarm`).
pub(super) struct KindPolicies {
    /// `policy.docker`, or its built-in default.
    docker: DockerPolicy,
    /// `policy.swarm.nodes`: the Swarm nodes' Engines (none by default).
    swarm_nodes: crate::docker::swarm_nodes::SwarmNodes,
}

impl KindPolicies {
    /// The kinds' keys under `policy` in `file`.
    pub(super) fn load(file: &ParsedFile) -> Result<Self, ConfigError> {
        Ok(KindPolicies {
            docker: docker::load_docker_policy(file, file.content.policy.docker.as_ref())?,
            swarm_nodes: swarm::load_swarm_policy(file, file.content.policy.swarm.as_ref())?,
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

    /// The keys that name a kind that `target` gives, in the order
    /// `state_file`, `docker`, `swarm`.
    fn kind_keys_given(&self) -> Vec<&'static str> {
        let target = self.target;
        [
            target.state_file.as_ref().map(|_| "state_file"),
            target.docker.as_ref().map(|_| "docker"),
            target.swarm.as_ref().map(|_| "swarm"),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// A state file, containers or a Swarm service: exactly one of
    /// `state_file`, `docker` and `swarm`.
    pub(super) fn read(&self) -> Result<RawKind, ConfigError> {
        let (file, target) = (self.file, self.target);
        match self.kind_keys_given().as_slice() {
            ["state_file", "docker", ..] => {
                return Err(ConfigError::new(
                    file.origin(&self.key("docker")),
                    format!(
                        "target {} has both `state_file` and `docker`: a target is a state file \
                         or containers, not both",
                        target.name
                    ),
                ))
            }
            [first, second, ..] => {
                return Err(ConfigError::new(
                    file.origin(&self.key(second)),
                    format!(
                        "target {} has both `{first}` and `{second}`: give one of `state_file`, \
                         `docker` and `swarm`",
                        target.name
                    ),
                ))
            }
            _ => {}
        }
        if let Some(path) = &target.state_file {
            return self.state_file(path);
        }
        if let Some(docker_section) = &target.docker {
            return self.docker(docker_section);
        }
        if let Some(swarm_section) = &target.swarm {
            return self.swarm(swarm_section);
        }
        Err(ConfigError::new(
            file.origin(&format!("targets[{}]", self.index)),
            format!(
                "target {} needs `state_file` (an app that reads it), `docker` (containers to \
                 break) or `swarm` (a Swarm service's tasks to break)",
                target.name
            ),
        ))
    }

    /// Where this target is, for a backend's checks.
    fn at(&self) -> TargetAt<'_> {
        TargetAt {
            index: self.index,
            name: &self.target.name,
        }
    }

    /// A Docker target, whose scenarios must not have Swarm keys.
    fn docker(
        &self,
        docker_section: &crate::docker::config::FileDocker,
    ) -> Result<RawKind, ConfigError> {
        let file = self.file;
        let scenario_keys = self
            .scenarios_given
            .as_ref()
            .map(|(key, scenarios)| (key.as_str(), scenario_keys(scenarios)));
        if let Some((key, scenarios)) = &self.scenarios_given {
            swarm::no_swarm_keys(file, key, &swarm_keys(scenarios))?;
        }
        Ok(RawKind::Docker(docker::docker_target(
            file,
            self.at(),
            docker_section,
            scenario_keys
                .as_ref()
                .map(|(key, scenarios)| (*key, scenarios.as_slice())),
            &self.policies.docker,
        )?))
    }

    /// A Swarm target, whose task containers are reached with
    /// `policy.docker`, on the nodes of `policy.swarm.nodes`.
    fn swarm(&self, swarm_section: &swarm::FileSwarm) -> Result<RawKind, ConfigError> {
        let keys = self
            .scenarios_given
            .as_ref()
            .map(|(key, scenarios)| (key.as_str(), swarm_keys(scenarios)));
        Ok(RawKind::Swarm(swarm::swarm_target(
            self.file,
            self.at(),
            swarm_section,
            keys.as_ref()
                .map(|(key, scenarios)| (*key, scenarios.as_slice())),
            &self.policies.docker,
            &self.policies.swarm_nodes,
        )?))
    }

    /// A state-file target at `path` (relative to the targets file's
    /// directory), whose scenarios must not have Docker fault keys.
    fn state_file(&self, path: &Path) -> Result<RawKind, ConfigError> {
        let file = self.file;
        if let Some((scenarios_key, scenarios)) = &self.scenarios_given {
            docker::no_fault_keys(file, scenarios_key, &scenario_keys(scenarios))?;
            swarm::no_swarm_keys(file, scenarios_key, &swarm_keys(scenarios))?;
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

/// The keys of `scenarios` the Swarm checks read.
fn swarm_keys(scenarios: &[FileScenario]) -> Vec<SwarmScenarioKeys<'_>> {
    scenarios.iter().map(FileScenario::swarm_keys).collect()
}
