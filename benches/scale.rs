//! How the engine's cost grows with the number of targets.
//!
//! Runs the real release binary with N targets (default N = 1, 100, 1000,
//! 10000) on a temporary directory (on tmpfs, /dev/shm, where available)
//! with a compressed schedule, and reports for each N: peak resident memory
//! (up to the exit, the drain at SIGTERM included) and memory per target,
//! CPU time per injection and CPU while idle, schedule lateness
//! p50/p99/max, state-file write latency p50/p99, start-up time to the
//! first state file and to all of them, and SIGTERM-to-exit time and peak
//! memory with all N targets failing (verifying that every file is healthy
//! afterwards), and the lateness of the first injections while the startup clears are
//! still being written (the startup burst).
//! It also measures one target at the default timings, idle. Prints a table
//! and writes the same figures as JSON.
//!
//! ```text
//! cargo bench --bench scale                      # everything (a few minutes)
//! cargo bench --bench scale -- --targets 1,100   # some sizes only
//! cargo bench --bench scale -- --interval 10 --recovery 2 --measure 20 --out scale.json
//! cargo bench --bench scale -- --targets 1000 --dir /var/tmp   # a real disk instead of tmpfs
//! cargo bench --bench scale -- --api-load 3      # only the API-load section, for 3 s
//! ```
//!
//! The API-load section (`--api-load SECONDS`, alone) runs one target every
//! 100 ms with the HTTP API while four threads request `/status` and
//! `/metrics` in a loop, and reports requests per second, injections per
//! second and schedule lateness p50/p99/max: the figures the test suite
//! used to assert (at least 20 injections in 3 s, p50 under 50 ms), which
//! depend on the machine and its load.
//!
//! Lateness and write latency come from the engine's own journal
//! (`lateness_ms`, `write_ms`); memory and CPU from /proc. Targets' first
//! injections are spread evenly over one interval (staggered startup waits),
//! as a real fleet's would be, after an idle window used to measure idle CPU.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;

use common::{percentile, read_journal, sigterm_and_wait, sorted};

struct Options {
    sizes: Vec<usize>,
    interval: f64,
    recovery: f64,
    idle: f64,
    measure: f64,
    out: PathBuf,
    /// `--api-load SECONDS`: run only the API-load section for that long.
    api_load: Option<f64>,
    /// Where the state files go; default /dev/shm (tmpfs) when it exists.
    dir: Option<PathBuf>,
}

fn options() -> Options {
    let mut options = Options {
        sizes: vec![1, 100, 1_000, 10_000],
        interval: 10.0,
        recovery: 2.0,
        idle: 4.0,
        measure: 20.0,
        out: PathBuf::from("target/chaos-scale.json"),
        api_load: None,
        dir: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--targets" => {
                options.sizes = value
                    .split(',')
                    .filter_map(|n| n.trim().parse().ok())
                    .collect()
            }
            "--interval" => options.interval = value.parse().unwrap_or(options.interval),
            "--recovery" => options.recovery = value.parse().unwrap_or(options.recovery),
            "--idle" => options.idle = value.parse().unwrap_or(options.idle),
            "--measure" => options.measure = value.parse().unwrap_or(options.measure),
            "--out" => options.out = PathBuf::from(value),
            "--dir" => options.dir = Some(PathBuf::from(value)),
            "--api-load" => options.api_load = value.parse().ok(),
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

/// A scratch directory under `root`, or on tmpfs when the machine has one.
fn scratch(root: Option<&Path>, tag: &str) -> tempfile::TempDir {
    let root = root.unwrap_or(Path::new("/dev/shm"));
    let builder = tempfile::Builder::new()
        .prefix(&format!("chaos-scale-{tag}-"))
        .tempdir_in(root);
    match builder {
        Ok(dir) => dir,
        Err(_) => tempfile::tempdir().expect("a temporary directory"),
    }
}

fn write_targets(
    dir: &Path,
    n: usize,
    interval: f64,
    recovery: f64,
    startup: impl Fn(usize) -> f64,
) -> PathBuf {
    let mut yaml = format!(
        "defaults: {{ interval: {interval}, recovery: {recovery} }}\npolicy: {{ min_interval: 0 }}\ntargets:\n"
    );
    for i in 0..n {
        yaml.push_str(&format!(
            "  - {{ name: t{i}, state_file: '{}/t{i}.json', startup_wait: {:.3} }}\n",
            dir.display(),
            startup(i)
        ));
    }
    let path = dir.join("targets.yaml");
    std::fs::write(&path, yaml).expect("write targets.yaml");
    path
}

fn spawn(args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chaos-engine"));
    command.env_clear().env("RUST_LOG", "error").args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    command
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn chaos-engine")
}

/// `chaos-engine run` on `targets`, journalling to `journal`.
fn run_with_journal(targets: &Path, journal: &Path) -> Child {
    spawn(
        &[
            "run",
            "--targets",
            targets.to_str().unwrap_or(""),
            "--journal",
            journal.to_str().unwrap_or(""),
        ],
        &[],
    )
}

/// CPU time a process has used, in seconds: the sum over its threads of
/// /proc/<pid>/task/<tid>/schedstat's run time (nanosecond resolution,
/// unlike the 10 ms ticks of /proc/<pid>/stat).
fn cpu_seconds(pid: u32) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0.0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|line| {
            line.split_whitespace()
                .next()
                .and_then(|ns| ns.parse::<f64>().ok())
        })
        .sum::<f64>()
        / 1e9
}

/// A line of /proc/<pid>/status in KiB (VmRSS, VmHWM).
fn status_kib(pid: u32, key: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// Sends SIGTERM and waits for the exit, watching the peak resident memory
/// (VmHWM) until the process is gone, so that the peak covers the drain
/// too. Answers the time to exit, the exit code and the peak in KiB.
fn sigterm_and_watch_peak(child: &mut Child) -> (Duration, Option<i32>, f64) {
    let pid = child.id();
    let watching = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let watcher = {
        let watching = std::sync::Arc::clone(&watching);
        std::thread::spawn(move || {
            // VmHWM only grows: the last reading before the exit is the peak.
            let mut peak = 0.0_f64;
            while watching.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(status_kib(pid, "VmHWM"));
                std::thread::sleep(Duration::from_millis(1));
            }
            peak
        })
    };
    let before = status_kib(pid, "VmHWM");
    let (exit, code) = sigterm_and_wait(child);
    watching.store(false, std::sync::atomic::Ordering::Relaxed);
    let peak = watcher.join().unwrap_or(0.0).max(before);
    (exit, code, peak)
}

fn wait_for(timeout: Duration, done: impl FnMut() -> bool) -> bool {
    common::wait_for(timeout, Duration::from_millis(1), done)
}

fn count_state_files(dir: &Path, n: usize) -> usize {
    (0..n)
        .filter(|i| dir.join(format!("t{i}.json")).exists())
        .count()
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// The steady-state run: idle window, then `measure` seconds of injections.
fn steady_state(n: usize, o: &Options) -> Value {
    let dir = scratch(o.dir.as_deref(), "run");
    let spread = o.interval;
    let targets = write_targets(dir.path(), n, o.interval, o.recovery, |i| {
        o.idle + spread * i as f64 / n as f64
    });
    let journal = dir.path().join("journal.jsonl");
    let spawned = Instant::now();
    let mut child = run_with_journal(&targets, &journal);
    let pid = child.id();
    let first = dir.path().join("t0.json");
    wait_for(Duration::from_secs(60), || first.exists());
    let first_file_ms = spawned.elapsed().as_secs_f64() * 1e3;
    wait_for(Duration::from_secs(120), || {
        count_state_files(dir.path(), n) == n
    });
    let all_files_ms = spawned.elapsed().as_secs_f64() * 1e3;

    // Idle: everything written, nothing planned until the idle window ends.
    let idle_from = (spawned.elapsed().as_secs_f64() + 0.2).min(o.idle - 0.5);
    std::thread::sleep(Duration::from_secs_f64(
        (idle_from - spawned.elapsed().as_secs_f64()).max(0.0),
    ));
    let idle_cpu_start = cpu_seconds(pid);
    let idle_span = (o.idle - 0.3 - spawned.elapsed().as_secs_f64()).max(0.1);
    std::thread::sleep(Duration::from_secs_f64(idle_span));
    let idle_cpu_ms_per_s = (cpu_seconds(pid) - idle_cpu_start) * 1e3 / idle_span;

    // Busy: injections spread over each interval.
    std::thread::sleep(Duration::from_secs_f64(
        (o.idle - spawned.elapsed().as_secs_f64()).max(0.0),
    ));
    let busy_cpu_start = cpu_seconds(pid);
    std::thread::sleep(Duration::from_secs_f64(o.measure));
    let busy_cpu = cpu_seconds(pid) - busy_cpu_start;
    let peak_before_sigterm_kib = status_kib(pid, "VmHWM");
    let rss_kib = status_kib(pid, "VmRSS");
    let (exit, code, peak_kib) = sigterm_and_watch_peak(&mut child);

    let entries = read_journal(&journal);
    let injected: Vec<&Value> = entries
        .iter()
        .filter(|e| e["event"] == "injected")
        .collect();
    let lateness = sorted(
        injected
            .iter()
            .filter_map(|e| e["lateness_ms"].as_f64())
            .collect(),
    );
    let writes = sorted(
        entries
            .iter()
            .filter(|e| {
                e["event"] == "injected" || (e["event"] == "cleared" && e["reason"] == "recovery")
            })
            .filter_map(|e| e["write_ms"].as_f64())
            .collect(),
    );
    let healthy_after = (0..n)
        .filter(|i| {
            read_json(&dir.path().join(format!("t{i}.json")))
                .is_some_and(|v| v["mode"] == "healthy")
        })
        .count();
    json!({
        "targets": n,
        "peak_rss_kib": peak_kib,
        "peak_rss_before_sigterm_kib": peak_before_sigterm_kib,
        "rss_kib": rss_kib,
        "kib_per_target": peak_kib / n as f64,
        "injections": injected.len(),
        "busy_cpu_s": busy_cpu,
        "cpu_us_per_injection": busy_cpu * 1e6 / (injected.len().max(1) as f64),
        "idle_cpu_ms_per_s": idle_cpu_ms_per_s,
        "lateness_ms": { "p50": percentile(&lateness, 0.5), "p99": percentile(&lateness, 0.99), "max": percentile(&lateness, 1.0) },
        "write_ms": { "p50": percentile(&writes, 0.5), "p99": percentile(&writes, 0.99), "count": writes.len() },
        "startup_first_file_ms": first_file_ms,
        "startup_all_files_ms": all_files_ms,
        "steady_exit_ms": exit.as_secs_f64() * 1e3,
        "steady_exit_code": code,
        "steady_healthy_after_exit": healthy_after,
    })
}

/// How long after start the startup burst is measured.
const BURST_SECONDS: f64 = 1.0;

/// The startup burst: the first injections start at once (spread over one
/// interval from the start, the steady rate), while the startup clears of
/// the later targets are still being written. Reports the lateness of the
/// injections planned in the first [`BURST_SECONDS`].
fn startup_burst(n: usize, o: &Options) -> Value {
    let dir = scratch(o.dir.as_deref(), "burst");
    let targets = write_targets(dir.path(), n, o.interval, o.recovery, |i| {
        o.interval * i as f64 / n as f64
    });
    let journal = dir.path().join("journal.jsonl");
    let spawned = Instant::now();
    let mut child = run_with_journal(&targets, &journal);
    wait_for(Duration::from_secs(120), || {
        count_state_files(dir.path(), n) == n
    });
    let all_files_ms = spawned.elapsed().as_secs_f64() * 1e3;
    std::thread::sleep(Duration::from_secs_f64(
        (BURST_SECONDS + 0.5 - spawned.elapsed().as_secs_f64()).max(0.0),
    ));
    sigterm_and_wait(&mut child);
    let entries = read_journal(&journal);
    let started = entries
        .iter()
        .find(|e| e["event"] == "engine_started")
        .and_then(|e| e["timestamp"].as_f64())
        .unwrap_or(f64::NAN);
    let lateness = sorted(
        entries
            .iter()
            .filter(|e| e["event"] == "injected")
            .filter_map(|e| {
                let late = e["lateness_ms"].as_f64()?;
                let planned = e["timestamp"].as_f64()? - late / 1e3;
                (planned < started + BURST_SECONDS).then_some(late)
            })
            .collect(),
    );
    json!({
        "burst_seconds": BURST_SECONDS,
        "all_files_ms": all_files_ms,
        "injections": lateness.len(),
        "lateness_ms": { "p50": percentile(&lateness, 0.5), "p99": percentile(&lateness, 0.99), "max": percentile(&lateness, 1.0) },
    })
}

/// Every target failing at once, then SIGTERM.
fn shutdown_all_failing(n: usize, root: Option<&Path>) -> Value {
    let dir = scratch(root, "stop");
    let targets = write_targets(dir.path(), n, 3600.0, 1800.0, |_| 0.0);
    let mut child = spawn(&["run", "--targets", targets.to_str().unwrap_or("")], &[]);
    let all_failing = wait_for(Duration::from_secs(120), || {
        (0..n).all(|i| {
            read_json(&dir.path().join(format!("t{i}.json")))
                .is_some_and(|v| v["mode"] != "healthy")
        })
    });
    let (exit, code, peak_kib) = sigterm_and_watch_peak(&mut child);
    let healthy = (0..n)
        .filter(|i| {
            read_json(&dir.path().join(format!("t{i}.json")))
                .is_some_and(|v| v["mode"] == "healthy" && v["reason"] == "shutdown")
        })
        .count();
    json!({
        "all_failing_before": all_failing,
        "peak_rss_kib": peak_kib,
        "sigterm_to_exit_ms": exit.as_secs_f64() * 1e3,
        "exit_code": code,
        "healthy_after_exit": healthy,
    })
}

/// One target at the default timings (60 s startup wait): idle cost.
fn single_target_default_idle(seconds: f64) -> Value {
    let dir = scratch(None, "idle");
    let state = dir.path().join("state.json");
    let mut child = spawn(
        &["run"],
        &[("FAILURE_STATE_FILE", state.to_str().unwrap_or(""))],
    );
    let pid = child.id();
    wait_for(Duration::from_secs(10), || state.exists());
    let cpu_start = cpu_seconds(pid);
    std::thread::sleep(Duration::from_secs_f64(seconds));
    let idle_cpu_s = cpu_seconds(pid) - cpu_start;
    let rss = status_kib(pid, "VmRSS");
    let peak = status_kib(pid, "VmHWM");
    let (exit, code) = sigterm_and_wait(&mut child);
    json!({
        "seconds": seconds,
        "idle_cpu_s": idle_cpu_s,
        "rss_kib": rss,
        "peak_rss_kib": peak,
        "sigterm_to_exit_ms": exit.as_secs_f64() * 1e3,
        "exit_code": code,
    })
}

/// The type of the file system `dir` is on (`tmpfs`, `ext4`...), from
/// the longest mount point of /proc/mounts that holds it.
fn file_system_of(dir: &Path) -> String {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (_, mount_point, fs_type) = (fields.next()?, fields.next()?, fields.next()?);
            dir.starts_with(mount_point)
                .then(|| (mount_point.len(), fs_type.to_owned()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, fs_type)| fs_type)
        .unwrap_or_else(|| "unknown file system".to_owned())
}

fn machine() -> String {
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .nth(1)
        .and_then(|kib| kib.parse::<f64>().ok())
        .map(|kib| format!("{:.0} GiB", kib / 1024.0 / 1024.0))
        .unwrap_or_default();
    let cores_and_kernel = common::cores_and_kernel();
    match cores_and_kernel.split_once(", ") {
        Some((cores, kernel)) => format!("{cores}, {memory}, {kernel}"),
        None => cores_and_kernel,
    }
}

/// One `GET path` on loopback; whether it answered 200.
fn get_ok(port: u16, path: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer.starts_with(b"HTTP/1.1 200")
}

/// The schedule while the HTTP API is under load (see the module's docs).
fn api_load(seconds: f64, root: Option<&Path>) -> Value {
    use std::io::{BufRead, BufReader};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let dir = scratch(root, "api");
    let journal = dir.path().join("journal.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_chaos-engine"))
        .env_clear()
        .env("RUST_LOG", "info")
        .env("FAILURE_STATE_FILE", dir.path().join("s.json"))
        .args(["run", "--log-format", "json", "--http", "127.0.0.1:0"])
        .args(["--interval", "0.1", "--recovery", "0.05"])
        .args(["--startup-wait", "0", "--min-interval", "0"])
        .arg("--journal")
        .arg(&journal)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn chaos-engine");
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let port: u16 = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            let event: Value = serde_json::from_str(&line).ok()?;
            event["message"]
                .as_str()?
                .contains("HTTP API listening on")
                .then(|| event["addr"].as_str()?.rsplit(':').next()?.parse().ok())?
        })
        .expect("the HTTP API's address in the log");
    // Keep draining the log so the engine never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));

    let stop = Arc::new(AtomicBool::new(false));
    let load: Vec<_> = (0..4)
        .map(|i| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let path = if i % 2 == 0 { "/status" } else { "/metrics" };
                let mut requests = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    requests += u64::from(get_ok(port, path));
                }
                requests
            })
        })
        .collect();
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    let requests: u64 = load.into_iter().map(|t| t.join().unwrap_or(0)).sum();
    let elapsed = started.elapsed().as_secs_f64();
    sigterm_and_wait(&mut child);

    let lateness = sorted(
        read_journal(&journal)
            .into_iter()
            .filter(|e| e["event"] == "injected")
            .filter_map(|e| e["lateness_ms"].as_f64())
            .collect(),
    );
    json!({
        "seconds": elapsed,
        "requests": requests,
        "requests_per_s": requests as f64 / elapsed,
        "injections": lateness.len(),
        "injections_per_s": lateness.len() as f64 / elapsed,
        "lateness_ms": {
            "p50": percentile(&lateness, 0.5),
            "p99": percentile(&lateness, 0.99),
            "max": percentile(&lateness, 1.0),
        },
    })
}

fn main() {
    let o = options();
    if let Some(seconds) = o.api_load {
        let r = api_load(seconds, o.dir.as_deref());
        let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
        println!(
            "API load, {:.1} s: {} requests ({:.0}/s) to /status and /metrics; {} injections ({:.1}/s, nominal 10/s), lateness p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            f(&r["seconds"]),
            r["requests"],
            f(&r["requests_per_s"]),
            r["injections"],
            f(&r["injections_per_s"]),
            f(&r["lateness_ms"]["p50"]),
            f(&r["lateness_ms"]["p99"]),
            f(&r["lateness_ms"]["max"]),
        );
        println!("{r}");
        return;
    }
    let binary = env!("CARGO_BIN_EXE_chaos-engine");
    let binary_bytes = std::fs::metadata(binary).map(|m| m.len()).unwrap_or(0);
    let probe = scratch(o.dir.as_deref(), "probe");
    let on_tmpfs = probe.path().starts_with("/dev/shm");
    let parent = probe.path().parent().unwrap_or(Path::new("/"));
    println!(
        "machine: {}; state files on {} ({})",
        machine(),
        parent.display(),
        file_system_of(parent)
    );
    println!("binary: {binary} ({binary_bytes} bytes)");
    println!(
        "schedule: interval {}s, recovery {}s, first injections spread over one interval after a {}s idle window; measured for {}s",
        o.interval, o.recovery, o.idle, o.measure
    );

    let idle = single_target_default_idle(10.0);
    println!(
        "one target, default timings, idle 10 s: CPU {:.3} s, RSS {} KiB (peak {} KiB), SIGTERM to exit {:.1} ms",
        idle["idle_cpu_s"].as_f64().unwrap_or(0.0),
        idle["rss_kib"],
        idle["peak_rss_kib"],
        idle["sigterm_to_exit_ms"].as_f64().unwrap_or(0.0)
    );

    println!();
    println!(
        "{:>6} | {:>9} | {:>8} | {:>9} | {:>8} | {:>22} | {:>13} | {:>17} | {:>22} | {:>14}",
        "N",
        "peak MiB",
        "KiB/tgt",
        "CPU/inj",
        "idle CPU",
        "lateness p50/p99/max",
        "write p50/p99",
        "startup first/all",
        "burst: n, p99/max",
        "all failing: SIGTERM->exit, peak"
    );
    let mut rows = Vec::new();
    for &n in &o.sizes {
        let mut row = steady_state(n, &o);
        let stop = shutdown_all_failing(n, o.dir.as_deref());
        row["shutdown_all_failing"] = stop.clone();
        let burst = startup_burst(n, &o);
        row["startup_burst"] = burst.clone();
        let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
        println!(
            "{:>6} | {:>9.1} | {:>8.1} | {:>7.0}us | {:>5.2}ms/s | {:>6.2} /{:>6.2} /{:>6.2} ms | {:>5.3}/{:>5.3} ms | {:>6.0} /{:>7.0} ms | {:>5}, {:>6.2} /{:>6.2} ms | {:>7.0} ms, {:>5.1} MiB, {}",
            n,
            f(&row["peak_rss_kib"]) / 1024.0,
            f(&row["kib_per_target"]),
            f(&row["cpu_us_per_injection"]),
            f(&row["idle_cpu_ms_per_s"]),
            f(&row["lateness_ms"]["p50"]),
            f(&row["lateness_ms"]["p99"]),
            f(&row["lateness_ms"]["max"]),
            f(&row["write_ms"]["p50"]),
            f(&row["write_ms"]["p99"]),
            f(&row["startup_first_file_ms"]),
            f(&row["startup_all_files_ms"]),
            burst["injections"],
            f(&burst["lateness_ms"]["p99"]),
            f(&burst["lateness_ms"]["max"]),
            f(&stop["sigterm_to_exit_ms"]),
            f(&stop["peak_rss_kib"]) / 1024.0,
            if stop["healthy_after_exit"].as_u64() == Some(n as u64) { "all healthy" } else { "NOT ALL HEALTHY" }
        );
        rows.push(row);
    }
    let report = json!({
        "machine": machine(),
        "tmpfs": on_tmpfs,
        "binary_bytes": binary_bytes,
        "interval_s": o.interval,
        "recovery_s": o.recovery,
        "measure_s": o.measure,
        "single_target_default_idle": idle,
        "sizes": rows,
    });
    common::write_figures(&o.out, &report);
}
