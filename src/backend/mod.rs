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
//! - [`FaultRecord`] (also defined beside the outcome): the write-ahead
//!   record of a fault about to be applied, which the journal holds as
//!   `fault_applying`;
//! - `one_shot`: the [`OneShot`] trait, what the one-shot commands
//!   (`validate`, `status`, `inject`, `clear`) ask of a target's backend,
//!   and where its failures take effect ([`Location`]);
//! - `state_file`: the backend of a target that reads a state file: the
//!   engine's [`StateFileBackend`] and the commands' [`StateFileTarget`].
//!
//! Adding a backend: in the backend's own folder, implement
//! [`FaultBackend`] (as `crate::docker::DockerBackend` does) and
//! [`OneShot`] (as `crate::docker::one_shot::DockerOneShot` does), turn its
//! errors into a [`BackendError`] (`From`); give it a target kind in the
//! configuration (`config::TargetKind`), and name its two implementations
//! for that kind in `crate::registry`, the one place that matches on the
//! kind. docs/architecture.md walks through it.

mod error;
mod fault_backend;
mod observation;
pub mod one_shot;
pub mod state_file;

pub use crate::outcome::AffectedUnit;
pub use crate::outcome::FaultRecord;
pub use chaos_state::ClearReason;
pub use error::BackendError;
pub use fault_backend::{Applied, Effect, FaultBackend};
pub use observation::{EndedElsewhere, Observation};
pub use one_shot::{
    InjectRequest, Location, Look, OneShot, OneShotContext, OneShotError, Recorder,
};
pub use state_file::{judge_rewrite, StateFileBackend, StateFileTarget};
