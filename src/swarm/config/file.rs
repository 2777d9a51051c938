//! The Swarm parts of the targets file as written: a target's `swarm:`
//! section, and the key only a Swarm scenario has (`replicas`, read
//! through [`SwarmScenarioKeys`]).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::docker::config::{NumberOrText, ScenarioKeys};

/// `swarm:` of one target: which service's tasks it breaks.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSwarm {
    /// The Swarm service's name.
    pub service: Option<String>,
    /// Instead of `service`: the service labels of the one service it
    /// breaks (a value is optional here so that a missing one is refused
    /// by name).
    pub labels: Option<BTreeMap<String, Option<String>>>,
    /// The manager's Docker Engine address.
    pub host: Option<String>,
    /// The directory of `ca.pem`, `cert.pem` and `key.pem` TLS is spoken
    /// to `host` with.
    pub cert_path: Option<String>,
    /// `one`, `all`, a count or a percentage of its running tasks.
    pub pick: Option<NumberOrText>,
}

/// The keys of one scenario the Swarm checks read: the Docker ones (a
/// task's container is broken as a Docker container is) and `replicas`.
#[derive(Debug, Clone, Copy)]
pub struct SwarmScenarioKeys<'a> {
    /// The keys the Docker checks read.
    pub docker: ScenarioKeys<'a>,
    /// `scale`: the number of replicas the service is scaled to.
    pub replicas: Option<u64>,
}

/// `policy.swarm:` the engine-wide Swarm settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSwarmPolicy {
    /// The Engine of each node other than the manager's, by node name.
    #[serde(default)]
    pub nodes: BTreeMap<String, FileNodeEngine>,
}

/// One node's Engine: its address, or its address and certificate
/// directory.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum FileNodeEngine {
    /// `node2: tcp://10.0.0.2:2375`.
    Address(String),
    /// `node2: { host: tcp://10.0.0.2:2376, cert_path: certs/node2 }`.
    Keys(FileNodeKeys),
}

/// `{ host, cert_path }` of one node's Engine.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileNodeKeys {
    /// The node's Engine address.
    pub host: Option<String>,
    /// The directory of `ca.pem`, `cert.pem` and `key.pem` TLS is spoken
    /// to `host` with.
    pub cert_path: Option<String>,
}
