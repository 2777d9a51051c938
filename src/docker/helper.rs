//! The network helper container, through the Docker Engine API: start one
//! in a target container's network namespace to apply a network fault
//! (the script of [`crate::docker::netfault`]), stop it to revert, run a
//! revert-only one for rules a killed helper left, and list every helper
//! the engine made (for recovery).
//!
//! The helper image is never pulled: a missing image is an error that
//! says how to provide it. Every Engine call is bounded by
//! [`API_TIMEOUT`]; the wait for a helper to apply its rules by
//! [`APPLY_TIMEOUT`].

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use bollard::errors::Error as BollardError;
use bollard::models::{ContainerCreateBody, ContainerSummary, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptions, InspectContainerOptions, ListContainersOptions, LogsOptions,
    RemoveContainerOptions, StopContainerOptions, WaitContainerOptions,
};
use bollard::Docker;
use futures_util::StreamExt;

use crate::docker::netfault::{self, Plan};
use crate::docker::netns;
use crate::docker::script_file;
use crate::docker::spec::{
    DockerFault, COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL, ENGINE_LABEL_VALUE, LABEL_ENGINE,
    LABEL_FAULT, LABEL_OWNER, LABEL_SUBJECT, REVERT_FAULT_VALUE,
};
use crate::docker::{ContainerRef, DockerError};

/// The bound of one Engine call.
pub const API_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a helper may take to say its rules are in effect (or to
/// fail), from its start.
pub const APPLY_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a helper has to revert after SIGTERM before SIGKILL.
const STOP_GRACE_SECONDS: i32 = 10;
/// How much of a helper's log an error quotes.
const LOG_TAIL: &str = "40";

/// How a helper ended when the engine stopped it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelperEnd {
    /// It reverted on SIGTERM and exited 0.
    Reverted,
    /// It had already reverted by itself at `expires_at` (dead-man's
    /// switch) and exited 0.
    Expired,
    /// It was gone already (removed by someone else): whether its rules
    /// are gone is unknown; run [`revert_leftovers`] to be sure.
    AlreadyGone,
    /// Someone else had removed its rules: it removed what was left and
    /// exited [`netfault::EXIT_REMOVED`].
    RulesRemoved,
}

/// A helper container found by [`find_helpers`].
#[derive(Debug, Clone, PartialEq)]
pub struct HelperInfo {
    /// Its container id.
    pub id: String,
    /// Its name, without the leading `/`.
    pub name: String,
    /// True while it runs (its fault is in effect).
    pub running: bool,
    /// The instance id of the engine that made it ([`LABEL_OWNER`]).
    pub owner: Option<String>,
    /// The opaque token of its fault, or `revert` ([`LABEL_FAULT`]).
    pub fault: Option<String>,
    /// The id of the container it works on ([`LABEL_SUBJECT`]).
    pub subject: Option<String>,
    /// True while it has not been started (its script never ran).
    pub created_only: bool,
    /// Its image (what a revert-only helper for the same subject can use).
    pub image: Option<String>,
    /// Every label it carries.
    pub labels: HashMap<String, String>,
}

/// Bounds `call` by [`API_TIMEOUT`] and maps its error to
/// [`DockerError::Api`] naming `action` and `container`.
async fn timed<T>(
    action: &'static str,
    container: &str,
    call: impl std::future::Future<Output = Result<T, BollardError>>,
) -> Result<T, DockerError> {
    match tokio::time::timeout(API_TIMEOUT, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(DockerError::Api {
            action,
            container: container.to_owned(),
            detail: err.to_string(),
        }),
        Err(_) => Err(DockerError::Api {
            action,
            container: container.to_owned(),
            detail: format!("the Docker Engine did not answer within {API_TIMEOUT:?}"),
        }),
    }
}

/// True when `err` is the Engine's 404 (no such container or image).
fn is_not_found(err: &BollardError) -> bool {
    matches!(
        err,
        BollardError::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// Checks that `image` is on the Docker host; never pulls it.
async fn ensure_image(docker: &Docker, image: &str, subject: &str) -> Result<(), DockerError> {
    match tokio::time::timeout(API_TIMEOUT, docker.inspect_image(image)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) if is_not_found(&err) => Err(DockerError::Helper {
            container: subject.to_owned(),
            detail: format!(
                "the network helper image {image} is not on the Docker host, and chaos-engine \
                 never pulls images: build or load it there (for example, from the repository \
                 root, `docker build -t chaos-engine-nethelper:local -f \
                 docker/nethelper/Dockerfile .`, or `docker pull {image}` where a registry is \
                 reachable), or set policy.docker.net_image to an image that has iproute2 (tc), \
                 iptables and, for delay without netem, chaos-delayer"
            ),
        }),
        Ok(Err(err)) => Err(DockerError::Api {
            action: "inspect the helper image for",
            container: subject.to_owned(),
            detail: err.to_string(),
        }),
        Err(_) => Err(DockerError::Api {
            action: "inspect the helper image for",
            container: subject.to_owned(),
            detail: format!("the Docker Engine did not answer within {API_TIMEOUT:?}"),
        }),
    }
}

/// A container name from `parts`: anything but `[A-Za-z0-9_.-]` becomes
/// `-`.
fn container_name(parts: &[&str]) -> String {
    parts
        .join("-")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The labels of a helper: the engine, its instance id `owner`, `fault`
/// (the fault's opaque token, or [`REVERT_FAULT_VALUE`]) and the subject.
pub fn helper_labels(owner: &str, fault: &str, subject: &ContainerRef) -> HashMap<String, String> {
    HashMap::from([
        (LABEL_ENGINE.to_owned(), ENGINE_LABEL_VALUE.to_owned()),
        (LABEL_OWNER.to_owned(), owner.to_owned()),
        (LABEL_FAULT.to_owned(), fault.to_owned()),
        (LABEL_SUBJECT.to_owned(), subject.id.clone()),
    ])
}

/// True when `peer` is an IP address or a CIDR block (`10.0.0.0/8`).
fn is_address(peer: &str) -> bool {
    match peer.split_once('/') {
        Some((ip, prefix)) => match (ip.parse::<IpAddr>(), prefix.parse::<u8>()) {
            (Ok(IpAddr::V4(_)), Ok(bits)) => bits <= 32,
            (Ok(IpAddr::V6(_)), Ok(bits)) => bits <= 128,
            _ => false,
        },
        None => peer.parse::<IpAddr>().is_ok(),
    }
}

/// Every address of a listed container, IPv4 and global IPv6, on every
/// network.
fn addresses(container: &ContainerSummary) -> Vec<String> {
    let mut ips: Vec<String> = container
        .network_settings
        .as_ref()
        .and_then(|settings| settings.networks.as_ref())
        .map(|networks| {
            networks
                .values()
                .flat_map(|endpoint| {
                    [
                        endpoint.ip_address.clone(),
                        endpoint.global_ipv6_address.clone(),
                    ]
                })
                .flatten()
                .filter(|ip| !ip.is_empty())
                .collect()
        })
        .unwrap_or_default();
    ips.sort();
    ips
}

/// Lists containers (running or not when `all`) carrying every label of
/// `labels` (`key=value` or `key`).
async fn list_labelled(
    docker: &Docker,
    labels: Vec<String>,
    all: bool,
    about: &str,
) -> Result<Vec<ContainerSummary>, DockerError> {
    let filters = HashMap::from([("label".to_owned(), labels)]);
    let options = ListContainersOptions {
        all,
        filters: Some(filters),
        ..ListContainersOptions::default()
    };
    timed(
        "list containers for",
        about,
        docker.list_containers(Some(options)),
    )
    .await
}

/// Resolves a partition's peers to IPs/CIDRs: addresses pass through; a
/// name is a container of that name, or else a Compose service in the
/// subject's project (every IP of its containers). A peer that resolves to
/// nothing is [`DockerError::NoMatch`].
pub async fn resolve_peers(
    docker: &Docker,
    subject: &ContainerRef,
    peers: &[String],
) -> Result<Vec<String>, DockerError> {
    let mut resolved = Vec::new();
    let mut project: Option<Option<String>> = None;
    for peer in peers {
        if is_address(peer) {
            resolved.push(peer.clone());
            continue;
        }
        let by_name = ListContainersOptions {
            filters: Some(HashMap::from([("name".to_owned(), vec![peer.clone()])])),
            ..ListContainersOptions::default()
        };
        let named = timed(
            "look up partition peer of",
            &subject.name,
            docker.list_containers(Some(by_name)),
        )
        .await?;
        // The name filter matches substrings: keep the exact name.
        let exact = format!("/{peer}");
        let mut ips: Vec<String> = named
            .iter()
            .filter(|c| c.names.iter().flatten().any(|n| *n == exact))
            .flat_map(addresses)
            .collect();
        if ips.is_empty() {
            if project.is_none() {
                let inspected = timed(
                    "inspect",
                    &subject.name,
                    docker.inspect_container(&subject.id, None::<InspectContainerOptions>),
                )
                .await?;
                project = Some(
                    inspected
                        .config
                        .and_then(|config| config.labels)
                        .and_then(|labels| labels.get(COMPOSE_PROJECT_LABEL).cloned()),
                );
            }
            if let Some(Some(project)) = &project {
                let labels = vec![
                    format!("{COMPOSE_PROJECT_LABEL}={project}"),
                    format!("{COMPOSE_SERVICE_LABEL}={peer}"),
                ];
                let service = list_labelled(docker, labels, false, &subject.name).await?;
                ips = service.iter().flat_map(addresses).collect();
            }
        }
        if ips.is_empty() {
            return Err(DockerError::NoMatch {
                selector: format!(
                    "partition peer {peer} (a container name, a Compose service of {}'s \
                     project, an IP address or a CIDR block)",
                    subject.name
                ),
            });
        }
        resolved.extend(ips);
    }
    resolved.dedup();
    Ok(resolved)
}

/// What the helper wrote, standard output then standard error (the last
/// [`LOG_TAIL`] lines); empty when the logs cannot be read.
async fn helper_logs(docker: &Docker, helper_id: &str) -> (String, String) {
    let options = LogsOptions {
        stdout: true,
        stderr: true,
        tail: LOG_TAIL.to_owned(),
        ..LogsOptions::default()
    };
    let mut stream = docker.logs(helper_id, Some(options));
    let (mut out, mut err) = (String::new(), String::new());
    let read = async {
        while let Some(Ok(chunk)) = stream.next().await {
            match chunk {
                bollard::container::LogOutput::StdErr { message } => {
                    err.push_str(&String::from_utf8_lossy(&message))
                }
                other => out.push_str(&String::from_utf8_lossy(&other.into_bytes())),
            }
        }
    };
    let _ = tokio::time::timeout(API_TIMEOUT, read).await;
    (out, err)
}

/// Removes a helper (force: it may still run), ignoring errors: used on
/// paths that already fail.
async fn remove_quietly(docker: &Docker, helper_id: &str) {
    let options = RemoveContainerOptions {
        force: true,
        ..RemoveContainerOptions::default()
    };
    let _ = tokio::time::timeout(
        API_TIMEOUT,
        docker.remove_container(helper_id, Some(options)),
    )
    .await;
}

/// The helper's exit code once it has stopped; `None` while it runs.
async fn exit_code(
    docker: &Docker,
    helper_id: &str,
    subject: &str,
) -> Result<Option<i64>, DockerError> {
    let inspected = timed(
        "inspect the helper of",
        subject,
        docker.inspect_container(helper_id, None::<InspectContainerOptions>),
    )
    .await?;
    let state = inspected.state.unwrap_or_default();
    if state.running == Some(true) {
        Ok(None)
    } else {
        Ok(Some(state.exit_code.unwrap_or(-1)))
    }
}

/// Creates a helper in `subject`'s network namespace, hands it `script`
/// as a file (never on its command line: see [`script_file`]) and starts
/// it; returns its id (removed again when a step fails).
async fn run_helper(
    docker: &Docker,
    image: &str,
    subject: &ContainerRef,
    name: String,
    labels: HashMap<String, String>,
    script: String,
) -> Result<String, DockerError> {
    ensure_image(docker, image, &subject.name).await?;
    let body = ContainerCreateBody {
        image: Some(image.to_owned()),
        entrypoint: Some(script_file::entrypoint()),
        cmd: Some(Vec::new()),
        labels: Some(labels),
        host_config: Some(HostConfig {
            network_mode: Some(format!("container:{}", subject.id)),
            cap_add: Some(vec!["NET_ADMIN".to_owned()]),
            auto_remove: Some(false),
            ..HostConfig::default()
        }),
        ..ContainerCreateBody::default()
    };
    let options = CreateContainerOptions {
        name: Some(name),
        ..CreateContainerOptions::default()
    };
    let created = timed(
        "create the network helper for",
        &subject.name,
        docker.create_container(Some(options), body),
    )
    .await?;
    if let Err(err) = script_file::upload(docker, &created.id, &subject.name, &script).await {
        remove_quietly(docker, &created.id).await;
        return Err(err);
    }
    if let Err(err) = timed(
        "start the network helper for",
        &subject.name,
        docker.start_container(&created.id, None),
    )
    .await
    {
        remove_quietly(docker, &created.id).await;
        return Err(err);
    }
    Ok(created.id)
}

/// Waits (at most [`APPLY_TIMEOUT`]) until the helper prints `line` or
/// exits; `Ok(None)` when it printed the line (its notes, lines starting
/// with [`netfault::NOTE_PREFIX`], are logged), `Ok(Some(code))` when it
/// exited first.
async fn wait_for_line(
    docker: &Docker,
    helper_id: &str,
    subject: &str,
    line: &str,
) -> Result<Option<i64>, DockerError> {
    let options = LogsOptions {
        follow: true,
        stdout: true,
        stderr: false,
        ..LogsOptions::default()
    };
    let mut stream = docker.logs(helper_id, Some(options));
    let watch = async {
        let mut seen = String::new();
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(chunk) => seen.push_str(&String::from_utf8_lossy(&chunk.into_bytes())),
                Err(_) => break,
            }
            if seen.lines().any(|l| l.trim() == line) {
                return Some(seen);
            }
        }
        None
    };
    match tokio::time::timeout(APPLY_TIMEOUT, watch).await {
        Ok(Some(seen)) => {
            // What the helper noted on the way (no IPv6 in the namespace).
            for note in seen
                .lines()
                .filter_map(|l| l.trim().strip_prefix(netfault::NOTE_PREFIX))
            {
                tracing::warn!(container = %subject, "network helper: {note}");
            }
            Ok(None)
        }
        // The log stream ended: the helper exited (wait for it to be
        // recorded as such).
        Ok(None) => {
            let mut wait = docker.wait_container(helper_id, None::<WaitContainerOptions>);
            let _ = tokio::time::timeout(API_TIMEOUT, wait.next()).await;
            Ok(Some(
                exit_code(docker, helper_id, subject).await?.unwrap_or(-1),
            ))
        }
        Err(_) => Err(DockerError::Helper {
            container: subject.to_owned(),
            detail: format!("the helper said nothing within {APPLY_TIMEOUT:?}"),
        }),
    }
}

/// Applies `fault` (network or partition) to `subject`: resolves a
/// partition's peers, starts a helper from `image` in the subject's network
/// namespace (labelled with the engine, its instance id `owner`, the
/// fault's opaque `token` and the subject: nothing that names the fault),
/// and waits until its rules are in effect.
/// Returns the helper's container id. When the helper fails it is removed
/// and its rules are gone (it reverts what it did); a kernel without netem
/// gives [`DockerError::NoNetem`]. The image is never pulled.
pub async fn start_helper(
    docker: &Docker,
    image: &str,
    subject: &ContainerRef,
    owner: &str,
    token: &str,
    fault: &DockerFault,
    expires_at: f64,
) -> Result<String, DockerError> {
    netns::check_own_namespace(docker, subject).await?;
    let peers = match fault {
        DockerFault::Partition { peers } if !peers.is_empty() => {
            resolve_peers(docker, subject, peers).await?
        }
        _ => Vec::new(),
    };
    let plan: Plan = netfault::plan(token, fault, &peers)?;
    let script = netfault::apply_script(&plan, expires_at);
    let labels = helper_labels(owner, token, subject);
    let short = subject.id.get(..12).unwrap_or(&subject.id);
    let name = container_name(&["chaos-engine", token, short]);
    let helper_id = run_helper(docker, image, subject, name, labels, script).await?;
    let outcome = wait_for_line(docker, &helper_id, &subject.name, netfault::APPLIED_LINE).await;
    let code = match outcome {
        Ok(None) => return Ok(helper_id),
        Ok(Some(code)) => code,
        Err(err) => {
            // Hung: kill it, then make sure nothing it did stays.
            remove_quietly(docker, &helper_id).await;
            let _ = revert_leftovers(docker, image, subject, owner).await;
            return Err(err);
        }
    };
    let (_, stderr) = helper_logs(docker, &helper_id).await;
    remove_quietly(docker, &helper_id).await;
    if code == netfault::EXIT_NO_NETEM {
        return Err(DockerError::NoNetem {
            what: plan.netem.unwrap_or_else(|| "this fault".to_owned()),
        });
    }
    Err(DockerError::Helper {
        container: subject.to_string(),
        detail: format!("exit {code}: {}", stderr.trim()),
    })
}

/// Stops a helper (SIGTERM: it reverts and exits 0), checks how it ended,
/// and removes it. A helper that had already reverted at `expires_at` is
/// [`HelperEnd::Expired`]; one that is gone, [`HelperEnd::AlreadyGone`].
/// A helper that did not exit 0 is removed, a revert-only helper from the
/// same image cleans the namespace, and the error quotes its log.
pub async fn stop_helper(
    docker: &Docker,
    helper_id: &str,
    subject: &ContainerRef,
) -> Result<HelperEnd, DockerError> {
    let inspected = match tokio::time::timeout(
        API_TIMEOUT,
        docker.inspect_container(helper_id, None::<InspectContainerOptions>),
    )
    .await
    {
        Ok(Ok(inspected)) => inspected,
        Ok(Err(err)) if is_not_found(&err) => return Ok(HelperEnd::AlreadyGone),
        Ok(Err(err)) => {
            return Err(DockerError::Api {
                action: "inspect the network helper of",
                container: subject.to_string(),
                detail: err.to_string(),
            })
        }
        Err(_) => {
            return Err(DockerError::Api {
                action: "inspect the network helper of",
                container: subject.to_string(),
                detail: format!("the Docker Engine did not answer within {API_TIMEOUT:?}"),
            })
        }
    };
    let was_running = inspected.state.and_then(|s| s.running) == Some(true);
    if was_running {
        let options = StopContainerOptions {
            t: Some(STOP_GRACE_SECONDS),
            ..StopContainerOptions::default()
        };
        let stopped = tokio::time::timeout(
            API_TIMEOUT + Duration::from_secs(STOP_GRACE_SECONDS as u64),
            docker.stop_container(helper_id, Some(options)),
        )
        .await;
        match stopped {
            Ok(Ok(())) => {}
            Ok(Err(err)) if is_not_found(&err) => return Ok(HelperEnd::AlreadyGone),
            // 304: it stopped on its own meanwhile.
            Ok(Err(BollardError::DockerResponseServerError {
                status_code: 304, ..
            })) => {}
            Ok(Err(err)) => {
                return Err(DockerError::Api {
                    action: "stop the network helper of",
                    container: subject.to_string(),
                    detail: err.to_string(),
                })
            }
            Err(_) => {
                return Err(DockerError::Api {
                    action: "stop the network helper of",
                    container: subject.to_string(),
                    detail: "the Docker Engine did not answer in time".to_owned(),
                })
            }
        }
    }
    let code = match exit_code(docker, helper_id, &subject.name).await {
        Ok(code) => code.unwrap_or(-1),
        Err(_) => return Ok(HelperEnd::AlreadyGone),
    };
    let (stdout, stderr) = helper_logs(docker, helper_id).await;
    remove_quietly(docker, helper_id).await;
    if code == netfault::EXIT_REMOVED && stdout.contains(netfault::REMOVED_LINE) {
        return Ok(HelperEnd::RulesRemoved);
    }
    if code == 0 {
        if !was_running && stdout.contains(netfault::EXPIRED_LINE) {
            return Ok(HelperEnd::Expired);
        }
        return Ok(HelperEnd::Reverted);
    }
    let config = inspected.config.unwrap_or_default();
    let owner = config
        .labels
        .as_ref()
        .and_then(|labels| labels.get(LABEL_OWNER).cloned())
        .unwrap_or_default();
    let cleanup = match config.image {
        Some(image) => match revert_leftovers(docker, &image, subject, &owner).await {
            // Verified clean by the revert-only helper (a helper stopped
            // before its script set its trap ignores SIGTERM, as PID 1,
            // and is killed at the end of the grace).
            Ok(()) => {
                tracing::warn!(
                    container = %subject,
                    "the network helper exited {code} instead of reverting; a revert-only helper removed its rules"
                );
                return Ok(HelperEnd::Reverted);
            }
            Err(err) => format!("removing its rules failed too: {err}"),
        },
        None => "its image is unknown: run `chaos-engine recover`".to_owned(),
    };
    Err(DockerError::Helper {
        container: subject.to_string(),
        detail: format!(
            "the helper exited {code} instead of reverting cleanly ({cleanup}): {}{}",
            stdout.trim(),
            stderr.trim()
        ),
    })
}

/// Undoes a network fault on `container`: stops its helper `helper_id`
/// if there is one (it reverts its rules), else, while the container runs,
/// runs a revert-only helper labelled as `owner`'s (a stopped container's
/// namespace, and the rules in it, are gone). Says what it did; the
/// daemon's clear and `recover` both undo network faults through it.
pub async fn undo_network_fault(
    docker: &Docker,
    helper_id: Option<&str>,
    container: &ContainerRef,
    image: &str,
    owner: &str,
) -> Result<&'static str, DockerError> {
    let ended = match helper_id {
        Some(helper_id) => stop_helper(docker, helper_id, container).await?,
        None => HelperEnd::AlreadyGone,
    };
    match ended {
        HelperEnd::Reverted => Ok("network rules removed"),
        HelperEnd::Expired => Ok("network rules had expired"),
        HelperEnd::RulesRemoved => Ok("network rules had been removed by someone else"),
        HelperEnd::AlreadyGone => {
            match crate::docker::container_ops::inspect(docker, container).await? {
                Some(state) if state.running => {
                    revert_leftovers(docker, image, container, owner).await?;
                    Ok("network rules removed by a revert-only helper")
                }
                Some(_) => Ok("not running (its network namespace is gone)"),
                None => Ok("gone"),
            }
        }
    }
}

/// Removes whatever network fault rules are in `subject`'s namespace (a
/// helper that was SIGKILLed left them): runs a revert-only helper from
/// `image`, labelled as `owner`'s, waits for it to finish, and removes it.
/// A subject without a namespace of its own is
/// [`DockerError::SharedNetns`], and no helper runs.
pub async fn revert_leftovers(
    docker: &Docker,
    image: &str,
    subject: &ContainerRef,
    owner: &str,
) -> Result<(), DockerError> {
    // Never in the host's (or another container's) namespace: the revert
    // deletes every chaos-engine chain and tbf/netem qdisc it finds there.
    netns::check_own_namespace(docker, subject).await?;
    let labels = helper_labels(owner, REVERT_FAULT_VALUE, subject);
    let name = container_name(&["chaos-engine", &crate::docker::ledger::random_id()]);
    let helper_id = run_helper(
        docker,
        image,
        subject,
        name,
        labels,
        netfault::revert_script(),
    )
    .await?;
    let mut wait = docker.wait_container(&helper_id, None::<WaitContainerOptions>);
    let waited = tokio::time::timeout(APPLY_TIMEOUT, wait.next()).await;
    let code = exit_code(docker, &helper_id, &subject.name).await;
    let (stdout, stderr) = helper_logs(docker, &helper_id).await;
    remove_quietly(docker, &helper_id).await;
    match (waited, code) {
        (Ok(_), Ok(Some(0))) if stdout.contains(netfault::REVERTED_LINE) => Ok(()),
        (Err(_), _) => Err(DockerError::Helper {
            container: subject.to_string(),
            detail: format!("the revert-only helper did not finish within {APPLY_TIMEOUT:?}"),
        }),
        (_, code) => Err(DockerError::Helper {
            container: subject.to_string(),
            detail: format!(
                "the revert-only helper ended with {code:?}: {}{}",
                stdout.trim(),
                stderr.trim()
            ),
        }),
    }
}

/// Every container carrying [`LABEL_ENGINE`] = `chaos-engine`, running or
/// not: the helpers (and revert-only helpers) of this or an earlier
/// engine, for recovery.
pub async fn find_helpers(docker: &Docker) -> Result<Vec<HelperInfo>, DockerError> {
    let labels = vec![format!("{LABEL_ENGINE}={ENGINE_LABEL_VALUE}")];
    let listed = list_labelled(docker, labels, true, "chaos-engine's helpers").await?;
    Ok(listed
        .into_iter()
        .map(|container| {
            let labels = container.labels.unwrap_or_default();
            let state = container.state.map(|s| s.to_string());
            HelperInfo {
                id: container.id.unwrap_or_default(),
                name: container
                    .names
                    .and_then(|names| names.into_iter().next())
                    .map(|name| name.trim_start_matches('/').to_owned())
                    .unwrap_or_default(),
                running: state.as_deref() == Some("running"),
                created_only: state.as_deref() == Some("created"),
                owner: labels.get(LABEL_OWNER).cloned(),
                fault: labels.get(LABEL_FAULT).cloned(),
                subject: labels.get(LABEL_SUBJECT).cloned(),
                image: container.image,
                labels,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_that_are_addresses_pass_through() {
        assert!(is_address("172.18.0.5"));
        assert!(is_address("10.0.0.0/8"));
        assert!(is_address("fd00::1/64"));
        assert!(!is_address("10.0.0.0/33"));
        assert!(!is_address("db"));
        assert!(!is_address("1.2.3.4; reboot"));
    }

    #[test]
    fn helper_names_are_valid_container_names() {
        assert_eq!(
            container_name(&["chaos-engine", "a b", "f/1", "abc"]),
            "chaos-engine-a-b-f-1-abc"
        );
    }
}
