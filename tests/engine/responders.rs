//! Scoring responders end to end: the real engine breaks two real
//! `chaos-target` services (restarted by the harness when they crash) with
//! control episodes and blind mode on, while two scripted responders post
//! findings with the agent token: a good one (it probes the services,
//! reports what it sees on the right target, and mitigation once a crashed
//! service is back) and a bad one (late, on the wrong target, and false
//! alarms). `chaos-engine score` must give each a scorecard of the right
//! shape; the figures of a run depend on the machine's load, so they are
//! checked on a pinned journal instead (src/score/tests.rs).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{journal, run_once, start_with_api, wait_until, Workspace};
use crate::http;
use crate::target_harness::TargetService;

const CONTROL: &str = "control-token-1";
const AGENT: &str = "agent-token-1";

/// What a responder's probe sees of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Healthy,
    /// Connection refused: the process is gone.
    Down,
    /// HTTP 500.
    Erroring,
}

fn look(port: u16) -> Seen {
    match http::get(port, "/orders", Duration::from_millis(400)) {
        Ok(response) if response.status == 200 => Seen::Healthy,
        Ok(_) => Seen::Erroring,
        Err(_) => Seen::Down,
    }
}

fn post_finding(api: u16, body: Value) {
    let answer = http::post_json_with(
        api,
        "/findings",
        &body.to_string(),
        Some(AGENT),
        Duration::from_secs(10),
    )
    .expect("POST /findings");
    assert_eq!(answer.status, 201, "{body}: {}", answer.body);
}

/// The good responder: detects and diagnoses on the right target as soon as
/// its probe sees a failure, and posts `mitigated` when a service is back.
fn good_responder(api: u16, services: Vec<(String, u16)>, stop: Arc<AtomicBool>) {
    let mut last: BTreeMap<String, Seen> = BTreeMap::new();
    while !stop.load(Ordering::SeqCst) {
        for (target, port) in &services {
            let now = look(*port);
            let before = last.insert(target.clone(), now).unwrap_or(Seen::Healthy);
            match (before, now) {
                (Seen::Healthy, Seen::Down | Seen::Erroring) => {
                    let mode = if now == Seen::Down {
                        "crash"
                    } else {
                        "config_error"
                    };
                    post_finding(
                        api,
                        json!({"responder": "good", "target": target, "kind": "detected"}),
                    );
                    post_finding(
                        api,
                        json!({"responder": "good", "target": target, "kind": "diagnosed", "mode": mode}),
                    );
                }
                (Seen::Down | Seen::Erroring, Seen::Healthy) => {
                    post_finding(
                        api,
                        json!({"responder": "good", "target": target, "kind": "mitigated"}),
                    );
                }
                _ => {}
            }
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// The bad responder: when it sees `app` fail, it blames `db`, a second
/// later and with the wrong mode; and it raises a false alarm on `db`
/// every 700 ms, whatever happens.
fn bad_responder(api: u16, app_port: u16, stop: Arc<AtomicBool>) {
    let mut round = 0u32;
    let mut app_was = Seen::Healthy;
    while !stop.load(Ordering::SeqCst) {
        round += 1;
        let app_now = look(app_port);
        if app_was == Seen::Healthy && app_now != Seen::Healthy {
            thread::sleep(Duration::from_secs(1));
            post_finding(
                api,
                json!({"responder": "bad", "target": "db", "kind": "detected", "mode": "slow"}),
            );
        }
        app_was = app_now;
        if round.is_multiple_of(7) {
            post_finding(
                api,
                json!({"responder": "bad", "target": "db", "kind": "detected", "mode": "slow"}),
            );
        }
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_scorecards_of_a_live_good_and_bad_responder_add_up_to_the_journal() {
    let ws = Workspace::new();
    let app = TargetService::start("app", &ws.path("app.json"));
    let db = TargetService::start("db", &ws.path("db.json"));
    let targets = ws.targets(&format!(
        "defaults:\n  interval: 2500ms\n  recovery: 1s\n  startup_wait: 500ms\n  scenarios:\n\
         \x20   - {{ name: CRASH, mode: crash, weight: 1, category: availability, fix: [restart] }}\n\
         \x20   - {{ name: CONFIG_ERROR, mode: config_error, weight: 1, category: misconfiguration }}\n\
         policy:\n  min_interval: 0\n  control_rate: 0.3\n  blind: true\ntargets:\n\
         \x20 - {{ name: app, state_file: '{{dir}}/app.json', probe: {{ url: 'http://127.0.0.1:{}/orders', period: 100ms, timeout: 400ms }} }}\n\
         \x20 - {{ name: db, state_file: '{{dir}}/db.json', startup_wait: 1500ms, probe: {{ url: 'http://127.0.0.1:{}/orders', period: 100ms, timeout: 400ms }} }}\n",
        app.port, db.port
    ));
    let journal_path = ws.path("journal.jsonl");
    let (mut engine, api) = start_with_api(
        &[
            "--targets",
            targets.to_str().unwrap(),
            "--journal",
            journal_path.to_str().unwrap(),
            "--seed",
            "5",
        ],
        &[("CHAOS_API_TOKEN", CONTROL), ("CHAOS_AGENT_TOKEN", AGENT)],
    );
    let stop = Arc::new(AtomicBool::new(false));
    let services = vec![("app".to_owned(), app.port), ("db".to_owned(), db.port)];
    let good = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || good_responder(api, services, stop))
    };
    let bad = {
        let stop = Arc::clone(&stop);
        let app_port = app.port;
        thread::spawn(move || bad_responder(api, app_port, stop))
    };
    let count = |event: &str| {
        journal(&journal_path)
            .iter()
            .filter(|l| l["event"] == event)
            .count()
    };
    wait_until(
        Duration::from_secs(60),
        "6 incidents and 2 control windows",
        || count("injected") >= 6 && count("control_window") >= 2,
    );
    stop.store(true, Ordering::SeqCst);
    good.join().expect("the good responder");
    bad.join().expect("the bad responder");
    let (status, _) = engine.terminate();
    assert!(status.success());

    let injected = count("injected") as u64;
    let output = run_once(
        &[
            "score",
            "--journal",
            journal_path.to_str().unwrap(),
            "--format",
            "json",
            "--grace",
            "500ms",
        ],
        &[],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let card: Value = serde_json::from_slice(&output.stdout).expect("score JSON");
    let figures = |responder: &str| {
        card["responders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["responder"] == responder)
            .unwrap_or_else(|| panic!("no scorecard for {responder}: {card}"))["figures"]
            .clone()
    };
    // The figures themselves depend on how the load timed the run: they
    // are worked out by hand on the pinned journal
    // tests/fixtures/score-journal.jsonl (src/score/tests.rs). Here, the
    // shape: every incident of the journal is on each card, split into
    // scored and never manifested, and each split adds up.
    for responder in ["good", "bad"] {
        let got = figures(responder);
        let n = |field: &str| {
            got[field]
                .as_u64()
                .unwrap_or_else(|| panic!("{responder}.{field}: {got}"))
        };
        assert_eq!(n("incidents"), injected, "{responder}: {got}");
        assert_eq!(n("scored") + n("never_manifested"), injected, "{got}");
        assert_eq!(n("true_positives") + n("false_negatives"), n("scored"));
        assert_eq!(
            n("false_positives"),
            n("false_positives_in_control_windows") + n("false_positives_without_incident"),
            "{responder}: {got}"
        );
        assert!(n("localised") <= n("alerted"), "{responder}: {got}");
        assert!(n("mitigated") <= n("repaired"), "{responder}: {got}");
    }
    // Whatever the machine's load made of the run, the good one found
    // something and the bad one raised false alarms.
    let good = figures("good");
    assert!(good["true_positives"].as_u64().unwrap() >= 1, "{good}");
    let bad = figures("bad");
    assert!(bad["false_positives"].as_u64().unwrap() >= 1, "{bad}");
}
