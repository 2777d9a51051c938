//! A Swarm target's configuration, kept with its backend: the `swarm:`
//! keys and a scenario's `replicas` (`file`), their checks (`target`) and
//! what they give, [`SwarmSettings`] (`settings`), and `policy.swarm.nodes`
//! (`policy`). Like the Docker
//! backend's, it names nothing of `config`, only `input`.

pub mod file;
mod policy;
pub mod settings;
mod target;

pub use file::{FileSwarm, FileSwarmPolicy, SwarmScenarioKeys};
pub use policy::load_swarm_policy;
pub use settings::{ServiceSelector, SwarmFault, SwarmSettings};
pub use target::{no_swarm_keys, swarm_target, SWARM_MODES};
