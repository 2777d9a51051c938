//! `status` on a Docker target: what its containers are doing now, and
//! which faults are in effect on them (the open faults of every engine's
//! ledger).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;

use crate::backend::{Location, Look};
use crate::clock::{Clock, SystemClock};
use crate::docker::client::connect;
use crate::docker::config::DockerSettings;
use crate::docker::container_ops;
use crate::docker::ledger::read_open;
use crate::docker::select::listed;
use crate::docker::swarm_nodes::{swarm_tasks, UnitEngines};
use crate::docker::DockerError;

use super::runtime;

/// What a Docker target's containers are doing now.
struct Seen {
    location: Location,
    containers: Vec<(String, String)>,
    faults: Vec<String>,
    error: Option<String>,
}

/// Looks at the containers of `docker` now, and at the faults in effect
/// on them (the open faults of the ledgers in `ledger_dir`).
/// They are shown as at `location` (the selector of a Docker target, the
/// service of a Swarm target).
/// `include_stopped`: the containers that are not running are listed too
/// (a Docker target's are the same containers, started again). A Swarm
/// target's are its running tasks as the manager lists them, each looked
/// at on the Engine of its node (shown `... on NODE` when not the
/// manager's).
pub fn look(
    name: &str,
    docker: &DockerSettings,
    ledger_dir: &Path,
    location: Location,
    include_stopped: bool,
) -> Look {
    let seen = see(name, docker, ledger_dir, location, include_stopped);
    let line = seen.line(name);
    Look {
        json: seen.json(name),
        change_key: line.clone(),
        line,
    }
}

fn see(
    name: &str,
    docker: &DockerSettings,
    ledger_dir: &Path,
    location: Location,
    include_stopped: bool,
) -> Seen {
    let mut look = Seen {
        location,
        containers: Vec::new(),
        faults: Vec::new(),
        error: None,
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(err) => {
            look.error = Some(err.to_string());
            return look;
        }
    };
    let seen = runtime.block_on(async {
        let engine = connect(
            docker.target.host.as_deref(),
            docker.target.cert_path.as_deref(),
        )
        .await?;
        // A Swarm target's tasks as the manager lists them, each looked at
        // on its node's Engine.
        let (found, elsewhere) = match &docker.target.swarm_nodes {
            Some(nodes) => {
                let (_, tasks) = swarm_tasks(&engine, &docker.target.selector, nodes).await?;
                (tasks.containers, tasks.elsewhere)
            }
            None => (
                listed(&engine, &docker.target.selector, include_stopped).await?,
                BTreeMap::new(),
            ),
        };
        let engines = UnitEngines::connect(engine, &elsewhere).await?;
        let mut containers = Vec::new();
        for container in found {
            let on = engines.of(&container.id);
            let state = match container_ops::inspect(on, &container).await? {
                Some(state) if state.paused => "paused",
                Some(state) if state.restarting => "restarting",
                Some(state) if state.running => "running",
                Some(_) => "not running",
                None => "gone",
            };
            let shown = match UnitEngines::node_of(&elsewhere, &container.id) {
                Some(node) => format!("{container} on {node}"),
                None => container.to_string(),
            };
            containers.push((shown, state.to_owned()));
        }
        // What is in effect, from every engine's ledger: the helpers'
        // labels name no fault.
        let faults = read_open(ledger_dir)
            .into_iter()
            .filter(|record| record.target == name)
            .map(|record| {
                let on: Vec<String> = record.containers.iter().map(ToString::to_string).collect();
                format!(
                    "{} in effect on {} (ends in {:.0}s)",
                    record.mode,
                    on.join(", "),
                    (record.expires_at - SystemClock.unix_now()).max(0.0)
                )
            })
            .collect();
        Ok::<_, DockerError>((containers, faults))
    });
    match seen {
        Ok((containers, faults)) => {
            look.containers = containers;
            look.faults = faults;
        }
        Err(err) => look.error = Some(err.to_string()),
    }
    look
}

impl Seen {
    /// `cache: running (cache-1 (3f2a…) running) [service cache]`.
    fn line(&self, name: &str) -> String {
        if let Some(error) = &self.error {
            return format!("{name}: unknown ({error}) [{}]", self.location.value);
        }
        let overall = if !self.faults.is_empty() {
            self.faults.join("; ")
        } else if self.containers.is_empty() {
            "no container".to_owned()
        } else if self.containers.iter().all(|(_, state)| state == "running") {
            "healthy".to_owned()
        } else {
            "degraded".to_owned()
        };
        let containers: Vec<String> = self
            .containers
            .iter()
            .map(|(container, state)| format!("{container} {state}"))
            .collect();
        format!(
            "{name}: {overall} ({}) [{}]",
            if containers.is_empty() {
                "none matching".to_owned()
            } else {
                containers.join(", ")
            },
            self.location.value
        )
    }

    /// The same as one JSON object.
    fn json(&self, name: &str) -> serde_json::Value {
        let mut value = serde_json::Map::new();
        value.insert("target".to_owned(), json!(name));
        value.insert(self.location.key.to_owned(), json!(self.location.value));
        value.insert(
            "containers".to_owned(),
            self.containers
                .iter()
                .map(|(container, state)| json!({ "container": container, "state": state }))
                .collect(),
        );
        value.insert("faults".to_owned(), json!(self.faults));
        value.insert("error".to_owned(), json!(self.error));
        serde_json::Value::Object(value)
    }
}
