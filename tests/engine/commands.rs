//! The one-shot commands: inject, clear, status, validate, preview, help.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{read_state, run_once, Workspace};

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn inject_writes_a_protocol_failure_and_clear_writes_manual() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let env = [("FAILURE_STATE_FILE", state.to_str().unwrap())];

    let output = run_once(&["inject", "slow", "--delay", "7"], &env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let failure = read_state(&state).unwrap();
    assert_eq!(failure["mode"], "slow");
    assert_eq!(failure["delay"], 7);
    assert_eq!(failure["scenario"], "SLOWDOWN");
    assert_eq!(failure["target"], "target-app");
    assert_eq!(failure["injected_by"], "chaos-engine");
    let lasts = failure["expires_at"].as_f64().unwrap() - failure["timestamp"].as_f64().unwrap();
    assert!(
        (lasts - 30.0).abs() < 0.01,
        "without --for a failure lasts the recovery period: {lasts}"
    );
    assert!(stdout(&output).contains(failure["id"].as_str().unwrap()));

    let status = run_once(&["status", "--json"], &env);
    assert_eq!(status.status.code(), Some(0));
    let line: Value = serde_json::from_str(stdout(&status).trim()).unwrap();
    assert_eq!(line["mode"], "slow");
    assert_eq!(line["failing"], true);
    assert_eq!(line["scenario"], "SLOWDOWN");
    assert!(line["expires_in_secs"].as_f64().unwrap() > 20.0);

    let output = run_once(&["clear"], &env);
    assert_eq!(output.status.code(), Some(0));
    let cleared = read_state(&state).unwrap();
    assert_eq!(
        (cleared["mode"].as_str(), cleared["reason"].as_str()),
        (Some("healthy"), Some("manual"))
    );

    let text = run_once(&["status"], &env);
    assert!(
        stdout(&text).starts_with("target-app: healthy"),
        "{}",
        stdout(&text)
    );
}

#[test]
fn inject_slow_without_delay_draws_from_the_range_and_custom_modes_are_allowed() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let env = [("FAILURE_STATE_FILE", state.to_str().unwrap())];
    for _ in 0..5 {
        assert!(run_once(&["inject", "slow"], &env).status.success());
        let delay = read_state(&state).unwrap()["delay"].as_u64().unwrap();
        assert!((10..=30).contains(&delay), "{delay}");
    }
    assert!(run_once(&["inject", "network_partition"], &env)
        .status
        .success());
    let custom = read_state(&state).unwrap();
    assert_eq!(
        (custom["mode"].as_str(), custom["scenario"].as_str()),
        (Some("network_partition"), Some("NETWORK_PARTITION"))
    );
}

#[test]
fn inject_for_a_duration_clears_afterwards() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let env = [("FAILURE_STATE_FILE", state.to_str().unwrap())];
    let watcher = crate::helpers::StateWatcher::new(state.clone());
    let started = std::time::Instant::now();
    let output = run_once(&["inject", "config_error", "--for", "300ms"], &env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(started.elapsed() >= Duration::from_millis(300));
    crate::helpers::wait_until(
        Duration::from_secs(10),
        "the watcher to see the clear",
        || {
            watcher
                .seen()
                .last()
                .is_some_and(|v| v["mode"] == "healthy")
        },
    );
    let seen = watcher.seen();
    let modes: Vec<_> = seen
        .iter()
        .map(|v| v["mode"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(modes, ["config_error", "healthy"], "{seen:?}");
    assert_eq!(seen[1]["reason"], "manual");
    let lasts = seen[0]["expires_at"].as_f64().unwrap() - seen[0]["timestamp"].as_f64().unwrap();
    assert!(
        (lasts - 0.3).abs() < 0.01,
        "expires_at follows --for: {lasts}"
    );
}

#[test]
fn inject_refuses_when_chaos_is_disabled_unless_overridden() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let env = [
        ("FAILURE_STATE_FILE", state.to_str().unwrap()),
        ("CHAOS_ENABLED", "false"),
    ];
    let refused = run_once(&["inject", "crash"], &env);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("chaos is disabled"),
        "{}",
        stderr(&refused)
    );
    assert!(read_state(&state).is_none());
    let forced = run_once(&["inject", "crash", "--enabled", "true"], &env);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert_eq!(read_state(&state).unwrap()["mode"], "crash");
}

#[test]
fn manual_commands_append_to_the_journal() {
    let ws = Workspace::new();
    let (state, journal) = (ws.path("state.json"), ws.path("journal.jsonl"));
    let env = [
        ("FAILURE_STATE_FILE", state.to_str().unwrap()),
        ("CHAOS_JOURNAL", journal.to_str().unwrap()),
    ];
    assert!(
        run_once(&["inject", "slow", "--delay", "2", "--for", "100ms"], &env)
            .status
            .success()
    );
    assert!(run_once(&["clear"], &env).status.success());
    let lines: Vec<Value> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(&str, Option<&str>, Option<&str>)> = lines
        .iter()
        .map(|l| {
            (
                l["event"].as_str().unwrap(),
                l["reason"].as_str(),
                l["source"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("injected", None, Some("cli")),
            ("cleared", Some("manual"), Some("cli")),
            ("cleared", Some("manual"), Some("cli"))
        ]
    );
    assert_eq!(
        (lines[0]["mode"].as_str(), lines[0]["delay"].as_u64()),
        (Some("slow"), Some(2))
    );
    assert_eq!(lines[0]["id"].as_str().map(str::len), Some(36), "a UUID");
}

#[test]
fn inject_in_dry_run_mode_writes_nothing() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let output = run_once(
        &["inject", "crash", "--dry-run"],
        &[("FAILURE_STATE_FILE", state.to_str().unwrap())],
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output).starts_with("[dry run] would inject CRASH"),
        "{}",
        stdout(&output)
    );
    assert!(read_state(&state).is_none());
}

#[test]
fn preview_stops_when_its_reader_goes_away() {
    use std::io::Read;
    let ws = Workspace::new();
    let mut child =
        crate::helpers::command(&[("FAILURE_STATE_FILE", ws.path("s.json").to_str().unwrap())])
            .args(["preview", "--count", "18446744073709551615", "--seed", "1"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The pipe is closed now that the reader is dropped.
    crate::helpers::wait_until(Duration::from_secs(10), "preview to exit", || {
        child.try_wait().unwrap().is_some()
    });
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn inject_scenario_chooses_a_scenario_by_name_or_lists_the_targets_scenarios() {
    let ws = Workspace::new();
    let targets = ws.targets(
        "targets:\n  - name: app\n    state_file: '{dir}/app.json'\n    scenarios:\n      \
         - { name: SLOW_A, mode: slow, weight: 1, delay: { min: 1, max: 1 } }\n      \
         - { name: SLOW_B, mode: slow, weight: 1, delay: { min: 7, max: 7 } }\n      \
         - { name: CRASH, mode: crash, weight: 1 }\n",
    );
    let env = [("CHAOS_TARGETS_FILE", targets.to_str().unwrap())];
    let state = ws.path("app.json");

    // MODE alone: the first scenario of that mode, its range.
    let output = run_once(&["inject", "slow"], &env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let failure = read_state(&state).unwrap();
    assert_eq!(
        (failure["scenario"].as_str(), failure["delay"].as_u64()),
        (Some("SLOW_A"), Some(1))
    );

    // By name: the second one, with its own range; MODE may be left out or
    // given alike.
    for args in [
        &["inject", "--scenario", "SLOW_B"][..],
        &["inject", "slow", "--scenario", "SLOW_B"],
    ] {
        let output = run_once(args, &env);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
        let failure = read_state(&state).unwrap();
        assert_eq!(
            (
                failure["scenario"].as_str(),
                failure["mode"].as_str(),
                failure["delay"].as_u64()
            ),
            (Some("SLOW_B"), Some("slow"), Some(7)),
            "{args:?}"
        );
        assert!(
            stdout(&output).starts_with("💥 Injected SLOW_B (slow, delay 7s) into app"),
            "{}",
            stdout(&output)
        );
    }
    // --delay still overrides the scenario's range.
    let output = run_once(&["inject", "--scenario", "SLOW_B", "--delay", "3"], &env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(read_state(&state).unwrap()["delay"], 3);

    // Bad input: exit 2, the file untouched.
    let before = std::fs::read_to_string(&state).unwrap();
    for (args, expected) in [
        (
            &["inject", "--scenario", "SLOW_C"][..],
            "error: --scenario SLOW_C: target app has no such scenario (its scenarios: SLOW_A \
             (slow), SLOW_B (slow), CRASH (crash))",
        ),
        (
            &["inject", "crash", "--scenario", "SLOW_B"],
            "error: MODE crash: scenario SLOW_B of target app has mode slow",
        ),
        (
            &["inject", "--scenario", "CRASH", "--delay", "2"],
            "error: --delay: mode crash always writes delay 0",
        ),
        (&["inject"], "MODE"),
    ] {
        let output = run_once(args, &env);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(std::fs::read_to_string(&state).unwrap(), before, "{args:?}");
    }
}

#[test]
fn inject_rejects_bad_input_without_writing() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    std::fs::write(&state, "original").unwrap();
    let env = [("FAILURE_STATE_FILE", state.to_str().unwrap())];
    for (args, expected) in [
        (
            vec!["inject", "crash", "--delay", "3"],
            "--delay: mode crash always writes delay 0",
        ),
        (vec!["inject", "healthy"], "use `chaos-engine clear`"),
        (
            vec!["inject", "Bad Mode"],
            "MODE: mode `Bad Mode` must use only",
        ),
        (
            vec!["inject", "slow", "--for", "never"],
            "--for: invalid duration `never`",
        ),
        (
            vec!["inject", "slow", "--target", "nope"],
            "--target nope: no such target (configured: target-app)",
        ),
    ] {
        let output = run_once(&args, &env);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(std::fs::read_to_string(&state).unwrap(), "original");
    }
}

#[test]
fn multi_target_commands_choose_targets_by_name_file_or_all() {
    let ws = Workspace::new();
    let targets = ws.targets("targets:\n  - { name: app, state_file: '{dir}/app.json' }\n  - { name: db, state_file: '{dir}/db.json' }\n");
    let targets = targets.to_str().unwrap();
    let (app, db) = (ws.path("app.json"), ws.path("db.json"));

    let ambiguous = run_once(&["inject", "crash", "--targets", targets], &[]);
    assert_eq!(ambiguous.status.code(), Some(2));
    assert!(stderr(&ambiguous)
        .contains("several targets are configured (app, db); choose one with --target NAME"));
    assert!(!stderr(&ambiguous).contains("--all"), "inject has no --all");
    let ambiguous_clear = run_once(&["clear", "--targets", targets], &[]);
    assert!(stderr(&ambiguous_clear).contains("or all with --all"));

    assert!(run_once(
        &["inject", "crash", "--targets", targets, "--target", "db"],
        &[]
    )
    .status
    .success());
    assert_eq!(read_state(&db).unwrap()["mode"], "crash");
    assert!(read_state(&app).is_none());

    let by_file = run_once(
        &[
            "inject",
            "slow",
            "--delay",
            "1",
            "--targets",
            targets,
            "--state-file",
            app.to_str().unwrap(),
        ],
        &[],
    );
    assert!(by_file.status.success(), "{}", stderr(&by_file));
    assert_eq!(read_state(&app).unwrap()["target"], "app");

    let status = run_once(&["status", "--json"], &[("CHAOS_TARGETS_FILE", targets)]);
    let lines: Vec<Value> = stdout(&status)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["target"].as_str(), lines[0]["mode"].as_str()),
        (Some("app"), Some("slow"))
    );
    assert_eq!(
        (lines[1]["target"].as_str(), lines[1]["mode"].as_str()),
        (Some("db"), Some("crash"))
    );

    assert!(run_once(&["clear", "--all", "--targets", targets], &[])
        .status
        .success());
    for path in [&app, &db] {
        assert_eq!(read_state(path).unwrap()["reason"], "manual");
    }
}

#[test]
fn validate_prints_effective_settings_and_normalised_probabilities() {
    let ws = Workspace::new();
    let targets = ws.targets(
        "defaults: { interval: 5m }\ntargets:\n  - name: app\n    state_file: '{dir}/app.json'\n    scenarios:\n      - { name: A, mode: crash, weight: 1 }\n      - { name: B, mode: slow, weight: 3, delay: { min: 2, max: 4 } }\n",
    );
    let output = run_once(&["validate", "--targets", targets.to_str().unwrap()], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("configuration is valid"), "{text}");
    assert!(text.contains("interval:     300s"), "{text}");
    assert!(text.contains("probability  25.0%"), "{text}");
    assert!(text.contains("probability  75.0%, delay 2..=4s"), "{text}");
    assert!(
        read_state(&ws.path("app.json")).is_none(),
        "validate must not write"
    );
}

#[test]
fn preview_json_has_the_documented_shape_and_is_reproducible() {
    let ws = Workspace::new();
    let targets = ws.targets("targets:\n  - { name: app, state_file: '{dir}/s.json' }\n");
    let env = [("CHAOS_TARGETS_FILE", targets.to_str().unwrap())];
    let first = run_once(
        &["preview", "--count", "200", "--seed", "9", "--json"],
        &env,
    );
    let second = run_once(
        &["preview", "--count", "200", "--json"],
        &[&env[..], &[("CHAOS_SEED", "9")]].concat(),
    );
    assert_eq!(first.status.code(), Some(0));
    assert_eq!(
        first.stdout, second.stdout,
        "CHAOS_SEED and --seed give the same picks"
    );
    let lines: Vec<Value> = stdout(&first)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 200);
    // The contract's field order (the test crate's serde_json keeps it).
    assert_eq!(
        lines[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["n", "target", "scenario", "mode", "delay"]
    );
    assert_eq!(lines[0]["n"], 1);
    assert_eq!(lines[199]["n"], 200);
    let slow = lines.iter().filter(|l| l["mode"] == "slow").count();
    assert!(
        (40..=120).contains(&slow),
        "about 40% of 200 should be slow, got {slow}"
    );
    assert!(
        read_state(&ws.path("s.json")).is_none(),
        "preview must not write"
    );
}

#[test]
fn help_explains_every_command() {
    let output = run_once(&["--help"], &[]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for word in [
        "run",
        "inject",
        "clear",
        "status",
        "validate",
        "preview",
        "CHAOS_INTERVAL",
        "state file",
    ] {
        assert!(text.contains(word), "--help lacks {word}:\n{text}");
    }
    let bad = run_once(&["--no-such-flag"], &[]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn each_command_takes_only_the_settings_it_uses() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    std::fs::write(&state, "original").unwrap();
    let state = state.to_str().unwrap();
    let env = [("FAILURE_STATE_FILE", state)];

    // A setting flag the command does not use is a usage error (exit 2),
    // and nothing is written.
    for args in [
        &["status", "--interval", "10s"][..],
        &["clear", "--seed", "1"],
        &["clear", "--dry-run"],
        &["inject", "crash", "--interval", "10s"],
        &["inject", "crash", "--http", "127.0.0.1:0"],
        &["preview", "--state-file", state],
    ] {
        let output = run_once(args, &env);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let flag = args.iter().find(|a| a.starts_with("--")).unwrap();
        assert!(
            stderr(&output).contains(&format!("unexpected argument '{flag}'")),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(
            std::fs::read_to_string(ws.path("state.json")).unwrap(),
            "original"
        );
    }

    // The variables of settings no one-shot command uses, all invalid:
    // `validate` reads them and refuses; the one-shot commands never read them.
    let unread = [
        ("CHAOS_INTERVAL", "often"),
        ("CHAOS_MIN_INTERVAL", "never"),
        ("CHAOS_STARTUP_WAIT", "later"),
        ("CHAOS_LOG_FORMAT", "xml"),
        ("CHAOS_HTTP_ADDR", "nowhere"),
        ("CHAOS_MAX_CONCURRENT_FAILURES", "many"),
        ("CHAOS_JITTER", "lots"),
    ];
    for variable in unread {
        let validate = run_once(&["validate"], &[env[0], variable]);
        assert_eq!(validate.status.code(), Some(2), "{variable:?}");
        assert!(
            stderr(&validate).starts_with(&format!("error: {}: ", variable.0)),
            "{variable:?}: {}",
            stderr(&validate)
        );
    }
    let env: Vec<(&str, &str)> = [&env[..], &unread[..]].concat();
    for args in [
        &["status"][..],
        &["preview", "--count", "1"],
        &["clear"],
        &["inject", "crash", "--for", "50ms"],
    ] {
        let output = run_once(args, &env);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert_eq!(
        read_state(&ws.path("state.json")).unwrap()["reason"],
        "manual"
    );

    // inject takes --recovery but keeps no schedule: a recovery longer than
    // the (default 180 s) interval is how long this one failure lasts.
    let output = run_once(&["inject", "crash", "--recovery", "5m"], &env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let failure = read_state(&ws.path("state.json")).unwrap();
    let lasts = failure["expires_at"].as_f64().unwrap() - failure["timestamp"].as_f64().unwrap();
    assert!((lasts - 300.0).abs() < 0.01, "{failure}");
    // validate checks the schedule that `run` would keep.
    let validate = run_once(
        &["validate", "--recovery", "5m"],
        &[("FAILURE_STATE_FILE", state)],
    );
    assert_eq!(validate.status.code(), Some(2));
    assert!(stderr(&validate).contains("must be shorter than the interval"));
}

#[test]
fn yaml_anchors_and_aliases_work_in_a_targets_file() {
    // b's scenarios are an alias of a's anchored list (merge keys are
    // refused: invalid_config.rs).
    let ws = Workspace::new();
    let targets = ws.targets(
        "targets:\n\
         \x20 - { name: a, state_file: '{dir}/a.json', scenarios: &s [ { name: ONLY, mode: custom_x, weight: 1 } ] }\n\
         \x20 - { name: b, state_file: '{dir}/b.json', scenarios: *s }\n",
    );
    let output = run_once(&["validate", "--targets", targets.to_str().unwrap()], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let b = text.split("target b").nth(1).expect("target b listed");
    assert!(
        b.contains("ONLY") && b.contains("mode custom_x"),
        "b has a's scenarios: {text}"
    );
    assert!(!b.contains("CRASH"), "not the default catalogue: {text}");
}

#[test]
fn healthcheck_without_an_address_is_exit_2() {
    let output = run_once(&["healthcheck"], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no API to probe: give --http ADDR or set CHAOS_HTTP_ADDR"),
        "{}",
        stderr(&output)
    );
    // An empty variable is no address either.
    let output = run_once(&["healthcheck"], &[("CHAOS_HTTP_ADDR", "")]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}
