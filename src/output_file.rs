//! Output files written whole: a report or a page goes to a temporary file
//! beside its path, then is renamed over it, so that a reader never sees
//! half of one. Used by `report`, `score`, `labels` and the demo's report.
//! The writing itself is the state files' atomic writer
//! ([`chaos_state::write_bytes_atomic_with_mode`]).

use std::path::Path;

use chaos_state::{write_bytes_atomic_with_mode, Durability, WriteError};

/// The permissions of a new output file before the umask: what
/// `std::fs::write` gives a new file (not a state file's 0644, nor a
/// temporary file's 0600).
const OUTPUT_FILE_MODE: u32 = 0o666;

/// Writes `bytes` to a temporary file beside `path`, then renames it over
/// `path`: a failed write leaves no half report behind. The file gets the
/// usual permissions (umask applies), unlike a `tempfile` one. Like a
/// state file, a device, FIFO or socket at `path` is never replaced.
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_bytes_atomic_with_mode(path, bytes, Durability::Later, OUTPUT_FILE_MODE)
        .map_err(into_io_error)
}

/// The OS error behind `err` (the words the caller prints after
/// "cannot write the report:"), or what is wrong with the path.
fn into_io_error(err: WriteError) -> std::io::Error {
    match err {
        WriteError::NotAFilePath(_) => std::io::Error::other("not a file name"),
        WriteError::NotAFile { kind, .. } => std::io::Error::other(format!(
            "it is {kind}, not a regular file: refusing to replace it"
        )),
        WriteError::Temporary { source, .. } => without_temporary_path(source),
        WriteError::Rename { source, .. } => source,
    }
}

/// `err` in the words the OS gave it: the `tempfile` crate adds
/// ` at path "…"` (the temporary file's random name) to its errors, which
/// the report's message does not carry.
fn without_temporary_path(err: std::io::Error) -> std::io::Error {
    if err.raw_os_error().is_some() {
        return err;
    }
    let text = err.to_string();
    match text.rfind(" at path \"") {
        Some(at) => std::io::Error::new(err.kind(), &text[..at]),
        None => err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_whole_file_and_replaces_an_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        std::fs::write(&path, "old").unwrap();
        write_whole(&path, b"new report").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new report");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left behind");
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        // A directory cannot be replaced by a file.
        let path = dir.path().join("taken");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), "x").unwrap();
        assert!(write_whole(&path, b"report").is_err());
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["taken"]);
        let err = write_whole(&dir.path().join("missing/report.svg"), b"x").unwrap_err();
        // The OS's words alone, as a plain write's error would be.
        assert_eq!(
            err.to_string(),
            std::io::Error::from_raw_os_error(2).to_string(),
            "ENOENT"
        );
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        assert!(write_whole(Path::new("/"), b"x").is_err(), "no file name");
    }

    #[test]
    fn a_new_file_gets_the_permissions_a_plain_write_gives() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode_of = |name: &str| {
            std::fs::metadata(dir.path().join(name))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        std::fs::write(dir.path().join("plain.txt"), "x").unwrap();
        write_whole(&dir.path().join("report.txt"), b"report").unwrap();
        assert_eq!(mode_of("report.txt"), mode_of("plain.txt"));
    }

    #[test]
    fn a_fifo_at_the_path_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.txt");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
        let err = write_whole(&path, b"report").unwrap_err();
        assert_eq!(
            err.to_string(),
            "it is a FIFO, not a regular file: refusing to replace it"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
