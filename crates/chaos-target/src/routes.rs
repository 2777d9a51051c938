//! The HTTP endpoints. Handlers only talk to the [`Store`]; failures are
//! the middleware's business ([`crate::injection`]).

use actix_web::{error, web, HttpResponse, Responder};
use chaos_state::ReadOutcome;
use serde::Serialize;
use serde_json::json;

use crate::injection::FailureInjection;
use crate::store::{NewOrder, Store};

/// What `GET /` reports.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceInfo {
    /// The service's name.
    pub service: String,
    /// The state file it reads.
    pub state_file: String,
    /// False when started with `--no-failure-injection`.
    pub failure_injection: bool,
}

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/health", web::get().to(health))
        .route("/orders", web::get().to(list_orders))
        .route("/orders", web::post().to(create_order))
        .route("/orders/{id}", web::get().to(get_order))
        .route("/products", web::get().to(list_products))
        .route("/products/{id}", web::get().to(get_product))
        .route("/debug/state", web::get().to(debug_state));
}

/// JSON bodies that fail to parse get a 400 with a JSON `detail`.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(16 * 1024)
        // Parse the body as JSON whatever its Content-Type says (`curl -d`
        // sends form encoding unless told otherwise).
        .content_type_required(false)
        .content_type(|_| true)
        .error_handler(|err, _req| {
            let detail = err.to_string();
            error::InternalError::from_response(
                err,
                HttpResponse::BadRequest().json(json!({ "detail": detail })),
            )
            .into()
        })
}

async fn index(info: web::Data<ServiceInfo>) -> impl Responder {
    HttpResponse::Ok().json(json!({
        "service": info.service,
        "version": env!("CARGO_PKG_VERSION"),
        "state_file": info.state_file,
        "failure_injection": info.failure_injection,
        "endpoints": ["GET /", "GET /health", "GET /orders", "POST /orders", "GET /orders/{id}",
                      "GET /products", "GET /products/{id}", "GET /debug/state"],
    }))
}

/// How long state-file accesses may hang before `/health` says so.
pub const STUCK_READER_AFTER: std::time::Duration = std::time::Duration::from_secs(5);

async fn health(
    info: web::Data<ServiceInfo>,
    injection: web::Data<FailureInjection>,
) -> impl Responder {
    match injection.reader.stuck_for() {
        Some(stuck) if stuck >= STUCK_READER_AFTER => {
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "stuck",
                "service": info.service,
                "detail": format!(
                    "reading the state file {} has not returned for {} s",
                    injection.reader.path().display(),
                    stuck.as_secs()
                ),
            }))
        }
        _ => HttpResponse::Ok().json(json!({ "status": "healthy", "service": info.service })),
    }
}

async fn list_orders(store: web::Data<Store>) -> impl Responder {
    HttpResponse::Ok().json(store.orders())
}

async fn create_order(store: web::Data<Store>, body: web::Json<NewOrder>) -> impl Responder {
    match store.place(body.into_inner()) {
        Ok(order) => HttpResponse::Created().json(order),
        Err(detail) => HttpResponse::BadRequest().json(json!({ "detail": detail })),
    }
}

async fn get_order(store: web::Data<Store>, id: web::Path<u32>) -> impl Responder {
    match store.order(id.into_inner()) {
        Some(order) => HttpResponse::Ok().json(order),
        None => HttpResponse::NotFound().json(json!({ "detail": "Order not found" })),
    }
}

async fn list_products(store: web::Data<Store>) -> impl Responder {
    HttpResponse::Ok().json(store.products())
}

async fn get_product(store: web::Data<Store>, id: web::Path<u32>) -> impl Responder {
    match store.product(id.into_inner()) {
        Some(product) => HttpResponse::Ok().json(product),
        None => HttpResponse::NotFound().json(json!({ "detail": "Product not found" })),
    }
}

/// The state file as the middleware sees it right now.
async fn debug_state(injection: web::Data<FailureInjection>) -> impl Responder {
    let now = crate::unix_now();
    let outcome = injection.reader.read();
    let active = injection.reader.failure_at(now);
    let file = match outcome.as_ref() {
        ReadOutcome::Missing => json!({ "status": "missing" }),
        ReadOutcome::Unreadable(err) => json!({ "status": "unreadable", "error": err }),
        ReadOutcome::Record(record) => json!({ "status": "ok", "record": record }),
    };
    HttpResponse::Ok().json(json!({
        "state_file": injection.reader.path().display().to_string(),
        "acting_out": active.as_ref().map_or("healthy", |r| r.mode.as_str()),
        "delay": active.as_ref().map_or(0, |r| r.delay),
        "slow_requests_waiting": injection.slow_waiting.load(std::sync::atomic::Ordering::Acquire),
        "file": file,
    }))
}
