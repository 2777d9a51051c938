//! What a backend sees when it looks at the failure being watched: still in
//! place, or ended by something other than the engine (a restarted target,
//! a restart policy, a person), and by whom.

use crate::outcome::EndedBy;

/// What the backend says about the failure being watched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// Still in place (or cannot be told right now).
    InPlace,
    /// Something other than the engine ended it.
    EndedElsewhere(EndedElsewhere),
}

/// A failure ended by another writer (a restarted target, a person).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedElsewhere {
    /// `Repair` or `Manual`.
    pub ended_by: EndedBy,
    /// For a repair: who.
    pub repaired_by: Option<String>,
    /// For the log: what the target holds now, and who wrote it.
    pub how: String,
    /// What shows that the target went down before it came back (a target
    /// that wrote its state file healthy at its start, a container started
    /// again), if anything does: the failure manifested, even if no probe
    /// saw it.
    pub went_down: Option<String>,
}
