//! chaos-target's `/health` says `503 {"status": "stuck"}` when reading its
//! state file has hung for 5 s (docs/protocol.md: a lost network mount),
//! and healthy again once the read returns. The hang is real: the state
//! file lies on a FUSE mount (`fuse-overlayfs`) whose daemon is stopped
//! with SIGSTOP, so every look at the file waits in the kernel.
//!
//! Needs `fuse-overlayfs`, `/dev/fuse` and the right to mount (root).
//! Where one is missing it prints a notice and passes, except with
//! `CHAOS_REQUIRE_FUSE=1` (set by `.ci/run`, which installs Debian's
//! fuse-overlayfs), where it fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::{wait_until, Workspace};
use crate::http;
use crate::target_harness::TargetService;

/// A `fuse-overlayfs` mount of fresh directories at `mount`, its daemon a
/// child of the test. Dropped: the daemon is let go on, the mount undone.
struct FuseMount {
    daemon: Child,
    mount: PathBuf,
}

impl FuseMount {
    fn new(dir: &Path) -> Self {
        let [lower, upper, work, mount] = ["lower", "upper", "work", "mnt"].map(|d| dir.join(d));
        for d in [&lower, &upper, &work, &mount] {
            std::fs::create_dir(d).unwrap();
        }
        let options = format!(
            "lowerdir={},upperdir={},workdir={}",
            lower.display(),
            upper.display(),
            work.display()
        );
        let daemon = Command::new("fuse-overlayfs")
            .args(["-f", "-o", &options])
            .arg(&mount)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("fuse-overlayfs");
        let fuse = FuseMount { daemon, mount };
        let listed = fuse.mount.to_str().unwrap().to_owned();
        wait_until(Duration::from_secs(10), "the FUSE mount", || {
            std::fs::read_to_string("/proc/self/mountinfo")
                .is_ok_and(|m| m.lines().any(|l| l.contains(&format!(" {listed} "))))
        });
        fuse
    }

    fn signal(&self, signal: rustix::process::Signal) {
        let pid = rustix::process::Pid::from_child(&self.daemon);
        rustix::process::kill_process(pid, signal).unwrap();
    }
}

impl Drop for FuseMount {
    fn drop(&mut self) {
        let pid = rustix::process::Pid::from_child(&self.daemon);
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::CONT);
        let _ = Command::new("fusermount3")
            .arg("-u")
            .arg(&self.mount)
            .status();
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// What this machine lacks for the FUSE mount, if anything.
fn fuse_missing() -> Option<String> {
    let on_path = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    if !on_path("fuse-overlayfs") {
        return Some("no `fuse-overlayfs` on PATH".to_owned());
    }
    if !Path::new("/dev/fuse").exists() {
        return Some("no /dev/fuse".to_owned());
    }
    if !rustix::process::geteuid().is_root() {
        return Some("not root (mounting needs it)".to_owned());
    }
    None
}

#[test]
fn health_says_stuck_while_reading_the_state_file_hangs() {
    if let Some(missing) = fuse_missing() {
        assert!(
            std::env::var("CHAOS_REQUIRE_FUSE").as_deref() != Ok("1"),
            "CHAOS_REQUIRE_FUSE=1 but {missing}"
        );
        eprintln!("skipped: {missing} (CHAOS_REQUIRE_FUSE=1 makes this a failure)");
        return;
    }
    let ws = Workspace::new();
    let fuse = FuseMount::new(ws.dir.path());
    let state = fuse.mount.join("state.json");
    let service = TargetService::start("app", &state);
    // The status and the JSON body; an answer cut short by the timeout on
    // a loaded machine (no body, or half of one) is no answer.
    let health = |timeout: Duration| {
        let answer = http::get(service.port, "/health", timeout).ok()?;
        let body = serde_json::from_str::<serde_json::Value>(&answer.body).ok()?;
        Some((answer.status, body))
    };
    assert_eq!(
        health(Duration::from_secs(10)).map(|(status, _)| status),
        Some(200)
    );

    fuse.signal(rustix::process::Signal::STOP);
    // A request that looks at the file now hangs in the kernel (on one of
    // the target's two workers); /health, which reads nothing, answers on
    // the other.
    let port = service.port;
    let hung = std::thread::spawn(move || http::get(port, "/orders", Duration::from_secs(60)));
    let mut stuck = None;
    wait_until(Duration::from_secs(30), "/health to say stuck", || {
        stuck = health(Duration::from_millis(500)).filter(|(status, _)| *status == 503);
        stuck.is_some()
    });
    let (_, body) = stuck.unwrap();
    assert_eq!(body["status"], "stuck", "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!(
            "reading the state file {} has not returned for ",
            state.display()
        )),
        "{body}"
    );
    assert!(!hung.is_finished(), "the read is still hanging");

    fuse.signal(rustix::process::Signal::CONT);
    let orders = hung
        .join()
        .unwrap()
        .expect("/orders answers once the read returns");
    assert_eq!(orders.status, 200);
    wait_until(Duration::from_secs(10), "/health healthy again", || {
        health(Duration::from_millis(500))
            .is_some_and(|(status, body)| status == 200 && body["status"] == "healthy")
    });
    drop(service);
    drop(fuse);
}
