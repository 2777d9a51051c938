//! The HTTP control API (actix-web, on the engine's own actix system).
//!
//! Off unless `--http ADDR` / `CHAOS_HTTP_ADDR` is given. GET endpoints
//! (the dashboard page at `/`, `/healthz`, `/status`, `/timeline`,
//! `/metrics`) are open, except in blind mode, where `/status`,
//! `/timeline` and `/metrics` need the control token (`blind.rs`); every
//! control POST is
//! subject to [`ControlAccess`]: with `CHAOS_API_TOKEN` set it needs
//! `Authorization: Bearer <token>` (compared in constant time, 401 without
//! it); on a non-loopback address without a token every POST answers 403.
//! `POST`/`GET /findings` (responders' findings, `findings.rs`) take
//! `CHAOS_AGENT_TOKEN` or whatever the control POSTs take; posting is
//! limited per responder (`finding_limit.rs`, 429 beyond the limit).
//! `/status`, `/timeline` and `/metrics` read [`Telemetry`] directly, so load on them
//! never queues work on the actor thread. Every error is an [`ApiError`],
//! answered as `{"error": "..."}`.
//!
//! Files: `routes` (the route lists), `read`, `control` and `findings`
//! (the handlers; `finding_body`, `finding_limit` and `finding_log` what
//! findings carry, how many may come and where they are kept), `blind` (who may read what),
//! `dashboard` (the live page, its HTML, CSS and JS in `dashboard/`),
//! `mcp` (the MCP endpoint, `POST /mcp`: the same tokens and the same
//! handlers' code as tools), `auth` (the token check), `requests` and
//! `body` (what a request carries),
//! `error` (the error answers), `from_actors` (actor answers as errors).
//!
//! [`Telemetry`]: crate::telemetry::Telemetry

mod auth;
mod blind;
mod body;
mod control;
mod dashboard;
mod error;
mod finding_body;
mod finding_limit;
mod finding_log;
mod findings;
mod from_actors;
mod mcp;
mod read;
mod requests;
mod routes;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;

use actix::Addr;
use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};

pub use auth::ControlAccess;
pub use finding_limit::EVERYONE_FACTOR as FINDINGS_EVERYONE_FACTOR;

use crate::actors::Supervisor;
use crate::telemetry::SharedTelemetry;

/// What the API serves from.
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
    /// The run's seed, shown by `/status`.
    pub seed: u64,
    /// Who may POST.
    pub access: ControlAccess,
    /// `CHAOS_AGENT_TOKEN`: may post findings and read its own, nothing else.
    pub agent_token: Option<String>,
    /// Blind mode: `/status`, `/timeline` and `/metrics` need the control token.
    pub blind: bool,
    /// The limit of `POST /findings` per responder; `None`: no limit.
    pub findings_rate: Option<crate::config::rate::Rate>,
}

/// Binds `addr` and returns the server (to spawn on the actix system) and
/// the address it actually listens on (port 0 picks a free port).
pub fn bind(addr: SocketAddr, state: ApiState) -> std::io::Result<(Server, SocketAddr)> {
    let service = service(state, addr);
    let server = HttpServer::new(move || App::new().configure(service.clone()))
        // One worker thread is plenty for a control API; the engine's own
        // signal handling stays in charge of shutdown.
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .bind(addr)?;
    let bound = server.addrs().first().copied().unwrap_or(addr);
    Ok((server.run(), bound))
}

/// The whole API, listening on `addr`, as an app configuration: its
/// shared data, the body limits, every route and the MCP endpoint.
///
/// The supervisor's address is split here: the control endpoints get it
/// only through the token check, the open ones only as a health ping.
fn service(
    state: ApiState,
    addr: SocketAddr,
) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static {
    let control = state.access.as_str();
    let reads = web::Data::new(blind::ReadGate::new(
        state.access.clone(),
        state.agent_token,
        state.blind,
    ));
    let gate = web::Data::new(auth::ControlGate::new(
        state.access,
        state.supervisor.clone(),
    ));
    let desk = web::Data::new(findings::FindingDesk {
        telemetry: state.telemetry.clone(),
        log: finding_log::FindingLog::default(),
        limit: state.findings_rate.map(finding_limit::FindingLimit::new),
    });
    let view = web::Data::new(read::EngineView {
        telemetry: state.telemetry,
        enabled: state.enabled,
        dry_run: state.dry_run,
        seed: state.seed,
        control,
        health: state.supervisor.recipient(),
    });
    let mcp_desk = mcp::McpDesk {
        findings: desk.clone(),
        view: view.clone(),
    };
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(gate.clone())
            .app_data(reads.clone())
            .app_data(desk.clone())
            .app_data(view.clone())
            .app_data(body::payload_config());
        cfg.service(mcp::scope(mcp_desk.clone(), addr));
        routes::configure(cfg);
    }
}
