//! Every route, in two lists: the open endpoints (GET, no token) and the
//! control endpoints (POST, behind [`Authorized`](super::auth::Authorized)).
//! Each path answers 405 (JSON) to another method; any other path 404.
//! Tests walk these same lists, so a new route is covered by them.

use actix_web::{web, HttpRequest, HttpResponse, Resource, Route};

use super::body::json_config;
use super::error::ApiError;
use super::requests::INJECT_SHAPE;
use super::{control, dashboard, read};

/// One path and how it is served.
pub(super) struct Endpoint {
    /// The path, e.g. `/pause`.
    pub(super) path: &'static str,
    route: Route,
    /// The JSON body limit and errors, for a route that takes `web::Json`.
    json: Option<web::JsonConfig>,
}

impl Endpoint {
    fn new(path: &'static str, route: Route) -> Self {
        Endpoint {
            path,
            route,
            json: None,
        }
    }

    fn with_json(self, config: web::JsonConfig) -> Self {
        Endpoint {
            json: Some(config),
            ..self
        }
    }

    /// The resource, answering 405 to any method but its own.
    fn into_resource(self) -> Resource {
        let resource = web::resource(self.path)
            .route(self.route)
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

/// Registers every route.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    for endpoint in open_endpoints().into_iter().chain(control_endpoints()) {
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
