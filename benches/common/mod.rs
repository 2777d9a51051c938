//! What the benchmarks share: waiting for a condition, percentiles over
//! samples, reading a journal, SIGTERM to a child, the machine's
//! description, and writing the figures.

use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

/// Polls `done` every `every` until it holds (true) or `timeout` passes
/// (false).
pub fn wait_for(timeout: Duration, every: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(every);
    }
    false
}

/// `values` in ascending order (non-finite ones sort last).
pub fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

/// The nearest-rank `q` quantile (0 to 1) of `sorted` samples; NaN when
/// there are none.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// The entries of an engine's journal (one JSON value a line; a line that
/// does not parse is skipped).
pub fn read_journal(journal: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(journal)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Sends SIGTERM to `child` and waits for it: how long the exit took, and
/// its exit code.
pub fn sigterm_and_wait(child: &mut Child) -> (Duration, Option<i32>) {
    let pid = rustix::process::Pid::from_child(child);
    let sent = Instant::now();
    let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    let code = child.wait().ok().and_then(|status| status.code());
    (sent.elapsed(), code)
}

/// `2 cores, Linux 6.1.0`: the cores and the kernel of this machine.
pub fn cores_and_kernel() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cores} cores, Linux {}", kernel.trim())
}

/// Writes `report` to `out` (pretty JSON, its directory made if needed)
/// and says where, or why it could not.
pub fn write_figures(out: &Path, report: &serde_json::Value) {
    if let Some(parent) = out.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    match std::fs::write(
        out,
        serde_json::to_string_pretty(report).unwrap_or_default(),
    ) {
        Ok(()) => println!("\nfigures written to {}", out.display()),
        Err(err) => eprintln!("cannot write {}: {err}", out.display()),
    }
}
