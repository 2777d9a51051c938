//! A state-file reader for the request hot path.
//!
//! [`CachedReader`] costs one `stat` per call while the file is unchanged:
//! it re-reads and re-parses only when the file's identity or metadata
//! (device, inode, size, modification and change times) differ from the
//! last read. The engine replaces the file by rename, which gives it a new
//! inode, so every write is noticed. Expiry is checked at each call, not
//! cached, because time passes while the file stays the same.
//!
//! ```
//! use chaos_state::{write_atomic, CachedReader, ClearReason, FailureSpec, StateRecord};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("failure_state.json");
//! let reader = CachedReader::new(&path);
//! assert!(reader.failure_at(100.0).is_none(), "a missing file is healthy");
//!
//! let failure = StateRecord::failure(&FailureSpec {
//!     target: "target-app", scenario: "SLOWDOWN", mode: "slow", delay: 12,
//!     id: "0b9c6f3e", timestamp: 100.0, expires_at: 130.0,
//! });
//! write_atomic(&path, &failure)?;
//! let active = reader.failure_at(101.0).ok_or("the failure should be seen")?;
//! assert_eq!((active.mode.as_str(), active.delay), ("slow", 12));
//! assert!(reader.failure_at(131.0).is_none(), "expired: the dead-man's switch");
//! # Ok(())
//! # }
//! ```

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::read::{read_state, ReadOutcome};
use crate::record::StateRecord;

/// What identifies one version of the file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileVersion {
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
}

impl FileVersion {
    fn of(path: &Path) -> Option<Self> {
        let meta = std::fs::metadata(path).ok()?;
        Some(FileVersion {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            ctime_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
        })
    }
}

#[derive(Debug)]
struct Cached {
    /// When the file was last looked at (stat'ed).
    checked_at: Instant,
    /// `None`: the file was missing (or could not be stat'ed).
    version: Option<FileVersion>,
    outcome: Arc<ReadOutcome>,
    /// The record, shared so the hot path hands out a pointer, not a copy.
    record: Option<Arc<StateRecord>>,
}

/// Reads one state file, re-parsing only when it changed. Shareable across
/// threads (`Arc<CachedReader>`); never panics, whatever the file holds.
#[derive(Debug)]
pub struct CachedReader {
    path: PathBuf,
    /// Trust the cache without a `stat` for this long (zero: every call).
    recheck_after: Duration,
    cache: Mutex<Option<Cached>>,
    /// File accesses (`stat` or read) under way now.
    accesses_in_flight: AtomicUsize,
    /// When an access last started from idle or last finished (ms since
    /// `created`): with accesses in flight, the time since then is how
    /// long they have been stuck.
    last_progress_ms: AtomicU64,
    created: Instant,
}

/// One file access, counted while it lasts.
struct Access<'a>(&'a CachedReader);

impl<'a> Access<'a> {
    fn begin(reader: &'a CachedReader) -> Self {
        if reader.accesses_in_flight.fetch_add(1, Ordering::AcqRel) == 0 {
            reader.mark_progress();
        }
        Access(reader)
    }
}

impl Drop for Access<'_> {
    fn drop(&mut self) {
        self.0.mark_progress();
        self.0.accesses_in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl CachedReader {
    /// A reader of the state file at `path` that looks at the file (one
    /// `stat`) on every call; reads nothing yet.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self::with_recheck_after(path, Duration::ZERO)
    }

    /// A reader that trusts its cache for `recheck_after` before looking at
    /// the file again: a change is noticed at most that late, and calls in
    /// between cost no system call at all. For very hot request paths.
    pub fn with_recheck_after(path: impl Into<PathBuf>, recheck_after: Duration) -> Self {
        CachedReader {
            path: path.into(),
            recheck_after,
            cache: Mutex::new(None),
            accesses_in_flight: AtomicUsize::new(0),
            last_progress_ms: AtomicU64::new(0),
            created: Instant::now(),
        }
    }

    fn mark_progress(&self) {
        let now = u64::try_from(self.created.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_progress_ms.store(now, Ordering::Release);
    }

    /// How long file accesses have been under way without one finishing,
    /// or `None` when none is. Reads never wait on another process, but a
    /// file system can hang (a lost network mount): a health check can
    /// say so instead of answering "healthy" while requests hang.
    pub fn stuck_for(&self) -> Option<Duration> {
        if self.accesses_in_flight.load(Ordering::Acquire) == 0 {
            return None;
        }
        let since = Duration::from_millis(self.last_progress_ms.load(Ordering::Acquire));
        Some(self.created.elapsed().saturating_sub(since))
    }

    /// The path read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's current content: cached while the file is unchanged.
    pub fn read(&self) -> Arc<ReadOutcome> {
        self.with_current(|cached| Arc::clone(&cached.outcome))
    }

    /// The failure a target should act out at `now` (seconds since the
    /// epoch), or `None` when the file is missing, empty, unparsable,
    /// healthy or expired.
    pub fn failure_at(&self, now: f64) -> Option<Arc<StateRecord>> {
        self.with_current(|cached| cached.record.clone())
            .filter(|record| record.is_failing_at(now))
    }

    /// Runs `f` on the cache entry for the file as it is now, re-reading it
    /// first if it changed since the last call.
    fn with_current<T>(&self, f: impl FnOnce(&Cached) -> T) -> T {
        // A poisoned lock only means another thread panicked while holding
        // it; the entry is either complete or replaced below, so reuse it.
        let lock = || self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let known_version = {
            let cache = lock();
            match cache.as_ref() {
                Some(cached)
                    if !self.recheck_after.is_zero()
                        && now.duration_since(cached.checked_at) < self.recheck_after =>
                {
                    return f(cached);
                }
                Some(cached) => Some(cached.version),
                None => None,
            }
        };
        // The file system is asked without the lock held, so that no
        // request waits on another one's `stat` or read.
        let access = Access::begin(self);
        let version = FileVersion::of(&self.path);
        if known_version == Some(version) {
            let mut cache = lock();
            if let Some(cached) = cache.as_mut().filter(|cached| cached.version == version) {
                drop(access);
                cached.checked_at = now;
                return f(cached);
            }
        }
        let outcome = match version {
            None => ReadOutcome::Missing,
            Some(_) => read_state(&self.path),
        };
        drop(access);
        let record = outcome.record().cloned().map(Arc::new);
        // If the file changed between the stat and the read, the next call
        // sees a different version and reads again.
        let mut cache = lock();
        let fresh = cache.insert(Cached {
            checked_at: now,
            version,
            outcome: Arc::new(outcome),
            record,
        });
        f(fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_access_under_way_counts_as_stuck_until_it_returns() {
        let reader = CachedReader::new("/nonexistent/state.json");
        assert_eq!(reader.stuck_for(), None);
        let access = Access::begin(&reader);
        std::thread::sleep(Duration::from_millis(30));
        assert!(reader
            .stuck_for()
            .is_some_and(|d| d >= Duration::from_millis(30)));
        drop(access);
        assert_eq!(reader.stuck_for(), None);
        assert!(reader.failure_at(0.0).is_none());
        assert_eq!(
            reader.stuck_for(),
            None,
            "a finished read leaves nothing in flight"
        );
    }
    use crate::record::{ClearReason, FailureSpec};
    use crate::write::write_atomic;

    fn failure(mode: &str, delay: u64, expires_at: f64) -> StateRecord {
        StateRecord::failure(&FailureSpec {
            target: "t",
            scenario: "S",
            mode,
            delay,
            id: "id",
            timestamp: 0.0,
            expires_at,
        })
    }

    #[test]
    fn sees_every_atomic_replacement() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let reader = CachedReader::new(&path);
        for round in 0..50u64 {
            write_atomic(&path, &failure("slow", round, 1e12)).unwrap();
            assert_eq!(reader.failure_at(1.0).unwrap().delay, round);
            write_atomic(
                &path,
                &StateRecord::healthy("t", ClearReason::Recovery, 1.0),
            )
            .unwrap();
            assert!(reader.failure_at(1.0).is_none());
        }
    }

    #[test]
    fn unchanged_file_is_served_from_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        write_atomic(&path, &failure("crash", 0, 1e12)).unwrap();
        let reader = CachedReader::new(&path);
        let first = reader.read();
        let second = reader.read();
        assert!(Arc::ptr_eq(&first, &second), "re-parsed an unchanged file");
    }

    #[test]
    fn in_place_rewrite_with_a_new_size_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, r#"{"mode":"crash"}"#).unwrap();
        let reader = CachedReader::new(&path);
        assert_eq!(reader.failure_at(0.0).unwrap().mode, "crash");
        std::fs::write(&path, r#"{"mode":"healthy","delay":0}"#).unwrap();
        assert!(reader.failure_at(0.0).is_none());
    }

    #[test]
    fn a_recheck_window_serves_the_cache_then_looks_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        write_atomic(&path, &failure("crash", 0, 1e12)).unwrap();
        // A window no loaded machine outlasts between two calls, and one
        // that is over after any sleep.
        let trusting = CachedReader::with_recheck_after(&path, Duration::from_secs(3600));
        let looking = CachedReader::with_recheck_after(&path, Duration::from_millis(1));
        assert!(trusting.failure_at(0.0).is_some());
        assert!(looking.failure_at(0.0).is_some());
        write_atomic(
            &path,
            &StateRecord::healthy("t", ClearReason::Recovery, 1.0),
        )
        .unwrap();
        assert!(
            trusting.failure_at(0.0).is_some(),
            "inside the window the cache is trusted"
        );
        std::thread::sleep(Duration::from_millis(20));
        assert!(
            looking.failure_at(0.0).is_none(),
            "after the window the change is seen"
        );
    }

    #[test]
    fn missing_garbage_and_expired_are_healthy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let reader = CachedReader::new(&path);
        assert!(reader.failure_at(0.0).is_none());
        std::fs::write(&path, b"\xff\xfe not json").unwrap();
        assert!(reader.failure_at(0.0).is_none());
        write_atomic(&path, &failure("config_error", 0, 10.0)).unwrap();
        assert!(reader.failure_at(9.0).is_some());
        assert!(reader.failure_at(10.0).is_none());
        std::fs::remove_file(&path).unwrap();
        assert!(reader.failure_at(0.0).is_none());
    }
}
