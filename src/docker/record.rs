//! What the engine writes down about a Docker fault before it applies it:
//! the write-ahead record, kept in the fault ledger (always, see
//! [`super::ledger`]) and in the journal (event `fault_applying`, when
//! there is one), so that a later engine, or `chaos-engine recover`, can
//! undo a fault a killed engine left behind.

use serde::{Deserialize, Serialize};

use super::DockerMode;

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

/// A Docker fault about to be applied: written to the ledger (and
/// journalled as `fault_applying`) before the first Engine call that
/// changes anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRecord {
    /// The target's name.
    pub target: String,
    /// The failure's id.
    pub id: String,
    /// The fault's mode, recorded as its name (`kill`, `stop`, ...).
    pub mode: DockerMode,
    /// The Engine the containers live on (`None`: the default one).
    pub host: Option<String>,
    /// The containers the fault is applied to.
    pub containers: Vec<ContainerRef>,
    /// When the fault ends by itself at the latest (Unix time).
    pub expires_at: f64,
    /// The opaque token that names this fault on everything the engine
    /// creates for it (helper names and labels, rule comments); empty in
    /// journals of engines older than the ledger.
    #[serde(default)]
    pub token: String,
    /// The instance id of the engine that applied it (its ledger's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// When the record was written (Unix time): a `stop` may still be
    /// under way until `started_at + grace_s`.
    #[serde(default)]
    pub started_at: f64,
    /// A `stop` fault's grace in seconds: how long Docker may still take
    /// to stop the container after the engine that asked is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_s: Option<f64>,
}
