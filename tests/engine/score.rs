//! `chaos-engine score` and `chaos-engine labels` on the hand-written
//! journal `tests/fixtures/score-journal.jsonl` (its scorecards are worked
//! out by hand in src/score/tests.rs), and their bad input (exit 2).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::helpers::run_once;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/score-journal.jsonl")
}

fn run(command: &str, args: &[&str]) -> std::process::Output {
    let journal = fixture();
    let mut all = vec![command, "--journal", journal.to_str().unwrap()];
    all.extend_from_slice(args);
    run_once(&all, &[])
}

#[test]
fn score_as_json_has_both_responders_figures() {
    let output = run("score", &["--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let good = &json["responders"][1];
    assert_eq!(good["responder"], "good");
    assert_eq!(good["figures"]["precision"], 1.0);
    assert_eq!(good["figures"]["mttd_p95_ms"], 4500.0);
    let bad = &json["responders"][0]["figures"];
    assert_eq!(bad["precision"], 0.25);
    assert_eq!(bad["false_positives_in_control_windows"], 1);
}

#[test]
fn score_for_one_responder_in_text_and_html() {
    let output = run("score", &["--responder", "bad"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Responder: bad") && !text.contains("Responder: good"));
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("score.html");
    let output = run(
        "score",
        &["--format", "html", "--out", out.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(0));
    let page = std::fs::read_to_string(out).unwrap();
    assert!(page.contains("<h2>Responder: good</h2>"));
}

#[test]
fn report_html_has_the_scorecard_when_the_journal_has_findings() {
    let output = run("report", &["--format", "html"]);
    assert_eq!(output.status.code(), Some(0));
    let page = String::from_utf8_lossy(&output.stdout);
    assert!(page.contains("<section class=\"scorecard\">"));
    assert_eq!(page.matches("<h2>Responder: ").count(), 2);
}

#[test]
fn labels_as_csv_and_jsonl() {
    let output = run("labels", &["--format", "csv"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "target,kind,start,end,incident_id,scenario,mode,category\n\
         app,impact,1012,1020,a,CRASH,crash,availability\n\
         db,impact,1055.5,1082,b,SLOWDOWN,slow,latency\n\
         app,control,1300,1330,cw1,,,\n\
         app,impact,1401,1410,e,CRASH,crash,availability\n"
    );
    let output = run("labels", &["--format", "jsonl"]);
    assert_eq!(output.status.code(), Some(0));
    let kinds: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["kind"].to_string())
        .collect();
    assert_eq!(
        kinds,
        ["\"impact\"", "\"impact\"", "\"control\"", "\"impact\""]
    );
}

#[test]
fn bad_input_exits_2() {
    for command in ["score", "labels"] {
        let missing = run_once(&[command, "--journal", "/nonexistent/j.jsonl"], &[]);
        assert_eq!(missing.status.code(), Some(2), "{command}: missing journal");
        assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read the journal"));
        let format = run(command, &["--format", "xml"]);
        assert_eq!(format.status.code(), Some(2), "{command}: bad format");
        let none = run_once(&[command], &[]);
        assert_eq!(none.status.code(), Some(2), "{command}: no journal");
    }
    assert_eq!(run("score", &["--grace", "soon"]).status.code(), Some(2));
}
