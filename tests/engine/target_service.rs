//! The reference target alone: what it does with each kind of state file.

use std::time::Duration;

use chaos_state::{write_atomic, FailureSpec, StateRecord};

use crate::helpers::{read_state, wait_until, Workspace};
use crate::http;
use crate::target_harness::{TargetService, RECHECK_GRACE};

const TIMEOUT: Duration = Duration::from_secs(10);

fn write_failure(path: &std::path::Path, mode: &str, expires_in: f64) {
    write_failure_with_delay(path, mode, 0, expires_in);
}

fn write_failure_with_delay(path: &std::path::Path, mode: &str, delay: u64, expires_in: f64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let record = StateRecord::failure(&FailureSpec {
        target: "app",
        scenario: "X",
        mode,
        delay,
        id: "test",
        timestamp: now,
        expires_at: now + expires_in,
    });
    write_atomic(path, &record).unwrap();
    std::thread::sleep(RECHECK_GRACE);
}

#[test]
fn starts_healthy_ignores_unknown_expired_and_garbage_states() {
    let ws = Workspace::new();
    let state = ws.path("app.json");
    std::fs::write(&state, r#"{"mode": "crash"}"#).unwrap();
    let service = TargetService::start("app", &state);
    let written = read_state(&state).unwrap();
    assert_eq!(
        (
            written["mode"].as_str(),
            written["cleared_by"].as_str(),
            written["reason"].as_str()
        ),
        (Some("healthy"), Some("app"), Some("startup"))
    );

    write_failure(&state, "disk_full", 60.0);
    assert_eq!(
        http::get(service.port, "/orders", TIMEOUT).unwrap().status,
        200,
        "unknown modes are ignored"
    );
    let seen = http::get(service.port, "/debug/state", TIMEOUT)
        .unwrap()
        .json();
    assert_eq!(seen["acting_out"], "disk_full");
    assert_eq!(seen["file"]["record"]["id"], "test");

    write_failure(&state, "network_partition", 60.0);
    let partitioned = http::get(service.port, "/products", TIMEOUT).unwrap();
    assert_eq!(
        (partitioned.status, partitioned.json()["detail"].as_str()),
        (503, Some(chaos_target::injection::NETWORK_PARTITION_DETAIL))
    );

    write_failure(&state, "config_error", -1.0);
    assert_eq!(
        http::get(service.port, "/products", TIMEOUT)
            .unwrap()
            .status,
        200,
        "an expired failure is over"
    );

    std::fs::write(&state, b"\x00{not json").unwrap();
    std::thread::sleep(RECHECK_GRACE);
    assert_eq!(
        http::get(service.port, "/products", TIMEOUT)
            .unwrap()
            .status,
        200,
        "garbage reads as healthy"
    );
    assert_eq!(
        http::get(service.port, "/debug/state", TIMEOUT)
            .unwrap()
            .json()["file"]["status"],
        "unreadable"
    );

    write_failure(&state, "config_error", 60.0);
    let debug = http::get(service.port, "/debug/state", TIMEOUT).unwrap();
    assert_eq!(debug.status, 200, "/debug/state is never failure-injected");
    assert_eq!(debug.json()["acting_out"], "config_error");
    assert_eq!(service.history().exits, Vec::<Option<i32>>::new());
}

#[test]
fn bad_requests_get_json_errors() {
    let ws = Workspace::new();
    let service = TargetService::start("app", &ws.path("app.json"));
    let missing = http::get(service.port, "/orders/999", TIMEOUT).unwrap();
    assert_eq!(
        (missing.status, missing.json()["detail"].as_str()),
        (404, Some("Order not found"))
    );
    let bad = http::post_json(service.port, "/orders", r#"{"product_id": "x"}"#, TIMEOUT).unwrap();
    assert_eq!(bad.status, 400);
    assert!(bad.json()["detail"].as_str().is_some());
    let unknown = http::post_json(
        service.port,
        "/orders",
        r#"{"product_id": 42, "quantity": 1}"#,
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(
        (unknown.status, unknown.json()["detail"].as_str()),
        (400, Some("no product 42"))
    );
    let created = http::post_json(
        service.port,
        "/orders",
        r#"{"product_id": 3, "quantity": 2}"#,
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(created.status, 201);
    let id = created.json()["id"].as_u64().unwrap();
    assert_eq!(
        http::get(service.port, &format!("/orders/{id}"), TIMEOUT)
            .unwrap()
            .json()["quantity"],
        2
    );
}

#[test]
fn a_fifo_at_the_state_path_does_not_wedge_requests() {
    let ws = Workspace::new();
    let state = ws.path("app.json");
    let service = TargetService::start("app", &state);
    std::fs::remove_file(&state).unwrap();
    crate::helpers::make_fifo(&state);
    std::thread::sleep(RECHECK_GRACE);
    // Before the bounded reader, a worker blocked in open() for good.
    let answer = http::get(service.port, "/products", TIMEOUT).unwrap();
    assert_eq!(answer.status, 200, "a FIFO is not a failure");
    let seen = http::get(service.port, "/debug/state", TIMEOUT)
        .unwrap()
        .json();
    assert_eq!(seen["file"]["status"], "unreadable");
    assert!(
        seen["file"]["error"]
            .as_str()
            .is_some_and(|e| e.ends_with("is a FIFO, not a state file")),
        "{seen}"
    );
    // Replaced by a real failure, it is acted out again.
    std::fs::remove_file(&state).unwrap();
    write_failure(&state, "config_error", 60.0);
    assert_eq!(
        http::get(service.port, "/orders", TIMEOUT).unwrap().status,
        500
    );
}

/// How many requests wait out a slow failure now, per `/debug/state`.
fn slow_waiting(port: u16) -> u64 {
    http::get(port, "/debug/state", TIMEOUT).unwrap().json()["slow_requests_waiting"]
        .as_u64()
        .unwrap()
}

/// Sends `GET /orders` and leaves the connection open, unread.
fn open_request(port: u16) -> std::net::TcpStream {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    stream
}

#[test]
fn slow_requests_end_with_the_failure_with_their_client_and_beyond_the_bound() {
    let ws = Workspace::new();
    let state = ws.path("app.json");
    let service = TargetService::start_with("app", &state, 0, &["--max-slow-requests", "2"]);
    write_failure_with_delay(&state, "slow", 600, 900.0);

    // A client that goes away frees its place (actix drops its request).
    let abandoned = open_request(service.port);
    wait_until(TIMEOUT, "the first request to wait", || {
        slow_waiting(service.port) == 1
    });
    drop(abandoned);
    wait_until(TIMEOUT, "the abandoned request to end", || {
        slow_waiting(service.port) == 0
    });

    // Two wait; a third is turned away at once.
    let waiting = [open_request(service.port), open_request(service.port)];
    wait_until(TIMEOUT, "two requests to wait", || {
        slow_waiting(service.port) == 2
    });
    let turned_away = http::get(service.port, "/orders", TIMEOUT).unwrap();
    assert_eq!(
        (turned_away.status, turned_away.json()["detail"].as_str()),
        (503, Some(chaos_target::injection::SLOW_OVERFLOW_DETAIL))
    );

    // The failure is cleared: both finish long before their 600 s delay.
    write_atomic(
        &state,
        &StateRecord::healthy("app", chaos_state::ClearReason::Recovery, 1.0),
    )
    .unwrap();
    for mut stream in waiting {
        use std::io::Read;
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer:.60}");
    }
    assert_eq!(slow_waiting(service.port), 0);
}
