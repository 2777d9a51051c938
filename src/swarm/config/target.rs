//! Checking a Swarm target: its `swarm:` section (a service, by name or
//! by labels, a valid Engine address and blast radius) and its scenarios
//! (their modes; a container mode's keys are checked as a Docker target's
//! are), and that other targets' scenarios carry no Swarm key.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::file::{FileSwarm, SwarmScenarioKeys};
use super::settings::{ServiceSelector, SwarmFault, SwarmSettings};
use crate::docker::config::TargetAt;
use crate::docker::config::{
    check_labels, check_service, docker_fault, engine_keys, parse_pick, DockerSettings,
};
use crate::docker::spec::DelayWith;
use crate::docker::swarm_nodes::SwarmNodes;
use crate::docker::swarm_task::SERVICE_NAME_LABEL;
use crate::docker::{BlastRadius, DockerPolicy, DockerTarget, Selector};
use crate::input::{ConfigError, KeyOrigins};

/// The modes a Swarm target's scenarios may have.
pub const SWARM_MODES: [&str; 7] = [
    "kill",
    "stop",
    "pause",
    "network",
    "partition",
    "drain",
    "scale",
];

/// The Swarm settings of `target`: its service from `swarm`, and a fault
/// for each of `scenarios` (given at `scenarios_key`); its task containers
/// are reached with `policy` (`policy.docker`), on the manager's node or
/// one of `nodes` (`policy.swarm.nodes`).
pub fn swarm_target(
    file: &dyn KeyOrigins,
    target: TargetAt<'_>,
    swarm: &FileSwarm,
    scenarios: Option<(&str, &[SwarmScenarioKeys<'_>])>,
    policy: &DockerPolicy,
    nodes: &SwarmNodes,
) -> Result<Arc<SwarmSettings>, ConfigError> {
    let index = target.index;
    let at = |key: &str, message: String| {
        ConfigError::new(
            file.origin(&format!("targets[{index}].swarm.{key}")),
            message,
        )
    };
    let service = service_selector(file, target, swarm)?;
    let (host, cert_path) = engine_keys(
        file,
        &format!("targets[{index}].swarm"),
        swarm.host.as_deref(),
        swarm.cert_path.as_deref(),
    )?;
    let pick = match &swarm.pick {
        Some(pick) => parse_pick(pick).map_err(|m| at("pick", m))?,
        None => BlastRadius::One,
    };
    let faults = swarm_faults(file, target, scenarios, policy.delay_with)?;
    let container_faults = faults
        .iter()
        .filter_map(|(scenario, fault)| match fault {
            SwarmFault::Container(fault) => Some((scenario.clone(), fault.clone())),
            SwarmFault::Drain | SwarmFault::Scale { .. } => None,
        })
        .collect();
    let selector = match &service {
        ServiceSelector::Name(service_name) => Selector::Labels(BTreeMap::from([(
            SERVICE_NAME_LABEL.to_owned(),
            service_name.clone(),
        )])),
        ServiceSelector::Labels(labels) => Selector::SwarmServiceLabels(labels.clone()),
    };
    Ok(Arc::new(SwarmSettings {
        service,
        docker: Arc::new(DockerSettings {
            target: DockerTarget {
                selector,
                host,
                cert_path,
                pick,
                swarm_nodes: Some(Arc::new(nodes.clone())),
            },
            faults: container_faults,
            policy: policy.clone(),
        }),
        faults,
    }))
}

/// The service of `target`: exactly one of `service` (its name) and
/// `labels` (its service labels), checked.
fn service_selector(
    file: &dyn KeyOrigins,
    target: TargetAt<'_>,
    swarm: &FileSwarm,
) -> Result<ServiceSelector, ConfigError> {
    let TargetAt { index, name } = target;
    let at = |key: &str, message: String| {
        ConfigError::new(
            file.origin(&format!("targets[{index}].swarm.{key}")),
            message,
        )
    };
    match (&swarm.service, &swarm.labels) {
        (Some(_), Some(_)) => Err(at(
            "labels",
            format!("target {name}: give one of `service` and `labels`, not service and labels"),
        )),
        (Some(service), None) => Ok(ServiceSelector::Name(
            check_service(service).map_err(|m| at("service", m))?,
        )),
        (None, Some(labels)) => Ok(ServiceSelector::Labels(check_labels(labels).map_err(
            |(label, message)| match label {
                Some(label) => at(&format!("labels.{label}"), message),
                None => at("labels", message),
            },
        )?)),
        (None, None) => Err(ConfigError::new(
            file.origin(&format!("targets[{index}].swarm")),
            format!(
                "target {name}: say which service's tasks it breaks: `service` (its name) or \
                 `labels` (its service labels)"
            ),
        )),
    }
}

/// The fault of each scenario of `target` (delays applied as
/// `delay_with` says); a Swarm target must give its scenarios (it has no
/// built-in ones).
fn swarm_faults(
    file: &dyn KeyOrigins,
    target: TargetAt<'_>,
    scenarios: Option<(&str, &[SwarmScenarioKeys<'_>])>,
    delay_with: DelayWith,
) -> Result<Vec<(String, SwarmFault)>, ConfigError> {
    let TargetAt { index, name } = target;
    let Some((scenarios_key, scenarios)) = scenarios else {
        return Err(ConfigError::new(
            file.origin(&format!("targets[{index}]")),
            format!(
                "target {name} is a Swarm target, which has no built-in scenarios: give \
                 `scenarios` with modes among {}",
                SWARM_MODES.join(", ")
            ),
        ));
    };
    let mut faults = Vec::with_capacity(scenarios.len());
    for (position, scenario) in scenarios.iter().enumerate() {
        let key = format!("{scenarios_key}[{position}]");
        faults.push((
            scenario.docker.name.to_owned(),
            swarm_fault(file, &key, name, scenario, delay_with)?,
        ));
    }
    Ok(faults)
}

/// One scenario's fault, given at `key` in target `target`.
fn swarm_fault(
    file: &dyn KeyOrigins,
    key: &str,
    target: &str,
    scenario: &SwarmScenarioKeys<'_>,
    delay_with: DelayWith,
) -> Result<SwarmFault, ConfigError> {
    let at = |field: &str, message: String| {
        ConfigError::new(file.origin(&format!("{key}.{field}")), message)
    };
    let keys = &scenario.docker;
    let mode = keys.mode;
    if !SWARM_MODES.contains(&mode) {
        return Err(at(
            "mode",
            format!(
                "target {target} is a Swarm target: scenario {} has mode `{mode}`; the modes \
                 of a Swarm target are {}",
                keys.name,
                SWARM_MODES.join(", ")
            ),
        ));
    }
    if mode != "scale" && scenario.replicas.is_some() {
        return Err(at(
            "replicas",
            format!(
                "`replicas` is for mode scale; scenario {} has mode {mode}",
                keys.name
            ),
        ));
    }
    match mode {
        "drain" | "scale" => {
            let docker_key = [
                keys.signal.map(|_| "signal"),
                keys.grace.map(|_| "grace"),
                keys.network.map(|_| "network"),
                keys.peers.map(|_| "peers"),
                keys.has_delay.then_some("delay"),
            ]
            .into_iter()
            .flatten()
            .next();
            if let Some(field) = docker_key {
                return Err(at(
                    field,
                    format!(
                        "`{field}` is not a setting of mode {mode} (scenario {})",
                        keys.name
                    ),
                ));
            }
            Ok(if mode == "drain" {
                SwarmFault::Drain
            } else {
                SwarmFault::Scale {
                    replicas: scenario.replicas.unwrap_or(0),
                }
            })
        }
        _ => Ok(SwarmFault::Container(docker_fault(
            file, key, target, keys, delay_with,
        )?)),
    }
}

/// Checks that the scenarios of a target that is not a Swarm target carry
/// no Swarm key (`replicas`).
pub fn no_swarm_keys(
    file: &dyn KeyOrigins,
    scenarios_key: &str,
    scenarios: &[SwarmScenarioKeys<'_>],
) -> Result<(), ConfigError> {
    for (position, scenario) in scenarios.iter().enumerate() {
        if scenario.replicas.is_some() {
            return Err(ConfigError::new(
                file.origin(&format!("{scenarios_key}[{position}].replicas")),
                "`replicas` is a Swarm scale setting; this scenario belongs to a target that is \
                 not a Swarm target (give the target a `swarm:` section)",
            ));
        }
    }
    Ok(())
}
