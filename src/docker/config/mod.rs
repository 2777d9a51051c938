//! A Docker target's configuration, kept with the backend it configures:
//! the targets-file keys it reads and their checks, which turn them into
//! [`DockerSettings`]. `config` calls these checks for each Docker target
//! (and for the scenarios of state-file targets, which must not have
//! Docker keys); this folder names nothing of `config`, only `input` (the
//! errors and where a key is).
//!
//! - `file`: the keys as written (`docker:`, a scenario's fault keys,
//!   `policy.docker`);
//! - `target`: a target's `docker:` section, its scenarios and
//!   `policy.docker`, checked;
//! - `fault`: one scenario's mode and fault keys, checked;
//! - `engine`: the Engine a target reaches (`host`, and `cert_path` for
//!   TLS), shared with Swarm targets;
//! - `selector`: the values of `docker:` (Engine address, container name,
//!   Compose project, labels);
//! - `values`: the fault values (percentages, rates, delays, grace,
//!   signal) and the blast radius;
//! - `settings`: [`DockerSettings`], the result.

mod engine;
mod fault;
pub mod file;
mod selector;
pub mod settings;
mod target;
mod values;

pub use engine::engine_keys;
pub use fault::docker_fault;
pub use file::{FileDocker, FileDockerPolicy, FileNetwork, NumberOrText, ScenarioKeys};
pub use selector::{check_host, check_labels};
pub use settings::DockerSettings;
pub use target::{check_service, docker_target, load_docker_policy, no_fault_keys, TargetAt};
pub use values::parse_pick;
