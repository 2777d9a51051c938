//! A Docker fault repaired by someone else is settled at the repair, not
//! at its expiry: a kill fault on a container whose restart policy
//! (`always`) brings it back is journalled `ended_by: repair`, and then,
//! while the engine still runs and long before the fault's 60 s recovery
//! is over, the engine's fault ledger closes it (no open record) and
//! `chaos-engine status` no longer says it is in effect. SIGTERM then
//! exits 0 with nothing left in the ledger. Checked from outside: the
//! ledger directory, the journal, `status`, the engine's log. Every
//! container is removed, also when the test fails (the guards below).

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use super::engine_helpers::{
    journal_events, run_once, test_ledger_dir, wait_until, Engine, Workspace,
};
use super::fault_fixtures::{net_helper_image, TargetContainer};
use super::partial_faults::EngineHelpers;
use chaos_engine::docker::ledger::read_open;

const WAIT: Duration = Duration::from_secs(60);

/// The `ended` line of `target`, once there is one.
fn ended(journal: &Path, target: &str) -> Option<Value> {
    journal_events(journal, "ended")
        .into_iter()
        .find(|e| e["target"] == target)
}

/// What `chaos-engine status` prints about the targets in `targets`.
fn status(targets: &Path) -> String {
    let output = run_once(&["status", "--targets", targets.to_str().unwrap()], &[]);
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn a_kill_repaired_by_the_restart_policy_is_settled_at_the_repair() {
    let container = TargetContainer::start("settle-kill", &["--restart", "always"]);
    let helpers = EngineHelpers::of(&[&container]);
    let ws = Workspace::new();
    let journal = ws.path("journal.jsonl");
    let yaml = format!(
        "defaults: {{ interval: 2h, recovery: 60s, startup_wait: 0 }}\n\
         policy:\n  min_interval: 0\n  docker: {{ net_image: {} }}\ntargets:\n  \
         - name: settled\n    docker: {{ container: {} }}\n    \
         scenarios:\n      - {{ name: KILL, mode: kill, weight: 1 }}\n",
        net_helper_image(),
        container.name()
    );
    let targets = ws.targets(&yaml);
    let mut engine = Engine::start(
        &[
            "--targets",
            targets.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
            "--seed",
            "1",
        ],
        &[],
    );

    wait_until(WAIT, "the kill to be journalled as repaired", || {
        ended(&journal, "settled").is_some()
    });
    let end = ended(&journal, "settled").unwrap();
    assert_eq!(end["ended_by"], "repair", "{end}");
    assert_eq!(end["repaired_by"], "restart policy", "{end}");
    let injected = journal_events(&journal, "injected");
    let expires_at = injected
        .iter()
        .find(|e| e["target"] == "settled")
        .and_then(|e| e["expires_at"].as_f64())
        .unwrap_or_else(|| panic!("no injection of settled in {injected:?}"));

    // The ledger closes the fault at the repair: the engine still runs,
    // and the fault's recovery is far from over.
    let ledger_dir = test_ledger_dir();
    wait_until(WAIT, "the ledger to hold no open fault", || {
        read_open(&ledger_dir).is_empty()
    });
    assert!(
        super::fault_fixtures::now() < expires_at,
        "settled only at the expiry ({expires_at})"
    );
    assert!(engine.is_running(), "the engine exited");
    // The ledger is closed just before the settle is logged: wait for the
    // log line too.
    wait_until(WAIT, "the settle to be logged", || {
        !engine
            .events_matching("Docker fault settled after repair", Some("settled"))
            .is_empty()
    });
    let settled = engine.events_matching("Docker fault settled after repair", Some("settled"));
    assert_eq!(settled.len(), 1, "{:?}", engine.events());
    assert!(
        settled[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("already running")),
        "{settled:?}"
    );
    let said = status(&targets);
    assert!(said.contains("settled: "), "{said}");
    assert!(!said.contains("in effect"), "{said}");
    assert!(said.contains("running"), "{said}");

    let (exit, _) = engine.terminate();
    assert!(exit.success(), "exit {exit}");
    // Ended once (by the repair); the shutdown found nothing of ours left.
    let ends = journal_events(&journal, "ended");
    assert_eq!(
        ends.iter().filter(|e| e["target"] == "settled").count(),
        1,
        "{ends:?}"
    );
    assert!(
        engine
            .events_matching("No fault of ours in effect (shutdown)", Some("settled"))
            .len()
            == 1,
        "{:?}",
        engine.events()
    );
    assert!(read_open(&ledger_dir).is_empty());
    assert!(
        helpers.left().is_empty(),
        "helpers left: {:?}",
        helpers.left()
    );
}
