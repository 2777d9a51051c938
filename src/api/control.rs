//! The control endpoints: `POST /pause`, `/resume`, `/inject`, `/clear` and
//! `/reload`. Each takes an [`Authorized`], the only source of the
//! supervisor's address, so none of them runs for a request that fails the
//! token check.

use actix_web::{web, HttpResponse, ResponseError as _};
use serde_json::json;

use super::auth::Authorized;
use super::error::ApiError;
use super::from_actors::{fan_out_failures, reload_rejected};
use super::requests::{InjectBody, RequestedTarget};
use crate::actors::{ClearTargets, FanOutReport, InjectInto, PauseTargets, Reload, ResumeTargets};

type Answer = Result<HttpResponse, ApiError>;

/// `POST /pause`: stops the schedule of one target or all.
pub(super) async fn pause(auth: Authorized, target: RequestedTarget) -> Answer {
    let report = auth.supervisor().send(PauseTargets(target.0)).await??;
    Ok(fan_out_answer("paused", report))
}

/// `POST /resume`: restarts the schedule of one target or all.
pub(super) async fn resume(auth: Authorized, target: RequestedTarget) -> Answer {
    let report = auth.supervisor().send(ResumeTargets(target.0)).await??;
    Ok(fan_out_answer("resumed", report))
}

/// `POST /clear`: writes one target or all healthy.
pub(super) async fn clear(auth: Authorized, target: RequestedTarget) -> Answer {
    let report = auth.supervisor().send(ClearTargets(target.0)).await??;
    Ok(fan_out_answer("cleared", report))
}

/// `POST /inject`: one failure now, by scenario or by mode, held for
/// `for` or the target's recovery.
pub(super) async fn inject(auth: Authorized, body: web::Json<InjectBody>) -> Answer {
    let (target, injection, hold) = body.into_inner().into_injection()?;
    let failure = auth
        .supervisor()
        .send(InjectInto {
            target: target.clone(),
            injection,
            hold,
        })
        .await??;
    Ok(HttpResponse::Ok().json(json!({ "target": target, "injected": failure })))
}

/// `POST /reload`: as SIGHUP.
pub(super) async fn reload(auth: Authorized) -> Answer {
    let report = auth
        .supervisor()
        .send(Reload)
        .await?
        .map_err(reload_rejected)?;
    Ok(HttpResponse::Ok().json(json!({ "reloaded": report })))
}

/// 200 `{key: [targets]}`; when some targets failed, the status of the
/// first failure (409 or 500) with the targets done and why the others failed.
fn fan_out_answer(key: &str, report: FanOutReport) -> HttpResponse {
    let failed = fan_out_failures(report.failed);
    let Some((_, first)) = failed.first() else {
        return HttpResponse::Ok().json(json!({ key: report.changed }));
    };
    let reasons: serde_json::Map<String, serde_json::Value> = failed
        .iter()
        .map(|(name, err)| (name.clone(), json!(err.to_string())))
        .collect();
    let names: Vec<&str> = failed.iter().map(|(name, _)| name.as_str()).collect();
    HttpResponse::build(first.status_code()).json(json!({
        "error": format!("failed for {}", names.join(", ")),
        key: report.changed,
        "failed": reasons,
    }))
}
