//! `chaos-engine demo` end to end: the real binary starts its targets and
//! engine, sends traffic and prints plain lines (its output is a pipe);
//! every failure mode must be injected and seen by the traffic, and the
//! demo must leave no process, port or temporary file behind, whether it
//! ends by itself or on a signal: Ctrl-C (SIGINT), SIGTERM or SIGHUP (the
//! terminal closed) all end it the same way.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::process::Signal;

use crate::helpers::{wait_until, Workspace};
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
    // No race with a short --duration: the demo runs until every mode and
    // what the traffic saw of it has shown (about 10 s with the default
    // seed on an idle machine, longer under load), then Ctrl-C ends it.
    let mut demo = LiveOutput::start(
        &["demo", "--duration", "10m", "--report", "report.html"],
        ws.dir.path(),
        &[],
    );
    let expected = [
        "injected CRASH (crash)",
        "injected SLOWDOWN (slow, delay",
        "injected CONFIG_ERROR (config_error)",
        // What the traffic saw: 500s (config_error), connection failures
        // and a restart (crash), slow answers (slow).
        "requests get HTTP 500",
        "requests fail: connection refused (target down)",
        "exited (exit status: 1); restarting in 1s",
        "restarted (pid",
        "requests slow: ",
    ];
    wait_until(EXIT_TIMEOUT, "every mode and its effect shown", || {
        let all = demo.lines().join("\n");
        expected.iter().all(|seen| all.contains(seen))
    });
    demo.signal(Signal::INT);
    let status = demo.wait(EXIT_TIMEOUT);
    let lines = demo.lines();
    let all = lines.join("\n");
    assert!(status.success(), "{status}:\n{all}");
    assert!(all.contains("stopping (Ctrl-C)"), "{all}");
    assert!(all.contains("engine    stopped (exit status: 0)"), "{all}");
    assert_cleaned_up(&lines, &report);
    let page = std::fs::read_to_string(&report).unwrap();
    for scenario in ["CRASH", "SLOWDOWN", "CONFIG_ERROR"] {
        assert!(page.contains(scenario), "the report mentions {scenario}");
    }
}

#[test]
fn the_demo_stops_by_itself_at_the_end_of_its_duration() {
    let ws = Workspace::new();
    let report = ws.path("report.html");
    let mut demo = LiveOutput::start(
        &["demo", "--duration", "2s", "--report", "report.html"],
        ws.dir.path(),
        &[],
    );
    let status = demo.wait(EXIT_TIMEOUT);
    let lines = demo.lines();
    let all = lines.join("\n");
    assert!(status.success(), "{status}:\n{all}");
    assert!(all.contains("stopping (the end of --duration)"), "{all}");
    assert!(all.contains("engine    stopped (exit status: 0)"), "{all}");
    assert_cleaned_up(&lines, &report);
}

/// The cell of the report's `all targets` row under the column `header`.
fn overall_cell(page: &str, header: &str) -> String {
    let cells = |row: &str| -> Vec<String> {
        row.split("</t")
            .filter_map(|cell| cell.rsplit_once('>').map(|(_, text)| text.to_owned()))
            .collect()
    };
    let head = page
        .split("<thead><tr>")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("the report's table head");
    let column = cells(head)
        .iter()
        .position(|name| name == header)
        .unwrap_or_else(|| panic!("no column {header}"));
    let overall = page
        .split("<tr class=\"overall\">")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("the report's `all targets` row");
    cells(overall)[column].clone()
}

/// Starts a long demo, waits until a crashed target was restarted by the
/// demo and the next failure is injected, sends `signal`: the demo must
/// end as it does at the end of `--duration`, saying `stopping (said)`:
/// the engine exits 0 (it writes every state file healthy first, so the
/// report has no failure left open), every process it started (the
/// restarted target too) is gone, the report is written and the working
/// directory removed.
fn a_signal_ends_the_demo_cleanly(signal: Signal, said: &str, report_name: &str) {
    let ws = Workspace::new();
    let report = ws.path(report_name);
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
    // With the default seed, orders crashes first and the demo starts it
    // again; then a failure is injected, usually still active when the
    // signal comes.
    demo.wait_for_line(Duration::from_secs(60), "restarted (pid ");
    let restarted = demo.lines().len();
    wait_until(
        Duration::from_secs(60),
        "an injection after the restart",
        || {
            demo.lines()[restarted..]
                .iter()
                .any(|l| l.contains("injected "))
        },
    );
    demo.signal(signal);
    let status = demo.wait(EXIT_TIMEOUT);
    let lines = demo.lines();
    let all = lines.join("\n");
    assert!(status.success(), "{status}:\n{all}");
    assert!(all.contains(&format!("stopping ({said})")), "{all}");
    assert!(all.contains("engine    stopped (exit status: 0)"), "{all}");
    assert!(
        pids(&lines).len() >= 4,
        "two targets, the engine and a restarted target: {all}"
    );
    assert_cleaned_up(&lines, &report);
    let page = std::fs::read_to_string(&report).unwrap();
    assert_ne!(overall_cell(&page, "injections"), "0", "{all}");
    assert_eq!(
        overall_cell(&page, "open"),
        "0",
        "every failure was ended (cleared at shutdown at the latest):\n{all}"
    );
}

#[test]
fn ctrl_c_stops_the_demo_early_and_it_still_cleans_up_and_reports() {
    a_signal_ends_the_demo_cleanly(Signal::INT, "Ctrl-C", "early.html");
}

#[test]
fn closing_the_terminal_sighup_ends_the_demo_as_ctrl_c_does() {
    a_signal_ends_the_demo_cleanly(Signal::HUP, "SIGHUP", "hangup.html");
}

#[test]
fn sigterm_ends_the_demo_as_ctrl_c_does() {
    a_signal_ends_the_demo_cleanly(Signal::TERM, "SIGTERM", "terminated.html");
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
