//! The audit journal: one JSON object per line, appended per event.
//! `chaos-engine report` and `chaos-engine score` read it back, and
//! `recover` reads it for Docker faults left behind.
//!
//! Every line has a `timestamp` (Unix time, when it was written unless
//! said otherwise) and an `event` name, then the fields of that event in
//! the order listed. A field marked `?` is left out when it has no value;
//! a list marked `[]` is left out when empty. The names are
//! [`EventName`]; the fields are [`schema`]'s, one type per event.
//!
//! # Events
//!
//! - `engine_started`: the daemon (`chaos-engine run`) started. `detail`
//!   (`seed N, M target(s)`), `seed`, `scenarios` (the configured
//!   scenario names, in the order they take their colours).
//! - `injected`: a failure was applied (a state file written, or a Docker
//!   fault applied): by the schedule, through the API (`source: manual`)
//!   or by `chaos-engine inject` (`source: cli`). `id`, `target`,
//!   `scenario`, `mode`, `delay`, `expires_at`, `lateness_ms?` (scheduled
//!   only), `write_ms?`, `source?`, `active?`, `containers[]` (Docker),
//!   `category?`, `fix[]`.
//! - `manifested`: a probe first saw an injected failure show. `id`,
//!   `target`, `scenario`, `mode`, `detail` (what the probe saw),
//!   `injected_at`, `manifested_at`, `time_to_manifest_ms`.
//! - `cleared`: a target was cleared (its state file written healthy, or
//!   its Docker fault undone), or its failure ended without a clear of
//!   ours. `id?`, `target`, `scenario?`, `mode?`, `delay?` (of the
//!   failure it ended), `reason` (`startup`, `recovery`, `shutdown`,
//!   `manual`, `reload`, `disabled`; without a clear of ours `repaired`,
//!   `replaced`), `write_ms?`, `source?` (`cli` for `chaos-engine
//!   clear`).
//! - `ended`: the record of a failure that ended, whatever ended it.
//!   `id`, `target`, `scenario`, `mode`, `delay`, `ended_by` (`repair`,
//!   `recovery`, `manual`, `shutdown`), `repaired_by?`, `injected_at`,
//!   `manifested_at?`, `repaired_at?`, `expired_at?`, `ended_at`,
//!   `time_to_manifest_ms?`, `time_to_repair_ms?`.
//! - `healthy_again`: after a failure expired and was cleared, the
//!   target's probe answered healthy for the first time. `id`, `target`,
//!   `scenario`, `mode`, `expired_at`, `healthy_at`, `time_to_healthy_ms`.
//! - `skipped`: a scheduled cycle injected nothing. `target`, `reason`
//!   (`unhealthy`, `cap`, `window`, `blackout`), `detail`, `active`.
//! - `paused`: a target's schedule was paused (API). `target`.
//! - `resumed`: a target's schedule was resumed (API). `target`.
//! - `reloaded`: the configuration was reloaded (SIGHUP or API). `detail`
//!   (targets added, removed, changed and unchanged).
//! - `reload_rejected`: a reload was refused; the running configuration
//!   stays. `detail` (why).
//! - `write_error`: applying or clearing a failure failed (a state-file
//!   write, or the Docker Engine). `id?`, `target`, `scenario?`, `mode?`,
//!   `delay?` (of the failure being written or ended), `detail` (the
//!   error).
//! - `engine_stopped`: the daemon stopped after draining. `detail` (the
//!   signal).
//! - `fault_applying`: a Docker fault is about to be applied, written
//!   before the first Engine call that changes anything (what `recover`
//!   undoes if the engine dies first). `target`, `id`, `mode`, `host`,
//!   `cert_path?` (TLS), `containers`, `expires_at`, `token`, `owner?`,
//!   `started_at`, `grace_s?`.
//! - `fault_recovered`: a Docker fault was undone outside its normal
//!   clear: left behind by an engine that stopped (`recover`, or at
//!   startup), or partly applied when applying it failed. `id?`, `target`,
//!   `detail` (what was undone).
//! - `control_window`: a scheduled cycle that injects nothing on purpose
//!   (`policy.control_rate`); the `timestamp` is when it starts. `id`,
//!   `target`, `ends_at`.
//! - `finding`: a responder's finding, posted to `POST /findings`,
//!   stamped by the engine. `id`, `responder`, `target`, `kind`
//!   (`detected`, `diagnosed`, `mitigated`), `category?`, `mode?`,
//!   `note?`.
//!
//! # Writing
//!
//! Each line is written with a single unbuffered `write`, so a SIGKILL loses
//! at most the line being written. A write that fails (a full disk) is
//! undone: the file is cut back to its last whole line, so the next event
//! starts a line of its own. A journal that cannot be written is reported
//! once per outage as an error, with the count of lost events when writes
//! work again (each event retries opening it); it never stops the chaos.
//!
//! A journal may have a size cap ([`Journal::open_with_max`];
//! `--journal-max` / `CHAOS_JOURNAL_MAX`, [`DEFAULT_JOURNAL_MAX`] unless
//! set): when the next line would take the file past it, the file is
//! renamed `<journal>.1` (replacing an older one), a fresh `<journal>` is
//! started and a warning names both paths and sizes. The disk used is so at
//! most about twice the cap. Readers that need the whole history read both
//! files, the older first: [`read::for_each_line`].

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use tracing::{error, warn};

pub mod event_name;
pub mod open_faults;
pub mod read;
pub mod schema;

pub use event_name::EventName;
pub use read::{for_each_line, rotated_path};
pub use schema::{JournalEvent, JournalLine, Note, Started};

use crate::size::format_size;

/// The journal's size cap when none is configured: 64 MiB (about 250,000
/// findings or a year of a busy schedule), so at most ~128 MiB of disk with
/// its rotated predecessor.
pub const DEFAULT_JOURNAL_MAX: u64 = 64 * 1024 * 1024;

/// An append-only JSON-lines file, or nothing.
#[derive(Debug)]
pub struct Journal {
    path: Option<PathBuf>,
    /// Rotate before a line would take the file past this many bytes;
    /// `None`: never.
    max: Option<u64>,
    file: Mutex<Option<File>>,
    /// A write failed and was reported; cleared when writes work again.
    failed: AtomicBool,
    /// Events lost since the last successful write.
    lost: AtomicU64,
    /// A rotation failed and was reported; cleared when one works again.
    rotation_failed: AtomicBool,
}

impl Journal {
    /// A journal that records nothing.
    pub fn disabled() -> Self {
        Journal {
            path: None,
            max: None,
            file: Mutex::new(None),
            failed: AtomicBool::new(false),
            lost: AtomicU64::new(0),
            rotation_failed: AtomicBool::new(false),
        }
    }

    /// [`Journal::open_with_max`] with the default cap,
    /// [`DEFAULT_JOURNAL_MAX`].
    pub fn open(path: &Path) -> Self {
        Self::open_with_max(path, Some(DEFAULT_JOURNAL_MAX))
    }

    /// Opens (creating if needed) the journal at `path` for appending,
    /// rotated at `max` bytes (`None`: never). A file that cannot be opened
    /// is reported once; each event tries again, and counts as lost until
    /// it works.
    pub fn open_with_max(path: &Path, max: Option<u64>) -> Self {
        let journal = Journal {
            path: Some(path.to_owned()),
            max,
            file: Mutex::new(None),
            failed: AtomicBool::new(false),
            lost: AtomicU64::new(0),
            rotation_failed: AtomicBool::new(false),
        };
        match open_for_appending(path) {
            Ok(file) => *journal.file.lock().unwrap_or_else(PoisonError::into_inner) = Some(file),
            Err(err) => journal.report(&err),
        }
        journal
    }

    /// The file written, if the journal is enabled.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The size cap, if any.
    pub fn max(&self) -> Option<u64> {
        self.max
    }

    /// Appends `event`, stamped with `timestamp`, as one line (rotating
    /// the file first when the line would take it past the cap).
    pub fn record(&self, timestamp: f64, event: JournalEvent) {
        let Some(path) = self.path.as_deref() else {
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
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        if file.is_none() {
            match open_for_appending(path) {
                Ok(opened) => *file = Some(opened),
                Err(err) => {
                    self.lost.fetch_add(1, Ordering::Relaxed);
                    self.report(&err);
                    return;
                }
            }
        }
        let Some(handle) = file.as_mut() else {
            return;
        };
        // Where the last whole line ends, to cut a torn one back to.
        let mut whole = handle.metadata().map(|meta| meta.len());
        if let (Some(max), Ok(size)) = (self.max, &whole) {
            if *size > 0 && size.saturating_add(line.len() as u64) > max {
                match self.rotate(handle, path, *size, max) {
                    Ok(fresh) => {
                        *handle = fresh;
                        // Empty, unless another process rotated it first.
                        whole = handle.metadata().map(|meta| meta.len());
                    }
                    Err(Rotation::Kept) => {}
                    Err(Rotation::Lost(err)) => {
                        *file = None;
                        self.lost.fetch_add(1, Ordering::Relaxed);
                        self.report(&err);
                        return;
                    }
                }
            }
        }
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

    /// Renames the journal at `path` (`size` bytes, cap `max`; open as
    /// `current`) to `<path>.1` and opens a fresh one. `Kept`: the rename
    /// failed (reported once), keep writing the current file. `Lost`:
    /// renamed, but the fresh file cannot be opened.
    ///
    /// When `path` is no longer `current` (another process, such as the
    /// daemon beside a one-shot `inject`, rotated it meanwhile), the file
    /// at `path` is only opened: renaming it would push the other
    /// process's fresh journal over the `.1`.
    fn rotate(&self, current: &File, path: &Path, size: u64, max: u64) -> Result<File, Rotation> {
        if !is_same_file(current, path) {
            return open_for_appending(path).map_err(Rotation::Lost);
        }
        let rotated = rotated_path(path);
        if let Err(err) = std::fs::rename(path, &rotated) {
            if !self.rotation_failed.swap(true, Ordering::Relaxed) {
                error!(
                    journal = %path.display(),
                    rotated = %rotated.display(),
                    error = %err,
                    "cannot rotate the journal {} to {}: it keeps growing past its cap of {} \
                     (reported once)",
                    path.display(),
                    rotated.display(),
                    format_size(max)
                );
            }
            return Err(Rotation::Kept);
        }
        self.rotation_failed.store(false, Ordering::Relaxed);
        warn!(
            journal = %path.display(),
            rotated = %rotated.display(),
            size,
            max,
            "the journal {} reached {} ({size} bytes; cap {}): renamed to {} (replacing any \
             older one) and a fresh {} started",
            path.display(),
            format_size(size),
            format_size(max),
            rotated.display(),
            path.display()
        );
        open_for_appending(path).map_err(Rotation::Lost)
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

/// Why [`Journal::rotate`] gave no fresh file.
enum Rotation {
    /// Not renamed: the current file is still the journal.
    Kept,
    /// Renamed, but the fresh file cannot be opened.
    Lost(std::io::Error),
}

/// `file` is the file at `path` now (same device and inode).
fn is_same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// Opens `path` for appending, creating it if needed.
fn open_for_appending(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

#[cfg(test)]
mod tests;
