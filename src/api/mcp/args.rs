//! The arguments of the MCP tools, with the JSON Schemas clients see
//! (`inject` takes `POST /inject`'s body, `crate::api::requests`).
//! Unknown fields are refused, as the HTTP API's bodies refuse them.

use schemars::JsonSchema;
use serde::Deserialize;

/// `report_finding`: what `POST /findings` accepts; the responder is the
/// MCP client's name (from `initialize`) unless given.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReportFinding {
    /// The target the finding is about (one of `list_targets`).
    pub(super) target: String,
    /// `detected`, `diagnosed` or `mitigated`.
    pub(super) kind: String,
    /// The failure's category, as the responder judges it (e.g.
    /// `availability`).
    pub(super) category: Option<String>,
    /// The failure mode, as the responder judges it (e.g. `crash`).
    pub(super) mode: Option<String>,
    /// Free text, at most 1024 bytes.
    pub(super) note: Option<String>,
    /// Who reports (default: the MCP client's name).
    pub(super) responder: Option<String>,
}

/// `my_findings`: optionally one responder's.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct MyFindings {
    /// Only this responder's findings.
    pub(super) responder: Option<String>,
}

/// `clear`, `pause`, `resume`: one target, or all.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct OneOrAll {
    /// The target's name (default: every target).
    pub(super) target: Option<String>,
}

/// `scorecard`: every responder's, or one's.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Scorecard {
    /// Only this responder's scorecard.
    pub(super) responder: Option<String>,
    /// How long after an incident's end a finding still counts, e.g.
    /// `30s` (the default, as `chaos-engine score`).
    pub(super) grace: Option<String>,
}
