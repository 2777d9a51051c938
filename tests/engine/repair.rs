//! Probes and repair detection against real `chaos-target` processes
//! (restarted by the test harness, as a container restart policy would):
//! a restart before the deadline is a repair with a plausible time, an
//! unrepaired failure expires, an unhealthy target is skipped until it is
//! back.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{
    journal_events, metric, read_state, run_once, start_journalled, start_with_api, wait_until,
    Workspace,
};
use crate::http;
use crate::target_harness::{unused_port, TargetService};

const TIMEOUT: Duration = Duration::from_secs(15);

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The `ended` record of the injection `id`, once it is in the journal.
fn wait_for_end(journal: &std::path::Path, id: &str) -> Value {
    let mut found = None;
    wait_until(TIMEOUT, &format!("the end of {id}"), || {
        found = journal_events(journal, "ended")
            .into_iter()
            .find(|e| e["id"] == id);
        found.is_some()
    });
    found.unwrap()
}

/// The first `injected` entry for `target`.
fn wait_for_injection(journal: &std::path::Path, target: &str) -> Value {
    let mut found = None;
    wait_until(TIMEOUT, &format!("an injection into {target}"), || {
        found = journal_events(journal, "injected")
            .into_iter()
            .find(|e| e["target"] == target);
        found.is_some()
    });
    found.unwrap()
}

fn f(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

#[test]
fn a_restart_before_the_deadline_is_a_repair_and_an_unrepaired_failure_expires() {
    let ws = Workspace::new();
    let journal = ws.path("journal.jsonl");
    // app: a config error, repaired by restarting the process.
    // worker: a crash, brought back by the restart policy on its own.
    // db: a config error nobody repairs: it expires.
    let app = TargetService::start("app", &ws.path("app.json"));
    let worker = TargetService::start("worker", &ws.path("worker.json"));
    let db = TargetService::start("db", &ws.path("db.json"));
    let yaml = "\
defaults:
  interval: 60s
  recovery: 20s
  startup_wait: 300ms
policy: { min_interval: 0 }
targets:
  - name: app
    state_file: '{dir}/app.json'
    scenarios: [ { name: CONFIG_ERROR, mode: config_error, weight: 1 } ]
    probe: { url: 'http://127.0.0.1:APP/orders', timeout: 500ms, period: 50ms }
  - name: worker
    state_file: '{dir}/worker.json'
    scenarios: [ { name: CRASH, mode: crash, weight: 1 } ]
    probe: { url: 'http://127.0.0.1:WORKER/products/1', timeout: 500ms, period: 50ms }
  - name: db
    state_file: '{dir}/db.json'
    recovery: 1500ms
    scenarios: [ { name: CONFIG_ERROR, mode: config_error, weight: 1 } ]
    probe: { url: 'http://127.0.0.1:DB/products', timeout: 500ms, period: 50ms }
"
    .replace("APP", &app.port.to_string())
    .replace("WORKER", &worker.port.to_string())
    .replace("DB", &db.port.to_string());
    let targets = ws.targets(&yaml);
    let (mut engine, port) = start_with_api(
        &[
            "--targets",
            targets.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
        ],
        &[],
    );

    // app: the probe sees the 500s, then an operator restarts the process.
    let injected = wait_for_injection(&journal, "app");
    let app_id = injected["id"].as_str().unwrap().to_owned();
    wait_until(TIMEOUT, "app's failure to manifest", || {
        journal_events(&journal, "manifested")
            .iter()
            .any(|e| e["id"] == app_id.as_str())
    });
    let killed_at = now();
    app.kill();
    let ended = wait_for_end(&journal, &app_id);
    assert_eq!(ended["ended_by"], "repair", "{ended}");
    assert_eq!(ended["repaired_by"], "app", "{ended}");
    let (injected_at, manifested_at, repaired_at) = (
        f(&ended["injected_at"]),
        f(&ended["manifested_at"]),
        f(&ended["repaired_at"]),
    );
    assert!(injected_at <= manifested_at && manifested_at <= killed_at + 0.01);
    assert!(repaired_at >= killed_at - 0.01, "{ended}");
    let ttr = f(&ended["time_to_repair_ms"]);
    assert!(
        (ttr - (repaired_at - injected_at) * 1000.0).abs() < 2.0,
        "{ended}"
    );
    // A repair ends the failure before its deadline (the 20 s recovery).
    assert!(repaired_at < f(&injected["expires_at"]), "{ended}");
    assert!(ended.get("expired_at").is_none(), "{ended}");
    // The engine left the file as the restarted target wrote it, and
    // noticed that write after it was made (how soon depends on the load).
    let file = read_state(&ws.path("app.json")).unwrap();
    assert!(
        repaired_at >= f(&file["timestamp"]) - 0.01,
        "{ended} / {file}"
    );
    assert_eq!(
        (file["mode"].as_str(), file["cleared_by"].as_str()),
        (Some("healthy"), Some("app"))
    );

    // worker: the probe itself trips the crash; the restart writes healthy.
    let injected = wait_for_injection(&journal, "worker");
    let worker_id = injected["id"].as_str().unwrap().to_owned();
    let ended = wait_for_end(&journal, &worker_id);
    assert_eq!(
        (ended["ended_by"].as_str(), ended["repaired_by"].as_str()),
        (Some("repair"), Some("worker")),
        "{ended}"
    );
    assert!(
        f(&ended["repaired_at"]) < f(&injected["expires_at"]),
        "{ended}"
    );
    assert!(
        worker.history().exits.contains(&Some(1)),
        "the worker crashed"
    );

    // db: nobody repairs it, so it lasts until the engine's clear.
    let injected = wait_for_injection(&journal, "db");
    let db_id = injected["id"].as_str().unwrap().to_owned();
    let ended = wait_for_end(&journal, &db_id);
    assert_eq!(ended["ended_by"], "recovery", "{ended}");
    assert!(
        ended["manifested_at"].is_f64(),
        "the 500s were seen: {ended}"
    );
    // Not cleared before its 1.5 s were up (how late after depends on
    // the load).
    let lasted = f(&ended["expired_at"]) - f(&ended["injected_at"]);
    assert!(lasted >= 1.5 - 0.002, "expired after {lasted}s: {ended}");
    assert!(ended.get("repaired_at").is_none() && ended.get("time_to_repair_ms").is_none());
    // Once its failure was lifted, db answered its probe again.
    let mut comeback = None;
    wait_until(TIMEOUT, "db healthy again", || {
        comeback = journal_events(&journal, "healthy_again")
            .into_iter()
            .find(|e| e["id"] == db_id.as_str());
        comeback.is_some()
    });
    let comeback = comeback.unwrap();
    // Healthy again after the expiry, and the figure is that gap.
    let after = f(&comeback["time_to_healthy_ms"]);
    let healthy_at = f(&comeback["healthy_at"]);
    assert!(healthy_at >= f(&ended["expired_at"]), "{comeback}");
    assert!(
        (after - (healthy_at - f(&ended["expired_at"])) * 1000.0).abs() < 2.0,
        "{comeback}"
    );
    assert!(
        (f(&comeback["expired_at"]) - f(&ended["expired_at"])).abs() < 0.01,
        "{comeback}"
    );

    // /status and /metrics say the same.
    let status: Value = http::get(port, "/status", TIMEOUT).unwrap().json();
    let target = |name: &str| {
        status["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(target("app")["last_outcome"]["ended_by"], "repair");
    assert_eq!(target("app")["repairs"], 1);
    assert_eq!(target("db")["last_outcome"]["ended_by"], "recovery");
    assert_eq!(target("db")["expirations"], 1);
    assert!(target("db")["last_outcome"]["healthy_again_at"].is_f64());
    let metrics = http::get(port, "/metrics", TIMEOUT).unwrap().body;
    assert_eq!(
        metric(
            &metrics,
            r#"chaos_failures_ended_total{target="app",ended_by="repair"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        metric(
            &metrics,
            r#"chaos_time_to_repair_seconds_count{target="app"}"#
        ),
        Some(1.0)
    );
    engine.terminate();

    // The report reads the same story back from the engine's own journal.
    let report = run_once(
        &[
            "report",
            "--journal",
            journal.to_str().unwrap(),
            "--format",
            "json",
        ],
        &[],
    );
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let report: Value = serde_json::from_slice(&report.stdout).unwrap();
    let row = |target: &str| {
        report["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["target"] == target)
            .unwrap_or_else(|| panic!("no {target} in {report}"))
            .clone()
    };
    assert_eq!(
        (
            row("app")["repaired"].as_u64(),
            row("app")["expired"].as_u64()
        ),
        (Some(1), Some(0))
    );
    assert_eq!(
        (
            row("worker")["repaired"].as_u64(),
            row("worker")["repair_rate"].as_f64()
        ),
        (Some(1), Some(1.0))
    );
    assert_eq!(
        (
            row("db")["expired"].as_u64(),
            row("db")["repair_rate"].as_f64()
        ),
        (Some(1), Some(0.0))
    );
    assert_eq!(row("app")["time_to_repair_max_ms"].as_f64(), Some(ttr));
}

#[test]
fn an_unhealthy_target_is_skipped_until_it_is_back() {
    let port = unused_port();
    let yaml = "\
defaults: { interval: 300ms, recovery: 100ms, startup_wait: 0s }
policy: { min_interval: 0 }
targets:
  - name: app
    state_file: '{dir}/app.json'
    scenarios: [ { name: CONFIG_ERROR, mode: config_error, weight: 1 } ]
    probe: { url: 'http://127.0.0.1:PORT/health', timeout: 200ms }
"
    .replace("PORT", &port.to_string());
    let (ws, journal, mut engine) = start_journalled(&yaml, &[]);
    let state = ws.path("app.json");
    wait_until(TIMEOUT, "three skipped cycles", || {
        journal_events(&journal, "skipped").len() >= 3
    });
    let skipped = journal_events(&journal, "skipped");
    for entry in &skipped {
        assert_eq!(entry["reason"], "unhealthy", "{entry}");
        assert!(
            entry["detail"].as_str().unwrap().contains("/health"),
            "{entry}"
        );
    }
    assert!(
        journal_events(&journal, "injected").is_empty(),
        "nothing injected while down"
    );
    assert_eq!(read_state(&state).unwrap()["reason"], "startup");
    assert!(!engine
        .events_matching("Skipping this chaos cycle", Some("app"))
        .is_empty());

    // The service comes up: the next cycle injects.
    let _app = TargetService::start_on("app", &state, port);
    let injected = wait_for_injection(&journal, "app");
    assert_eq!(injected["mode"], "config_error");
    engine.terminate();
}

/// A loopback HTTP service whose health the test switches: it answers 200
/// or 500 to every request, whatever its state file says (a service whose
/// operator fixed it some other way).
struct SwitchableService {
    port: u16,
    healthy: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl SwitchableService {
    fn start(healthy: bool) -> Self {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(healthy));
        let serving = flag.clone();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().map_while(Result::ok) {
                let mut request = [0u8; 1024];
                let _ = stream.read(&mut request);
                let status = if serving.load(std::sync::atomic::Ordering::SeqCst) {
                    "200 OK"
                } else {
                    "500 Internal Server Error"
                };
                let _ = stream.write_all(
                    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                        .as_bytes(),
                );
            }
        });
        SwitchableService {
            port,
            healthy: flag,
        }
    }

    fn set_healthy(&self, healthy: bool) {
        self.healthy
            .store(healthy, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn a_repair_seen_only_by_the_probe_is_recorded_and_the_file_still_cleared() {
    let service = SwitchableService::start(true);
    let yaml = "\
defaults: { interval: 60s, recovery: 3s, startup_wait: 200ms }
policy: { min_interval: 0 }
targets:
  - name: svc
    state_file: '{dir}/svc.json'
    scenarios: [ { name: CONFIG_ERROR, mode: config_error, weight: 1 } ]
    probe: { url: 'http://127.0.0.1:PORT/orders', timeout: 300ms, period: 50ms }
"
    .replace("PORT", &service.port.to_string());
    let (ws, journal, mut engine) = start_journalled(&yaml, &[]);
    let injected = wait_for_injection(&journal, "svc");
    let id = injected["id"].as_str().unwrap().to_owned();
    // The service starts failing (as if it read the file), then is fixed.
    service.set_healthy(false);
    wait_until(TIMEOUT, "the failure to manifest", || {
        journal_events(&journal, "manifested")
            .iter()
            .any(|e| e["id"] == id.as_str())
    });
    service.set_healthy(true);
    let ended = wait_for_end(&journal, &id);
    assert_eq!(
        (ended["ended_by"].as_str(), ended["repaired_by"].as_str()),
        (Some("repair"), Some("probe")),
        "{ended}"
    );
    assert!(
        f(&ended["repaired_at"]) < f(&injected["expires_at"]),
        "repaired before the deadline: {ended}"
    );
    // The file still held the failure: the engine clears it at the deadline
    // as the contract says, without recording a second end.
    wait_until(TIMEOUT, "the deadline's clear", || {
        read_state(&ws.path("svc.json")).is_some_and(|v| v["reason"] == "recovery")
    });
    let ends: Vec<Value> = journal_events(&journal, "ended")
        .into_iter()
        .filter(|e| e["id"] == id.as_str())
        .collect();
    assert_eq!(ends.len(), 1, "{ends:?}");
    assert!(journal_events(&journal, "healthy_again").is_empty());
    engine.terminate();
}
