//! The endpoints. Every answer is JSON (except `/metrics`); errors are
//! `{"error": "..."}` with 400, 401, 403, 404, 409 or 503, never a panic.

use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;
use serde_json::json;

use super::ApiState;
use crate::actors::{
    ClearTargets, ControlError, FanOutReport, InjectInto, ManualInjection, PauseTargets, Ping,
    Reload, ResumeTargets,
};

/// How long `/healthz` waits for the actor system.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(1);

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // Each path answers 405 (JSON) to the wrong method.
    cfg.service(
        web::resource("/healthz")
            .get(healthz)
            .default_service(web::to(wrong_method)),
    )
    .service(
        web::resource("/status")
            .get(status)
            .default_service(web::to(wrong_method)),
    )
    .service(
        web::resource("/metrics")
            .get(metrics)
            .default_service(web::to(wrong_method)),
    )
    .service(
        web::resource("/pause")
            .post(pause)
            .default_service(web::to(wrong_method)),
    )
    .service(
        web::resource("/resume")
            .post(resume)
            .default_service(web::to(wrong_method)),
    )
    .service(
        web::resource("/inject")
            .post(inject)
            .default_service(web::to(wrong_method)),
    )
    .service(
        web::resource("/clear")
            .post(clear)
            .default_service(web::to(wrong_method)),
    )
    .service(
        web::resource("/reload")
            .post(reload)
            .default_service(web::to(wrong_method)),
    )
    .default_service(web::to(not_found));
}

/// The body limit of every endpoint, bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Reads a request body up to [`BODY_LIMIT`], answering 413 (JSON) beyond.
async fn read_body(mut payload: web::Payload) -> Result<web::BytesMut, ApiError> {
    use futures_util::StreamExt as _;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|err| ApiError::new(400, format!("cannot read the body: {err}")))?;
        if body.len() + chunk.len() > BODY_LIMIT {
            return Err(ApiError::new(
                413,
                format!("body larger than {BODY_LIMIT} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// An error answer: `{"error": "..."}` with its status.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: u16, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status).json(json!({ "error": self.message }));
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

impl From<ControlError> for ApiError {
    fn from(err: ControlError) -> Self {
        let status = match &err {
            ControlError::BadRequest(_) => 400,
            ControlError::NotFound(_) => 404,
            ControlError::Conflict(_) => 409,
            ControlError::Failed(_) => 500,
        };
        ApiError::new(status, err.to_string())
    }
}

impl From<actix::MailboxError> for ApiError {
    fn from(err: actix::MailboxError) -> Self {
        ApiError::new(503, format!("the engine did not answer: {err}"))
    }
}

type Answer = Result<HttpResponse, ApiError>;

/// The POST gate: 401 or 403 unless [`ControlAccess`](super::ControlAccess) allows it.
fn authorize(req: &HttpRequest, state: &ApiState) -> Result<(), ApiError> {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    state
        .access
        .check(header)
        .map_err(|(status, message)| ApiError::new(status, message))
}

/// `?target=NAME`, optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetQuery {
    target: Option<String>,
}

fn target_query(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    web::Query::<TargetQuery>::from_query(req.query_string())
        .map(|q| q.into_inner().target)
        .map_err(|err| ApiError::new(400, format!("bad query string: {err}")))
}

async fn wrong_method(req: HttpRequest) -> Answer {
    Err(ApiError::new(
        405,
        format!("{} is not allowed on {}", req.method(), req.path()),
    ))
}

async fn not_found(req: HttpRequest) -> Answer {
    Err(ApiError::new(
        404,
        format!("no endpoint {} {}", req.method(), req.path()),
    ))
}

async fn healthz(state: web::Data<ApiState>) -> Answer {
    match tokio::time::timeout(HEALTH_TIMEOUT, state.supervisor.send(Ping)).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(json!({ "status": "ok" }))),
        _ => Err(ApiError::new(503, "the actor system does not answer")),
    }
}

async fn status(state: web::Data<ApiState>) -> HttpResponse {
    let targets = state.telemetry.board.snapshot();
    let paused = !targets.is_empty() && targets.iter().all(|t| t.paused);
    HttpResponse::Ok().json(json!({
        "enabled": state.enabled,
        "dry_run": state.dry_run,
        "paused": paused,
        "targets": targets,
    }))
}

async fn metrics(state: web::Data<ApiState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.telemetry.metrics.encode())
}

/// The target a pause, resume or clear names: `?target=NAME`, or a body
/// `{"target": "NAME"}`; neither: every target.
fn requested_target(req: &HttpRequest, body: &[u8]) -> Result<Option<String>, ApiError> {
    let from_query = target_query(req)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(from_query);
    }
    let parsed: TargetQuery = serde_json::from_slice(body).map_err(|err| {
        ApiError::new(
            400,
            format!("body must be {{\"target\": \"NAME\"}} or empty: {err}"),
        )
    })?;
    if from_query.is_some() {
        return Err(ApiError::new(
            400,
            "give the target in the query string or the body, not both",
        ));
    }
    Ok(parsed.target)
}

/// 200 `{key: [targets]}`; when some targets failed, the status of the
/// first failure (409 or 500) with the targets done and why the others failed.
fn fan_out_answer(key: &str, report: FanOutReport) -> Answer {
    let Some((_, first)) = report.failed.first() else {
        return Ok(HttpResponse::Ok().json(json!({ key: report.changed })));
    };
    let status = ApiError::from(first.clone()).status;
    let failed: serde_json::Map<String, serde_json::Value> = report
        .failed
        .iter()
        .map(|(name, err)| (name.clone(), json!(err.to_string())))
        .collect();
    let names: Vec<&str> = report
        .failed
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    Ok(HttpResponse::build(status).json(json!({
        "error": format!("failed for {}", names.join(", ")),
        key: report.changed,
        "failed": failed,
    })))
}

async fn pause(req: HttpRequest, state: web::Data<ApiState>, payload: web::Payload) -> Answer {
    authorize(&req, &state)?;
    let body = read_body(payload).await?;
    let target = requested_target(&req, &body)?;
    fan_out_answer(
        "paused",
        state.supervisor.send(PauseTargets(target)).await??,
    )
}

async fn resume(req: HttpRequest, state: web::Data<ApiState>, payload: web::Payload) -> Answer {
    authorize(&req, &state)?;
    let body = read_body(payload).await?;
    let target = requested_target(&req, &body)?;
    fan_out_answer(
        "resumed",
        state.supervisor.send(ResumeTargets(target)).await??,
    )
}

/// `{"target": "...", "scenario": "..."}` or `{"target": "...", "mode": "...", "delay": N}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InjectBody {
    target: String,
    scenario: Option<String>,
    mode: Option<String>,
    delay: Option<u64>,
}

fn parse_injection(body: &[u8]) -> Result<(String, ManualInjection), ApiError> {
    let body: InjectBody = serde_json::from_slice(body).map_err(|err| {
        ApiError::new(
            400,
            format!(
                "body must be {{\"target\": ..., \"scenario\": ...}} or {{\"target\": ..., \"mode\": ..., \"delay\": N}}: {err}"
            ),
        )
    })?;
    let injection = match (body.scenario, body.mode, body.delay) {
        (Some(scenario), None, None) => ManualInjection::Scenario(scenario),
        (Some(_), None, Some(_)) => {
            return Err(ApiError::new(
                400,
                "`delay` goes with `mode`; a scenario draws its own delay",
            ))
        }
        (None, Some(mode), delay) => ManualInjection::Mode { mode, delay },
        (Some(_), Some(_), _) => {
            return Err(ApiError::new(400, "give `scenario` or `mode`, not both"))
        }
        (None, None, _) => return Err(ApiError::new(400, "give `scenario` or `mode`")),
    };
    Ok((body.target, injection))
}

async fn inject(req: HttpRequest, state: web::Data<ApiState>, payload: web::Payload) -> Answer {
    authorize(&req, &state)?;
    let body = read_body(payload).await?;
    let (target, injection) = parse_injection(&body)?;
    let failure = state
        .supervisor
        .send(InjectInto {
            target: target.clone(),
            injection,
        })
        .await??;
    Ok(HttpResponse::Ok().json(json!({ "target": target, "injected": failure })))
}

/// `POST /clear`: one target or all.
async fn clear(req: HttpRequest, state: web::Data<ApiState>, payload: web::Payload) -> Answer {
    authorize(&req, &state)?;
    let body = read_body(payload).await?;
    let target = requested_target(&req, &body)?;
    fan_out_answer(
        "cleared",
        state.supervisor.send(ClearTargets(target)).await??,
    )
}

async fn reload(req: HttpRequest, state: web::Data<ApiState>) -> Answer {
    authorize(&req, &state)?;
    let report = state.supervisor.send(Reload).await?.map_err(|err| {
        ApiError::new(
            400,
            format!("reload rejected, running configuration kept: {err}"),
        )
    })?;
    Ok(HttpResponse::Ok().json(json!({ "reloaded": report })))
}
