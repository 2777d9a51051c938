//! The seam every backend plugs into: state files, Docker, and later
//! Swarm and Kubernetes. A backend decides *how* a failure takes effect on
//! a target; the engine (the target's core, the actors, the telemetry and
//! the journal) decides *when*, and knows backends only through the types
//! here.
//!
//! - `fault_backend`: the [`FaultBackend`] trait (apply, clear, observe,
//!   release), its [`Effect`]s and what an applied failure hit
//!   ([`Applied`]);
//! - `observation`: what a backend sees of the failure being watched
//!   ([`Observation`], [`EndedElsewhere`]);
//! - `error`: [`BackendError`], one error for every backend, its own error
//!   boxed as the source;
//! - [`AffectedUnit`] (defined beside the outcome of a failure, which
//!   records it): what a fault hit (a container, a task, a pod), by id and
//!   name;
//! - `fault_record`: [`FaultRecord`], the write-ahead record of a fault
//!   about to be applied, which the journal holds as `fault_applying`;
//! - `state_file`: [`StateFileBackend`], the backend of a target that
//!   reads a state file.
//!
//! Adding a backend: implement [`FaultBackend`] in the backend's own
//! folder (as `crate::docker::DockerBackend` does), turn its errors into a
//! [`BackendError`] (`From`), give it a target kind in the configuration
//! (`config::TargetKind`), and name its backend for that kind in
//! `actors::target::backend::for_target`.

mod error;
mod fault_backend;
mod fault_record;
mod observation;
pub mod state_file;

pub use crate::outcome::AffectedUnit;
pub use chaos_state::ClearReason;
pub use error::BackendError;
pub use fault_backend::{Applied, Effect, FaultBackend};
pub use fault_record::FaultRecord;
pub use observation::{EndedElsewhere, Observation};
pub use state_file::{judge_rewrite, StateFileBackend};
