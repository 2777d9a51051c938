//! The body of `POST /findings` and its checks: every field named in the
//! 400 message that rejects it. Whether the target exists is the handler's
//! check (the configured targets change on reload).

use serde::Deserialize;

use super::error::ApiError;
use crate::journal::schema::Finding;

/// The body limit of `POST /findings`, bytes.
pub(super) const FINDING_BODY_LIMIT: usize = 4 * 1024;

/// The body shape, for the 400 message.
pub(super) const FINDING_SHAPE: &str = r#"{"responder": "NAME", "target": "NAME", "kind": "detected|diagnosed|mitigated", "category": ..., "mode": ..., "note": ...} (the last three optional)"#;

/// The longest `responder`, `category` and `mode`, bytes.
const NAME_LIMIT: usize = 64;
/// The longest `note`, bytes.
const NOTE_LIMIT: usize = 1024;

/// The kinds of finding.
const KINDS: [&str; 3] = ["detected", "diagnosed", "mitigated"];

/// `POST /findings` as sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FindingBody {
    responder: String,
    target: String,
    kind: String,
    category: Option<String>,
    mode: Option<String>,
    note: Option<String>,
}

impl FindingBody {
    /// A finding's fields as given elsewhere than in a JSON body (the MCP
    /// tool `report_finding`), checked as a body's are.
    pub(super) fn new(
        responder: String,
        target: String,
        kind: String,
        category: Option<String>,
        mode: Option<String>,
        note: Option<String>,
    ) -> Self {
        FindingBody {
            responder,
            target,
            kind,
            category,
            mode,
            note,
        }
    }

    /// The target it names (checked against the configured targets by the
    /// handler).
    pub(super) fn target(&self) -> &str {
        &self.target
    }

    /// The finding with the engine's `id`, once every field is valid.
    pub(super) fn into_finding(self, id: String) -> Result<Finding, ApiError> {
        name("responder", &self.responder)?;
        if !KINDS.contains(&self.kind.as_str()) {
            return Err(ApiError::BadRequest(format!(
                "`kind` must be `detected`, `diagnosed` or `mitigated`, got `{}`",
                self.kind
            )));
        }
        if let Some(category) = &self.category {
            name("category", category)?;
        }
        if let Some(mode) = &self.mode {
            name("mode", mode)?;
        }
        if let Some(note) = &self.note {
            if note.len() > NOTE_LIMIT {
                return Err(ApiError::BadRequest(format!(
                    "`note` must be at most {NOTE_LIMIT} bytes, got {}",
                    note.len()
                )));
            }
        }
        Ok(Finding {
            id,
            responder: self.responder,
            target: self.target,
            kind: self.kind,
            category: self.category,
            mode: self.mode,
            note: self.note,
        })
    }
}

/// `value` of `field` is 1 to [`NAME_LIMIT`] bytes with no control
/// character and not only blanks.
fn name(field: &str, value: &str) -> Result<(), ApiError> {
    if value.trim().is_empty() || value.len() > NAME_LIMIT {
        return Err(ApiError::BadRequest(format!(
            "`{field}` must be 1 to {NAME_LIMIT} bytes and not blank, got {} bytes",
            value.len()
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(format!(
            "`{field}` must be printable: no control characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str) -> Result<Finding, String> {
        serde_json::from_str::<FindingBody>(json)
            .map_err(|e| e.to_string())?
            .into_finding("id".into())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_valid_finding_keeps_every_field() {
        let finding = check(
            r#"{"responder": "agent-1", "target": "db", "kind": "diagnosed",
                "category": "availability", "mode": "crash", "note": "down\nsince 10:02"}"#,
        )
        .unwrap();
        assert_eq!(finding.responder, "agent-1");
        assert_eq!(finding.kind, "diagnosed");
        assert_eq!(finding.mode.as_deref(), Some("crash"));
        assert_eq!(finding.note.as_deref(), Some("down\nsince 10:02"));
        assert!(check(r#"{"responder": "ä", "target": "db", "kind": "detected"}"#).is_ok());
    }

    #[test]
    fn each_bad_field_is_named() {
        let long = "x".repeat(65);
        let cases = [
            (
                r#"{"target": "db", "kind": "detected"}"#.to_owned(),
                "missing field `responder`",
            ),
            (
                r#"{"responder": "a", "target": "db", "kind": "found"}"#.to_owned(),
                "`kind` must be `detected`, `diagnosed` or `mitigated`, got `found`",
            ),
            (
                r#"{"responder": "", "target": "db", "kind": "detected"}"#.to_owned(),
                "`responder` must be 1 to 64 bytes",
            ),
            (
                format!(r#"{{"responder": "{long}", "target": "db", "kind": "detected"}}"#),
                "`responder` must be 1 to 64 bytes",
            ),
            (
                r#"{"responder": "a\u0007", "target": "db", "kind": "detected"}"#.to_owned(),
                "`responder` must be printable",
            ),
            (
                format!(
                    r#"{{"responder": "a", "target": "db", "kind": "detected", "category": "{long}"}}"#
                ),
                "`category` must be 1 to 64 bytes",
            ),
            (
                format!(
                    r#"{{"responder": "a", "target": "db", "kind": "detected", "mode": "{long}"}}"#
                ),
                "`mode` must be 1 to 64 bytes",
            ),
            (
                format!(
                    r#"{{"responder": "a", "target": "db", "kind": "detected", "note": "{}"}}"#,
                    "n".repeat(1025)
                ),
                "`note` must be at most 1024 bytes, got 1025",
            ),
            (
                r#"{"responder": "a", "target": "db", "kind": "detected", "severity": 3}"#
                    .to_owned(),
                "unknown field `severity`",
            ),
        ];
        for (json, expected) in cases {
            let err = check(&json).unwrap_err();
            assert!(err.starts_with(expected), "{json}: {err}");
        }
    }
}
