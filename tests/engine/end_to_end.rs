//! The whole system on loopback: the real engine and two real
//! `chaos-target` services (restarted by the harness when they exit), with
//! a fixed seed and a time-compressed schedule. Every scenario must show on
//! the HTTP side, and every endpoint must answer again after each clear.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::time::Duration;

use chaos_engine::picker::PickStream;
use chaos_engine::scenario::{Catalogue, DelayRange, Scenario};
use serde_json::Value;

use crate::helpers::{read_state, wait_until, Engine, Workspace};
use crate::http;
use crate::target_harness::{TargetService, RECHECK_GRACE};

const CONFIG_ERROR_DETAIL: &str = "Configuration error: DATABASE_URL is not properly configured. Please check environment variables and restart the service.";
const TIMEOUT: Duration = Duration::from_secs(10);

const TARGETS: &str = "\
defaults:
  interval: 3s
  recovery: 2s
  startup_wait: 500ms
  scenarios:
    - { name: CRASH, mode: crash, weight: 1 }
    - { name: SLOWDOWN, mode: slow, weight: 1, delay: { min: 5, max: 5 } }
    - { name: CONFIG_ERROR, mode: config_error, weight: 1 }
policy:
  min_interval: 0
targets:
  - { name: app, state_file: '{dir}/app.json' }
  - { name: db, state_file: '{dir}/db.json' }
";

/// A seed whose first three picks cover all three scenarios on both
/// targets, found with the engine's own picker (the same streams `run` uses).
fn seed_covering_every_scenario() -> u64 {
    let catalogue = std::sync::Arc::new(
        Catalogue::new(
            [
                ("CRASH", "crash", None),
                ("SLOWDOWN", "slow", Some(DelayRange { min: 5, max: 5 })),
                ("CONFIG_ERROR", "config_error", None),
            ]
            .into_iter()
            .map(|(name, mode, delay)| Scenario {
                name: name.into(),
                mode: mode.into(),
                weight: 1.0,
                delay,
                category: None,
                fix: Vec::new(),
            })
            .collect(),
        )
        .unwrap(),
    );
    (0..10_000u64)
        .find(|seed| {
            ["app", "db"].iter().all(|target| {
                let mut stream = PickStream::new(*seed, target, &catalogue);
                (0..3)
                    .map(|_| stream.next_pick().mode)
                    .collect::<HashSet<_>>()
                    .len()
                    == 3
            })
        })
        .expect("some seed covers every scenario")
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Waits for an injection whose id is not in `seen`.
fn next_failure(state_file: &Path, seen: &HashSet<String>) -> Value {
    let mut found = None;
    wait_until(TIMEOUT, "the next injection", || {
        found = read_state(state_file).filter(|v| {
            v["injected_by"] == "chaos-engine"
                && v["id"].as_str().is_some_and(|id| !seen.contains(id))
        });
        found.is_some()
    });
    found.unwrap()
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

/// Follows three injections into one target and checks each on the HTTP side.
fn follow_target(name: &str, state_file: &Path, service: &TargetService) -> BTreeSet<String> {
    let mut seen_ids = HashSet::new();
    let mut modes = BTreeSet::new();
    for _ in 0..3 {
        let failure = next_failure(state_file, &seen_ids);
        // chaos-target trusts its last look at the file for 10 ms
        // (--state-recheck-ms): give it that long to see the new failure.
        std::thread::sleep(RECHECK_GRACE);
        let id = failure["id"].as_str().unwrap().to_owned();
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
                let rewritten = read_state(state_file).unwrap();
                assert_eq!(
                    (rewritten["mode"].as_str(), rewritten["cleared_by"].as_str()),
                    (Some("healthy"), Some(name)),
                    "a restarted target writes its state healthy"
                );
                assert_eq!(
                    http::get(service.port, "/orders", TIMEOUT).unwrap().status,
                    200,
                    "{name}: restarted is repaired"
                );
            }
            "slow" => {
                // The delay (5 s) outlasts the failure (2 s): a slow request
                // hangs until the failure ends, at its `expires_at`.
                let delay = failure["delay"].as_f64().unwrap();
                let expires_at = failure["expires_at"].as_f64().unwrap();
                assert!(delay > 2.0, "{failure}");
                // /health first, while the failure is on: it is never
                // slowed, so it answers before the failure ends.
                let sent = now();
                let health = http::get(service.port, "/health", TIMEOUT).unwrap();
                let answered = now();
                assert_eq!(health.status, 200);
                // Sent with a second or more of the failure left, a slowed
                // /health would hang until the failure ended.
                assert!(
                    sent > expires_at - 1.0 || answered < expires_at,
                    "{name}: /health sent at {sent:.3} answered only when the failure ended at {expires_at:.3}"
                );
                let started = now();
                let response = http::get(service.port, "/orders", TIMEOUT).unwrap();
                let ended = now();
                assert_eq!(response.status, 200, "{name}: slow still serves");
                // Hung until the end of the failure (to the reader's 10 ms
                // look-again window), whenever the request started.
                assert!(
                    ended >= expires_at.min(started + delay) - 0.05,
                    "{name}: slow request answered at {ended:.3}, the failure ended at {expires_at:.3}"
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
            }
            other => panic!("{name}: unexpected mode {other}"),
        }
        if mode == "crash" {
            // The restart already repaired it: past the recovery deadline the
            // engine leaves the target's own healthy state in place.
            let deadline = failure["expires_at"].as_f64().unwrap();
            wait_until(TIMEOUT, "the recovery deadline", || now() > deadline + 0.2);
            let state = read_state(state_file).unwrap();
            assert_eq!(
                (state["mode"].as_str(), state["cleared_by"].as_str()),
                (Some("healthy"), Some(name)),
                "{state}"
            );
        } else {
            wait_until(TIMEOUT, "the engine's recovery clear", || {
                read_state(state_file)
                    .is_some_and(|v| v["reason"] == "recovery" && v["cleared_by"] == "chaos-engine")
            });
        }
        assert_every_endpoint_answers(service, name);
        seen_ids.insert(id);
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
    let seed = seed_covering_every_scenario().to_string();
    let mut engine = Engine::start(
        &["--targets", targets.to_str().unwrap(), "--seed", &seed],
        &[],
    );

    let (app_modes, db_modes) = std::thread::scope(|scope| {
        let app_thread = scope.spawn(|| follow_target("app", &app_file, &app));
        let db_thread = scope.spawn(|| follow_target("db", &db_file, &db));
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
