//! The failure-injection middleware: on every request except `GET /health`
//! and `GET /debug/state`, read the state file (through the cached reader:
//! at most one `stat` per `--state-recheck-ms`, a re-parse only when the file
//! changed) and act out what it says:
//!
//! - `crash`: log a critical line and exit the process with code 1;
//! - `slow`: wait `delay` seconds without blocking other requests, then serve;
//! - `config_error`: answer 500 blaming `DATABASE_URL`;
//! - `network_partition` (a custom mode the demo's targets file declares):
//!   answer 503 saying the service is cut off from its peers, and close
//!   the connection;
//! - `healthy`, an expired failure, an unknown mode, or a missing or
//!   unreadable file: serve normally.

use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use chaos_state::{modes, CachedReader};
use tracing::{error, warn};

/// The `detail` of every `config_error` response, as existing target apps
/// word it.
pub const CONFIG_ERROR_DETAIL: &str = "Configuration error: DATABASE_URL is not properly configured. Please check environment variables and restart the service.";

/// The custom mode this reference target acts out beyond the built-in ones.
pub const NETWORK_PARTITION: &str = "network_partition";

/// The `detail` of every `network_partition` response.
pub const NETWORK_PARTITION_DETAIL: &str =
    "Network partition: this service cannot reach its peers.";

/// Paths that are never failure-injected.
pub const EXEMPT_PATHS: [&str; 2] = ["/health", "/debug/state"];

/// What the middleware needs: the reader and the service's name.
#[derive(Debug)]
pub struct FailureInjection {
    /// The state file, read on every request.
    pub reader: CachedReader,
    /// Used in log lines.
    pub service: String,
}

/// The middleware itself (`actix_web::middleware::from_fn`).
pub async fn inject_failures(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let failure = match req.app_data::<web::Data<FailureInjection>>() {
        Some(injection) if !EXEMPT_PATHS.contains(&req.path()) => injection
            .reader
            .failure_at(crate::unix_now())
            .map(|record| (record, injection.service.clone())),
        _ => None,
    };
    if let Some((failure, service)) = failure {
        match failure.mode.as_str() {
            modes::CRASH => {
                error!(
                    service = %service,
                    id = failure.id.as_deref().unwrap_or(""),
                    "CRITICAL: crash failure injected: {service} exits now with code 1"
                );
                std::process::exit(1);
            }
            modes::SLOW => {
                warn!(service = %service, delay = failure.delay, path = req.path(), "slow failure injected: delaying the request");
                actix_web::rt::time::sleep(Duration::from_secs(failure.delay)).await;
            }
            modes::CONFIG_ERROR => {
                error!(service = %service, path = req.path(), "config_error failure injected: DATABASE_URL is not properly configured");
                let response = HttpResponse::InternalServerError()
                    .json(serde_json::json!({ "detail": CONFIG_ERROR_DETAIL }));
                return Ok(req.into_response(response).map_into_boxed_body());
            }
            NETWORK_PARTITION => {
                warn!(service = %service, path = req.path(), "network_partition failure injected: answering 503");
                let response = HttpResponse::ServiceUnavailable()
                    .force_close()
                    .json(serde_json::json!({ "detail": NETWORK_PARTITION_DETAIL }));
                return Ok(req.into_response(response).map_into_boxed_body());
            }
            // Unknown modes are ignored, as the protocol asks of readers.
            _ => {}
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
