//! Every route, in three lists: the open endpoints (GET; in blind mode
//! those that show the active failure need the control token, see
//! `blind.rs`), the control endpoints (POST, behind
//! [`Authorized`](super::auth::Authorized)) and the responder endpoints
//! (`/findings`, behind [`Poster`](super::blind::Poster)).
//! Each path answers 405 (JSON) to another method; any other path 404.
//! Tests walk these same lists, so a new route is covered by them.

use actix_web::{web, HttpRequest, HttpResponse, Resource, Route};

use super::body::{json_config, json_config_limited};
use super::error::ApiError;
use super::finding_body::{FINDING_BODY_LIMIT, FINDING_SHAPE};
use super::requests::INJECT_SHAPE;
use super::{control, dashboard, findings, read};

/// One path and how it is served.
pub(super) struct Endpoint {
    /// The path, e.g. `/pause`.
    pub(super) path: &'static str,
    routes: Vec<Route>,
    /// The JSON body limit and errors, for a route that takes `web::Json`.
    json: Option<web::JsonConfig>,
}

impl Endpoint {
    fn new(path: &'static str, route: Route) -> Self {
        Endpoint {
            path,
            routes: vec![route],
            json: None,
        }
    }

    /// The same path served for another method too.
    fn and(mut self, route: Route) -> Self {
        self.routes.push(route);
        self
    }

    fn with_json(self, config: web::JsonConfig) -> Self {
        Endpoint {
            json: Some(config),
            ..self
        }
    }

    /// The resource, answering 405 to any method but its own.
    fn into_resource(self) -> Resource {
        let resource = self
            .routes
            .into_iter()
            .fold(web::resource(self.path), Resource::route)
            .default_service(web::to(wrong_method));
        match self.json {
            Some(config) => resource.app_data(config),
            None => resource,
        }
    }
}

/// The endpoints anyone may read.
pub(super) fn open_endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new("/", web::get().to(dashboard::page)),
        Endpoint::new("/healthz", web::get().to(read::healthz)),
        Endpoint::new("/status", web::get().to(read::status)),
        Endpoint::new("/timeline", web::get().to(read::timeline)),
        Endpoint::new("/metrics", web::get().to(read::metrics)),
    ]
}

/// The endpoints that change what the engine does.
pub(super) fn control_endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::new("/pause", web::post().to(control::pause)),
        Endpoint::new("/resume", web::post().to(control::resume)),
        Endpoint::new("/inject", web::post().to(control::inject))
            .with_json(json_config(INJECT_SHAPE)),
        Endpoint::new("/clear", web::post().to(control::clear)),
        Endpoint::new("/reload", web::post().to(control::reload)),
    ]
}

/// The endpoints responders use: `POST /findings` (201) and
/// `GET /findings`, with the agent token or the control token.
pub(super) fn responder_endpoints() -> Vec<Endpoint> {
    vec![Endpoint::new("/findings", web::post().to(findings::post))
        .and(web::get().to(findings::list))
        .with_json(json_config_limited(FINDING_SHAPE, FINDING_BODY_LIMIT))]
}

/// Registers every route.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    for endpoint in open_endpoints()
        .into_iter()
        .chain(control_endpoints())
        .chain(responder_endpoints())
    {
        cfg.service(endpoint.into_resource());
    }
    cfg.default_service(web::to(not_found));
}

async fn wrong_method(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed {
        method: req.method().clone(),
        path: req.path().to_owned(),
    })
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NoEndpoint {
        method: req.method().clone(),
        path: req.path().to_owned(),
    })
}
