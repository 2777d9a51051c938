//! `policy.swarm.nodes`: the Engine of each Swarm node other than the
//! manager's, by node name, through which the task containers on that
//! node are broken. Each address is checked as a target's `host` is,
//! with its `cert_path` (relative to the targets file's directory).

use super::file::{FileNodeEngine, FileSwarmPolicy};
use crate::docker::config::engine_keys;
use crate::docker::swarm_nodes::{NodeEngine, SwarmNodes};
use crate::input::{ConfigError, KeyOrigins};

/// The node Engines of `policy` (none without a `policy.swarm`).
pub fn load_swarm_policy(
    file: &dyn KeyOrigins,
    policy: Option<&FileSwarmPolicy>,
) -> Result<SwarmNodes, ConfigError> {
    let mut nodes = SwarmNodes::new();
    let Some(policy) = policy else {
        return Ok(nodes);
    };
    for (name, engine) in &policy.nodes {
        let section = format!("policy.swarm.nodes.{name}");
        if name.trim().is_empty() {
            return Err(ConfigError::new(
                file.origin("policy.swarm.nodes"),
                "a node name is empty: name each node as `docker node ls` shows it".to_owned(),
            ));
        }
        let (host, cert_path) = match engine {
            FileNodeEngine::Address(host) => (Some(host.as_str()), None),
            FileNodeEngine::Keys(keys) => (keys.host.as_deref(), keys.cert_path.as_deref()),
        };
        // The one-line form has no `host` key: its errors are the node's.
        let (host, cert_path) = match (engine, engine_keys(file, &section, host, cert_path)) {
            (_, Ok(checked)) => checked,
            (FileNodeEngine::Address(_), Err(err)) => {
                return Err(ConfigError::new(file.origin(&section), err.message))
            }
            (FileNodeEngine::Keys(_), Err(err)) => return Err(err),
        };
        let Some(host) = host else {
            return Err(ConfigError::new(
                file.origin(&section),
                format!(
                    "node {name} needs `host`, the address of its Engine (e.g. `host: \
                     tcp://10.0.0.2:2376`)"
                ),
            ));
        };
        nodes.insert(name.clone(), NodeEngine { host, cert_path });
    }
    Ok(nodes)
}
