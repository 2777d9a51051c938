//! Control episodes (`policy.control_rate`): cycles that inject nothing on
//! purpose, journalled as `control_window`, at exactly the cycles `preview`
//! shows them, with no state file written.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{
    journal_events, journal_on_paused_clock, run_once, start_journalled, wait_until, Stamps,
    StateWatcher, Workspace,
};

fn is_failure(value: &Value) -> bool {
    value["mode"] != "healthy"
}

/// Two targets on fast timings; half of the cycles are controls.
const HALF_CONTROL: &str = "\
defaults:
  interval: 300ms
  recovery: 100ms
  startup_wait: 100ms
policy:
  min_interval: 0
  control_rate: 0.5
targets:
  - name: app
    state_file: '{dir}/app.json'
  - name: db
    state_file: '{dir}/db.json'
    interval: 400ms
";

/// What `preview --json` shows for `target`: the scenario, or `CONTROL`.
fn previewed(yaml: &str, seed: u64, count: usize, target: &str) -> Vec<String> {
    let ws = Workspace::new();
    let targets = ws.targets(yaml);
    let output = run_once(
        &[
            "preview",
            "--count",
            &count.to_string(),
            "--seed",
            &seed.to_string(),
            "--json",
            "--targets",
            targets.to_str().unwrap(),
            "--target",
            target,
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let line: Value = serde_json::from_str(l).unwrap();
            if line["control"] == true {
                assert_eq!(line["scenario"], "CONTROL", "{line}");
                assert!(line.get("mode").is_none(), "{line}");
            }
            line["scenario"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn on_the_paused_clock_control_windows_take_the_cycles_preview_shows() {
    let seed = 7;
    let entries = journal_on_paused_clock(
        HALF_CONTROL,
        seed,
        Stamps::Runtime(0.0),
        Duration::from_millis(6000),
    );
    for (name, interval, count) in [("app", 0.3, 20), ("db", 0.4, 15)] {
        let cycles: Vec<&Value> = entries
            .iter()
            .filter(|e| e["target"] == name)
            .filter(|e| e["event"] == "injected" || e["event"] == "control_window")
            .collect();
        assert_eq!(cycles.len(), count, "{name}: {cycles:?}");
        // Every cycle keeps its anchored start: a control window moves
        // nothing.
        for (k, cycle) in cycles.iter().enumerate() {
            let at = cycle["timestamp"].as_f64().unwrap();
            let expected = 0.1 + k as f64 * interval;
            assert!((at - expected).abs() < 0.0025, "{name} cycle {k}: {cycle}");
        }
        let shown: Vec<String> = cycles
            .iter()
            .map(|e| match e["event"].as_str() {
                Some("control_window") => "CONTROL".to_owned(),
                _ => e["scenario"].as_str().unwrap().to_owned(),
            })
            .collect();
        assert_eq!(shown, previewed(HALF_CONTROL, seed, count, name), "{name}");
        // The built-in scenarios' ground truth is on every injected line.
        for injected in cycles.iter().filter(|e| e["event"] == "injected") {
            let (category, fix) = match injected["scenario"].as_str() {
                Some("CRASH") => ("availability", serde_json::json!(["restart"])),
                Some("SLOWDOWN") => ("latency", Value::Null),
                _ => ("misconfiguration", serde_json::json!(["config"])),
            };
            assert_eq!(injected["category"], category, "{injected}");
            assert_eq!(injected["fix"], fix, "{injected}");
        }
        let controls: Vec<&&Value> = cycles
            .iter()
            .filter(|e| e["event"] == "control_window")
            .collect();
        assert!(
            (2..count - 2).contains(&controls.len()),
            "{name}: {} controls in {count} cycles",
            controls.len()
        );
        for window in controls {
            let from = window["timestamp"].as_f64().unwrap();
            let to = window["ends_at"].as_f64().unwrap();
            assert!(
                (to - from - 0.1).abs() < 0.0015,
                "as long as a recovery: {window}"
            );
            assert_eq!(window["id"].as_str().map(str::len), Some(36), "{window}");
            // Nothing of this target happens inside the window: no
            // injection, no clear, no manifestation.
            let inside: Vec<&Value> = entries
                .iter()
                .filter(|e| e["target"] == name && e["event"] != "control_window")
                .filter(|e| {
                    let at = e["timestamp"].as_f64().unwrap_or(f64::NAN);
                    from <= at && at < to
                })
                .collect();
            assert!(inside.is_empty(), "{name}: {inside:?} inside {window}");
        }
    }
}

#[test]
fn a_control_rate_of_one_never_writes_a_failure() {
    let (ws, journal, mut engine) = start_journalled(
        "defaults:\n  interval: 150ms\n  recovery: 50ms\n  startup_wait: 0\npolicy:\n  min_interval: 0\n  control_rate: 1\ntargets:\n  - { name: app, state_file: '{dir}/app.json' }\n",
        &["--seed", "3"],
    );
    let state = ws.path("app.json");
    let watcher = StateWatcher::new(state.clone());
    wait_until(Duration::from_secs(20), "four control windows", || {
        journal_events(&journal, "control_window").len() >= 4
    });
    let (status, _) = engine.terminate();
    assert_eq!(status.code(), Some(0));
    assert!(journal_events(&journal, "injected").is_empty());
    assert!(
        watcher.seen().iter().all(|v| !is_failure(v)),
        "{:?}",
        watcher.seen()
    );
    let logged =
        engine.events_matching("Control window on app: nothing injected until", Some("app"));
    assert!(logged.len() >= 4, "{logged:?}");
    assert!(engine.events_matching("Injecting", Some("app")).is_empty());
}
