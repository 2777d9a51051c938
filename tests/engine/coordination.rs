//! Coordination across targets: the cap on concurrent failures (skip and
//! wait), seeded jitter, backoff under stress, and chaos windows, measured
//! from the journal of the real engine (and, for windows, from the actors
//! run on a fixed clock).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chaos_engine::actors::{Drain, Supervisor};
use chaos_engine::clock::FixedClock;
use chaos_engine::config::{self, ConfigInputs, FlagValues};
use chaos_engine::journal::Journal;
use chaos_engine::picker::{JitterStream, PickStream};
use chaos_engine::scenario::Catalogue;
use chaos_engine::telemetry::Telemetry;
use serde_json::Value;

use crate::helpers::{journal, journal_events, start_journalled, wait_until, Workspace};
use crate::http;

const TIMEOUT: Duration = Duration::from_secs(20);

/// The most failures active at once, replaying the journal in order
/// (`injected` opens a failure, `ended` closes it).
fn max_concurrency(entries: &[Value]) -> usize {
    let mut open = HashSet::new();
    let mut max = 0;
    for entry in entries {
        match entry["event"].as_str() {
            Some("injected") => {
                open.insert(entry["id"].as_str().unwrap().to_owned());
            }
            Some("ended") => {
                open.remove(entry["id"].as_str().unwrap());
            }
            _ => {}
        }
        max = max.max(open.len());
    }
    max
}

fn five_targets(policy: &str) -> String {
    let mut yaml = format!(
        "defaults: {{ recovery: 150ms, startup_wait: 0s }}\npolicy: {{ min_interval: 0, {policy} }}\ntargets:\n"
    );
    for (n, interval) in [200, 230, 260, 290, 320].iter().enumerate() {
        yaml.push_str(&format!(
            "  - {{ name: t{n}, state_file: '{{dir}}/t{n}.json', interval: {interval}ms }}\n"
        ));
    }
    yaml
}

fn run_until_injections(yaml: &str, injections: usize) -> Vec<Value> {
    let (_ws, journal_path, mut engine) = start_journalled(yaml, &[]);
    wait_until(TIMEOUT, &format!("{injections} injections"), || {
        journal_events(&journal_path, "injected").len() >= injections
    });
    engine.terminate();
    journal(&journal_path)
}

#[test]
fn the_cap_holds_across_five_targets_when_skipping() {
    let entries = run_until_injections(&five_targets("max_concurrent_failures: 2"), 40);
    assert_eq!(
        max_concurrency(&entries),
        2,
        "the cap is reached, never passed"
    );
    let skipped: Vec<&Value> = entries.iter().filter(|e| e["event"] == "skipped").collect();
    assert!(!skipped.is_empty(), "five targets on a cap of 2 must skip");
    for entry in &skipped {
        assert_eq!(entry["reason"], "cap", "{entry}");
        assert!(
            entry["detail"].as_str().unwrap().contains("the cap is 2"),
            "{entry}"
        );
    }
    // Every target got its turns.
    let injected: HashSet<&str> = entries
        .iter()
        .filter(|e| e["event"] == "injected")
        .map(|e| e["target"].as_str().unwrap())
        .collect();
    assert_eq!(injected.len(), 5, "{injected:?}");
}

#[test]
fn the_cap_holds_across_five_targets_when_waiting() {
    let entries = run_until_injections(
        &five_targets("max_concurrent_failures: 2, when_capped: wait"),
        40,
    );
    assert_eq!(max_concurrency(&entries), 2);
    // Waiting targets inject late instead of skipping: nearly every cycle
    // injects (a wait that outlasts the interval gives up and skips).
    let injected = entries.iter().filter(|e| e["event"] == "injected").count();
    let skipped = entries.iter().filter(|e| e["event"] == "skipped").count();
    assert!(
        injected > 3 * skipped,
        "{injected} injected, {skipped} skipped"
    );
}

#[test]
fn jitter_follows_the_seed_and_never_changes_the_picks() {
    let yaml = "\
defaults: { interval: 200ms, recovery: 50ms, startup_wait: 0s }
policy: { min_interval: 0, jitter: 1.0 }
targets:
  - { name: app, state_file: '{dir}/app.json' }
";
    let (_ws, journal_path, mut engine) = start_journalled(yaml, &["--seed", "42"]);
    wait_until(TIMEOUT, "8 injections", || {
        journal_events(&journal_path, "injected").len() >= 8
    });
    engine.terminate();
    let injected = journal_events(&journal_path, "injected");
    let start = injected[0]["timestamp"].as_f64().unwrap();

    let mut jitter = JitterStream::new(42, "app");
    let mut expected_offset = 0.0;
    let mut plain_offset = 0.0;
    for (k, entry) in injected.iter().enumerate().take(8) {
        let offset = entry["timestamp"].as_f64().unwrap() - start;
        assert!(
            (offset - expected_offset).abs() < 0.1,
            "injection {k} at +{offset:.3}s, expected +{expected_offset:.3}s"
        );
        expected_offset += 0.2 * (1.0 + jitter.next_fraction());
        plain_offset += 0.2;
    }
    assert!(
        expected_offset - plain_offset > 0.3,
        "the seed's jitter is visible"
    );

    // Jitter has its own stream: the picks are exactly what preview shows.
    let mut picks = PickStream::new(42, "app", &Arc::new(Catalogue::default_catalogue()));
    for entry in injected.iter().take(8) {
        let pick = picks.next_pick();
        assert_eq!(
            (entry["scenario"].as_str(), entry["delay"].as_u64()),
            (Some(pick.scenario.as_str()), Some(pick.delay))
        );
    }
}

#[test]
fn backoff_stretches_intervals_while_too_many_failures_are_active() {
    // hog is failing half the time; b's intervals triple whenever more than
    // one failure (b's own plus hog's) is active as b plans its next start.
    let yaml = "\
defaults: { startup_wait: 0s }
policy: { min_interval: 0, backoff: { above: 1, factor: 3 } }
targets:
  - { name: hog, state_file: '{dir}/hog.json', interval: 1s, recovery: 500ms }
  - { name: b, state_file: '{dir}/b.json', interval: 250ms, recovery: 50ms }
";
    let (_ws, journal_path, mut engine) = start_journalled(yaml, &["--seed", "7"]);
    let b_injections = || {
        journal_events(&journal_path, "injected")
            .into_iter()
            .filter(|e| e["target"] == "b")
            .collect::<Vec<_>>()
    };
    wait_until(TIMEOUT, "10 injections into b", || {
        b_injections().len() >= 10
    });
    engine.terminate();
    let b = b_injections();
    let (mut stretched, mut normal) = (0, 0);
    for pair in b.windows(2) {
        let gap = pair[1]["timestamp"].as_f64().unwrap() - pair[0]["timestamp"].as_f64().unwrap();
        let active = pair[0]["active"].as_u64().unwrap();
        let expected = if active > 1 { 0.75 } else { 0.25 };
        assert!(
            (gap - expected).abs() < 0.2,
            "gap {gap:.3}s after an injection with {active} active, expected {expected}s"
        );
        if active > 1 {
            stretched += 1;
        } else {
            normal += 1;
        }
    }
    assert!(
        stretched > 0 && normal > 0,
        "{stretched} stretched, {normal} normal"
    );
}

#[test]
fn a_blackout_skips_every_cycle() {
    let yaml = "\
defaults: { interval: 200ms, recovery: 50ms, startup_wait: 0s }
policy:
  min_interval: 0
  windows:
    time_zone: Europe/Paris
    blackout: [ { days: [mon, tue, wed, thu, fri, sat, sun] } ]
targets:
  - { name: app, state_file: '{dir}/app.json' }
";
    let (_ws, journal_path, mut engine) = start_journalled(yaml, &[]);
    wait_until(TIMEOUT, "3 skipped cycles", || {
        journal_events(&journal_path, "skipped").len() >= 3
    });
    engine.terminate();
    assert!(journal_events(&journal_path, "injected").is_empty());
    for entry in journal_events(&journal_path, "skipped") {
        assert_eq!(entry["reason"], "blackout", "{entry}");
        assert!(
            entry["detail"].as_str().unwrap().contains("Europe/Paris"),
            "{entry}"
        );
    }
}

/// Runs the actors for `run_for` on a clock stopped at `now` (Unix time)
/// and returns the journal.
fn journal_on_a_fixed_clock(yaml: &str, now: f64, run_for: Duration) -> Vec<Value> {
    let ws = Workspace::new();
    let journal_path = ws.path("journal.jsonl");
    let targets = ws.targets(yaml);
    let inputs = ConfigInputs {
        flags: FlagValues {
            targets: Some(targets),
            ..FlagValues::default()
        },
        ..ConfigInputs::default()
    };
    let settings = config::load(&inputs).unwrap();
    let telemetry = Arc::new(Telemetry::new(
        Arc::new(FixedClock(now)),
        Journal::open(&journal_path),
    ));
    let system = actix::System::new();
    system.block_on(async move {
        use actix::Actor;
        let supervisor = Supervisor::new(settings, None, 1, telemetry).start();
        tokio::time::sleep(run_for).await;
        supervisor.send(Drain).await.unwrap();
    });
    journal(&journal_path)
}

#[test]
fn windows_follow_the_injected_clock() {
    let yaml = "\
defaults: { interval: 100ms, recovery: 30ms, startup_wait: 0s }
policy:
  min_interval: 0
  windows:
    time_zone: Europe/Paris
    allow: [ { days: [mon, tue, wed, thu, fri], hours: '09:00-17:00' } ]
    blackout: [ { dates: ['2026-12-24'] } ]
targets:
  - { name: app, state_file: '{dir}/app.json' }
";
    let events = |entries: &[Value], event: &str| -> Vec<Value> {
        entries
            .iter()
            .filter(|e| e["event"] == event)
            .cloned()
            .collect()
    };
    // Instants from `TZ=Europe/Paris date -d '2026-11-25 10:00' +%s`.
    // Wednesday 2026-11-25 10:00 in Paris (09:00 UTC): inside the window.
    let open = journal_on_a_fixed_clock(yaml, 1_795_597_200.0, Duration::from_millis(450));
    assert!(events(&open, "injected").len() >= 2, "{open:?}");
    assert!(events(&open, "skipped").is_empty(), "{open:?}");

    // Wednesday 2026-11-25 18:00 in Paris: after hours.
    let evening = journal_on_a_fixed_clock(yaml, 1_795_626_000.0, Duration::from_millis(450));
    assert!(events(&evening, "injected").is_empty(), "{evening:?}");
    let skipped = events(&evening, "skipped");
    assert!(skipped.len() >= 2, "{evening:?}");
    assert!(
        skipped.iter().all(|e| e["reason"] == "window"),
        "{skipped:?}"
    );
    // Thursday 09:00 in Paris is 15 hours later (the clock is stopped).
    assert!(
        skipped[0]["detail"]
            .as_str()
            .unwrap()
            .ends_with("chaos allowed again in 15h"),
        "{skipped:?}"
    );

    // Saturday 2026-11-28 10:00 in Paris: not a weekday.
    let weekend = journal_on_a_fixed_clock(yaml, 1_795_856_400.0, Duration::from_millis(300));
    assert!(events(&weekend, "injected").is_empty(), "{weekend:?}");

    // Thursday 2026-12-24 10:00 in Paris: a weekday in hours, but blacked out.
    let christmas_eve = journal_on_a_fixed_clock(yaml, 1_798_102_800.0, Duration::from_millis(300));
    assert!(events(&christmas_eve, "injected").is_empty());
    let skipped = events(&christmas_eve, "skipped");
    assert!(
        !skipped.is_empty() && skipped.iter().all(|e| e["reason"] == "blackout"),
        "{skipped:?}"
    );
}

#[test]
fn a_pause_cancels_a_cycle_that_is_waiting_for_a_slot() {
    let yaml = "\
policy: { min_interval: 0, max_concurrent_failures: 1, when_capped: wait }
targets:
  - { name: a, state_file: '{dir}/a.json', interval: 60s, recovery: 2s, startup_wait: 0s }
  - { name: b, state_file: '{dir}/b.json', interval: 60s, recovery: 1s, startup_wait: 300ms }
";
    let (_ws, journal_path, mut engine) = start_journalled(yaml, &["--http", "127.0.0.1:0"]);
    let port = engine.api_port();
    let injected_into = |target: &str| {
        journal_events(&journal_path, "injected")
            .into_iter()
            .filter(|e| e["target"] == target)
            .count()
    };
    wait_until(TIMEOUT, "a's failure", || injected_into("a") == 1);
    // b's turn comes at 0.3 s while a holds the only slot: b waits.
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(injected_into("b"), 0);
    for action in ["/pause?target=b", "/resume?target=b"] {
        let answer = http::post_json(port, action, "", TIMEOUT).unwrap();
        assert_eq!(answer.status, 200, "{action}: {}", answer.body);
    }
    // a's failure ends and frees the slot; b's cancelled cycle must not
    // take it (after the resume, b's next start is an interval away).
    wait_until(TIMEOUT, "a's failure to end", || {
        !journal_events(&journal_path, "ended").is_empty()
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(injected_into("b"), 0, "{:?}", journal(&journal_path));
    engine.terminate();
}
