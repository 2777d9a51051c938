//! What a fault hit, in terms every backend shares: one unit (a container
//! for Docker; a task or a pod for the backends to come) by its id and its
//! name. Serialized as `{"id": ..., "name": ...}`, the shape the journal,
//! the ledger and `/status` have always carried under `containers`.

use serde::{Deserialize, Serialize};

/// One unit a fault touched: its id (what the backend's API takes) and its
/// name (what people read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedUnit {
    /// The full id (a container's full id).
    pub id: String,
    /// The name (a container's, without Docker's leading `/`).
    pub name: String,
}

impl std::fmt::Display for AffectedUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = self.id.get(..12).unwrap_or(&self.id);
        write!(f, "{} ({short})", self.name)
    }
}
