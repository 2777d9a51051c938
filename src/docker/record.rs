//! What the engine writes down about a Docker fault before it applies it:
//! the seam's write-ahead record ([`crate::outcome::FaultRecord`]) with
//! Docker's typed modes, kept in the fault ledger (always, see
//! [`super::ledger`]) and in the journal (event `fault_applying`, when
//! there is one), so that a later engine, or `chaos-engine recover`, can
//! undo a fault a killed engine left behind.

use super::DockerMode;

/// One container a fault touched: the unit a Docker fault hits, by its
/// full id (what the Engine API takes) and its name without Docker's
/// leading `/` (what people read).
pub type ContainerRef = crate::backend::AffectedUnit;

/// A Docker fault about to be applied: written to the ledger (and
/// journalled as `fault_applying`) before the first Engine call that
/// changes anything.
pub type FaultRecord = crate::outcome::FaultRecord<DockerMode>;
