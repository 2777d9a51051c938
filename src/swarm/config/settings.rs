//! A Swarm target's validated settings: the service (by name or labels), the Docker settings
//! its task containers are broken with, and the fault of each scenario.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::docker::config::DockerSettings;
use crate::docker::DockerFault;

/// What one scenario of a Swarm target does.
#[derive(Debug, Clone, PartialEq)]
pub enum SwarmFault {
    /// A fault on a running task's container, as on a Docker target's.
    Container(DockerFault),
    /// The node that runs a picked task stops taking tasks (availability
    /// `drain`); active again at recovery.
    Drain,
    /// The service is scaled to `replicas`; scaled back at recovery.
    Scale {
        /// The replicas while the fault lasts.
        replicas: u64,
    },
}

impl SwarmFault {
    /// The mode, as written in a scenario.
    pub fn mode(&self) -> &'static str {
        match self {
            SwarmFault::Container(fault) => fault.mode().as_str(),
            SwarmFault::Drain => "drain",
            SwarmFault::Scale { .. } => "scale",
        }
    }

    /// What it does, for `validate`.
    pub fn describe(&self) -> String {
        match self {
            SwarmFault::Container(DockerFault::Kill { signal }) => format!(
                "kill ({signal}) a running task; Swarm starts a new one in its slot (restart \
                 policy permitting)"
            ),
            SwarmFault::Container(DockerFault::Stop { grace }) => format!(
                "stop (SIGKILL after {}s) a running task; Swarm starts a new one in its slot \
                 (restart policy permitting)",
                grace.as_secs()
            ),
            SwarmFault::Container(fault) => format!("a running task: {}", fault.describe()),
            SwarmFault::Drain => {
                "drain the node of a running task (availability active again at recovery)"
                    .to_owned()
            }
            SwarmFault::Scale { replicas } => {
                format!("scale the service to {replicas} replicas (scaled back at recovery)")
            }
        }
    }
}

/// Which service a Swarm target breaks, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceSelector {
    /// `service: NAME`.
    Name(String),
    /// `labels: {...}`: the one service whose service labels include all
    /// these, found on the manager's Engine at each use
    /// (`crate::swarm::service::resolve_service`).
    Labels(BTreeMap<String, String>),
}

/// What follows `service ` where a target's service is shown: its name,
/// or `labelled tier=api`.
impl std::fmt::Display for ServiceSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceSelector::Name(name) => f.write_str(name),
            ServiceSelector::Labels(labels) => write!(
                f,
                "labelled {}",
                crate::docker::swarm_service::labels_text(labels)
            ),
        }
    }
}

/// A Swarm target's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SwarmSettings {
    /// The service whose tasks it breaks.
    pub service: ServiceSelector,
    /// Its task containers as a Docker target: the containers with the
    /// service's label on the manager's Engine, how many at a time, and
    /// the container faults of its scenarios.
    pub docker: Arc<DockerSettings>,
    /// The fault of each scenario: its name and what it does, in the order
    /// of the scenarios.
    pub faults: Vec<(String, SwarmFault)>,
}

impl SwarmSettings {
    /// The fault of the scenario `scenario`, else the first of `mode`.
    pub fn fault_for(&self, scenario: &str, mode: &str) -> Option<&SwarmFault> {
        self.faults
            .iter()
            .find(|(name, _)| name == scenario)
            .or_else(|| self.faults.iter().find(|(_, fault)| fault.mode() == mode))
            .map(|(_, fault)| fault)
    }
}
