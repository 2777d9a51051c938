//! What another process may put at a state file's path while the engine
//! runs: a FIFO or a symlink to an endless device must not stall the actor
//! thread (which every target shares), and a FIFO is never replaced by a
//! file (a symlink is: the link, as documented, not what it points to);
//! and what a writer killed mid-write leaves beside a state file.

use std::path::Path;
use std::time::Duration;

use crate::helpers::{make_fifo, read_state, start_journalled, wait_until, Engine, Workspace};
use crate::http;

/// The victim has no schedule of its own (its failure is injected by hand
/// and held for an hour), so nothing but the test ends it; the other target
/// injects every 0.4 s.
const TARGETS: &str = "policy: {min_interval: 0}\n\
defaults: {interval: 0.4, recovery: 0.25, startup_wait: 0.05}\n\
targets:\n  - {name: victim, state_file: \"{dir}/victim.json\", startup_wait: 1h}\n  - {name: other, state_file: \"{dir}/other.json\"}\n";

/// What the engine does when the victim's failure is cleared.
#[derive(Clone, Copy)]
enum AtClear {
    /// Refuses to replace what is there (`a FIFO`, ...).
    Refuses(&'static str),
    /// Replaces it (a symlink: the link, not what it points to).
    Clears,
}

/// Puts `replace` at the victim's path while its failure is active (checked
/// in `/status` after the swap: the failure is held for an hour, so only
/// the test ends it), then clears it with `POST /pause` and checks that the
/// clear does what `at_clear` says, the other target carries on, the API
/// answers and SIGTERM still ends the engine.
fn victim_path_replaced_during_a_failure(replace: impl FnOnce(&Path), at_clear: AtClear) {
    let (ws, _journal, mut engine) = start_journalled(TARGETS, &["--http", "127.0.0.1:0"]);
    let api = engine.api_port();
    let victim = ws.path("victim.json");
    let injected = http::post_json(
        api,
        "/inject",
        r#"{"target": "victim", "mode": "crash", "for": "1h"}"#,
        Duration::from_secs(10),
    )
    .unwrap();
    assert_eq!(injected.status, 200, "{}", injected.body);
    let id = injected.json()["injected"]["id"].clone();
    wait_until(Duration::from_secs(20), "the victim's failure", || {
        read_state(&victim).is_some_and(|state| state["mode"] == "crash")
    });
    std::fs::remove_file(&victim).unwrap();
    replace(&victim);
    let status = http::get(api, "/status", Duration::from_secs(10))
        .unwrap()
        .json();
    let victim_status = status["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "victim")
        .unwrap();
    assert_eq!(
        victim_status["failure"]["id"], id,
        "the failure is still active with the new file in place: {status}"
    );
    let other_before = engine.events_matching("Injecting", Some("other")).len();

    let paused = http::post_json(api, "/pause?target=victim", "", Duration::from_secs(10)).unwrap();
    match at_clear {
        AtClear::Refuses(kind) => {
            let refusal = format!("is {kind}, not a state file: refusing to replace it");
            assert_eq!(paused.status, 500, "{}", paused.body);
            let failed = paused.json()["failed"]["victim"].clone();
            assert!(
                failed.as_str().is_some_and(|f| f.contains(&refusal)),
                "{}",
                paused.body
            );
            wait_until(Duration::from_secs(20), "the refused clear logged", || {
                engine
                    .events()
                    .iter()
                    .any(|e| e["target"] == "victim" && e.to_string().contains(&refusal))
            });
        }
        AtClear::Clears => {
            assert_eq!(paused.status, 200, "{}", paused.body);
            wait_until(Duration::from_secs(20), "the clear", || {
                read_state(&victim).is_some_and(|state| state["reason"] == "manual")
            });
        }
    }
    // Meanwhile the other target keeps its schedule and the API answers.
    wait_until(
        Duration::from_secs(20),
        "three more cycles of the other target",
        || engine.events_matching("Injecting", Some("other")).len() >= other_before + 3,
    );
    let health = http::get(api, "/healthz", Duration::from_secs(5)).unwrap();
    assert_eq!(health.status, 200, "{}", health.body);

    let (status, _took) = engine.terminate();
    assert_eq!(
        read_state(&ws.path("other.json")).unwrap()["reason"],
        "shutdown"
    );
    let file_type = std::fs::symlink_metadata(&victim).unwrap().file_type();
    match at_clear {
        AtClear::Refuses(kind) => {
            assert!(
                !file_type.is_file(),
                "the engine replaced {kind} with a file"
            );
            assert_eq!(status.code(), Some(1), "a target could not be cleared");
        }
        AtClear::Clears => {
            assert!(
                file_type.is_file(),
                "the link is replaced by the state file"
            );
            assert!(status.success(), "{status}");
        }
    }
}

#[test]
fn a_fifo_at_an_active_targets_path_stalls_nothing_and_stays() {
    victim_path_replaced_during_a_failure(make_fifo, AtClear::Refuses("a FIFO"));
}

#[test]
fn a_symlink_to_dev_zero_at_an_active_targets_path_stalls_nothing() {
    victim_path_replaced_during_a_failure(
        |path| std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
        AtClear::Clears,
    );
}

#[test]
fn temporary_files_of_a_killed_writer_are_removed_at_start() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    let old = std::time::SystemTime::now() - Duration::from_secs(60);
    let leftovers = [".state.json.k1ll3d.tmp", ".state.json.Xy9Zq0.tmp"];
    for name in leftovers.iter().chain(&[".unrelated.json.k1ll3d.tmp"]) {
        let file = std::fs::File::create(ws.path(name)).unwrap();
        file.set_modified(old).unwrap();
    }
    let mut engine = Engine::start(
        &[
            "--state-file",
            state.to_str().unwrap(),
            "--startup-wait",
            "60",
        ],
        &[],
    );
    wait_until(Duration::from_secs(20), "the startup clear", || {
        read_state(&state).is_some_and(|s| s["reason"] == "startup")
    });
    // The log is read on a thread of its own: it may lag behind the file.
    wait_until(Duration::from_secs(20), "the removal logged", || {
        !engine.events_matching("left in", None).is_empty()
    });
    let removed = engine.events_matching("left in", None);
    assert_eq!(removed.len(), 1, "{:?}", engine.events());
    assert_eq!(removed[0]["removed"], 2);
    for name in leftovers {
        assert!(!ws.path(name).exists(), "{name} is still there");
    }
    assert!(
        ws.path(".unrelated.json.k1ll3d.tmp").exists(),
        "not ours: left alone"
    );
    assert!(engine.terminate().0.success());
}
