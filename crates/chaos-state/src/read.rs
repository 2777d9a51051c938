//! Reading a state file without ever failing.
//!
//! A missing, empty or unparsable file means "healthy" to a target app; the
//! engine's `status` command still wants to know which of those it saw, so
//! [`read_state`] says which, and [`ReadOutcome::is_failing_at`] gives the
//! target app's answer.

use std::path::Path;

use crate::record::StateRecord;

/// What a state file held when it was read.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadOutcome {
    /// No file at the path.
    Missing,
    /// The file exists but could not be read or is not a valid state record.
    Unreadable(String),
    /// A valid record.
    Record(StateRecord),
}

impl ReadOutcome {
    /// The record, when there is one.
    pub fn record(&self) -> Option<&StateRecord> {
        match self {
            ReadOutcome::Record(record) => Some(record),
            _ => None,
        }
    }

    /// True when a target app should act out a failure at `now`.
    pub fn is_failing_at(&self, now: f64) -> bool {
        self.record()
            .is_some_and(|record| record.is_failing_at(now))
    }
}

/// Reads and parses the state file at `path`.
pub fn read_state(path: &Path) -> ReadOutcome {
    match std::fs::read(path) {
        Ok(bytes) => parse_state(&bytes),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => ReadOutcome::Missing,
        Err(err) => ReadOutcome::Unreadable(err.to_string()),
    }
}

/// Parses state-file bytes; never panics, whatever the bytes.
pub fn parse_state(bytes: &[u8]) -> ReadOutcome {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return ReadOutcome::Unreadable("empty file".to_owned());
    }
    match serde_json::from_slice::<StateRecord>(bytes) {
        Ok(record) => ReadOutcome::Record(record),
        Err(err) => ReadOutcome::Unreadable(format!("not a state record: {err}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_empty_and_garbage_are_not_failing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert_eq!(read_state(&path), ReadOutcome::Missing);
        std::fs::write(&path, "").unwrap();
        assert!(matches!(read_state(&path), ReadOutcome::Unreadable(_)));
        std::fs::write(&path, "{\"mode\": ").unwrap();
        assert!(!read_state(&path).is_failing_at(0.0));
        std::fs::write(&path, "[1,2]").unwrap();
        assert!(!read_state(&path).is_failing_at(0.0));
    }

    #[test]
    fn a_failure_is_failing_until_it_expires() {
        let outcome = parse_state(br#"{"mode":"slow","delay":12,"expires_at":50.0}"#);
        assert!(outcome.is_failing_at(49.0));
        assert!(!outcome.is_failing_at(51.0));
        assert_eq!(outcome.record().unwrap().delay, 12);
    }
}
