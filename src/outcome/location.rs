//! [`Location`]: where a target's failures take effect (a state file, a
//! Docker selector), named as its configuration key names it; the status
//! board, the banner and `validate` show it, and every backend says its
//! own (`crate::backend::OneShot::location`).

use serde::ser::SerializeMap as _;

/// Where a target's failures take effect, by the configuration key that
/// names it: `state_file /tmp/app.json`, `docker service cache`. It
/// serializes as that one key (`{"state_file": "/tmp/app.json"}`), so a
/// status object carries it flattened.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// The configuration key: `state_file`, `docker`.
    pub key: &'static str,
    /// What it is called in a sentence: `state file`, `Docker`.
    pub noun: &'static str,
    /// Its value, as shown: a path, a selector.
    pub value: String,
}

impl std::fmt::Display for Location {
    /// `state file /tmp/app.json`, `Docker service cache`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.noun, self.value)
    }
}

impl serde::Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.key, &self.value)?;
        map.end()
    }
}
