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

use serde::Serialize;
use tracing::{error, warn};

/// One event. Fields that do not apply are left out of the line.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Entry<'a> {
    /// Seconds since the Unix epoch; filled in by [`Journal::record`].
    pub timestamp: f64,
    /// What happened, e.g. `injected`.
    pub event: &'a str,
    /// The injection's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a str>,
    /// The target's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<&'a str>,
    /// The scenario's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<&'a str>,
    /// The mode written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<&'a str>,
    /// The delay written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<u64>,
    /// Why a failure ended (`recovery`, `manual`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    /// When an injected failure expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<f64>,
    /// How late a scheduled injection started, milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lateness_ms: Option<f64>,
    /// How long the atomic state-file write took (fsyncs included), ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_ms: Option<f64>,
    /// `manual` for injections through the API or a person, else absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'a str>,
    /// Free text: an error, what a probe saw, or what a reload changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<&'a str>,
    /// Failures active or about to start when a target planned its next
    /// cycle (`injected`, `skipped`): what the cap and backoff went by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<usize>,
    /// `ended`: `repair`, `recovery`, `manual` or `shutdown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<&'a str>,
    /// `ended` by a repair: who (the `cleared_by` that replaced ours, or
    /// `probe`, or `state file removed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repaired_by: Option<&'a str>,
    /// `manifested`, `ended`: when the failure was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub injected_at: Option<f64>,
    /// When a probe first saw the failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifested_at: Option<f64>,
    /// `ended` by a repair: when it was noticed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repaired_at: Option<f64>,
    /// `ended` at the deadline: when the engine cleared it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_at: Option<f64>,
    /// `ended`: when, whatever the cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<f64>,
    /// `manifested_at - injected_at`, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_manifest_ms: Option<f64>,
    /// `repaired_at - injected_at`, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_repair_ms: Option<f64>,
    /// `healthy_again`: when the probe first answered healthy after the
    /// engine cleared an expired failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthy_at: Option<f64>,
    /// `healthy_at - expired_at`, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_healthy_ms: Option<f64>,
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

    /// Appends `entry`, stamped with `timestamp`.
    pub fn record(&self, timestamp: f64, mut entry: Entry<'_>) {
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(handle) = file.as_mut() else {
            return;
        };
        entry.timestamp = timestamp;
        let mut line = serde_json::to_vec(&entry).unwrap_or_default();
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
        journal.record(
            1.5,
            Entry {
                event: "engine_started",
                ..Entry::default()
            },
        );
        journal.record(
            2.5,
            Entry {
                event: "injected",
                target: Some("app"),
                delay: Some(3),
                ..Entry::default()
            },
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], r#"{"timestamp":1.5,"event":"engine_started"}"#);
        assert_eq!(
            lines[1],
            r#"{"timestamp":2.5,"event":"injected","target":"app","delay":3}"#
        );
        // Reopening appends.
        Journal::open(&path).record(
            3.0,
            Entry {
                event: "engine_stopped",
                ..Entry::default()
            },
        );
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
        fn event<'a>(name: &'a str, detail: &'a str) -> Entry<'a> {
            Entry {
                event: name,
                detail: Some(detail),
                ..Entry::default()
            }
        }
        journal.record(1.0, event("engine_started", "before"));
        // Fill the file system: what is left is the rest of the journal's
        // last page, smaller than the next event.
        let filler_path = tmpfs.dir.path().join("filler");
        let mut filler = File::create(&filler_path).unwrap();
        while filler.write_all(&[b'x'; 4096]).is_ok() {}
        drop(filler);
        let long = "y".repeat(8000);
        journal.record(2.0, event("injected", &long));
        assert_eq!(journal.lost(), 1);
        std::fs::remove_file(&filler_path).unwrap();
        journal.record(3.0, event("engine_stopped", "after"));
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
        journal.record(
            1.0,
            Entry {
                event: "x",
                ..Entry::default()
            },
        );
        assert!(journal.failed.load(Ordering::Relaxed));
    }
}
