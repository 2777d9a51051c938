//! The demo's child processes (the engine and the targets): the current
//! executable run again with another subcommand, in a process group of its
//! own (Ctrl-C, or the SIGHUP of a closed terminal, reaches the demo
//! alone, which stops them in order), its
//! output read in the background for the `listening on http://...` line
//! that tells its port, and its last lines kept for error messages.

use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader, Read};
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use rustix::process::{kill_process, Pid, Signal};

/// Lines of output kept per process, for error messages.
const KEPT_LINES: usize = 20;

/// What a child's output has said so far.
#[derive(Debug, Default)]
struct Heard {
    port: Option<u16>,
    last_lines: VecDeque<String>,
}

/// A running child of the demo.
#[derive(Debug)]
pub struct ChildProcess {
    child: Child,
    heard: Arc<Mutex<Heard>>,
}

/// A command running the current executable with `args`, with an empty
/// environment but `RUST_LOG=info` (no `CHAOS_*`, `PORT`, ... from the
/// caller's shell can change what the demo set up).
pub fn own_command(executable: &PathBuf, args: &[String]) -> Command {
    let mut command = Command::new(executable);
    command
        .args(args)
        .env_clear()
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    command
}

impl ChildProcess {
    /// Starts `command` (from [`own_command`]) and reads its output in
    /// the background.
    pub fn spawn(mut command: Command) -> std::io::Result<Self> {
        let mut child = command.spawn()?;
        let heard = Arc::new(Mutex::new(Heard::default()));
        if let Some(stdout) = child.stdout.take() {
            listen(stdout, Arc::clone(&heard));
        }
        if let Some(stderr) = child.stderr.take() {
            listen(stderr, Arc::clone(&heard));
        }
        Ok(ChildProcess { child, heard })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The port its `listening on http://HOST:PORT` line named, once
    /// printed.
    pub fn port(&self) -> Option<u16> {
        self.heard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .port
    }

    /// Its last lines of output, oldest first.
    pub fn last_lines(&self) -> Vec<String> {
        let heard = self.heard.lock().unwrap_or_else(PoisonError::into_inner);
        heard.last_lines.iter().cloned().collect()
    }

    /// Its exit status, once it has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Sends SIGTERM and waits up to `grace` for the exit, then kills it.
    /// Blocks: call it when nothing else needs the thread.
    pub fn stop(&mut self, grace: Duration) -> Option<ExitStatus> {
        if let Some(status) = self.exited() {
            return Some(status);
        }
        if let Some(pid) = Pid::from_raw(self.pid() as i32) {
            let _ = kill_process(pid, Signal::TERM);
        }
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        self.child.wait().ok()
    }
}

impl Drop for ChildProcess {
    /// Never leaves a process behind, whatever path ended the demo.
    fn drop(&mut self) {
        if self.exited().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads `output` line by line until it closes.
fn listen(output: impl Read + Send + 'static, heard: Arc<Mutex<Heard>>) {
    thread::spawn(move || {
        for line in BufReader::new(output).lines().map_while(Result::ok) {
            let mut heard = heard.lock().unwrap_or_else(PoisonError::into_inner);
            if heard.port.is_none() {
                heard.port = listening_port(&line);
            }
            if heard.last_lines.len() == KEPT_LINES {
                heard.last_lines.pop_front();
            }
            heard.last_lines.push_back(line);
        }
    });
}

/// The port of a `... listening on http://HOST:PORT` log line (text or
/// JSON logs).
fn listening_port(line: &str) -> Option<u16> {
    let (_, rest) = line.split_once("listening on http://")?;
    let addr: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '[' | ']'))
        .collect();
    addr.rsplit(':').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_comes_from_either_log_format() {
        assert_eq!(
            listening_port("2026-01-01T00:00:00Z  INFO orders listening on http://127.0.0.1:40123"),
            Some(40123)
        );
        assert_eq!(
            listening_port(
                r#"{"message":"HTTP API listening on http://127.0.0.1:9797","addr":"127.0.0.1:9797"}"#
            ),
            Some(9797)
        );
        assert_eq!(listening_port("listening on http://[::1]:80/"), Some(80));
        assert_eq!(listening_port("nothing here"), None);
    }
}
