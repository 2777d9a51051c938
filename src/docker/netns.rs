//! Whether a container has a network namespace of its own, checked before
//! any network helper joins it.
//!
//! The network helper joins its subject's namespace
//! (`network_mode: container:<id>`) and changes the iptables rules and
//! qdiscs it finds there. That is only confined to the subject when the
//! namespace is the subject's own. Two network modes share one:
//!
//! - `host`: the namespace is the Docker host's own, so a `partition`
//!   would cut off the whole machine, and a `network` fault would degrade
//!   every service on it;
//! - `container:<id>` (Compose `network_mode: service:X` or
//!   `container:X`): the namespace is another container's, which the fault
//!   would hit too.
//!
//! Both are refused with [`DockerError::SharedNetns`] before anything is
//! created. `none` is allowed: such a container has a namespace of its own
//! with only `lo` (the helper then fails with its own clear message).
//! [`namespace_of`] is the pure decision on a `docker inspect` answer;
//! [`check_own_namespace`] asks the Engine.

use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::InspectContainerOptions;
use bollard::Docker;

use super::client::{bounded, CALL_TIMEOUT};
use super::{ContainerRef, DockerError};

/// The end of the sandbox path Docker gives containers in the host's
/// namespace (`/var/run/docker/netns/default`).
const HOST_SANDBOX_SUFFIX: &str = "/netns/default";

/// Whose network namespace a container is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Namespace {
    /// Its own (a bridge or user-defined network, or `none`).
    Own,
    /// The Docker host's (network mode `host`, or a sandbox that is the
    /// host's).
    Host,
    /// Another container's (network mode `container:<id>`); the id or name
    /// Docker recorded.
    SharedWith(String),
}

/// The namespace of an inspected container, with its network mode as
/// Docker reports it (`default`, `bridge`, `host`, `container:<id>`,
/// `none`, a network name).
pub fn namespace_of(inspected: &ContainerInspectResponse) -> (Namespace, String) {
    let mode = inspected
        .host_config
        .as_ref()
        .and_then(|config| config.network_mode.clone())
        .unwrap_or_default();
    let sandbox = inspected
        .network_settings
        .as_ref()
        .and_then(|settings| settings.sandbox_key.clone())
        .unwrap_or_default();
    let namespace = if mode == "host" || sandbox.ends_with(HOST_SANDBOX_SUFFIX) {
        Namespace::Host
    } else if let Some(other) = mode.strip_prefix("container:") {
        Namespace::SharedWith(other.to_owned())
    } else {
        Namespace::Own
    };
    (namespace, mode)
}

/// `Ok` when `subject` has a network namespace of its own; otherwise
/// [`DockerError::SharedNetns`] naming it, its network mode and whose
/// namespace a network fault would change. An Engine call that fails is
/// [`DockerError::Api`] (nothing is applied either way).
pub async fn check_own_namespace(
    docker: &Docker,
    subject: &ContainerRef,
) -> Result<(), DockerError> {
    let what = subject.to_string();
    let inspected = bounded(
        CALL_TIMEOUT,
        "inspect the network mode of",
        &what,
        docker.inspect_container(&subject.id, None::<InspectContainerOptions>),
    )
    .await?;
    let (namespace, mode) = namespace_of(&inspected);
    let why = match namespace {
        Namespace::Own => return Ok(()),
        Namespace::Host => "it is in the Docker host's own network namespace, so the fault's \
                            iptables rules would change the host's (a partition would cut off \
                            the whole machine)"
            .to_owned(),
        Namespace::SharedWith(other) => {
            let other = other_name(docker, &other).await;
            format!(
                "it shares the network namespace of container {other}, which the fault would \
                 hit too; apply network faults to {other} instead"
            )
        }
    };
    Err(DockerError::SharedNetns {
        container: what,
        network_mode: mode,
        why,
    })
}

/// `name (short id)` of the container whose namespace is shared, or the
/// id as Docker recorded it when it cannot be inspected.
async fn other_name(docker: &Docker, other: &str) -> String {
    let inspected = bounded(
        CALL_TIMEOUT,
        "inspect",
        other,
        docker.inspect_container(other, None::<InspectContainerOptions>),
    )
    .await;
    match inspected {
        Ok(inspected) => {
            let id = inspected.id.unwrap_or_else(|| other.to_owned());
            let name = inspected
                .name
                .map(|name| name.trim_start_matches('/').to_owned())
                .unwrap_or_else(|| id.clone());
            ContainerRef { id, name }.to_string()
        }
        Err(_) => other.get(..12).unwrap_or(other).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{HostConfig, NetworkSettings};

    fn inspected(mode: &str, sandbox: &str) -> ContainerInspectResponse {
        ContainerInspectResponse {
            host_config: Some(HostConfig {
                network_mode: Some(mode.to_owned()),
                ..HostConfig::default()
            }),
            network_settings: Some(NetworkSettings {
                sandbox_key: Some(sandbox.to_owned()),
                ..NetworkSettings::default()
            }),
            ..ContainerInspectResponse::default()
        }
    }

    #[test]
    fn host_and_shared_namespaces_are_not_the_containers_own() {
        // What Docker 20.10 reports for each mode.
        let cases = [
            (
                "default",
                "/var/run/docker/netns/eaa96429380b",
                Namespace::Own,
            ),
            (
                "bridge",
                "/var/run/docker/netns/eaa96429380b",
                Namespace::Own,
            ),
            (
                "demo_default",
                "/var/run/docker/netns/1c2d3e",
                Namespace::Own,
            ),
            ("none", "/var/run/docker/netns/a7827d9e058d", Namespace::Own),
            ("host", "/var/run/docker/netns/default", Namespace::Host),
            ("host", "", Namespace::Host),
            (
                "container:4bea28f1a8e7",
                "",
                Namespace::SharedWith("4bea28f1a8e7".into()),
            ),
        ];
        for (mode, sandbox, expected) in cases {
            assert_eq!(
                namespace_of(&inspected(mode, sandbox)),
                (expected, mode.to_owned()),
                "{mode} {sandbox}"
            );
        }
        // A sandbox that is the host's, whatever the mode says.
        assert_eq!(
            namespace_of(&inspected("weird", "/run/docker/netns/default")).0,
            Namespace::Host
        );
        assert_eq!(
            namespace_of(&ContainerInspectResponse::default()).0,
            Namespace::Own
        );
    }

    #[test]
    fn the_refusal_names_the_container_its_mode_and_why() {
        let err = DockerError::SharedNetns {
            container: "web-1 (48f68e166c22)".into(),
            network_mode: "host".into(),
            why: "it is in the Docker host's own network namespace".into(),
        };
        let text = err.to_string();
        assert!(
            text.contains("web-1 (48f68e166c22)") && text.contains("network mode host"),
            "{text}"
        );
    }
}
