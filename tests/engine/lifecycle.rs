//! The daemon's schedule: startup clear, inject, recover, shut down.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{read_state, wait_until, Engine, StateWatcher, Workspace, FAST_SCHEDULE};

const TWO_TARGETS: &str = "\
defaults:
  interval: 300ms
  recovery: 100ms
  startup_wait: 100ms
policy:
  min_interval: 0
targets:
  - name: app
    state_file: {dir}/app.json
  - name: db
    state_file: {dir}/db.json
    interval: 400ms
    scenarios:
      - { name: NETWORK_PARTITION, mode: network_partition, weight: 1 }
";

fn is_failure(value: &Value) -> bool {
    value["mode"] != "healthy"
}

#[test]
fn two_targets_are_injected_and_cleared_independently() {
    let ws = Workspace::new();
    let targets = ws.targets(TWO_TARGETS);
    let app = StateWatcher::new(ws.path("app.json"));
    let db = StateWatcher::new(ws.path("db.json"));
    let mut engine = Engine::start(
        &["--targets", targets.to_str().unwrap(), "--seed", "7"],
        &[],
    );

    // The watchers poll the files; a failure lasts 100 ms, so a loaded
    // machine may keep them from seeing some: the engine goes on injecting
    // until each watcher has seen a failure and a recovery clear after it.
    let seen_failure_then_recovery = |watcher: &StateWatcher| {
        let seen = watcher.seen();
        seen.iter().position(is_failure).is_some_and(|at| {
            seen[at + 1..]
                .iter()
                .any(|v| v["reason"] == "recovery" && v["mode"] == "healthy")
        })
    };
    wait_until(
        Duration::from_secs(60),
        "two recoveries on each target, each seen in its file after a failure",
        || {
            ["app", "db"].iter().all(|t| {
                engine
                    .events_matching("Failure state cleared", Some(t))
                    .iter()
                    .filter(|e| e["reason"] == "recovery")
                    .count()
                    >= 2
            }) && seen_failure_then_recovery(&app)
                && seen_failure_then_recovery(&db)
        },
    );
    let (status, _) = engine.terminate();
    assert!(status.success(), "exit status {status:?}");

    for (name, watcher) in [("app", &app), ("db", &db)] {
        // The first write is the startup clear: the log's order (which
        // does not depend on a poll catching the 100 ms startup wait).
        let writes: Vec<Value> = engine
            .events()
            .into_iter()
            .filter(|e| e["target"] == name)
            .filter(|e| {
                e["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("Failure state cleared") || m.contains("Injecting"))
            })
            .collect();
        assert_eq!(
            writes[0]["reason"], "startup",
            "{name}: first write is the startup clear: {writes:?}"
        );
        let seen = watcher.seen();
        let failure = seen
            .iter()
            .find(|v| is_failure(v))
            .unwrap_or_else(|| panic!("{name}: no failure seen: {seen:?}"));
        assert_eq!(failure["injected_by"], "chaos-engine");
        assert_eq!(failure["target"], name);
        assert!(failure["delay"].is_u64());
        let id = failure["id"].as_str().expect("id");
        assert_eq!(id.len(), 36, "uuid: {id}");
        let lasts =
            failure["expires_at"].as_f64().unwrap() - failure["timestamp"].as_f64().unwrap();
        assert!(
            (lasts - 0.1).abs() < 0.002,
            "{name}: expires_at - timestamp = {lasts}"
        );
        let position = seen.iter().position(|v| v == failure).unwrap();
        assert!(
            seen[position + 1..]
                .iter()
                .any(|v| v["reason"] == "recovery" && v["mode"] == "healthy"),
            "{name}: no recovery clear after the failure: {seen:?}"
        );
        let last = read_state(&ws.path(&format!("{name}.json"))).unwrap();
        assert_eq!(
            (last["mode"].as_str(), last["reason"].as_str()),
            (Some("healthy"), Some("shutdown"))
        );
    }
    // db only knows its own custom scenario; app only the default catalogue.
    let db_modes: Vec<Value> = engine
        .events_matching("Injecting", Some("db"))
        .iter()
        .map(|e| e["mode"].clone())
        .collect();
    assert!(
        db_modes.iter().all(|m| m == "network_partition"),
        "{db_modes:?}"
    );
    let app_events = engine.events_matching("Injecting", Some("app"));
    for event in &app_events {
        assert!(
            ["crash", "slow", "config_error"].contains(&event["mode"].as_str().unwrap()),
            "{event}"
        );
        for field in ["scenario", "delay", "id"] {
            assert!(
                !event[field].is_null(),
                "injection event lacks `{field}`: {event}"
            );
        }
    }
    // Every failure lasts exactly the recovery as written in the file (the
    // start-to-start intervals are checked on the paused clock below).
    for name in ["app", "db"] {
        for event in engine.events_matching("Injecting", Some(name)) {
            let expires_at = event["expires_at"].as_f64().unwrap();
            let written = [&app, &db]
                .iter()
                .flat_map(|w| w.seen())
                .find(|v| v["id"] == event["id"]);
            if let Some(written) = written {
                assert_eq!(written["expires_at"].as_f64(), Some(expires_at));
                let lasts = expires_at - written["timestamp"].as_f64().unwrap();
                assert!((lasts - 0.1).abs() < 0.002, "{name}: {written}");
            }
        }
    }
}

#[test]
fn on_the_paused_clock_each_target_keeps_its_own_anchored_interval() {
    let entries = crate::helpers::journal_on_paused_clock(
        TWO_TARGETS,
        7,
        crate::helpers::Stamps::Runtime(0.0),
        Duration::from_millis(2500),
    );
    for (name, interval, count) in [("app", 0.3, 8), ("db", 0.4, 6)] {
        let starts: Vec<f64> = entries
            .iter()
            .filter(|e| e["event"] == "injected" && e["target"] == name)
            .map(|e| e["timestamp"].as_f64().unwrap())
            .collect();
        // From the 0.1 s startup wait on, one start per interval.
        assert_eq!(starts.len(), count, "{name}: {starts:?}");
        for (k, start) in starts.iter().enumerate() {
            let expected = 0.1 + k as f64 * interval;
            assert!(
                (start - expected).abs() < 0.0025,
                "{name}: injection {k} at {start:.3}s, expected {expected:.3}s"
            );
        }
    }
}

#[test]
fn sigterm_in_the_middle_of_a_failure_clears_and_exits_zero() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let mut engine = Engine::start(
        &[
            "--interval",
            "60",
            "--recovery",
            "30",
            "--startup-wait",
            "0",
        ],
        &[("FAILURE_STATE_FILE", state.to_str().unwrap())],
    );
    wait_until(
        Duration::from_secs(10),
        "a failure in the state file",
        || read_state(&state).is_some_and(|v| is_failure(&v)),
    );
    let (status, took) = engine.terminate();
    assert_eq!(status.code(), Some(0));
    // Far less than the 30 s recovery it would otherwise wait out (a bound
    // a loaded machine cannot reach; exits typically take milliseconds).
    assert!(took < Duration::from_secs(10), "exit took {took:?}");
    let last = read_state(&state).unwrap();
    assert_eq!(last["mode"], "healthy");
    assert_eq!(last["reason"], "shutdown");
    assert_eq!(last["cleared_by"], "chaos-engine");
    assert!(!engine.events_matching("Goodbye", None).is_empty());
}

#[test]
fn sigint_in_the_middle_of_a_long_wait_clears_and_exits_zero() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let mut engine = Engine::start(&["--state-file", state.to_str().unwrap()], &[]);
    wait_until(Duration::from_secs(10), "the startup clear", || {
        read_state(&state).is_some_and(|v| v["reason"] == "startup")
    });
    let (status, took) = engine.signal_and_wait(rustix::process::Signal::INT);
    assert_eq!(status.code(), Some(0));
    assert!(
        took < Duration::from_secs(10),
        "exit took {took:?} (the wait is 60 s)"
    );
    assert_eq!(read_state(&state).unwrap()["reason"], "shutdown");
}

#[test]
fn disabled_chaos_writes_healthy_and_idles_until_signalled() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    std::fs::write(&state, r#"{"mode": "crash", "delay": 0}"#).unwrap();
    let watcher = StateWatcher::new(state.clone());
    let mut engine = Engine::start(
        FAST_SCHEDULE,
        &[
            ("FAILURE_STATE_FILE", state.to_str().unwrap()),
            ("CHAOS_ENABLED", "false"),
        ],
    );
    wait_until(Duration::from_secs(10), "the disabled clear", || {
        read_state(&state).is_some_and(|v| v["reason"] == "disabled")
    });
    std::thread::sleep(Duration::from_millis(800));
    assert!(engine.is_running(), "a disabled engine must keep running");
    assert!(
        watcher
            .seen()
            .iter()
            .skip(1)
            .all(|v| v["mode"] == "healthy"),
        "{:?}",
        watcher.seen()
    );
    assert!(engine.events_matching("Injecting", None).is_empty());
    let (status, _) = engine.terminate();
    assert_eq!(status.code(), Some(0));
    assert_eq!(read_state(&state).unwrap()["reason"], "shutdown");
}

#[test]
fn dry_run_logs_picks_but_writes_only_healthy() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let watcher = StateWatcher::new(state.clone());
    let mut engine = Engine::start(
        &[FAST_SCHEDULE, &["--dry-run"]].concat(),
        &[("FAILURE_STATE_FILE", state.to_str().unwrap())],
    );
    wait_until(Duration::from_secs(10), "three dry-run picks", || {
        engine.events_matching("[dry run] would inject", None).len() >= 3
    });
    engine.terminate();
    let seen = watcher.seen();
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|v| v["mode"] == "healthy"), "{seen:?}");
}

#[test]
fn a_state_file_that_becomes_unwritable_is_retried_without_stopping_others() {
    let ws = Workspace::new();
    let targets = ws.targets(
        "defaults: { interval: 200ms, recovery: 50ms, startup_wait: 0 }\npolicy: { min_interval: 0 }\ntargets:\n  - { name: broken, state_file: '{dir}/broken.json' }\n  - { name: fine, state_file: '{dir}/fine.json' }\n",
    );
    let mut engine = Engine::start(&["--targets", targets.to_str().unwrap()], &[]);
    let broken = ws.path("broken.json");
    wait_until(Duration::from_secs(10), "the startup clears", || {
        read_state(&broken).is_some() && read_state(&ws.path("fine.json")).is_some()
    });
    // A non-empty directory at the path: every rename over it fails.
    // The engine may recreate the file between our remove and mkdir: retry.
    loop {
        let _ = std::fs::remove_file(&broken);
        if std::fs::create_dir(&broken).is_ok() {
            break;
        }
    }
    std::fs::write(broken.join("blocker"), "x").unwrap();
    let fine_before = engine.events_matching("Injecting", Some("fine")).len();
    let errors = |engine: &Engine| {
        engine.events_matching("could not write the failure state", Some("broken"))
    };
    wait_until(
        Duration::from_secs(10),
        "write errors on broken while fine carries on",
        || {
            errors(&engine).len() >= 2
                && engine.events_matching("Injecting", Some("fine")).len() >= fine_before + 2
        },
    );
    let error = &errors(&engine)[0];
    assert_eq!(error["level"], "ERROR");
    assert!(
        error["error"].as_str().unwrap().contains("os error"),
        "{error}"
    );
    // Repaired: the next tick writes again.
    std::fs::remove_dir_all(&broken).unwrap();
    wait_until(
        Duration::from_secs(10),
        "the broken target to be written again",
        || read_state(&broken).is_some(),
    );
    let (status, _) = engine.terminate();
    assert_eq!(status.code(), Some(0));
    assert_eq!(read_state(&broken).unwrap()["reason"], "shutdown");
}

#[test]
fn preview_shows_exactly_what_run_injects_with_the_same_seed() {
    let ws = Workspace::new();
    let targets = ws.targets(
        "defaults:\n  interval: 150ms\n  recovery: 50ms\n  startup_wait: 0\n  scenarios:\n    - { name: CRASH, mode: crash, weight: 1 }\n    - { name: SLOWDOWN, mode: slow, weight: 2, delay: { min: 1, max: 9 } }\n    - { name: CONFIG_ERROR, mode: config_error, weight: 1 }\npolicy: { min_interval: 0 }\ntargets:\n  - { name: app, state_file: '{dir}/app.json' }\n  - { name: db, state_file: '{dir}/db.json', interval: 200ms }\n",
    );
    let targets = targets.to_str().unwrap();
    let count = 6;
    let preview = crate::helpers::run_once(
        &[
            "preview",
            "--count",
            &count.to_string(),
            "--seed",
            "1234",
            "--json",
            "--targets",
            targets,
        ],
        &[],
    );
    assert_eq!(preview.status.code(), Some(0));
    let previewed: Vec<Value> = String::from_utf8(preview.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(previewed.len(), 2 * count);

    let mut engine = Engine::start(&["--targets", targets, "--seed", "1234"], &[]);
    wait_until(
        Duration::from_secs(20),
        "enough injections on both targets",
        || {
            ["app", "db"]
                .iter()
                .all(|t| engine.events_matching("Injecting", Some(t)).len() >= count)
        },
    );
    engine.terminate();
    let normalised = engine.events_matching("Scenario weights normalised", Some("app"));
    assert_eq!(
        normalised.first().and_then(|e| e["message"].as_str()),
        Some("Scenario weights normalised: CRASH 25.0%, SLOWDOWN 50.0%, CONFIG_ERROR 25.0%")
    );
    for target in ["app", "db"] {
        let expected: Vec<(Value, Value, Value)> = previewed
            .iter()
            .filter(|p| p["target"] == target)
            .map(|p| (p["scenario"].clone(), p["mode"].clone(), p["delay"].clone()))
            .collect();
        let injected: Vec<(Value, Value, Value)> = engine
            .events_matching("Injecting", Some(target))
            .iter()
            .take(count)
            .map(|e| (e["scenario"].clone(), e["mode"].clone(), e["delay"].clone()))
            .collect();
        assert_eq!(injected, expected, "{target}");
    }
}

#[test]
fn the_recovery_clear_leaves_a_failure_written_by_someone_else() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let env = [("FAILURE_STATE_FILE", state.to_str().unwrap())];
    let mut engine = Engine::start(
        &[
            "--interval",
            "60",
            "--recovery",
            "3",
            "--startup-wait",
            "0",
            "--min-interval",
            "0",
        ],
        &env,
    );
    wait_until(Duration::from_secs(10), "the engine's failure", || {
        read_state(&state).is_some_and(|v| is_failure(&v))
    });
    // The engine is stopped (SIGSTOP) while a person injects by hand, so
    // the manual write lands before the engine's recovery deadline however
    // long the one-shot takes; when the engine goes on, its clear is due
    // at once (or overdue) and must leave the person's failure.
    let pid = rustix::process::Pid::from_child(&engine.child);
    rustix::process::kill_process(pid, rustix::process::Signal::STOP).unwrap();
    let engines = read_state(&state).unwrap();
    assert!(
        is_failure(&engines),
        "still the engine's failure: {engines}"
    );
    let manual = crate::helpers::run_once(&["inject", "network_partition"], &env);
    rustix::process::kill_process(pid, rustix::process::Signal::CONT).unwrap();
    assert!(manual.status.success());
    let manual_id = read_state(&state).unwrap()["id"].clone();
    assert_ne!(manual_id, engines["id"]);
    wait_until(
        Duration::from_secs(10),
        "the engine to notice the other writer",
        || !engine.events_matching("ended by hand", None).is_empty(),
    );
    // Past the engine's deadline, the file is still the person's.
    let deadline = engines["expires_at"].as_f64().unwrap();
    wait_until(Duration::from_secs(10), "the engine's deadline", || {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        now.as_secs_f64() > deadline + 0.2
    });
    let now = read_state(&state).unwrap();
    assert_eq!(
        (now["mode"].as_str(), &now["id"]),
        (Some("network_partition"), &manual_id)
    );
    assert!(
        engine
            .events_matching("Failure state cleared", None)
            .iter()
            .all(|e| e["reason"] != "recovery"),
        "{:?}",
        engine.events()
    );
    engine.terminate();
}

#[test]
fn no_failure_is_written_once_sigterm_has_arrived_even_with_a_backlog() {
    // Many targets on short intervals keep the shared actor thread busy,
    // so the drain waits behind injections already queued.
    let targets: String = (0..400)
        .map(|i| format!("  - {{name: t{i}, state_file: \"{{dir}}/t{i}.json\"}}\n"))
        .collect();
    let ws = Workspace::new();
    let file = ws.targets(&format!(
        "policy: {{min_interval: 0}}\ndefaults: {{interval: 0.2, recovery: 0.1, startup_wait: 0}}\ntargets:\n{targets}"
    ));
    let mut engine = Engine::start(&["--targets", file.to_str().unwrap()], &[]);
    wait_until(Duration::from_secs(60), "800 injections", || {
        engine.events_matching("Injecting", None).len() >= 800
    });
    let (status, _) = engine.terminate();
    assert!(status.success(), "{status}");
    let events = engine.events();
    let message = |e: &Value| e["message"].as_str().unwrap_or("").to_owned();
    let received = events
        .iter()
        .position(|e| message(e).starts_with("Received SIGTERM"))
        .expect("the signal is logged");
    let late: Vec<String> = events[received..]
        .iter()
        .filter(|e| message(e).contains("Injecting"))
        .map(|e| e.to_string())
        .collect();
    assert!(
        late.is_empty(),
        "{} injections after SIGTERM, e.g. {:?}",
        late.len(),
        late.first()
    );
    // And every file was left healthy.
    for i in 0..400 {
        let state = read_state(&ws.path(&format!("t{i}.json"))).unwrap();
        assert_eq!(state["mode"], "healthy", "t{i}: {state}");
    }
}

#[test]
fn sigusr1_sigusr2_and_sigalrm_are_ignored_with_a_log_line() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let mut engine = Engine::start(
        &[&["--state-file", state.to_str().unwrap()], FAST_SCHEDULE].concat(),
        &[],
    );
    wait_until(Duration::from_secs(20), "a first injection", || {
        !engine.events_matching("Injecting", None).is_empty()
    });
    let pid = rustix::process::Pid::from_child(&engine.child);
    for (signal, name) in [
        (rustix::process::Signal::USR1, "SIGUSR1"),
        (rustix::process::Signal::USR2, "SIGUSR2"),
        (rustix::process::Signal::ALARM, "SIGALRM"),
    ] {
        rustix::process::kill_process(pid, signal).unwrap();
        wait_until(Duration::from_secs(20), name, || {
            !engine
                .events_matching(&format!("Received {name}: ignored"), None)
                .is_empty()
        });
    }
    assert!(engine.is_running(), "a stray signal ended the engine");
    let injected = engine.events_matching("Injecting", None).len();
    wait_until(Duration::from_secs(20), "chaos to go on", || {
        engine.events_matching("Injecting", None).len() > injected
    });
    assert!(engine.terminate().0.success());
    assert_eq!(read_state(&state).unwrap()["reason"], "shutdown");
}

#[test]
fn a_broken_standard_output_is_reported_once_and_chaos_goes_on() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let mut child = crate::helpers::command(&[])
        .arg("run")
        .args(["--state-file", state.to_str().unwrap()])
        .args(FAST_SCHEDULE)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end: every write to standard output fails (EPIPE).
    drop(child.stdout.take());
    let watcher = StateWatcher::new(state.clone());
    wait_until(Duration::from_secs(20), "five failures written", || {
        watcher.seen().iter().filter(|s| is_failure(s)).count() >= 5
    });
    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", output.status);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.lines().count(),
        1,
        "one notice, not one line per event:\n{stderr:.2000}"
    );
    assert!(
        stderr.contains("cannot write logs to standard output"),
        "{stderr}"
    );
    assert_eq!(read_state(&state).unwrap()["reason"], "shutdown");
}
