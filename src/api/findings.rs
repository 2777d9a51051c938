//! `POST /findings` and `GET /findings`: what responders say they saw or
//! did. Both take a [`Poster`] (the agent token, or what the control
//! endpoints accept), checked before the body is read. A finding is
//! checked whole (fields, then the target against the targets configured
//! now), then against the findings limit (`finding_limit.rs`: 429 beyond
//! it) before anything is journalled, stamped by the engine's clock,
//! journalled as `finding` and kept for `GET /findings`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use tracing::warn;

use super::blind::Poster;
use super::error::ApiError;
use super::finding_body::FindingBody;
use super::finding_limit::FindingLimit;
use super::finding_log::{FindingLog, Shown, FINDING_LOG_CAPACITY};
use crate::telemetry::SharedTelemetry;

/// What the findings endpoints use, registered once as app data.
pub(super) struct FindingDesk {
    /// The journal, the clock and the configured targets (its board).
    pub(super) telemetry: SharedTelemetry,
    /// The recent findings.
    pub(super) log: FindingLog,
    /// The findings limit; `None`: no limit.
    pub(super) limit: Option<FindingLimit>,
}

/// `POST /findings`: 201 `{"id", "timestamp"}`.
pub(super) async fn post(
    poster: Poster,
    desk: web::Data<FindingDesk>,
    body: web::Json<FindingBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, timestamp) = desk.take(poster, body.into_inner())?;
    Ok(HttpResponse::Created().json(json!({ "id": id, "timestamp": timestamp })))
}

impl FindingDesk {
    /// Takes a finding `poster` sent (`POST /findings`, the MCP tool
    /// `report_finding`): checked whole, then against the targets
    /// configured now and the findings limit, before anything is
    /// journalled; its id and the engine's timestamp.
    pub(super) fn take(
        &self,
        poster: Poster,
        body: FindingBody,
    ) -> Result<(String, f64), ApiError> {
        if !self.telemetry.board.contains(body.target()) {
            return Err(ApiError::BadRequest(format!(
                "`target`: no target named `{}`",
                body.target()
            )));
        }
        let finding = body.into_finding(uuid::Uuid::new_v4().to_string())?;
        if let Some(limit) = &self.limit {
            let now = self.telemetry.clock.unix_now();
            if let Err(refused) = limit.take(&finding.responder, now) {
                if refused.first {
                    warn!(
                        responder = %finding.responder,
                        retry_after = refused.retry_after,
                        "findings over the limit: refused with 429 (not journalled) until it \
                         is back under (logged once per run of refusals)"
                    );
                }
                return Err(refused.into_error());
            }
        }
        let id = finding.id.clone();
        let timestamp = self.telemetry.finding(finding.clone());
        self.log.push(poster, Shown { timestamp, finding });
        Ok((id, timestamp))
    }
}

/// `?responder=NAME`, optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingsQuery {
    responder: Option<String>,
}

/// `GET /findings[?responder=NAME]`: the recent findings, oldest first;
/// with the agent token only those posted with it.
pub(super) async fn list(
    reader: Poster,
    desk: web::Data<FindingDesk>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query =
        web::Query::<FindingsQuery>::from_query(req.query_string()).map_err(ApiError::BadQuery)?;
    let findings = desk.log.visible_to(reader, query.responder.as_deref());
    Ok(HttpResponse::Ok().json(json!({
        "capacity": FINDING_LOG_CAPACITY,
        "findings": findings,
    })))
}
