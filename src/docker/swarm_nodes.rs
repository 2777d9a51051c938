//! Where a Swarm service's task containers are. The manager lists the
//! service's running tasks, each with the node that runs it: a task on
//! the manager's own node is reached through the manager's Engine, a task
//! on another node through that node's Engine, whose address
//! `policy.swarm.nodes` gives by node name (the node's hostname, as
//! `docker node ls` shows it). A task on a node that map does not name is
//! out of reach: it is left out of the choice, and said so.
//!
//! [`UnitEngines`] then holds one connection per Engine a fault's
//! containers live on.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use bollard::Docker;

use super::client::{bounded, connect, CALL_TIMEOUT};
use super::own_project::resolve;
use super::swarm_ops::{node_hostname, running_tasks};
use super::swarm_task::SERVICE_NAME_LABEL;
use super::{ContainerRef, DockerError, Selector};
use crate::outcome::UnitHost;

/// The Engine of one Swarm node, as `policy.swarm.nodes` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeEngine {
    /// Its address (`tcp://…`, `https://…`).
    pub host: String,
    /// The certificate directory TLS is spoken to it with (checked and
    /// made absolute at load); `None`: no TLS.
    pub cert_path: Option<PathBuf>,
}

/// The node Engines a Swarm target may reach, by node name.
pub type SwarmNodes = BTreeMap<String, NodeEngine>;

/// The running task containers of a service, and what was out of reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskContainers {
    /// Each task's container, by name (`SERVICE.SLOT.TASK`, the name
    /// Swarm gives it).
    pub containers: Vec<ContainerRef>,
    /// Where the containers that are not on the manager's node are, by
    /// container id.
    pub elsewhere: BTreeMap<String, UnitHost>,
    /// The nodes that run tasks of the service but that
    /// `policy.swarm.nodes` does not name.
    pub unreachable_nodes: BTreeSet<String>,
}

impl TaskContainers {
    /// Where the containers `hit` live elsewhere than the manager.
    pub fn elsewhere_of(&self, hit: &[ContainerRef]) -> BTreeMap<String, UnitHost> {
        hit.iter()
            .filter_map(|c| Some((c.id.clone(), self.elsewhere.get(&c.id)?.clone())))
            .collect()
    }

    /// Why there is nothing to choose from: no task runs, or every one
    /// runs on a node out of reach.
    pub fn none_reachable(&self, service: &str) -> DockerError {
        if self.unreachable_nodes.is_empty() {
            return DockerError::NoMatch {
                selector: format!("service {service} (no running task)"),
            };
        }
        DockerError::Unsupported(unreachable_text(service, &self.unreachable_nodes))
    }
}

/// `the tasks of service S on node2 are out of reach: ...`.
pub fn unreachable_text(service: &str, nodes: &BTreeSet<String>) -> String {
    let names: Vec<&str> = nodes.iter().map(String::as_str).collect();
    format!(
        "the tasks of service {service} on {} are out of reach: `policy.swarm.nodes` names no \
         Engine for {}; add e.g. `{}: tcp://ADDRESS:2376` (with `cert_path` for TLS)",
        names.join(", "),
        if names.len() == 1 { "it" } else { "them" },
        names.first().copied().unwrap_or("NODE")
    )
}

/// The running task containers of the service a Swarm target's
/// `selector` names (resolved first: by its labels, when configured so),
/// as [`task_containers`] finds them; the service's name with them.
pub async fn swarm_tasks(
    manager: &Docker,
    selector: &Selector,
    nodes: &SwarmNodes,
) -> Result<(String, TaskContainers), DockerError> {
    let selector = resolve(manager, selector).await?;
    let service = service_of(&selector);
    let tasks = task_containers(manager, service, nodes).await?;
    Ok((service.to_owned(), tasks))
}

/// The service a resolved Swarm target's selector names (its service
/// name label); empty when it names none, which lists no task.
pub fn service_of(selector: &Selector) -> &str {
    match selector {
        Selector::Labels(labels) => labels.get(SERVICE_NAME_LABEL).map_or("", String::as_str),
        _ => "",
    }
}

/// The running task containers of `service` as the manager `manager`
/// lists them, each placed on its node's Engine (see the module docs).
pub async fn task_containers(
    manager: &Docker,
    service: &str,
    nodes: &SwarmNodes,
) -> Result<TaskContainers, DockerError> {
    let manager_node = manager_node_id(manager).await?;
    let tasks = running_tasks(manager, service).await?;
    let mut hostnames: HashMap<String, String> = HashMap::new();
    let mut found = TaskContainers::default();
    for task in tasks {
        let Some(container_id) = task.container_id.clone() else {
            continue;
        };
        let place = match (task.slot, &task.node_id) {
            (Some(slot), _) => slot.to_string(),
            (None, Some(node)) => node.clone(),
            (None, None) => continue,
        };
        let container = ContainerRef {
            id: container_id,
            name: format!("{service}.{place}.{}", task.id),
        };
        let node_id = task.node_id.unwrap_or_default();
        if node_id.is_empty() || Some(&node_id) == manager_node.as_ref() {
            found.containers.push(container);
            continue;
        }
        let hostname = match hostnames.get(&node_id) {
            Some(name) => name.clone(),
            None => {
                let name = node_hostname(manager, &node_id)
                    .await?
                    .unwrap_or_else(|| node_id.clone());
                hostnames.insert(node_id.clone(), name.clone());
                name
            }
        };
        match nodes.get(&hostname) {
            Some(engine) => {
                found.elsewhere.insert(
                    container.id.clone(),
                    UnitHost {
                        node: hostname,
                        host: engine.host.clone(),
                        cert_path: engine.cert_path.clone(),
                    },
                );
                found.containers.push(container);
            }
            None => {
                found.unreachable_nodes.insert(hostname);
            }
        }
    }
    found
        .containers
        .sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    Ok(found)
}

/// The id of the node whose Engine `docker` is (`None`: it is in no
/// swarm).
async fn manager_node_id(docker: &Docker) -> Result<Option<String>, DockerError> {
    let info = bounded(CALL_TIMEOUT, "read", "the Engine's info", docker.info()).await?;
    Ok(info
        .swarm
        .and_then(|swarm| swarm.node_id)
        .filter(|id| !id.is_empty()))
}

/// One connection per Engine a fault's containers live on: the target's
/// own (the manager's, for a Swarm target) and each node Engine one of
/// them is on.
#[derive(Clone)]
pub struct UnitEngines {
    home: Docker,
    /// Each other Engine once, by address.
    others: Vec<(String, Docker)>,
    /// The index in `others` of each container that lives there.
    placed: HashMap<String, usize>,
}

impl UnitEngines {
    /// Every container on `home`.
    pub fn single(home: Docker) -> UnitEngines {
        UnitEngines {
            home,
            others: Vec::new(),
            placed: HashMap::new(),
        }
    }

    /// `home`, and a connection to each Engine of `elsewhere` (container
    /// id to where it lives).
    pub async fn connect(
        home: Docker,
        elsewhere: &BTreeMap<String, UnitHost>,
    ) -> Result<UnitEngines, DockerError> {
        let mut engines = UnitEngines::single(home);
        for (container_id, at) in elsewhere {
            let index = match engines.others.iter().position(|(host, _)| host == &at.host) {
                Some(index) => index,
                None => {
                    let docker = connect(Some(&at.host), at.cert_path.as_deref())
                        .await
                        .map_err(|err| on_node(&at.node, err))?;
                    engines.others.push((at.host.clone(), docker));
                    engines.others.len() - 1
                }
            };
            engines.placed.insert(container_id.clone(), index);
        }
        Ok(engines)
    }

    /// The Engine the container `id` lives on.
    pub fn of(&self, id: &str) -> &Docker {
        self.placed
            .get(id)
            .and_then(|&index| self.others.get(index))
            .map_or(&self.home, |(_, docker)| docker)
    }

    /// The node `id` lives on when that is not the target's own Engine's.
    pub fn node_of<'a>(elsewhere: &'a BTreeMap<String, UnitHost>, id: &str) -> Option<&'a str> {
        elsewhere.get(id).map(|at| at.node.as_str())
    }

    /// The target's own Engine.
    pub fn home(&self) -> &Docker {
        &self.home
    }

    /// Every Engine, the target's own first.
    pub fn all(&self) -> Vec<Docker> {
        std::iter::once(self.home.clone())
            .chain(self.others.iter().map(|(_, docker)| docker.clone()))
            .collect()
    }
}

/// `err`, said to be node `node`'s Engine's.
fn on_node(node: &str, err: DockerError) -> DockerError {
    match err {
        DockerError::Unreachable { host, detail } => DockerError::Unreachable {
            host: format!("{host} (node {node}, from policy.swarm.nodes)"),
            detail,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_reach_nodes_are_named_with_the_fix() {
        let nodes = BTreeSet::from(["node2".to_owned()]);
        assert_eq!(
            unreachable_text("shop_api", &nodes),
            "the tasks of service shop_api on node2 are out of reach: `policy.swarm.nodes` names \
             no Engine for it; add e.g. `node2: tcp://ADDRESS:2376` (with `cert_path` for TLS)"
        );
        let found = TaskContainers::default();
        assert_eq!(
            found.none_reachable("api").to_string(),
            "no running container matches service api (no running task)"
        );
    }

    #[test]
    fn only_the_hit_containers_elsewhere_are_kept() {
        let at = UnitHost {
            node: "node2".to_owned(),
            host: "tcp://127.0.0.1:1".to_owned(),
            cert_path: None,
        };
        let found = TaskContainers {
            containers: Vec::new(),
            elsewhere: BTreeMap::from([("a".to_owned(), at.clone()), ("b".to_owned(), at.clone())]),
            unreachable_nodes: BTreeSet::new(),
        };
        let hit = vec![ContainerRef {
            id: "b".to_owned(),
            name: "svc.2.t".to_owned(),
        }];
        assert_eq!(
            found.elsewhere_of(&hit),
            BTreeMap::from([("b".to_owned(), at)])
        );
    }
}
