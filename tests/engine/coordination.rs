//! Coordination across targets: the cap on concurrent failures (skip and
//! wait), seeded jitter, backoff under stress, and chaos windows, measured
//! from the journal of the real engine (orderings and counts only) and of
//! the actors run in this process on tokio's paused clock (exact timings:
//! the paused clock only moves when every actor waits, so a loaded machine
//! cannot shift them).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chaos_engine::picker::{JitterStream, PickStream};
use chaos_engine::scenario::Catalogue;
use serde_json::Value;

use crate::helpers::{
    journal, journal_events, journal_on_paused_clock, start_journalled, wait_until, Stamps,
};
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

/// The intervals of [`five_targets`], in milliseconds.
const FIVE_INTERVALS: [u64; 5] = [200, 230, 260, 290, 320];

/// The Unix time at which runs on the paused clock start.
const BASE: f64 = 1_000_000.0;

/// Whether a [`five_targets`] injection on the paused clock happened at
/// one of its target's planned starts (`BASE` + whole intervals, give or
/// take the timer's millisecond tick) rather than after waiting for a slot.
fn on_a_planned_start(entry: &Value) -> bool {
    let n: usize = entry["target"].as_str().unwrap()[1..].parse().unwrap();
    let interval = FIVE_INTERVALS[n] as f64 / 1e3;
    let offset = entry["timestamp"].as_f64().unwrap() - BASE;
    (offset - (offset / interval).round() * interval).abs() < 0.003
}

fn five_targets(policy: &str) -> String {
    let mut yaml = format!(
        "defaults: {{ recovery: 150ms, startup_wait: 0s }}\npolicy: {{ min_interval: 0, {policy} }}\ntargets:\n"
    );
    for (n, interval) in FIVE_INTERVALS.iter().enumerate() {
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
    // Waiting targets are never refused on the spot: a cycle is only given
    // up when its wait outlasts the interval (how often that happens
    // depends on the machine's speed; see the paused-clock test below).
    for entry in entries.iter().filter(|e| e["event"] == "skipped") {
        assert_eq!(entry["reason"], "cap", "{entry}");
        assert_eq!(
            entry["detail"], "waited for a free slot until the next cycle was due",
            "{entry}"
        );
    }
}

#[test]
fn on_the_paused_clock_waiting_targets_inject_late_instead_of_skipping() {
    let run = |when_capped: &str| {
        journal_on_paused_clock(
            &five_targets(&format!(
                "max_concurrent_failures: 2, when_capped: {when_capped}"
            )),
            1,
            Stamps::Runtime(BASE),
            Duration::from_secs(5),
        )
    };
    let count =
        |entries: &[Value], event: &str| entries.iter().filter(|e| e["event"] == event).count();
    let waiting = run("wait");
    assert_eq!(max_concurrency(&waiting), 2);
    let (injected, skipped) = (count(&waiting, "injected"), count(&waiting, "skipped"));
    // Nearly every cycle injects (a wait that outlasts the interval gives
    // up and skips).
    assert!(
        injected > 3 * skipped,
        "{injected} injected, {skipped} skipped"
    );
    // Some injections did wait: they started between two planned starts.
    assert!(
        waiting
            .iter()
            .filter(|e| e["event"] == "injected")
            .any(|e| !on_a_planned_start(e)),
        "{waiting:?}"
    );
    // The same schedule skipping instead of waiting injects less.
    let skipping = run("skip");
    assert_eq!(max_concurrency(&skipping), 2);
    assert!(
        count(&skipping, "injected") < injected,
        "{} injected when skipping, {injected} when waiting",
        count(&skipping, "injected")
    );
}

const JITTERED: &str = "\
defaults: { interval: 200ms, recovery: 50ms, startup_wait: 0s }
policy: { min_interval: 0, jitter: 1.0 }
targets:
  - { name: app, state_file: '{dir}/app.json' }
";

/// Jitter has its own stream: the picks are exactly what preview shows.
fn assert_picks_follow_seed_42(injected: &[Value]) {
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
fn jitter_never_changes_the_picks() {
    let (_ws, journal_path, mut engine) = start_journalled(JITTERED, &["--seed", "42"]);
    wait_until(TIMEOUT, "8 injections", || {
        journal_events(&journal_path, "injected").len() >= 8
    });
    engine.terminate();
    let injected = journal_events(&journal_path, "injected");
    assert_picks_follow_seed_42(&injected);
    // Starts stay in order, one failure at a time.
    assert!(
        injected
            .windows(2)
            .all(|w| w[0]["timestamp"].as_f64() < w[1]["timestamp"].as_f64()),
        "{injected:?}"
    );
    assert_eq!(max_concurrency(&journal(&journal_path)), 1);
}

#[test]
fn on_the_paused_clock_jitter_follows_the_seed() {
    let entries =
        journal_on_paused_clock(JITTERED, 42, Stamps::Runtime(BASE), Duration::from_secs(4));
    let injected: Vec<Value> = entries
        .into_iter()
        .filter(|e| e["event"] == "injected")
        .collect();
    assert!(injected.len() >= 8, "{injected:?}");
    let start = injected[0]["timestamp"].as_f64().unwrap();
    let mut jitter = JitterStream::new(42, "app");
    let mut expected_offset = 0.0;
    let mut plain_offset = 0.0;
    for (k, entry) in injected.iter().enumerate().take(8) {
        let offset = entry["timestamp"].as_f64().unwrap() - start;
        // Only the journal's millisecond rounding and the timer's
        // millisecond tick separate the two.
        assert!(
            (offset - expected_offset).abs() < 0.0025,
            "injection {k} at +{offset:.3}s, expected +{expected_offset:.3}s"
        );
        expected_offset += 0.2 * (1.0 + jitter.next_fraction());
        plain_offset += 0.2;
    }
    assert!(
        expected_offset - plain_offset > 0.3,
        "the seed's jitter is visible"
    );
    assert_picks_follow_seed_42(&injected);
}

const BACKOFF: &str = "\
defaults: { startup_wait: 0s }
policy: { min_interval: 0, backoff: { above: 1, factor: 3 } }
targets:
  - { name: hog, state_file: '{dir}/hog.json', interval: 1s, recovery: 500ms }
  - { name: b, state_file: '{dir}/b.json', interval: 250ms, recovery: 50ms }
";

/// b's injections in the journal.
fn injections_into_b(entries: &[Value]) -> Vec<Value> {
    entries
        .iter()
        .filter(|e| e["event"] == "injected" && e["target"] == "b")
        .cloned()
        .collect()
}

#[test]
fn on_the_paused_clock_backoff_stretches_intervals_while_too_many_failures_are_active() {
    // (On the real engine, the gaps measured moved with the machine's load;
    // on the paused clock they are exact.) hog is failing half the time;
    // b's intervals triple whenever more than one failure (b's own plus
    // hog's) is active as b plans its next start.
    let entries =
        journal_on_paused_clock(BACKOFF, 7, Stamps::Runtime(BASE), Duration::from_secs(6));
    let b = injections_into_b(&entries);
    assert!(b.len() >= 10, "{b:?}");
    let (mut stretched, mut normal) = (0, 0);
    for pair in b.windows(2) {
        let gap = pair[1]["timestamp"].as_f64().unwrap() - pair[0]["timestamp"].as_f64().unwrap();
        let active = pair[0]["active"].as_u64().unwrap();
        let expected = if active > 1 { 0.75 } else { 0.25 };
        assert!(
            (gap - expected).abs() < 0.0025,
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

/// Runs the actors on the paused runtime clock for `run_for`, with the
/// wall clock stopped at `now` (Unix time), and returns the journal.
fn journal_on_a_fixed_clock(yaml: &str, now: f64, run_for: Duration) -> Vec<Value> {
    journal_on_paused_clock(yaml, 1, Stamps::Fixed(now), run_for)
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
    // a holds the only slot until the test clears it by hand; b, then c,
    // queue for it (the recovery actor logs each at debug level).
    let yaml = "\
policy: { min_interval: 0, max_concurrent_failures: 1, when_capped: wait }
targets:
  - { name: a, state_file: '{dir}/a.json', interval: 2h, recovery: 1h, startup_wait: 0s }
  - { name: b, state_file: '{dir}/b.json', interval: 2h, recovery: 1h, startup_wait: 200ms }
  - { name: c, state_file: '{dir}/c.json', interval: 2h, recovery: 1h, startup_wait: 400ms }
";
    let ws = crate::helpers::Workspace::new();
    let journal_path = ws.path("journal.jsonl");
    let targets = ws.targets(yaml);
    let mut engine = crate::helpers::Engine::start(
        &[
            "--targets",
            targets.to_str().unwrap(),
            "--journal",
            journal_path.to_str().unwrap(),
            "--http",
            "127.0.0.1:0",
        ],
        &[("RUST_LOG", "info,chaos_engine::actors::recovery=debug")],
    );
    let port = engine.api_port();
    let injected_into = |target: &str| {
        journal_events(&journal_path, "injected")
            .into_iter()
            .filter(|e| e["target"] == target)
            .count()
    };
    let queued = |engine: &crate::helpers::Engine| -> Vec<String> {
        engine
            .events_matching("queued for a free slot", None)
            .iter()
            .map(|e| e["target"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    wait_until(TIMEOUT, "a's failure, then b and c queued", || {
        injected_into("a") == 1 && queued(&engine).len() == 2
    });
    assert_eq!(queued(&engine), ["b", "c"]);
    for action in ["/pause?target=b", "/resume?target=b"] {
        let answer = http::post_json(port, action, "", TIMEOUT).unwrap();
        assert_eq!(answer.status, 200, "{action}: {}", answer.body);
    }
    // a's failure ends and frees the slot, which goes to the oldest live
    // waiter: b's cancelled cycle must not take it (after the resume, b's
    // next start is an interval away), so c, queued behind b, gets it.
    let cleared = http::post_json(port, "/clear?target=a", "", TIMEOUT).unwrap();
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    wait_until(TIMEOUT, "the slot taken by c (or by b)", || {
        injected_into("c") + injected_into("b") == 1
    });
    assert_eq!(injected_into("b"), 0, "{:?}", journal(&journal_path));
    engine.terminate();
}
