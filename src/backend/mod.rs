//! The seam every backend plugs into: state files, Docker, and later
//! Swarm and Kubernetes. A backend decides *how* a failure takes effect on
//! a target; the engine (the target's core, the actors, the telemetry and
//! the journal) decides *when*, and knows backends only through the types
//! here.
//!
//! - `affected_unit`: [`AffectedUnit`], what a fault hit (a container, a
//!   task, a pod), by id and name;
//! - `fault_record`: [`FaultRecord`], the write-ahead record of a fault
//!   about to be applied, which the journal holds as `fault_applying`.

mod affected_unit;
mod fault_record;

pub use affected_unit::AffectedUnit;
pub use fault_record::FaultRecord;
