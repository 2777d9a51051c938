//! `report` and `score` on a hand-written journal of Docker faults left
//! behind by an engine that died (`tests/fixtures/recover-journal.jsonl`):
//! a fault undone by `chaos-engine recover` (a `fault_recovered` line, no
//! `ended` line) is cleared by `recover` at that line's time, not open.
//!
//! The fixture, base time B = 1704700000 (2024-01-08 07:46:40 UTC), two
//! engine runs (the first one killed while two faults were in effect):
//!
//! | id | target | scenario | lines | outcome | ended at |
//! |----|--------|----------|-------|---------|----------|
//! | p1 | web | PAUSE | injected B+10; fault_recovered B+101 (and nothing else) | cleared (recover) | B+101 |
//! | k1 | cache | KILL | injected B+12, manifested B+13 (1000 ms); fault_recovered B+101.5 | cleared (recover) | B+101.5 |
//! | p2 | web | PAUSE | injected B+200; ended (recovery) B+240; a stray fault_recovered B+300 | expired: the `ended` line wins | B+240 |
//! | o1 | cache | KILL | injected B+400, expires B+430; nothing after | open | B+430 (its expiry) |
//!
//! Two more `fault_recovered` lines close nothing: one without an id (a
//! helper swept), one whose id was never injected.
//!
//! By hand: web 2 injected, 0 repaired, 1 expired, 1 cleared, 0 open, rate
//! 0/1 = 0.0 %; cache 2, 0, 0, 1, 1, no rate, ttm p50 1.0 s; all 4, 0, 1,
//! 2, 1, rate 0.0 %. Before `fault_recovered` was read, p1 and k1 counted
//! as open (all targets: 0 cleared, 3 open). The span runs from B to
//! B+430: 7m10s. p1 lasted 101 - 10 = 91 s (1m31s), k1 101.5 - 12 = 89.5 s
//! (1m30s).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::helpers::run_once;

const B: f64 = 1_704_700_000.0;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recover-journal.jsonl")
}

/// `command --journal <fixture> args...`: its standard output.
fn run(command: &str, args: &[&str]) -> String {
    let journal = fixture();
    let mut all = vec![command, "--journal", journal.to_str().unwrap()];
    all.extend_from_slice(args);
    let output = run_once(&all, &[]);
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// The cells of the text table's line whose first cell is `name`.
fn cells<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|cells| cells.first() == Some(&name))
        .collect();
    assert_eq!(lines.len(), 1, "one line for {name:?} in:\n{text}");
    lines[0].clone()
}

#[test]
fn a_fault_undone_by_recover_is_cleared_in_the_text_table() {
    let text = run("report", &[]);
    assert!(
        text.contains("(7m10s): 2 engine runs, 4 failures."),
        "{text}"
    );
    // inj rep exp clr open skip ttr p50 ttr p95 ttr max rate ttm p50
    let expected = [
        (
            "web",
            ["2", "0", "1", "1", "0", "0", "-", "-", "-", "0.0%", "-"],
        ),
        (
            "cache",
            ["2", "0", "0", "1", "1", "0", "-", "-", "-", "-", "1.0s"],
        ),
    ];
    for (name, figures) in expected {
        assert_eq!(cells(&text, name)[1..], figures, "{name} in:\n{text}");
    }
    let all = cells(&text, "all");
    assert_eq!(
        all[2..],
        ["4", "0", "1", "2", "1", "0", "-", "-", "-", "0.0%", "1.0s"],
        "{text}"
    );
    let notes = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        notes.contains(
            "were cleared by hand, at shutdown or by `recover` after the engine died (clr)"
        ),
        "{text}"
    );
}

#[test]
fn a_fault_undone_by_recover_ends_by_recover_in_json_svg_html_and_the_scorecard() {
    let document: Value = serde_json::from_str(&run("report", &["--format", "json"])).unwrap();
    assert_eq!(document["from"], B);
    assert_eq!(document["to"], B + 430.0);
    assert_eq!(document["skipped_lines"], serde_json::json!([]));
    let failures: Vec<(String, String, Value, f64)> = document["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["outcome"].as_str().unwrap().to_owned(),
                f["ended_by"].clone(),
                f["ended_at"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failures,
        [
            (
                "p1".to_owned(),
                "cleared".to_owned(),
                Value::from("recover"),
                B + 101.0
            ),
            (
                "k1".to_owned(),
                "cleared".to_owned(),
                Value::from("recover"),
                B + 101.5
            ),
            (
                "p2".to_owned(),
                "expired".to_owned(),
                Value::from("recovery"),
                B + 240.0
            ),
            ("o1".to_owned(), "open".to_owned(), Value::Null, B + 430.0),
        ]
    );
    assert_eq!(document["totals"]["cleared"], 2);
    assert_eq!(document["totals"]["open"], 1);
    assert_eq!(document["totals"]["repair_rate"], 0.0);

    // The timeline says how each ended, in the words of the text report.
    let svg = run("report", &["--format", "svg"]);
    assert!(
        svg.contains(
            "id p1\ncontainers web-1 (a1b2c3d4e5f6)\ncleared (recover) after 1m31s, not repaired"
        ),
        "{svg}"
    );
    assert!(
        svg.contains(
            "id k1\ncontainers cache-1 (a1b2c3d4e5f6)\ncleared (recover) after 1m30s, not repaired"
        ),
        "{svg}"
    );
    let html = run("report", &["--format", "html"]);
    assert!(
        html.contains("cleared (recover) after 1m31s"),
        "the HTML embeds the timeline"
    );

    // The scorecard's incidents follow the report's reading.
    let score: Value = serde_json::from_str(&run("score", &["--format", "json"])).unwrap();
    let incidents: Vec<(Value, Value, Value, Value)> = score["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].clone(),
                i["outcome"].clone(),
                i["ended_by"].clone(),
                i["window"].clone(),
            )
        })
        .collect();
    let window = |from: f64, to: f64| serde_json::json!([from, to]);
    assert_eq!(
        incidents,
        [
            (
                "p1".into(),
                "cleared".into(),
                "recover".into(),
                window(B + 10.0, B + 131.0)
            ),
            (
                "k1".into(),
                "cleared".into(),
                "recover".into(),
                window(B + 12.0, B + 131.5)
            ),
            (
                "p2".into(),
                "expired".into(),
                "recovery".into(),
                window(B + 200.0, B + 270.0)
            ),
            (
                "o1".into(),
                "open".into(),
                Value::Null,
                window(B + 400.0, B + 460.0)
            ),
        ],
        "windows end 30 s (the default grace) after each end"
    );
}
