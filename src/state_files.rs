//! The engine's state-file writes, and when they reach the disk.
//!
//! Every write replaces the file atomically (a temporary file and a rename,
//! see `chaos_state::write`) and none waits for the disk:
//!
//! - a target's routine writes (an injection, the clear at the end of the
//!   recovery, a pause or a clear by hand) are made at once, on the actor's
//!   thread, by [`StateFiles::write_now`]: tens of microseconds;
//! - the bulk writes, every target healthy at start and again at shutdown,
//!   are queued by [`StateFiles::write_queued`] and written in batches of at
//!   most [`BATCH`] by one worker on the blocking pool, in the order they
//!   were queued, so that thousands of them never stall the schedule; each
//!   target waits for its own.
//!
//! A small fleet (at most [`SMALL_FLEET`] state-file targets) makes its
//! bulk writes and its syncs on the actor's thread too: a few writes take
//! less than a millisecond, and no worker thread (with its own stack and
//! allocator arena) is started for them.
//!
//! Every directory written is remembered, and the remembered ones are synced
//! (one `syncfs` per file system) a second after the first write that found
//! none pending, so at most once a second, and at once by
//! [`StateFiles::sync`], which the drain calls before the engine exits.
//! After a power loss the engine's startup clear rewrites every file and
//! `expires_at` ends any old failure, so nothing depends on a single write
//! being on disk.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chaos_state::{parent_dir, sync_directories, write_atomic, StateRecord, WriteError};
use tokio::sync::{oneshot, Notify};
use tracing::warn;

/// How many queued writes the worker takes at a time.
pub const BATCH: usize = 64;

/// How long after a write its directory is synced, at the latest: syncs
/// happen at most this often.
pub const SYNC_PERIOD: Duration = Duration::from_secs(1);

/// Up to this many state-file targets, everything is written and synced
/// on the actor's thread.
pub const SMALL_FLEET: usize = 64;

/// The engine's state-file writer (see the module docs). Cheap to clone:
/// every clone shares one queue and one set of directories to sync.
#[derive(Clone, Default)]
pub struct StateFiles {
    shared: Arc<Mutex<Shared>>,
    /// Bulk writes and syncs on the calling thread (a small fleet).
    on_this_thread: bool,
}

impl std::fmt::Debug for StateFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StateFiles")
    }
}

#[derive(Default)]
struct Shared {
    /// Writes waiting for the worker.
    queue: VecDeque<QueuedWrite>,
    /// Whether a worker is working through `queue`.
    worker_busy: bool,
    /// Directories written since the last sync.
    unsynced: HashSet<PathBuf>,
    /// Whether a sync of `unsynced` is planned.
    sync_planned: bool,
    /// Told each time the queue gets shorter (see
    /// [`StateFiles::backlog_at_most`]).
    progress: Arc<Notify>,
}

struct QueuedWrite {
    path: PathBuf,
    record: StateRecord,
    done: oneshot::Sender<Result<Duration, WriteError>>,
}

impl StateFiles {
    /// A writer with nothing queued and nothing to sync, with a worker for
    /// its bulk writes and syncs.
    pub fn new() -> Self {
        StateFiles::default()
    }

    /// The writer for a fleet of `state_file_targets`: on the actor's
    /// thread for a small one (see [`SMALL_FLEET`]), with a worker otherwise.
    pub fn for_fleet(state_file_targets: usize) -> Self {
        StateFiles {
            on_this_thread: state_file_targets <= SMALL_FLEET,
            ..StateFiles::default()
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        lock(&self.shared)
    }

    /// Replaces `path` with `record` now, on this thread; answers how long
    /// it took. Its directory is synced within [`SYNC_PERIOD`].
    pub fn write_now(&self, path: &Path, record: &StateRecord) -> Result<Duration, WriteError> {
        let started = Instant::now();
        write_atomic(path, record)?;
        let took = started.elapsed();
        remember_unsynced(&self.shared, [parent_dir(path)], self.on_this_thread);
        Ok(took)
    }

    /// Queues `record` for `path`; the future answers once it is written
    /// (how long the write itself took). The write is queued at once, in
    /// call order, whether or not the future is polled.
    pub fn write_queued(
        &self,
        path: PathBuf,
        record: StateRecord,
    ) -> impl Future<Output = Result<Duration, WriteError>> + 'static {
        let (done, answer) = oneshot::channel();
        if self.on_this_thread {
            let _ = done.send(self.write_now(&path, &record));
            return futures_util::future::Either::Left(async move { answer_of(answer).await });
        }
        let start_worker = {
            let mut shared = self.lock();
            shared.queue.push_back(QueuedWrite { path, record, done });
            !std::mem::replace(&mut shared.worker_busy, true)
        };
        if start_worker {
            let shared = Arc::clone(&self.shared);
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn_blocking(move || work_through_queue(&shared));
                }
                // No runtime to lend a thread (a plain test): write here.
                Err(_) => work_through_queue(&shared),
            }
        }
        futures_util::future::Either::Right(async move { answer_of(answer).await })
    }

    /// Syncs every directory written since the last sync, now; answers
    /// those that could not be synced, with the OS error.
    pub async fn sync(&self) -> Vec<(PathBuf, std::io::Error)> {
        sync_unsynced(Arc::clone(&self.shared), self.on_this_thread).await
    }

    /// Resolves once at most `limit` writes wait in the queue: a caller
    /// that queues writes in bulk paces itself with it, so that the writes
    /// waiting in memory stay bounded however slow the disk.
    pub async fn backlog_at_most(&self, limit: usize) {
        let progress = Arc::clone(&self.lock().progress);
        loop {
            // Registered before the check, so that no progress is missed.
            let mut progressed = std::pin::pin!(progress.notified());
            progressed.as_mut().enable();
            if self.lock().queue.len() <= limit {
                return;
            }
            progressed.await;
        }
    }

    /// Whether anything written is not synced yet.
    pub fn has_unsynced(&self) -> bool {
        !self.lock().unsynced.is_empty()
    }
}

/// The outcome a write's sender answered.
async fn answer_of(
    answer: oneshot::Receiver<Result<Duration, WriteError>>,
) -> Result<Duration, WriteError> {
    answer.await.unwrap_or_else(|_| {
        Err(WriteError::Temporary {
            dir: PathBuf::from("."),
            source: std::io::Error::other("the state-file writer stopped"),
        })
    })
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // The lock is held only for plain data updates that cannot panic, so a
    // poisoned lock still holds consistent data.
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The worker: writes the queue in batches of at most [`BATCH`] until it
/// is empty, answering each write.
fn work_through_queue(shared: &Arc<Mutex<Shared>>) {
    loop {
        let batch: Vec<QueuedWrite> = {
            let mut guard = lock(shared);
            if guard.queue.is_empty() {
                guard.progress.notify_waiters();
                guard.worker_busy = false;
                // The buffer grew to the largest burst (every target's
                // clear at start); give it back rather than hold it all run.
                guard.queue = VecDeque::new();
                return;
            }
            let take = guard.queue.len().min(BATCH);
            let batch = guard.queue.drain(..take).collect();
            guard.progress.notify_waiters();
            batch
        };
        let mut written_dirs: Vec<&Path> = Vec::new();
        let mut answers = Vec::with_capacity(batch.len());
        for write in &batch {
            let started = Instant::now();
            let outcome = write_atomic(&write.path, &write.record).map(|()| started.elapsed());
            let dir = parent_dir(&write.path);
            if outcome.is_ok() && !written_dirs.contains(&dir) {
                written_dirs.push(dir);
            }
            answers.push(outcome);
        }
        remember_unsynced(shared, written_dirs, false);
        for (write, outcome) in batch.into_iter().zip(answers) {
            // The target may have stopped waiting (its actor stopped).
            let _ = write.done.send(outcome);
        }
    }
}

/// Adds `dirs` to the directories to sync, and plans a sync
/// [`SYNC_PERIOD`] from now if none is planned (only inside a runtime: a
/// plain test syncs by hand). `on_this_thread`: the sync runs on the
/// runtime's thread instead of the blocking pool.
fn remember_unsynced<'a>(
    shared: &Arc<Mutex<Shared>>,
    dirs: impl IntoIterator<Item = &'a Path>,
    on_this_thread: bool,
) {
    let plan = {
        let mut guard = lock(shared);
        for dir in dirs {
            if !guard.unsynced.contains(dir) {
                guard.unsynced.insert(dir.to_owned());
            }
        }
        !guard.unsynced.is_empty() && !std::mem::replace(&mut guard.sync_planned, true)
    };
    if !plan {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        lock(shared).sync_planned = false;
        return;
    };
    let shared = Arc::clone(shared);
    runtime.spawn(async move {
        tokio::time::sleep(SYNC_PERIOD).await;
        log_sync_failures(sync_unsynced(shared, on_this_thread).await);
    });
}

/// Logs each directory that could not be synced (readers already see its
/// files; only their durability is in doubt).
pub fn log_sync_failures(failures: Vec<(PathBuf, std::io::Error)>) {
    for (dir, err) in failures {
        warn!(
            dir = %dir.display(), error = %err,
            "cannot sync the state files in {}: {err}", dir.display()
        );
    }
}

/// Syncs the directories written since the last sync (on the blocking
/// pool, unless `on_this_thread`); answers those that failed.
async fn sync_unsynced(
    shared: Arc<Mutex<Shared>>,
    on_this_thread: bool,
) -> Vec<(PathBuf, std::io::Error)> {
    let dirs = {
        let mut guard = lock(&shared);
        guard.sync_planned = false;
        std::mem::take(&mut guard.unsynced)
    };
    if dirs.is_empty() {
        return Vec::new();
    }
    if on_this_thread {
        return sync_directories(dirs.iter().map(PathBuf::as_path));
    }
    let synced =
        tokio::task::spawn_blocking(move || sync_directories(dirs.iter().map(PathBuf::as_path)))
            .await;
    synced.unwrap_or_else(|err| {
        vec![(
            PathBuf::from("."),
            std::io::Error::other(format!("the sync did not finish: {err}")),
        )]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chaos_state::{read_state, ClearReason, ReadOutcome};

    fn healthy(reason: ClearReason) -> StateRecord {
        StateRecord::healthy("app", reason, 1.0)
    }

    fn reason_in(path: &Path) -> Option<String> {
        match read_state(path) {
            ReadOutcome::Record(record) => record.reason,
            _ => None,
        }
    }

    #[actix_rt::test]
    async fn a_bulk_writer_waits_until_the_backlog_is_down_to_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let files = StateFiles::new();
        let pending: Vec<_> = (0..BATCH * 6)
            .map(|i| {
                let path = dir.path().join(format!("t{i}.json"));
                files.write_queued(path, healthy(ClearReason::Startup))
            })
            .collect();
        files.backlog_at_most(BATCH * 2).await;
        assert!(files.lock().queue.len() <= BATCH * 2);
        files.backlog_at_most(0).await;
        assert_eq!(files.lock().queue.len(), 0);
        for written in futures_util::future::join_all(pending).await {
            written.unwrap();
        }
        // Nothing queued: it answers at once.
        files.backlog_at_most(0).await;
    }

    #[actix_rt::test]
    async fn queued_writes_are_written_in_order_and_answered_each() {
        let dir = tempfile::tempdir().unwrap();
        let files = StateFiles::new();
        let paths: Vec<PathBuf> = (0..BATCH * 2 + 3)
            .map(|i| dir.path().join(format!("t{i}.json")))
            .collect();
        let pending: Vec<_> = paths
            .iter()
            .map(|path| files.write_queued(path.clone(), healthy(ClearReason::Startup)))
            .collect();
        // A later write to the same file lands after the earlier one.
        let last = files.write_queued(paths[0].clone(), healthy(ClearReason::Shutdown));
        for written in futures_util::future::join_all(pending).await {
            written.unwrap();
        }
        last.await.unwrap();
        assert_eq!(reason_in(&paths[0]).as_deref(), Some("shutdown"));
        assert!(paths[1..]
            .iter()
            .all(|p| reason_in(p).as_deref() == Some("startup")));
        assert!(files.has_unsynced());
        assert!(files.sync().await.is_empty());
        assert!(!files.has_unsynced());
        assert!(files.sync().await.is_empty(), "nothing left to sync");
    }

    #[actix_rt::test]
    async fn a_failed_queued_write_is_answered_with_its_error_and_not_synced() {
        let files = StateFiles::new();
        let missing = PathBuf::from("/nonexistent-chaos-dir/state.json");
        let err = files
            .write_queued(missing, healthy(ClearReason::Startup))
            .await
            .unwrap_err();
        assert!(matches!(err, WriteError::Temporary { .. }), "{err}");
        assert!(!files.has_unsynced());
    }

    #[actix_rt::test]
    async fn a_write_now_is_synced_by_itself_within_the_period() {
        tokio::time::pause();
        let dir = tempfile::tempdir().unwrap();
        let files = StateFiles::new();
        files
            .write_now(&dir.path().join("s.json"), &healthy(ClearReason::Recovery))
            .unwrap();
        assert!(files.has_unsynced());
        tokio::time::sleep(SYNC_PERIOD).await;
        // The planned sync runs on the blocking pool; wait for it to end.
        for _ in 0..1000 {
            if !files.has_unsynced() && !lock(&files.shared).sync_planned {
                break;
            }
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert!(!files.has_unsynced());
    }

    #[test]
    fn without_a_runtime_a_queued_write_is_made_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let files = StateFiles::new();
        let written = files.write_queued(path.clone(), healthy(ClearReason::Startup));
        assert_eq!(reason_in(&path).as_deref(), Some("startup"));
        assert!(futures_util::FutureExt::now_or_never(written)
            .unwrap()
            .is_ok());
    }

    #[actix_rt::test]
    async fn a_small_fleet_writes_and_syncs_on_its_own_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let files = StateFiles::for_fleet(1);
        let written = files.write_queued(path.clone(), healthy(ClearReason::Startup));
        // Written before the future is even polled: no worker involved.
        assert_eq!(reason_in(&path).as_deref(), Some("startup"));
        written.await.unwrap();
        assert!(files.has_unsynced());
        assert!(files.sync().await.is_empty());
        assert!(!files.has_unsynced());
        assert!(!StateFiles::for_fleet(SMALL_FLEET + 1).on_this_thread);
    }
}
