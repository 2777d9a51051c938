//! The HTTP control API, metrics, journal and hot reload, against the real
//! binary on loopback (port 0).

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{
    journal, journal_events, metric, read_state, run_once, start_with_api, wait_until, Engine,
    Workspace,
};
use crate::http;

const TIMEOUT: Duration = Duration::from_secs(10);

/// An authenticated or anonymous POST.
fn post(port: u16, path: &str, body: &str, token: Option<&str>) -> http::Response {
    http::post_json_with(port, path, body, token, TIMEOUT)
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
}

fn get_json(port: u16, path: &str) -> Value {
    let response = http::get(port, path, TIMEOUT).unwrap();
    assert_eq!(response.status, 200, "GET {path}: {}", response.body);
    response.json()
}

#[test]
fn control_status_metrics_and_journal_follow_a_scripted_sequence() {
    let ws = Workspace::new();
    let (state, journal_path) = (ws.path("state.json"), ws.path("journal.jsonl"));
    let (mut engine, port) = start_with_api(
        &[
            "--journal",
            journal_path.to_str().unwrap(),
            "--interval",
            "60",
            "--recovery",
            "0.5",
            "--startup-wait",
            "60",
            "--min-interval",
            "0",
        ],
        &[("FAILURE_STATE_FILE", state.to_str().unwrap())],
    );

    assert_eq!(get_json(port, "/healthz")["status"], "ok");
    // The API answers as soon as it listens; the target plans its first
    // injection a moment later.
    wait_until(TIMEOUT, "the first planned injection", || {
        get_json(port, "/status")["targets"][0]["next_injection_at"].is_f64()
    });
    let status = get_json(port, "/status");
    assert_eq!(
        (status["enabled"].as_bool(), status["paused"].as_bool()),
        (Some(true), Some(false))
    );
    // The random seed of this run, the same in /status and in the journal's
    // run record.
    let started = journal_events(&journal_path, "engine_started");
    assert_eq!(status["seed"].as_u64(), started[0]["seed"].as_u64());
    assert!(status["seed"].is_u64(), "{status}");
    let target = &status["targets"][0];
    assert_eq!(
        (target["name"].as_str(), target["mode"].as_str()),
        (Some("target-app"), Some("healthy"))
    );
    assert!(target["next_injection_at"].as_f64().unwrap() > 0.0);

    // Manual inject by scenario, cleared automatically after the recovery.
    let injected = post(
        port,
        "/inject",
        r#"{"target": "target-app", "scenario": "CONFIG_ERROR"}"#,
        None,
    );
    assert_eq!(injected.status, 200, "{}", injected.body);
    let id = injected.json()["injected"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // (The file and /status are checked on the held failure below: this
    // one may already be cleared by the time they are read.)
    assert_eq!(
        journal_events(&journal_path, "injected")[0]["id"],
        id.as_str()
    );
    wait_until(TIMEOUT, "the automatic clear", || {
        read_state(&state).is_some_and(|v| v["reason"] == "recovery")
    });

    // Manual inject by mode, held for an hour (so nothing but the pause
    // ends it, however slow the machine), then pause while it is active.
    let slow = post(
        port,
        "/inject",
        r#"{"target": "target-app", "mode": "slow", "delay": 7, "for": "1h"}"#,
        None,
    );
    let slow = slow.json()["injected"].clone();
    assert_eq!(slow["delay"], 7);
    assert_eq!(read_state(&state).unwrap()["id"], slow["id"]);
    assert_eq!(
        get_json(port, "/status")["targets"][0]["failure"]["id"],
        slow["id"]
    );
    let paused = post(port, "/pause", "", None);
    assert_eq!(paused.json()["paused"], serde_json::json!(["target-app"]));
    let after_pause = read_state(&state).unwrap();
    assert_eq!(
        (after_pause["mode"].as_str(), after_pause["reason"].as_str()),
        (Some("healthy"), Some("manual"))
    );
    let status = get_json(port, "/status");
    assert_eq!(status["paused"], true);
    assert!(status["targets"][0]["next_injection_at"].is_null());
    assert_eq!(
        post(port, "/pause?target=target-app", "", None).json()["paused"],
        serde_json::json!([])
    );
    assert_eq!(
        post(port, "/resume?target=target-app", "", None).json()["resumed"],
        serde_json::json!(["target-app"])
    );
    let cleared = post(port, "/clear", r#"{"target": "target-app"}"#, None);
    assert_eq!(cleared.json()["cleared"], serde_json::json!(["target-app"]));

    let metrics = http::get(port, "/metrics", TIMEOUT).unwrap();
    assert_eq!(metrics.status, 200);
    let text = metrics.body;
    assert_eq!(
        metric(
            &text,
            r#"chaos_injections_total{target="target-app",scenario="CONFIG_ERROR"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        metric(
            &text,
            r#"chaos_injections_total{target="target-app",scenario="SLOWDOWN"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        metric(
            &text,
            r#"chaos_recoveries_total{target="target-app",reason="recovery"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        metric(
            &text,
            r#"chaos_recoveries_total{target="target-app",reason="manual"}"#
        ),
        Some(1.0)
    );
    assert_eq!(metric(&text, "chaos_active_failures"), Some(0.0));
    assert_eq!(
        metric(&text, r#"chaos_paused{target="target-app"}"#),
        Some(0.0)
    );
    assert_eq!(
        metric(
            &text,
            r#"chaos_state_write_errors_total{target="target-app"}"#
        ),
        Some(0.0),
        "counters exist from the first scrape"
    );
    assert!(
        metric(
            &text,
            r#"chaos_next_injection_timestamp_seconds{target="target-app"}"#
        )
        .unwrap()
            > 1e9
    );
    assert!(text.contains("chaos_build_info{version="), "{text}");

    let (status, _) = engine.terminate();
    assert!(status.success());
    let events: Vec<(String, Option<String>)> = journal(&journal_path)
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap().to_owned(),
                e["reason"]
                    .as_str()
                    .or(e["ended_by"].as_str())
                    .map(str::to_owned),
            )
        })
        .collect();
    let expected: Vec<(String, Option<String>)> = [
        ("engine_started", None),
        ("cleared", Some("startup")),
        ("injected", None),
        ("cleared", Some("recovery")),
        ("ended", Some("recovery")),
        ("injected", None),
        ("paused", None),
        ("cleared", Some("manual")),
        ("ended", Some("manual")),
        ("resumed", None),
        ("cleared", Some("manual")),
        ("cleared", Some("shutdown")),
        ("engine_stopped", None),
    ]
    .iter()
    .map(|(e, r)| (e.to_string(), r.map(str::to_owned)))
    .collect();
    assert_eq!(events, expected);
    let lines = journal(&journal_path);
    assert_eq!(lines[2]["id"], id.as_str());
    assert_eq!(
        (
            lines[2]["scenario"].as_str(),
            lines[2]["mode"].as_str(),
            lines[2]["source"].as_str()
        ),
        (Some("CONFIG_ERROR"), Some("config_error"), Some("manual"))
    );
    assert_eq!(lines[3]["id"], id.as_str());
    assert!(lines
        .iter()
        .all(|l| l["timestamp"].as_f64().is_some_and(|t| t > 1e9)));
}

#[test]
fn bad_requests_get_json_errors_never_a_panic() {
    let ws = Workspace::new();
    let (mut engine, port) = start_with_api(
        &["--startup-wait", "60"],
        &[("FAILURE_STATE_FILE", ws.path("s.json").to_str().unwrap())],
    );
    for (path, body, status, fragment) in [
        ("/inject", "{bad json", 400, "body must be"),
        (
            "/inject",
            r#"{"target": "target-app"}"#,
            400,
            "give `scenario` or `mode`",
        ),
        (
            "/inject",
            r#"{"target": "target-app", "scenario": "CRASH", "mode": "crash"}"#,
            400,
            "not both",
        ),
        (
            "/inject",
            r#"{"target": "target-app", "scenario": "CRASH", "delay": 3}"#,
            400,
            "`delay` goes with `mode`",
        ),
        (
            "/inject",
            r#"{"target": "target-app", "mode": "crash", "delay": 3}"#,
            400,
            "always writes delay 0",
        ),
        (
            "/inject",
            r#"{"target": "target-app", "mode": "Bad Mode"}"#,
            400,
            "lower-case",
        ),
        (
            "/inject",
            r#"{"target": "target-app", "scenario": "NOPE"}"#,
            404,
            "has no scenario NOPE",
        ),
        (
            "/inject",
            r#"{"target": "ghost", "scenario": "CRASH"}"#,
            404,
            "no target ghost",
        ),
        (
            "/inject",
            r#"{"target": "target-app", "mode": "slow", "extra": 1}"#,
            400,
            "unknown field",
        ),
        ("/pause?target=ghost", "", 404, "no target ghost"),
        ("/pause?bogus=1", "", 400, "bad query string"),
        ("/clear", "[1]", 400, "body must be"),
        ("/nowhere", "", 404, "no endpoint POST /nowhere"),
    ] {
        let response = post(port, path, body, None);
        assert_eq!(response.status, status, "{path} {body}: {}", response.body);
        let message = response.json()["error"].as_str().unwrap_or("").to_owned();
        assert!(message.contains(fragment), "{path} {body}: {message}");
    }
    let wrong = http::get(port, "/pause", TIMEOUT).unwrap();
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.json()["error"], "GET is not allowed on /pause");
    assert_eq!(post(port, "/status", "", None).status, 405);
    let huge = format!(r#"{{"target": "{}"}}"#, "x".repeat(70 * 1024));
    let too_big = post(port, "/clear", &huge, None);
    assert_eq!(too_big.status, 413);
    assert!(too_big.json()["error"]
        .as_str()
        .unwrap()
        .contains("larger than"));
    assert_eq!(
        http::get(port, "/healthz", TIMEOUT).unwrap().status,
        200,
        "still alive"
    );
    engine.terminate();
}

#[test]
fn posts_need_the_token_when_one_is_set_and_are_refused_off_loopback_without_one() {
    let ws = Workspace::new();
    let state = ws.path("s.json");
    let env = [
        ("FAILURE_STATE_FILE", state.to_str().unwrap()),
        ("CHAOS_API_TOKEN", "s3cret"),
    ];
    let (mut engine, port) = start_with_api(&["--startup-wait", "60"], &env);
    assert_eq!(post(port, "/pause", "", None).status, 401);
    assert_eq!(post(port, "/pause", "", Some("wrong")).status, 401);
    assert_eq!(post(port, "/pause", "", Some("s3cre")).status, 401);
    assert_eq!(post(port, "/pause", "", Some("s3cret")).status, 200);
    assert_eq!(
        http::get(port, "/status", TIMEOUT).unwrap().status,
        200,
        "GETs need no token"
    );
    engine.terminate();

    // Listening on every interface without a token: GET works, POST is 403.
    let mut open = Engine::start(
        &["--http", "0.0.0.0:0", "--startup-wait", "60"],
        &[("FAILURE_STATE_FILE", state.to_str().unwrap())],
    );
    let port = open.api_port();
    let refused = post(
        port,
        "/inject",
        r#"{"target": "target-app", "mode": "crash"}"#,
        None,
    );
    assert_eq!(refused.status, 403);
    assert!(refused.json()["error"]
        .as_str()
        .unwrap()
        .contains("Set CHAOS_API_TOKEN"));
    assert_eq!(
        read_state(&state).unwrap()["mode"],
        "healthy",
        "nothing injected"
    );
    assert_eq!(http::get(port, "/metrics", TIMEOUT).unwrap().status, 200);
    let probe = run_once(&["healthcheck", "--http", &format!("0.0.0.0:{port}")], &[]);
    assert_eq!(
        probe.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    open.terminate();
    let down = run_once(
        &["healthcheck", "--http", &format!("127.0.0.1:{port}")],
        &[],
    );
    assert_eq!(down.status.code(), Some(1), "nothing listens any more");
}

#[test]
fn reload_applies_a_valid_file_and_rejects_an_invalid_one() {
    let ws = Workspace::new();
    let journal_path = ws.path("journal.jsonl");
    let one = "defaults: { interval: 60s, recovery: 30s, startup_wait: 60s }\npolicy: { min_interval: 0 }\ntargets:\n  - { name: a, state_file: '{dir}/a.json' }\n";
    let targets = ws.targets(one);
    let (mut engine, port) = start_with_api(
        &[
            "--targets",
            targets.to_str().unwrap(),
            "--journal",
            journal_path.to_str().unwrap(),
        ],
        &[],
    );
    // A failure on `a` that must survive a reload that does not touch `a`.
    let injected = post(port, "/inject", r#"{"target": "a", "mode": "crash"}"#, None);
    let id = injected.json()["injected"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    ws.targets(&format!(
        "{one}  - {{ name: b, state_file: '{{dir}}/b.json', interval: 5s, recovery: 1s }}\n"
    ));
    let reloaded = post(port, "/reload", "", None);
    assert_eq!(reloaded.status, 200, "{}", reloaded.body);
    let report = &reloaded.json()["reloaded"];
    assert_eq!(
        (report["added"].clone(), report["unchanged"].clone()),
        (serde_json::json!(["b"]), serde_json::json!(["a"]))
    );
    wait_until(TIMEOUT, "b's startup clear", || {
        read_state(&ws.path("b.json")).is_some()
    });
    assert_eq!(
        read_state(&ws.path("a.json")).unwrap()["id"],
        id.as_str(),
        "a keeps its failure"
    );
    let names: Vec<Value> = get_json(port, "/status")["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(names, [Value::from("a"), Value::from("b")]);

    // Invalid: rejected with the start-up message, nothing changes.
    std::fs::write(
        &targets,
        "targets:\n  - { name: a, state_file: /nonexistent-dir/a.json }\n",
    )
    .unwrap();
    let rejected = post(port, "/reload", "", None);
    assert_eq!(rejected.status, 400);
    let message = rejected.json()["error"].as_str().unwrap().to_owned();
    assert!(
        message.contains(
            "targets.yaml:2:16: targets[0].state_file: directory /nonexistent-dir does not exist"
        ),
        "{message}"
    );
    assert_eq!(
        get_json(port, "/status")["targets"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // SIGHUP with `b` removed and `a` changed: b is cleared (reason reload).
    ws.targets("defaults: { interval: 90s, recovery: 30s, startup_wait: 60s }\npolicy: { min_interval: 0 }\ntargets:\n  - { name: a, state_file: '{dir}/a.json' }\n");
    let pid = rustix::process::Pid::from_child(&engine.child);
    rustix::process::kill_process(pid, rustix::process::Signal::HUP).unwrap();
    wait_until(TIMEOUT, "b cleared for the reload", || {
        read_state(&ws.path("b.json")).is_some_and(|v| v["reason"] == "reload")
    });
    wait_until(TIMEOUT, "b gone from /status", || {
        get_json(port, "/status")["targets"]
            .as_array()
            .unwrap()
            .len()
            == 1
    });
    assert_eq!(
        read_state(&ws.path("a.json")).unwrap()["id"],
        id.as_str(),
        "a changed but keeps its failure"
    );
    engine.terminate();

    let events: Vec<String> = journal(&journal_path)
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    let reloads: Vec<&str> = events
        .iter()
        .map(String::as_str)
        .filter(|e| e.starts_with("reload"))
        .collect();
    assert_eq!(reloads, ["reloaded", "reload_rejected", "reloaded"]);
    let last_reload = journal(&journal_path)
        .into_iter()
        .rfind(|e| e["event"] == "reloaded")
        .unwrap();
    assert!(
        last_reload["detail"]
            .as_str()
            .unwrap()
            .contains(r#"removed ["b"], changed ["a"]"#),
        "{last_reload}"
    );
}

#[test]
fn the_schedule_goes_on_while_status_and_metrics_are_under_load() {
    let ws = Workspace::new();
    let journal_path = ws.path("journal.jsonl");
    let (mut engine, port) = start_with_api(
        &[
            "--journal",
            journal_path.to_str().unwrap(),
            "--interval",
            "0.1",
            "--recovery",
            "0.05",
            "--startup-wait",
            "0",
            "--min-interval",
            "0",
        ],
        &[
            ("FAILURE_STATE_FILE", ws.path("s.json").to_str().unwrap()),
            ("RUST_LOG", "info"),
        ],
    );
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let served = std::sync::Arc::new(AtomicU64::new(0));
    let load: Vec<_> = (0..4)
        .map(|i| {
            let (stop, served) = (stop.clone(), served.clone());
            std::thread::spawn(move || {
                let path = if i % 2 == 0 { "/status" } else { "/metrics" };
                while !stop.load(Ordering::Relaxed) {
                    if http::get(port, path, TIMEOUT).is_ok_and(|r| r.status == 200) {
                        served.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    // The schedule goes on while the API is busy: injections keep coming
    // while the requests are answered. (How late they are, and how many per
    // second, is measured by `cargo bench --bench scale -- --api-load 3`:
    // figures that depend on the machine.)
    let injections = || journal_events(&journal_path, "injected").len();
    wait_until(Duration::from_secs(60), "a first answered request", || {
        served.load(Ordering::Relaxed) >= 1
    });
    let before = injections();
    wait_until(
        Duration::from_secs(60),
        "100 requests answered and 10 injections made meanwhile",
        || served.load(Ordering::Relaxed) >= 100 && injections() >= before + 10,
    );
    // `lateness_ms` is on scheduled injections, and only on them: the one
    // asked for through the API in the middle of the load has none.
    let manual = post(
        port,
        "/inject",
        r#"{"target": "target-app", "mode": "crash"}"#,
        None,
    );
    assert_eq!(manual.status, 200, "{}", manual.body);
    let manual_id = manual.json()["injected"]["id"].clone();
    wait_until(TIMEOUT, "the manual injection in the journal", || {
        journal_events(&journal_path, "injected")
            .iter()
            .any(|e| e["id"] == manual_id)
    });
    let after = injections();
    wait_until(TIMEOUT, "a scheduled injection after it", || {
        injections() > after
    });
    stop.store(true, Ordering::Relaxed);
    load.into_iter().for_each(|t| t.join().unwrap());
    engine.terminate();
    let injected = journal_events(&journal_path, "injected");
    let (manual, scheduled): (Vec<_>, Vec<_>) = injected.iter().partition(|e| e["id"] == manual_id);
    assert_eq!(manual.len(), 1, "{injected:?}");
    assert_eq!(manual[0]["source"], "manual", "{}", manual[0]);
    assert!(manual[0].get("lateness_ms").is_none(), "{}", manual[0]);
    assert!(scheduled.len() >= 11, "{injected:?}");
    for entry in scheduled {
        assert!(entry.get("source").is_none(), "{entry}");
        assert!(entry["lateness_ms"].is_number(), "{entry}");
    }
}

#[test]
fn disabled_chaos_refuses_manual_injections() {
    let ws = Workspace::new();
    let state = ws.path("s.json");
    let (mut engine, port) = start_with_api(
        &[],
        &[
            ("FAILURE_STATE_FILE", state.to_str().unwrap()),
            ("CHAOS_ENABLED", "false"),
        ],
    );
    let refused = post(
        port,
        "/inject",
        r#"{"target": "target-app", "mode": "crash"}"#,
        None,
    );
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(post(port, "/resume", "", None).status, 409);
    wait_until(TIMEOUT, "the disabled clear", || {
        read_state(&state).is_some_and(|v| v["reason"] == "disabled")
    });
    assert_eq!(read_state(&state).unwrap()["mode"], "healthy");
    engine.terminate();
}

#[test]
fn a_dry_run_refuses_manual_injections_with_409() {
    let ws = Workspace::new();
    let state = ws.path("s.json");
    let (mut engine, port) = start_with_api(
        &["--dry-run", "--startup-wait", "60"],
        &[("FAILURE_STATE_FILE", state.to_str().unwrap())],
    );
    for body in [
        r#"{"target": "target-app", "mode": "crash"}"#,
        r#"{"target": "target-app", "scenario": "CRASH"}"#,
    ] {
        let refused = post(port, "/inject", body, None);
        assert_eq!(refused.status, 409, "{body}: {}", refused.body);
        assert!(refused.json()["error"].is_string(), "{}", refused.body);
    }
    wait_until(TIMEOUT, "the startup clear", || {
        read_state(&state).is_some()
    });
    assert_eq!(read_state(&state).unwrap()["mode"], "healthy");
    let status = get_json(port, "/status");
    assert_eq!(status["dry_run"], true);
    assert_eq!(status["targets"][0]["injections"], 0);
    assert!(engine.terminate().0.success());
}

#[test]
fn skipped_cycles_are_counted_in_status_metrics_and_journal_alike() {
    // a holds the only slot for an hour; every cycle of b is skipped (cap).
    let ws = Workspace::new();
    let journal_path = ws.path("journal.jsonl");
    let targets = ws.targets(
        "policy: { min_interval: 0, max_concurrent_failures: 1, when_capped: skip }\n\
         targets:\n\
         \x20 - { name: a, state_file: '{dir}/a.json', interval: 2h, recovery: 1h, startup_wait: 0s }\n\
         \x20 - { name: b, state_file: '{dir}/b.json', interval: 200ms, recovery: 100ms, startup_wait: 100ms }\n",
    );
    let (mut engine, port) = start_with_api(
        &[
            "--targets",
            targets.to_str().unwrap(),
            "--journal",
            journal_path.to_str().unwrap(),
        ],
        &[],
    );
    let skipped_b = || {
        journal_events(&journal_path, "skipped")
            .into_iter()
            .filter(|e| e["target"] == "b")
            .collect::<Vec<_>>()
    };
    wait_until(TIMEOUT, "three skipped cycles of b", || {
        skipped_b().len() >= 3
    });
    // Paused, b plans no more cycles: the three views can be compared.
    assert_eq!(post(port, "/pause?target=b", "", None).status, 200);
    let journalled = skipped_b();
    let status = get_json(port, "/status");
    let b = status["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "b")
        .unwrap()
        .clone();
    assert_eq!(b["skipped"].as_u64(), Some(journalled.len() as u64), "{b}");
    assert_eq!(b["injections"], 0, "{b}");
    let last = journalled.last().unwrap();
    assert_eq!(b["last_skip"]["reason"], "cap", "{b}");
    assert_eq!(b["last_skip"]["reason"], last["reason"]);
    assert_eq!(b["last_skip"]["detail"], last["detail"], "{b} / {last}");
    // The same instant, to the millisecond /status rounds to.
    let at = b["last_skip"]["at"].as_f64().unwrap();
    assert!(
        (at - last["timestamp"].as_f64().unwrap()).abs() <= 0.0006,
        "{b} / {last}"
    );
    let a = status["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "a")
        .unwrap()
        .clone();
    assert_eq!(
        (a["skipped"].as_u64(), a["last_skip"].is_null()),
        (Some(0), true)
    );
    let text = http::get(port, "/metrics", TIMEOUT).unwrap().body;
    assert_eq!(
        metric(
            &text,
            r#"chaos_skipped_cycles_total{target="b",reason="cap"}"#
        ),
        Some(journalled.len() as f64),
        "{text}"
    );
    assert!(engine.terminate().0.success());
}

#[test]
fn pause_reaches_every_target_even_when_one_cannot_be_cleared() {
    let ws = Workspace::new();
    let targets = ws.targets(
        "defaults: { interval: 60s, recovery: 30s, startup_wait: 60s }\ntargets:\n  - { name: a, state_file: '{dir}/a.json' }\n  - { name: b, state_file: '{dir}/b.json' }\n",
    );
    let (mut engine, port) = start_with_api(&["--targets", targets.to_str().unwrap()], &[]);
    for target in ["a", "b"] {
        let body = format!(r#"{{"target": "{target}", "mode": "crash"}}"#);
        assert_eq!(post(port, "/inject", &body, None).status, 200);
    }
    // a's file becomes unreplaceable: a non-empty directory at its path.
    let a = ws.path("a.json");
    std::fs::remove_file(&a).unwrap();
    std::fs::create_dir(&a).unwrap();
    std::fs::write(a.join("blocker"), "x").unwrap();

    let paused = post(port, "/pause", "", None);
    assert_eq!(paused.status, 500, "{}", paused.body);
    let answer = paused.json();
    // `a` is paused too (see /status below) but reported under `failed`,
    // since its failure could not be cleared yet.
    assert_eq!(answer["paused"], serde_json::json!(["b"]));
    assert!(
        answer["failed"]["a"]
            .as_str()
            .unwrap()
            .contains("Is a directory"),
        "{answer}"
    );
    assert_eq!(
        read_state(&ws.path("b.json")).unwrap()["reason"],
        "manual",
        "b cleared despite a"
    );
    let status = get_json(port, "/status");
    assert!(status["targets"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["paused"] == true));

    // Repaired: the pause's clear is retried until it lands.
    std::fs::remove_dir_all(&a).unwrap();
    wait_until(TIMEOUT, "a's retried clear", || {
        read_state(&a).is_some_and(|v| v["reason"] == "manual")
    });
    wait_until(TIMEOUT, "no active failure", || {
        metric(
            &http::get(port, "/metrics", TIMEOUT).unwrap().body,
            "chaos_active_failures",
        ) == Some(0.0)
    });
    engine.terminate();
}

#[test]
fn reload_moving_a_target_to_another_state_file_keeps_it_visible() {
    let ws = Workspace::new();
    let targets = ws.targets(
        "defaults: { startup_wait: 60s }\ntargets:\n  - { name: a, state_file: '{dir}/a.json' }\n",
    );
    let (mut engine, port) = start_with_api(&["--targets", targets.to_str().unwrap()], &[]);
    assert_eq!(
        post(port, "/inject", r#"{"target": "a", "mode": "crash"}"#, None).status,
        200
    );
    ws.targets(
        "defaults: { startup_wait: 60s }\ntargets:\n  - { name: a, state_file: '{dir}/a2.json' }\n",
    );
    let reloaded = post(port, "/reload", "", None).json();
    assert_eq!(reloaded["reloaded"]["added"], serde_json::json!(["a"]));
    assert_eq!(reloaded["reloaded"]["removed"], serde_json::json!(["a"]));
    assert_eq!(
        read_state(&ws.path("a.json")).unwrap()["reason"],
        "reload",
        "the old file is cleared"
    );
    wait_until(TIMEOUT, "a on its new file in /status", || {
        let status = get_json(port, "/status");
        let targets = status["targets"].as_array().unwrap().clone();
        targets.len() == 1
            && targets[0]["state_file"]
                .as_str()
                .is_some_and(|f| f.ends_with("a2.json"))
            && targets[0]["next_injection_at"].is_f64()
    });
    let text = http::get(port, "/metrics", TIMEOUT).unwrap().body;
    assert_eq!(metric(&text, r#"chaos_paused{target="a"}"#), Some(0.0));
    assert_eq!(metric(&text, "chaos_active_failures"), Some(0.0));
    engine.terminate();
}

#[test]
fn a_reload_that_only_changes_the_policy_keeps_every_schedule() {
    let ws = Workspace::new();
    let targets = ws.targets(
        "defaults: { startup_wait: 30s }\ntargets:\n  - { name: a, state_file: '{dir}/a.json' }\n",
    );
    let (mut engine, port) = start_with_api(&["--targets", targets.to_str().unwrap()], &[]);
    let next_injection = || get_json(port, "/status")["targets"][0]["next_injection_at"].clone();
    let mut before = Value::Null;
    wait_until(TIMEOUT, "a's first planned injection", || {
        before = next_injection();
        before.is_f64()
    });
    ws.targets(
        "defaults: { startup_wait: 30s }\npolicy: { max_concurrent_failures: 1, jitter: 0.5 }\ntargets:\n  - { name: a, state_file: '{dir}/a.json' }\n",
    );
    let answer = post(port, "/reload", "", None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.json()["reloaded"]["unchanged"],
        serde_json::json!(["a"])
    );
    assert_eq!(next_injection(), before, "the planned start stays");
    assert!(!engine
        .events_matching("Coordination: at most 1 concurrent failure(s)", None)
        .is_empty());
    engine.terminate();
}

#[test]
fn injected_modes_are_bounded_in_length_and_in_number() {
    let ws = Workspace::new();
    let (mut engine, port) = start_with_api(
        &["--startup-wait", "60", "--recovery", "30"],
        &[("FAILURE_STATE_FILE", ws.path("s.json").to_str().unwrap())],
    );
    let inject = |mode: &str| {
        post(
            port,
            "/inject",
            &format!(r#"{{"target": "target-app", "mode": "{mode}"}}"#),
            None,
        )
    };
    let long = inject(&"m".repeat(65));
    assert_eq!(long.status, 400, "{}", long.body);
    assert!(long.body.contains("at most 64"), "{}", long.body);
    // Sixteen modes outside the catalogue, then catalogue modes and a
    // repeat, are fine; a seventeenth new one is refused.
    for i in 0..16 {
        let answer = inject(&format!("custom_{i}"));
        assert_eq!(answer.status, 200, "custom_{i}: {}", answer.body);
    }
    for mode in ["crash", "custom_3"] {
        assert_eq!(inject(mode).status, 200, "{mode}");
    }
    let refused = inject("custom_16");
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("already had 16 modes outside its catalogue"),
        "{}",
        refused.body
    );
    let metrics = http::get(port, "/metrics", TIMEOUT).unwrap().body;
    assert!(!metrics.contains("CUSTOM_16"));
    assert!(engine.terminate().0.success());
}

#[test]
fn the_seed_is_logged_even_when_only_warnings_are_shown() {
    let ws = Workspace::new();
    let (state, journal_path) = (ws.path("state.json"), ws.path("journal.jsonl"));
    let mut engine = Engine::start(
        &["--journal", journal_path.to_str().unwrap()],
        &[
            ("FAILURE_STATE_FILE", state.to_str().unwrap()),
            ("RUST_LOG", "warn"),
        ],
    );
    wait_until(TIMEOUT, "the run record in the journal", || {
        !journal_events(&journal_path, "engine_started").is_empty()
    });
    let (status, _) = engine.terminate();
    assert_eq!(status.code(), Some(0));
    let events = engine.events();
    assert!(
        events.iter().all(|e| e["level"] != "INFO"),
        "RUST_LOG=warn hides the banner"
    );
    let seed = journal_events(&journal_path, "engine_started")[0]["seed"]
        .as_u64()
        .expect("the run record names its seed");
    let logged = engine.events_matching("Seed: ", None);
    assert_eq!(logged.len(), 1, "{events:?}");
    assert_eq!(logged[0]["level"], "WARN");
    assert_eq!(logged[0]["seed"].as_u64(), Some(seed), "{logged:?}");
}
