//! What kind of file system object stands at a path, in words, for the
//! messages that refuse anything but a regular file (a FIFO would block a
//! reader, a device would be replaced by a writer).

use std::fs::FileType;
use std::os::unix::fs::FileTypeExt;

/// `"a regular file"`, `"a FIFO"`, `"a character device"`, ...
pub fn describe(file_type: FileType) -> &'static str {
    if file_type.is_file() {
        "a regular file"
    } else if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    }
}

/// A FIFO at `path`, as `mkfifo` makes one (for tests).
#[cfg(test)]
pub(crate) fn make_fifo(path: &std::path::Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_what_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"{}").unwrap();
        let kind =
            |p: &std::path::Path| describe(std::fs::symlink_metadata(p).unwrap().file_type());
        assert_eq!(kind(&file), "a regular file");
        assert_eq!(kind(dir.path()), "a directory");
        assert_eq!(
            kind(std::path::Path::new("/dev/null")),
            "a character device"
        );
        let link = dir.path().join("l");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(kind(&link), "a symbolic link");
        let fifo = dir.path().join("p");
        make_fifo(&fifo);
        assert_eq!(kind(&fifo), "a FIFO");
    }
}
