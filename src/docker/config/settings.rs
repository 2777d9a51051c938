//! A Docker target's validated settings, as the targets file gives them
//! once `target` has checked them: what the engine runs the target with.

use crate::docker::{DockerFault, DockerPolicy, DockerTarget};

/// A Docker target's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DockerSettings {
    /// Which containers, on which Engine, how many at a time.
    pub target: DockerTarget,
    /// The fault of each scenario: its name and what it does, in the
    /// order of the scenarios.
    pub faults: Vec<(String, DockerFault)>,
    /// Engine-wide Docker settings (`policy.docker`).
    pub policy: DockerPolicy,
}
