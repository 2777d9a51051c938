//! In-process tests of the whole API app (`test::init_service`): the token
//! check on every control route, the body limit, malformed bodies and the
//! JSON error answers. The supervisor is an address whose mailbox is closed,
//! so a request that gets past the checks answers 503 and nothing runs.

use actix::{AsyncContext as _, Context};
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::{test, web, App, HttpResponse};

use super::auth::Authorized;
use super::body::BODY_LIMIT;
use super::routes::{control_endpoints, open_endpoints, responder_endpoints};
use super::*;
use crate::actors::Supervisor;
use crate::clock::system_clock;
use crate::journal::Journal;
use crate::telemetry::Telemetry;

const TOKEN: &str = "s3cret";

/// The API app with `access`, on a supervisor that never answers.
async fn app(
    access: ControlAccess,
) -> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error> {
    let telemetry = std::sync::Arc::new(Telemetry::new(system_clock(), Journal::disabled()));
    app_on(access, telemetry).await
}

/// The API app with `access` showing `telemetry`, on a supervisor that never answers.
async fn app_on(
    access: ControlAccess,
    telemetry: crate::telemetry::SharedTelemetry,
) -> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error> {
    let context = Context::<Supervisor>::new();
    let supervisor = context.address();
    drop(context); // Closes the mailbox: every message fails at once.
    let state = ApiState {
        supervisor,
        telemetry,
        enabled: true,
        dry_run: false,
        seed: 42,
        access,
        agent_token: None,
        blind: false,
        findings_rate: None,
    };
    test::init_service(App::new().configure(service(state, ([127, 0, 0, 1], 0).into()))).await
}

fn token_access() -> ControlAccess {
    ControlAccess::decide("0.0.0.0:9797".parse().unwrap(), Some(TOKEN))
}

/// Status, `WWW-Authenticate` and body of one request.
struct Answer {
    status: StatusCode,
    challenge: Option<String>,
    body: String,
}

async fn call(
    app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    req: test::TestRequest,
) -> Answer {
    let response = test::call_service(app, req.to_request()).await;
    answer(response).await
}

async fn answer<B: MessageBody>(response: ServiceResponse<B>) -> Answer {
    let status = response.status();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = test::read_body(response).await;
    Answer {
        status,
        challenge,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

fn post(path: &str, token: Option<&str>) -> test::TestRequest {
    let req = test::TestRequest::post().uri(path);
    match token {
        Some(token) => req.insert_header((header::AUTHORIZATION, format!("Bearer {token}"))),
        None => req,
    }
}

/// A body each control route would accept, so only the token decides.
fn valid_body(path: &str) -> &'static str {
    match path {
        "/inject" => r#"{"target": "target-app", "mode": "crash"}"#,
        _ => "",
    }
}

#[actix_rt::test]
async fn every_control_route_refuses_without_a_token_and_with_a_wrong_one() {
    let app = app(token_access()).await;
    let control = control_endpoints();
    assert!(control.len() >= 5, "the control routes are listed");
    for endpoint in &control {
        let path = endpoint.path;
        let body = valid_body(path);
        let missing = call(&app, post(path, None).set_payload(body)).await;
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(missing.challenge.as_deref(), Some("Bearer"), "{path}");
        assert_eq!(
            missing.body,
            r#"{"error":"this endpoint needs `Authorization: Bearer <CHAOS_API_TOKEN>`"}"#
        );
        for wrong in ["wrong", "s3cre", "s3cret2", ""] {
            let refused = call(&app, post(path, Some(wrong)).set_payload(body)).await;
            assert_eq!(
                refused.status,
                StatusCode::UNAUTHORIZED,
                "{path} with {wrong:?}"
            );
            assert_eq!(refused.body, r#"{"error":"wrong bearer token"}"#);
        }
        let basic = post(path, None)
            .insert_header((header::AUTHORIZATION, format!("Basic {TOKEN}")))
            .set_payload(body);
        assert_eq!(
            call(&app, basic).await.status,
            StatusCode::UNAUTHORIZED,
            "{path} with Basic"
        );
        // The token is checked before the body is read.
        let huge = post(path, None).set_payload(vec![b'x'; BODY_LIMIT * 2]);
        assert_eq!(
            call(&app, huge).await.status,
            StatusCode::UNAUTHORIZED,
            "{path} with a huge body"
        );
        // The right token gets past the gate, to the (closed) supervisor.
        let through = call(&app, post(path, Some(TOKEN)).set_payload(body)).await;
        assert_eq!(
            through.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path}: {}",
            through.body
        );
        assert!(
            through.body.contains("the engine did not answer"),
            "{}",
            through.body
        );
    }
    // The open routes are GET only: no token needed, and no POST to slip through.
    for endpoint in open_endpoints() {
        let path = endpoint.path;
        let posted = call(&app, post(path, None)).await;
        assert_eq!(posted.status, StatusCode::METHOD_NOT_ALLOWED, "POST {path}");
        let read = call(&app, test::TestRequest::get().uri(path)).await;
        assert_ne!(read.status, StatusCode::UNAUTHORIZED, "GET {path}");
        assert!(
            control.iter().all(|c| c.path != path),
            "{path} is listed once"
        );
    }
    // The responder routes (`/findings`, POST and GET) take a token too:
    // without an agent token configured, the control token.
    let responder = responder_endpoints();
    assert_eq!(responder.len(), 1, "/findings is the only responder route");
    for endpoint in &responder {
        let path = endpoint.path;
        assert!(
            control
                .iter()
                .chain(&open_endpoints())
                .all(|c| c.path != path),
            "{path} is listed once"
        );
        let missing = call(&app, post(path, None).set_payload("{}")).await;
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED, "POST {path}");
        let read = call(&app, test::TestRequest::get().uri(path)).await;
        assert_eq!(read.status, StatusCode::UNAUTHORIZED, "GET {path}");
        let wrong = call(&app, post(path, Some("wrong")).set_payload("{}")).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "POST {path}");
        // Checked before the body is read.
        let huge = post(path, None).set_payload(vec![b'x'; BODY_LIMIT * 2]);
        assert_eq!(call(&app, huge).await.status, StatusCode::UNAUTHORIZED);
        let through = call(
            &app,
            test::TestRequest::get()
                .uri(path)
                .insert_header((header::AUTHORIZATION, format!("Bearer {TOKEN}"))),
        )
        .await;
        assert_eq!(
            through.status,
            StatusCode::OK,
            "GET {path}: {}",
            through.body
        );
        let put = call(
            &app,
            test::TestRequest::default().method(Method::PUT).uri(path),
        )
        .await;
        assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED, "PUT {path}");
    }
}

#[actix_rt::test]
async fn off_loopback_without_a_token_every_control_route_answers_403() {
    let app = app(ControlAccess::decide("0.0.0.0:9797".parse().unwrap(), None)).await;
    for endpoint in control_endpoints() {
        let path = endpoint.path;
        for token in [None, Some("anything")] {
            let refused = call(&app, post(path, token).set_payload(valid_body(path))).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(refused.challenge, None);
            assert_eq!(
                refused.body,
                "{\"error\":\"control endpoints are disabled: the API listens on the non-loopback \
                 address 0.0.0.0:9797 and CHAOS_API_TOKEN is not set. Set CHAOS_API_TOKEN and send \
                 `Authorization: Bearer <token>`, or listen on 127.0.0.1\"}"
            );
        }
    }
    let status = call(&app, test::TestRequest::get().uri("/status")).await;
    assert_eq!(status.status, StatusCode::OK, "GETs stay open");
    let json: serde_json::Value = serde_json::from_str(&status.body).unwrap();
    assert_eq!(json["control"], "disabled", "a page can say so up front");
}

#[actix_rt::test]
async fn status_says_who_may_control() {
    for (access, word) in [
        (ControlAccess::Open, "open"),
        (token_access(), "token"),
        (
            ControlAccess::decide("0.0.0.0:9797".parse().unwrap(), None),
            "disabled",
        ),
    ] {
        let app = app(access).await;
        let status = call(&app, test::TestRequest::get().uri("/status")).await;
        let json: serde_json::Value = serde_json::from_str(&status.body).unwrap();
        assert_eq!(json["control"], word);
    }
}

#[actix_rt::test]
async fn status_lists_each_targets_configured_scenarios_and_the_timeline_their_swatches() {
    use crate::scenario::{DelayRange, Scenario};
    let telemetry = std::sync::Arc::new(Telemetry::new(system_clock(), Journal::disabled()));
    let scenario = |name: &str, mode: &str, delay: Option<DelayRange>| Scenario {
        name: name.into(),
        mode: mode.into(),
        weight: 1.0,
        delay,
        category: None,
        fix: Vec::new(),
    };
    telemetry.target_added(
        "box",
        crate::outcome::Location {
            key: "docker",
            noun: "Docker",
            value: "service box".into(),
        },
        std::iter::empty(),
    );
    telemetry.target_scenarios(
        "box",
        &[
            scenario("KILL", "kill", None),
            scenario("SLUGGISH", "delay", Some(DelayRange { min: 2, max: 5 })),
        ],
    );
    let names: Vec<String> = ["CRASH", "KILL", "SLUGGISH"].map(str::to_owned).to_vec();
    telemetry.engine_started(1, 1, names);
    let app = app_on(ControlAccess::Open, telemetry).await;
    let status = call(&app, test::TestRequest::get().uri("/status")).await;
    let json: serde_json::Value = serde_json::from_str(&status.body).unwrap();
    assert_eq!(
        json["targets"][0]["scenarios"],
        serde_json::json!([
            {"name": "KILL", "mode": "kill"},
            {"name": "SLUGGISH", "mode": "delay", "delay": [2, 5]},
        ])
    );
    let timeline = call(&app, test::TestRequest::get().uri("/timeline")).await;
    let json: serde_json::Value = serde_json::from_str(&timeline.body).unwrap();
    assert_eq!(
        json["scenarios"],
        serde_json::json!([
            {"scenario": "CRASH", "colour": "#d55e00", "pattern": "solid", "fill": "#d55e00", "pattern_svg": null},
            {"scenario": "KILL", "colour": "#e69f00", "pattern": "solid", "fill": "#e69f00", "pattern_svg": null},
            {"scenario": "SLUGGISH", "colour": "#56b4e9", "pattern": "solid", "fill": "#56b4e9", "pattern_svg": null},
        ])
    );
}

#[actix_rt::test]
async fn on_loopback_without_a_token_control_is_open() {
    let app = app(ControlAccess::decide(
        "127.0.0.1:9797".parse().unwrap(),
        None,
    ))
    .await;
    for endpoint in control_endpoints() {
        let path = endpoint.path;
        let through = call(&app, post(path, None).set_payload(valid_body(path))).await;
        assert_eq!(
            through.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path}: {}",
            through.body
        );
    }
}

#[actix_rt::test]
async fn bodies_over_the_limit_get_413_with_or_without_a_length() {
    let app = app(token_access()).await;
    const TOO_LARGE: &str = r#"{"error":"body larger than 65536 bytes"}"#;
    for path in ["/pause", "/resume", "/inject", "/clear"] {
        let blank = vec![b' '; BODY_LIMIT + 1];
        let known = call(&app, post(path, Some(TOKEN)).set_payload(blank.clone())).await;
        assert_eq!(
            (known.status, known.body.as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE),
            "{path}"
        );

        // Chunked: no Content-Length, so the limit applies while reading.
        let mut unknown = post(path, Some(TOKEN)).set_payload(blank).to_request();
        unknown.headers_mut().remove(header::CONTENT_LENGTH);
        let streamed = answer(test::call_service(&app, unknown).await).await;
        assert_eq!(
            (streamed.status, streamed.body.as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE),
            "{path} streamed"
        );
    }
    // Exactly at the limit is accepted (a blank body: every target).
    let at_limit = post("/clear", Some(TOKEN)).set_payload(vec![b' '; BODY_LIMIT]);
    assert_eq!(
        call(&app, at_limit).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[actix_rt::test]
async fn malformed_bodies_and_queries_get_400_with_what_was_expected() {
    let app = app(ControlAccess::Open).await;
    let inject_shape = r#"body must be {\"target\": ..., \"scenario\": ...} or {\"target\": ..., \"mode\": ..., \"delay\": N}, either with \"for\": \"45s\""#;
    for (path, body, expected) in [
        (
            "/inject",
            "{bad",
            format!(r#"{{"error":"{inject_shape}: key must be a string at line 1 column 2"}}"#),
        ),
        (
            "/inject",
            "",
            format!(r#"{{"error":"{inject_shape}: EOF while parsing a value at line 1 column 0"}}"#),
        ),
        (
            "/inject",
            r#"{"target":"a","mode":"crash","x":1}"#,
            format!(
                r#"{{"error":"{inject_shape}: unknown field `x`, expected one of `target`, `scenario`, `mode`, `delay`, `for` at line 1 column 32"}}"#
            ),
        ),
        (
            "/inject",
            r#"{"target":"a","mode":"crash","scenario":"CRASH"}"#,
            r#"{"error":"give `scenario` or `mode`, not both"}"#.to_owned(),
        ),
        (
            "/clear",
            "[1]",
            r#"{"error":"body must be {\"target\": \"NAME\"} or empty: invalid type: integer `1`, expected a string at line 1 column 2"}"#.to_owned(),
        ),
        (
            "/pause?bogus=1",
            "",
            r#"{"error":"bad query string: Query deserialize error: unknown field `bogus`, expected `target`"}"#.to_owned(),
        ),
        (
            "/resume?target=a",
            r#"{"target": "a"}"#,
            r#"{"error":"give the target in the query string or the body, not both"}"#.to_owned(),
        ),
    ] {
        let answer = call(&app, post(path, None).set_payload(body)).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (StatusCode::BAD_REQUEST, expected.as_str()),
            "{path} {body}"
        );
    }
    // Any content type is read as JSON (`curl -d` sends a form type).
    let form = post("/inject", None)
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(r#"{"target": "a", "mode": "crash"}"#);
    assert_eq!(
        call(&app, form).await.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "parsed, then sent"
    );
}

#[actix_rt::test]
async fn unknown_paths_and_methods_get_json_404_and_405() {
    let app = app(ControlAccess::Open).await;
    let nowhere = call(&app, post("/nowhere", None)).await;
    assert_eq!(
        (nowhere.status, nowhere.body.as_str()),
        (
            StatusCode::NOT_FOUND,
            r#"{"error":"no endpoint POST /nowhere"}"#
        )
    );
    let get = call(&app, test::TestRequest::get().uri("/pause")).await;
    assert_eq!(
        (get.status, get.body.as_str()),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            r#"{"error":"GET is not allowed on /pause"}"#
        )
    );
    let put = call(
        &app,
        test::TestRequest::default()
            .method(Method::PUT)
            .uri("/status"),
    )
    .await;
    assert_eq!(
        (put.status, put.body.as_str()),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            r#"{"error":"PUT is not allowed on /status"}"#
        )
    );
    let health = call(&app, test::TestRequest::get().uri("/healthz")).await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"error":"the actor system does not answer"}"#
        )
    );
}

#[actix_rt::test]
async fn a_handler_on_an_app_without_the_gate_fails_closed() {
    async fn sneaky(_: Authorized) -> HttpResponse {
        HttpResponse::Ok().finish()
    }
    let app = test::init_service(App::new().route("/x", web::post().to(sneaky))).await;
    let answer = call(&app, post("/x", Some(TOKEN))).await;
    assert_eq!(
        answer.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        answer.body
    );
}

#[actix_rt::test]
async fn the_dashboard_is_one_html_page_that_loads_nothing_from_elsewhere() {
    let app = app(ControlAccess::Open).await;
    let response = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(header(header::CONTENT_TYPE), "text/html; charset=utf-8");
    let policy = header(header::CONTENT_SECURITY_POLICY);
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    let page = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    assert!(page.starts_with("<!doctype html>") && page.ends_with("</html>\n"));
    for external in [
        "http://", "https://", "//cdn", " src=", " href=", "@import", "url(",
    ] {
        assert!(
            !page.to_lowercase().contains(external),
            "the page refers to something elsewhere ({external:?})"
        );
    }
    // What it reads and what its buttons send.
    for path in [
        "\"/status\"",
        "\"/timeline\"",
        "\"/pause\"",
        "\"/resume\"",
        "\"/clear\"",
        "\"/inject\"",
    ] {
        assert!(page.contains(path), "the page uses {path}");
    }
    assert!(page.contains(r#"aria-live="polite""#));
}

#[actix_rt::test]
async fn the_timeline_lists_the_recent_events_with_the_engine_clock() {
    let telemetry = std::sync::Arc::new(Telemetry::new(system_clock(), Journal::disabled()));
    telemetry.paused("db", true);
    telemetry.paused("db", false);
    let app = app_on(ControlAccess::Open, telemetry.clone()).await;
    let answer = call(&app, test::TestRequest::get().uri("/timeline")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let json: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    let kinds: Vec<(&str, &str, u64)> = json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["target"].as_str().unwrap(),
                e["kind"].as_str().unwrap(),
                e["seq"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, [("db", "paused", 1), ("db", "resumed", 2)]);
    assert_eq!(json["capacity"], 500);
    assert_eq!(json["dropped"], 0);
    let (started, now) = (
        json["started_at"].as_f64().unwrap(),
        json["now"].as_f64().unwrap(),
    );
    assert!(started > 1e9 && now >= started, "{started} {now}");
}

/// The API app with `state`'s rules on `telemetry` and a findings limit
/// of `rate`, on a supervisor that never answers.
async fn app_with_limit(
    telemetry: crate::telemetry::SharedTelemetry,
    rate: &str,
    agent_token: Option<&str>,
    blind: bool,
) -> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error> {
    let context = Context::<Supervisor>::new();
    let supervisor = context.address();
    drop(context);
    let state = ApiState {
        supervisor,
        telemetry,
        enabled: true,
        dry_run: false,
        seed: 42,
        access: token_access(),
        agent_token: agent_token.map(str::to_owned),
        blind,
        findings_rate: crate::config::rate::parse_rate(rate).unwrap(),
    };
    test::init_service(App::new().configure(service(state, ([127, 0, 0, 1], 0).into()))).await
}

/// Findings beyond the limit (3 a minute, the clock fixed) get 429 with
/// `Retry-After` and the usual JSON error, are not journalled, and do not
/// count against another responder; in blind mode the answer shows
/// nothing of the active failure.
#[actix_rt::test]
async fn findings_beyond_the_limit_get_429_and_are_not_journalled() {
    for blind in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let clock = std::sync::Arc::new(crate::clock::FixedClock(1_700_000_000.0));
        let telemetry = std::sync::Arc::new(Telemetry::new(clock, Journal::open(&path)));
        telemetry.target_added("db", db_location(), std::iter::empty());
        let agent = blind.then_some("agent-token");
        let app = app_with_limit(telemetry, "3/1m", agent, blind).await;
        let token = agent.unwrap_or(TOKEN);
        let finding = |responder: &str| {
            post("/findings", Some(token))
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload(format!(
                    r#"{{"responder": "{responder}", "target": "db", "kind": "detected"}}"#
                ))
        };
        let mut statuses = Vec::new();
        for _ in 0..5 {
            let response = test::call_service(&app, finding("agent-1").to_request()).await;
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .map(|v| v.to_str().unwrap().to_owned());
            let head = format!("{:?}", response.headers());
            let answer = answer(response).await;
            if answer.status == StatusCode::TOO_MANY_REQUESTS {
                assert_eq!(retry_after.as_deref(), Some("20"), "one back every 20 s");
                assert_eq!(
                    answer.body,
                    r#"{"error":"too many findings from responder `agent-1`: at most 3/60s per responder (--findings-rate); retry after 20s"}"#
                );
                for secret in ["db", "crash", "healthy", "status"] {
                    assert!(!answer.body.contains(secret), "{secret}: {}", answer.body);
                    assert!(!head.contains(secret), "{secret}: {head}");
                }
            } else {
                assert_eq!(retry_after, None);
            }
            statuses.push(answer.status.as_u16());
        }
        assert_eq!(statuses, [201, 201, 201, 429, 429], "blind: {blind}");
        // Another responder has a bucket of its own.
        let other = call(&app, finding("agent-2")).await;
        assert_eq!(other.status, StatusCode::CREATED, "{}", other.body);
        let journalled: Vec<String> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|line| {
                let value: serde_json::Value = serde_json::from_str(line).unwrap();
                assert_eq!(value["event"], "finding");
                value["responder"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(journalled, ["agent-1", "agent-1", "agent-1", "agent-2"]);
        // The refused ones are not shown by GET /findings either.
        let listed = call(
            &app,
            test::TestRequest::get()
                .uri("/findings")
                .insert_header((header::AUTHORIZATION, format!("Bearer {token}"))),
        )
        .await;
        let listed: serde_json::Value = serde_json::from_str(&listed.body).unwrap();
        assert_eq!(listed["findings"].as_array().unwrap().len(), 4);
    }
}

#[actix_rt::test]
async fn a_bad_finding_is_a_400_and_takes_nothing_from_the_limit() {
    let telemetry = std::sync::Arc::new(Telemetry::new(
        std::sync::Arc::new(crate::clock::FixedClock(1_700_000_000.0)),
        Journal::disabled(),
    ));
    telemetry.target_added("db", db_location(), std::iter::empty());
    let app = app_with_limit(telemetry, "1/1h", None, false).await;
    let send = |body: &'static str| {
        post("/findings", Some(TOKEN))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(body)
    };
    for bad in [
        r#"{"responder": "a", "target": "nowhere", "kind": "detected"}"#,
        r#"{"responder": "a", "target": "db", "kind": "guessed"}"#,
    ] {
        assert_eq!(call(&app, send(bad)).await.status, StatusCode::BAD_REQUEST);
    }
    let good = r#"{"responder": "a", "target": "db", "kind": "detected"}"#;
    assert_eq!(call(&app, send(good)).await.status, StatusCode::CREATED);
    let again = call(&app, send(good)).await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(again.body.contains("retry after 3600s"), "{}", again.body);
}

/// Where the test target `db` takes its failures: its state file.
fn db_location() -> crate::outcome::Location {
    crate::outcome::Location {
        key: "state_file",
        noun: "state file",
        value: "/tmp/db.json".into(),
    }
}
