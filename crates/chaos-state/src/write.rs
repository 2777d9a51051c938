//! Atomic replacement of a state file.
//!
//! A reader racing the writer must see the old content or the new one, never
//! a partial or empty file. So the new content goes to a temporary file in the
//! same directory and is renamed over the state file (which replaces a
//! symlink at that path rather than writing through it).
//!
//! Durability is a separate step. [`write_atomic`] does not wait for the
//! disk: a daemon writing thousands of files syncs each directory's file
//! system once, afterwards, with [`sync_directories`] (after a power loss
//! the engine's startup clear rewrites every file anyway, and `expires_at`
//! ends any old failure). [`write_atomic_durable`] fsyncs the file before
//! the rename and the directory after it, for a one-shot write a person is
//! waiting on.
//!
//! Only a regular file (or a symlink, which the rename replaces) is ever
//! replaced: a device, a FIFO or a socket at the path is refused, so a
//! misconfigured path such as `/dev/null` is never swapped for a file.

use std::fs::{File, Permissions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::record::StateRecord;

/// A state file could not be replaced. Carries the OS error.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The path has no file name (e.g. `/` or `..`).
    #[error("{0}: not a file path")]
    NotAFilePath(PathBuf),
    /// Something other than a regular file or a symlink is at the path.
    #[error("{path} is {kind}, not a state file: refusing to replace it")]
    NotAFile {
        /// The state file path.
        path: PathBuf,
        /// What is there, e.g. `a FIFO`.
        kind: &'static str,
    },
    /// The temporary file could not be created, written or synced.
    #[error("cannot write a temporary file in {dir}: {source}")]
    Temporary {
        /// The directory that holds the state file.
        dir: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The rename over the state file failed (e.g. a root-owned file in a
    /// sticky directory, or a directory at the path).
    #[error("cannot replace {path}: {source}")]
    Rename {
        /// The state file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// How many random characters the temporary file's name carries.
const TEMPORARY_RANDOM_LEN: usize = 6;

/// A temporary file younger than this may belong to a writer at work.
pub const STALE_TEMPORARY_AGE: std::time::Duration = std::time::Duration::from_secs(10);

/// Whether `entry` is a temporary file [`write_atomic`] made for the state
/// file named `state_name` (`.NAME.XXXXXX.tmp`).
fn is_temporary_of(entry: &[u8], state_name: &[u8]) -> bool {
    let Some(rest) = entry
        .strip_prefix(b".")
        .and_then(|rest| rest.strip_prefix(state_name))
        .and_then(|rest| rest.strip_prefix(b"."))
        .and_then(|rest| rest.strip_suffix(b".tmp"))
    else {
        return false;
    };
    rest.len() == TEMPORARY_RANDOM_LEN && rest.iter().all(u8::is_ascii_alphanumeric)
}

/// Removes the temporary files that a writer killed between creating and
/// renaming them left in `dir` (`.NAME.XXXXXX.tmp`, for each of
/// `state_names`, older than [`STALE_TEMPORARY_AGE`]). Returns how many it
/// removed; nothing else in the directory is touched.
pub fn remove_stale_temporaries(
    dir: &Path,
    state_names: &std::collections::HashSet<std::ffi::OsString>,
) -> std::io::Result<usize> {
    use std::os::unix::ffi::OsStrExt;
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let bytes = name.as_bytes();
        // `.NAME.XXXXXX.tmp`: NAME is what lies between the first dot and
        // the last two.
        let Some(state_name) = bytes
            .get(1..bytes.len().saturating_sub(TEMPORARY_RANDOM_LEN + 5))
            .map(std::ffi::OsStr::from_bytes)
        else {
            continue;
        };
        if !state_names.contains(state_name) || !is_temporary_of(bytes, state_name.as_bytes()) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let old = meta
            .modified()
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age >= STALE_TEMPORARY_AGE);
        if meta.is_file() && old && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

/// Replaces the file at `path` with `record`, atomically (see module docs),
/// without waiting for the disk: see [`sync_directories`].
/// The new file is readable by everyone (mode 0644 before the umask), so
/// target apps running as another user can read it.
pub fn write_atomic(path: &Path, record: &StateRecord) -> Result<(), WriteError> {
    write_bytes_atomic(path, &record.to_json_line(), Durability::Later)
}

/// Replaces the file at `path` with `record`, atomically, and returns once
/// the new content and the rename are on disk (file and directory fsync'd).
pub fn write_atomic_durable(path: &Path, record: &StateRecord) -> Result<(), WriteError> {
    write_bytes_atomic(path, &record.to_json_line(), Durability::Now)
}

/// Whether a write waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fsync the temporary file before the rename and the directory after.
    Now,
    /// Only the rename: the caller syncs later ([`sync_directories`]).
    Later,
}

/// The permissions a new state file is created with, before the umask:
/// readable by everyone, so that target apps running as another user can
/// read it.
pub const STATE_FILE_MODE: u32 = 0o644;

/// Replaces the file at `path` with `bytes`, atomically, the new file
/// created with [`STATE_FILE_MODE`] (before the umask).
pub fn write_bytes_atomic(
    path: &Path,
    bytes: &[u8],
    durability: Durability,
) -> Result<(), WriteError> {
    write_bytes_atomic_with_mode(path, bytes, durability, STATE_FILE_MODE)
}

/// [`write_bytes_atomic`], the new file created with the permissions
/// `mode` before the umask (`0o666` gives what [`std::fs::write`] gives a
/// new file), for files other than state files written the same way.
pub fn write_bytes_atomic_with_mode(
    path: &Path,
    bytes: &[u8],
    durability: Durability,
    mode: u32,
) -> Result<(), WriteError> {
    let file_name = path
        .file_name()
        .ok_or_else(|| WriteError::NotAFilePath(path.to_owned()))?;
    let dir = parent_dir(path);
    if let Ok(existing) = std::fs::symlink_metadata(path) {
        let file_type = existing.file_type();
        if !file_type.is_file() && !file_type.is_symlink() && !file_type.is_dir() {
            return Err(WriteError::NotAFile {
                path: path.to_owned(),
                kind: crate::file_kind::describe(file_type),
            });
        }
    }
    let temporary_error = |source| WriteError::Temporary {
        dir: dir.to_owned(),
        source,
    };

    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(file_name);
    prefix.push(".");
    let mut temporary = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(Permissions::from_mode(mode))
        .tempfile_in(dir)
        .map_err(temporary_error)?;
    temporary.write_all(bytes).map_err(temporary_error)?;
    if durability == Durability::Now {
        temporary.as_file().sync_all().map_err(temporary_error)?;
    }
    // On failure `persist` hands the temporary file back, and dropping it
    // removes it, so a failed rename leaves no litter behind.
    temporary.persist(path).map_err(|err| WriteError::Rename {
        path: path.to_owned(),
        source: err.error,
    })?;
    // The rename is done; syncing the directory makes it durable. A file
    // system that cannot fsync a directory is not a reason to report failure.
    if durability == Durability::Now {
        if let Ok(dir_handle) = File::open(dir) {
            let _ = dir_handle.sync_all();
        }
    }
    Ok(())
}

/// The directory that holds the state file at `path` (`.` for a bare name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Makes every write made so far in `dirs` durable: one `syncfs` per file
/// system the directories are on (each directory is opened, and the first
/// one of each file system is synced). Answers the directories that could
/// not be opened or synced, with the OS error; the others are on disk.
pub fn sync_directories<'a>(
    dirs: impl IntoIterator<Item = &'a Path>,
) -> Vec<(PathBuf, std::io::Error)> {
    let mut synced_devices = Vec::new();
    let mut failed = Vec::new();
    for dir in dirs {
        let synced = File::open(dir).and_then(|handle| {
            let device = handle.metadata()?.dev();
            if !synced_devices.contains(&device) {
                rustix::fs::syncfs(&handle)?;
                synced_devices.push(device);
            }
            Ok(())
        });
        if let Err(err) = synced {
            failed.push((dir.to_owned(), err));
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::ClearReason;
    use std::os::unix::fs::FileTypeExt;

    #[test]
    fn a_fifo_at_the_path_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("state.json");
        crate::file_kind::make_fifo(&fifo);
        let record = StateRecord::healthy("a", ClearReason::Startup, 1.0);
        let err = write_atomic(&fifo, &record).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{} is a FIFO, not a state file: refusing to replace it",
                fifo.display()
            )
        );
        assert!(std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo());
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left");
    }

    #[test]
    fn only_old_temporaries_of_the_named_state_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let old = std::time::SystemTime::now() - STALE_TEMPORARY_AGE * 2;
        let make = |name: &str, age: std::time::SystemTime| {
            let path = dir.path().join(name);
            std::fs::write(&path, b"{").unwrap();
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(age)
                .unwrap();
        };
        make(".app.json.AbC123.tmp", old);
        make(".db.json.zzzzzz.tmp", old);
        make(".app.json.AbC124.tmp", std::time::SystemTime::now()); // a writer at work
        make(".other.json.AbC123.tmp", old); // not one of ours
        make(".app.json.AbC12.tmp", old); // not the pattern
        make("app.json", old);
        let names = ["app.json", "db.json"].map(std::ffi::OsString::from).into();
        assert_eq!(remove_stale_temporaries(dir.path(), &names).unwrap(), 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                ".app.json.AbC12.tmp",
                ".app.json.AbC124.tmp",
                ".other.json.AbC123.tmp",
                "app.json"
            ]
        );
        // The writer's own names match the pattern.
        let mut temporary = tempfile::Builder::new()
            .prefix(".app.json.")
            .suffix(".tmp")
            .tempfile_in(dir.path())
            .unwrap();
        temporary.write_all(b"x").unwrap();
        let name = temporary.path().file_name().unwrap().to_owned();
        assert!(
            is_temporary_of(name.as_encoded_bytes(), b"app.json"),
            "{name:?}"
        );
    }

    #[test]
    fn writes_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        write_atomic(&path, &StateRecord::healthy("a", ClearReason::Startup, 1.0)).unwrap();
        write_atomic(&path, &StateRecord::healthy("a", ClearReason::Manual, 2.0)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(r#""reason":"manual""#), "{text}");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary files left behind");
    }

    #[test]
    fn new_file_is_world_readable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        write_atomic(&path, &StateRecord::healthy("a", ClearReason::Startup, 1.0)).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o044, 0o044, "mode {mode:o}");
    }

    #[test]
    fn a_new_file_takes_the_mode_it_is_given_under_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        let mode_of = |name: &str| {
            std::fs::metadata(dir.path().join(name))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        // 0o666 under the umask is what `std::fs::write` gives a new file.
        std::fs::write(dir.path().join("plain"), b"x").unwrap();
        let path = dir.path().join("like-plain");
        write_bytes_atomic_with_mode(&path, b"x", Durability::Later, 0o666).unwrap();
        assert_eq!(mode_of("like-plain"), mode_of("plain"));
        let path = dir.path().join("private");
        write_bytes_atomic_with_mode(&path, b"x", Durability::Now, 0o600).unwrap();
        assert_eq!(mode_of("private"), 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), b"x");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
    }

    #[test]
    fn replaces_a_symlink_instead_of_writing_through_it() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere.json");
        std::fs::write(&elsewhere, "untouched").unwrap();
        let path = dir.path().join("state.json");
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        write_atomic(&path, &StateRecord::healthy("a", ClearReason::Startup, 1.0)).unwrap();
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "untouched");
        assert!(!std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[test]
    fn a_directory_at_the_path_is_a_rename_error_and_leaves_no_litter() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("keep"), "x").unwrap();
        let err =
            write_atomic(&path, &StateRecord::healthy("a", ClearReason::Startup, 1.0)).unwrap_err();
        assert!(matches!(err, WriteError::Rename { .. }), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_directory_is_a_temporary_file_error() {
        let path = Path::new("/nonexistent-chaos-dir/state.json");
        let err =
            write_atomic(path, &StateRecord::healthy("a", ClearReason::Startup, 1.0)).unwrap_err();
        assert!(matches!(err, WriteError::Temporary { .. }), "{err}");
    }

    #[test]
    fn a_durable_write_replaces_like_any_other_and_leaves_no_litter() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        write_atomic(&path, &StateRecord::healthy("a", ClearReason::Startup, 1.0)).unwrap();
        write_atomic_durable(&path, &StateRecord::healthy("a", ClearReason::Manual, 2.0)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(r#""reason":"manual""#), "{text}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn syncing_directories_names_each_one_that_cannot_be_synced() {
        let one = tempfile::tempdir().unwrap();
        let two = tempfile::tempdir().unwrap();
        write_atomic(
            &one.path().join("a.json"),
            &StateRecord::healthy("a", ClearReason::Startup, 1.0),
        )
        .unwrap();
        let missing = Path::new("/nonexistent-chaos-dir");
        let failed = sync_directories([one.path(), two.path(), missing, one.path()]);
        assert_eq!(failed.len(), 1, "{failed:?}");
        assert_eq!(failed[0].0, missing);
        assert_eq!(failed[0].1.kind(), std::io::ErrorKind::NotFound);
        assert!(sync_directories([]).is_empty());
    }

    #[test]
    fn the_directory_of_a_bare_file_name_is_the_current_one() {
        assert_eq!(parent_dir(Path::new("state.json")), Path::new("."));
        assert_eq!(parent_dir(Path::new("/tmp/s.json")), Path::new("/tmp"));
    }
}
