//! A Swarm target's configuration, kept with its backend: the `swarm:`
//! keys and a scenario's `replicas` (`file`), their checks (`target`) and
//! what they give, [`SwarmSettings`] (`settings`). Like the Docker
//! backend's, it names nothing of `config`, only `input`.

pub mod file;
pub mod settings;
mod target;

pub use file::{FileSwarm, SwarmScenarioKeys};
pub use settings::{ServiceSelector, SwarmFault, SwarmSettings};
pub use target::{no_swarm_keys, swarm_target, SWARM_MODES};
