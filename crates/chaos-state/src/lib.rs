//! The chaos-engine state-file protocol, version 1.
//!
//! One small JSON file per target service says which failure that service
//! should act out. The engine writes it; the target's request middleware
//! reads it. This crate owns the three pieces both sides share and nothing
//! else (no scheduling, no actors, no configuration):
//!
//! - [`record`]: the [`StateRecord`] JSON shape, the built-in modes and the
//!   clear reasons;
//! - [`write`]: [`write_atomic`], the only correct way to replace a state file
//!   (temporary file in the same directory, then a rename), with
//!   [`sync_directories`] to make a batch of writes durable at once and
//!   [`write_atomic_durable`] for a single write that must be on disk
//!   ([`write_bytes_atomic`] and [`write_bytes_atomic_with_mode`] write
//!   any bytes the same way);
//! - [`read`]: [`read_state`], which never fails on bad content, never
//!   blocks on what stands at the path (a FIFO, a device) and reads at most
//!   64 KiB, and tells a healthy file, a missing one and an unreadable one
//!   apart;
//! - [`cached`]: [`CachedReader`], the reader for a target app's request
//!   path: about one `stat` per request, re-parsing only when the file
//!   changed, expiry checked at every call;
//! - [`file_kind`]: the words for what stands at a path (`a FIFO`, ...).
//!
//! ```
//! use chaos_state::{read_state, write_atomic, ClearReason, StateRecord};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("failure_state.json");
//! let healthy = StateRecord::healthy("target-app", ClearReason::Startup, 1_704_617_310.5);
//! write_atomic(&path, &healthy)?;
//! let seen = read_state(&path);
//! assert!(!seen.is_failing_at(1_704_617_311.0));
//! # Ok(())
//! # }
//! ```

pub mod cached;
pub mod file_kind;
pub mod read;
pub mod record;
pub mod write;

pub use cached::CachedReader;
pub use read::{parse_state, read_state, ReadOutcome, MAX_STATE_FILE_BYTES};
pub use record::{modes, ClearReason, FailureSpec, StateRecord, CLEARED_BY, INJECTED_BY};
pub use write::{
    parent_dir, remove_stale_temporaries, sync_directories, write_atomic, write_atomic_durable,
    write_bytes_atomic, write_bytes_atomic_with_mode, Durability, WriteError,
};
