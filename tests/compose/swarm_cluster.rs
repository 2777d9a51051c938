//! A simulated two-node swarm for the multi-node Swarm tests
//! (`swarm_nodes.rs`), made of the project's own containers only: two
//! node containers of [`NODE_IMAGE`] (Debian's `docker.io`, made by
//! `.ci/docker-bases.sh swarmnode`), each running a dockerd (vfs storage on
//! a tmpfs) whose API is published on 127.0.0.1 at an ephemeral port. On a
//! private network of the test, `node1` inits the swarm and `node2` joins
//! it as a worker; the target image and the network helper image are
//! loaded into both (`docker save | docker load`: nothing is pulled).
//!
//! The host's own Engine stays out of any swarm. Everything is removed at
//! the drop, also when the test panics: the nodes (with all their
//! containers, which live inside them) and the network.

#![allow(dead_code)]

use std::process::Command;
use std::time::Duration;

use super::docker::{docker, inspect, repo_root, run, run_ok, wait_for, TEST_LABEL};
use super::fault_fixtures::{in_namespace, net_helper_image, target_image, RULES_SCRIPT};

/// The node image `.ci/docker-bases.sh swarmnode` makes.
pub const NODE_IMAGE: &str = "chaos-engine-swarmnode:local";

/// How long a node's Engine may take to answer, a task to run, or a
/// node to change state.
const WAIT: Duration = Duration::from_secs(120);

/// One node: its container on the host and its Engine's address.
pub struct Node {
    /// The node container's name on the host's Engine.
    pub container: String,
    /// Its hostname, which is its swarm node name (`node1`, `node2`).
    pub hostname: String,
    /// Its Engine's address, published on the host: `tcp://127.0.0.1:PORT`.
    pub host: String,
}

impl Node {
    /// `docker -H <this node's Engine> ARGS`.
    pub fn docker(&self, args: &[&str]) -> Command {
        let mut command = Command::new("docker");
        command.args(["-H", &self.host]).args(args);
        command
    }

    /// `docker -H <node> ARGS`, which must succeed; its output.
    pub fn run_ok(&self, args: &[&str]) -> String {
        run_ok(&mut self.docker(args))
    }

    /// The ids of the containers of `service` running on this node.
    pub fn tasks_running(&self, service: &str) -> Vec<String> {
        let filter = format!("label=com.docker.swarm.service.name={service}");
        let listed = run(&mut self.docker(&["ps", "-q", "--no-trunc", "--filter", &filter]));
        String::from_utf8_lossy(&listed.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The engine's network helpers on this node (any state).
    pub fn helpers(&self) -> Vec<String> {
        let listed =
            run(&mut self.docker(&["ps", "-aq", "--filter", "label=io.chaos-engine.engine"]));
        String::from_utf8_lossy(&listed.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The rules and qdiscs in the network namespace of container `id`
    /// on this node, listed from a throw-away helper container there.
    pub fn namespace_rules(&self, id: &str) -> String {
        run_ok(in_namespace(
            &mut self.docker(&[]),
            &["--rm"],
            id,
            RULES_SCRIPT,
        ))
    }

    /// The state of container `id` on this node (`running`, `exited`...),
    /// or `gone`.
    pub fn state(&self, id: &str) -> String {
        let output = run(&mut self.docker(&["inspect", "-f", "{{.State.Status}}", id]));
        if output.status.success() {
            String::from_utf8_lossy(&output.stdout).trim().to_owned()
        } else {
            "gone".to_owned()
        }
    }
}

/// Two nodes in one swarm: `nodes[0]` the manager, `nodes[1]` a worker.
pub struct TwoNodeSwarm {
    network: String,
    nodes: Vec<Node>,
}

impl TwoNodeSwarm {
    /// Makes the node image if missing, starts both nodes, makes the
    /// swarm and loads the test images into both; panics (after removing
    /// what it made) when any step fails.
    pub fn start() -> TwoNodeSwarm {
        let made = run(Command::new("bash")
            .current_dir(repo_root())
            .args([".ci/docker-bases.sh", "swarmnode"]));
        assert!(
            made.status.success(),
            ".ci/docker-bases.sh swarmnode failed:\n{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let tag = format!("chaos-swarmnodes-{}", std::process::id());
        let label = format!("{TEST_LABEL}={tag}");
        run_ok(&mut docker(&["network", "create", "--label", &label, &tag]));
        let mut cluster = TwoNodeSwarm {
            network: tag.clone(),
            nodes: Vec::new(),
        };
        for hostname in ["node1", "node2"] {
            let container = format!("{tag}-{hostname}");
            run_ok(&mut docker(&[
                "run",
                "--detach",
                "--name",
                &container,
                "--hostname",
                hostname,
                "--label",
                &label,
                "--network",
                &tag,
                "--publish",
                "127.0.0.1::2375",
                "--cap-add",
                "ALL",
                "--cap-drop",
                "SYS_RESOURCE",
                "--security-opt",
                "seccomp=unconfined",
                "--security-opt",
                "apparmor=unconfined",
                "--device-cgroup-rule",
                "a *:* rwm",
                "--tmpfs",
                "/var/lib/docker:exec",
                "--tmpfs",
                "/run",
                NODE_IMAGE,
            ]));
            let port = run_ok(&mut docker(&["port", &container, "2375/tcp"]));
            let port = port
                .lines()
                .next()
                .and_then(|line| line.rsplit(':').next())
                .unwrap_or_else(|| panic!("no published port for {container}: {port}"))
                .trim()
                .to_owned();
            cluster.nodes.push(Node {
                container,
                hostname: hostname.to_owned(),
                host: format!("tcp://127.0.0.1:{port}"),
            });
        }
        for node in &cluster.nodes {
            wait_for(
                WAIT,
                &format!("the Engine of {} to answer", node.hostname),
                || {
                    run(&mut node.docker(&["info", "--format", "{{.ServerVersion}}"]))
                        .status
                        .success()
                        .then_some(())
                },
                || cluster.logs(node),
            );
        }
        cluster.make_swarm();
        cluster.load_images();
        cluster
    }

    /// The manager, `node1`.
    pub fn manager(&self) -> &Node {
        &self.nodes[0]
    }

    /// The worker, `node2`.
    pub fn worker(&self) -> &Node {
        &self.nodes[1]
    }

    /// `node1` inits the swarm at its address on the test's network;
    /// `node2` joins with the worker token.
    fn make_swarm(&self) {
        let address = inspect(
            &self.manager().container,
            &format!(
                "{{{{(index .NetworkSettings.Networks \"{}\").IPAddress}}}}",
                self.network
            ),
        )
        .unwrap_or_else(|| panic!("no address of {}", self.manager().container));
        self.manager()
            .run_ok(&["swarm", "init", "--advertise-addr", &address]);
        let token = self
            .manager()
            .run_ok(&["swarm", "join-token", "-q", "worker"]);
        self.worker().run_ok(&[
            "swarm",
            "join",
            "--token",
            token.trim(),
            &format!("{address}:2377"),
        ]);
        wait_for(
            WAIT,
            "node2 ready in the swarm",
            || {
                let ready =
                    self.manager()
                        .run_ok(&["node", "ls", "--format", "{{.Hostname}} {{.Status}}"]);
                ready.contains("node2 Ready").then_some(())
            },
            || self.manager().run_ok(&["node", "ls"]),
        );
    }

    /// The target image and the network helper image into both nodes.
    fn load_images(&self) {
        let images = format!("{} {}", target_image(), net_helper_image());
        std::thread::scope(|scope| {
            for node in &self.nodes {
                let images = &images;
                scope.spawn(move || {
                    run_ok(Command::new("bash").args([
                        "-c",
                        &format!(
                            "set -o pipefail; docker save {images} | docker -H {} load -q",
                            node.host
                        ),
                    ]));
                });
            }
        });
    }

    /// A service `chaos-nodes-<what>-<pid>` of one task of the target
    /// image, held on `node2` by a placement constraint (restart delay
    /// 1 s), once that task runs there.
    pub fn service_on_worker(&self, what: &str) -> String {
        let name = format!("chaos-nodes-{what}-{}", std::process::id());
        // By id: the nodes' executors then never try a pull.
        let image = inspect(target_image(), "{{.Id}}")
            .unwrap_or_else(|| panic!("no id for {}", target_image()));
        let constraint = format!("node.hostname=={}", self.worker().hostname);
        self.manager().run_ok(&[
            "service",
            "create",
            "--detach",
            "--no-resolve-image",
            "--name",
            &name,
            "--constraint",
            &constraint,
            "--replicas",
            "1",
            // An init forwards SIGTERM: a drain stops the task at once.
            "--init",
            "--restart-delay",
            "1s",
            &image,
        ]);
        self.wait_task_on_worker(&name);
        name
    }

    /// Waits until one task of `service` runs on `node2`; its container id.
    pub fn wait_task_on_worker(&self, service: &str) -> String {
        wait_for(
            WAIT,
            &format!("a running task of {service} on node2"),
            || self.worker().tasks_running(service).into_iter().next(),
            || self.describe(service),
        )
    }

    /// `node2`'s availability as the manager has it (`active`, `drain`).
    pub fn worker_availability(&self) -> String {
        self.manager()
            .run_ok(&[
                "node",
                "inspect",
                &self.worker().hostname,
                "--format",
                "{{.Spec.Availability}}",
            ])
            .trim()
            .to_owned()
    }

    /// `docker service ps` of `service` on the manager, for failures.
    pub fn describe(&self, service: &str) -> String {
        let tasks = run(&mut self
            .manager()
            .docker(&["service", "ps", "--no-trunc", service]));
        format!(
            "docker service ps {service}:\n{}{}",
            String::from_utf8_lossy(&tasks.stdout),
            String::from_utf8_lossy(&tasks.stderr)
        )
    }

    /// The last lines of a node container's log (its dockerd's).
    fn logs(&self, node: &Node) -> String {
        let output = run(&mut docker(&["logs", "--tail", "30", &node.container]));
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    }

    /// A targets file with one Swarm target `api` on `service` through
    /// the manager's Engine, `node2`'s Engine in `policy.swarm.nodes`, its
    /// first fault at once, held for `recovery`, and `scenario` (one YAML
    /// flow mapping).
    pub fn targets_file(&self, service: &str, recovery: &str, scenario: &str) -> String {
        format!(
            "defaults: {{ interval: 2h, recovery: {recovery}, startup_wait: 0 }}\n\
             policy:\n  min_interval: 0\n  docker: {{ net_image: {} }}\n  \
             swarm:\n    nodes:\n      {}: {}\n\
             targets:\n  - name: api\n    swarm: {{ service: {service}, host: '{}' }}\n    \
             scenarios:\n      - {scenario}\n",
            net_helper_image(),
            self.worker().hostname,
            self.worker().host,
            self.manager().host,
        )
    }
}

impl Drop for TwoNodeSwarm {
    fn drop(&mut self) {
        for node in &self.nodes {
            run(&mut docker(&["rm", "-f", "-v", &node.container]));
        }
        run(&mut docker(&["network", "rm", &self.network]));
    }
}
