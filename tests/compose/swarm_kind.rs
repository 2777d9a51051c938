//! The `swarm:` target kind through the real binary on a single-node
//! swarm ([`SwarmNode`]), checked from outside (`docker service inspect`,
//! `docker node inspect`, the journal, the ledger):
//!
//! - `validate`, `status`, and `inject` of `scale` and `drain` held for
//!   `--for` and set back after it;
//! - a `scale` left by a killed `inject` is set back by `recover`;
//! - the engine kills a task and sees Swarm replace it (`repaired_by:
//!   swarm`), then exits 0 on SIGTERM with the service's replicas running;
//! - a target given by service `labels:` finds its one service at each
//!   use: `validate` lists its tasks, `inject` pauses and unpauses one, and
//!   labels that match no service fail `validate` (exit 2).

use std::process::Stdio;
use std::time::Duration;

use chaos_engine::docker::ledger::read_open;

use super::docker::{docker, run_ok};
use super::engine_helpers::{
    command, journal_events, run_once, test_ledger_dir, wait_until, Engine, Workspace,
};
use super::swarm_fixtures::{
    availability, configured_replicas, swarm_targets_file, ActiveAgain, ServiceGuard, SwarmNode,
};

const WAIT: Duration = Duration::from_secs(60);

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const SCENARIOS: &str = "      - { name: KILL_TASK, mode: kill, weight: 1 }\n      \
                         - { name: SCALE_0, mode: scale, weight: 1, replicas: 0 }\n      \
                         - { name: DRAIN, mode: drain, weight: 1 }\n";

#[test]
#[ignore = "needs a Docker Engine that can be a swarm manager and the base images; .ci/run runs it"]
fn swarm_target_validate_status_and_held_scale_and_drain() {
    let node = SwarmNode::join();
    let _active = ActiveAgain;
    let service = node.service("kind", 2);
    let ws = Workspace::new();
    let targets = ws.targets(&swarm_targets_file(&service, "30s", SCENARIOS));
    let targets = targets.to_str().unwrap();

    let validate = run_once(&["validate", "--targets", targets], &[]);
    let shown = text(&validate);
    assert!(validate.status.success(), "{shown}");
    assert!(
        shown.contains(&format!("swarm:        service {} on", service.name())),
        "{shown}"
    );
    assert!(shown.contains("tasks now:    2 running: "), "{shown}");
    assert!(
        shown.contains("SCALE_0              scale the service to 0 replicas"),
        "{shown}"
    );

    let status = run_once(&["status", "--targets", targets], &[]);
    let shown = text(&status);
    assert!(shown.starts_with("api: healthy ("), "{shown}");
    assert!(
        shown.contains(&format!("[service {}]", service.name())),
        "{shown}"
    );

    // scale, held for --for, then set back.
    let journal = ws.path("journal.jsonl");
    let held = |scenario: &str| {
        command(&[])
            .args([
                "inject",
                "--scenario",
                scenario,
                "--for",
                "4s",
                "--targets",
                targets,
                "--journal",
                journal.to_str().unwrap(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn inject")
    };
    let child = held("SCALE_0");
    wait_until(WAIT, "the service scaled to 0", || {
        configured_replicas(&service) == "0"
    });
    let output = child.wait_with_output().expect("inject ends");
    let shown = text(&output);
    assert!(output.status.success(), "{shown}");
    assert!(
        shown.contains(&format!(
            "💥 Injected SCALE_0 (scale) into api: {}",
            service.name()
        )),
        "{shown}"
    );
    assert!(shown.contains("✓ api: fault undone"), "{shown}");
    assert_eq!(configured_replicas(&service), "2", "{}", service.describe());
    service.wait_running(2);

    // drain, held, then the node active again.
    let child = held("DRAIN");
    wait_until(WAIT, "the node drained", || availability() == "drain");
    let output = child.wait_with_output().expect("inject ends");
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(availability(), "active");
    service.wait_running(2);

    // Both journalled as applied, then ended by hand; nothing left open.
    let applying = journal_events(&journal, "fault_applying");
    let modes: Vec<&str> = applying.iter().filter_map(|e| e["mode"].as_str()).collect();
    assert_eq!(modes, ["scale", "drain"], "{applying:?}");
    assert_eq!(applying[0]["restore"]["before"], "2", "{applying:?}");
    assert!(read_open(&test_ledger_dir()).is_empty());
}

#[test]
#[ignore = "needs a Docker Engine that can be a swarm manager and the base images; .ci/run runs it"]
fn a_scale_left_by_a_killed_inject_is_set_back_by_recover() {
    let node = SwarmNode::join();
    let service = node.service("recover", 2);
    let ws = Workspace::new();
    let targets = ws.targets(&swarm_targets_file(&service, "30s", SCENARIOS));
    let targets = targets.to_str().unwrap();
    let mut child = command(&[])
        .args([
            "inject",
            "--scenario",
            "SCALE_0",
            "--for",
            "5m",
            "--targets",
            targets,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn inject");
    wait_until(WAIT, "the service scaled to 0", || {
        configured_replicas(&service) == "0" && !read_open(&test_ledger_dir()).is_empty()
    });
    child.kill().expect("kill -9 the inject");
    child.wait().expect("reap it");
    assert_eq!(configured_replicas(&service), "0");

    let recovered = run_once(&["recover", "--targets", targets], &[]);
    let shown = text(&recovered);
    assert!(recovered.status.success(), "{shown}");
    assert!(shown.contains("replicas 0 -> 2"), "{shown}");
    assert_eq!(configured_replicas(&service), "2");
    assert!(read_open(&test_ledger_dir()).is_empty());
    service.wait_running(2);
}

#[test]
#[ignore = "needs a Docker Engine that can be a swarm manager and the base images; .ci/run runs it"]
fn the_engine_kills_a_swarm_task_and_sees_swarm_replace_it() {
    let node = SwarmNode::join();
    let service = node.service("engine", 1);
    let ws = Workspace::new();
    let targets = ws.targets(&swarm_targets_file(
        &service,
        "2m",
        "      - { name: KILL_TASK, mode: kill, weight: 1 }\n",
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
    wait_until(WAIT, "the kill repaired by Swarm", || {
        journal_events(&journal, "ended")
            .iter()
            .any(|e| e["repaired_by"] == "swarm")
    });
    let (status, _) = engine.terminate();
    assert!(status.success(), "the engine exits 0 on SIGTERM");
    let ended = journal_events(&journal, "ended");
    assert_eq!(ended[0]["ended_by"], "repair", "{ended:?}");
    assert!(
        ended[0]["manifested_at"].is_number(),
        "went down: {ended:?}"
    );
    service.wait_running(1);
    assert_eq!(service.running().len(), 1, "{}", service.describe());
    assert!(read_open(&test_ledger_dir()).is_empty());
}

/// The ids of `service`'s paused task containers.
fn paused(service: &ServiceGuard<'_>) -> Vec<String> {
    run_ok(&mut docker(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=chaos-engine.test={}", service.name()),
        "--filter",
        "status=paused",
    ]))
    .lines()
    .map(str::to_owned)
    .collect()
}

#[test]
#[ignore = "needs a Docker Engine that can be a swarm manager and the base images; .ci/run runs it"]
fn swarm_target_by_labels_finds_its_one_service_at_each_use() {
    let node = SwarmNode::join();
    let service = node.service("labels", 1);
    let ws = Workspace::new();
    let by_labels = |value: &str| {
        format!(
            "defaults: {{ interval: 2h, recovery: 30s, startup_wait: 0 }}\n\
             policy:\n  min_interval: 0\n\
             targets:\n  - name: api\n    swarm: {{ labels: {{ chaos-engine.test: {value} }} }}\n\
             \x20   scenarios:\n      - {{ name: PAUSE_TASK, mode: pause, weight: 1 }}\n"
        )
    };
    let targets = ws.targets(&by_labels(service.name()));
    let targets = targets.to_str().unwrap();

    let validate = run_once(&["validate", "--targets", targets], &[]);
    let shown = text(&validate);
    assert!(validate.status.success(), "{shown}");
    assert!(
        shown.contains(&format!(
            "swarm:        service labelled chaos-engine.test={} on",
            service.name()
        )),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("service now:  {}\n", service.name())),
        "{shown}"
    );
    assert!(shown.contains("tasks now:    1 running: "), "{shown}");

    let status = run_once(&["status", "--targets", targets], &[]);
    let shown = text(&status);
    assert!(
        shown.contains(&format!(
            "[service labelled chaos-engine.test={}]",
            service.name()
        )),
        "{shown}"
    );

    let child = command(&[])
        .args([
            "inject",
            "--scenario",
            "PAUSE_TASK",
            "--for",
            "4s",
            "--targets",
            targets,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn inject");
    wait_until(WAIT, "a task of the service paused", || {
        paused(&service).len() == 1
    });
    let output = child.wait_with_output().expect("inject ends");
    let shown = text(&output);
    assert!(output.status.success(), "{shown}");
    assert!(shown.contains("✓ api: fault undone"), "{shown}");
    assert!(paused(&service).is_empty(), "{}", service.describe());
    assert_eq!(service.running().len(), 1, "{}", service.describe());
    assert!(read_open(&test_ledger_dir()).is_empty());

    let nothing = format!("nothing-{}", std::process::id());
    let targets = ws.targets(&by_labels(&nothing));
    let validate = run_once(&["validate", "--targets", targets.to_str().unwrap()], &[]);
    let shown = text(&validate);
    assert_eq!(validate.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains(&format!(
            "error: target api: labels chaos-engine.test={nothing} match no service"
        )),
        "{shown}"
    );
}
