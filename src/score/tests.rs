//! The scorer against a journal written by hand, whose scorecards are
//! worked out by hand below (times are Unix seconds from 1000).
//!
//! | id | target | truth                                              | window        |
//! |----|--------|----------------------------------------------------|---------------|
//! | a  | app    | crash, seen 1012, repaired by target-app 1020      | [1010, 1050]  |
//! | b  | db     | slow, seen 1055.5, expired 1080, healthy 1082      | [1050, 1112]  |
//! | c  | app    | config_error, never seen (app has a probe)         | [1100, 1160]  |
//! | d  | db     | crash, never seen, "another writer" 1205: tampering| [1200, 1235]  |
//! | cw1| app    | control window 1300-1330                           |               |
//! | e  | app    | crash, seen 1401, repaired by probe 1410           | [1400, 1440]  |
//! | f  | web    | Docker pause, no probe, repaired by docker start   | [1500, 1540]  |

use super::matching::FalseAlarmKind;
use super::metrics::{scorecards, Figures};
use super::*;

const GRACE: f64 = 30.0;

fn journal_text() -> String {
    let mut lines = vec![
        r#"{"timestamp":1000,"event":"engine_started","seed":42}"#.to_owned(),
        // a: manifested, repaired by the restarted target.
        r#"{"timestamp":1010,"event":"injected","id":"a","target":"app","scenario":"CRASH","mode":"crash","delay":0,"expires_at":1040,"category":"availability","fix":["restart"]}"#.to_owned(),
        r#"{"timestamp":1012,"event":"manifested","id":"a","target":"app","scenario":"CRASH","mode":"crash","injected_at":1010,"manifested_at":1012,"time_to_manifest_ms":2000}"#.to_owned(),
        r#"{"timestamp":1020,"event":"ended","id":"a","target":"app","scenario":"CRASH","mode":"crash","ended_by":"repair","repaired_by":"target-app","injected_at":1010,"manifested_at":1012,"repaired_at":1020,"ended_at":1020}"#.to_owned(),
        // b: manifested, expired, healthy again 2 s later.
        r#"{"timestamp":1050,"event":"injected","id":"b","target":"db","scenario":"SLOWDOWN","mode":"slow","delay":5,"expires_at":1080,"category":"latency"}"#.to_owned(),
        r#"{"timestamp":1055.5,"event":"manifested","id":"b","target":"db","scenario":"SLOWDOWN","mode":"slow","injected_at":1050,"manifested_at":1055.5,"time_to_manifest_ms":5500}"#.to_owned(),
        r#"{"timestamp":1080,"event":"ended","id":"b","target":"db","scenario":"SLOWDOWN","mode":"slow","ended_by":"recovery","injected_at":1050,"manifested_at":1055.5,"expired_at":1080,"ended_at":1080}"#.to_owned(),
        r#"{"timestamp":1082,"event":"healthy_again","id":"b","target":"db","scenario":"SLOWDOWN","mode":"slow","expired_at":1080,"healthy_at":1082,"time_to_healthy_ms":2000}"#.to_owned(),
        // c: never manifested on a probed target.
        r#"{"timestamp":1100,"event":"injected","id":"c","target":"app","scenario":"CONFIG","mode":"config_error","expires_at":1130}"#.to_owned(),
        r#"{"timestamp":1130,"event":"ended","id":"c","target":"app","scenario":"CONFIG","mode":"config_error","ended_by":"recovery","injected_at":1100,"expired_at":1130,"ended_at":1130}"#.to_owned(),
        // d: the state file rewritten, nothing showed db down.
        r#"{"timestamp":1200,"event":"injected","id":"d","target":"db","scenario":"CRASH","mode":"crash","expires_at":1230,"category":"availability"}"#.to_owned(),
        r#"{"timestamp":1205,"event":"ended","id":"d","target":"db","scenario":"CRASH","mode":"crash","ended_by":"repair","repaired_by":"another writer","injected_at":1200,"repaired_at":1205,"ended_at":1205}"#.to_owned(),
        r#"{"timestamp":1300,"event":"control_window","id":"cw1","target":"app","ends_at":1330}"#.to_owned(),
        // e: manifested, repaired as the probe saw.
        r#"{"timestamp":1400,"event":"injected","id":"e","target":"app","scenario":"CRASH","mode":"crash","expires_at":1430,"category":"availability"}"#.to_owned(),
        r#"{"timestamp":1401,"event":"manifested","id":"e","target":"app","scenario":"CRASH","mode":"crash","injected_at":1400,"manifested_at":1401,"time_to_manifest_ms":1000}"#.to_owned(),
        r#"{"timestamp":1410,"event":"ended","id":"e","target":"app","scenario":"CRASH","mode":"crash","ended_by":"repair","repaired_by":"probe","injected_at":1400,"manifested_at":1401,"repaired_at":1410,"ended_at":1410}"#.to_owned(),
        // f: a Docker target without a probe.
        r#"{"timestamp":1500,"event":"injected","id":"f","target":"web","scenario":"PAUSE","mode":"pause","expires_at":1530,"containers":[{"id":"0123456789abcdef","name":"web-1"}]}"#.to_owned(),
        r#"{"timestamp":1510,"event":"ended","id":"f","target":"web","scenario":"PAUSE","mode":"pause","ended_by":"repair","repaired_by":"docker start","injected_at":1500,"repaired_at":1510,"ended_at":1510}"#.to_owned(),
    ];
    let finding = |at: f64, who: &str, target: &str, kind: &str, extra: &str| {
        format!(
            r#"{{"timestamp":{at},"event":"finding","id":"{who}-{at}","responder":"{who}","target":"{target}","kind":"{kind}"{extra}}}"#
        )
    };
    // The good responder: every incident it could see, on time.
    lines.extend([
        finding(1014.0, "good", "app", "detected", ""),
        finding(1015.0, "good", "app", "diagnosed", r#","mode":"crash""#),
        finding(1019.0, "good", "app", "mitigated", ""),
        finding(1060.0, "good", "db", "detected", ""),
        finding(
            1061.0,
            "good",
            "db",
            "diagnosed",
            r#","category":"Latency""#,
        ),
        // The last instant of b's window: still b, not a false alarm.
        finding(1112.0, "good", "db", "detected", ""),
        finding(1403.0, "good", "app", "detected", ""),
        finding(1409.0, "good", "app", "mitigated", ""),
        finding(1503.0, "good", "web", "detected", ""),
        finding(1508.0, "good", "web", "mitigated", ""),
    ]);
    // The bad one: wrong target, just too late, a control-window alarm,
    // late detection, wrong diagnosis, a "mitigation" of tampering.
    lines.extend([
        finding(1015.0, "bad", "db", "detected", ""),
        finding(1112.001, "bad", "db", "detected", ""),
        finding(1105.0, "bad", "app", "detected", ""),
        finding(1206.0, "bad", "db", "mitigated", ""),
        finding(1310.0, "bad", "app", "detected", ""),
        finding(1420.0, "bad", "app", "detected", ""),
        finding(1421.0, "bad", "app", "diagnosed", r#","mode":"slow""#),
    ]);
    lines.join("\n") + "\n"
}

fn journal() -> ScoreJournal {
    let journal = parse(journal_text().as_bytes());
    assert!(journal.warnings.is_empty(), "{:?}", journal.warnings);
    journal
}

fn figures_of(journal: &ScoreJournal, who: &str) -> Figures {
    let cards = scorecards(journal, Some(who), GRACE);
    cards[0].figures.clone()
}

#[test]
fn the_ground_truth_of_each_incident() {
    let journal = journal();
    let ids: Vec<&str> = journal.incidents.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e", "f"]);
    let by = |id: &str| journal.incidents.iter().find(|i| i.id == id).unwrap();
    assert_eq!(by("a").category.as_deref(), Some("availability"));
    assert_eq!(by("a").fix, ["restart"]);
    assert_eq!(by("a").window(GRACE), (1010.0, 1050.0));
    assert_eq!(by("b").healthy_again_at, Some(1082.0));
    assert_eq!(
        by("b").window(GRACE),
        (1050.0, 1112.0),
        "healthy again + grace"
    );
    assert!(!by("c").scored() && !by("d").scored(), "never manifested");
    assert!(by("f").scored(), "no probe: scored from the injection");
    assert_eq!(by("f").clock_start(), 1500.0);
    let visible: Vec<bool> = journal.incidents.iter().map(|i| i.visible).collect();
    assert_eq!(
        visible,
        [true, true, true, true, true, false],
        "f is Docker"
    );
    let tampering: Vec<&str> = journal
        .incidents
        .iter()
        .filter(|i| i.tampering)
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(tampering, ["d"], "a manifested, e by probe, f Docker");
    assert_eq!(journal.responders(), ["bad", "good"]);
}

#[test]
fn the_good_responder_s_scorecard() {
    let journal = journal();
    let f = figures_of(&journal, "good");
    assert_eq!((f.incidents, f.scored, f.never_manifested), (6, 4, 2));
    assert_eq!(
        (f.true_positives, f.false_negatives, f.false_positives),
        (4, 0, 0)
    );
    assert_eq!(
        (f.precision, f.recall, f.f1),
        (Some(1.0), Some(1.0), Some(1.0))
    );
    assert_eq!(
        (f.alerted, f.localised, f.localisation_accuracy),
        (4, 4, Some(1.0))
    );
    assert_eq!(
        (f.diagnosis_attempts, f.diagnosed),
        (2, 2),
        "mode crash, category Latency"
    );
    assert_eq!((f.mitigated, f.repaired, f.tampering), (3, 3, 1));
    // Detections 2 s (a), 4.5 s (b), 2 s (e), 3 s (f from injection):
    // sorted 2000, 2000, 3000, 4500; ranks ⌈0.5·4⌉ = 2 and ⌈0.95·4⌉ = 4.
    assert_eq!((f.mttd_p50_ms, f.mttd_p95_ms), (Some(2000.0), Some(4500.0)));
    // Mitigations 8 s (a: 1020 − 1012), 9 s (e), 10 s (f): ranks 2 and 3.
    assert_eq!(
        (f.mttr_p50_ms, f.mttr_p95_ms),
        (Some(9000.0), Some(10000.0))
    );
    let cards = scorecards(&journal, Some("good"), GRACE);
    let ttd: Vec<Option<f64>> = cards[0]
        .matched
        .incidents
        .iter()
        .map(|s| s.time_to_detect_ms)
        .collect();
    assert_eq!(
        ttd,
        [
            Some(2000.0),
            Some(4500.0),
            None,
            None,
            Some(2000.0),
            Some(3000.0)
        ]
    );
}

#[test]
fn the_bad_responder_s_scorecard() {
    let journal = journal();
    let cards = scorecards(&journal, Some("bad"), GRACE);
    let card = &cards[0];
    let f = &card.figures;
    // Only e is detected (late); a was blamed on db, b was 1 ms too late.
    assert_eq!((f.true_positives, f.false_negatives), (1, 3));
    let alarms: Vec<(&str, FalseAlarmKind)> = card
        .matched
        .false_alarms
        .iter()
        .map(|a| (a.finding.as_str(), a.kind))
        .collect();
    assert_eq!(
        alarms,
        [
            ("bad-1015", FalseAlarmKind::NoIncident),
            ("bad-1112.001", FalseAlarmKind::NoIncident),
            ("bad-1310", FalseAlarmKind::ControlWindow),
        ]
    );
    assert_eq!(
        (
            f.false_positives_in_control_windows,
            f.false_positives_without_incident
        ),
        (1, 2)
    );
    assert_eq!(
        (f.precision, f.recall, f.f1),
        (Some(0.25), Some(0.25), Some(0.25))
    );
    assert_eq!(
        f.detected_never_manifested, 1,
        "c, at 1105: neither TP nor FP"
    );
    assert_eq!(
        (f.alerted, f.localised, f.localisation_accuracy),
        (3, 1, Some(1.0 / 3.0)),
        "alerted on a (db at 1015), b (app at 1105 is in b's window too) and e"
    );
    assert_eq!(
        (f.diagnosis_attempts, f.diagnosed, f.diagnosis_accuracy),
        (1, 0, Some(0.0))
    );
    assert_eq!(f.mitigated, 0, "d was tampering and is not scored");
    assert_eq!(
        (f.mttd_p50_ms, f.mttd_p95_ms),
        (Some(19000.0), Some(19000.0))
    );
    assert_eq!((f.mttr_p50_ms, f.mttr_p95_ms), (None, None));
}

#[test]
fn a_longer_grace_turns_a_late_alarm_into_a_detection() {
    let journal = journal();
    let cards = scorecards(&journal, Some("bad"), 30.002);
    assert_eq!(cards[0].figures.true_positives, 2, "b at 1112.001 counts");
    assert_eq!(cards[0].figures.false_positives, 2);
}

#[test]
fn a_responder_who_posted_nothing_scores_zero() {
    let journal = journal();
    let f = figures_of(&journal, "nobody");
    assert_eq!(
        (f.true_positives, f.false_positives, f.false_negatives),
        (0, 0, 4)
    );
    assert_eq!((f.precision, f.recall, f.f1), (None, Some(0.0), None));
}

#[test]
fn an_unhealthy_skip_shows_the_target_went_down_so_no_tampering() {
    let text = [
        r#"{"timestamp":1200,"event":"injected","id":"d","target":"db","scenario":"CRASH","mode":"crash","expires_at":1230}"#,
        r#"{"timestamp":1203,"event":"skipped","target":"db","reason":"unhealthy"}"#,
        r#"{"timestamp":1205,"event":"ended","id":"d","target":"db","scenario":"CRASH","ended_by":"repair","repaired_by":"state file removed","injected_at":1200,"repaired_at":1205,"ended_at":1205}"#,
        r#"{"timestamp":1300,"event":"injected","id":"m","target":"db","scenario":"CRASH","mode":"crash","expires_at":1330}"#,
        r#"{"timestamp":1305,"event":"ended","id":"m","target":"db","scenario":"CRASH","ended_by":"manual","injected_at":1300,"ended_at":1305}"#,
    ]
    .join("\n");
    let journal = parse(text.as_bytes());
    assert!(
        journal.incidents.iter().all(|i| !i.tampering),
        "{journal:?}"
    );
}

#[test]
fn malformed_finding_and_control_lines_are_warnings() {
    let text = [
        r#"{"event":"finding","id":"x","responder":"r","target":"app","kind":"detected"}"#,
        r#"{"timestamp":5,"event":"control_window","target":"app"}"#,
    ]
    .join("\n");
    let journal = parse(text.as_bytes());
    let lines: Vec<usize> = journal.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [1, 2], "{:?}", journal.warnings);
    assert!(journal.findings.is_empty() && journal.controls.is_empty());
}

#[test]
fn labels_as_csv_and_json_lines() {
    let journal = journal();
    let rows = labels::labels(&journal);
    assert_eq!(
        labels::csv(&rows),
        "target,kind,start,end,incident_id,scenario,mode,category\n\
         app,impact,1012,1020,a,CRASH,crash,availability\n\
         db,impact,1055.5,1082,b,SLOWDOWN,slow,latency\n\
         app,control,1300,1330,cw1,,,\n\
         app,impact,1401,1410,e,CRASH,crash,\n"
            .replace("1410,e,CRASH,crash,\n", "1410,e,CRASH,crash,availability\n")
    );
    let jsonl = labels::jsonl(&rows);
    let first = jsonl.lines().next().unwrap();
    assert_eq!(
        first,
        r#"{"target":"app","kind":"impact","start":1012.0,"end":1020.0,"incident_id":"a","scenario":"CRASH","mode":"crash","category":"availability"}"#
    );
    assert_eq!(jsonl.lines().count(), 4);
}

#[test]
fn a_csv_field_with_a_comma_is_quoted() {
    let rows = vec![labels::Label {
        target: "a,b".into(),
        kind: "control",
        start: 1.5,
        end: 2.0,
        incident_id: "say \"hi\"".into(),
        scenario: String::new(),
        mode: String::new(),
        category: String::new(),
    }];
    assert_eq!(
        labels::csv(&rows).lines().nth(1),
        Some(r#""a,b",control,1.5,2,"say ""hi""",,,"#)
    );
}

#[test]
fn the_text_fits_100_columns_and_the_json_and_html_hold_every_responder() {
    let journal = journal();
    let cards = scorecards(&journal, None, GRACE);
    let text = text::render("j.jsonl", &journal, &cards, GRACE);
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "{line}");
    }
    assert!(text.contains("Responder: bad") && text.contains("Responder: good"));
    assert!(text.contains("precision 25.0% (1/4)"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&json::render("j.jsonl", &journal, &cards, GRACE)).unwrap();
    assert_eq!(json["responders"][1]["responder"], "good");
    assert_eq!(json["responders"][1]["figures"]["true_positives"], 4);
    assert_eq!(json["incidents"][3]["tampering"], true);
    assert_eq!(
        json["incidents"][1]["window"],
        serde_json::json!([1050.0, 1112.0])
    );
    let page = html::render("j<1>.jsonl", &journal, &cards, GRACE);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<title>chaos-engine score: j&lt;1&gt;.jsonl</title>"));
    assert_eq!(page.matches("<h2>Responder: ").count(), 2);
    for external in ["<script", "<link", "<img", "https://", "http://"] {
        assert!(!page.contains(external), "{external} in the page");
    }
}

/// tests/fixtures/score-journal.jsonl (used by the command's tests and
/// docs/score.md) is exactly this journal.
#[test]
fn the_fixture_is_this_journal() {
    assert_eq!(
        include_str!("../../tests/fixtures/score-journal.jsonl"),
        journal_text()
    );
}

/// A journal rotated anywhere (`journal.jsonl.1` then `journal.jsonl`) is
/// read whole, streamed, by both the scorer and the report; a malformed
/// line of the rotated file is named by that file and its own line number.
#[test]
fn a_rotated_journal_is_scored_and_reported_whole() {
    let text = journal_text();
    let whole = parse(text.as_bytes());
    let whole_report = crate::report::load::parse(text.as_bytes());
    let lines: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let rotated = crate::journal::rotated_path(&path);
    for split in 0..=lines.len() {
        let older = lines[..split]
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>();
        let newer = lines[split..]
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>();
        std::fs::write(&rotated, older).unwrap();
        std::fs::write(&path, newer).unwrap();
        assert_eq!(load(&path).unwrap(), whole, "split at line {split}");
        assert_eq!(
            crate::report::load(&path).unwrap(),
            whole_report,
            "split at line {split}"
        );
    }

    let older = format!("{}\nnot json\n{}\n", lines[0], lines[1]);
    let newer = format!("{}\n[1]\n", lines[2..].join("\n"));
    std::fs::write(&rotated, older).unwrap();
    std::fs::write(&path, newer).unwrap();
    let scored = load(&path).unwrap();
    let places: Vec<(Option<&std::path::Path>, usize)> = scored
        .warnings
        .iter()
        .map(|w| (w.file.as_deref(), w.line))
        .collect();
    assert_eq!(
        places,
        [(Some(rotated.as_path()), 2), (None, lines.len() - 1)],
        "{:?}",
        scored.warnings
    );
    assert_eq!(scored.incidents, whole.incidents);
    assert_eq!(scored.findings, whole.findings);
}

#[test]
fn a_swarm_task_replaced_by_swarm_is_a_repair_scored_from_its_going_down() {
    // The journal of a Swarm target's kill: the watch saw the task down
    // until Swarm started a new one in its slot (`manifested` at the
    // repair), then the responder's findings.
    let text = [
        r#"{"timestamp":1000,"event":"engine_started","seed":1}"#,
        r#"{"timestamp":1010,"event":"injected","id":"s","target":"api","scenario":"KILL_TASK","mode":"kill","expires_at":1040,"containers":[{"id":"0123456789abcdef","name":"shop_api.2.abc"}]}"#,
        r#"{"timestamp":1012.5,"event":"manifested","id":"s","target":"api","scenario":"KILL_TASK","mode":"kill","injected_at":1010,"manifested_at":1012.5,"time_to_manifest_ms":2500}"#,
        r#"{"timestamp":1012.5,"event":"ended","id":"s","target":"api","scenario":"KILL_TASK","mode":"kill","ended_by":"repair","repaired_by":"swarm","injected_at":1010,"manifested_at":1012.5,"repaired_at":1012.5,"ended_at":1012.5}"#,
        r#"{"timestamp":1013,"event":"finding","id":"r-1","responder":"r","target":"api","kind":"detected"}"#,
    ]
    .join("\n");
    let journal = parse(text.as_bytes());
    assert!(journal.warnings.is_empty(), "{:?}", journal.warnings);
    let incident = &journal.incidents[0];
    assert_eq!(incident.outcome, Outcome::Repaired);
    assert_eq!(incident.repaired_by.as_deref(), Some("swarm"));
    assert!(!incident.visible, "a container target's: not a state file");
    assert!(
        !incident.tampering,
        "Swarm replacing a task is no tampering"
    );
    assert!(incident.scored());
    assert_eq!(incident.clock_start(), 1012.5, "from its going down");
    let figures = figures_of(&journal, "r");
    assert_eq!((figures.true_positives, figures.false_negatives), (1, 0));
}

/// Worked by hand (grace 30 s). `o` on `app` is open (no `ended` line):
/// its window runs to its `expires_at`, 2030, plus the grace: [2000, 2060].
/// `r` on `db` was repaired (by the probe) at 2104, half a second before
/// the probe's `manifested` line put its clock start at 2104.5.
/// - `early` detects `o` at 2001, 4 s before it manifested at 2005: a true
///   positive whose time to detect is clamped to 0, not -4000 ms; it
///   mitigates `r` at 2104.2: clamped to 0 too (2104 - 2104.5 < 0).
/// - `edge` detects `o` at 2060, the window's last instant (a detection),
///   and again at 2060.5 (no incident: a false alarm).
#[test]
fn an_open_incident_runs_to_its_deadline_and_early_times_are_clamped_to_zero() {
    let text = [
        r#"{"timestamp":2000,"event":"injected","id":"o","target":"app","scenario":"CRASH","mode":"crash","expires_at":2030}"#,
        r#"{"timestamp":2005,"event":"manifested","id":"o","target":"app","scenario":"CRASH","mode":"crash","injected_at":2000,"manifested_at":2005,"time_to_manifest_ms":5000}"#,
        r#"{"timestamp":2100,"event":"injected","id":"r","target":"db","scenario":"CRASH","mode":"crash","expires_at":2130}"#,
        r#"{"timestamp":2104.5,"event":"manifested","id":"r","target":"db","scenario":"CRASH","mode":"crash","injected_at":2100,"manifested_at":2104.5,"time_to_manifest_ms":4500}"#,
        r#"{"timestamp":2104.5,"event":"ended","id":"r","target":"db","scenario":"CRASH","mode":"crash","ended_by":"repair","repaired_by":"probe","injected_at":2100,"manifested_at":2104.5,"repaired_at":2104,"ended_at":2104}"#,
        r#"{"timestamp":2001,"event":"finding","id":"f1","responder":"early","target":"app","kind":"detected"}"#,
        r#"{"timestamp":2104.1,"event":"finding","id":"f2","responder":"early","target":"db","kind":"detected"}"#,
        r#"{"timestamp":2104.2,"event":"finding","id":"f3","responder":"early","target":"db","kind":"mitigated"}"#,
        r#"{"timestamp":2060,"event":"finding","id":"f4","responder":"edge","target":"app","kind":"detected"}"#,
        r#"{"timestamp":2060.5,"event":"finding","id":"f5","responder":"edge","target":"app","kind":"detected"}"#,
    ]
    .join("\n");
    let journal = parse(text.as_bytes());
    assert!(journal.warnings.is_empty(), "{:?}", journal.warnings);
    let open = &journal.incidents[0];
    assert_eq!(open.id, "o");
    assert_eq!(open.window(GRACE), (2000.0, 2060.0), "expires_at + grace");
    assert!(open.scored());

    let early = scorecards(&journal, Some("early"), GRACE);
    let ttd: Vec<Option<f64>> = early[0]
        .matched
        .incidents
        .iter()
        .map(|s| s.time_to_detect_ms)
        .collect();
    assert_eq!(
        ttd,
        [Some(0.0), Some(0.0)],
        "2001 - 2005 and 2104.1 - 2104.5"
    );
    let f = &early[0].figures;
    assert_eq!((f.true_positives, f.false_positives), (2, 0));
    assert_eq!((f.mitigated, f.repaired), (1, 1));
    assert_eq!((f.mttr_p50_ms, f.mttr_p95_ms), (Some(0.0), Some(0.0)));
    assert_eq!((f.mttd_p50_ms, f.mttd_p95_ms), (Some(0.0), Some(0.0)));

    let edge = scorecards(&journal, Some("edge"), GRACE);
    let f = &edge[0].figures;
    assert_eq!((f.true_positives, f.false_negatives), (1, 1), "o, not r");
    assert_eq!(
        (f.false_positives, f.false_positives_without_incident),
        (1, 1)
    );
    assert_eq!(edge[0].matched.false_alarms[0].finding, "f5");
    assert_eq!(
        edge[0].matched.incidents[0].time_to_detect_ms,
        Some(55_000.0)
    );
}
