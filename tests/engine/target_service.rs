//! The reference target alone: what it does with each kind of state file.

use std::time::Duration;

use chaos_state::{write_atomic, FailureSpec, StateRecord};

use crate::helpers::{read_state, Workspace};
use crate::http;
use crate::target_harness::{TargetService, RECHECK_GRACE};

const TIMEOUT: Duration = Duration::from_secs(10);

fn write_failure(path: &std::path::Path, mode: &str, expires_in: f64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let record = StateRecord::failure(&FailureSpec {
        target: "app",
        scenario: "X",
        mode,
        delay: 0,
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
