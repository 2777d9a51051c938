//! `chaos-engine status --watch` against a real engine's API (port 0) and
//! against state files, with its output a pipe (plain lines on change), and
//! on a pseudo-terminal (redrawn in place).

use std::process::{Command, Stdio};
use std::time::Duration;

use rustix::process::Signal;

use crate::helpers::{binary, collect_lines, run_once, start_with_api, wait_until, Workspace};
use crate::live_output::LiveOutput;

const TIMEOUT: Duration = Duration::from_secs(30);

#[test]
fn watching_the_api_shows_failures_outcomes_and_an_engine_that_stops_answering() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let (mut engine, port) = start_with_api(
        &[
            "--state-file",
            state.to_str().unwrap(),
            "--interval",
            "1.5",
            "--recovery",
            "1",
            "--startup-wait",
            "0",
            "--min-interval",
            "0",
        ],
        &[],
    );
    let address = format!("127.0.0.1:{port}");
    let mut watch = LiveOutput::start(
        &["status", "--watch", "--http", &address],
        ws.dir.path(),
        &[],
    );
    watch.wait_for_line(TIMEOUT, &format!("the engine at http://{address}"));
    // An active failure with its countdown, then how one ended.
    let failing = watch.wait_for_line(TIMEOUT, ", ends in ");
    assert!(failing.starts_with("target-app  "), "{failing}");
    assert!(failing.contains("next in "), "{failing}");
    let ended = watch.wait_for_line(TIMEOUT, "last: ");
    assert!(ended.contains(" after "), "{ended}");

    let (stopped, _) = engine.terminate();
    assert!(stopped.success());
    watch.wait_for_line(TIMEOUT, "is not answering");
    assert!(
        watch.child.try_wait().unwrap().is_none(),
        "it keeps trying while the engine is away"
    );
    watch.signal(Signal::INT);
    assert!(watch.wait(TIMEOUT).success(), "Ctrl-C exits 0");
}

#[test]
fn watching_state_files_prints_a_line_when_one_changes() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let state = state.to_str().unwrap();
    let mut watch = LiveOutput::start(
        &["status", "--watch", "--state-file", state],
        ws.dir.path(),
        &[],
    );
    watch.wait_for_line(TIMEOUT, "target-app: healthy (no state file");
    let injected = run_once(
        &["inject", "slow", "--delay", "7", "--state-file", state],
        &[],
    );
    assert!(injected.status.success(), "{injected:?}");
    let slow = watch.wait_for_line(TIMEOUT, "target-app: slow");
    assert!(slow.contains("delay 7s"), "{slow}");
    let cleared = run_once(&["clear", "--state-file", state], &[]);
    assert!(cleared.status.success(), "{cleared:?}");
    watch.wait_for_line(TIMEOUT, "target-app: healthy, reason manual");
    // One line per change, not one per second: the failure's countdown
    // and age do not count as changes.
    let lines = watch.lines();
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("target-app: slow"))
            .count(),
        1,
        "{lines:?}"
    );
    watch.signal(Signal::INT);
    assert!(watch.wait(TIMEOUT).success(), "Ctrl-C exits 0");
}

#[test]
fn a_bad_api_address_is_a_usage_error() {
    for (args, env, expected) in [
        (
            vec!["status", "--watch", "--http", "nowhere"],
            vec![],
            "--http: `nowhere` is not an address and port",
        ),
        (
            vec!["status", "--watch"],
            vec![("CHAOS_HTTP_ADDR", "nowhere")],
            "CHAOS_HTTP_ADDR: `nowhere` is not an address and port",
        ),
    ] {
        let output = run_once(&args, &env);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
}

#[test]
fn on_a_terminal_the_view_is_redrawn_in_place() {
    // `script` (util-linux) runs the command on a pseudo-terminal and
    // copies what it draws to its own standard output, a pipe here.
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let state = state.to_str().unwrap();
    let watch = format!("{} status --watch --state-file {state}", binary());
    let mut script = Command::new("script")
        .args(["-qfec", &watch, "/dev/null"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("`script` (Debian: bsdutils, always installed) runs a command on a terminal");
    let (lines, reader) = collect_lines(&mut script);
    let drawn = || lines.lock().unwrap().join("\n");
    let hide_cursor = "\x1b[?25l";
    // Back to the start of the 3-line block (heading, blank, target), then
    // erase below: a redraw, not a new line.
    let redraw = "\x1b[3F\x1b[J";
    wait_until(TIMEOUT, "the first redraw", || drawn().contains(redraw));
    let text = drawn();
    assert!(text.starts_with(hide_cursor), "{text:?}");
    assert!(
        text.contains("target-app: healthy (no state file"),
        "{text:?}"
    );
    let injected = run_once(
        &["inject", "slow", "--delay", "7", "--state-file", state],
        &[],
    );
    assert!(injected.status.success(), "{injected:?}");
    wait_until(TIMEOUT, "the failure drawn over the old line", || {
        let text = drawn();
        text.rfind(redraw) < text.rfind("target-app: slow")
            && text.rfind("target-app: slow") > text.rfind("target-app: healthy")
    });
    // Closing the terminal ends the watch (SIGHUP) and `script` with it.
    rustix::process::kill_process(rustix::process::Pid::from_child(&script), Signal::TERM).unwrap();
    script.wait().unwrap();
    reader.join().unwrap();
}
