//! Swarm targets: the tasks of a Docker Swarm service, broken through the
//! Docker Engine of the swarm's manager. A task's container is broken as a
//! Docker target's container is (kill, stop, pause, network, partition:
//! the Docker backend does it, on the containers that carry the service's
//! name label; a service given by its labels is found at each use), and Swarm replaces a killed task with a new one in its slot
//! (`repaired_by: swarm`, see `crate::docker::watch`).
//!
//! - `config`: the `swarm:` keys, their checks and [`SwarmSettings`];
//! - `backend`: [`SwarmBackend`], the running engine's backend;
//! - `cluster_fault`: `drain` and `scale`, the faults on the swarm itself
//!   (a node's availability, a service's replicas), written to the ledger
//!   and set back at the clear;
//! - `cluster_watch`: a drain or scale set back by someone else, seen as a
//!   repair (`docker node update`, `docker service scale`);
//! - `one_shot`: [`SwarmOneShot`], what `validate`, `status`, `inject`
//!   and `clear` do on a Swarm target;
//! - `service`: the name of a target's service when it is used (given, or
//!   the one service its `labels:` match then).

pub mod backend;
pub mod cluster_fault;
pub mod cluster_watch;
pub mod config;
pub mod one_shot;
pub mod service;

pub use backend::SwarmBackend;
pub use config::{SwarmFault, SwarmSettings};
pub use one_shot::SwarmOneShot;
