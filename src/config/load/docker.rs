//! Checking a Docker target: its `docker:` section (one selector, a valid
//! Engine address and blast radius), its scenarios (only Docker modes,
//! each with valid fault keys) and `policy.docker`. State-file targets are
//! checked here too, for the fault keys they must not have.

use std::sync::Arc;
use std::time::Duration;

use crate::config::error::ConfigError;
use crate::config::file::{FileDocker, FileNetwork, FileScenario, NumberOrText, ParsedFile};
use crate::config::DockerSettings;
use crate::docker::spec::{DEFAULT_STOP_GRACE, DOCKER_MODES};
use crate::docker::{BlastRadius, DockerFault, DockerPolicy, DockerTarget, NetworkFault, Selector};

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
            project: project.as_deref().map(|p| text("project", p)).transpose()?,
        },
        (
            ["container"],
            FileDocker {
                container: Some(container),
                ..
            },
        ) => Selector::Container(text("container", container)?),
        (
            ["labels"],
            FileDocker {
                labels: Some(labels),
                ..
            },
        ) => {
            if labels.is_empty() {
                return Err(at("labels", "give at least one label".to_owned()));
            }
            Selector::Labels(labels.clone())
        }
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
                DOCKER_MODES.join(", ")
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
    let mode = scenario.mode.as_str();
    if !DOCKER_MODES.contains(&mode) {
        return Err(at(
            "mode",
            format!(
                "target {target} is a Docker target: scenario {} has mode `{mode}`; the modes of \
                 a Docker target are {}",
                scenario.name,
                DOCKER_MODES.join(", ")
            ),
        ));
    }
    let only_for = |field: &str, allowed: &str| {
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
    if scenario.signal.is_some() && mode != "kill" {
        return Err(only_for("signal", "kill"));
    }
    if scenario.grace.is_some() && mode != "stop" {
        return Err(only_for("grace", "stop"));
    }
    if scenario.network.is_some() && mode != "network" {
        return Err(only_for("network", "network"));
    }
    if scenario.peers.is_some() && mode != "partition" {
        return Err(only_for("peers", "partition"));
    }
    Ok(match mode {
        "kill" => DockerFault::Kill {
            signal: match &scenario.signal {
                Some(signal) => check_signal(signal).map_err(|m| at("signal", m))?,
                None => "SIGKILL".to_owned(),
            },
        },
        "stop" => DockerFault::Stop {
            grace: scenario.grace.unwrap_or(DEFAULT_STOP_GRACE),
        },
        "pause" => DockerFault::Pause,
        "partition" => {
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
        // Only `network` is left (checked against DOCKER_MODES above).
        _ => {
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

fn network_fault(network: &FileNetwork) -> Result<NetworkFault, (&'static str, String)> {
    let percent = |field: &'static str, value: &Option<NumberOrText>| match value {
        Some(value) => parse_percent(value).map(Some).map_err(|m| (field, m)),
        None => Ok(None),
    };
    let fault = NetworkFault {
        loss: percent("loss", &network.loss)?,
        rate: match &network.rate {
            Some(rate) => Some(parse_rate(rate).map_err(|m| ("rate", m))?),
            None => None,
        },
        delay: network.delay,
        jitter: network.jitter,
        corrupt: percent("corrupt", &network.corrupt)?,
        duplicate: percent("duplicate", &network.duplicate)?,
    };
    if fault == NetworkFault::default() {
        return Err((
            "loss",
            "say what to degrade: loss, rate, delay, jitter, corrupt or duplicate".to_owned(),
        ));
    }
    if fault.jitter.is_some() && fault.delay.is_none() {
        return Err((
            "jitter",
            "`jitter` varies a `delay`; give `delay` too".to_owned(),
        ));
    }
    let too_long = Duration::from_secs(60);
    for (field, value) in [("delay", fault.delay), ("jitter", fault.jitter)] {
        if value.is_some_and(|v| v > too_long || v.is_zero()) {
            return Err((field, format!("`{field}` must be above 0 and at most 60s")));
        }
    }
    Ok(fault)
}

/// `30%`, `30`, `0.5%`: above 0, at most 100.
fn parse_percent(value: &NumberOrText) -> Result<f64, String> {
    let number = match value {
        NumberOrText::Number(n) => Some(*n),
        NumberOrText::Text(text) => text.trim().trim_end_matches('%').trim().parse::<f64>().ok(),
    };
    match number {
        Some(n) if n.is_finite() && n > 0.0 && n <= 100.0 => Ok(n),
        _ => Err(format!(
            "expected a percentage above 0 and at most 100, e.g. 30%, got `{value}`"
        )),
    }
}

/// `1mbit`, `512kbit`, `100000bit`, `1gbit` (bits per second, as `tc`
/// writes them): at least 8 bit/s.
fn parse_rate(value: &NumberOrText) -> Result<u64, String> {
    let wrong =
        || format!("expected a rate in bit/s such as 1mbit, 512kbit or 100000bit, got `{value}`");
    let NumberOrText::Text(text) = value else {
        return Err(wrong());
    };
    let text = text.trim().to_ascii_lowercase();
    let (digits, factor) = [
        ("gbit", 1_000_000_000u64),
        ("mbit", 1_000_000),
        ("kbit", 1_000),
        ("bit", 1),
    ]
    .into_iter()
    .find_map(|(unit, factor)| text.strip_suffix(unit).map(|d| (d.trim(), factor)))
    .ok_or_else(wrong)?;
    let number: u64 = digits.parse().map_err(|_| wrong())?;
    match number.checked_mul(factor) {
        Some(rate) if rate >= 8 => Ok(rate),
        _ => Err(wrong()),
    }
}

/// `one`, `all`, a count of at least 1, or a percentage (`50%`).
fn parse_pick(value: &NumberOrText) -> Result<BlastRadius, String> {
    let wrong =
        || format!("expected one, all, a count (2) or a percentage (\"50%\"), got `{value}`");
    match value {
        NumberOrText::Number(n) if n.fract() == 0.0 && *n >= 1.0 && *n <= f64::from(u32::MAX) => {
            Ok(BlastRadius::Count(*n as u32))
        }
        NumberOrText::Number(_) => Err(wrong()),
        NumberOrText::Text(text) => match text.trim() {
            "one" => Ok(BlastRadius::One),
            "all" => Ok(BlastRadius::All),
            other if other.ends_with('%') => parse_percent(value)
                .map(BlastRadius::Percent)
                .map_err(|_| wrong()),
            other => match other.parse::<u32>() {
                Ok(n) if n >= 1 => Ok(BlastRadius::Count(n)),
                _ => Err(wrong()),
            },
        },
    }
}

/// `unix:///path`, `tcp://host:port` or `http://host:port`.
fn check_host(host: &str) -> Result<String, String> {
    let supported = ["unix://", "tcp://", "http://"];
    match supported.iter().find(|scheme| host.starts_with(**scheme)) {
        Some(scheme) if host.len() > scheme.len() => Ok(host.to_owned()),
        _ => Err(format!(
            "`{host}` is not a Docker Engine address: use unix:///var/run/docker.sock, \
             tcp://HOST:2375 or http://HOST:2375 (TLS is not supported)"
        )),
    }
}

/// `SIGKILL`, `KILL`, `SIGTERM`, `9`...: a signal name Docker accepts.
fn check_signal(signal: &str) -> Result<String, String> {
    let name = signal.trim().to_ascii_uppercase();
    let bare = name.strip_prefix("SIG").unwrap_or(&name);
    let known = [
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
        "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
        "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];
    if known.contains(&bare) {
        return Ok(format!("SIG{bare}"));
    }
    match bare.parse::<u8>() {
        Ok(number) if (1..=64).contains(&number) => Ok(number.to_string()),
        _ => Err(format!(
            "`{signal}` is not a signal: use a name such as SIGKILL or SIGTERM, or a number from 1 to 64"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> NumberOrText {
        NumberOrText::Text(s.to_owned())
    }

    #[test]
    fn percentages_rates_picks_hosts_and_signals() {
        assert_eq!(parse_percent(&text("30%")), Ok(30.0));
        assert_eq!(parse_percent(&NumberOrText::Number(0.5)), Ok(0.5));
        assert!(parse_percent(&text("0%")).is_err());
        assert!(parse_percent(&text("101%")).is_err());
        assert_eq!(parse_rate(&text("1mbit")), Ok(1_000_000));
        assert_eq!(parse_rate(&text("512kbit")), Ok(512_000));
        assert!(parse_rate(&text("1mb")).is_err());
        assert!(parse_rate(&NumberOrText::Number(5.0)).is_err());
        assert_eq!(parse_pick(&text("all")), Ok(BlastRadius::All));
        assert_eq!(
            parse_pick(&NumberOrText::Number(2.0)),
            Ok(BlastRadius::Count(2))
        );
        assert_eq!(parse_pick(&text("50%")), Ok(BlastRadius::Percent(50.0)));
        assert!(parse_pick(&NumberOrText::Number(0.0)).is_err());
        assert!(parse_pick(&text("some")).is_err());
        assert!(check_host("unix:///var/run/docker.sock").is_ok());
        assert!(check_host("https://x:2376").is_err());
        assert_eq!(check_signal("term").as_deref(), Ok("SIGTERM"));
        assert_eq!(check_signal("9").as_deref(), Ok("9"));
        assert!(check_signal("SIGFOO").is_err());
    }
}
