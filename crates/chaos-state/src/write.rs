//! Atomic replacement of a state file.
//!
//! A reader racing the writer must see the old content or the new one, never
//! a partial or empty file. So the new content goes to a temporary file in the
//! same directory, is fsync'd, renamed over the state file (which replaces a
//! symlink at that path rather than writing through it), and the directory is
//! fsync'd so the rename survives a power cut.
//!
//! Only a regular file (or a symlink, which the rename replaces) is ever
//! replaced: a device, a FIFO or a socket at the path is refused, so a
//! misconfigured path such as `/dev/null` is never swapped for a file.

use std::fs::{File, Permissions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
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

/// Replaces the file at `path` with `record`, atomically (see module docs).
/// The new file is readable by everyone (mode 0644 before the umask), so
/// target apps running as another user can read it.
pub fn write_atomic(path: &Path, record: &StateRecord) -> Result<(), WriteError> {
    write_bytes_atomic(path, &record.to_json_line())
}

/// Replaces the file at `path` with `bytes`, atomically.
pub fn write_bytes_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let file_name = path
        .file_name()
        .ok_or_else(|| WriteError::NotAFilePath(path.to_owned()))?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
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
        .permissions(Permissions::from_mode(0o644))
        .tempfile_in(dir)
        .map_err(temporary_error)?;
    temporary.write_all(bytes).map_err(temporary_error)?;
    temporary.as_file().sync_all().map_err(temporary_error)?;
    // On failure `persist` hands the temporary file back, and dropping it
    // removes it, so a failed rename leaves no litter behind.
    temporary.persist(path).map_err(|err| WriteError::Rename {
        path: path.to_owned(),
        source: err.error,
    })?;
    // The rename is done; syncing the directory makes it durable. A file
    // system that cannot fsync a directory is not a reason to report failure.
    if let Ok(dir_handle) = File::open(dir) {
        let _ = dir_handle.sync_all();
    }
    Ok(())
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
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
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
}
