//! A `drain` or `scale` set back by someone else while the engine holds
//! it, through the real binary on a single-node swarm ([`SwarmNode`]): the
//! journal's `ended` names the repair (`docker service scale`, `docker
//! node update`) within a minute, the ledger is closed, and the engine's
//! clear at SIGTERM leaves the field as that someone set it.

use std::process::Stdio;
use std::time::Duration;

use chaos_engine::docker::ledger::read_open;

use super::docker::{docker, run_ok};
use super::engine_helpers::{journal_events, test_ledger_dir, wait_until, Engine, Workspace};
use super::fault_fixtures::net_helper_image;
use super::swarm_fixtures::{ServiceGuard, SwarmNode};

const WAIT: Duration = Duration::from_secs(60);

/// A targets file with one Swarm target `api` on `service`, its first
/// fault at once and held for 2 minutes, and the one scenario `scenario`.
fn targets_file(service: &ServiceGuard<'_>, scenario: &str) -> String {
    format!(
        "defaults: {{ interval: 2h, recovery: 2m, startup_wait: 0 }}\n\
         policy:\n  min_interval: 0\n  docker: {{ net_image: {} }}\n\
         targets:\n  - name: api\n    swarm: {{ service: {} }}\n    scenarios:\n      - {scenario}\n",
        net_helper_image(),
        service.name()
    )
}

/// The service's configured replicas now.
fn replicas(service: &ServiceGuard<'_>) -> String {
    run_ok(&mut docker(&[
        "service",
        "inspect",
        "--format",
        "{{.Spec.Mode.Replicated.Replicas}}",
        service.name(),
    ]))
    .trim()
    .to_owned()
}

/// The local node's id (`docker node update` takes no `self` on every
/// CLI).
fn node_id() -> String {
    run_ok(&mut docker(&["info", "--format", "{{.Swarm.NodeID}}"]))
        .trim()
        .to_owned()
}

/// The local node's availability now (`active`, `drain`).
fn availability() -> String {
    run_ok(&mut docker(&[
        "node",
        "inspect",
        "self",
        "--format",
        "{{.Spec.Availability}}",
    ]))
    .trim()
    .to_owned()
}

/// Sets the node active again, whatever a failed test left.
struct ActiveAgain(String);

impl Drop for ActiveAgain {
    fn drop(&mut self) {
        let _ = docker(&["node", "update", "--availability", "active", &self.0])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

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
    let targets = ws.targets(&targets_file(service, scenario));
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
        || replicas(&service) == "0",
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
    assert_eq!(replicas(&service), "2", "{}", service.describe());
    service.wait_running(2);
}

#[test]
#[ignore = "needs a Docker Engine that can be a swarm manager and the base images; .ci/run runs it"]
fn swarm_a_drain_undone_by_hand_is_a_repair_and_stays_undone() {
    let node = SwarmNode::join();
    let id = node_id();
    let _active = ActiveAgain(id.clone());
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
