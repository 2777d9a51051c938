//! `chaos-engine report` on a hand-written journal
//! (`tests/fixtures/report-journal.jsonl`): the numbers in every format are
//! compared with values computed by hand, not by the report's own code.
//!
//! The fixture, base time B = 1704617280 (2024-01-07 08:48:00 UTC), two
//! engine runs:
//!
//! | id | target | scenario | outcome | time to repair | time to manifest |
//! |----|--------|----------|---------|----------------|------------------|
//! | a1 | app | CRASH | repaired | 12000 | 1500 |
//! | a3 | app | CRASH | expired | | |
//! | a6 | app | CRASH | repaired | 6000 | 500 |
//! | a2 | app | SLOWDOWN | repaired | 4000 | 800 |
//! | a4 | app | SLOWDOWN | cleared (manual) | | |
//! | a5 | app | SLOWDOWN | repaired | 10000 | |
//! | a7 | app | SLOWDOWN | open (no end; expires B+1270) | | 1000 |
//! | d2 | db | CRASH | repaired | 8000 | 2000 |
//! | d1 | db | NETWORK_PARTITION | expired | | |
//! | d3 | db | NETWORK_PARTITION | cleared (shutdown) | | |
//! | d4 | db | NETWORK_PARTITION | repaired | 15000 | |
//!
//! Skipped cycles: app cap + blackout, db unhealthy + window. Line 16 is
//! truncated JSON; line 32 is a `skipped` without its `target`.
//!
//! Nearest-rank by hand: overall time to repair sorted 4000, 6000, 8000,
//! 10000, 12000, 15000: p50 = rank ⌈3⌉ = 8000 (interpolation would give
//! 9000), p95 = rank ⌈5.7⌉ = 15000.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::helpers::{run_once, Workspace};

pub fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report-journal.jsonl")
}

fn report(args: &[&str]) -> Output {
    let journal = fixture();
    let mut all = vec!["report", "--journal", journal.to_str().unwrap()];
    all.extend_from_slice(args);
    run_once(&all, &[])
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The whitespace-separated cells of the table line starting with `start`.
fn table_line<'a>(text: &'a str, start: &str) -> Vec<&'a str> {
    let matching: Vec<&str> = text
        .lines()
        .filter(|line| {
            line.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .starts_with(start)
        })
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "one line starting with {start:?} in:\n{text}"
    );
    matching[0].split_whitespace().collect()
}

/// The fixture's table, hand-computed: (name, figures) per line, figures
/// being injections, repaired, expired, cleared, open, skipped, ttr p50,
/// ttr p95, ttr max, repair rate, ttm p50.
const FIXTURE_TABLE: [(&str, &str, [&str; 11]); 7] = [
    (
        "app",
        "CRASH",
        [
            "3", "2", "1", "0", "0", "-", "6.0s", "12.0s", "12.0s", "66.7%", "500ms",
        ],
    ),
    (
        "app",
        "SLOWDOWN",
        [
            "4", "2", "0", "1", "1", "-", "4.0s", "10.0s", "10.0s", "100.0%", "800ms",
        ],
    ),
    (
        "app",
        "total",
        [
            "7", "4", "1", "1", "1", "2", "6.0s", "12.0s", "12.0s", "80.0%", "800ms",
        ],
    ),
    (
        "db",
        "CRASH",
        [
            "1", "1", "0", "0", "0", "-", "8.0s", "8.0s", "8.0s", "100.0%", "2.0s",
        ],
    ),
    (
        "db",
        "NETWORK_PARTITION",
        [
            "3", "1", "1", "1", "0", "-", "15.0s", "15.0s", "15.0s", "50.0%", "-",
        ],
    ),
    (
        "db",
        "total",
        [
            "4", "2", "1", "1", "0", "2", "8.0s", "15.0s", "15.0s", "66.7%", "2.0s",
        ],
    ),
    (
        "all targets",
        "total",
        [
            "11", "6", "2", "2", "1", "4", "8.0s", "15.0s", "15.0s", "75.0%", "1.0s",
        ],
    ),
];

#[test]
fn text_report_shows_the_hand_computed_table() {
    let output = report(&[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    // The default table: each target's total line, then its scenarios
    // indented under it.
    for (target, scenario, figures) in FIXTURE_TABLE {
        let name = if scenario == "total" {
            target
        } else {
            scenario
        };
        let start = format!("{name} {}", figures[..2].join(" "));
        let line = table_line(&text, &start);
        assert_eq!(line[line.len() - 11..], figures, "{target} {scenario}");
        let raw = text
            .lines()
            .find(|l| l.split_whitespace().collect::<Vec<_>>() == line)
            .unwrap();
        assert_eq!(
            raw.starts_with("  "),
            scenario != "total",
            "scenarios are indented under their target: {raw:?}"
        );
    }
    let header = table_line(&text, "target / scenario");
    assert_eq!(
        header.join(" "),
        "target / scenario inj rep exp clr open skip ttr p50 ttr p95 ttr max rate ttm p50"
    );
    assert!(
        text.contains(
            "From 2024-01-07 08:48:00 to 09:09:10 UTC (21m10s): 2 engine runs, 11 failures."
        ),
        "{text}"
    );
    assert!(text.contains("The repair rate counts only the failures that could go either way"));
    assert!(text.contains("nearest-rank"));
    assert!(text.contains("2 malformed journal lines skipped"));

    let warnings = stderr(&output);
    let name = fixture().display().to_string();
    assert!(
        warnings.contains(&format!(
            "warning: {name}:16: not JSON (EOF while parsing a string"
        )),
        "{warnings}"
    );
    assert!(
        warnings.contains(&format!(
            "warning: {name}:32: skipped event: missing field `target`"
        )),
        "{warnings}"
    );
    assert_eq!(warnings.lines().count(), 2, "{warnings}");
}

#[test]
fn wide_text_report_keeps_every_column_spelled_out() {
    let output = report(&["--wide"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let header = table_line(&text, "target scenario");
    assert_eq!(
        header.join(" "),
        "target scenario injections repaired expired cleared open skipped ttr p50 ttr p95 \
         ttr max repair rate ttm p50"
    );
    for (target, scenario, figures) in FIXTURE_TABLE {
        let mut expected: Vec<&str> = target.split(' ').collect();
        expected.push(scenario);
        expected.extend(figures);
        assert_eq!(table_line(&text, &format!("{target} {scenario}")), expected);
    }
    assert!(text.contains("Time to repair runs from injection to repair"));
}

/// The widest line of `text`, in characters (not bytes: `…` is one).
fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[test]
fn the_default_text_report_fits_100_columns() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let ws = Workspace::new();
    // A target and a scenario with names far too long for the table.
    let long = ws.path("long-names.jsonl");
    let long_target = "payments-gateway-eu-west-1-blue-green-canary-deployment-primary";
    std::fs::write(
        &long,
        format!(
            r#"{{"event":"ended","id":"1","target":"{long_target}","scenario":"A_CUSTOM_SCENARIO_WITH_A_VERY_LONG_NAME","ended_by":"repair","injected_at":10,"repaired_at":12,"ended_at":12}}"#
        ),
    )
    .unwrap();
    for journal in [
        fixture(),
        dir.join("journal-written-by-8e48004.jsonl"),
        long.clone(),
    ] {
        let journal = journal.to_str().unwrap();
        for tz in ["UTC", "Europe/Paris", "America/St_Johns"] {
            let output = run_once(&["report", "--journal", journal, "--tz", tz], &[]);
            assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
            let text = stdout(&output);
            assert!(
                widest(&text) <= 100,
                "{journal} --tz {tz}: {}\n{text}",
                widest(&text)
            );
        }
        let wide = stdout(&run_once(&["report", "--journal", journal, "--wide"], &[]));
        assert!(wide.contains("injections") && wide.contains("repair rate"));
    }
    let wide = stdout(&run_once(
        &["report", "--journal", long.to_str().unwrap(), "--wide"],
        &[],
    ));
    assert!(wide.contains(long_target), "--wide shows names whole");
    assert!(widest(&wide) > 100, "and may be as wide as they need");
}

#[test]
fn tz_shows_times_in_the_chosen_zone_and_json_stays_unix() {
    let text = stdout(&report(&["--tz", "Europe/Paris"]));
    assert!(
        text.contains("From 2024-01-07 09:48:00 to 10:09:10 CET (21m10s)"),
        "{text}"
    );
    let svg = stdout(&report(&["--format", "svg", "--tz", "Asia/Kolkata"]));
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let ticks: Vec<&str> = with_class(&doc, "tick-label")
        .iter()
        .filter_map(|n| n.text())
        .collect();
    // 08:48 UTC is 14:18 in India (UTC+05:30).
    assert_eq!(ticks.first(), Some(&"14:18"), "{ticks:?}");
    assert_eq!(
        with_class(&doc, "axis-caption")[0].text(),
        Some("time (Asia/Kolkata)")
    );
    let html = stdout(&report(&["--format", "html", "--tz", "Europe/Paris"]));
    assert!(html.contains("From 2024-01-07 09:48:00 to 10:09:10 CET"));
    let json = stdout(&report(&["--format", "json", "--tz", "Europe/Paris"]));
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["from"], 1_704_617_280.0, "JSON keeps Unix time");
}

#[test]
fn an_unknown_zone_is_refused_before_anything_is_written() {
    let ws = Workspace::new();
    let out = ws.path("report.html");
    for bad in ["Mars/Olympus_Mons", "", "+01:00"] {
        let output = report(&[
            "--format",
            "html",
            "--tz",
            bad,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(2), "--tz {bad:?}");
        let message = stderr(&output);
        assert!(
            message.starts_with(&format!("error: --tz {bad:?}: ")),
            "{message}"
        );
        assert!(message.contains("Europe/Paris"), "{message}");
        assert!(!out.exists(), "no report written for --tz {bad:?}");
        assert!(stdout(&output).is_empty());
    }
}

fn json_report() -> Value {
    let output = report(&["--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("one JSON document")
}

/// (injections, repaired, expired, cleared, open, p50, p95, max, rate, ttm p50)
fn numbers(row: &Value) -> (u64, u64, u64, u64, u64, Value, Value, Value, Value, Value) {
    (
        row["injections"].as_u64().unwrap(),
        row["repaired"].as_u64().unwrap(),
        row["expired"].as_u64().unwrap(),
        row["cleared"].as_u64().unwrap(),
        row["open"].as_u64().unwrap(),
        row["time_to_repair_p50_ms"].clone(),
        row["time_to_repair_p95_ms"].clone(),
        row["time_to_repair_max_ms"].clone(),
        row["repair_rate"].clone(),
        row["time_to_manifest_p50_ms"].clone(),
    )
}

fn rate(value: f64) -> Value {
    serde_json::json!(value)
}

#[test]
fn json_report_holds_the_hand_computed_numbers() {
    let doc = json_report();
    let rows = doc["rows"].as_array().unwrap();
    let keys: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["target"].as_str().unwrap(),
                r["scenario"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("app", "CRASH"),
            ("app", "SLOWDOWN"),
            ("db", "CRASH"),
            ("db", "NETWORK_PARTITION")
        ]
    );
    let ms = |v: f64| serde_json::json!(v);
    assert_eq!(
        numbers(&rows[0]),
        (
            3,
            2,
            1,
            0,
            0,
            ms(6000.0),
            ms(12000.0),
            ms(12000.0),
            rate(2.0 / 3.0),
            ms(500.0)
        )
    );
    assert_eq!(
        numbers(&rows[1]),
        (
            4,
            2,
            0,
            1,
            1,
            ms(4000.0),
            ms(10000.0),
            ms(10000.0),
            rate(1.0),
            ms(800.0)
        )
    );
    assert_eq!(
        numbers(&rows[2]),
        (
            1,
            1,
            0,
            0,
            0,
            ms(8000.0),
            ms(8000.0),
            ms(8000.0),
            rate(1.0),
            ms(2000.0)
        )
    );
    assert_eq!(
        numbers(&rows[3]),
        (
            3,
            1,
            1,
            1,
            0,
            ms(15000.0),
            ms(15000.0),
            ms(15000.0),
            rate(0.5),
            Value::Null
        )
    );
    assert!(
        rows.iter().all(|r| r.get("skipped").is_none()),
        "skips have no scenario"
    );

    let targets = doc["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    assert_eq!(targets[0]["target"], "app");
    assert_eq!(
        numbers(&targets[0]),
        (
            7,
            4,
            1,
            1,
            1,
            ms(6000.0),
            ms(12000.0),
            ms(12000.0),
            rate(0.8),
            ms(800.0)
        )
    );
    assert_eq!(targets[0]["skipped"], 2);
    assert_eq!(
        targets[0]["skipped_by_reason"],
        serde_json::json!({"blackout": 1, "cap": 1})
    );
    assert_eq!(targets[1]["target"], "db");
    assert_eq!(
        numbers(&targets[1]),
        (
            4,
            2,
            1,
            1,
            0,
            ms(8000.0),
            ms(15000.0),
            ms(15000.0),
            rate(2.0 / 3.0),
            ms(2000.0)
        )
    );
    assert_eq!(
        targets[1]["skipped_by_reason"],
        serde_json::json!({"unhealthy": 1, "window": 1})
    );

    let totals = &doc["totals"];
    assert_eq!(
        numbers(totals),
        (
            11,
            6,
            2,
            2,
            1,
            ms(8000.0),
            ms(15000.0),
            ms(15000.0),
            rate(0.75),
            ms(1000.0)
        )
    );
    assert_eq!(totals["skipped"], 4);
    assert_eq!(doc["runs"], 2);
    assert_eq!(doc["from"], 1_704_617_280.0);
    assert_eq!(doc["to"], 1_704_618_550.0);

    let failures = doc["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 11);
    let a7 = failures.iter().find(|f| f["id"] == "a7").unwrap();
    assert_eq!(a7["outcome"], "open");
    assert_eq!(a7["ended_at"], 1_704_618_550.0, "open: drawn to expires_at");
    assert_eq!(a7["time_to_manifest_ms"], 1000.0);
    let a4 = failures.iter().find(|f| f["id"] == "a4").unwrap();
    assert_eq!(
        (a4["outcome"].as_str(), a4["ended_by"].as_str()),
        (Some("cleared"), Some("manual"))
    );
    assert_eq!(a4["source"], "manual");
    let lines: Vec<u64> = doc["skipped_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [16, 32]);
}

/// Elements with `class` containing `word`.
fn with_class<'a, 'i>(
    doc: &'a roxmltree::Document<'i>,
    word: &str,
) -> Vec<roxmltree::Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| {
            n.attribute("class")
                .is_some_and(|c| c.split_whitespace().any(|w| w == word))
        })
        .collect()
}

#[test]
fn svg_timeline_draws_one_classed_rect_per_failure_in_its_lane() {
    let ws = Workspace::new();
    let out = ws.path("timeline.svg");
    let output = report(&["--format", "svg", "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).is_empty(),
        "--out: nothing on standard output"
    );
    let svg = std::fs::read_to_string(&out).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );

    let lanes: Vec<&str> = with_class(&doc, "lane")
        .iter()
        .map(|n| n.attribute("data-target").unwrap())
        .collect();
    assert_eq!(lanes, ["app", "db"]);
    let failures = with_class(&doc, "failure");
    assert!(failures.iter().all(|n| n.tag_name().name() == "rect"));
    let in_lane = |target: &str| {
        failures
            .iter()
            .filter(|n| n.attribute("data-target") == Some(target))
            .filter(|n| n.parent_element().and_then(|p| p.attribute("data-target")) == Some(target))
            .count()
    };
    assert_eq!((in_lane("app"), in_lane("db")), (7, 4));
    let outcome = |word: &str| {
        failures
            .iter()
            .filter(|n| {
                n.has_attribute("class")
                    && n.attribute("class")
                        .unwrap()
                        .split_whitespace()
                        .any(|w| w == word)
            })
            .count()
    };
    assert_eq!(
        (
            outcome("repaired"),
            outcome("expired"),
            outcome("cleared"),
            outcome("open")
        ),
        (6, 2, 2, 1)
    );
    // Repaired and expired look different: expired bars are hatched, and
    // the end markers differ in colour.
    assert_eq!(with_class(&doc, "hatch").len(), 2);
    let marker = |word: &str| {
        with_class(&doc, "end-marker")
            .into_iter()
            .filter(|n| n.attribute("class").unwrap().contains(word))
            .map(|n| n.attribute("stroke").unwrap().to_owned())
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(marker("repaired").len(), 1);
    assert_ne!(marker("repaired"), marker("expired"));
    // The open one is dashed and ends at its expires_at, after everything else.
    let open = failures
        .iter()
        .find(|n| n.attribute("data-id") == Some("a7"))
        .unwrap();
    assert!(open.has_attribute("stroke-dasharray"));
    // Scenario colours (Okabe-Ito): CRASH vermillion, SLOWDOWN blue; the
    // bars the probe never saw are hollow (white inside, outlined).
    let fills = |scenario: &str| {
        failures
            .iter()
            .filter(|n| n.attribute("data-scenario") == Some(scenario))
            .filter(|n| n.attribute("data-sighting") != Some("unseen"))
            .map(|n| n.attribute("fill").unwrap())
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(fills("CRASH").into_iter().collect::<Vec<_>>(), ["#d55e00"]);
    assert_eq!(
        fills("SLOWDOWN").into_iter().collect::<Vec<_>>(),
        ["#0072b2"]
    );
    let partition: Vec<&str> = failures
        .iter()
        .filter(|n| n.attribute("data-scenario") == Some("NETWORK_PARTITION"))
        .map(|n| n.attribute("stroke").unwrap())
        .collect();
    assert_eq!(partition.len(), 3, "d1, d3, d4: never seen, outlined");
    assert!(partition.iter().all(|c| *c == partition[0]));
    assert!(!["#d55e00", "#0072b2", "#cc79a7"].contains(&partition[0]));
    // Tooltips name the target, scenario, id and outcome.
    let a1_title = failures
        .iter()
        .find(|n| n.attribute("data-id") == Some("a1"))
        .and_then(|n| n.children().find(|c| c.has_tag_name("title")))
        .and_then(|t| t.text())
        .unwrap();
    for part in [
        "app",
        "CRASH",
        "id a1",
        "repaired by target-app after 12.0s",
        "manifested after 1.5s",
    ] {
        assert!(a1_title.contains(part), "{part} in {a1_title:?}");
    }

    let legend: Vec<(&str, &str)> = with_class(&doc, "legend-entry")
        .iter()
        .filter_map(|n| Some((n.attribute("data-scenario")?, n.attribute("data-colour")?)))
        .collect();
    assert_eq!(legend.len(), 3);
    assert!(legend.contains(&("CRASH", "#d55e00")));
    assert!(legend.contains(&("SLOWDOWN", "#0072b2")));
    assert!(legend.contains(&("NETWORK_PARTITION", partition[0])));
    let outcomes: Vec<&str> = with_class(&doc, "legend-entry")
        .iter()
        .filter_map(|n| n.attribute("data-outcome"))
        .collect();
    assert_eq!(
        outcomes,
        ["repaired", "expired", "cleared", "open", "skipped"]
    );

    let ticks: Vec<&str> = with_class(&doc, "tick-label")
        .iter()
        .filter_map(|n| n.text())
        .collect();
    // 21 minutes: a tick every 2 minutes on the UTC clock.
    assert_eq!(
        ticks,
        [
            "08:48", "08:50", "08:52", "08:54", "08:56", "08:58", "09:00", "09:02", "09:04",
            "09:06", "09:08"
        ]
    );
    assert_eq!(
        with_class(&doc, "axis-caption")[0].text(),
        Some("time (UTC)")
    );
    let skips: Vec<(&str, &str)> = with_class(&doc, "skip")
        .iter()
        .map(|n| {
            (
                n.attribute("data-target").unwrap(),
                n.attribute("data-reason").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        skips,
        [
            ("app", "cap"),
            ("app", "blackout"),
            ("db", "unhealthy"),
            ("db", "window")
        ]
    );
    assert!(with_class(&doc, "empty").is_empty());

    // Skipped cycles sit inside their own lane, below the bars.
    for skip in with_class(&doc, "skip") {
        let target = skip.attribute("data-target").unwrap();
        let band = with_class(&doc, "lane-band")
            .into_iter()
            .find(|n| n.attribute("data-target") == Some(target))
            .unwrap();
        let top: f64 = band.attribute("y").unwrap().parse().unwrap();
        let bottom = top + band.attribute("height").unwrap().parse::<f64>().unwrap();
        let (apex, base) = path_y_extent(skip.attribute("d").unwrap());
        assert!(
            apex > top && base < bottom,
            "{target}: skip {apex}..{base} outside its lane {top}..{bottom}"
        );
        let lowest_bar = failures
            .iter()
            .filter(|n| n.attribute("data-target") == Some(target))
            .map(|n| {
                n.attribute("y").unwrap().parse::<f64>().unwrap()
                    + n.attribute("height").unwrap().parse::<f64>().unwrap()
            })
            .fold(top, f64::max);
        assert!(apex >= lowest_bar, "{target}: the skip overlaps a bar");
    }
    // A marker where each failure a probe saw manifested (a1, a2, a6, a7 on
    // app; d2 on db); the others are drawn hollow: both targets have probes.
    let mut manifested: Vec<&str> = with_class(&doc, "manifested")
        .iter()
        .map(|n| n.attribute("data-id").unwrap())
        .collect();
    manifested.sort_unstable();
    assert_eq!(manifested, ["a1", "a2", "a6", "a7", "d2"]);
    let mut unseen: Vec<&str> = failures
        .iter()
        .filter(|n| n.attribute("data-sighting") == Some("unseen"))
        .map(|n| n.attribute("data-id").unwrap())
        .collect();
    unseen.sort_unstable();
    assert_eq!(unseen, ["a3", "a4", "a5", "d1", "d3", "d4"]);
    let sightings: Vec<&str> = with_class(&doc, "legend-entry")
        .iter()
        .filter_map(|n| n.attribute("data-sighting"))
        .collect();
    assert_eq!(sightings, ["seen", "unseen", "no-probe"]);
}

/// The lowest and highest y of a path made of `M x,y`, `l dx,dy` and `h dx`
/// commands.
fn path_y_extent(d: &str) -> (f64, f64) {
    let mut y = 0.0_f64;
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut chars = d.chars().peekable();
    while let Some(c) = chars.next() {
        if !matches!(c, 'M' | 'l' | 'h') {
            continue;
        }
        let mut operand = String::new();
        while let Some(&next) = chars.peek() {
            if next.is_ascii_alphabetic() {
                break;
            }
            operand.push(next);
            chars.next();
        }
        let numbers: Vec<f64> = operand
            .split(',')
            .map(|n| n.trim().parse().unwrap())
            .collect();
        match c {
            'M' => y = numbers[1],
            'l' => y += numbers[1],
            _ => {}
        }
        low = low.min(y);
        high = high.max(y);
    }
    (low, high)
}

#[test]
fn html_report_embeds_the_table_and_the_svg() {
    let output = report(&["--format", "html"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let page = stdout(&output);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<title>chaos-engine report: "));
    assert_eq!(page.matches("<table class=\"report\">").count(), 1);
    // 4 scenario rows, 2 target totals, 1 overall.
    assert_eq!(page.matches("<tr class=\"scenario\">").count(), 4);
    assert_eq!(page.matches("<tr class=\"target-total\">").count(), 2);
    let overall = &page[page.find("<tr class=\"overall\">").unwrap()..];
    let overall = &overall[..overall.find("</tr>").unwrap()];
    assert!(
        overall.contains("<td>11</td>") && overall.contains("<td>75.0%</td>"),
        "{overall}"
    );
    // The SVG is inline, and is itself well-formed XML with every bar.
    let start = page.find("<svg ").expect("inline svg");
    let end = page.rfind("</svg>").expect("end of the svg") + "</svg>".len();
    let doc = roxmltree::Document::parse(&page[start..end]).expect("inline SVG parses");
    assert_eq!(with_class(&doc, "failure").len(), 11);
    assert!(!page.contains("<script") && !page.contains("<link") && !page.contains("https://"));
}

#[test]
fn an_empty_journal_renders_a_valid_svg_saying_no_failures() {
    let ws = Workspace::new();
    let journal = ws.path("empty.jsonl");
    std::fs::write(&journal, "").unwrap();
    let output = run_once(
        &[
            "report",
            "--journal",
            journal.to_str().unwrap(),
            "--format",
            "svg",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let svg = stdout(&output);
    let doc = roxmltree::Document::parse(&svg).expect("valid SVG");
    let empty = with_class(&doc, "empty");
    assert_eq!(empty.len(), 1);
    assert_eq!(empty[0].text(), Some("no failures recorded"));
    assert!(with_class(&doc, "failure").is_empty());

    let text = run_once(&["report", "--journal", journal.to_str().unwrap()], &[]);
    assert_eq!(text.status.code(), Some(0));
    assert!(stdout(&text).contains("no failures recorded"));
    assert_eq!(
        table_line(&stdout(&text), "all targets"),
        ["all", "targets", "0", "0", "0", "0", "0", "0", "-", "-", "-", "-", "-"]
    );
}

#[test]
fn the_journal_can_come_from_chaos_journal() {
    let journal = fixture();
    let output = run_once(
        &["report", "--format", "json"],
        &[("CHAOS_JOURNAL", journal.to_str().unwrap())],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let doc: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(doc["totals"]["injections"], 11);

    let none = run_once(&["report"], &[]);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        stderr(&none).contains("error: no journal given"),
        "{}",
        stderr(&none)
    );
}

#[test]
fn bad_input_and_unwritable_output_have_their_exit_codes() {
    let ws = Workspace::new();
    let missing = ws.path("no-such-journal.jsonl");
    let output = run_once(&["report", "--journal", missing.to_str().unwrap()], &[]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.starts_with(&format!(
            "error: {}: cannot read the journal",
            missing.display()
        )),
        "{message}"
    );
    assert!(stdout(&output).is_empty());

    // A directory is not a journal.
    let output = run_once(
        &["report", "--journal", ws.dir.path().to_str().unwrap()],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));

    let output = report(&["--format", "pdf"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("invalid value 'pdf'"), "{message}");
    assert!(
        message.contains("text") && message.contains("html"),
        "{message}"
    );

    let unwritable = ws.path("missing-dir/report.html");
    let output = report(&["--format", "html", "--out", unwritable.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!(
            "error: {}: cannot write the report",
            unwritable.display()
        )),
        "{}",
        stderr(&output)
    );
    assert!(!ws.path("missing-dir").exists());

    // --out replaces a file whole and leaves no temporary file beside it.
    let out = ws.path("report.txt");
    std::fs::write(&out, "an older, much longer report ".repeat(100)).unwrap();
    let output = report(&["--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.starts_with("chaos-engine report: "));
    assert!(!written.contains("older"));
    let names: Vec<String> = std::fs::read_dir(ws.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["report.txt"]);
}

#[test]
fn help_documents_the_command() {
    let output = run_once(&["report", "--help"], &[]);
    assert_eq!(output.status.code(), Some(0));
    let help = stdout(&output);
    for part in [
        "--journal <FILE>",
        "--format <FORMAT>",
        "--out <FILE>",
        "repair rate",
        "nearest-rank",
        "CHAOS_JOURNAL",
        "--wide",
        "--tz <ZONE>",
        "Europe/Paris",
        "JSON always has Unix times",
    ] {
        assert!(help.contains(part), "{part} in:\n{help}");
    }
    let top = stdout(&run_once(&["--help"], &[]));
    assert!(top.contains("chaos-engine report --journal"), "{top}");
}

/// A journal written by the engine before the journal had one schema
/// (`tests/fixtures/journal-written-by-8e48004.jsonl`: a real run of commit
/// 8e48004 with probes, a repair by another writer, a removed state
/// directory, API pause/resume/inject, a rejected and an accepted reload,
/// and the `inject`/`clear` commands) still loads without a warning, and
/// its JSON report is exactly what that engine's own `report` printed.
#[test]
fn a_journal_written_by_the_previous_engine_reports_as_it_did() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let journal = dir.join("journal-written-by-8e48004.jsonl");
    let output = run_once(
        &[
            "report",
            "--journal",
            journal.to_str().unwrap(),
            "--format",
            "json",
        ],
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stderr(&output), "", "no line is skipped");
    let mut now: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut then: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("journal-written-by-8e48004.report.json")).unwrap(),
    )
    .unwrap();
    // The path the report was asked for is echoed; the rest must match.
    now["journal"] = Value::Null;
    then["journal"] = Value::Null;
    assert_eq!(now, then);
    assert_eq!(now["runs"], 1);
    assert_eq!(now["totals"]["injections"], 13, "{now:#}");
}
