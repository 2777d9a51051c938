//! The audit journal: one JSON object per line, appended per event
//! (`engine_started`, `injected`, `manifested`, `cleared`, `ended`,
//! `healthy_again`, `skipped`, `paused`, `resumed`, `reloaded`, `reload_rejected`,
//! `write_error`, `engine_stopped`). `chaos-engine report` reads it back.
//!
//! Each line is written with a single unbuffered `write`, so a SIGKILL loses
//! at most the line being written. A write that fails (a full disk) is
//! undone: the file is cut back to its last whole line, so the next event
//! starts a line of its own. A journal that cannot be written is reported
//! once per outage as an error, with the count of lost events when writes
//! work again; it never stops the chaos.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use tracing::{error, warn};

pub mod schema;

pub use schema::{JournalEvent, JournalLine, Note, Started};

/// An engine-wide event by name, for [`crate::telemetry::Telemetry::journal`]
/// (kept for its callers in `src/actors/`). It is not a second schema: it
/// becomes a [`JournalEvent`] ([`Entry::into_event`]) before it is written.
#[derive(Debug, Default, Clone)]
pub struct Entry<'a> {
    /// When it happened (Unix time); `None`, the default, stamps it when
    /// it is journalled.
    pub timestamp: Option<f64>,
    /// `engine_started`, `engine_stopped`, `reloaded` or `reload_rejected`.
    pub event: &'a str,
    /// Free text: the seed, the signal, what a reload changed, or why it
    /// was rejected.
    pub detail: Option<&'a str>,
}

impl Entry<'_> {
    /// The journal event this names; `None` for a name that is not an
    /// engine-wide event (events about a target have methods of their own
    /// on [`crate::telemetry::Telemetry`]).
    pub fn into_event(self) -> Option<JournalEvent> {
        let note = Note {
            detail: self.detail.map(str::to_owned),
        };
        match self.event {
            "engine_started" => Some(JournalEvent::EngineStarted(schema::Started {
                detail: note.detail,
                seed: None,
            })),
            "engine_stopped" => Some(JournalEvent::EngineStopped(note)),
            "reloaded" => Some(JournalEvent::Reloaded(note)),
            "reload_rejected" => Some(JournalEvent::ReloadRejected(note)),
            _ => None,
        }
    }
}

/// An append-only JSON-lines file, or nothing.
#[derive(Debug)]
pub struct Journal {
    path: Option<PathBuf>,
    file: Mutex<Option<File>>,
    /// A write failed and was reported; cleared when writes work again.
    failed: AtomicBool,
    /// Events lost since the last successful write.
    lost: AtomicU64,
}

impl Journal {
    /// A journal that records nothing.
    pub fn disabled() -> Self {
        Journal {
            path: None,
            file: Mutex::new(None),
            failed: AtomicBool::new(false),
            lost: AtomicU64::new(0),
        }
    }

    /// Opens (creating if needed) the journal at `path` for appending. A file
    /// that cannot be opened is reported once and the journal records nothing.
    pub fn open(path: &Path) -> Self {
        let journal = Journal {
            path: Some(path.to_owned()),
            file: Mutex::new(None),
            failed: AtomicBool::new(false),
            lost: AtomicU64::new(0),
        };
        match OpenOptions::new().create(true).append(true).open(path) {
            Ok(file) => *journal.file.lock().unwrap_or_else(PoisonError::into_inner) = Some(file),
            Err(err) => journal.report(&err),
        }
        journal
    }

    /// The file written, if the journal is enabled.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Appends `event`, stamped with `timestamp`, as one line.
    pub fn record(&self, timestamp: f64, event: JournalEvent) {
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(handle) = file.as_mut() else {
            return;
        };
        let line = JournalLine {
            timestamp: Some(timestamp),
            event,
        };
        // Plain strings and numbers into a Vec: serialising cannot fail
        // (a non-finite f64 is written as null, not an error).
        let mut line = serde_json::to_vec(&line).unwrap_or_default();
        line.push(b'\n');
        // Where the last whole line ends, to cut a torn one back to.
        let whole = handle.metadata().map(|meta| meta.len());
        match handle.write_all(&line) {
            Ok(()) => {
                if self.failed.swap(false, Ordering::Relaxed) {
                    let lost = self.lost.swap(0, Ordering::Relaxed);
                    let path = self.path.as_deref().unwrap_or(Path::new("?")).display();
                    warn!(journal = %path, lost, "the journal is written again; {lost} event(s) were lost meanwhile");
                }
            }
            Err(err) => {
                if let Ok(length) = whole {
                    // Shrinking needs no space; if it fails too, the next
                    // line still starts on a line of its own.
                    if handle.set_len(length).is_err() {
                        let _ = handle.write_all(b"\n");
                    }
                }
                self.lost.fetch_add(1, Ordering::Relaxed);
                self.report(&err);
            }
        }
    }

    /// Events lost since the last successful write.
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    fn report(&self, err: &std::io::Error) {
        if !self.failed.swap(true, Ordering::Relaxed) {
            let path = self.path.as_deref().unwrap_or(Path::new("?")).display();
            error!(journal = %path, error = %err, "cannot write the journal; chaos continues without it (reported once)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_one_json_line_per_event_without_absent_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let journal = Journal::open(&path);
        journal.record(1.5, JournalEvent::EngineStarted(schema::Started::default()));
        journal.record(
            2.5,
            JournalEvent::Paused(schema::TargetOnly {
                target: "app".into(),
            }),
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], r#"{"timestamp":1.5,"event":"engine_started"}"#);
        assert_eq!(
            lines[1],
            r#"{"timestamp":2.5,"event":"paused","target":"app"}"#
        );
        // Reopening appends.
        Journal::open(&path).record(3.0, JournalEvent::EngineStopped(Note::default()));
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 3);
    }

    /// A 64 KiB tmpfs mounted on a temporary directory, unmounted on drop.
    /// Needs root: `None` (with a notice) elsewhere, unless
    /// `CHAOS_REQUIRE_ROOT=1` (set by `.ci/run`) makes that a failure.
    struct SmallTmpfs {
        dir: tempfile::TempDir,
    }

    impl SmallTmpfs {
        fn mount() -> Option<Self> {
            let dir = tempfile::tempdir().unwrap();
            let mounted = std::process::Command::new("mount")
                .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
                .arg(dir.path())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|status| status.success());
            if mounted {
                return Some(SmallTmpfs { dir });
            }
            assert!(
                std::env::var("CHAOS_REQUIRE_ROOT").as_deref() != Ok("1"),
                "cannot mount a tmpfs (root needed) and CHAOS_REQUIRE_ROOT=1"
            );
            eprintln!("notice: not root, so no small tmpfs: the full-disk journal test is skipped");
            None
        }
    }

    impl Drop for SmallTmpfs {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount")
                .arg(self.dir.path())
                .status();
        }
    }

    #[test]
    fn a_full_disk_loses_whole_events_never_tears_a_line() {
        let Some(tmpfs) = SmallTmpfs::mount() else {
            return;
        };
        let path = tmpfs.dir.path().join("journal.jsonl");
        let journal = Journal::open(&path);
        fn note(detail: &str) -> Note {
            Note {
                detail: Some(detail.to_owned()),
            }
        }
        journal.record(
            1.0,
            JournalEvent::EngineStarted(schema::Started {
                detail: note("before").detail,
                seed: None,
            }),
        );
        // Fill the file system: what is left is the rest of the journal's
        // last page, smaller than the next event.
        let filler_path = tmpfs.dir.path().join("filler");
        let mut filler = File::create(&filler_path).unwrap();
        while filler.write_all(&[b'x'; 4096]).is_ok() {}
        drop(filler);
        let long = "y".repeat(8000);
        journal.record(2.0, JournalEvent::Reloaded(note(&long)));
        assert_eq!(journal.lost(), 1);
        std::fs::remove_file(&filler_path).unwrap();
        journal.record(3.0, JournalEvent::EngineStopped(note("after")));
        assert_eq!(
            journal.lost(),
            0,
            "reported and reset once writes work again"
        );

        let text = std::fs::read_to_string(&path).unwrap();
        let details: Vec<String> = text
            .lines()
            .map(|line| {
                let value: serde_json::Value = serde_json::from_str(line)
                    .unwrap_or_else(|err| panic!("torn line ({err}): {line:.80}"));
                value["detail"].as_str().unwrap_or("").to_owned()
            })
            .collect();
        assert_eq!(details, ["before", "after"]);
    }

    #[test]
    fn an_unopenable_journal_records_nothing_and_does_not_panic() {
        let journal = Journal::open(Path::new("/nonexistent-dir/journal.jsonl"));
        journal.record(1.0, JournalEvent::EngineStopped(Note::default()));
        assert!(journal.failed.load(Ordering::Relaxed));
    }
}
