//! Checks on the paths the engine will write (state files, the journal)
//! and how two spellings of one path are recognised as the same file.
//! Reads the file system; never creates or changes a state file.

use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

/// The longest file name Linux file systems take, in bytes.
const NAME_MAX: usize = 255;
/// What the atomic writer's temporary file adds to the state file's name:
/// `.` before it, `.XXXXXX.tmp` after.
const TEMPORARY_NAME_EXTRA: usize = 1 + 7 + 4;

/// What was found out about each state directory, so that a fleet whose
/// state files share a directory checks it (and makes its probe file) once,
/// not once per target.
#[derive(Debug, Default)]
pub struct StateDirectories {
    /// A directory as written → whether it exists and is writable (the
    /// error message if not).
    checked: HashMap<PathBuf, Result<(), String>>,
    /// A directory as written (absolute, `.`/`..` resolved) → its
    /// canonical path.
    canonical: HashMap<PathBuf, PathBuf>,
}

/// The state file's directory must exist and (unless `check_writable` is
/// false) let this process replace the file; the path must not be a
/// directory. Never creates or changes the state file itself. What is
/// found about the directory is kept in `dirs` for the next file in it.
pub fn check_state_file(
    path: &Path,
    check_writable: bool,
    dirs: &mut StateDirectories,
) -> Result<(), String> {
    let fail = |message: String| Err(message);
    let bytes = path.as_os_str().as_bytes();
    if bytes.is_empty() || path.file_name().is_none() || bytes.ends_with(b"/") {
        return fail(format!("`{}` is not a file path", path.display()));
    }
    if bytes.contains(&0) {
        return fail(format!(
            "`{}` contains a NUL byte, which no file name can hold",
            path.display()
        ));
    }
    // The writer's temporary file is `.NAME.XXXXXX.tmp` in the same
    // directory: it must fit in a file name too.
    let name_length = path.file_name().map_or(0, |name| name.len());
    if name_length + TEMPORARY_NAME_EXTRA > NAME_MAX {
        return fail(format!(
            "the file name is {name_length} bytes; with the {TEMPORARY_NAME_EXTRA} bytes its \
             temporary file adds it passes the {NAME_MAX}-byte limit on a file name"
        ));
    }
    // One look at the path serves every check below (thousands of targets
    // are loaded at once).
    let existing = std::fs::symlink_metadata(path).ok();
    let is_dir = existing
        .as_ref()
        .is_some_and(|meta| meta.is_dir() || (meta.file_type().is_symlink() && path.is_dir()));
    if is_dir {
        return fail(format!("{} is a directory, not a file", path.display()));
    }
    // A device, FIFO or socket would be swapped for a regular file by the
    // first write (as root, `/dev/null` itself). A symlink is fine: the
    // rename replaces the link, never what it points to.
    if let Some(existing) = &existing {
        let file_type = existing.file_type();
        if !file_type.is_file() && !file_type.is_symlink() {
            return fail(format!(
                "{} is {}, not a regular file; a state file must be a regular file \
                 (or not exist yet)",
                path.display(),
                chaos_state::file_kind::describe(file_type)
            ));
        }
    }
    let dir = chaos_state::parent_dir(path);
    if !dirs.checked.contains_key(dir) {
        let checked = check_directory(dir, check_writable);
        dirs.checked.insert(dir.to_owned(), checked);
    }
    if let Some(Err(message)) = dirs.checked.get(dir) {
        return fail(message.clone());
    }
    if !check_writable {
        return Ok(());
    }
    // In a sticky directory (such as /tmp) only a file's owner or root may
    // rename over it, so an existing file owned by someone else would fail
    // every atomic write.
    if let Some(existing) = existing {
        let sticky =
            std::fs::metadata(dir).is_ok_and(|meta| meta.permissions().mode() & 0o1000 != 0);
        let me = rustix::process::geteuid();
        if sticky && !me.is_root() && existing.uid() != me.as_raw() {
            return fail(format!(
                "{} belongs to uid {} in the sticky directory {}: this process (uid {}) cannot replace it; \
                 run as its owner or root, or use a non-sticky directory",
                path.display(),
                existing.uid(),
                dir.display(),
                me.as_raw()
            ));
        }
    }
    Ok(())
}

/// A state directory must exist and (with `check_writable`) take a new
/// file from this process.
fn check_directory(dir: &Path, check_writable: bool) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("directory {} does not exist", dir.display()))
        }
        Err(err) => return Err(format!("directory {}: {err}", dir.display())),
        Ok(meta) if !meta.is_dir() => return Err(format!("{} is not a directory", dir.display())),
        Ok(_) => {}
    }
    if !check_writable {
        return Ok(());
    }
    // Prove it the way the writer will do it: create a temporary file in the
    // directory (removed at once). Permission bits alone do not tell, e.g.
    // for root on /proc or a read-only mount.
    if let Err(err) = tempfile::Builder::new()
        .prefix(".chaos-engine-probe.")
        .tempfile_in(dir)
    {
        // The error names the random probe file; report only the OS error.
        let os_error = err.raw_os_error().map_or_else(
            || std::io::Error::from(err.kind()),
            std::io::Error::from_raw_os_error,
        );
        return Err(format!(
            "directory {} is not writable: {os_error}",
            dir.display()
        ));
    }
    Ok(())
}

/// The journal is appended to: its directory must exist and it must not be
/// a directory. Opening it (which creates it) is left to the run.
pub fn check_journal(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!("{} is a directory, not a file", path.display()));
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(format!("directory {} does not exist", dir.display()));
    }
    Ok(())
}

/// A path two spellings of one file map to: absolute, `.`/`..` resolved,
/// with the directory's symlinks resolved when it exists.
pub fn comparable_path(path: &Path) -> PathBuf {
    comparable_path_in(path, &mut StateDirectories::default())
}

/// [`comparable_path`], resolving each directory once (kept in `dirs`).
pub fn comparable_path_in(path: &Path, dirs: &mut StateDirectories) -> PathBuf {
    let absolute = if path.is_relative() {
        std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .unwrap_or_else(|_| path.to_owned())
    } else {
        path.to_owned()
    };
    let mut lexical = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                lexical.pop();
            }
            other => lexical.push(other),
        }
    }
    match (lexical.parent(), lexical.file_name()) {
        (Some(dir), Some(name)) => {
            if !dirs.canonical.contains_key(dir) {
                let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
                dirs.canonical.insert(dir.to_owned(), canonical);
            }
            match dirs.canonical.get(dir) {
                Some(canonical) => canonical.join(name),
                None => lexical.clone(),
            }
        }
        _ => lexical,
    }
}
