//! The Swarm slot of a task container, read from the labels Swarm puts on
//! it: which service it belongs to, which slot of that service it fills
//! (a replica number, or the node id of a global service) and which task
//! fills it now. A container of another task in the same slot is Swarm's
//! replacement of it ([`SwarmSlot::replaced_by`]).
//!
//! Labels only: this works on any Docker target that hits task
//! containers, and names no Swarm kind.

use std::collections::HashMap;

use bollard::Docker;

use super::client::inspect_container;
use super::swarm_ops::TaskRef;
use super::{ContainerRef, DockerError};

/// The service a task container belongs to.
pub const SERVICE_NAME_LABEL: &str = "com.docker.swarm.service.name";

/// The task a container runs (present on every Swarm task container).
pub const TASK_ID_LABEL: &str = "com.docker.swarm.task.id";

/// `SERVICE.SLOT.TASKID` (`SERVICE.NODEID.TASKID` for a global service).
pub const TASK_NAME_LABEL: &str = "com.docker.swarm.task.name";

/// Where a task container sits in its service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwarmSlot {
    /// The service's name.
    pub service: String,
    /// The replica number (`1`, `2`...), or the node id of a global
    /// service.
    pub slot: String,
    /// The task filling the slot now.
    pub task_id: String,
}

impl SwarmSlot {
    /// The slot of a container with `labels`; `None` when it is no Swarm
    /// task, or its task name does not read `SERVICE.SLOT.TASKID`.
    pub fn from_labels(labels: &HashMap<String, String>) -> Option<SwarmSlot> {
        let service = labels.get(SERVICE_NAME_LABEL)?;
        let task_id = labels.get(TASK_ID_LABEL)?;
        let task_name = labels.get(TASK_NAME_LABEL)?;
        // Stripped from both ends, so dots in the service name are fine.
        let slot = task_name
            .strip_prefix(service.as_str())?
            .strip_prefix('.')?
            .strip_suffix(task_id.as_str())?
            .strip_suffix('.')?;
        if slot.is_empty() || service.is_empty() || task_id.is_empty() {
            return None;
        }
        Some(SwarmSlot {
            service: service.clone(),
            slot: slot.to_owned(),
            task_id: task_id.clone(),
        })
    }

    /// True when a container with `attributes` (an event's
    /// `Actor.Attributes`, which hold its labels) runs another task in
    /// this same slot of the same service: Swarm's replacement.
    pub fn replaced_by(&self, attributes: &HashMap<String, String>) -> bool {
        SwarmSlot::from_labels(attributes).is_some_and(|other| {
            other.service == self.service
                && other.slot == self.slot
                && other.task_id != self.task_id
        })
    }

    /// True when `task` (one of the service's running tasks, as the
    /// manager lists them) is another task in this slot: Swarm's
    /// replacement, on whichever node it runs.
    pub fn filled_by(&self, task: &TaskRef) -> bool {
        let place = match (task.slot, &task.node_id) {
            (Some(slot), _) => slot.to_string(),
            (None, Some(node)) => node.clone(),
            (None, None) => return false,
        };
        task.id != self.task_id && place == self.slot
    }
}

/// The Swarm slot of `container`, from its labels; `None` when it is no
/// Swarm task or no longer exists.
pub async fn slot_of(
    docker: &Docker,
    container: &ContainerRef,
) -> Result<Option<SwarmSlot>, DockerError> {
    let Some(details) = inspect_container(docker, container).await? else {
        return Ok(None);
    };
    Ok(details
        .config
        .and_then(|config| config.labels)
        .and_then(|labels| SwarmSlot::from_labels(&labels)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(service: &str, task_name: &str, task_id: &str) -> HashMap<String, String> {
        HashMap::from([
            (SERVICE_NAME_LABEL.to_owned(), service.to_owned()),
            (TASK_NAME_LABEL.to_owned(), task_name.to_owned()),
            (TASK_ID_LABEL.to_owned(), task_id.to_owned()),
        ])
    }

    #[test]
    fn a_replicated_task_reads_its_replica_number() {
        let slot = SwarmSlot::from_labels(&labels("a_b", "a_b.1.xyz", "xyz")).unwrap();
        assert_eq!(
            slot,
            SwarmSlot {
                service: "a_b".into(),
                slot: "1".into(),
                task_id: "xyz".into(),
            }
        );
        // Dots in the service name are stripped as a whole.
        let dotted = SwarmSlot::from_labels(&labels("shop.api", "shop.api.12.t9", "t9")).unwrap();
        assert_eq!(dotted.slot, "12");
    }

    #[test]
    fn a_global_task_reads_its_node_id() {
        let slot = SwarmSlot::from_labels(&labels("svc", "svc.NODEID.TID", "TID")).unwrap();
        assert_eq!(slot.slot, "NODEID");
        assert_eq!(slot.task_id, "TID");
    }

    #[test]
    fn missing_or_unreadable_labels_are_no_slot() {
        assert_eq!(SwarmSlot::from_labels(&HashMap::new()), None);
        let mut no_task_id = labels("svc", "svc.1.t", "t");
        no_task_id.remove(TASK_ID_LABEL);
        assert_eq!(SwarmSlot::from_labels(&no_task_id), None);
        let mut no_name = labels("svc", "svc.1.t", "t");
        no_name.remove(TASK_NAME_LABEL);
        assert_eq!(SwarmSlot::from_labels(&no_name), None);
        // A task name of another service, or without a slot.
        assert_eq!(
            SwarmSlot::from_labels(&labels("svc", "other.1.t", "t")),
            None
        );
        assert_eq!(SwarmSlot::from_labels(&labels("svc", "svc.t", "t")), None);
        assert_eq!(SwarmSlot::from_labels(&labels("svc", "svc..t", "t")), None);
    }

    #[test]
    fn a_listed_task_in_the_same_slot_fills_it() {
        let old = SwarmSlot::from_labels(&labels("svc", "svc.1.old", "old")).unwrap();
        let task = |id: &str, slot: Option<i64>, node: Option<&str>| TaskRef {
            id: id.to_owned(),
            slot,
            node_id: node.map(str::to_owned),
            container_id: None,
        };
        assert!(old.filled_by(&task("new", Some(1), Some("n2"))));
        assert!(!old.filled_by(&task("old", Some(1), Some("n1"))));
        assert!(!old.filled_by(&task("new", Some(2), Some("n1"))));
        let global = SwarmSlot::from_labels(&labels("svc", "svc.N1.old", "old")).unwrap();
        assert!(global.filled_by(&task("new", None, Some("N1"))));
        assert!(!global.filled_by(&task("new", None, Some("N2"))));
        assert!(!global.filled_by(&task("new", None, None)));
    }

    #[test]
    fn another_task_in_the_same_slot_replaces_it() {
        let old = SwarmSlot::from_labels(&labels("svc", "svc.1.old", "old")).unwrap();
        assert!(old.replaced_by(&labels("svc", "svc.1.new", "new")));
        // The same task (restarted by hand), another slot, another service.
        assert!(!old.replaced_by(&labels("svc", "svc.1.old", "old")));
        assert!(!old.replaced_by(&labels("svc", "svc.2.new", "new")));
        assert!(!old.replaced_by(&labels("web", "web.1.new", "new")));
        assert!(!old.replaced_by(&HashMap::new()));
    }
}
