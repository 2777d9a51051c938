//! Driving Docker from the tests: the project's image, Compose projects and
//! single containers, each removed with everything it made when its guard
//! drops (also when the test panics).
//!
//! These are test fixtures, so they run the `docker` and `docker-compose`
//! command-line tools, the way a user of the demo does.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// The image tag every service of the Compose file uses.
pub const IMAGE: &str = "chaos-engine:local";

/// The label Compose puts on everything of one project.
const PROJECT_LABEL: &str = "com.docker.compose.project";

/// The label these tests put on what they start without Compose.
pub const TEST_LABEL: &str = "chaos-engine.test";

/// The repository root (the Compose file and the Dockerfile are there).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs a command to completion and returns its output; panics when it
/// cannot be started.
pub fn run(command: &mut Command) -> Output {
    command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("cannot run {command:?}: {err}"))
}

/// Runs a command that must succeed; returns its standard output.
pub fn run_ok(command: &mut Command) -> String {
    let output = run(command);
    assert!(
        output.status.success(),
        "{command:?} failed with {}:\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `docker ARGS...`.
pub fn docker(args: &[&str]) -> Command {
    let mut command = Command::new("docker");
    command.args(args);
    command
}

/// Builds the project's image once per test binary, the way a user does:
/// `docker-compose build` on the shipped Compose file.
pub fn build_image() {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let result = BUILT.get_or_init(|| {
        let output = run(Command::new("docker-compose")
            .current_dir(repo_root())
            .args(["-f", "docker-compose.yml", "build", "chaos-engine"]));
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "docker-compose build failed with {}:\n{}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    });
    if let Err(message) = result {
        panic!("{message}");
    }
}

/// Polls `condition` every 100 ms until it returns `Some`; panics after
/// `timeout` with `what` and the last thing `describe` says.
pub fn wait_for<T>(
    timeout: Duration,
    what: &str,
    mut condition: impl FnMut() -> Option<T>,
    describe: impl Fn() -> String,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = condition() {
            return value;
        }
        if Instant::now() > deadline {
            panic!(
                "timed out after {timeout:?} waiting for {what}\n{}",
                describe()
            );
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// `docker inspect -f FORMAT NAME`, trimmed; `None` when it fails.
pub fn inspect(name: &str, format: &str) -> Option<String> {
    let output = run(&mut docker(&["inspect", "-f", format, name]));
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The host port Docker published for `container_port` (on 127.0.0.1),
/// from `docker port` or `docker-compose port` output such as
/// `127.0.0.1:49153`.
pub fn parse_published_port(text: &str) -> Option<u16> {
    text.lines()
        .find_map(|line| line.trim().rsplit_once(':')?.1.parse().ok())
}

/// What is left of everything labelled `label=value`: containers, networks
/// and volumes, one line each (empty when nothing is).
pub fn leftovers(label: &str, value: &str) -> Vec<String> {
    let filter = format!("label={label}={value}");
    let mut left = Vec::new();
    for kind in ["container", "network", "volume"] {
        let mut args = vec![kind, "ls", "-q", "--filter", filter.as_str()];
        if kind == "container" {
            args.insert(2, "-a");
        }
        let listed = run_ok(&mut docker(&args));
        left.extend(listed.lines().map(|id| format!("{kind} {id}")));
    }
    left
}

/// A port on 127.0.0.1 that was free a moment ago.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// A Compose project of the shipped `docker-compose.yml` under a name of
/// its own, on free host ports, with an override file of the test's.
/// Dropping it runs `down -v`.
pub struct ComposeProject {
    /// `-p` for every command: unique to this test process.
    pub name: String,
    /// The override file, beside the test's other files.
    override_file: PathBuf,
    /// TARGET_APP_PORT, TARGET_DB_PORT, INVENTORY_PORT and CHAOS_API_PORT.
    /// Chosen here, not left to Docker: an ephemeral host port changes when
    /// the restart policy restarts a crashed container.
    ports: [(&'static str, String); 4],
    /// Further variables for every Compose command (see [`Self::env`]).
    env: Vec<(String, String)>,
}

impl ComposeProject {
    /// A project named `chaos-e2e-<what>-<pid>` with `override_yaml` as a
    /// second Compose file (written into `dir`).
    pub fn new(what: &str, dir: &Path, override_yaml: &str) -> Self {
        let override_file = dir.join("docker-compose.override.yml");
        std::fs::write(&override_file, override_yaml).expect("write the override file");
        Self {
            name: format!("chaos-e2e-{what}-{}", std::process::id()),
            override_file,
            ports: [
                "TARGET_APP_PORT",
                "TARGET_DB_PORT",
                "INVENTORY_PORT",
                "CHAOS_API_PORT",
            ]
            .map(|variable| (variable, free_port().to_string())),
            env: Vec::new(),
        }
    }

    /// Sets `variable` for every later Compose command (the Compose file
    /// reads some, e.g. CHAOS_ENGINE_USER).
    pub fn env(&mut self, variable: &str, value: &str) {
        self.env.push((variable.to_owned(), value.to_owned()));
    }

    /// `docker-compose -p NAME -f docker-compose.yml -f OVERRIDE ARGS...`.
    pub fn compose(&self, args: &[&str]) -> Command {
        let mut command = Command::new("docker-compose");
        command
            .current_dir(repo_root())
            .envs(self.ports.iter().map(|(variable, port)| (*variable, port)))
            .envs(self.env.iter().map(|(variable, value)| (variable, value)))
            .args(["-p", &self.name, "-f", "docker-compose.yml", "-f"])
            .arg(&self.override_file)
            .args(args);
        command
    }

    /// The container of `service` (Compose v1 names it NAME_SERVICE_1).
    pub fn container(&self, service: &str) -> String {
        let id = run_ok(&mut self.compose(&["ps", "-q", service]));
        let id = id.trim();
        assert!(!id.is_empty(), "no container for {service}");
        id.to_owned()
    }

    /// The 127.0.0.1 port published for `service`'s `container_port`.
    /// Compose answers nothing while the container is being (re)started,
    /// as a target that crashed early is: ask until it answers (60 s).
    pub fn port(&self, service: &str, container_port: u16) -> u16 {
        let ask = || run_ok(&mut self.compose(&["port", service, &container_port.to_string()]));
        wait_for(
            Duration::from_secs(60),
            &format!("the published port of {service}:{container_port}"),
            || parse_published_port(&ask()),
            || format!("docker-compose port answers {:?}", ask()),
        )
    }

    /// `docker-compose exec -T SERVICE ARGS...`, which must succeed.
    pub fn exec(&self, service: &str, args: &[&str]) -> String {
        let mut all = vec!["exec", "-T", service];
        all.extend_from_slice(args);
        run_ok(&mut self.compose(&all))
    }

    /// The last lines of every service's log, for failure messages.
    pub fn logs(&self) -> String {
        let output = run(&mut self.compose(&["logs", "--no-color", "--tail", "150"]));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `down -v`: containers, network and volume removed; returns what is
    /// left of the project afterwards.
    pub fn down(&self) -> Vec<String> {
        run(&mut self.compose(&["down", "-v", "--remove-orphans", "--timeout", "5"]));
        leftovers(PROJECT_LABEL, &self.name)
    }
}

impl Drop for ComposeProject {
    fn drop(&mut self) {
        let left = self.down();
        if !left.is_empty() {
            eprintln!("compose project {} left behind: {left:?}", self.name);
        }
    }
}

/// Containers and volumes started with plain `docker run`, labelled
/// `chaos-engine.test=<id>`; dropping it removes them all.
pub struct Labelled {
    /// The label's value, unique to this test process.
    pub id: String,
}

impl Labelled {
    pub fn new(what: &str) -> Self {
        Self {
            id: format!("{what}-{}", std::process::id()),
        }
    }

    /// `--label chaos-engine.test=<id>`.
    pub fn label(&self) -> String {
        format!("{TEST_LABEL}={}", self.id)
    }

    /// `docker run -d --label <label> ARGS...`; returns the container's id.
    pub fn run_detached(&self, args: &[&str]) -> String {
        let label = self.label();
        let mut all = vec!["run", "-d", "--label", label.as_str()];
        all.extend_from_slice(args);
        run_ok(&mut docker(&all)).trim().to_owned()
    }

    /// Removes every container, then every volume, with the label; returns
    /// what is left.
    pub fn remove_all(&self) -> Vec<String> {
        let filter = format!("label={}", self.label());
        let containers = run_ok(&mut docker(&["ps", "-aq", "--filter", &filter]));
        for id in containers.lines() {
            run(&mut docker(&["rm", "-f", "-v", id]));
        }
        let volumes = run_ok(&mut docker(&["volume", "ls", "-q", "--filter", &filter]));
        for name in volumes.lines() {
            run(&mut docker(&["volume", "rm", "-f", name]));
        }
        leftovers(TEST_LABEL, &self.id)
    }
}

impl Drop for Labelled {
    fn drop(&mut self) {
        let left = self.remove_all();
        if !left.is_empty() {
            eprintln!("test {} left behind: {left:?}", self.id);
        }
    }
}

/// Asserts that `record` is the healthy state the engine writes at
/// shutdown.
pub fn assert_cleared_at_shutdown(record: &serde_json::Value, what: &str) {
    assert_eq!(
        (
            record["mode"].as_str(),
            record["reason"].as_str(),
            record["cleared_by"].as_str()
        ),
        (Some("healthy"), Some("shutdown"), Some("chaos-engine")),
        "{what}: {record}"
    );
}

#[test]
fn published_ports_are_read_from_docker_port_output() {
    assert_eq!(parse_published_port("127.0.0.1:49153\n"), Some(49153));
    assert_eq!(
        parse_published_port("0.0.0.0:8000\n[::]:8000\n"),
        Some(8000)
    );
    assert_eq!(parse_published_port(""), None);
    assert_eq!(parse_published_port(":\n"), None);
}
