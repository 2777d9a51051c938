//! The engine's own Compose project: the default scope of a Compose
//! service selector (`docker: { service: inventory }`), so that an engine
//! run by Compose breaks its own project's `inventory`, never another
//! project's on the same Docker host.
//!
//! The project is, in this order:
//! 1. the `com.docker.compose.project` label of the engine's own container,
//!    found on the target's Docker Engine by the container id the kernel
//!    shows the engine (`/proc/self/mountinfo`: Docker bind-mounts
//!    `/etc/hostname` from `.../containers/<id>/hostname`; else
//!    `/proc/self/cgroup`; else the host name, Docker's short id);
//! 2. `COMPOSE_PROJECT_NAME`, for an engine run outside Compose (on the
//!    host, or a plain `docker run`) that should keep to one project;
//! 3. none: any project, as `project: "*"` says explicitly.
//!
//! An Engine error while looking (other than "no such container") is an
//! error, never a silent widening to every project.
//!
//! [`resolve`], the look-up every use of a selector starts with, also
//! finds the one Swarm service a Swarm target's `labels:` name
//! (`super::swarm_service`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use bollard::Docker;

use super::client::{api_error, is_not_found, no_answer, CALL_TIMEOUT};
use super::spec::{ProjectScope, Selector, COMPOSE_PROJECT_LABEL};
use super::swarm_service::service_labelled;
use super::swarm_task::SERVICE_NAME_LABEL;
use super::DockerError;

/// The variable naming the project when the engine's container does not.
pub const COMPOSE_PROJECT_ENV: &str = "COMPOSE_PROJECT_NAME";

/// `selector` with [`ProjectScope::Own`] replaced by the project found
/// ([`ProjectScope::Named`]) or, when none is, [`ProjectScope::Any`];
/// a [`Selector::SwarmServiceLabels`] replaced by the name label of the
/// one service its labels match (`super::swarm_service`); any other
/// selector as it is.
pub async fn resolve(docker: &Docker, selector: &Selector) -> Result<Selector, DockerError> {
    match selector {
        Selector::Service {
            service,
            project: ProjectScope::Own,
        } => Ok(Selector::Service {
            service: service.clone(),
            project: match own_project(docker).await? {
                Some(project) => ProjectScope::Named(project),
                None => ProjectScope::Any,
            },
        }),
        Selector::SwarmServiceLabels(labels) => Ok(Selector::Labels(BTreeMap::from([(
            SERVICE_NAME_LABEL.to_owned(),
            service_labelled(docker, labels).await?,
        )]))),
        other => Ok(other.clone()),
    }
}

/// The engine's own Compose project (see the module's doc), if any.
pub async fn own_project(docker: &Docker) -> Result<Option<String>, DockerError> {
    if let Some(id) = own_container_id() {
        if let Some(project) = project_label_of(docker, id).await? {
            return Ok(Some(project));
        }
    }
    Ok(std::env::var(COMPOSE_PROJECT_ENV)
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty()))
}

/// The Compose project label of container `id` on `docker`; `None` when
/// it has none or that Engine has no such container (the engine runs on
/// another host, or not in a container).
async fn project_label_of(docker: &Docker, id: &str) -> Result<Option<String>, DockerError> {
    const WHAT: &str = "the engine's own container";
    let answer = tokio::time::timeout(CALL_TIMEOUT, docker.inspect_container(id, None)).await;
    match answer {
        Err(_) => Err(DockerError::Api {
            action: "inspect",
            container: WHAT.to_owned(),
            detail: no_answer(CALL_TIMEOUT),
        }),
        Ok(Err(err)) if is_not_found(&err) => Ok(None),
        Ok(Err(err)) => Err(api_error("inspect", WHAT, &err)),
        Ok(Ok(details)) => Ok(details
            .config
            .and_then(|config| config.labels)
            .and_then(|labels| labels.get(COMPOSE_PROJECT_LABEL).cloned())),
    }
}

/// The id of the container the engine runs in, if it runs in one (read
/// once).
fn own_container_id() -> Option<&'static str> {
    static ID: OnceLock<Option<String>> = OnceLock::new();
    ID.get_or_init(|| {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        id_in_mountinfo(&read("/proc/self/mountinfo"))
            .or_else(|| id_in_cgroup(&read("/proc/self/cgroup")))
            .or_else(|| short_id_hostname(read("/etc/hostname").trim()))
    })
    .as_deref()
}

/// The id in the source of the `/etc/hostname` bind mount
/// (`.../containers/<64 hex>/hostname`), as Docker sets it up.
fn id_in_mountinfo(mountinfo: &str) -> Option<String> {
    mountinfo.lines().find_map(|line| {
        let mut fields = line.split(' ');
        let root = fields.nth(3)?;
        let mount_point = fields.next()?;
        if mount_point != "/etc/hostname" {
            return None;
        }
        let (_, after) = root.rsplit_once("/containers/")?;
        let id = after.strip_suffix("/hostname")?;
        is_full_id(id).then(|| id.to_owned())
    })
}

/// The id in a cgroup v1 path (`.../docker/<64 hex>` or
/// `.../docker-<64 hex>.scope`); cgroup v2 inside a container shows `/`.
fn id_in_cgroup(cgroup: &str) -> Option<String> {
    cgroup.lines().find_map(|line| {
        let path = line.rsplit(':').next()?;
        let last = path.rsplit('/').next()?;
        let id = last
            .strip_prefix("docker-")
            .and_then(|rest| rest.strip_suffix(".scope"))
            .unwrap_or(last);
        is_full_id(id).then(|| id.to_owned())
    })
}

/// Docker's default host name is the container's short id (12 hex).
fn short_id_hostname(hostname: &str) -> Option<String> {
    (hostname.len() == 12 && hostname.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| hostname.to_owned())
}

fn is_full_id(id: &str) -> bool {
    id.len() == 64 && id.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "caaeb905e15d80b7929a00464c21024c3cda47a01ece6048d8944a5ed13b4f4c";

    #[test]
    fn the_id_comes_from_the_hostname_bind_mount() {
        let mountinfo = format!(
            "72 60 0:52 / / rw,relatime - overlay overlay rw\n\
             91 72 254:0 /var/lib/docker/containers/{ID}/hosts /etc/hosts rw - ext4 /dev/vda rw\n\
             90 72 254:0 /var/lib/docker/containers/{ID}/hostname /etc/hostname rw - ext4 /dev/vda rw\n"
        );
        assert_eq!(id_in_mountinfo(&mountinfo).as_deref(), Some(ID));
        // /var/lib/docker on a file system of its own: the root is shorter.
        let own_fs = format!("90 72 254:0 /containers/{ID}/hostname /etc/hostname rw - ext4 x rw");
        assert_eq!(id_in_mountinfo(&own_fs).as_deref(), Some(ID));
        // On the host: no such mount.
        assert_eq!(id_in_mountinfo("22 1 0:21 / /proc rw - proc proc rw"), None);
    }

    #[test]
    fn the_id_comes_from_a_cgroup_v1_path_or_the_short_id_host_name() {
        assert_eq!(
            id_in_cgroup(&format!("9:name=systemd:/docker/{ID}\n")).as_deref(),
            Some(ID)
        );
        assert_eq!(
            id_in_cgroup(&format!("0::/system.slice/docker-{ID}.scope\n")).as_deref(),
            Some(ID)
        );
        assert_eq!(id_in_cgroup("0::/\n"), None);
        assert_eq!(id_in_cgroup("0::/user.slice/session-2.scope\n"), None);
        assert_eq!(
            short_id_hostname("caaeb905e15d").as_deref(),
            Some("caaeb905e15d")
        );
        assert_eq!(short_id_hostname("laptop"), None);
        assert_eq!(short_id_hostname("inventory-1"), None);
    }
}
