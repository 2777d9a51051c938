//! How long Docker faults take to come into effect and to be undone.
//!
//! For each mode (kill with a restart policy, stop, pause, partition,
//! network loss 30%, network rate 1mbit, and netem delay, which this
//! machine's kernel cannot do) the bench starts a fresh target container
//! (`chaos-engine-fault-target:local`, labelled uniquely,
//! `--restart unless-stopped`, its port published on 127.0.0.1), runs the
//! real release engine on it with a one-scenario targets file and a
//! compressed schedule for N cycles, then sends SIGTERM. Per mode it
//! reports p50/p99/max of:
//!
//! 1. **schedule → in effect**: the `injected` event's `lateness_ms`
//!    (scheduled start to apply began) plus its `write_ms` (the apply: until
//!    the Engine call returned, or the network helper printed "applied");
//! 2. **deadline → reverted**: from the failure's `expires_at` to the
//!    `cleared` event (written when the revert returned), split into how
//!    late the clear began and how long the revert took (`cleared.write_ms`).
//!    A kill is undone by the container's restart policy, not by the
//!    engine: for it the bench reports the time from the kill to the
//!    restart the engine recorded as the repair (`ended.repaired_at`);
//! 3. for pause and partition, a cross-check from **outside** the engine: a
//!    probe sends `GET /health` to the published port every 20 ms (each
//!    request on its own thread, 200 ms timeout) and the bench compares
//!    when requests start failing and succeed again with the journal's
//!    timestamps (both on the Unix clock).
//!
//! Prints a table and writes the figures as JSON. Every container it starts
//! (and any network helper the engine left on them) is removed when its
//! guard drops, and by a Ctrl-C/SIGTERM handler.
//!
//! ```text
//! cargo bench --bench docker_faults                          # every mode, 20 cycles each (about 10 minutes)
//! cargo bench --bench docker_faults -- --cycles 5 --modes pause,partition
//! cargo bench --bench docker_faults -- --interval 3 --recovery 1 --kill-interval 12 --out faults.json
//! cargo bench --bench docker_faults -- --raw /tmp/faults   # keep /tmp/faults.MODE.journal and the probe's samples
//! ```
//!
//! Needs a Docker Engine, `chaos-engine-nethelper:local` (made here with
//! `.ci/docker-bases.sh nethelper` when missing) and debian:bookworm-slim
//! (to build the target image from the release `chaos-target` when it is
//! missing). Kill cycles are 12 s apart by default: Docker doubles the
//! restart delay of a container that ran for less than 10 s, so kills 2 s
//! apart would measure Docker's back-off, not the engine.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

mod common;
#[path = "common/docker.rs"]
mod docker_common;

use docker_common::{docker, machine};

const TARGET_IMAGE: &str = "chaos-engine-fault-target:local";
const NET_IMAGE: &str = "chaos-engine-nethelper:local";
const TARGET_PORT: u16 = 8000;
/// The label on every container this bench starts (value: unique per run).
const BENCH_LABEL: &str = "chaos-engine.bench";
/// The label the engine puts on its network helpers (value: the target).
const ENGINE_TARGET_LABEL: &str = "io.chaos-engine.target";
const PROBE_EVERY: Duration = Duration::from_millis(20);
const PROBE_TIMEOUT: Duration = Duration::from_millis(200);

struct Options {
    cycles: usize,
    interval: f64,
    recovery: f64,
    kill_interval: f64,
    modes: Vec<String>,
    out: PathBuf,
    /// `--raw PREFIX`: keep each mode's journal and probe samples there.
    raw: Option<String>,
}

fn options() -> Options {
    let mut options = Options {
        cycles: 20,
        interval: 3.0,
        recovery: 1.0,
        kill_interval: 12.0,
        modes: MODES.iter().map(|m| m.name.to_owned()).collect(),
        out: PathBuf::from("target/chaos-docker-faults.json"),
        raw: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--cycles" => options.cycles = value.parse().unwrap_or(options.cycles),
            "--interval" => options.interval = value.parse().unwrap_or(options.interval),
            "--recovery" => options.recovery = value.parse().unwrap_or(options.recovery),
            "--kill-interval" => {
                options.kill_interval = value.parse().unwrap_or(options.kill_interval)
            }
            "--modes" => options.modes = value.split(',').map(|m| m.trim().to_owned()).collect(),
            "--out" => options.out = PathBuf::from(value),
            "--raw" => options.raw = Some(value),
            // `cargo bench` passes `--bench`; ignore it and anything unknown.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    options
}

/// One mode measured: its scenario line and how it is checked.
struct Mode {
    name: &'static str,
    scenario: &'static str,
    /// Probe the published port from outside.
    probe: bool,
    /// Expected to fail on a kernel without sch_netem.
    netem: bool,
}

const MODES: &[Mode] = &[
    Mode {
        name: "kill",
        scenario: "{ name: KILL, mode: kill, weight: 1 }",
        probe: false,
        netem: false,
    },
    Mode {
        name: "stop",
        scenario: "{ name: STOP, mode: stop, weight: 1 }",
        probe: false,
        netem: false,
    },
    Mode {
        name: "pause",
        scenario: "{ name: PAUSE, mode: pause, weight: 1 }",
        probe: true,
        netem: false,
    },
    Mode {
        name: "partition",
        scenario: "{ name: PARTITION, mode: partition, weight: 1 }",
        probe: true,
        netem: false,
    },
    Mode {
        name: "loss 30%",
        scenario: "{ name: LOSSY, mode: network, weight: 1, network: { loss: 30% } }",
        probe: false,
        netem: false,
    },
    Mode {
        name: "rate 1mbit",
        scenario: "{ name: THROTTLED, mode: network, weight: 1, network: { rate: 1mbit } }",
        probe: false,
        netem: false,
    },
    Mode {
        name: "delay 200ms",
        scenario: "{ name: LATENCY, mode: network, weight: 1, network: { delay: 200ms } }",
        probe: false,
        netem: true,
    },
];

/// What must go when the bench ends or is interrupted: target containers
/// (by id), helpers (by the engine's target label) and engines (by pid).
#[derive(Default)]
struct Live {
    containers: Vec<String>,
    targets: Vec<String>,
    engines: Vec<u32>,
}

static LIVE: Mutex<Live> = Mutex::new(Live {
    containers: Vec::new(),
    targets: Vec::new(),
    engines: Vec::new(),
});

fn live() -> std::sync::MutexGuard<'static, Live> {
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Removes a container and every helper the engine made for `target`.
fn remove(container: &str, target: &str) {
    let filter = format!("label={ENGINE_TARGET_LABEL}={target}");
    let helpers = docker(&["ps", "-aq", "--filter", &filter]).unwrap_or_default();
    for id in helpers.split_whitespace().chain([container]) {
        let _ = docker(&["rm", "-f", "-v", id]);
    }
}

/// On Ctrl-C or SIGTERM: stop the engines, remove everything, exit 130.
fn cleanup_on_signal() {
    docker_common::on_interrupt(|| {
        let live = std::mem::take(&mut *live());
        for pid in live.engines {
            if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
            }
        }
        for (container, target) in live.containers.iter().zip(&live.targets) {
            remove(container, target);
        }
    });
}

/// A target container; removed (with its helpers) when dropped.
struct TargetContainer {
    id: String,
    target: String,
    label: String,
    port: u16,
}

impl TargetContainer {
    fn start(mode: &str) -> Result<TargetContainer, String> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        let slug: String = mode
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let label = format!("{slug}-{pid}-{n}");
        let name = format!("chaos-bench-{label}");
        let target = format!("bench-{label}");
        let mut live = live();
        let id = docker(&[
            "run",
            "-d",
            "--name",
            &name,
            "--label",
            &format!("{BENCH_LABEL}={label}"),
            "--restart",
            "unless-stopped",
            "-p",
            &format!("127.0.0.1::{TARGET_PORT}"),
            TARGET_IMAGE,
        ])
        .ok_or_else(|| format!("cannot start {name}"))?;
        live.containers.push(id.clone());
        live.targets.push(target.clone());
        drop(live);
        let mut container = TargetContainer {
            id,
            target,
            label,
            port: 0,
        };
        let published = docker(&["port", &container.id, &TARGET_PORT.to_string()]);
        let port = published
            .as_deref()
            .and_then(|text| {
                text.lines()
                    .find_map(|l| l.trim().rsplit_once(':')?.1.parse().ok())
            })
            .ok_or_else(|| format!("no published port for {name}: {published:?}"))?;
        container.port = port;
        if !wait_for(Duration::from_secs(60), || http_ok(port, PROBE_TIMEOUT * 5)) {
            return Err(format!("{name} did not answer GET /health within 60 s"));
        }
        Ok(container)
    }
}

impl Drop for TargetContainer {
    fn drop(&mut self) {
        remove(&self.id, &self.target);
        let mut live = live();
        if let Some(i) = live.containers.iter().position(|c| *c == self.id) {
            live.containers.remove(i);
            live.targets.remove(i);
        }
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn wait_for(timeout: Duration, done: impl FnMut() -> bool) -> bool {
    common::wait_for(timeout, Duration::from_millis(50), done)
}

/// One `GET /health` on 127.0.0.1:`port`: whether it answered 200 within
/// `timeout` (connect, then the answer).
fn http_ok(port: u16, timeout: Duration) -> bool {
    use std::io::{Read, Write};
    let started = Instant::now();
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&address, timeout) else {
        return false;
    };
    let left = timeout
        .saturating_sub(started.elapsed())
        .max(Duration::from_millis(1));
    let _ = stream.set_read_timeout(Some(left));
    let _ = stream.set_write_timeout(Some(left));
    let request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = [0u8; 12];
    stream.read_exact(&mut answer).is_ok() && answer.starts_with(b"HTTP/1.1 200")
}

/// One probe request: when it was sent and answered (Unix time), and
/// whether it got a 200 in time.
#[derive(Clone, Copy)]
struct Sample {
    sent: f64,
    done: f64,
    ok: bool,
}

/// Sends `GET /health` every 20 ms, each on its own thread, until stopped.
struct Probe {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Vec<Sample>>,
}

impl Probe {
    fn start(port: u16) -> Probe {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let (tx, rx) = mpsc::channel();
            let mut next = Instant::now();
            while !stopping.load(Ordering::Relaxed) {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let sent = unix_now();
                    let ok = http_ok(port, PROBE_TIMEOUT);
                    let _ = tx.send(Sample {
                        sent,
                        done: unix_now(),
                        ok,
                    });
                });
                next += PROBE_EVERY;
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
            }
            drop(tx);
            let mut samples: Vec<Sample> = rx.iter().collect();
            samples.sort_by(|a, b| a.sent.total_cmp(&b.sent));
            samples
        });
        Probe { stop, thread }
    }

    fn finish(self) -> Vec<Sample> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

fn spawn_engine(targets: &Path, journal: &Path) -> Result<Child, String> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chaos-engine"));
    command.env_clear().env("RUST_LOG", "error");
    if let Ok(host) = std::env::var("DOCKER_HOST") {
        command.env("DOCKER_HOST", host);
    }
    let child = command
        .arg("run")
        .arg("--targets")
        .arg(targets)
        .arg("--journal")
        .arg(journal)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|err| format!("spawn chaos-engine: {err}"))?;
    live().engines.push(child.id());
    Ok(child)
}

fn sigterm_and_wait(child: &mut Child) -> Option<i32> {
    let (_, code) = common::sigterm_and_wait(child);
    live().engines.retain(|p| *p != child.id());
    code
}

fn journal(path: &Path) -> Vec<Value> {
    common::read_journal(path)
}

fn events<'a>(entries: &'a [Value], name: &str) -> Vec<&'a Value> {
    entries.iter().filter(|e| e["event"] == name).collect()
}

fn percentiles(mut values: Vec<f64>) -> Value {
    values.retain(|v| v.is_finite());
    let values = common::sorted(values);
    let at = |q: f64| {
        if values.is_empty() {
            Value::Null
        } else {
            json!(common::percentile(&values, q))
        }
    };
    json!({ "n": values.len(), "p50": at(0.5), "p99": at(0.99), "max": at(1.0) })
}

/// The cross-check for one fault: when the probe saw it start and end,
/// relative to the engine's "in effect" and "reverted" instants (ms;
/// negative: seen before the engine's call returned).
fn outside(
    samples: &[Sample],
    apply_began: f64,
    in_effect: f64,
    reverted: f64,
) -> Option<(f64, f64)> {
    let window: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.sent >= apply_began - 0.3 && s.sent <= reverted + 0.6)
        .collect();
    let first_failure = window.iter().find(|s| !s.ok)?;
    let last_failure = window.iter().rev().find(|s| !s.ok)?;
    // A request hanging on a paused container is answered when it is
    // unpaused: the first answer after the last failing send marks the end.
    let back = window
        .iter()
        .filter(|s| s.ok && s.done > last_failure.sent)
        .map(|s| s.done)
        .min_by(f64::total_cmp)?;
    Some((
        (first_failure.sent - in_effect) * 1e3,
        (back - reverted) * 1e3,
    ))
}

/// Runs one mode for `cycles` cycles; the figures as JSON.
fn measure(mode: &Mode, o: &Options) -> Result<Value, String> {
    let interval = if mode.name == "kill" {
        o.kill_interval
    } else {
        o.interval
    };
    let container = TargetContainer::start(mode.name)?;
    let dir = tempfile::tempdir().map_err(|err| format!("a temporary directory: {err}"))?;
    let targets = dir.path().join("targets.yaml");
    let yaml = format!(
        "defaults: {{ interval: {interval}, recovery: {}, startup_wait: 0 }}\n\
         policy:\n  min_interval: 0\n  docker: {{ net_image: {NET_IMAGE} }}\n\
         targets:\n  - name: {}\n    docker: {{ labels: {{ {BENCH_LABEL}: \"{}\" }} }}\n    scenarios:\n      - {}\n",
        o.recovery, container.target, container.label, mode.scenario
    );
    std::fs::write(&targets, yaml).map_err(|err| format!("write {targets:?}: {err}"))?;
    let journal_path = dir.path().join("journal.jsonl");
    let probe = mode.probe.then(|| Probe::start(container.port));
    let mut engine = spawn_engine(&targets, &journal_path)?;
    let budget = Duration::from_secs_f64(60.0 + 3.0 * interval * o.cycles as f64);
    let finished = wait_for(budget, || {
        let entries = journal(&journal_path);
        let errors = events(&entries, "write_error").len();
        events(&entries, "ended").len() >= o.cycles || (mode.netem && errors > 0)
    });
    let exit_code = sigterm_and_wait(&mut engine);
    let samples = probe.map(Probe::finish).unwrap_or_default();
    if let Some(path) = &o.raw {
        let dump: Vec<String> = samples
            .iter()
            .map(|s| format!("{:.3} {:.3} {}", s.sent, s.done, s.ok))
            .collect();
        let _ = std::fs::write(format!("{path}.{}", mode.name), dump.join("\n"));
        let _ = std::fs::copy(&journal_path, format!("{path}.{}.journal", mode.name));
    }
    let entries = journal(&journal_path);
    let errors: Vec<String> = events(&entries, "write_error")
        .iter()
        .filter_map(|e| e["detail"].as_str().map(str::to_owned))
        .collect();
    let state = docker(&["inspect", "-f", "{{.State.Status}}", &container.id]).unwrap_or_default();
    drop(container);

    let mut apply = Vec::new();
    let mut lateness = Vec::new();
    let mut apply_call = Vec::new();
    let mut reverted = Vec::new();
    let mut clear_late = Vec::new();
    let mut revert_call = Vec::new();
    let mut timer_late = Vec::new();
    let mut repaired = Vec::new();
    let mut seen_start = Vec::new();
    let mut seen_end = Vec::new();
    let mut unseen = 0;
    let injected = events(&entries, "injected");
    for inj in &injected {
        let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
        let (late, write, in_effect) = (
            f(&inj["lateness_ms"]),
            f(&inj["write_ms"]),
            f(&inj["timestamp"]),
        );
        apply.push(late + write);
        lateness.push(late);
        apply_call.push(write);
        let by_id = |name: &str| {
            entries
                .iter()
                .find(|e| e["event"] == name && e["id"] == inj["id"])
        };
        if let Some(ended) = by_id("ended").filter(|e| e["ended_by"] == "repair") {
            repaired.push((f(&ended["repaired_at"]) - in_effect) * 1e3);
        }
        let Some(cleared) = by_id("cleared").filter(|e| e["reason"] == "recovery") else {
            continue;
        };
        let (done, took) = (f(&cleared["timestamp"]), f(&cleared["write_ms"]));
        let expires = f(&inj["expires_at"]);
        reverted.push((done - expires) * 1e3);
        revert_call.push(took);
        clear_late.push((done - took / 1e3 - expires) * 1e3);
        timer_late.push((done - took / 1e3 - in_effect - o.recovery) * 1e3);
        if mode.probe {
            match outside(&samples, in_effect - write / 1e3, in_effect, done) {
                Some((start, end)) => {
                    seen_start.push(start);
                    seen_end.push(end);
                }
                None => unseen += 1,
            }
        }
    }
    let netem_missing =
        mode.netem && injected.is_empty() && errors.iter().any(|e| e.contains("netem"));
    Ok(json!({
        "mode": mode.name,
        "interval_s": interval,
        "recovery_s": o.recovery,
        "cycles_wanted": o.cycles,
        "finished": finished,
        "injected": injected.len(),
        "ended": events(&entries, "ended").len(),
        "errors": errors,
        "not_available_on_this_kernel": netem_missing,
        "engine_exit_code": exit_code,
        "container_state_after": state,
        "schedule_to_in_effect_ms": percentiles(apply),
        "lateness_ms": percentiles(lateness),
        "apply_call_ms": percentiles(apply_call),
        "deadline_to_reverted_ms": percentiles(reverted),
        "clear_began_after_deadline_ms": percentiles(clear_late),
        "clear_began_after_in_effect_plus_recovery_ms": percentiles(timer_late),
        "revert_call_ms": percentiles(revert_call),
        "kill_to_restarted_by_policy_ms": percentiles(repaired),
        "outside": if mode.probe { json!({
            "probe_every_ms": PROBE_EVERY.as_millis(),
            "probe_timeout_ms": PROBE_TIMEOUT.as_millis(),
            "requests": samples.len(),
            "first_failure_after_in_effect_ms": percentiles(seen_start),
            "answered_again_after_reverted_ms": percentiles(seen_end),
            "faults_not_seen": unseen,
        }) } else { Value::Null },
    }))
}

/// Makes the images the bench needs when they are missing.
fn ensure_images() -> Result<(), String> {
    if docker(&["image", "inspect", "-f", "{{.Id}}", NET_IMAGE]).is_none() {
        let root = env!("CARGO_MANIFEST_DIR");
        let status = Command::new("bash")
            .current_dir(root)
            .args([".ci/docker-bases.sh", "nethelper"])
            .status()
            .map_err(|err| format!(".ci/docker-bases.sh: {err}"))?;
        if !status.success() {
            return Err(format!(".ci/docker-bases.sh nethelper failed: {status}"));
        }
    }
    docker_common::ensure_target_image(TARGET_IMAGE, TARGET_PORT)
}

/// `p50 / p99 / max` of a percentiles object, in ms.
fn three(v: &Value) -> String {
    let f = |key: &str| match v[key].as_f64() {
        Some(x) => format!("{x:.0}"),
        None => "-".to_owned(),
    };
    format!("{} / {} / {}", f("p50"), f("p99"), f("max"))
}

fn row(r: &Value) -> String {
    if r["not_available_on_this_kernel"] == true {
        return format!(
            "{:<12} | not available on this kernel (no sch_netem): the engine reports the error",
            r["mode"].as_str().unwrap_or("")
        );
    }
    let undo = if r["mode"] == "kill" {
        format!(
            "{:>19} (restart policy)",
            three(&r["kill_to_restarted_by_policy_ms"])
        )
    } else {
        format!(
            "{:>19} (clear {:>13})",
            three(&r["deadline_to_reverted_ms"]),
            three(&r["revert_call_ms"])
        )
    };
    let outside = if r["outside"].is_null() {
        String::new()
    } else {
        format!(
            "fails {} | answers {}",
            three(&r["outside"]["first_failure_after_in_effect_ms"]),
            three(&r["outside"]["answered_again_after_reverted_ms"])
        )
    };
    format!(
        "{:<12} | {:>6} | {:>17} | {:>17} | {:<46} | {}",
        r["mode"].as_str().unwrap_or(""),
        r["injected"],
        three(&r["schedule_to_in_effect_ms"]),
        three(&r["apply_call_ms"]),
        undo,
        outside
    )
}

fn main() {
    let o = options();
    cleanup_on_signal();
    if let Err(err) = ensure_images() {
        eprintln!("cannot make the images: {err}");
        std::process::exit(1);
    }
    println!("machine: {}", machine());
    println!(
        "schedule: interval {}s (kill {}s), recovery {}s, startup_wait 0, min_interval 0; {} cycles per mode",
        o.interval, o.kill_interval, o.recovery, o.cycles
    );
    println!("all figures in ms, p50 / p99 / max\n");
    println!(
        "{:<12} | {:>6} | {:>17} | {:>17} | {:<46} | outside: fails after effect / answers after revert",
        "mode", "faults", "schedule->effect", "apply call", "deadline->reverted"
    );
    let mut rows = Vec::new();
    for name in &o.modes {
        let Some(mode) = MODES.iter().find(|m| m.name == name.as_str()) else {
            eprintln!(
                "unknown mode {name:?}; known: {}",
                MODES.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
            );
            continue;
        };
        match measure(mode, &o) {
            Ok(r) => {
                println!("{}", row(&r));
                for error in r["errors"].as_array().into_iter().flatten().take(1) {
                    println!("{:<12} | error: {}", "", error.as_str().unwrap_or(""));
                }
                rows.push(r);
            }
            Err(err) => println!("{:<12} | failed: {err}", mode.name),
        }
    }
    let report = json!({
        "machine": machine(),
        "interval_s": o.interval,
        "kill_interval_s": o.kill_interval,
        "recovery_s": o.recovery,
        "cycles": o.cycles,
        "modes": rows,
    });
    common::write_figures(&o.out, &report);
}
