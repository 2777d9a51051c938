//! Docker targets: faults applied to containers through the Docker Engine
//! API (kill, stop, pause, network degradation, partition) instead of a
//! state file.
//!
//! - `config/`: the target's configuration: its targets-file keys, their
//!   checks and the validated `DockerSettings`;
//! - `mode`: the modes of a Docker target's scenarios, named in one place;
//! - `spec`: the validated description of a Docker target and its faults;
//! - `record`: the write-ahead record written before a fault is applied;
//! - `ledger`: the fault ledger, where those records live (always on);
//! - `error`: why a Docker operation failed;
//! - `client`: the connection to the Engine and the bound on every call;
//! - `tls`: a remote Engine's TLS material (a certificate directory, the
//!   Docker CLI's `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH`);
//! - `own_project`: the engine's own Compose project, the default scope of
//!   a Compose service selector;
//! - `select`: the containers a fault hits;
//! - `container_ops`: kill, stop, pause and their reverts;
//! - `crash`: the kill fault as a crash a restart policy repairs;
//! - `swarm_ops`: the Swarm Engine calls of `drain` and `scale` (a node's
//!   availability, a service's replicas) and their restores;
//! - `swarm_nodes`: where a Swarm service's task containers are (the
//!   manager's tasks, each on its node's Engine) and the connections to
//!   those Engines;
//! - `swarm_restore`: undoing a `drain` or `scale` from its ledger record;
//! - `swarm_service`: the one Swarm service a set of service labels names;
//! - `signals`: the signals a kill may send (those that end a process);
//! - `swarm_task`: the Swarm slot of a task container (service, slot,
//!   task), read from its labels;
//! - `events`: the Engine's events stream, subscribed again when it
//!   breaks, as the repair watches read it;
//! - `watch`: repair detection from the Engine's events;
//! - `netfault`: the network helper's shell script (iptables, tc);
//! - `netns`: the check that a container has a network namespace of its
//!   own before a network helper joins it;
//! - `helper`: the network helper container, through the Engine API;
//! - `script_file`: a helper's script handed over as a file, off its
//!   command line;
//! - `backend`: the `FaultBackend` of a Docker target;
//! - `recover`: undoing the faults a killed engine left behind;
//! - `engine_lifecycle`: what a running engine does for its Docker
//!   targets at start (undo what dead engines left) and at exit (close its
//!   ledger);
//! - `one_shot`: the one-shot commands on a Docker target (`validate`,
//!   `status`, `inject`, `clear`) and the recovery of what dead engines
//!   left, for `recover` and the daemon's start.

pub mod backend;
pub mod client;
pub mod config;
pub mod container_ops;
pub mod crash;
pub mod engine_lifecycle;
pub mod error;
pub mod events;
pub mod helper;
pub mod ledger;
pub mod mode;
pub mod netfault;
pub mod netns;
pub mod one_shot;
pub mod own_project;
pub mod record;
pub mod recover;
pub mod script_file;
pub mod select;
pub mod signals;
pub mod spec;
pub mod swarm_nodes;
pub mod swarm_ops;
pub mod swarm_restore;
pub mod swarm_service;
pub mod swarm_task;
pub mod tls;
pub mod watch;

pub use backend::DockerBackend;
pub use error::DockerError;
pub use mode::DockerMode;
pub use record::{ContainerRef, FaultRecord};
pub use recover::{recover, RecoverReport};
pub use spec::{
    BlastRadius, DockerFault, DockerPolicy, DockerTarget, NetworkFault, ProjectScope, Selector,
};
