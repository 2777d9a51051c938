//! Durability as docs/protocol.md promises it, counted with a system-call
//! trace (`strace`): the one-shot `inject` and `clear` fsync the new file
//! before it replaces the state file and its directory after; the daemon
//! fsyncs nothing per write, syncs each state directory (`syncfs`) at most
//! once a second while it runs, and once more after the shutdown drain.
//!
//! Needs `strace` and the right to trace (ptrace). Without `strace` on
//! PATH they print a notice and pass, except with
//! `CHAOS_REQUIRE_STRACE=1` (set by `.ci/run`, which installs Debian's
//! strace), where they fail.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::{binary, test_ledger_dir, wait_until, Workspace, FAST_SCHEDULE};

const CALLS: &str = "trace=fsync,fdatasync,syncfs,sync,rename,renameat,renameat2";

fn skipped() -> bool {
    let present = Command::new("strace")
        .arg("-V")
        .output()
        .is_ok_and(|output| output.status.success());
    if present {
        return false;
    }
    assert!(
        std::env::var("CHAOS_REQUIRE_STRACE").as_deref() != Ok("1"),
        "CHAOS_REQUIRE_STRACE=1 but no `strace` on PATH"
    );
    eprintln!("skipped: no `strace` on PATH (CHAOS_REQUIRE_STRACE=1 makes this a failure)");
    true
}

/// `strace` running the binary with `args`, its calls written to `trace`.
fn traced(trace: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("strace");
    command
        .args(["-f", "-ttt", "-y", "-e", CALLS, "-o"])
        .arg(trace)
        .arg("--")
        .arg(binary())
        .args(args)
        .env_clear()
        .env("RUST_LOG", "info")
        .env("CHAOS_LEDGER_DIR", test_ledger_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// A running `strace` of the daemon; dropped before its end (a failed
/// test), it kills the daemon and itself.
struct Tracer(Option<std::process::Child>);

impl Tracer {
    /// The traced process: strace's child.
    fn engine(&self) -> Option<rustix::process::Pid> {
        let strace = self.0.as_ref()?.id();
        let children = std::fs::read_to_string(format!("/proc/{strace}/task/{strace}/children"));
        let first = children.ok()?.split_whitespace().next()?.parse().ok()?;
        rustix::process::Pid::from_raw(first)
    }

    fn wait(&mut self) -> std::process::ExitStatus {
        self.0.take().expect("strace running").wait().unwrap()
    }
}

impl Drop for Tracer {
    fn drop(&mut self) {
        if let Some(engine) = self.engine() {
            let _ = rustix::process::kill_process(engine, rustix::process::Signal::KILL);
        }
        if let Some(mut strace) = self.0.take() {
            let _ = strace.kill();
            let _ = strace.wait();
        }
    }
}

/// One traced call: when (Unix seconds), the call's name and its text.
#[derive(Debug)]
struct Call {
    at: f64,
    name: String,
    line: String,
}

fn calls(trace: &Path) -> Vec<Call> {
    let text = std::fs::read_to_string(trace).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            // `PID  SECONDS CALL(...)`: strace pads the pid with spaces
            // to a width of its own.
            let (_pid, after) = line.trim_start().split_once(' ')?;
            let (at, rest) = after.trim_start().split_once(' ')?;
            let at = at.parse().ok()?;
            let name = rest.split('(').next()?.to_owned();
            rest.contains('(').then(|| Call {
                at,
                name,
                line: line.to_owned(),
            })
        })
        .collect()
}

fn names(calls: &[Call]) -> Vec<&str> {
    calls.iter().map(|c| c.name.as_str()).collect()
}

#[test]
fn one_shot_inject_and_clear_fsync_the_new_file_then_the_directory() {
    if skipped() {
        return;
    }
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let dir = ws.dir.path().to_str().unwrap().to_owned();
    for (command, trace) in [("inject", "inject.trace"), ("clear", "clear.trace")] {
        let trace = ws.path(trace);
        let mut args = vec![command];
        if command == "inject" {
            args.push("crash");
        }
        args.extend(["--state-file", state.to_str().unwrap()]);
        let status = traced(&trace, &args).status().expect("strace");
        assert!(status.success(), "{command}: {status}");
        let calls = calls(&trace);
        // fsync(the temporary file), rename(it over the state file),
        // fsync(the directory): nothing more, nothing less.
        let syncs: Vec<&Call> = calls.iter().filter(|c| c.name.contains("sync")).collect();
        assert_eq!(
            names(&calls),
            ["fsync", "renameat", "fsync"],
            "{command}: {calls:#?}"
        );
        assert!(
            syncs[0].line.contains(&format!("<{dir}/.state.json.")),
            "{command}: the new file first: {calls:#?}"
        );
        assert!(
            calls[1]
                .line
                .ends_with(&format!("\"{dir}/state.json\") = 0")),
            "{command}: {calls:#?}"
        );
        assert!(
            syncs[1].line.contains(&format!("<{dir}>)")),
            "{command}: then its directory: {calls:#?}"
        );
    }
}

#[test]
fn the_daemon_syncs_each_state_directory_at_most_once_a_second_and_after_the_drain() {
    if skipped() {
        return;
    }
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let dir = ws.dir.path().to_str().unwrap().to_owned();
    let trace = ws.path("run.trace");
    // A write every 100 ms: ten a second to sync.
    let strace = traced(
        &trace,
        &[
            &["run", "--state-file", state.to_str().unwrap()],
            FAST_SCHEDULE,
        ]
        .concat(),
    )
    .spawn()
    .expect("strace");
    let mut strace = Tracer(Some(strace));
    let count =
        |calls: &[Call], name: &str| calls.iter().filter(|c| c.name.starts_with(name)).count();
    wait_until(
        Duration::from_secs(60),
        "three syncs and twenty writes",
        || {
            let calls = calls(&trace);
            count(&calls, "syncfs") >= 3 && count(&calls, "rename") >= 20
        },
    );
    // The engine is strace's child.
    let engine = strace.engine().expect("the engine under strace");
    rustix::process::kill_process(engine, rustix::process::Signal::TERM).unwrap();
    let status = strace.wait();
    assert!(status.success(), "{status}");

    let calls = calls(&trace);
    let renames: Vec<&Call> = calls
        .iter()
        .filter(|c| c.name.starts_with("rename"))
        .collect();
    let syncs: Vec<&Call> = calls.iter().filter(|c| c.name == "syncfs").collect();
    // No fsync per write: only syncfs, each of the state directory.
    assert!(
        calls
            .iter()
            .all(|c| !["fsync", "fdatasync", "sync"].contains(&c.name.as_str())),
        "{calls:#?}"
    );
    assert!(renames.len() >= 20, "{} writes", renames.len());
    for sync in &syncs {
        assert!(sync.line.contains(&format!("<{dir}>)")), "{}", sync.line);
    }
    // While running: at most one a second (a write plans the next sync one
    // second on, never sooner than a second after the one before began).
    let (last, running) = syncs.split_last().unwrap();
    assert!(running.len() >= 3, "{syncs:#?}");
    for pair in running.windows(2) {
        assert!(
            pair[1].at - pair[0].at >= 0.999,
            "two syncs {:.3} s apart: {syncs:#?}",
            pair[1].at - pair[0].at
        );
    }
    // And once after the drain: after the last write (the shutdown clear).
    let last_write = renames.last().unwrap();
    assert!(
        last.at >= last_write.at && last_write.line.contains(&format!("\"{dir}/state.json\")")),
        "{last:?} after {last_write:?}"
    );
}
