//! Spawning the real binary, watching its state files and logs.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// A time-compressed schedule: inject every 200 ms, clear after 100 ms,
/// no startup wait, safety floor off.
pub const FAST_SCHEDULE: &[&str] = &[
    "--interval",
    "0.2",
    "--recovery",
    "0.1",
    "--startup-wait",
    "0",
    "--min-interval",
    "0",
];

/// The binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_chaos-engine")
}

thread_local! {
    /// The fault ledger directory of the commands a test thread runs (see
    /// [`test_ledger_dir`]).
    static LEDGER_DIR: PathBuf = {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        std::env::temp_dir().join(format!(
            "chaos-engine-test-ledger-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ))
    };
}

/// The fault ledger directory every command of this test thread gets
/// unless the test sets `CHAOS_LEDGER_DIR`: one per test, so that an
/// engine a test killed is recovered by that test's `recover` or restart,
/// never by another test's engine (created only at a Docker fault).
pub fn test_ledger_dir() -> PathBuf {
    LEDGER_DIR.with(Clone::clone)
}

/// A command for the binary with an empty environment (no CHAOS_* leaking
/// in from the machine), `RUST_LOG=info`, this test's ledger directory
/// ([`test_ledger_dir`]) and the given variables.
pub fn command(env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(binary());
    command
        .env_clear()
        .env("RUST_LOG", "info")
        .env("CHAOS_LEDGER_DIR", test_ledger_dir());
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

/// Runs a one-shot command to completion (killed after 20 s).
pub fn run_once(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut child = command(env)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn chaos-engine");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("chaos-engine {args:?} did not exit within 20 s");
        }
        thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().expect("collect output")
}

/// A temporary working directory.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        Workspace {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `targets.yaml`, replacing `{dir}` with this directory.
    pub fn targets(&self, yaml: &str) -> PathBuf {
        let path = self.path("targets.yaml");
        std::fs::write(
            &path,
            yaml.replace("{dir}", self.dir.path().to_str().unwrap()),
        )
        .expect("write targets.yaml");
        path
    }
}

/// A running daemon whose standard output is collected line by line.
pub struct Engine {
    pub child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    /// Collects `lines` until the engine's standard output closes.
    reader: Option<thread::JoinHandle<()>>,
}

/// Reads `child`'s piped standard output on a thread, line by line, into
/// the shared list returned with the thread (joined once the child exits,
/// so no line is missed).
pub fn collect_lines(child: &mut Child) -> (Arc<Mutex<Vec<String>>>, thread::JoinHandle<()>) {
    let stdout = child.stdout.take().expect("piped stdout");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    let reader = thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    (lines, reader)
}

impl Engine {
    /// Starts `chaos-engine run` with `args` and JSON logs.
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = command(env)
            .arg("run")
            .args(["--log-format", "json"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn chaos-engine run");
        let (lines, reader) = collect_lines(&mut child);
        Engine {
            child,
            lines,
            reader: Some(reader),
        }
    }

    /// Every log event so far, parsed.
    pub fn events(&self) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}"))
            })
            .collect()
    }

    /// Log events whose message contains `text`, optionally for one target.
    pub fn events_matching(&self, text: &str, target: Option<&str>) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|e| e["message"].as_str().is_some_and(|m| m.contains(text)))
            .filter(|e| target.is_none_or(|t| e["target"] == t))
            .collect()
    }

    /// Sends SIGTERM (or SIGINT) and waits for the exit; returns the status
    /// and how long the exit took.
    pub fn signal_and_wait(&mut self, signal: rustix::process::Signal) -> (ExitStatus, Duration) {
        let pid = rustix::process::Pid::from_child(&self.child);
        let sent = Instant::now();
        rustix::process::kill_process(pid, signal).expect("send signal");
        let deadline = sent + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                let took = sent.elapsed();
                // The engine is gone, so its output ends: wait until every
                // last line (the goodbye) has been collected.
                if let Some(reader) = self.reader.take() {
                    reader.join().expect("the output reader");
                }
                return (status, took);
            }
            if Instant::now() > deadline {
                self.child.kill().ok();
                panic!("engine did not exit within 10 s of the signal");
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// The HTTP API's port, from the `HTTP API listening on` log line.
    pub fn api_port(&self) -> u16 {
        let mut port = None;
        wait_until(Duration::from_secs(10), "the HTTP API to listen", || {
            port = self
                .events_matching("HTTP API listening on http://", None)
                .first()
                .and_then(|e| {
                    e["addr"]
                        .as_str()
                        .and_then(|a| a.rsplit(':').next())
                        .and_then(|p| p.parse().ok())
                });
            port.is_some()
        });
        port.unwrap()
    }

    pub fn terminate(&mut self) -> (ExitStatus, Duration) {
        self.signal_and_wait(rustix::process::Signal::TERM)
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if self.is_running() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}

/// The state file parsed, or `None` when missing, not a regular file
/// (a FIFO or a link to `/dev/zero` in some tests) or not JSON.
pub fn read_state(path: &Path) -> Option<Value> {
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Polls `condition` every 5 ms until it holds; panics after `timeout`.
pub fn wait_until(timeout: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        if Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Records every distinct content a state file takes, polling in the
/// background until dropped.
pub struct StateWatcher {
    seen: Arc<Mutex<Vec<Value>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl StateWatcher {
    pub fn new(path: PathBuf) -> Self {
        let seen = Arc::new(Mutex::new(Vec::<Value>::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (sink, stopped) = (Arc::clone(&seen), Arc::clone(&stop));
        thread::spawn(move || {
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(value) = read_state(&path) {
                    let mut seen = sink.lock().unwrap();
                    if seen.last() != Some(&value) {
                        seen.push(value);
                    }
                }
                thread::sleep(Duration::from_millis(2));
            }
        });
        StateWatcher { seen, stop }
    }

    pub fn seen(&self) -> Vec<Value> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for StateWatcher {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Starts the engine with its API on a free loopback port; returns it and the port.
pub fn start_with_api(args: &[&str], env: &[(&str, &str)]) -> (Engine, u16) {
    let engine = Engine::start(&[&["--http", "127.0.0.1:0"], args].concat(), env);
    let port = engine.api_port();
    (engine, port)
}

/// Every whole line of a journal, parsed (none if the file does not exist
/// yet). A running engine may be halfway through writing its last line: a
/// line without its newline yet is not read.
pub fn journal(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let whole = match text.rfind('\n') {
        Some(end) => &text[..=end],
        None => "",
    };
    whole
        .lines()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("journal line is not JSON ({e}): {l}"))
        })
        .collect()
}

/// The journal's entries for `event`.
pub fn journal_events(path: &Path, event: &str) -> Vec<Value> {
    journal(path)
        .into_iter()
        .filter(|e| e["event"] == event)
        .collect()
}

/// The value of one Prometheus series (`name{labels}`) in `text`.
pub fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// Starts the daemon on the targets file `yaml` (`{dir}` is the workspace)
/// with a journal in the workspace and `extra` arguments; returns the
/// workspace (keep it alive), the journal's path and the engine.
pub fn start_journalled(yaml: &str, extra: &[&str]) -> (Workspace, PathBuf, Engine) {
    let ws = Workspace::new();
    let journal_path = ws.path("journal.jsonl");
    let targets = ws.targets(yaml);
    let engine = Engine::start(
        &[
            &[
                "--targets",
                targets.to_str().unwrap(),
                "--journal",
                journal_path.to_str().unwrap(),
            ],
            extra,
        ]
        .concat(),
        &[],
    );
    (ws, journal_path, engine)
}

/// A FIFO at `path`, made as `mkfifo` does.
pub fn make_fifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
}

/// Unix time that follows tokio's clock from `base`: paused, it moves only
/// when every actor is idle, and then exactly to the next timer's deadline.
#[derive(Debug)]
pub struct RuntimeClock {
    base: f64,
    start: tokio::time::Instant,
}

impl RuntimeClock {
    pub fn new(base: f64) -> Self {
        RuntimeClock {
            base,
            start: tokio::time::Instant::now(),
        }
    }
}

impl chaos_engine::clock::Clock for RuntimeClock {
    fn unix_now(&self) -> f64 {
        self.base + self.start.elapsed().as_secs_f64()
    }
}

/// Which clock stamps the journal of [`journal_on_paused_clock`].
pub enum Stamps {
    /// A clock stopped at this Unix time (windows are checked against it).
    Fixed(f64),
    /// Unix time that advances with the paused runtime clock from this base.
    Runtime(f64),
}

/// Runs the real actors (no HTTP API) in this process on the targets file
/// `yaml` (`{dir}` is a fresh workspace) for `run_for` of tokio's *paused*
/// clock, then drains and returns the journal. Time only moves when every
/// actor waits, so the run is the same on a loaded machine as on an idle one.
pub fn journal_on_paused_clock(
    yaml: &str,
    seed: u64,
    stamps: Stamps,
    run_for: Duration,
) -> Vec<Value> {
    use chaos_engine::config::{SettingId, SettingValues, Source};

    let ws = Workspace::new();
    let mut flags = SettingValues::default();
    flags.set(
        SettingId::Targets,
        Source::Flag,
        ws.targets(yaml).to_string_lossy(),
    );
    settings_on_paused_clock(&ws, flags, seed, stamps, run_for)
}

/// [`journal_on_paused_clock`] with the settings `flags` (flags and
/// variables, as the command line hands them over) in the workspace `ws`.
pub fn settings_on_paused_clock(
    ws: &Workspace,
    flags: chaos_engine::config::SettingValues,
    seed: u64,
    stamps: Stamps,
    run_for: Duration,
) -> Vec<Value> {
    use chaos_engine::actors::{Drain, Supervisor};
    use chaos_engine::config::{self, ConfigInputs};
    use chaos_engine::journal::Journal;
    use chaos_engine::telemetry::Telemetry;

    let journal_path = ws.path("journal.jsonl");
    let inputs = ConfigInputs {
        flags,
        ..ConfigInputs::default()
    };
    let settings = config::load(&inputs).unwrap();
    let system = actix::System::new();
    system.block_on(async move {
        use actix::Actor;
        tokio::time::pause();
        let clock: chaos_engine::clock::SharedClock = match stamps {
            Stamps::Fixed(now) => Arc::new(chaos_engine::clock::FixedClock(now)),
            Stamps::Runtime(base) => Arc::new(RuntimeClock::new(base)),
        };
        let telemetry = Arc::new(Telemetry::new(clock, Journal::open(&journal_path)));
        let supervisor = Supervisor::new(settings, None, seed, telemetry).start();
        tokio::time::sleep(run_for).await;
        supervisor.send(Drain).await.unwrap();
    });
    journal(&ws.path("journal.jsonl"))
}
