//! Real `chaos-target` processes, restarted when they exit: the test
//! harness plays the container restart policy.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How long to wait after writing a state file before probing a target:
/// longer than chaos-target's default --state-recheck-ms (10 ms).
pub const RECHECK_GRACE: Duration = Duration::from_millis(50);

/// What the harness has seen of one target service.
#[derive(Debug, Default, Clone)]
pub struct History {
    /// How many times the process was started.
    pub starts: usize,
    /// Exit codes of the processes that ended (None: killed by a signal).
    pub exits: Vec<Option<i32>>,
    /// PID of the running process, if any.
    pub pid: Option<u32>,
}

/// One target service under the restart policy.
pub struct TargetService {
    pub port: u16,
    history: Arc<Mutex<History>>,
    stop: Arc<AtomicBool>,
    supervisor: Option<JoinHandle<()>>,
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_chaos-target")
}

/// Starts one process; returns its port once it listens.
fn start_process(
    name: &str,
    state_file: &Path,
    port: u16,
    extra_args: &[String],
    history: &Arc<Mutex<History>>,
) -> (std::process::Child, u16) {
    let mut child = Command::new(binary())
        .env_clear()
        .env("RUST_LOG", "info")
        .args([
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--workers",
            "2",
        ])
        .args(["--service-name", name])
        .arg("--state-file")
        .arg(state_file)
        .args(extra_args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn chaos-target");
    let stdout = child.stdout.take().expect("piped stdout");
    let (port_tx, port_rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
                let port: u16 = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .parse()
                    .unwrap_or(0);
                let _ = port_tx.send(port);
            }
        }
    });
    let port = port_rx
        .recv_timeout(Duration::from_secs(20))
        .expect("chaos-target did not report its port");
    let mut history = history.lock().unwrap();
    history.starts += 1;
    history.pid = Some(child.id());
    (child, port)
}

impl TargetService {
    /// Starts `chaos-target` on a free loopback port and keeps it running:
    /// whenever the process exits, it is started again on the same port.
    pub fn start(name: &str, state_file: &Path) -> Self {
        Self::start_on(name, state_file, 0)
    }

    /// Like [`TargetService::start`], on a chosen port (0: any free one).
    pub fn start_on(name: &str, state_file: &Path, port: u16) -> Self {
        Self::start_with(name, state_file, port, &[])
    }

    /// Like [`TargetService::start_on`], with more command-line arguments.
    pub fn start_with(name: &str, state_file: &Path, port: u16, extra_args: &[&str]) -> Self {
        let extra_args: Vec<String> = extra_args.iter().map(|a| a.to_string()).collect();
        let history = Arc::new(Mutex::new(History::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (mut child, port) = start_process(name, state_file, port, &extra_args, &history);
        let supervisor = {
            let (history, stop) = (Arc::clone(&history), Arc::clone(&stop));
            let (name, state_file) = (name.to_owned(), state_file.to_owned());
            thread::spawn(move || loop {
                let status = child.wait().expect("wait for chaos-target");
                {
                    let mut history = history.lock().unwrap();
                    history.exits.push(status.code());
                    history.pid = None;
                }
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                child = start_process(&name, &state_file, port, &extra_args, &history).0;
            })
        };
        TargetService {
            port,
            history,
            stop,
            supervisor: Some(supervisor),
        }
    }

    pub fn history(&self) -> History {
        self.history.lock().unwrap().clone()
    }

    /// Kills the running process (as an operator restarting the container
    /// would); the restart policy starts it again.
    pub fn kill(&self) {
        if let Some(pid) = self
            .history()
            .pid
            .and_then(|pid| rustix::process::Pid::from_raw(pid as i32))
        {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }
}

/// A loopback port that nothing listens on (bound, then released).
pub fn unused_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl Drop for TargetService {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let Some(supervisor) = self.supervisor.take() else {
            return;
        };
        // Kill whatever runs until the supervisor has seen the stop flag (a
        // restart may be under way while we set it).
        while !supervisor.is_finished() {
            if let Some(pid) = self
                .history()
                .pid
                .and_then(|pid| rustix::process::Pid::from_raw(pid as i32))
            {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
            thread::sleep(Duration::from_millis(10));
        }
        let _ = supervisor.join();
    }
}

/// One `chaos-target` process without a restart policy: once stopped, its
/// port refuses connections until it is started again. Killed when dropped.
pub struct LoneService {
    child: Option<std::process::Child>,
    name: String,
    state_file: std::path::PathBuf,
    pub port: u16,
}

impl LoneService {
    /// Starts it on a free loopback port.
    pub fn start(name: &str, state_file: &Path) -> Self {
        let history = Arc::new(Mutex::new(History::default()));
        let (child, port) = start_process(name, state_file, 0, &[], &history);
        LoneService {
            child: Some(child),
            name: name.to_owned(),
            state_file: state_file.to_owned(),
            port,
        }
    }

    /// Kills the process and waits for it: the port refuses from now on.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        let history = Arc::new(Mutex::new(History::default()));
        let (child, _) = start_process(&self.name, &self.state_file, self.port, &[], &history);
        self.child = Some(child);
    }
}

impl Drop for LoneService {
    fn drop(&mut self) {
        self.stop();
    }
}
