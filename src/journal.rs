//! The audit journal: one JSON object per line, appended per event
//! (`engine_started`, `injected`, `manifested`, `cleared`, `ended`,
//! `healthy_again`, `skipped`, `paused`, `resumed`, `reloaded`, `reload_rejected`,
//! `write_error`, `engine_stopped`). `chaos-engine report` reads it back.
//!
//! Each line is written with a single unbuffered `write`, so a SIGKILL loses
//! at most the line being written. A journal that cannot be written is
//! reported once as an error; it never stops the chaos.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use serde::Serialize;
use tracing::error;

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
    failed: AtomicBool,
}

impl Journal {
    /// A journal that records nothing.
    pub fn disabled() -> Self {
        Journal {
            path: None,
            file: Mutex::new(None),
            failed: AtomicBool::new(false),
        }
    }

    /// Opens (creating if needed) the journal at `path` for appending. A file
    /// that cannot be opened is reported once and the journal records nothing.
    pub fn open(path: &Path) -> Self {
        let journal = Journal {
            path: Some(path.to_owned()),
            file: Mutex::new(None),
            failed: AtomicBool::new(false),
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
        if let Err(err) = handle.write_all(&line) {
            self.report(&err);
        }
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
