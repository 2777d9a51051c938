//! The containers of the bench: the target, the network helper the engine
//! starts in its namespace (through the library, as the engine does), and
//! the flood's sender; all removed when their guards drop, and by a
//! Ctrl-C/SIGTERM handler.

use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use chaos_engine::docker::helper::{start_helper, stop_helper};
use chaos_engine::docker::spec::{DelayWith, DockerFault, NetworkFault, LABEL_SUBJECT};
use chaos_engine::docker::ContainerRef;

use crate::docker_common::docker;

pub const TARGET_IMAGE: &str = "chaos-engine-fault-target:local";
pub const NET_IMAGE: &str = "chaos-engine-nethelper:local";
/// The image the flood's sender runs in (the bench binary mounted in it).
pub const SENDER_IMAGE: &str = "debian:bookworm-slim";
pub const TARGET_PORT: u16 = 8000;
/// The label on every container this bench starts (value: unique per run).
const BENCH_LABEL: &str = "chaos-engine.bench";

/// Containers to remove when the bench ends or is interrupted, by id or
/// name, and targets whose helpers must go too (by the engine's subject
/// label).
struct Live {
    containers: Vec<String>,
    subjects: Vec<String>,
}

static LIVE: Mutex<Live> = Mutex::new(Live {
    containers: Vec::new(),
    subjects: Vec::new(),
});

fn live() -> std::sync::MutexGuard<'static, Live> {
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Removes the helpers the engine made for `subject` (quietly: usually
/// there are none).
fn remove_helpers(subject: &str) {
    let filter = format!("label={LABEL_SUBJECT}={subject}");
    let helpers = docker(&["ps", "-aq", "--filter", &filter]).unwrap_or_default();
    for id in helpers.split_whitespace() {
        let _ = docker(&["rm", "-f", "-v", id]);
    }
}

/// On Ctrl-C or SIGTERM: remove everything, exit 130.
pub fn cleanup_on_signal() {
    crate::docker_common::on_interrupt(|| {
        let taken = std::mem::replace(
            &mut *live(),
            Live {
                containers: Vec::new(),
                subjects: Vec::new(),
            },
        );
        for subject in &taken.subjects {
            remove_helpers(subject);
        }
        for container in &taken.containers {
            let _ = docker(&["rm", "-f", "-v", container]);
        }
    });
}

fn forget(container: &str) {
    let mut live = live();
    live.containers.retain(|c| c != container);
    live.subjects.retain(|c| c != container);
}

/// A fresh target container; removed (with any helper left on it) when
/// dropped.
pub struct Target {
    pub id: String,
    pub name: String,
    /// Its address on its Docker network (the load goes there directly,
    /// not through the published port's docker-proxy).
    pub ip: String,
    /// The host's address on that network (the flood's receiver).
    pub gateway: String,
    /// The published port on 127.0.0.1.
    pub port: u16,
    /// Its main process on the host (its network namespace).
    pub pid: u32,
}

impl Target {
    /// Starts one; `role` names it (`chaos-bench-delayer-ROLE-PID`).
    pub fn start(role: &str) -> Result<Target, String> {
        let label = format!("delayer-{role}-{}", std::process::id());
        let name = format!("chaos-bench-{label}");
        let mut registry = live();
        let id = docker(&[
            "run",
            "-d",
            "--name",
            &name,
            "--label",
            &format!("{BENCH_LABEL}={label}"),
            "-p",
            &format!("127.0.0.1::{TARGET_PORT}"),
            TARGET_IMAGE,
        ])
        .ok_or_else(|| format!("cannot start {name}"))?;
        registry.containers.push(id.clone());
        registry.subjects.push(id.clone());
        drop(registry);
        let mut target = Target {
            id,
            name,
            ip: String::new(),
            gateway: String::new(),
            port: 0,
            pid: 0,
        };
        let found = docker(&[
            "inspect",
            "-f",
            "{{.State.Pid}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{.Gateway}} {{end}}",
            &target.id,
        ])
        .unwrap_or_default();
        let words: Vec<&str> = found.split_whitespace().collect();
        let (Some(pid), Some(ip), Some(gateway)) = (
            words.first().and_then(|p| p.parse().ok()),
            words.get(1),
            words.get(2),
        ) else {
            return Err(format!(
                "no pid, address or gateway for {}: {found:?}",
                target.name
            ));
        };
        (target.pid, target.ip, target.gateway) = (pid, (*ip).to_owned(), (*gateway).to_owned());
        let published = docker(&["port", &target.id, &TARGET_PORT.to_string()]);
        target.port = published
            .as_deref()
            .and_then(|text| {
                text.lines()
                    .find_map(|l| l.trim().rsplit_once(':')?.1.parse().ok())
            })
            .ok_or_else(|| format!("no published port for {}: {published:?}", target.name))?;
        Ok(target)
    }

    fn subject(&self) -> ContainerRef {
        ContainerRef {
            id: self.id.clone(),
            name: self.name.clone(),
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        remove_helpers(&self.id);
        let _ = docker(&["rm", "-f", "-v", &self.id]);
        forget(&self.id);
    }
}

/// A network fault applied by the engine's helper; reverted (the helper
/// stopped and removed) when dropped.
pub struct Helper<'a> {
    pub id: String,
    /// The helper container's main process (the script's shell) on the host.
    pub pid: u32,
    target: &'a Target,
    runtime: tokio::runtime::Runtime,
    docker: bollard::Docker,
}

impl<'a> Helper<'a> {
    /// Applies `delay` on `target` with the user-space delayer, as the
    /// engine does (`start_helper`, which returns once the helper printed
    /// "applied": the rules are in and `chaos-delayer` runs), ending by
    /// itself after `lifetime` if the bench dies without reverting it.
    pub fn delay(target: &'a Target, delay: Duration, lifetime: Duration) -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| format!("a tokio runtime: {err}"))?;
        let docker = bollard::Docker::connect_with_local_defaults()
            .map_err(|err| format!("the Docker Engine: {err}"))?;
        let fault = DockerFault::Network(NetworkFault {
            delay: Some(delay),
            delay_by: DelayWith::Delayer,
            ..NetworkFault::default()
        });
        let expires_at = crate::unix_now() + lifetime.as_secs_f64();
        let token = format!("bench-delay-{}", std::process::id());
        let id = runtime
            .block_on(start_helper(
                &docker,
                NET_IMAGE,
                &target.subject(),
                "chaos-delayer-bench",
                &token,
                &fault,
                expires_at,
            ))
            .map_err(|err| format!("applying the delay: {err}"))?;
        let mut helper = Helper {
            id,
            pid: 0,
            target,
            runtime,
            docker,
        };
        helper.pid = docker_pid(&helper.id).ok_or("no pid for the helper container")?;
        Ok(helper)
    }
}

impl Drop for Helper<'_> {
    fn drop(&mut self) {
        let end =
            self.runtime
                .block_on(stop_helper(&self.docker, &self.id, &self.target.subject()));
        if let Err(err) = end {
            eprintln!("reverting the delay: {err}");
        }
    }
}

fn docker_pid(container: &str) -> Option<u32> {
    docker(&["inspect", "-f", "{{.State.Pid}}", container])?
        .parse()
        .ok()
        .filter(|pid| *pid > 0)
}

/// Runs this bench's binary with `args` in a container that joins
/// `target`'s network namespace, and waits for it: its standard output.
pub fn run_in_namespace(target: &Target, args: &[String]) -> Result<String, String> {
    let binary = std::env::current_exe().map_err(|err| format!("this binary: {err}"))?;
    let name = format!("chaos-bench-delayer-sender-{}", std::process::id());
    live().containers.push(name.clone());
    let mut command = Command::new("docker");
    command
        .args(["run", "--rm", "--name", &name, "--label"])
        .arg(format!("{BENCH_LABEL}=sender-{}", std::process::id()))
        .arg("--network")
        .arg(format!("container:{}", target.id))
        .arg("-v")
        .arg(format!("{}:/bench:ro", binary.display()))
        .args([SENDER_IMAGE, "/bench"])
        .args(args)
        .stdin(Stdio::null());
    // --rm: the container is gone when `docker run` returns.
    let output = command.output();
    forget(&name);
    let output = output.map_err(|err| format!("docker run: {err}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "the sender failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}
