//! The MCP endpoint: the Model Context Protocol's Streamable HTTP
//! transport (protocol version 2025-06-18) at `POST /mcp`, on the API's
//! own listener, built on the official Rust SDK (`rmcp`, served on
//! actix-web by `rmcp-actix-web`).
//!
//! Who may do what is the HTTP API's rule ([`caller`]): the request's
//! bearer token is checked before MCP reads it (no token 401, a wrong
//! token 403, each with `WWW-Authenticate: Bearer`), and the tools a
//! caller sees and may call follow from it ([`tools`]):
//! - the agent token (`CHAOS_AGENT_TOKEN`): `report_finding`,
//!   `list_targets`, `my_findings`, nothing that shows a fault;
//! - the control token (`CHAOS_API_TOKEN`, or anyone on a loopback API
//!   without one): those, and `status`, `inject`, `clear`, `pause`,
//!   `resume`, `timeline`, `scorecard`.
//!
//! Sessions are stateful (the client's name from `initialize` is the
//! responder of its findings); the role is checked on every request, not
//! once per session. On a loopback API the SDK's DNS-rebinding guard
//! accepts only loopback `Host` headers; on any other address the tokens
//! are the guard and any `Host` is accepted (a Compose service name).

mod args;
mod caller;
mod tools;

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::middleware::from_fn;
use actix_web::web;
use rmcp_actix_web::transport::{LocalSessionManager, StreamableHttpService};

use self::caller::{check_caller, Caller};
use self::tools::ChaosMcp;
use super::findings::FindingDesk;
use super::read::EngineView;

/// What the tools work with, shared by every session.
#[derive(Clone)]
pub(super) struct McpDesk {
    /// The findings desk `POST /findings` uses.
    pub(super) findings: web::Data<FindingDesk>,
    /// What the reads see.
    pub(super) view: web::Data<EngineView>,
}

/// The `/mcp` scope for an API listening on `addr`: the token check,
/// then the SDK's transport.
pub(super) fn scope(
    desk: McpDesk,
    addr: SocketAddr,
) -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let builder = StreamableHttpService::builder()
        .service_factory(Arc::new(move || Ok(ChaosMcp::new(desk.clone()))))
        .session_manager(Arc::new(LocalSessionManager::default()))
        .on_request_fn(|request, extensions| {
            use actix_web::HttpMessage as _;
            if let Some(caller) = request.extensions().get::<Caller>() {
                extensions.insert(caller.clone());
            }
        });
    let service = if addr.ip().is_loopback() {
        builder.build()
    } else {
        builder.allowed_hosts(Vec::new()).build()
    };
    web::scope("/mcp")
        .wrap(from_fn(check_caller))
        .service(service.scope())
}
