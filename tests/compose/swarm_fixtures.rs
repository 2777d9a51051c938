//! Fixtures for the Swarm tests: a single-node swarm on the local Engine
//! and services of the target image on it, each removed when its guard
//! drops (also when the test panics).
//!
//! - [`SwarmNode::join`]: takes the swarm lock (one Swarm test at a time in
//!   this process, and across test processes on this machine: a drain or
//!   `swarm leave` touches every task), then inits a swarm when the Engine
//!   is in none (and leaves it when dropped), or uses an active manager as
//!   it is;
//! - [`SwarmNode::service`]: a replicated service of the target image,
//!   referenced by its `sha256:` id so that no pull is ever attempted,
//!   labelled (service and containers) `chaos-engine.test=<its name>`;
//!   [`ServiceGuard`] removes it and waits until its containers are gone.
//!
//! A swarm this fixture made is left at its drop, and the
//! `docker_gwbridge` network `swarm init` made is removed. `.ci/run` leaves
//! a swarm it did not find at its exit too, for a test binary killed
//! before its `Drop`s ran.

#![allow(dead_code)]

use std::fs::File;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::docker::{docker, inspect, run, run_ok, wait_for, TEST_LABEL};
use super::fault_fixtures::target_image;

/// The bridge `docker swarm init` makes for the tasks' outside traffic.
const GWBRIDGE: &str = "docker_gwbridge";

/// How long a service may take to run all its tasks, or to be gone.
const WAIT: Duration = Duration::from_secs(60);

/// `docker info --format '{{.Swarm.<field>}}'`, trimmed.
fn swarm_info(field: &str) -> String {
    let format = format!("{{{{.Swarm.{field}}}}}");
    run_ok(&mut docker(&["info", "--format", &format]))
        .trim()
        .to_owned()
}

/// The local Engine as a swarm manager, for one test at a time.
pub struct SwarmNode {
    /// True when this node ran `docker swarm init` (and leaves at drop).
    we_made_it: bool,
    /// True when `docker swarm init` made the `docker_gwbridge` network
    /// (removed after the leave: `swarm leave` keeps it).
    made_gwbridge: bool,
    _machine_lock: File,
    _process_lock: MutexGuard<'static, ()>,
}

impl SwarmNode {
    /// Takes the swarm lock, then makes the local Engine a swarm manager:
    /// `docker swarm init --advertise-addr 127.0.0.1` when its swarm state
    /// is `inactive`; an active manager is used as it is; any other state
    /// panics.
    pub fn join() -> SwarmNode {
        static LOCK: Mutex<()> = Mutex::new(());
        // A test that panicked held it: the swarm is cleaned by its drops.
        let process_lock = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
        let path = std::env::temp_dir().join("chaos-engine-swarm-tests.lock");
        let machine_lock =
            File::create(&path).unwrap_or_else(|err| panic!("create {path:?}: {err}"));
        // Held until the file closes: at the drop, or the process's end.
        rustix::fs::flock(&machine_lock, rustix::fs::FlockOperation::LockExclusive)
            .unwrap_or_else(|err| panic!("flock {path:?}: {err}"));
        let state = swarm_info("LocalNodeState");
        let had_gwbridge = run(&mut docker(&["network", "inspect", GWBRIDGE]))
            .status
            .success();
        let we_made_it = match state.as_str() {
            "inactive" => {
                run_ok(&mut docker(&[
                    "swarm",
                    "init",
                    "--advertise-addr",
                    "127.0.0.1",
                ]));
                true
            }
            "active" if swarm_info("ControlAvailable") == "true" => false,
            other => panic!(
                "the local Docker Engine's swarm state is {other:?} (manager: {}): \
                 the Swarm tests need it inactive or an active manager",
                swarm_info("ControlAvailable")
            ),
        };
        SwarmNode {
            we_made_it,
            made_gwbridge: we_made_it && !had_gwbridge,
            _machine_lock: machine_lock,
            _process_lock: process_lock,
        }
    }

    /// True when this node made the swarm (and leaves it at drop).
    pub fn made_the_swarm(&self) -> bool {
        self.we_made_it
    }

    /// A service `chaos-swarm-<what>-<pid>` of `replicas` tasks of the
    /// target image (restart delay 1 s), once all its tasks run.
    pub fn service(&self, what: &str, replicas: usize) -> ServiceGuard<'_> {
        let name = format!("chaos-swarm-{what}-{}", std::process::id());
        // By id: the node's executor then never tries a pull.
        let image = inspect(target_image(), "{{.Id}}")
            .unwrap_or_else(|| panic!("no id for {}", target_image()));
        let label = format!("{TEST_LABEL}={name}");
        let replicas_text = replicas.to_string();
        let guard = ServiceGuard {
            name,
            replicas,
            _node: self,
        };
        run_ok(&mut docker(&[
            "service",
            "create",
            "--detach",
            "--no-resolve-image",
            "--name",
            &guard.name,
            "--label",
            &label,
            "--container-label",
            &label,
            "--replicas",
            &replicas_text,
            "--restart-delay",
            "1s",
            &image,
        ]));
        guard.wait_running(replicas);
        guard
    }
}

impl Drop for SwarmNode {
    fn drop(&mut self) {
        if self.we_made_it {
            let left = run(&mut docker(&["swarm", "leave", "--force"]));
            if !left.status.success() {
                eprintln!(
                    "docker swarm leave --force failed: {}",
                    String::from_utf8_lossy(&left.stderr)
                );
            }
        }
        if self.made_gwbridge {
            run(&mut docker(&["network", "rm", GWBRIDGE]));
        }
    }
}

/// A service on the [`SwarmNode`]; removed, with its containers, when
/// dropped.
pub struct ServiceGuard<'node> {
    name: String,
    replicas: usize,
    _node: &'node SwarmNode,
}

impl ServiceGuard<'_> {
    /// The service's name (also its test label's value).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The replicas it was created with.
    pub fn replicas(&self) -> usize {
        self.replicas
    }

    /// `--filter label=chaos-engine.test=<name>`.
    fn filter(&self) -> String {
        format!("label={TEST_LABEL}={}", self.name)
    }

    /// The ids of its running containers (a paused one runs too).
    pub fn running(&self) -> Vec<String> {
        let filter = self.filter();
        ["status=running", "status=paused"]
            .iter()
            .flat_map(|status| {
                run_ok(&mut docker(&[
                    "ps",
                    "-q",
                    "--no-trunc",
                    "--filter",
                    &filter,
                    "--filter",
                    status,
                ]))
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The ids of all its containers, running or not (the task history);
    /// none when `docker ps` fails (never panics: drops call it).
    pub fn containers(&self) -> Vec<String> {
        let filter = self.filter();
        let listed = run(&mut docker(&[
            "ps",
            "-aq",
            "--no-trunc",
            "--filter",
            &filter,
        ]));
        String::from_utf8_lossy(&listed.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Waits (60 s) until exactly `count` of its containers run.
    pub fn wait_running(&self, count: usize) {
        wait_for(
            WAIT,
            &format!("{count} running task(s) of {}", self.name),
            || (self.running().len() == count).then_some(()),
            || self.describe(),
        );
    }

    /// `docker service ps` of it, for failure messages.
    pub fn describe(&self) -> String {
        let tasks = run(&mut docker(&["service", "ps", "--no-trunc", &self.name]));
        format!(
            "docker service ps {}:\n{}{}",
            self.name,
            String::from_utf8_lossy(&tasks.stdout),
            String::from_utf8_lossy(&tasks.stderr)
        )
    }
}

impl Drop for ServiceGuard<'_> {
    fn drop(&mut self) {
        run(&mut docker(&["service", "rm", &self.name]));
        // Swarm removes the task containers on its own, soon after.
        let deadline = std::time::Instant::now() + WAIT;
        while !self.containers().is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
        }
        for id in self.containers() {
            run(&mut docker(&["rm", "-f", "-v", &id]));
        }
        let left = self.containers();
        if !left.is_empty() {
            eprintln!("service {} left behind: {left:?}", self.name);
        }
    }
}

/// A targets file with one Swarm target `api` on `service`: its first
/// fault at once, held for `recovery`, the local helper image, and
/// `scenarios` (YAML list items, indented for the target).
pub fn swarm_targets_file(service: &ServiceGuard<'_>, recovery: &str, scenarios: &str) -> String {
    format!(
        "defaults: {{ interval: 2h, recovery: {recovery}, startup_wait: 0 }}\n\
         policy:\n  min_interval: 0\n  docker: {{ net_image: {} }}\n\
         targets:\n  - name: api\n    swarm: {{ service: {} }}\n    scenarios:\n{scenarios}",
        super::fault_fixtures::net_helper_image(),
        service.name()
    )
}

/// The service's configured replicas now.
pub fn configured_replicas(service: &ServiceGuard<'_>) -> String {
    run_ok(&mut docker(&[
        "service",
        "inspect",
        "--format",
        "{{.Spec.Mode.Replicated.Replicas}}",
        service.name(),
    ]))
    .trim()
    .to_owned()
}

/// The local node's id (`docker node update` takes no `self` on every
/// CLI).
pub fn node_id() -> String {
    run_ok(&mut docker(&["info", "--format", "{{.Swarm.NodeID}}"]))
        .trim()
        .to_owned()
}

/// The local node's availability now (`active`, `drain`).
pub fn availability() -> String {
    run_ok(&mut docker(&[
        "node",
        "inspect",
        "self",
        "--format",
        "{{.Spec.Availability}}",
    ]))
    .trim()
    .to_owned()
}

/// Sets the local node active again at its drop, whatever a failed test
/// left.
pub struct ActiveAgain;

impl Drop for ActiveAgain {
    fn drop(&mut self) {
        let _ = docker(&["node", "update", "--availability", "active", &node_id()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}
