//! Checking a Docker target: its `docker:` section (one selector, a valid
//! Engine address and blast radius), the presence of its scenarios (each
//! checked by `fault`) and `policy.docker`. State-file targets are
//! checked here too, for the fault keys they must not have. The checks of
//! single values (ranges, syntax) are in `values` and `selector`.

use std::sync::Arc;

use super::engine::engine_keys;
use super::fault::docker_fault;
use super::file::{FileDocker, FileDockerPolicy, ScenarioKeys};
use super::selector::{check_container, check_labels, check_project};
use super::settings::DockerSettings;
use super::values::parse_pick;
use crate::docker::spec::DelayWith;
use crate::docker::{
    BlastRadius, DockerFault, DockerMode, DockerPolicy, DockerTarget, ProjectScope, Selector,
};
use crate::input::{ConfigError, KeyOrigins};

/// `policy.docker` (`policy`, if the file gives it), or the built-in
/// default.
pub fn load_docker_policy(
    file: &dyn KeyOrigins,
    policy: Option<&FileDockerPolicy>,
) -> Result<DockerPolicy, ConfigError> {
    let Some(policy) = policy else {
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
    if let Some(delay_with) = &policy.delay_with {
        loaded.delay_with = DelayWith::parse(delay_with).ok_or_else(|| {
            ConfigError::new(
                file.origin("policy.docker.delay_with"),
                format!(
                    "`{delay_with}` is not a way to delay: give {} (netem where the kernel \
                     has it, else the user-space delayer; netem only; the delayer only)",
                    DelayWith::NAMES.join(", ")
                ),
            )
        })?;
    }
    Ok(loaded)
}

/// The Docker target `targets[index]` of the targets file, called `name`.
#[derive(Debug, Clone, Copy)]
pub struct TargetAt<'a> {
    /// Its place in `targets`.
    pub index: usize,
    /// Its name.
    pub name: &'a str,
}

/// The Docker settings of `target`: its selector from `docker`, and a
/// fault for each of `scenarios` (given at `scenarios_key`).
pub fn docker_target(
    file: &dyn KeyOrigins,
    target: TargetAt<'_>,
    docker: &FileDocker,
    scenarios: Option<(&str, &[ScenarioKeys<'_>])>,
    policy: &DockerPolicy,
) -> Result<Arc<DockerSettings>, ConfigError> {
    let index = target.index;
    let at = |name: &str, message: String| docker_key_error(file, index, name, message);
    let selector = target_selector(file, target, docker)?;
    if docker.project.is_some() && docker.service.is_none() {
        return Err(at(
            "project",
            "`project` narrows a `service`; give `service` too".to_owned(),
        ));
    }
    let (host, cert_path) = engine_keys(
        file,
        &format!("targets[{index}].docker"),
        docker.host.as_deref(),
        docker.cert_path.as_deref(),
    )?;
    let pick = match &docker.pick {
        Some(pick) => parse_pick(pick).map_err(|m| at("pick", m))?,
        None => BlastRadius::One,
    };
    let faults = target_faults(file, target, scenarios, policy.delay_with)?;
    Ok(Arc::new(DockerSettings {
        target: DockerTarget {
            selector,
            host,
            cert_path,
            pick,
            swarm_nodes: None,
        },
        faults,
        policy: policy.clone(),
    }))
}

/// An error about `targets[index].docker.{name}`.
fn docker_key_error(
    file: &dyn KeyOrigins,
    index: usize,
    name: &str,
    message: String,
) -> ConfigError {
    ConfigError::new(
        file.origin(&format!("targets[{index}].docker.{name}")),
        message,
    )
}

/// Which of the selector keys `service`, `container` and `labels` the
/// `docker:` section gives, in that order.
fn given_selector_keys(docker: &FileDocker) -> Vec<&'static str> {
    [
        docker.service.as_ref().map(|_| "service"),
        docker.container.as_ref().map(|_| "container"),
        docker.labels.as_ref().map(|_| "labels"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The selector of `target`: exactly one of `service` (with its optional
/// `project`), `container` and `labels`, checked.
fn target_selector(
    file: &dyn KeyOrigins,
    target: TargetAt<'_>,
    docker: &FileDocker,
) -> Result<Selector, ConfigError> {
    let TargetAt { index, name } = target;
    let at = |name: &str, message: String| docker_key_error(file, index, name, message);
    Ok(match (given_selector_keys(docker).as_slice(), docker) {
        (
            ["service"],
            FileDocker {
                service: Some(service),
                project,
                ..
            },
        ) => Selector::Service {
            service: check_service(service).map_err(|m| at("service", m))?,
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
    })
}

/// A `service:` selector: non-empty printable text (Compose checks the
/// rest when it names the service).
pub fn check_service(service: &str) -> Result<String, String> {
    if service.trim().is_empty() || service.chars().any(char::is_control) {
        return Err("`service` must be non-empty printable text".to_owned());
    }
    Ok(service.to_owned())
}

/// The fault of each scenario of `target`, with the scenario's name
/// (delays applied as `delay_with` says); a Docker target must give its
/// scenarios (it has no built-in ones).
fn target_faults(
    file: &dyn KeyOrigins,
    target: TargetAt<'_>,
    scenarios: Option<(&str, &[ScenarioKeys<'_>])>,
    delay_with: DelayWith,
) -> Result<Vec<(String, DockerFault)>, ConfigError> {
    let TargetAt { index, name } = target;
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
            delay_with,
        )?;
        faults.push((scenario.name.to_owned(), fault));
    }
    Ok(faults)
}

/// Checks that a state-file target's scenarios carry no Docker fault keys.
pub fn no_fault_keys(
    file: &dyn KeyOrigins,
    scenarios_key: &str,
    scenarios: &[ScenarioKeys<'_>],
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
