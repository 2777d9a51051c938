//! What the engine writes down about a fault before it applies it: the
//! write-ahead record a backend keeps (Docker's fault ledger) and the
//! journal holds (event `fault_applying`), so that a later engine, or
//! `chaos-engine recover`, can undo a fault a killed engine left behind.

use serde::{Deserialize, Serialize};

use super::AffectedUnit;

/// A fault about to be applied: written down (by its backend, and
/// journalled as `fault_applying`) before the first call that changes
/// anything. `Mode` is the backend's typed mode (the journal reads any
/// backend's record with the mode as its name, a `String`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRecord<Mode = String> {
    /// The target's name.
    pub target: String,
    /// The failure's id.
    pub id: String,
    /// The fault's mode, recorded as its name (`kill`, `stop`, ...).
    pub mode: Mode,
    /// Where the units live, in the backend's terms (a Docker Engine's
    /// host; `None`: the default one).
    pub host: Option<String>,
    /// The certificate directory TLS was spoken to `host` with (a target's
    /// `cert_path`), so that a recovery reaches the Engine the same way;
    /// none without one (absent from the record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_path: Option<std::path::PathBuf>,
    /// The units the fault is applied to (serialized as `containers`, the
    /// name journals and ledgers have always used).
    pub containers: Vec<AffectedUnit>,
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
    /// A `stop` fault's grace in seconds: how long the backend may still
    /// take to stop a unit after the engine that asked is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_s: Option<f64>,
    /// For a fault that changes one field of an object (a Swarm service's
    /// replicas, a node's availability) rather than a unit's state: what
    /// the field held and what the fault set, so that it can be set back;
    /// none for container faults (absent from their records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore: Option<Restore>,
    /// The units that live elsewhere than `host` (a Swarm task on another
    /// node, reached through that node's Engine), by unit id; none when
    /// every unit is at `host` (absent from the record).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub unit_hosts: std::collections::BTreeMap<String, UnitHost>,
}

/// Where one unit lives when that is not its record's `host`: the node it
/// runs on and the address (with its certificate directory) of the node's
/// Engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitHost {
    /// The node's name (a Swarm node's hostname).
    pub node: String,
    /// The node's Engine address.
    pub host: String,
    /// The certificate directory TLS is spoken to `host` with; none
    /// without TLS (absent from the record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_path: Option<std::path::PathBuf>,
}

/// The field a fault changed and its two values: set back to `before`
/// when it still holds `applied` (a value someone else set is left
/// alone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restore {
    /// The field's name (`replicas`, `availability`).
    pub field: String,
    /// What it held before the fault (`2`, `active`).
    pub before: String,
    /// What the fault set it to (`0`, `drain`).
    pub applied: String,
}

impl<Mode: std::fmt::Display> FaultRecord<Mode> {
    /// The same record with its mode as its name, as the journal holds it.
    pub fn with_mode_name(&self) -> FaultRecord {
        FaultRecord {
            target: self.target.clone(),
            id: self.id.clone(),
            mode: self.mode.to_string(),
            host: self.host.clone(),
            cert_path: self.cert_path.clone(),
            containers: self.containers.clone(),
            expires_at: self.expires_at,
            token: self.token.clone(),
            owner: self.owner.clone(),
            started_at: self.started_at,
            grace_s: self.grace_s,
            restore: self.restore.clone(),
            unit_hosts: self.unit_hosts.clone(),
        }
    }
}
