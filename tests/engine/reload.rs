//! Reload promises of docs/api.md: blind mode cannot change on reload, a
//! removed target whose file cannot be cleared is listed under
//! `not_cleared`, and reloads (and manual injections) are refused once a
//! shutdown has begun.

use std::time::Duration;

use crate::helpers::{journal_events, start_with_api, wait_until, Workspace};
use crate::http;

const TIMEOUT: Duration = Duration::from_secs(10);
const CONTROL: &str = "control-token-1";

fn post(port: u16, path: &str) -> http::Response {
    http::post_json_with(port, path, "", Some(CONTROL), TIMEOUT)
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
}

/// A targets file with `policy.blind` set to `blind`.
fn targets(blind: bool) -> String {
    format!(
        "defaults: {{ interval: 60s, recovery: 30s, startup_wait: 60s }}\n\
         policy: {{ blind: {blind} }}\n\
         targets:\n  - {{ name: a, state_file: '{{dir}}/a.json' }}\n"
    )
}

#[test]
fn a_reload_that_turns_blind_mode_on_or_off_is_rejected() {
    for blind in [true, false] {
        let ws = Workspace::new();
        let journal = ws.path("journal.jsonl");
        let file = ws.targets(&targets(blind));
        let (mut engine, port) = start_with_api(
            &[
                "--targets",
                file.to_str().unwrap(),
                "--journal",
                journal.to_str().unwrap(),
            ],
            &[("CHAOS_API_TOKEN", CONTROL)],
        );
        ws.targets(&targets(!blind));
        let rejected = post(port, "/reload");
        assert_eq!(rejected.status, 400, "blind {blind}: {}", rejected.body);
        assert_eq!(
            rejected.json()["error"],
            format!(
                "reload rejected, running configuration kept: policy.blind cannot change on \
                 reload (it is {blind} now): restart the engine to change it"
            )
        );
        wait_until(TIMEOUT, "reload_rejected in the journal", || {
            !journal_events(&journal, "reload_rejected").is_empty()
        });
        // Still as it started: in blind mode /status needs the control
        // token, otherwise anyone may read it.
        let anonymous = http::get(port, "/status", TIMEOUT).unwrap();
        assert_eq!(
            anonymous.status == 200,
            !blind,
            "blind {blind}: {}",
            anonymous.status
        );
        // The same file with blind mode as it was is applied.
        ws.targets(&targets(blind));
        assert_eq!(post(port, "/reload").status, 200);
        assert!(engine.terminate().0.success());
    }
}

#[test]
fn a_removed_target_whose_file_cannot_be_cleared_is_listed_under_not_cleared() {
    let ws = Workspace::new();
    let both = "defaults: { interval: 60s, recovery: 30s, startup_wait: 60s }\n\
                targets:\n  - { name: a, state_file: '{dir}/a.json' }\n  - { name: b, state_file: '{dir}/b.json' }\n";
    let file = ws.targets(both);
    let (mut engine, port) = start_with_api(
        &["--targets", file.to_str().unwrap()],
        &[("CHAOS_API_TOKEN", CONTROL)],
    );
    let injected = http::post_json_with(
        port,
        "/inject",
        r#"{"target": "b", "mode": "crash"}"#,
        Some(CONTROL),
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(injected.status, 200, "{}", injected.body);
    // b's file becomes unreplaceable: a non-empty directory at its path.
    let b = ws.path("b.json");
    std::fs::remove_file(&b).unwrap();
    std::fs::create_dir(&b).unwrap();
    std::fs::write(b.join("blocker"), "x").unwrap();

    ws.targets(
        "defaults: { interval: 60s, recovery: 30s, startup_wait: 60s }\n\
         targets:\n  - { name: a, state_file: '{dir}/a.json' }\n",
    );
    let reloaded = post(port, "/reload");
    assert_eq!(reloaded.status, 200, "{}", reloaded.body);
    let report = &reloaded.json()["reloaded"];
    assert_eq!(report["removed"], serde_json::json!(["b"]), "{report}");
    // Listed as `target: error`.
    let not_cleared = report["not_cleared"].as_array().unwrap();
    assert_eq!(not_cleared.len(), 1, "{report}");
    let entry = not_cleared[0].as_str().unwrap();
    assert!(
        entry.starts_with("b: ") && entry.ends_with("Is a directory (os error 21)"),
        "{report}"
    );

    // A reload that clears everything it removes has no `not_cleared`.
    std::fs::remove_dir_all(&b).unwrap();
    ws.targets(both);
    let added = post(port, "/reload").json();
    assert_eq!(added["reloaded"]["added"], serde_json::json!(["b"]));
    ws.targets(
        "defaults: { interval: 60s, recovery: 30s, startup_wait: 60s }\n\
         targets:\n  - { name: a, state_file: '{dir}/a.json' }\n",
    );
    let removed = post(port, "/reload").json();
    assert_eq!(removed["reloaded"]["removed"], serde_json::json!(["b"]));
    assert!(
        removed["reloaded"].get("not_cleared").is_none(),
        "{removed}"
    );
    engine.terminate();
}

/// In process: the supervisor is asked to drain, then to reload (as SIGHUP
/// or `POST /reload` would, with the drain already begun): refused, and
/// nothing is started again. (The API answers that refusal with 409:
/// src/api/from_actors.rs.)
#[test]
fn reloads_are_refused_once_a_shutdown_has_begun() {
    use chaos_engine::actors::{Drain, Reload, ReloadError, Supervisor};
    use chaos_engine::config::{self, ConfigInputs, SettingId, SettingValues, Source};
    use chaos_engine::journal::Journal;
    use chaos_engine::telemetry::Telemetry;
    use std::sync::Arc;

    let ws = Workspace::new();
    let mut flags = SettingValues::default();
    let file = ws.targets(&targets(false));
    flags.set(SettingId::Targets, Source::Flag, file.to_string_lossy());
    let inputs = ConfigInputs {
        flags,
        ..ConfigInputs::default()
    };
    let settings = config::load(&inputs).unwrap();
    let journal_path = ws.path("journal.jsonl");
    let system = actix::System::new();
    let (before, after) = system.block_on(async move {
        use actix::Actor;
        let clock: chaos_engine::clock::SharedClock =
            Arc::new(chaos_engine::clock::FixedClock(1_800_000_000.0));
        let telemetry = Arc::new(Telemetry::new(clock, Journal::open(&journal_path)));
        let supervisor = Supervisor::new(settings, Some(inputs), 1, telemetry).start();
        // Reloadable while running.
        let before = supervisor.send(Reload).await.unwrap();
        // The drain is queued before the reload, so it has begun when the
        // reload is handled.
        supervisor.do_send(Drain);
        let after = supervisor.send(Reload).await.unwrap();
        (before.map(|_| ()), after)
    });
    assert_eq!(before, Ok(()));
    assert_eq!(after.unwrap_err(), ReloadError::ShuttingDown);
    let lines = crate::helpers::journal(&ws.path("journal.jsonl"));
    let reloaded = lines.iter().filter(|l| l["event"] == "reloaded").count();
    assert_eq!(reloaded, 1, "only the first reload was applied: {lines:?}");
}

/// In process, as above: a manual injection asked for once the drain has
/// begun is refused with the conflict the API answers 409 to, and the
/// target's file is left as the drain wrote it.
#[test]
fn manual_injections_are_refused_once_a_shutdown_has_begun() {
    use chaos_engine::actors::{ControlError, Drain, InjectInto, ManualInjection, Supervisor};
    use chaos_engine::config::{self, ConfigInputs, SettingId, SettingValues, Source};
    use chaos_engine::journal::Journal;
    use chaos_engine::telemetry::Telemetry;
    use std::sync::Arc;

    let ws = Workspace::new();
    let mut flags = SettingValues::default();
    let file = ws.targets(&targets(false));
    flags.set(SettingId::Targets, Source::Flag, file.to_string_lossy());
    let inputs = ConfigInputs {
        flags,
        ..ConfigInputs::default()
    };
    let settings = config::load(&inputs).unwrap();
    let journal_path = ws.path("journal.jsonl");
    let inject = || InjectInto {
        target: "a".to_owned(),
        injection: ManualInjection::Mode {
            mode: "crash".to_owned(),
            delay: None,
        },
        hold: None,
    };
    let system = actix::System::new();
    let (before, after) = system.block_on(async move {
        use actix::Actor;
        let clock: chaos_engine::clock::SharedClock =
            Arc::new(chaos_engine::clock::FixedClock(1_800_000_000.0));
        let telemetry = Arc::new(Telemetry::new(clock, Journal::open(&journal_path)));
        let supervisor = Supervisor::new(settings, Some(inputs), 1, telemetry).start();
        let before = supervisor.send(inject()).await.unwrap();
        supervisor.do_send(Drain);
        let after = supervisor.send(inject()).await.unwrap();
        (before.map(|_| ()), after)
    });
    assert_eq!(before, Ok(()));
    assert_eq!(
        after.unwrap_err(),
        ControlError::Conflict("the engine is shutting down".to_owned())
    );
    let injected = journal_events(&ws.path("journal.jsonl"), "injected");
    assert_eq!(injected.len(), 1, "only the first: {injected:?}");
}
