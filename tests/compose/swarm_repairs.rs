//! A `drain` or `scale` set back by someone else while the engine holds
//! it, through the real binary on a single-node swarm ([`SwarmNode`]): the
//! journal's `ended` names the repair (`docker service scale`, `docker
//! node update`) within a minute, the ledger is closed, and the engine's
//! clear at SIGTERM leaves the field as that someone set it.

use std::time::Duration;

use chaos_engine::docker::ledger::read_open;

use super::docker::{docker, run_ok};
use super::engine_helpers::{journal_events, test_ledger_dir, wait_until, Engine, Workspace};
use super::swarm_fixtures::{
    availability, configured_replicas, node_id, swarm_targets_file, ActiveAgain, ServiceGuard,
    SwarmNode,
};

const WAIT: Duration = Duration::from_secs(60);

/// Runs the engine on `service` with `scenario`; once `in_effect` holds
/// (and the fault is journalled as injected), `undo_by_hand` runs; then
/// the journal's `ended` must name `repaired_by` within a minute, and the
/// engine exits 0 on SIGTERM. Prints the engine's log lines about it.
fn repaired_by_hand(
    service: &ServiceGuard<'_>,
    scenario: &str,
    in_effect: impl Fn() -> bool,
    undo_by_hand: impl FnOnce(),
    repaired_by: &str,
) {
    let ws = Workspace::new();
    let targets = ws.targets(&swarm_targets_file(
        service,
        "2m",
        &format!("      - {scenario}\n"),
    ));
    let journal = ws.path("journal.jsonl");
    let mut engine = Engine::start(
        &[
            "--targets",
            targets.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
        ],
        &[],
    );
    wait_until(WAIT, "the fault in effect", || {
        in_effect() && !journal_events(&journal, "injected").is_empty()
    });
    // Our own change, replayed by the events stream, is no repair.
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        journal_events(&journal, "ended").is_empty(),
        "ended before the undo"
    );
    undo_by_hand();
    wait_until(WAIT, "the repair in the journal", || {
        journal_events(&journal, "ended")
            .iter()
            .any(|e| e["repaired_by"] == repaired_by)
    });
    assert!(
        read_open(&test_ledger_dir()).is_empty(),
        "closed at the repair"
    );
    let (status, _) = engine.terminate();
    assert!(status.success(), "the engine exits 0 on SIGTERM");
    let ended = journal_events(&journal, "ended");
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert_eq!(ended[0]["ended_by"], "repair", "{ended:?}");
    for event in engine.events() {
        let message = event["message"].as_str().unwrap_or_default();
        if ["Injecting", "repaired", "settled", "Undone"]
            .iter()
            .any(|word| message.contains(word))
        {
            println!("{} {event}", event["level"]);
        }
    }
    assert!(
        engine.events_matching("Undone", None).is_empty(),
        "nothing set back after the repair"
    );
}

#[test]
#[ignore = "needs a Docker Engine that can be a swarm manager and the base images; .ci/run runs it"]
fn swarm_a_scale_undone_by_hand_is_a_repair_and_stays_undone() {
    let node = SwarmNode::join();
    let service = node.service("rescale", 2);
    repaired_by_hand(
        &service,
        "{ name: SCALE_0, mode: scale, weight: 1, replicas: 0 }",
        || configured_replicas(&service) == "0",
        || {
            run_ok(&mut docker(&[
                "service",
                "scale",
                "--detach",
                &format!("{}=2", service.name()),
            ]));
        },
        "docker service scale",
    );
    assert_eq!(configured_replicas(&service), "2", "{}", service.describe());
    service.wait_running(2);
}

#[test]
#[ignore = "needs a Docker Engine that can be a swarm manager and the base images; .ci/run runs it"]
fn swarm_a_drain_undone_by_hand_is_a_repair_and_stays_undone() {
    let node = SwarmNode::join();
    let id = node_id();
    let _active = ActiveAgain;
    let service = node.service("undrain", 1);
    repaired_by_hand(
        &service,
        "{ name: DRAIN, mode: drain, weight: 1 }",
        || availability() == "drain",
        || {
            run_ok(&mut docker(&[
                "node",
                "update",
                "--availability",
                "active",
                &id,
            ]));
        },
        "docker node update",
    );
    assert_eq!(availability(), "active");
    service.wait_running(1);
}
