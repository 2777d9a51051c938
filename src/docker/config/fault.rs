//! Checking one scenario of a Docker target: its mode is a Docker mode, it
//! gives only the fault keys of that mode (`signal` for kill, `grace` for
//! stop, `network` for network, `peers` for partition, never the state-file
//! `delay`), and those keys hold valid values. `target` calls it for each
//! scenario; the checks of single values are in `values`.

use super::file::ScenarioKeys;
use super::values::{check_grace, check_signal, network_fault};
use crate::docker::spec::DelayWith;
use crate::docker::spec::DEFAULT_STOP_GRACE;
use crate::docker::{DockerFault, DockerMode};
use crate::input::{ConfigError, KeyOrigins};

/// The fault of `scenario` (given at `key`) of the Docker target `target`;
/// a network fault's delay is applied as `delay_with` says
/// (`policy.docker.delay_with`).
pub fn docker_fault(
    file: &dyn KeyOrigins,
    key: &str,
    target: &str,
    scenario: &ScenarioKeys<'_>,
    delay_with: DelayWith,
) -> Result<DockerFault, ConfigError> {
    let at = |field: &str, message: String| {
        ConfigError::new(file.origin(&format!("{key}.{field}")), message)
    };
    let mode = scenario_mode(target, scenario).map_err(|(field, m)| at(field, m))?;
    Ok(match mode {
        DockerMode::Kill => DockerFault::Kill {
            signal: match scenario.signal {
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
        DockerMode::Partition => DockerFault::Partition {
            peers: partition_peers(scenario).map_err(|(field, m)| at(&field, m))?,
        },
        DockerMode::Network => network(file, key, scenario)?.delayed_with(delay_with),
        // Refused by `scenario_mode` already.
        DockerMode::Drain | DockerMode::Scale => {
            return Err(at("mode", crate::docker::backend::swarm_only_refusal(mode)))
        }
    })
}

/// The Docker mode of `scenario`, once its fault keys are checked against
/// it; else the field at fault (under the scenario's key) and why.
fn scenario_mode(
    target: &str,
    scenario: &ScenarioKeys<'_>,
) -> Result<DockerMode, (&'static str, String)> {
    let Ok(mode) = scenario.mode.parse::<DockerMode>() else {
        return Err((
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
    if mode.is_swarm_only() {
        return Err(("mode", crate::docker::backend::swarm_only_refusal(mode)));
    }
    if scenario.has_delay {
        return Err((
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
            return Err((
                field,
                format!("`{field}` applies to mode {allowed}, not to mode {mode}"),
            ));
        }
    }
    Ok(mode)
}

/// The `peers` of a partition scenario (none given: none); else the
/// field at fault (`peers[N]`) and why.
fn partition_peers(scenario: &ScenarioKeys<'_>) -> Result<Vec<String>, (String, String)> {
    let peers = scenario.peers.map(<[String]>::to_vec).unwrap_or_default();
    if let Some(bad) = peers
        .iter()
        .position(|p| p.trim().is_empty() || p.chars().any(char::is_whitespace))
    {
        return Err((
            format!("peers[{bad}]"),
            "a peer is a container or service name, an IP address or a CIDR block".to_owned(),
        ));
    }
    Ok(peers)
}

/// The fault of a network scenario (given at `key`): its `network:`
/// section, which it must have.
fn network(
    file: &dyn KeyOrigins,
    key: &str,
    scenario: &ScenarioKeys<'_>,
) -> Result<DockerFault, ConfigError> {
    let Some(network) = scenario.network else {
        return Err(ConfigError::new(
            file.origin(key),
            format!(
                "scenario {} has mode network: say what to degrade with `network:` \
                 (loss, rate, delay, jitter, corrupt, duplicate)",
                scenario.name
            ),
        ));
    };
    let fault = network_fault(network).map_err(|(field, message)| {
        ConfigError::new(file.origin(&format!("{key}.network.{field}")), message)
    })?;
    Ok(DockerFault::Network(fault))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario<'a>(mode: &'a str) -> ScenarioKeys<'a> {
        ScenarioKeys {
            name: "S",
            mode,
            has_delay: false,
            signal: None,
            grace: None,
            network: None,
            peers: None,
        }
    }

    #[test]
    fn a_docker_target_refuses_the_swarm_only_modes() {
        for mode in ["drain", "scale"] {
            assert_eq!(
                scenario_mode("cache", &scenario(mode)),
                Err(("mode", format!("mode {mode} needs a `swarm:` target")))
            );
        }
        assert_eq!(
            scenario_mode("cache", &scenario("pause")),
            Ok(DockerMode::Pause)
        );
        assert_eq!(
            scenario_mode("cache", &scenario("crash")),
            Err((
                "mode",
                "target cache is a Docker target: scenario S has mode `crash`; the modes of a \
                 Docker target are kill, stop, pause, network, partition"
                    .to_owned()
            ))
        );
    }
}
