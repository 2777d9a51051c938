//! The schema's round trips: every event written and read back, lines
//! of an older engine byte for byte, field order and leniency.

use super::*;

/// One of every variant, every optional field set somewhere.
fn one_of_each() -> Vec<JournalLine> {
    let id = || "0b9c6f3e-1b2a-4c5d-8e9f-0a1b2c3d4e5f".to_owned();
    let events = vec![
        JournalEvent::EngineStarted(Started {
            detail: Some("seed 42, 2 target(s)".into()),
            seed: Some(42),
            scenarios: None,
        }),
        JournalEvent::Injected(Injected {
            id: id(),
            target: "app".into(),
            scenario: "SLOWDOWN".into(),
            mode: Some("slow".into()),
            delay: Some(17),
            expires_at: 1_704_617_310.5,
            lateness_ms: Some(1.25),
            write_ms: Some(0.5),
            source: Some("manual".into()),
            active: Some(1),
            containers: Vec::new(),
            category: None,
            fix: Vec::new(),
        }),
        JournalEvent::Manifested(Manifested {
            id: id(),
            target: "app".into(),
            scenario: "SLOWDOWN".into(),
            mode: "slow".into(),
            detail: "probe: HTTP 500".into(),
            injected_at: 1_704_617_280.5,
            manifested_at: 1_704_617_281.0,
            time_to_manifest_ms: 500.0,
        }),
        JournalEvent::Cleared(Cleared {
            id: Some(id()),
            target: "app".into(),
            scenario: Some("SLOWDOWN".into()),
            mode: Some("slow".into()),
            delay: Some(17),
            reason: "recovery".into(),
            write_ms: Some(0.25),
            source: Some("cli".into()),
        }),
        JournalEvent::Ended(Ended {
            id: id(),
            target: "app".into(),
            scenario: "SLOWDOWN".into(),
            mode: Some("slow".into()),
            delay: Some(17),
            ended_by: EndedBy::Repair.into(),
            repaired_by: Some("probe".into()),
            injected_at: 1_704_617_280.5,
            manifested_at: Some(1_704_617_281.0),
            repaired_at: Some(1_704_617_290.0),
            expired_at: Some(1_704_617_310.5),
            ended_at: 1_704_617_290.0,
            time_to_manifest_ms: Some(500.0),
            time_to_repair_ms: Some(9500.0),
        }),
        JournalEvent::Ended(Ended {
            id: id(),
            target: "db".into(),
            scenario: "CRASH".into(),
            mode: None,
            delay: None,
            ended_by: OrUnknown::Unknown("from_the_future".into()),
            repaired_by: None,
            injected_at: 1.0,
            manifested_at: None,
            repaired_at: None,
            expired_at: None,
            ended_at: 2.0,
            time_to_manifest_ms: None,
            time_to_repair_ms: None,
        }),
        JournalEvent::HealthyAgain(HealthyAgain {
            id: id(),
            target: "app".into(),
            scenario: "CRASH".into(),
            mode: "crash".into(),
            expired_at: 10.0,
            healthy_at: 12.5,
            time_to_healthy_ms: 2500.0,
        }),
        JournalEvent::Skipped(Skipped {
            target: "db".into(),
            reason: SkipReason::Cap.into(),
            detail: Some("1 failure(s) active".into()),
            active: Some(1),
        }),
        JournalEvent::Skipped(Skipped {
            target: "db".into(),
            reason: OrUnknown::Unknown("maintenance".into()),
            detail: None,
            active: None,
        }),
        JournalEvent::Paused(TargetOnly {
            target: "app".into(),
        }),
        JournalEvent::Resumed(TargetOnly {
            target: "app".into(),
        }),
        JournalEvent::Reloaded(Note {
            detail: Some("changed: app".into()),
        }),
        JournalEvent::ReloadRejected(Note {
            detail: Some("targets.yaml:2:16: bad".into()),
        }),
        JournalEvent::WriteError(WriteError {
            id: None,
            target: "app".into(),
            scenario: None,
            mode: None,
            delay: None,
            detail: "No space left on device (os error 28)".into(),
        }),
        JournalEvent::EngineStopped(Note { detail: None }),
        fault_applying(),
        JournalEvent::FaultRecovered(Recovered {
            id: Some(id()),
            target: "cache".into(),
            detail: "pause fault left behind: unpaused cache-1".into(),
        }),
        JournalEvent::FaultRecovered(Recovered {
            id: None,
            target: "cache".into(),
            detail: "removed helper chaos-engine-x".into(),
        }),
        JournalEvent::ControlWindow(ControlWindow {
            id: id(),
            target: "app".into(),
            ends_at: 1_704_617_310.5,
        }),
        JournalEvent::Finding(Finding {
            id: id(),
            responder: "oncall".into(),
            target: "app".into(),
            kind: "diagnosed".into(),
            category: Some("latency".into()),
            mode: Some("slow".into()),
            note: Some("p99 up".into()),
        }),
    ];
    events
        .into_iter()
        .map(|event| JournalLine {
            timestamp: Some(1_704_617_280.125),
            event,
        })
        .collect()
}

/// A `fault_applying` line as the Docker backend writes it, read from its
/// JSON (every field of the record set).
fn fault_applying() -> JournalEvent {
    let text = r#"{"event":"fault_applying","target":"cache","id":"f","mode":"stop","host":"unix:///var/run/docker.sock","containers":[{"id":"c1","name":"cache-1"}],"expires_at":40.0,"token":"t-f","owner":"o1","started_at":4.0,"grace_s":5.0}"#;
    let line: JournalLine = serde_json::from_str(text).unwrap();
    assert_eq!(serde_json::to_string(&line).unwrap(), text);
    line.event
}

#[test]
fn every_variant_round_trips() {
    let lines = one_of_each();
    let names: std::collections::BTreeSet<_> = lines.iter().map(|l| l.event.kind()).collect();
    assert_eq!(
        names,
        EventName::ALL.into_iter().collect(),
        "one of each event"
    );
    for line in lines {
        let text = serde_json::to_string(&line).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["event"], line.event.name(), "{text}");
        let back: JournalLine = serde_json::from_str(&text).unwrap();
        assert_eq!(back, line, "{text}");
    }
}

/// Every line the engine wrote before this schema existed (every kind
/// of event, from a real run of commit 8e48004) reads, and writing it
/// back gives the very same bytes: names, order and number formats.
#[test]
fn lines_written_by_the_old_engine_read_and_write_back_byte_for_byte() {
    let text = include_str!("../../../tests/fixtures/journal-written-by-8e48004.jsonl");
    let mut names = std::collections::BTreeSet::new();
    for (n, raw) in text.lines().enumerate() {
        let line: JournalLine =
            serde_json::from_str(raw).unwrap_or_else(|err| panic!("line {}: {err}: {raw}", n + 1));
        names.insert(line.event.name());
        assert_eq!(serde_json::to_string(&line).unwrap(), raw, "line {}", n + 1);
    }
    assert_eq!(
        names.len(),
        13,
        "the fixture has every event its engine wrote: {names:?}"
    );
}

#[test]
fn the_timestamp_comes_first_and_absent_options_are_left_out() {
    let line = JournalLine {
        timestamp: Some(2.5),
        event: JournalEvent::Cleared(Cleared {
            id: None,
            target: "app".into(),
            scenario: None,
            mode: None,
            delay: None,
            reason: "startup".into(),
            write_ms: Some(1.0),
            source: None,
        }),
    };
    assert_eq!(
        serde_json::to_string(&line).unwrap(),
        r#"{"timestamp":2.5,"event":"cleared","target":"app","reason":"startup","write_ms":1.0}"#
    );
}

#[test]
fn unknown_fields_are_ignored_and_unknown_values_kept_by_name() {
    let line: JournalLine = serde_json::from_str(
        r#"{"timestamp":1,"event":"skipped","target":"a","reason":"tide","new_field":[1]}"#,
    )
    .unwrap();
    let JournalEvent::Skipped(skipped) = line.event else {
        panic!("a skip: {line:?}");
    };
    assert_eq!(skipped.reason, OrUnknown::Unknown("tide".into()));
    assert_eq!(skipped.reason.as_str(), "tide");
    let unknown =
        serde_json::from_str::<JournalLine>(r#"{"timestamp":1,"event":"from_the_future"}"#);
    assert!(
        unknown.is_err(),
        "the report skips unknown events by name before parsing"
    );
}
