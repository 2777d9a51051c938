//! Reading a journal back, line by line, with its rotated predecessor.
//!
//! A journal with a size cap ([`super::Journal::open_with_max`]) is rotated
//! when it would grow past the cap: `<journal>` is renamed `<journal>.1`
//! (replacing an older one) and a fresh `<journal>` is started. Whoever
//! needs the whole history (the report, the score, `recover`) reads
//! `<journal>.1` first, then `<journal>`: [`for_each_line`] and
//! [`for_each_raw_line`] do that, streaming each file through one buffer
//! (memory is bounded by the longest line, not by the file).
//!
//! A missing `<journal>.1` is normal (never rotated). A missing `<journal>`
//! beside an existing `<journal>.1` (rotated, the fresh file not written
//! yet) reads the `.1` alone; with neither, the error is the `<journal>`'s
//! `NotFound`.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

/// The rotated predecessor of the journal at `path`: `<path>.1`.
pub fn rotated_path(path: &Path) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(".1");
    PathBuf::from(name)
}

/// One line of a journal as [`for_each_raw_line`] hands it over.
#[derive(Debug, Clone, Copy)]
pub struct RawLine<'a> {
    /// `true` for a line of `<journal>.1`, `false` for one of `<journal>`.
    pub rotated: bool,
    /// The file it is in.
    pub file: &'a Path,
    /// 1-based line number within that file.
    pub number: usize,
    /// The bytes of the line, without its `\n` (a last line without one,
    /// such as a line torn by a SIGKILL, is handed over as it is).
    pub bytes: &'a [u8],
}

/// Calls `f` with every line of the journal at `path` as text: those of
/// `<path>.1` first, then those of `<path>`, without their line ends
/// (`\n` or `\r\n`). Bytes that are not UTF-8 are replaced (U+FFFD), so
/// such a line reaches `f` and fails whatever parsing it gets there.
///
/// Errors: the first that reading either file meets; `NotFound` when
/// neither file exists.
pub fn for_each_line(path: &Path, mut f: impl FnMut(&str)) -> io::Result<()> {
    for_each_raw_line(path, |line| {
        let bytes = line.bytes.strip_suffix(b"\r").unwrap_or(line.bytes);
        f(&String::from_utf8_lossy(bytes));
    })
}

/// Calls `f` with every line of the journal at `path`, `<path>.1` first,
/// as raw bytes with the file and line number it came from; errors as
/// [`for_each_line`].
pub fn for_each_raw_line(path: &Path, mut f: impl FnMut(RawLine<'_>)) -> io::Result<()> {
    let rotated = rotated_path(path);
    let had_rotated = match File::open(&rotated) {
        Ok(file) => {
            stream(file, &rotated, true, &mut f)?;
            true
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => false,
        Err(err) => return Err(err),
    };
    match File::open(path) {
        Ok(file) => stream(file, path, false, &mut f),
        Err(err) if err.kind() == io::ErrorKind::NotFound && had_rotated => Ok(()),
        Err(err) => Err(err),
    }
}

/// Hands every line of `file` (called `name`) to `f`, one buffer reused.
fn stream(
    file: File,
    name: &Path,
    rotated: bool,
    f: &mut impl FnMut(RawLine<'_>),
) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let mut buffer = Vec::new();
    let mut number = 0;
    loop {
        buffer.clear();
        if reader.read_until(b'\n', &mut buffer)? == 0 {
            return Ok(());
        }
        number += 1;
        let bytes = buffer.strip_suffix(b"\n").unwrap_or(&buffer);
        f(RawLine {
            rotated,
            file: name,
            number,
            bytes,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(path: &Path) -> io::Result<Vec<String>> {
        let mut lines = Vec::new();
        for_each_line(path, |line| lines.push(line.to_owned()))?;
        Ok(lines)
    }

    #[test]
    fn the_rotated_file_comes_first_then_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        assert_eq!(rotated_path(&path), dir.path().join("journal.jsonl.1"));
        std::fs::write(rotated_path(&path), "one\ntwo\r\n").unwrap();
        std::fs::write(&path, "three\nfour").unwrap();
        assert_eq!(lines_of(&path).unwrap(), ["one", "two", "three", "four"]);

        let mut seen = Vec::new();
        for_each_raw_line(&path, |line| {
            seen.push((line.rotated, line.number, line.bytes.to_vec()));
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                (true, 1, b"one".to_vec()),
                (true, 2, b"two\r".to_vec()),
                (false, 1, b"three".to_vec()),
                (false, 2, b"four".to_vec()),
            ]
        );
    }

    #[test]
    fn either_file_alone_is_read_and_neither_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let missing = lines_of(&path).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);

        std::fs::write(&path, "only\n").unwrap();
        assert_eq!(lines_of(&path).unwrap(), ["only"]);

        std::fs::rename(&path, rotated_path(&path)).unwrap();
        assert_eq!(
            lines_of(&path).unwrap(),
            ["only"],
            "rotated, not yet restarted"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_replaced_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        std::fs::write(&path, b"ok\n\xff\xfe\nafter\n").unwrap();
        assert_eq!(
            lines_of(&path).unwrap(),
            ["ok", "\u{fffd}\u{fffd}", "after"]
        );
    }

    #[test]
    fn an_empty_journal_has_no_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        std::fs::write(&path, "").unwrap();
        assert!(lines_of(&path).unwrap().is_empty());
    }
}
