//! The whole system on loopback: the real engine and two real
//! `chaos-target` services (restarted by the harness when they exit). Each
//! scenario is injected through the API and held for an hour, so it is in
//! place for as long as the test looks at it, however loaded the machine:
//! every scenario must show on the HTTP side, and every endpoint must
//! answer again after each end (a restart for a crash, a clear otherwise).
//! The schedule's own injections and recovery clears are tested in
//! lifecycle.rs, on the paused clock where their timing matters.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{read_state, start_with_api, wait_until, Workspace};
use crate::http;
use crate::target_harness::{TargetService, RECHECK_GRACE};

const CONFIG_ERROR_DETAIL: &str = "Configuration error: DATABASE_URL is not properly configured. Please check environment variables and restart the service.";
const TIMEOUT: Duration = Duration::from_secs(10);

/// No scheduled injection during the test (the first is an hour away);
/// a slow request hangs for ten minutes unless the failure ends first.
const TARGETS: &str = "\
defaults:
  interval: 2h
  recovery: 1h
  startup_wait: 1h
  scenarios:
    - { name: CRASH, mode: crash, weight: 1 }
    - { name: SLOWDOWN, mode: slow, weight: 1, delay: { min: 600, max: 600 } }
    - { name: CONFIG_ERROR, mode: config_error, weight: 1 }
policy:
  min_interval: 0
targets:
  - { name: app, state_file: '{dir}/app.json' }
  - { name: db, state_file: '{dir}/db.json' }
";

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Injects `scenario` into `name` through the API, held for an hour, and
/// waits until its state file holds it; returns the failure.
fn inject_held(api: u16, name: &str, scenario: &str, state_file: &Path) -> Value {
    let body = format!(r#"{{"target": "{name}", "scenario": "{scenario}", "for": "1h"}}"#);
    let answer = http::post_json(api, "/inject", &body, TIMEOUT).unwrap();
    assert_eq!(answer.status, 200, "{name} {scenario}: {}", answer.body);
    let id = answer.json()["injected"]["id"].clone();
    let mut found = None;
    wait_until(TIMEOUT, "the failure in the state file", || {
        found = read_state(state_file).filter(|v| v["id"] == id);
        found.is_some()
    });
    found.unwrap()
}

/// Ends the active failure of `name` with `POST /clear`.
fn clear(api: u16, name: &str) {
    let body = format!(r#"{{"target": "{name}"}}"#);
    let answer = http::post_json(api, "/clear", &body, TIMEOUT).unwrap();
    assert_eq!(answer.status, 200, "{name}: {}", answer.body);
}

/// The active failure of `name` in `/status` (null when none).
fn active_failure(api: u16, name: &str) -> Value {
    let status = http::get(api, "/status", TIMEOUT).unwrap().json();
    status["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap()["failure"]
        .clone()
}

/// Every endpoint answers with success.
fn assert_every_endpoint_answers(service: &TargetService, name: &str) {
    for path in [
        "/",
        "/health",
        "/orders",
        "/orders/1",
        "/products",
        "/products/1",
        "/debug/state",
    ] {
        let response = http::get(service.port, path, TIMEOUT)
            .unwrap_or_else(|e| panic!("{name} GET {path}: {e}"));
        assert_eq!(response.status, 200, "{name} GET {path}: {}", response.body);
    }
    let created = http::post_json(
        service.port,
        "/orders",
        r#"{"product_id": 2, "quantity": 1}"#,
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(created.status, 201, "{name} POST /orders: {}", created.body);
}

/// Injects each scenario into one target in turn and checks each on the
/// HTTP side, then that it ends and every endpoint answers again.
fn follow_target(
    api: u16,
    name: &str,
    state_file: &Path,
    service: &TargetService,
) -> BTreeSet<String> {
    let mut modes = BTreeSet::new();
    for scenario in ["CRASH", "SLOWDOWN", "CONFIG_ERROR"] {
        let failure = inject_held(api, name, scenario, state_file);
        // chaos-target trusts its last look at the file for 10 ms
        // (--state-recheck-ms): give it that long to see the new failure.
        std::thread::sleep(RECHECK_GRACE);
        let mode = failure["mode"].as_str().unwrap().to_owned();
        match mode.as_str() {
            "crash" => {
                let exits_before = service.history().exits.len();
                let answer = http::get(service.port, "/orders", TIMEOUT);
                assert!(
                    answer.is_err(),
                    "{name}: a crashing target must not answer: {answer:?}"
                );
                wait_until(TIMEOUT, "the crashed process to exit", || {
                    service.history().exits.len() > exits_before
                });
                assert_eq!(
                    service.history().exits[exits_before],
                    Some(1),
                    "{name}: crash exits with code 1"
                );
                wait_until(TIMEOUT, "the restarted target to answer /health", || {
                    http::get(service.port, "/health", TIMEOUT).is_ok_and(|r| r.status == 200)
                });
                assert_eq!(
                    http::get(service.port, "/orders", TIMEOUT).unwrap().status,
                    200,
                    "{name}: restarted is repaired"
                );
                // The engine sees the restarted target's healthy write as a
                // repair and leaves the file as the target wrote it.
                wait_until(TIMEOUT, "the engine to see the repair", || {
                    active_failure(api, name).is_null()
                });
                let state = read_state(state_file).unwrap();
                assert_eq!(
                    (state["mode"].as_str(), state["cleared_by"].as_str()),
                    (Some("healthy"), Some(name)),
                    "a restarted target writes its state healthy: {state}"
                );
            }
            "slow" => {
                // The delay (600 s) outlasts the test: a slow request hangs
                // until the failure ends, here by the clear below.
                assert_eq!(failure["delay"], 600, "{failure}");
                let port = service.port;
                let slow = std::thread::spawn(move || {
                    let answer = http::get(port, "/orders", Duration::from_secs(120));
                    (answer, now())
                });
                // The request is held (chaos-target counts it), and
                // /health, never slowed, answers meanwhile.
                wait_until(TIMEOUT, "the slow request held", || {
                    http::get(service.port, "/debug/state", TIMEOUT)
                        .is_ok_and(|r| r.json()["slow_requests_waiting"].as_u64() == Some(1))
                });
                let health = http::get(service.port, "/health", TIMEOUT).unwrap();
                assert_eq!(health.status, 200);
                assert!(
                    !slow.is_finished(),
                    "{name}: /orders answered during a slow failure"
                );
                let cleared_at = now();
                clear(api, name);
                let (answer, answered_at) = slow.join().unwrap();
                assert_eq!(answer.unwrap().status, 200, "{name}: slow still serves");
                assert!(
                    answered_at >= cleared_at,
                    "{name}: the slow request was answered at {answered_at:.3}, before the clear at {cleared_at:.3}"
                );
            }
            "config_error" => {
                let response = http::get(service.port, "/products", TIMEOUT).unwrap();
                assert_eq!(response.status, 500, "{name}: {}", response.body);
                assert_eq!(response.json()["detail"], CONFIG_ERROR_DETAIL);
                assert_eq!(
                    http::get(service.port, "/health", TIMEOUT).unwrap().status,
                    200,
                    "/health is never failure-injected"
                );
                clear(api, name);
            }
            other => panic!("{name}: unexpected mode {other}"),
        }
        if mode != "crash" {
            let state = read_state(state_file).unwrap();
            assert_eq!(
                (
                    state["mode"].as_str(),
                    state["reason"].as_str(),
                    state["cleared_by"].as_str()
                ),
                (Some("healthy"), Some("manual"), Some("chaos-engine")),
                "{state}"
            );
            // Past the target's 10 ms look-again window, it serves again.
            std::thread::sleep(RECHECK_GRACE);
        }
        assert_every_endpoint_answers(service, name);
        modes.insert(mode);
    }
    modes
}

#[test]
fn every_scenario_manifests_over_http_and_every_clear_repairs() {
    let ws = Workspace::new();
    let (app_file, db_file) = (ws.path("app.json"), ws.path("db.json"));
    let app = TargetService::start("app", &app_file);
    let db = TargetService::start("db", &db_file);
    assert_every_endpoint_answers(&app, "app");
    assert_every_endpoint_answers(&db, "db");

    let targets = ws.targets(TARGETS);
    let (mut engine, api) = start_with_api(&["--targets", targets.to_str().unwrap()], &[]);

    let (app_modes, db_modes) = std::thread::scope(|scope| {
        let app_thread = scope.spawn(|| follow_target(api, "app", &app_file, &app));
        let db_thread = scope.spawn(|| follow_target(api, "db", &db_file, &db));
        (app_thread.join().unwrap(), db_thread.join().unwrap())
    });
    let every: BTreeSet<String> = ["config_error", "crash", "slow"]
        .iter()
        .map(|m| m.to_string())
        .collect();
    assert_eq!(app_modes, every);
    assert_eq!(db_modes, every);

    let (status, _) = engine.terminate();
    assert_eq!(status.code(), Some(0));
    for (file, service) in [(&app_file, &app), (&db_file, &db)] {
        assert_eq!(read_state(file).unwrap()["reason"], "shutdown");
        assert_eq!(
            service.history().exits,
            vec![Some(1)],
            "exactly one crash per target"
        );
        assert_eq!(service.history().starts, 2);
    }
}
