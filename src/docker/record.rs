//! What the engine writes down about a Docker fault before it applies it
//! (the write-ahead record in the journal), so that a later engine, or
//! `chaos-engine recover`, can undo a fault a killed engine left behind.

use serde::{Deserialize, Serialize};

/// One container a fault touched: its id (what the Engine API takes) and
/// its name (what people read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerRef {
    /// The full container id.
    pub id: String,
    /// The name, without Docker's leading `/`.
    pub name: String,
}

impl std::fmt::Display for ContainerRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = self.id.get(..12).unwrap_or(&self.id);
        write!(f, "{} ({short})", self.name)
    }
}

/// A Docker fault about to be applied: journalled (event `fault_applying`)
/// before the first Engine call that changes anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRecord {
    /// The target's name.
    pub target: String,
    /// The failure's id.
    pub id: String,
    /// `kill`, `stop`, `pause`, `network` or `partition`.
    pub mode: String,
    /// The Engine the containers live on (`None`: the default one).
    pub host: Option<String>,
    /// The containers the fault is applied to.
    pub containers: Vec<ContainerRef>,
    /// When the fault ends by itself at the latest (Unix time).
    pub expires_at: f64,
}
