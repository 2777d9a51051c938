//! Checking a Docker target: its `docker:` section (one selector, a valid
//! Engine address and blast radius), its scenarios (only Docker modes,
//! each with valid fault keys) and `policy.docker`. State-file targets are
//! checked here too, for the fault keys they must not have. The checks of
//! single values (ranges, syntax) are in `docker_values` and
//! `docker_selector`.

use std::sync::Arc;

use super::docker_selector::{check_container, check_host, check_labels, check_project};
use super::docker_values::{check_grace, check_signal, network_fault, parse_pick};
use crate::config::error::ConfigError;
use crate::config::file::{FileDocker, FileScenario, ParsedFile};
use crate::config::DockerSettings;
use crate::docker::spec::DEFAULT_STOP_GRACE;
use crate::docker::{
    BlastRadius, DockerFault, DockerMode, DockerPolicy, DockerTarget, ProjectScope, Selector,
};

/// `policy.docker` from the file, or the built-in default.
pub(super) fn load_docker_policy(file: Option<&ParsedFile>) -> Result<DockerPolicy, ConfigError> {
    let Some(file) = file else {
        return Ok(DockerPolicy::default());
    };
    let Some(policy) = &file.content.policy.docker else {
        return Ok(DockerPolicy::default());
    };
    let mut loaded = DockerPolicy::default();
    if let Some(image) = &policy.net_image {
        if image.trim().is_empty() || image.chars().any(char::is_whitespace) {
            return Err(ConfigError::new(
                file.origin("policy.docker.net_image"),
                format!("`{image}` is not an image reference (e.g. nettools:local)"),
            ));
        }
        loaded.net_image = image.clone();
    }
    Ok(loaded)
}

/// The Docker settings of `targets[index]`: its selector from `docker`, and
/// a fault for each of `scenarios` (given at `scenarios_key`).
pub(super) fn docker_target(
    file: &ParsedFile,
    index: usize,
    docker: &FileDocker,
    scenarios: Option<(&str, &[FileScenario])>,
    policy: &DockerPolicy,
) -> Result<Arc<DockerSettings>, ConfigError> {
    let key = |name: &str| format!("targets[{index}].docker.{name}");
    let at = |name: &str, message: String| ConfigError::new(file.origin(&key(name)), message);
    let name = &file.content.targets[index].name;
    let text = |name: &str, value: &str| -> Result<String, ConfigError> {
        if value.trim().is_empty() || value.chars().any(char::is_control) {
            return Err(at(
                name,
                format!("`{name}` must be non-empty printable text"),
            ));
        }
        Ok(value.to_owned())
    };
    let given: Vec<&str> = [
        docker.service.as_ref().map(|_| "service"),
        docker.container.as_ref().map(|_| "container"),
        docker.labels.as_ref().map(|_| "labels"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let selector = match (given.as_slice(), docker) {
        (
            ["service"],
            FileDocker {
                service: Some(service),
                project,
                ..
            },
        ) => Selector::Service {
            service: text("service", service)?,
            project: match project {
                Some(project) => check_project(project).map_err(|m| at("project", m))?,
                None => ProjectScope::Own,
            },
        },
        (
            ["container"],
            FileDocker {
                container: Some(container),
                ..
            },
        ) => Selector::Container(check_container(container).map_err(|m| at("container", m))?),
        (
            ["labels"],
            FileDocker {
                labels: Some(labels),
                ..
            },
        ) => Selector::Labels(
            check_labels(labels).map_err(|(label, message)| match label {
                Some(label) => at(&format!("labels.{label}"), message),
                None => at("labels", message),
            })?,
        ),
        ([], _) => {
            return Err(ConfigError::new(
                file.origin(&format!("targets[{index}].docker")),
                format!(
                    "target {name}: say which containers it is made of: `service` (a Compose \
                     service), `container` (a name or id) or `labels`"
                ),
            ))
        }
        (several, _) => {
            return Err(at(
                several[1],
                format!(
                    "target {name}: give one of `service`, `container` and `labels`, not {}",
                    several.join(" and ")
                ),
            ))
        }
    };
    if docker.project.is_some() && docker.service.is_none() {
        return Err(at(
            "project",
            "`project` narrows a `service`; give `service` too".to_owned(),
        ));
    }
    let host = match &docker.host {
        Some(host) => Some(check_host(host).map_err(|m| at("host", m))?),
        None => None,
    };
    let pick = match &docker.pick {
        Some(pick) => parse_pick(pick).map_err(|m| at("pick", m))?,
        None => BlastRadius::One,
    };
    let Some((scenarios_key, scenarios)) = scenarios else {
        return Err(ConfigError::new(
            file.origin(&format!("targets[{index}]")),
            format!(
                "target {name} is a Docker target, which has no built-in scenarios: give \
                 `scenarios` with modes among {}",
                DockerMode::listed()
            ),
        ));
    };
    let mut faults = Vec::with_capacity(scenarios.len());
    for (position, scenario) in scenarios.iter().enumerate() {
        let fault = docker_fault(
            file,
            &format!("{scenarios_key}[{position}]"),
            name,
            scenario,
        )?;
        faults.push((scenario.name.clone(), fault));
    }
    Ok(Arc::new(DockerSettings {
        target: DockerTarget {
            selector,
            host,
            pick,
        },
        faults,
        policy: policy.clone(),
    }))
}

/// Checks that a state-file target's scenarios carry no Docker fault keys.
pub(super) fn no_fault_keys(
    file: &ParsedFile,
    scenarios_key: &str,
    scenarios: &[FileScenario],
) -> Result<(), ConfigError> {
    for (position, scenario) in scenarios.iter().enumerate() {
        let present = [
            scenario.signal.as_ref().map(|_| "signal"),
            scenario.grace.as_ref().map(|_| "grace"),
            scenario.network.as_ref().map(|_| "network"),
            scenario.peers.as_ref().map(|_| "peers"),
        ];
        if let Some(key) = present.into_iter().flatten().next() {
            return Err(ConfigError::new(
                file.origin(&format!("{scenarios_key}[{position}].{key}")),
                format!(
                    "`{key}` is a Docker fault setting; this scenario belongs to a state-file \
                     target (give the target a `docker:` section instead of `state_file`)"
                ),
            ));
        }
    }
    Ok(())
}

fn docker_fault(
    file: &ParsedFile,
    key: &str,
    target: &str,
    scenario: &FileScenario,
) -> Result<DockerFault, ConfigError> {
    let at = |field: &str, message: String| {
        ConfigError::new(file.origin(&format!("{key}.{field}")), message)
    };
    let Ok(mode) = scenario.mode.parse::<DockerMode>() else {
        return Err(at(
            "mode",
            format!(
                "target {target} is a Docker target: scenario {} has mode `{}`; the modes of \
                 a Docker target are {}",
                scenario.name,
                scenario.mode,
                DockerMode::listed()
            ),
        ));
    };
    let only_for = |field: &str, allowed: DockerMode| {
        at(
            field,
            format!("`{field}` applies to mode {allowed}, not to mode {mode}"),
        )
    };
    if scenario.delay.is_some() {
        return Err(at(
            "delay",
            "`delay` is the state-file slowdown; for added latency use `network: { delay: 200ms }`"
                .to_owned(),
        ));
    }
    let keys = [
        (scenario.signal.is_some(), "signal", DockerMode::Kill),
        (scenario.grace.is_some(), "grace", DockerMode::Stop),
        (scenario.network.is_some(), "network", DockerMode::Network),
        (scenario.peers.is_some(), "peers", DockerMode::Partition),
    ];
    for (given, field, allowed) in keys {
        if given && mode != allowed {
            return Err(only_for(field, allowed));
        }
    }
    Ok(match mode {
        DockerMode::Kill => DockerFault::Kill {
            signal: match &scenario.signal {
                Some(signal) => check_signal(signal).map_err(|m| at("signal", m))?,
                None => "SIGKILL".to_owned(),
            },
        },
        DockerMode::Stop => DockerFault::Stop {
            grace: match scenario.grace {
                Some(grace) => check_grace(grace).map_err(|m| at("grace", m))?,
                None => DEFAULT_STOP_GRACE,
            },
        },
        DockerMode::Pause => DockerFault::Pause,
        DockerMode::Partition => {
            let peers = scenario.peers.clone().unwrap_or_default();
            if let Some(bad) = peers
                .iter()
                .position(|p| p.trim().is_empty() || p.chars().any(char::is_whitespace))
            {
                return Err(at(
                    &format!("peers[{bad}]"),
                    "a peer is a container or service name, an IP address or a CIDR block"
                        .to_owned(),
                ));
            }
            DockerFault::Partition { peers }
        }
        DockerMode::Network => {
            let Some(network) = &scenario.network else {
                return Err(ConfigError::new(
                    file.origin(key),
                    format!(
                        "scenario {} has mode network: say what to degrade with `network:` \
                         (loss, rate, delay, jitter, corrupt, duplicate)",
                        scenario.name
                    ),
                ));
            };
            DockerFault::Network(network_fault(network).map_err(|(field, message)| {
                ConfigError::new(file.origin(&format!("{key}.network.{field}")), message)
            })?)
        }
    })
}
