//! Fixtures for the Docker fault tests: a target container that knows
//! nothing of chaos-engine, and the network helper image.
//!
//! - [`target_image`]: `chaos-engine-fault-target:local`, debian:bookworm-slim
//!   with the host-built `chaos-target` binary copied in (the host's glibc is
//!   bookworm's), its state file pointed at a path that never exists, so it
//!   is always healthy whatever chaos-engine writes anywhere;
//! - [`net_helper_image`]: `chaos-engine-nethelper:local`, made by the same
//!   code as in CI (`.ci/docker-bases.sh nethelper`);
//! - [`TargetContainer`]: one such target running, published on
//!   127.0.0.1, removed with everything labelled like it when it drops.
//!
//! Both images are built at most once per test binary and kept afterwards
//! (as `chaos-engine:local` is), so the next run reuses them.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use super::docker::{
    docker, inspect, parse_published_port, repo_root, run, run_ok, wait_for, Labelled, TEST_LABEL,
};
use super::http;

/// The tag of the target image.
pub const TARGET_IMAGE: &str = "chaos-engine-fault-target:local";

/// The tag of the network helper image.
pub const NET_HELPER_IMAGE: &str = "chaos-engine-nethelper:local";

/// The port chaos-target listens on inside its container.
pub const TARGET_PORT: u16 = 8000;

/// A state-file path that never exists in the target container.
const NO_STATE_FILE: &str = "/nonexistent/chaos-engine-never-writes-here.json";

/// Runs `build` once per test binary; every later call panics with the same
/// message when it failed.
fn once(cell: &'static OnceLock<Result<(), String>>, build: impl FnOnce() -> Result<(), String>) {
    if let Err(message) = cell.get_or_init(build) {
        panic!("{message}");
    }
}

/// Builds `chaos-engine-fault-target:local` once per test binary and
/// returns its tag.
pub fn target_image() -> &'static str {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    once(&BUILT, build_target_image);
    TARGET_IMAGE
}

fn build_target_image() -> Result<(), String> {
    let context =
        std::env::temp_dir().join(format!("chaos-fault-target-context-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&context);
    std::fs::create_dir_all(&context).map_err(|e| format!("create {context:?}: {e}"))?;
    let result = (|| {
        let binary = PathBuf::from(env!("CARGO_BIN_EXE_chaos-target"));
        std::fs::copy(&binary, context.join("chaos-target"))
            .map_err(|e| format!("copy {binary:?}: {e}"))?;
        let dockerfile = format!(
            "FROM debian:bookworm-slim\n\
             COPY chaos-target /usr/local/bin/chaos-target\n\
             ENV PORT={TARGET_PORT} FAILURE_STATE_FILE={NO_STATE_FILE} SERVICE_NAME=fault-target WORKERS=2\n\
             EXPOSE {TARGET_PORT}\n\
             CMD [\"/usr/local/bin/chaos-target\"]\n"
        );
        std::fs::write(context.join("Dockerfile"), dockerfile)
            .map_err(|e| format!("write the Dockerfile: {e}"))?;
        let output = run(docker(&["build", "-q", "-t", TARGET_IMAGE]).arg(&context));
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "docker build {TARGET_IMAGE} failed with {}:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    })();
    let _ = std::fs::remove_dir_all(&context);
    result
}

/// Makes `chaos-engine-nethelper:local` when it is missing or stale (the
/// same step as CI's `.ci/docker-bases.sh`), once per test binary; returns
/// its tag.
pub fn net_helper_image() -> &'static str {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    once(&BUILT, || {
        let output = run(Command::new("bash")
            .current_dir(repo_root())
            .args([".ci/docker-bases.sh", "nethelper"]));
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                ".ci/docker-bases.sh nethelper failed with {}:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    });
    NET_HELPER_IMAGE
}

/// A single-threaded tokio runtime for the tests that call the engine's
/// Docker code directly.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The local Docker Engine, through bollard.
pub fn engine() -> bollard::Docker {
    bollard::Docker::connect_with_local_defaults().expect("the local Docker Engine")
}

/// Now, in Unix seconds.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
}

/// The script that lists the rules and qdiscs of a network namespace:
/// `iptables-save`, `ip6tables-save` and `tc qdisc show`.
pub const RULES_SCRIPT: &str =
    "echo '== iptables'; iptables-save; echo '== ip6tables'; ip6tables-save; tc qdisc show";

/// `command` (a `docker`, of whichever Engine) given `run OPTIONS
/// --network container:ID --cap-add NET_ADMIN --entrypoint sh IMAGE -c
/// SCRIPT`: a container of the helper image that runs `script` as root,
/// with NET_ADMIN, in container `id`'s network namespace; `options`
/// (`--rm`, `-d`, `--label ...`) come before the network.
pub fn in_namespace<'a>(
    command: &'a mut Command,
    options: &[&str],
    id: &str,
    script: &str,
) -> &'a mut Command {
    let network = format!("container:{id}");
    command.arg("run").args(options).args([
        "--network",
        network.as_str(),
        "--cap-add",
        "NET_ADMIN",
        "--entrypoint",
        "sh",
        net_helper_image(),
        "-c",
        script,
    ])
}

/// [`RULES_SCRIPT`] in the network namespace of container `id`, by a
/// throw-away container of the helper image labelled
/// `chaos-engine.test=<test_label>` (removed as it ends).
pub fn namespace_rules(id: &str, test_label: &str) -> String {
    run_in_namespace(id, test_label, RULES_SCRIPT)
}

/// Runs `script` (as root, with NET_ADMIN) in container `id`'s network
/// namespace, as a person with Docker access would, from a throw-away
/// container of the helper image labelled `chaos-engine.test=<test_label>`
/// (removed as it ends); answers what it printed.
pub fn run_in_namespace(id: &str, test_label: &str, script: &str) -> String {
    let label = format!("{TEST_LABEL}={test_label}");
    run_ok(in_namespace(
        &mut docker(&[]),
        &["--rm", "--label", &label],
        id,
        script,
    ))
}

/// One running target container, published on 127.0.0.1; removed (with
/// anything else carrying its test label) when dropped.
pub struct TargetContainer {
    guard: Labelled,
    id: String,
    name: String,
    port: u16,
}

impl TargetContainer {
    /// Starts a target named `chaos-fault-<what>-<pid>-<n>` with
    /// `extra_args` given to `docker run` before the image, and waits (60 s)
    /// until it answers `GET /health` with 200.
    pub fn start(what: &str, extra_args: &[&str]) -> TargetContainer {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let image = target_image();
        let guard = Labelled::new(&format!("fault-{what}-{n}"));
        let name = format!("chaos-fault-{what}-{}-{n}", std::process::id());
        let publish = format!("127.0.0.1::{TARGET_PORT}");
        let mut args = vec!["--name", name.as_str(), "-p", publish.as_str()];
        args.extend_from_slice(extra_args);
        args.push(image);
        let id = guard.run_detached(&args);
        let port_text = run_ok(&mut docker(&["port", &id, &TARGET_PORT.to_string()]));
        let port = parse_published_port(&port_text)
            .unwrap_or_else(|| panic!("no published port in {port_text:?}"));
        let target = TargetContainer {
            guard,
            id,
            name,
            port,
        };
        wait_for(
            Duration::from_secs(60),
            &format!("{} to answer GET /health", target.name),
            || (target.get("/health", Duration::from_secs(2)) == Ok(200)).then_some(()),
            || target.describe(),
        );
        target
    }

    /// The full container id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The container name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The host port (on 127.0.0.1) published for port 8000.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The test label's value of this container (`chaos-engine.test=<it>`).
    pub fn label_value(&self) -> &str {
        &self.guard.id
    }

    /// `GET path` from the host through the published port: the status, or
    /// why there is none (refused, reset, timed out after `timeout`).
    pub fn get(&self, path: &str, timeout: Duration) -> Result<u16, String> {
        http::get(self.port, path, timeout)
            .map(|response| response.status)
            .map_err(|err| err.to_string())
    }

    /// `GET path` through the port published now: a container started
    /// again gets a new ephemeral host port.
    pub fn get_republished(&self, path: &str, timeout: Duration) -> Result<u16, String> {
        let published = run(&mut docker(&["port", &self.id, &TARGET_PORT.to_string()]));
        let port = parse_published_port(&String::from_utf8_lossy(&published.stdout))
            .ok_or_else(|| format!("{} publishes no port now", self.name))?;
        http::get(port, path, timeout)
            .map(|response| response.status)
            .map_err(|err| err.to_string())
    }

    /// The container's state and last log lines, for failure messages.
    pub fn describe(&self) -> String {
        let state = inspect(&self.id, "{{.State.Status}} exit={{.State.ExitCode}}")
            .unwrap_or_else(|| "gone".to_owned());
        let logs = run(&mut docker(&["logs", "--tail", "30", &self.id]));
        format!(
            "{} is {state}; logs:\n{}{}",
            self.name,
            String::from_utf8_lossy(&logs.stdout),
            String::from_utf8_lossy(&logs.stderr)
        )
    }
}

/// The Docker events of `id` from Unix time `since` until now: `(action,
/// attributes, time in ns)`.
pub fn events_of(id: &str, since: f64) -> Vec<(String, Value, i64)> {
    let until = now() + 0.001;
    let printed = run_ok(&mut docker(&[
        "events",
        "--since",
        &format!("{since:.6}"),
        "--until",
        &format!("{until:.6}"),
        "--filter",
        &format!("container={id}"),
        "--format",
        "{{json .}}",
    ]));
    printed
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .map(|event| {
            (
                event["Action"].as_str().unwrap_or_default().to_owned(),
                event["Actor"]["Attributes"].clone(),
                event["timeNano"].as_i64().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
#[ignore = "needs a Docker Engine and debian:bookworm-slim (see .ci/docker-bases.sh)"]
fn net_fixture_target_answers_and_leaves_nothing() {
    let label;
    {
        let target = TargetContainer::start("fixture", &[]);
        assert_eq!(target.get("/health", Duration::from_secs(10)), Ok(200));
        assert_eq!(target.get("/orders", Duration::from_secs(10)), Ok(200));
        label = target.label_value().to_owned();
        let helper = net_helper_image();
        let tools = run_ok(&mut docker(&[
            "run",
            "--rm",
            "--entrypoint",
            "sh",
            helper,
            "-c",
            "command -v tc && command -v iptables",
        ]));
        assert_eq!(tools.lines().count(), 2, "{tools}");
    }
    let left = super::docker::leftovers(super::docker::TEST_LABEL, &label);
    assert!(left.is_empty(), "left behind: {left:?}");
}
