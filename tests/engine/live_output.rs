//! A long-running command of the real binary whose standard output (not a
//! terminal: a pipe) is collected line by line, for the `demo` and
//! `status --watch` tests.

use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::helpers::{collect_lines, command, wait_until};

/// The running command and its output so far.
pub struct LiveOutput {
    pub child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<thread::JoinHandle<()>>,
}

impl LiveOutput {
    /// Starts `chaos-engine ARGS` in `dir` with standard output piped.
    pub fn start(args: &[&str], dir: &std::path::Path, env: &[(&str, &str)]) -> Self {
        let mut child = command(env)
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn chaos-engine");
        let (lines, reader) = collect_lines(&mut child);
        LiveOutput {
            child,
            lines,
            reader: Some(reader),
        }
    }

    /// Every line so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits (up to `timeout`) for a line containing `text`; returns it.
    pub fn wait_for_line(&self, timeout: Duration, text: &str) -> String {
        let mut found = None;
        wait_until(timeout, &format!("a line with `{text}`"), || {
            found = self.lines().into_iter().find(|l| l.contains(text));
            found.is_some()
        });
        found.unwrap()
    }

    /// Sends `signal` now.
    pub fn signal(&self, signal: rustix::process::Signal) {
        let pid = rustix::process::Pid::from_child(&self.child);
        rustix::process::kill_process(pid, signal).expect("send signal");
    }

    /// Waits (up to `timeout`) for the exit and the end of the output.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                if let Some(reader) = self.reader.take() {
                    reader.join().expect("the output reader");
                }
                return status;
            }
            if Instant::now() > deadline {
                self.child.kill().ok();
                panic!(
                    "did not exit within {timeout:?}; output:\n{}",
                    self.lines().join("\n")
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for LiveOutput {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}
