//! `GET /`: the live dashboard, one self-contained HTML page (its CSS and
//! script inline, no external asset) assembled at compile time from
//! `dashboard/body.html`, `dashboard/style.css` and `dashboard/app.js`. The
//! page polls `/status` and `/timeline` once a second and sends the control
//! POSTs with the token typed into it. The page itself carries no state, so
//! it is served to anyone; in blind mode its reads send the typed token too,
//! and without the control token it says so instead of showing the run.

use actix_web::http::header;
use actix_web::HttpResponse;

/// The whole page.
pub(super) const PAGE: &str = concat!(
    "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    "<title>chaos-engine dashboard</title>\n<style>\n",
    include_str!("dashboard/style.css"),
    "</style>\n</head>\n",
    include_str!("dashboard/body.html"),
    "<script>\n",
    include_str!("dashboard/app.js"),
    "</script>\n</body>\n</html>\n"
);

/// What the page may load: nothing from elsewhere, its own inline style
/// and script, and requests back to this API.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     script-src 'unsafe-inline'; connect-src 'self'; img-src data:; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `GET /`: the dashboard page.
pub(super) async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .body(PAGE)
}
