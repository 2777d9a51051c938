//! The HTTP control API (actix-web, on the engine's own actix system).
//!
//! Off unless `--http ADDR` / `CHAOS_HTTP_ADDR` is given. GET endpoints
//! (`/healthz`, `/status`, `/metrics`) are always open; every POST is
//! subject to [`ControlAccess`]: with `CHAOS_API_TOKEN` set it needs
//! `Authorization: Bearer <token>` (compared in constant time, 401 without
//! it); on a non-loopback address without a token every POST answers 403.
//! `/status` and `/metrics` read [`Telemetry`] directly, so load on them
//! never queues work on the actor thread.
//!
//! [`Telemetry`]: crate::telemetry::Telemetry

mod auth;
mod handlers;

use std::net::SocketAddr;

use actix::Addr;
use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};

pub use auth::{constant_time_eq, ControlAccess};

use crate::actors::Supervisor;
use crate::telemetry::SharedTelemetry;

/// What every handler needs.
#[derive(Clone)]
pub struct ApiState {
    /// Where control requests go.
    pub supervisor: Addr<Supervisor>,
    /// Status and metrics.
    pub telemetry: SharedTelemetry,
    /// Chaos enabled by configuration.
    pub enabled: bool,
    /// Dry run by configuration.
    pub dry_run: bool,
    /// Who may POST.
    pub access: ControlAccess,
}

/// Binds `addr` and returns the server (to spawn on the actix system) and
/// the address it actually listens on (port 0 picks a free port).
pub fn bind(addr: SocketAddr, state: ApiState) -> std::io::Result<(Server, SocketAddr)> {
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .configure(handlers::configure)
    })
    // One worker thread is plenty for a control API; the engine's own
    // signal handling stays in charge of shutdown.
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .bind(addr)?;
    let bound = server.addrs().first().copied().unwrap_or(addr);
    Ok((server.run(), bound))
}
