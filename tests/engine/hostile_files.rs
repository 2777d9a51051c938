//! What another process may put at a state file's path while the engine
//! runs: a FIFO or a symlink to an endless device must not stall the actor
//! thread (which every target shares), and a FIFO is never replaced by a
//! file (a symlink is: the link, as documented, not what it points to);
//! and what a writer killed mid-write leaves beside a state file.

use std::path::Path;
use std::time::Duration;

use crate::helpers::{make_fifo, read_state, start_journalled, wait_until, Engine, Workspace};
use crate::http;

const TARGETS: &str = "policy: {min_interval: 0}\n\
defaults: {interval: 0.4, recovery: 0.25, startup_wait: 0.05}\n\
targets:\n  - {name: victim, state_file: \"{dir}/victim.json\"}\n  - {name: other, state_file: \"{dir}/other.json\"}\n";

/// What the engine does when the victim's failure is due to end.
#[derive(Clone, Copy)]
enum AtRecovery {
    /// Refuses to replace what is there (`a FIFO`, ...).
    Refuses(&'static str),
    /// Replaces it (a symlink: the link, not what it points to).
    Clears,
}

/// Puts `replace` at the victim's path during its first failure, then
/// checks that the other target carries on, the API answers, the victim's
/// clear does what `at_recovery` says and SIGTERM still ends the engine.
fn victim_path_replaced_during_a_failure(replace: impl FnOnce(&Path), at_recovery: AtRecovery) {
    let (ws, _journal, mut engine) = start_journalled(TARGETS, &["--http", "127.0.0.1:0"]);
    let api = engine.api_port();
    let victim = ws.path("victim.json");
    wait_until(
        Duration::from_secs(20),
        "the victim's first failure",
        || {
            !engine
                .events_matching("Injecting", Some("victim"))
                .is_empty()
        },
    );
    std::fs::remove_file(&victim).unwrap();
    replace(&victim);
    let other_before = engine.events_matching("Injecting", Some("other")).len();

    match at_recovery {
        AtRecovery::Refuses(kind) => {
            let refusal = format!("is {kind}, not a state file: refusing to replace it");
            wait_until(Duration::from_secs(20), "the refused clear", || {
                engine
                    .events()
                    .iter()
                    .any(|e| e["target"] == "victim" && e.to_string().contains(&refusal))
            });
        }
        AtRecovery::Clears => wait_until(Duration::from_secs(20), "the clear", || {
            read_state(&victim).is_some_and(|state| state["reason"] == "recovery")
        }),
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
    match at_recovery {
        AtRecovery::Refuses(kind) => {
            assert!(
                !file_type.is_file(),
                "the engine replaced {kind} with a file"
            );
            assert_eq!(status.code(), Some(1), "a target could not be cleared");
        }
        AtRecovery::Clears => {
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
    victim_path_replaced_during_a_failure(make_fifo, AtRecovery::Refuses("a FIFO"));
}

#[test]
fn a_symlink_to_dev_zero_at_an_active_targets_path_stalls_nothing() {
    victim_path_replaced_during_a_failure(
        |path| std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
        AtRecovery::Clears,
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
