//! Tests of the telemetry: each failure's events on the timeline, and the
//! run's swatches checked against the report of the journal it wrote.

use super::*;
use crate::clock::FixedClock;

fn failure(id: &str, scenario: &str, at: f64) -> InjectedFailure {
    InjectedFailure {
        id: id.into(),
        scenario: scenario.into(),
        mode: scenario.to_lowercase(),
        delay: 0,
        injected_at: at,
        expires_at: at + 30.0,
        manifested_at: None,
        containers: Vec::new(),
        category: None,
        fix: Vec::new(),
    }
}

/// The dashboard's swatches (the timeline's events and the run's list)
/// and the report's (from the journal the same run wrote, in its table
/// of assignments and its SVG) are one and the same.
#[test]
fn the_run_and_its_report_give_every_scenario_the_same_swatch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let telemetry = Telemetry::new(Arc::new(FixedClock(1000.0)), Journal::open(&path));
    // Configured in this order; the first injections come in another.
    let configured = [
        "PAUSE",
        "CRASH",
        "KILL",
        "STOP",
        "PARTITION",
        "LOSS",
        "DELAY",
    ];
    telemetry.engine_started(7, 2, configured.map(str::to_owned).to_vec());
    let injected = [
        "DELAY",
        "CRASH",
        "UNCONFIGURED",
        "PAUSE",
        "LOSS",
        "PARTITION",
        "KILL",
    ];
    for (n, scenario) in injected.iter().enumerate() {
        let at = 1000.0 + n as f64;
        let failure = failure(&format!("f{n}"), scenario, at);
        telemetry.injected("web", &Arc::new(failure.clone()), None, None, 0.1, None);
        telemetry.cleared(
            "web",
            Some(Ending {
                failure: &failure,
                ended_by: EndedBy::Manual,
                repaired_by: None,
                outcome_recorded: false,
            }),
            "manual",
            Some(0.1),
        );
    }
    let live = telemetry.swatches();
    let names: Vec<&str> = live.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "PAUSE",
            "CRASH",
            "KILL",
            "STOP",
            "PARTITION",
            "LOSS",
            "DELAY",
            "UNCONFIGURED"
        ],
        "configured order, then first appearance"
    );
    let distinct: std::collections::BTreeSet<Swatch> =
        live.iter().map(|(_, swatch)| *swatch).collect();
    assert_eq!(distinct.len(), live.len(), "no two scenarios share one");

    // Every timeline event carries its scenario's swatch.
    for event in telemetry.timeline.snapshot().events {
        if let TimelineKind::Injected {
            scenario, swatch, ..
        }
        | TimelineKind::Ended {
            scenario, swatch, ..
        } = &event.kind
        {
            let listed = live.iter().find(|(name, _)| name == scenario).unwrap();
            assert_eq!(*swatch, listed.1, "{scenario}");
        }
    }

    // The report of the journal assigns the same.
    let summary = crate::report::load(&path).unwrap();
    let report: Vec<(String, Swatch)> = summary
        .scenario_colours()
        .assigned()
        .map(|(name, swatch)| (name.to_owned(), swatch))
        .collect();
    assert_eq!(report, live);

    // And its SVG fills each scenario's bars with that swatch.
    let svg = crate::report::svg::render(
        "journal.jsonl",
        &summary,
        &crate::report::zone::ReportZone::utc(),
    );
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let mut bars = 0;
    for bar in doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("data-scenario").is_some())
    {
        let scenario = bar.attribute("data-scenario").unwrap();
        let listed = live.iter().find(|(name, _)| name == scenario).unwrap();
        assert_eq!(bar.attribute("fill"), Some(listed.1.fill(false).as_str()));
        bars += 1;
    }
    assert_eq!(bars, injected.len());
}

#[test]
fn each_event_of_a_failure_reaches_the_timeline_in_order() {
    let telemetry = Telemetry::new(Arc::new(FixedClock(1000.0)), Journal::disabled());
    let mut failure = InjectedFailure {
        id: "f1".into(),
        scenario: "SLOWDOWN".into(),
        mode: "slow".into(),
        delay: 3,
        injected_at: 1000.0,
        expires_at: 1030.0,
        manifested_at: None,
        containers: Vec::new(),
        category: None,
        fix: Vec::new(),
    };
    let shared = Arc::new(failure.clone());
    telemetry.injected("web", &shared, Some("manual"), None, 0.1, Some(1));
    failure.manifested_at = Some(1000.5);
    telemetry.manifested("web", &failure, "HTTP 200 after 3 s");
    telemetry.skipped("db", SkipReason::Cap, "1 of 1 in use", 1);
    telemetry.cleared(
        "web",
        Some(Ending {
            failure: &failure,
            ended_by: EndedBy::Manual,
            repaired_by: None,
            outcome_recorded: false,
        }),
        "manual",
        Some(0.1),
    );
    let events = telemetry.timeline.snapshot().events;
    let kinds: Vec<(&str, String)> = events
        .iter()
        .map(|e| {
            let json = serde_json::to_value(e).unwrap();
            (e.target.as_str(), json["kind"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("web", "injected".to_owned()),
            ("web", "manifested".to_owned()),
            ("db", "skipped".to_owned()),
            ("web", "ended".to_owned()),
        ]
    );
    assert_eq!(events[1].at, 1000.5, "stamped when it manifested");
    assert_eq!(
        events[3].kind,
        TimelineKind::Ended {
            id: "f1".into(),
            scenario: "SLOWDOWN".into(),
            swatch: crate::render::colours::Swatch::solid("#0072b2"),
            ended_by: "manual"
        }
    );
}
