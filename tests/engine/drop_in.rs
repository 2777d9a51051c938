//! The engine in place of the original Python service, with that service's
//! own settings: every `CHAOS_INTERVAL` it accepted runs, 0 included (with
//! a warning below the safety floor, and the interval waited after each
//! clear where it is not longer than the recovery), and an empty
//! `CHAOS_ENABLED` disables chaos with a warning instead of failing.

use std::time::Duration;

use chaos_engine::config::{SettingId, SettingValues, Source};
use serde_json::Value;

use crate::helpers::{
    read_state, run_once, settings_on_paused_clock, wait_until, Engine, Stamps, Workspace,
};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The engine's warning lines (JSON logs).
fn warnings(engine: &Engine) -> Vec<String> {
    engine
        .events()
        .iter()
        .filter(|e| e["level"] == "WARN")
        .filter_map(|e| e["message"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn the_originals_chaos_interval_30_runs_with_a_warning_naming_the_cycle() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    // The original's settings as its compose file gives them; everything
    // else at the defaults (60 s startup wait, 30 s recovery, 60 s floor).
    let mut engine = Engine::start(
        &[],
        &[
            ("CHAOS_INTERVAL", "30"),
            ("CHAOS_ENABLED", "true"),
            ("FAILURE_STATE_FILE", state.to_str().unwrap()),
        ],
    );
    wait_until(Duration::from_secs(10), "the startup clear", || {
        read_state(&state).is_some_and(|v| v["reason"] == "startup")
    });
    wait_until(Duration::from_secs(10), "the two warnings", || {
        warnings(&engine).len() >= 2
    });
    let warnings = warnings(&engine);
    assert!(
        warnings[0].starts_with(
            "CHAOS_INTERVAL: interval 30s of target target-app is below the safety floor \
             min_interval 60s (set by the built-in default min_interval); it runs anyway"
        ),
        "{warnings:?}"
    );
    assert!(
        warnings[1].contains(
            "the next injection starts 30s after each clear, a cycle of 60s (30s failing, then \
             30s healthy)"
        ),
        "{warnings:?}"
    );
    assert_eq!(
        engine.events_matching("is below the safety floor", None)[0]["setting"],
        "CHAOS_INTERVAL"
    );
    assert!(engine.is_running(), "the engine must run, not exit 2");
    let (status, _) = engine.terminate();
    assert_eq!(status.code(), Some(0));
    assert_eq!(read_state(&state).unwrap()["reason"], "shutdown");
}

#[test]
fn validate_shows_the_warnings_and_the_cycle_of_a_short_chaos_interval() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let state = state.to_str().unwrap();
    let output = run_once(
        &["validate"],
        &[
            ("CHAOS_INTERVAL", "20"),
            ("CHAOS_MIN_INTERVAL", "0"),
            ("FAILURE_STATE_FILE", state),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(
        out.contains(
            "warning: CHAOS_INTERVAL: interval 20s of target target-app is not longer than its \
             recovery 30s: as the original chaos engine did, the next injection starts 20s after \
             each clear, a cycle of 50s"
        ),
        "{out}"
    );
    assert!(!out.contains("safety floor"), "the floor is off: {out}");
    assert!(
        out.contains("  cycle:        50s (the interval waited after each clear)"),
        "{out}"
    );
    // Our own flag keeps the contract's rule: an error, exit 2.
    let refused = run_once(
        &["validate", "--interval", "20", "--min-interval", "0"],
        &[("FAILURE_STATE_FILE", state)],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).starts_with(
            "error: default recovery: recovery 30s must be shorter than the interval 20s of \
             target target-app (interval set by --interval)"
        ),
        "{}",
        text(&refused.stderr)
    );
}

/// The journal of 250 virtual seconds of the default single target with
/// `CHAOS_INTERVAL=<interval>` from the environment (the original service's
/// 60 s startup wait and 30 s recovery), seed 7.
fn original_timing_run(interval: &str) -> Vec<Value> {
    let ws = Workspace::new();
    let mut flags = SettingValues::default();
    flags.set(SettingId::Interval, Source::Env, interval);
    flags.set(
        SettingId::StateFile,
        Source::Env,
        ws.path("state.json").to_string_lossy(),
    );
    settings_on_paused_clock(
        &ws,
        flags,
        7,
        Stamps::Runtime(0.0),
        Duration::from_secs(250),
    )
}

/// The injection instants of `journal`, checked to be exactly `count`, the
/// first at 60 s and each `step` seconds after the one before.
fn injected_every(journal: &[Value], count: usize, step: f64) -> Vec<f64> {
    let starts: Vec<f64> = stamps(journal, "injected")
        .into_iter()
        .map(|(at, _)| at)
        .collect();
    assert_eq!(starts.len(), count, "{starts:?}");
    for (k, start) in starts.iter().enumerate() {
        let expected = 60.0 + step * k as f64;
        assert!(
            (start - expected).abs() < 0.01,
            "injection {k} at {start:.3}s, expected {expected}s: {starts:?}"
        );
    }
    starts
}

/// The journal's events `event` of the run, as (timestamp, reason).
fn stamps(journal: &[Value], event: &str) -> Vec<(f64, String)> {
    journal
        .iter()
        .filter(|e| e["event"] == event)
        .map(|e| {
            (
                e["timestamp"].as_f64().unwrap(),
                e["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn on_the_paused_clock_chaos_interval_30_injects_every_60s_the_interval_after_each_clear() {
    // The original service's own timing, in virtual time: 60 s startup
    // wait, CHAOS_INTERVAL=30, 30 s recovery. Its cycle: inject, 30 s, clear,
    // 30 s, inject: starts at 60, 120, 180, 240; clears at 90, 150, 210.
    let journal = original_timing_run("30");
    let starts = injected_every(&journal, 4, 60.0);
    let clears: Vec<f64> = stamps(&journal, "cleared")
        .into_iter()
        .filter(|(_, reason)| reason == "recovery")
        .map(|(at, _)| at)
        .collect();
    assert_eq!(clears.len(), 3, "{clears:?}");
    for (k, (clear, next_start)) in clears.iter().zip(&starts[1..]).enumerate() {
        assert!(
            (clear - (90.0 + 60.0 * k as f64)).abs() < 0.01,
            "clear {k} at {clear:.3}s: {clears:?}"
        );
        // The interval is waited after the clear.
        assert!(
            (next_start - clear - 30.0).abs() < 0.01,
            "{clears:?} {starts:?}"
        );
    }
}

#[test]
fn an_empty_chaos_enabled_disables_chaos_with_a_warning_and_idles_until_signalled() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let env = [
        ("CHAOS_ENABLED", ""),
        ("FAILURE_STATE_FILE", state.to_str().unwrap()),
    ];
    let mut engine = Engine::start(
        &[
            "--startup-wait",
            "0",
            "--interval",
            "0.2",
            "--recovery",
            "0.1",
            "--min-interval",
            "0",
        ],
        &env,
    );
    wait_until(Duration::from_secs(10), "the disabled clear", || {
        read_state(&state).is_some_and(|v| v["reason"] == "disabled")
    });
    let warned = engine.events_matching("CHAOS_ENABLED: empty: chaos is disabled", None);
    assert_eq!(warned.len(), 1, "{:?}", engine.events());
    assert_eq!(warned[0]["level"], "WARN");
    assert!(!engine
        .events_matching("Chaos enabled: false", None)
        .is_empty());
    assert!(engine.is_running(), "a disabled engine keeps running");
    assert!(engine.events_matching("Injecting", None).is_empty());
    let (status, _) = engine.terminate();
    assert_eq!(status.code(), Some(0));
    assert_eq!(read_state(&state).unwrap()["reason"], "shutdown");

    // validate says so; inject refuses (exit 2) with the warning first.
    let validate = run_once(&["validate"], &env);
    assert_eq!(
        validate.status.code(),
        Some(0),
        "{}",
        text(&validate.stderr)
    );
    let out = text(&validate.stdout);
    assert!(
        out.contains("warning: CHAOS_ENABLED: empty: chaos is disabled"),
        "{out}"
    );
    assert!(out.contains("\nenabled: false\n"), "{out}");
    let inject = run_once(&["inject", "crash"], &env);
    assert_eq!(inject.status.code(), Some(2));
    let err = text(&inject.stderr);
    assert!(
        err.starts_with("warning: CHAOS_ENABLED: empty: chaos is disabled"),
        "{err}"
    );
    assert!(
        err.contains("error: chaos is disabled (CHAOS_ENABLED false or empty"),
        "{err}"
    );
    assert_eq!(read_state(&state).unwrap()["reason"], "shutdown");
    // A flag is ours, not the original's: blank is bad input there.
    let flag = run_once(&["validate", "--enabled", ""], &env[1..]);
    assert_eq!(flag.status.code(), Some(2));
    assert!(text(&flag.stderr).starts_with("error: --enabled: expected true/false"));
}

#[test]
fn on_the_paused_clock_chaos_interval_0_injects_at_each_clear_and_skips_no_cycle() {
    // The original service with CHAOS_INTERVAL=0: inject, 30 s recovery,
    // clear, inject again at once. Starts at 60, 90, 120 … 240; each clear
    // falls on the instant of the next start, which waits for it.
    let journal = original_timing_run("0");
    let starts = injected_every(&journal, 7, 30.0);
    let cleared = stamps(&journal, "cleared");
    let clears: Vec<f64> = cleared
        .iter()
        .filter(|(_, reason)| reason == "recovery")
        .map(|(at, _)| *at)
        .collect();
    assert_eq!(clears.len(), 6, "{cleared:?}");
    for (k, (clear, next_start)) in clears.iter().zip(&starts[1..]).enumerate() {
        assert!(
            (clear - (90.0 + 30.0 * k as f64)).abs() < 0.01,
            "clear {k} at {clear:.3}s: {clears:?}"
        );
        // The next injection comes at the clear, not before it.
        assert!((next_start - clear).abs() < 0.01, "{clears:?} {starts:?}");
    }
    // Every failure ended by its recovery: none replaced by the next one,
    // no cycle skipped for a slot still held.
    assert!(
        cleared
            .iter()
            .all(|(_, reason)| ["startup", "recovery", "shutdown"].contains(&reason.as_str())),
        "{cleared:?}"
    );
    assert!(stamps(&journal, "skipped").is_empty(), "{journal:?}");
}
