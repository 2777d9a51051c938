//! `chaos-engine demo` end to end: the real binary starts its targets and
//! engine, sends traffic and prints plain lines (its output is a pipe);
//! every failure mode must be injected and seen by the traffic, and the
//! demo must leave no process, port or temporary file behind, whether it
//! ends by itself or on Ctrl-C.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::process::Signal;

use crate::helpers::Workspace;
use crate::live_output::LiveOutput;

/// Generous: the demo itself runs for its --duration, on a busy machine.
const EXIT_TIMEOUT: Duration = Duration::from_secs(120);

/// The numbers after `(pid ` in the demo's lines: every process it started.
fn pids(lines: &[String]) -> Vec<u32> {
    lines
        .iter()
        .filter_map(|l| l.split_once("(pid ").map(|(_, rest)| rest))
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .filter_map(|digits| digits.parse().ok())
        .collect()
}

/// The ports of the `... on http://127.0.0.1:PORT/...` lines: the two
/// targets and the engine's API.
fn target_ports(lines: &[String]) -> Vec<u16> {
    lines
        .iter()
        .filter_map(|l| l.split_once(" on http://127.0.0.1:").map(|(_, rest)| rest))
        .filter_map(|rest| rest.split('/').next())
        .filter_map(|port| port.parse().ok())
        .collect()
}

/// The directory of the `working directory DIR (removed at the end)` line.
fn working_directory(lines: &[String]) -> PathBuf {
    let line = lines
        .iter()
        .find_map(|l| l.strip_prefix("working directory "))
        .expect("the demo names its working directory");
    PathBuf::from(line.split(" (").next().unwrap())
}

/// Nothing the demo made is left: no process, no listening target, no
/// temporary directory; the report is written and said so.
fn assert_cleaned_up(lines: &[String], report: &Path) {
    let all = lines.join("\n");
    let pids = pids(lines);
    assert!(pids.len() >= 3, "two targets and the engine: {all}");
    for pid in pids {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "process {pid} is left:\n{all}"
        );
    }
    let ports = target_ports(lines);
    assert_eq!(ports.len(), 3, "{all}");
    for port in ports {
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} still answers"
        );
    }
    let dir = working_directory(lines);
    assert!(!dir.exists(), "{} is left", dir.display());
    assert!(
        all.contains(&format!("report written to {}", report.display())),
        "{all}"
    );
    let page = std::fs::read_to_string(report).expect("the report");
    assert!(page.starts_with("<!DOCTYPE html>"), "an HTML page");
    assert!(page.contains("chaos-engine demo, seed 40"));
}

#[test]
fn the_demo_shows_every_failure_mode_and_leaves_nothing_behind() {
    let ws = Workspace::new();
    let report = ws.path("report.html");
    let mut demo = LiveOutput::start(
        &["demo", "--duration", "30s", "--report", "report.html"],
        ws.dir.path(),
        &[],
    );
    let status = demo.wait(EXIT_TIMEOUT);
    let lines = demo.lines();
    let all = lines.join("\n");
    assert!(status.success(), "{status}:\n{all}");

    for injected in [
        "injected CRASH (crash)",
        "injected SLOWDOWN (slow, delay",
        "injected CONFIG_ERROR (config_error)",
    ] {
        assert!(all.contains(injected), "`{injected}` missing:\n{all}");
    }
    // What the traffic saw: 500s (config_error), connection failures and
    // a restart (crash), slow answers (slow).
    for seen in [
        "requests get HTTP 500",
        "requests fail: connection refused (target down)",
        "exited (exit status: 1); restarting in 1s",
        "restarted (pid",
        "requests slow: ",
    ] {
        assert!(all.contains(seen), "`{seen}` missing:\n{all}");
    }
    assert!(all.contains("stopping (the end of --duration)"), "{all}");
    assert!(all.contains("engine    stopped (exit status: 0)"), "{all}");
    assert_cleaned_up(&lines, &report);
    let page = std::fs::read_to_string(&report).unwrap();
    for scenario in ["CRASH", "SLOWDOWN", "CONFIG_ERROR"] {
        assert!(page.contains(scenario), "the report mentions {scenario}");
    }
}

#[test]
fn ctrl_c_stops_the_demo_early_and_it_still_cleans_up_and_reports() {
    let ws = Workspace::new();
    let report = ws.path("early.html");
    let mut demo = LiveOutput::start(
        &[
            "demo",
            "--duration",
            "10m",
            "--report",
            report.to_str().unwrap(),
        ],
        ws.dir.path(),
        &[],
    );
    // Ctrl-C once chaos has begun: the first failure was injected.
    demo.wait_for_line(Duration::from_secs(60), "injected ");
    demo.signal(Signal::INT);
    let status = demo.wait(EXIT_TIMEOUT);
    let lines = demo.lines();
    let all = lines.join("\n");
    assert!(status.success(), "{status}:\n{all}");
    assert!(all.contains("stopping (Ctrl-C)"), "{all}");
    assert_cleaned_up(&lines, &report);
}

#[test]
fn bad_demo_flags_are_usage_errors() {
    let ws = Workspace::new();
    let missing = ws.path("no/such/dir/report.html");
    for (args, expected) in [
        (
            vec!["demo", "--duration", "soon"],
            "invalid value 'soon' for '--duration <DURATION>'",
        ),
        (
            vec!["demo", "--duration", "0.5"],
            "the demo needs at least 1s",
        ),
        (
            vec!["demo", "--report", missing.to_str().unwrap()],
            "does not exist",
        ),
        (
            vec!["demo", "--seed", "many"],
            "invalid value 'many' for '--seed <N>'",
        ),
    ] {
        let output = crate::helpers::run_once(&args, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing started");
    }
}
