//! The failure-injection middleware: on every request except `GET /health`
//! and `GET /debug/state`, read the state file (through the cached reader:
//! at most one `stat` per `--state-recheck-ms`, a re-parse only when the file
//! changed) and act out what it says:
//!
//! - `crash`: log a critical line and exit the process with code 1;
//! - `slow`: wait `delay` seconds without blocking other requests, then
//!   serve; the wait ends early when the failure does (the file is looked
//!   at every [`SLOW_RECHECK`]) and when the client goes away (its socket,
//!   [`ClientSocket`], is looked at as often). At most `--max-slow-requests` wait at once: beyond that,
//!   503 at once, so abandoned slow requests cannot pile up;
//! - `config_error`: answer 500 blaming `DATABASE_URL`;
//! - `network_partition` (a custom mode the demo's targets file declares):
//!   answer 503 saying the service is cut off from its peers, and close
//!   the connection;
//! - `healthy`, an expired failure, an unknown mode, or a missing or
//!   unreadable file: serve normally.

use std::any::Any;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Extensions;
use rustix::net::RecvFlags;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use chaos_state::{modes, CachedReader};
use tracing::{error, warn};

/// The `detail` of every `config_error` response, as existing target apps
/// word it.
pub const CONFIG_ERROR_DETAIL: &str = "Configuration error: DATABASE_URL is not properly configured. Please check environment variables and restart the service.";

/// The `detail` of a 503 when too many requests already wait out a `slow`
/// failure.
pub const SLOW_OVERFLOW_DETAIL: &str = "Service overloaded: too many requests are already waiting.";

/// The custom mode this reference target acts out beyond the built-in ones.
pub const NETWORK_PARTITION: &str = "network_partition";

/// The `detail` of every `network_partition` response.
pub const NETWORK_PARTITION_DETAIL: &str =
    "Network partition: this service cannot reach its peers.";

/// Paths that are never failure-injected.
pub const EXEMPT_PATHS: [&str; 2] = ["/health", "/debug/state"];

/// How often a slow request looks whether its failure is still on.
pub const SLOW_RECHECK: Duration = Duration::from_millis(250);

/// What the middleware needs: the reader and the service's name.
#[derive(Debug)]
pub struct FailureInjection {
    /// The state file, read on every request.
    pub reader: CachedReader,
    /// Used in log lines.
    pub service: String,
    /// Requests waiting out a `slow` failure now.
    pub slow_waiting: AtomicUsize,
    /// The most that may wait at once.
    pub max_slow_requests: usize,
}

/// A connection's socket (a duplicate descriptor, closed with the
/// connection's data), so that a waiting request can tell that its client
/// left: actix does not read a connection while its request is served.
#[derive(Debug, Clone)]
pub struct ClientSocket(Arc<OwnedFd>);

impl ClientSocket {
    /// `HttpServer::on_connect` callback: keeps the socket of every plain
    /// TCP connection in its connection data.
    pub fn record(connection: &dyn Any, data: &mut Extensions) {
        if let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
            if let Ok(fd) = stream.as_fd().try_clone_to_owned() {
                data.insert(ClientSocket(Arc::new(fd)));
            }
        }
    }

    /// True when the peer closed or reset the connection. Peeks one byte
    /// without waiting; a request pipelined behind this one reads as alive.
    fn client_left(&self) -> bool {
        let mut byte = [0u8; 1];
        match rustix::net::recv(&*self.0, &mut byte, RecvFlags::PEEK | RecvFlags::DONTWAIT) {
            Ok((0, _)) => true,
            Ok(_) => false,
            Err(err) => err != rustix::io::Errno::AGAIN && err != rustix::io::Errno::INTR,
        }
    }
}

/// One request's place among the slow waiters, given back on drop (when
/// the wait ends, or when actix drops the request of a client that left).
struct SlowSlot<'a>(&'a AtomicUsize);

impl<'a> SlowSlot<'a> {
    fn take(waiting: &'a AtomicUsize, max: usize) -> Option<Self> {
        waiting
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| SlowSlot(waiting))
    }
}

impl Drop for SlowSlot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Waits out the slow failure `id` for `delay` seconds, or less if the
/// state file stops holding it or the client leaves.
async fn wait_out(
    injection: &FailureInjection,
    id: Option<&str>,
    delay: Duration,
    client: Option<&ClientSocket>,
) {
    let until = actix_web::rt::time::Instant::now() + delay;
    loop {
        let now = actix_web::rt::time::Instant::now();
        if now >= until {
            return;
        }
        actix_web::rt::time::sleep((until - now).min(SLOW_RECHECK)).await;
        let still_on = injection
            .reader
            .failure_at(crate::unix_now())
            .is_some_and(|record| record.mode == modes::SLOW && record.id.as_deref() == id);
        if !still_on || client.is_some_and(ClientSocket::client_left) {
            return;
        }
    }
}

/// The middleware itself (`actix_web::middleware::from_fn`).
pub async fn inject_failures(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let injection = req
        .app_data::<web::Data<FailureInjection>>()
        .filter(|_| !EXEMPT_PATHS.contains(&req.path()))
        .cloned();
    let failure = injection.as_ref().and_then(|injection| {
        injection
            .reader
            .failure_at(crate::unix_now())
            .map(|record| (record, injection.service.clone()))
    });
    if let (Some((failure, service)), Some(injection)) = (failure, injection) {
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
                let Some(_slot) =
                    SlowSlot::take(&injection.slow_waiting, injection.max_slow_requests)
                else {
                    warn!(service = %service, path = req.path(), "slow failure injected: too many requests already waiting, answering 503");
                    let response = HttpResponse::ServiceUnavailable()
                        .force_close()
                        .json(serde_json::json!({ "detail": SLOW_OVERFLOW_DETAIL }));
                    return Ok(req.into_response(response).map_into_boxed_body());
                };
                warn!(service = %service, delay = failure.delay, path = req.path(), "slow failure injected: delaying the request");
                let client = req.request().conn_data::<ClientSocket>().cloned();
                wait_out(
                    &injection,
                    failure.id.as_deref(),
                    Duration::from_secs(failure.delay),
                    client.as_ref(),
                )
                .await;
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
