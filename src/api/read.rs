//! The open endpoints: `GET /healthz`, `/status`, `/timeline` and
//! `/metrics` (the dashboard page is `dashboard.rs`). They need no control
//! rights, so they see only [`EngineView`]: shared telemetry and a health
//! ping, never the supervisor's control messages. `/status`, `/timeline`
//! and `/metrics` show the active failure, so they take a [`MayReveal`]:
//! in blind mode only the control token reads them. `/healthz` stays open.

use std::time::Duration;

use actix::Recipient;
use actix_web::{web, HttpResponse};
use serde_json::json;

use super::blind::MayReveal;
use super::error::ApiError;
use crate::actors::Ping;
use crate::telemetry::SharedTelemetry;

/// How long `/healthz` waits for the actor system.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(1);

/// What the open endpoints may see, registered once as app data.
pub(super) struct EngineView {
    /// Status and metrics, read without queueing work on the actor thread.
    pub(super) telemetry: SharedTelemetry,
    /// Chaos enabled by configuration.
    pub(super) enabled: bool,
    /// Dry run by configuration.
    pub(super) dry_run: bool,
    /// The run's seed (`preview --seed` shows its picks).
    pub(super) seed: u64,
    /// Who may control: `open`, `token` or `disabled` (see
    /// `ControlAccess::as_str`).
    pub(super) control: &'static str,
    /// The supervisor, for health pings only.
    pub(super) health: Recipient<Ping>,
}

/// `GET /healthz`: 200 while the actor system answers within a second.
pub(super) async fn healthz(view: web::Data<EngineView>) -> Result<HttpResponse, ApiError> {
    match tokio::time::timeout(HEALTH_TIMEOUT, view.health.send(Ping)).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(json!({ "status": "ok" }))),
        _ => Err(ApiError::NotAnswering),
    }
}

/// `GET /status`: the configuration flags and every target's board entry.
pub(super) async fn status(_: MayReveal, view: web::Data<EngineView>) -> HttpResponse {
    HttpResponse::Ok().json(view.status())
}

/// `GET /timeline`: the run's recent events, oldest first, and the
/// engine's clock (`now`) so a page can count down without trusting its own.
pub(super) async fn timeline(_: MayReveal, view: web::Data<EngineView>) -> HttpResponse {
    HttpResponse::Ok().json(view.timeline())
}

impl EngineView {
    /// What `GET /status` answers (and the MCP tool `status`).
    pub(super) fn status(&self) -> serde_json::Value {
        let targets = self.telemetry.board.snapshot();
        let paused = !targets.is_empty() && targets.iter().all(|t| t.paused);
        json!({
            "enabled": self.enabled,
            "dry_run": self.dry_run,
            "seed": self.seed,
            "control": self.control,
            "paused": paused,
            "targets": targets,
        })
    }

    /// What `GET /timeline` answers (and the MCP tool `timeline`).
    pub(super) fn timeline(&self) -> serde_json::Value {
        let snapshot = self.telemetry.timeline.snapshot();
        // Each scenario's swatch, as the report will draw it: the page draws
        // with these `fill`s and `<pattern>`s, never deriving its own.
        let scenarios: Vec<serde_json::Value> = self
            .telemetry
            .swatches()
            .into_iter()
            .map(|(name, swatch)| {
                json!({
                    "scenario": name,
                    "colour": swatch.colour,
                    "pattern": swatch.pattern,
                    "fill": swatch.fill(false),
                    "pattern_svg": swatch.pattern_def(false),
                })
            })
            .collect();
        json!({
            "now": crate::clock::round_millis(self.telemetry.clock.unix_now()),
            "started_at": snapshot.started_at,
            "capacity": snapshot.capacity,
            "dropped": snapshot.dropped,
            "events": snapshot.events,
            "scenarios": scenarios,
        })
    }
}

/// `GET /metrics`: OpenMetrics text.
pub(super) async fn metrics(_: MayReveal, view: web::Data<EngineView>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(view.telemetry.metrics.encode())
}
