//! The demo's Docker target, `inventory`: a chaos-target that knows nothing
//! of chaos-engine, broken through the Docker socket. What each Docker
//! mode looks like from outside (`docker inspect` and HTTP through its
//! published port), and a guard that removes the helper containers the
//! engine made for it, which are not Compose's.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;

use crate::docker::{docker, inspect, run, run_ok, wait_for};
use crate::http;

/// The Compose service, and the target's name in the targets file.
pub const INVENTORY: &str = "inventory";

/// The Docker modes the test waits to see.
pub const DOCKER_MODES: [&str; 4] = ["kill", "stop", "pause", "partition"];

/// The modes a SIGTERM is sent in, to see the drain revert them.
pub const REVERTIBLE: [&str; 3] = ["stop", "pause", "partition"];

/// Past this, a request to inventory counts as hanging. A healthy
/// chaos-target answers in milliseconds, also on a loaded machine.
const HANG: Duration = Duration::from_secs(2);

/// Whether inventory answers `/products` with 200 now.
pub fn answers(port: u16) -> bool {
    http::get(port, "/products", HANG).is_ok_and(|answer| answer.status == 200)
}

/// How many times Docker's restart policy restarted `container`.
pub fn restart_count(container: &str) -> u32 {
    inspect(container, "{{.RestartCount}}")
        .and_then(|count| count.parse().ok())
        .unwrap_or(0)
}

/// What the test has seen of inventory's Docker faults.
#[derive(Debug, Default)]
pub struct DockerObserved {
    /// Modes whose effect showed from outside.
    pub shown: BTreeSet<String>,
    /// Container names `/status` gave for inventory's active failures.
    pub hit: BTreeSet<String>,
}

impl DockerObserved {
    /// Takes in inventory's entry of one `/status` answer: when a failure
    /// is active, checks from outside that its mode shows. A `false` (a
    /// look just before the fault took or after it ended) is tried again
    /// at the next failure of that mode.
    pub fn observe(&mut self, target: &Value, container: &str, port: u16) {
        let failure = &target["failure"];
        if failure.is_null() {
            return;
        }
        for hit in failure["containers"].as_array().into_iter().flatten() {
            if let Some(name) = hit["name"].as_str() {
                self.hit.insert(name.to_owned());
            }
        }
        let mode = failure["mode"].as_str().unwrap_or("");
        if !self.shown.contains(mode) && shows(mode, container, port) {
            self.shown.insert(mode.to_owned());
        }
    }

    /// Every Docker mode has shown.
    pub fn done(&self) -> bool {
        DOCKER_MODES.iter().all(|mode| self.shown.contains(*mode))
    }
}

/// Whether fault `mode` on `container` shows from outside now.
fn shows(mode: &str, container: &str, port: u16) -> bool {
    let status = inspect(container, "{{.State.Status}}").unwrap_or_default();
    match mode {
        // Only a kill makes the restart policy restart inventory (the
        // engine's own start after a stop is no policy restart); the
        // restarted process answers again.
        "kill" => {
            restart_count(container) >= 1 && {
                wait_for(
                    Duration::from_secs(60),
                    "inventory to answer after its kill",
                    || answers(port).then_some(()),
                    || format!("inventory is {:?}", inspect(container, "{{.State}}")),
                );
                true
            }
        }
        // Stopped: the container has exited, and nothing answers.
        "stop" => status == "exited" && !answers(port),
        // Frozen: the kernel still accepts the connection, the process
        // never answers.
        "pause" => status == "paused" && !answers(port),
        // Running, yet its traffic is dropped.
        "partition" => status == "running" && !answers(port),
        _ => false,
    }
}

/// The helper containers (network faults, kills) the engine made for one
/// container, found by their label `io.chaos-engine.subject=<id>`; dropping
/// the guard removes any that are left.
pub struct Helpers {
    filter: String,
}

impl Helpers {
    /// The helpers of the container with full id `subject`.
    pub fn of(subject: &str) -> Self {
        Self {
            filter: format!("label=io.chaos-engine.subject={subject}"),
        }
    }

    /// The ids of those left now, stopped ones included.
    pub fn left(&self) -> Vec<String> {
        run_ok(&mut docker(&["ps", "-aq", "--filter", &self.filter]))
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Helpers {
    fn drop(&mut self) {
        for id in self.left() {
            run(&mut docker(&["rm", "-f", &id]));
        }
    }
}
