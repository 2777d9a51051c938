//! Reading a state file without ever failing, blocking or running out of
//! memory.
//!
//! A missing, empty or unparsable file means "healthy" to a target app; the
//! engine's `status` command still wants to know which of those it saw, so
//! [`read_state`] says which, and [`ReadOutcome::is_failing_at`] gives the
//! target app's answer.
//!
//! Whatever another process puts at the path, a read returns at once and
//! takes in at most [`MAX_STATE_FILE_BYTES`]: anything but a regular file
//! (a FIFO, whose `open` would wait for a writer; a device such as
//! `/dev/zero`, endless; a socket) is not opened and reads as
//! [`ReadOutcome::Unreadable`], and so does a file larger than the bound.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use rustix::fs::{Mode, OFlags, CWD};

use crate::file_kind;
use crate::record::StateRecord;

/// The most a reader takes in. A state record is a few hundred bytes.
pub const MAX_STATE_FILE_BYTES: u64 = 64 * 1024;

/// What a state file held when it was read.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadOutcome {
    /// No file at the path.
    Missing,
    /// The file exists but could not be read or is not a valid state record.
    Unreadable(String),
    /// A valid record.
    Record(StateRecord),
}

impl ReadOutcome {
    /// The record, when there is one.
    pub fn record(&self) -> Option<&StateRecord> {
        match self {
            ReadOutcome::Record(record) => Some(record),
            _ => None,
        }
    }

    /// True when a target app should act out a failure at `now`.
    pub fn is_failing_at(&self, now: f64) -> bool {
        self.record()
            .is_some_and(|record| record.is_failing_at(now))
    }
}

/// Reads and parses the state file at `path` (a symlink is followed to a
/// regular file), without blocking and without taking in more than
/// [`MAX_STATE_FILE_BYTES`] (see the module docs).
pub fn read_state(path: &Path) -> ReadOutcome {
    match read_bounded(path) {
        Ok(bytes) => parse_state(&bytes),
        Err(ReadRefusal::Missing) => ReadOutcome::Missing,
        Err(ReadRefusal::Unreadable(why)) => ReadOutcome::Unreadable(why),
    }
}

enum ReadRefusal {
    Missing,
    Unreadable(String),
}

impl From<std::io::Error> for ReadRefusal {
    fn from(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::NotFound {
            ReadRefusal::Missing
        } else {
            ReadRefusal::Unreadable(err.to_string())
        }
    }
}

/// A regular file's bytes, or why there are none.
fn read_bounded(path: &Path) -> Result<Vec<u8>, ReadRefusal> {
    let regular = |meta: &std::fs::Metadata| {
        if !meta.is_file() {
            return Err(ReadRefusal::Unreadable(format!(
                "{} is {}, not a state file",
                path.display(),
                file_kind::describe(meta.file_type())
            )));
        }
        if meta.len() > MAX_STATE_FILE_BYTES {
            return Err(too_large(path));
        }
        Ok(())
    };
    // Look before opening: opening a FIFO waits for a writer, and opening
    // some devices has effects of its own.
    regular(&std::fs::metadata(path)?)?;
    // Non-blocking all the same, and checked again through the descriptor,
    // in case something else was put at the path in between.
    let fd = rustix::fs::openat(
        CWD,
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(std::io::Error::from)?;
    let file = File::from(fd);
    regular(&file.metadata()?)?;
    let mut bytes = Vec::new();
    file.take(MAX_STATE_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_STATE_FILE_BYTES {
        return Err(too_large(path));
    }
    Ok(bytes)
}

fn too_large(path: &Path) -> ReadRefusal {
    ReadRefusal::Unreadable(format!(
        "{} is larger than {} KiB, not a state file",
        path.display(),
        MAX_STATE_FILE_BYTES / 1024
    ))
}

/// Parses state-file bytes; never panics, whatever the bytes.
pub fn parse_state(bytes: &[u8]) -> ReadOutcome {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return ReadOutcome::Unreadable("empty file".to_owned());
    }
    match serde_json::from_slice::<StateRecord>(bytes) {
        Ok(record) => ReadOutcome::Record(record),
        Err(err) => ReadOutcome::Unreadable(format!("not a state record: {err}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_empty_and_garbage_are_not_failing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert_eq!(read_state(&path), ReadOutcome::Missing);
        std::fs::write(&path, "").unwrap();
        assert!(matches!(read_state(&path), ReadOutcome::Unreadable(_)));
        std::fs::write(&path, "{\"mode\": ").unwrap();
        assert!(!read_state(&path).is_failing_at(0.0));
        std::fs::write(&path, "[1,2]").unwrap();
        assert!(!read_state(&path).is_failing_at(0.0));
    }

    /// Runs `read_state` on a thread: a read that blocks fails the test
    /// after 10 s instead of hanging it.
    fn read_within_10s(path: &Path) -> ReadOutcome {
        let path = path.to_owned();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // The receiver is gone only when the test already failed.
            let _ = sender.send(read_state(&path));
        });
        receiver
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("read_state blocked")
    }

    fn unreadable_because(outcome: ReadOutcome) -> String {
        match outcome {
            ReadOutcome::Unreadable(why) => why,
            other => panic!("expected Unreadable, got {other:?}"),
        }
    }

    #[test]
    fn a_fifo_is_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        crate::file_kind::make_fifo(&path);
        let why = unreadable_because(read_within_10s(&path));
        assert!(why.ends_with("is a FIFO, not a state file"), "{why}");
    }

    #[test]
    fn a_symlink_to_an_endless_device_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        let why = unreadable_because(read_within_10s(&path));
        assert!(
            why.ends_with("is a character device, not a state file"),
            "{why}"
        );
    }

    #[test]
    fn a_symlink_to_a_state_file_is_followed() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, br#"{"mode":"crash","delay":0}"#).unwrap();
        let path = dir.path().join("state.json");
        std::os::unix::fs::symlink(&real, &path).unwrap();
        assert_eq!(read_state(&path).record().unwrap().mode, "crash");
    }

    #[test]
    fn a_file_past_the_bound_is_not_taken_in() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let mut big = br#"{"mode":"slow","delay":1}"#.to_vec();
        big.resize(MAX_STATE_FILE_BYTES as usize + 1, b' ');
        std::fs::write(&path, &big).unwrap();
        let why = unreadable_because(read_state(&path));
        assert!(
            why.ends_with("is larger than 64 KiB, not a state file"),
            "{why}"
        );
        big.truncate(MAX_STATE_FILE_BYTES as usize);
        std::fs::write(&path, &big).unwrap();
        assert_eq!(
            read_state(&path).record().unwrap().mode,
            "slow",
            "at the bound it is read"
        );
    }

    #[test]
    fn a_failure_is_failing_until_it_expires() {
        let outcome = parse_state(br#"{"mode":"slow","delay":12,"expires_at":50.0}"#);
        assert!(outcome.is_failing_at(49.0));
        assert!(!outcome.is_failing_at(51.0));
        assert_eq!(outcome.record().unwrap().delay, 12);
    }
}
