//! A Swarm target whose task runs on another node than the manager's, on
//! the simulated two-node swarm of [`TwoNodeSwarm`], through the real
//! binary: the engine reaches the manager's Engine (`swarm.host`) and
//! `node2`'s (`policy.swarm.nodes`), both over TCP on 127.0.0.1.
//!
//! - a kill of the task on `node2` goes through `node2`'s Engine, and
//!   Swarm's replacement, read from the manager's task list, ends it as a
//!   repair by `swarm`;
//! - a drain of `node2` (the node of the picked task) is set through the
//!   manager and made active again at recovery;
//! - a partition of the task on `node2` left behind by kill -9 of the
//!   engine is undone by `recover` through `node2`'s Engine, from the
//!   ledger; `validate` and `status` show that task on node2 first;
//! - the manager's task list alone (no Engine's events) tells Swarm's
//!   replacement, wherever it runs.

use std::time::Duration;

use chaos_engine::docker::ledger::read_open;

use super::engine_helpers::{
    journal_events, run_once, start_journalled, test_ledger_dir, wait_until,
};
use super::swarm_cluster::TwoNodeSwarm;

const WAIT: Duration = Duration::from_secs(90);

/// What a one-shot command printed, standard output then error.
fn output_text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
#[ignore = "needs a Docker Engine and the swarm node image (.ci/docker-bases.sh); .ci/run runs it"]
fn swarm_nodes_a_task_killed_on_node2_is_replaced_by_swarm() {
    let cluster = TwoNodeSwarm::start();
    let service = cluster.service_on_worker("kill");
    let first = cluster.wait_task_on_worker(&service);
    let (_ws, journal, mut engine) = start_journalled(
        &cluster.targets_file(&service, "2m", "{ name: KILL_TASK, mode: kill, weight: 1 }"),
        &[],
    );
    wait_until(WAIT, "the repair by swarm in the journal", || {
        journal_events(&journal, "ended")
            .iter()
            .any(|e| e["repaired_by"] == "swarm")
    });
    // The task hit was node2's, reached through node2's Engine.
    let applying = journal_events(&journal, "fault_applying");
    assert_eq!(applying.len(), 1, "{applying:?}");
    assert_eq!(applying[0]["containers"][0]["id"], first.as_str());
    assert_eq!(
        applying[0]["unit_hosts"][first.as_str()]["node"],
        "node2",
        "{applying:?}"
    );
    assert_eq!(
        applying[0]["unit_hosts"][first.as_str()]["host"],
        cluster.worker().host.as_str()
    );
    assert_eq!(cluster.worker().state(&first), "exited");
    // Swarm's new task runs on node2 (its constraint), in another container.
    let second = cluster.wait_task_on_worker(&service);
    assert_ne!(second, first, "{}", cluster.describe(&service));
    let (status, _) = engine.terminate();
    assert!(status.success(), "the engine exits 0 on SIGTERM");
    let ended = journal_events(&journal, "ended");
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert_eq!(ended[0]["ended_by"], "repair", "{ended:?}");
    assert!(read_open(&test_ledger_dir()).is_empty(), "ledger closed");
    assert!(
        engine.events_matching("started again", None).is_empty(),
        "the engine never starts a replaced task itself"
    );
}

#[test]
#[ignore = "needs a Docker Engine and the swarm node image (.ci/docker-bases.sh); .ci/run runs it"]
fn swarm_nodes_node2_is_drained_and_active_again_at_recovery() {
    let cluster = TwoNodeSwarm::start();
    let service = cluster.service_on_worker("drain");
    let (_ws, journal, mut engine) = start_journalled(
        &cluster.targets_file(&service, "6s", "{ name: DRAIN, mode: drain, weight: 1 }"),
        &[],
    );
    wait_until(WAIT, "node2 drained", || {
        cluster.worker_availability() == "drain"
    });
    // Drained: node2's task stops, and its constraint keeps it off node1.
    wait_until(WAIT, "no task running on node2", || {
        cluster.worker().tasks_running(&service).is_empty()
    });
    wait_until(WAIT, "the recovery in the journal", || {
        journal_events(&journal, "cleared")
            .iter()
            .any(|e| e["reason"] == "recovery")
    });
    assert_eq!(cluster.worker_availability(), "active");
    cluster.wait_task_on_worker(&service);
    let applying = journal_events(&journal, "fault_applying");
    assert_eq!(
        applying[0]["containers"][0]["name"], "node2",
        "{applying:?}"
    );
    let (status, _) = engine.terminate();
    assert!(status.success(), "the engine exits 0 on SIGTERM");
    assert!(read_open(&test_ledger_dir()).is_empty(), "ledger closed");
}

#[test]
#[ignore = "needs a Docker Engine and the swarm node image (.ci/docker-bases.sh); .ci/run runs it"]
fn swarm_nodes_a_partition_on_node2_left_by_kill_9_is_undone_by_recover() {
    let cluster = TwoNodeSwarm::start();
    let service = cluster.service_on_worker("partition");
    let task = cluster.wait_task_on_worker(&service);
    let targets = cluster.targets_file(
        &service,
        "5m",
        "{ name: PARTITION, mode: partition, weight: 1 }",
    );
    let (ws, journal, mut engine) = start_journalled(&targets, &[]);
    wait_until(WAIT, "the partition in effect on node2", || {
        !journal_events(&journal, "injected").is_empty()
            && cluster
                .worker()
                .namespace_rules(&task)
                .contains("CHAOS_ENGINE")
    });
    // `validate` and `status` reach the task through node2's Engine.
    let targets_path = ws.path("targets.yaml");
    let targets_arg = targets_path.to_str().unwrap();
    let validated = output_text(&run_once(&["validate", "--targets", targets_arg], &[]));
    println!("{validated}");
    assert!(
        validated.contains(&format!("({}) on node2", &task[..12])),
        "{validated}"
    );
    let status = output_text(&run_once(&["status", "--targets", targets_arg], &[]));
    println!("{status}");
    assert!(
        status.contains(&format!("({}) on node2 running", &task[..12]))
            && status.contains("partition in effect on"),
        "{status}"
    );
    engine.child.kill().expect("kill -9 the engine");
    engine.child.wait().expect("reap the engine");
    // Left behind on node2: its helper and its rules.
    assert!(!cluster.worker().helpers().is_empty(), "a helper on node2");
    assert_eq!(read_open(&test_ledger_dir()).len(), 1, "open in the ledger");
    let output = run_once(&["recover", "--targets", targets_arg], &[]);
    let text = output_text(&output);
    println!("{text}");
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains(&task[..12]),
        "names the task container: {text}"
    );
    let rules = cluster.worker().namespace_rules(&task);
    assert!(
        !rules.contains("CHAOS_ENGINE") && !rules.contains("qdisc tbf"),
        "rules left on node2:\n{rules}"
    );
    assert!(
        cluster.worker().helpers().is_empty(),
        "no helper left on node2"
    );
    assert!(read_open(&test_ledger_dir()).is_empty(), "ledger closed");
    assert_eq!(cluster.worker().state(&task), "running");
}

#[test]
#[ignore = "needs a Docker Engine and the swarm node image (.ci/docker-bases.sh); .ci/run runs it"]
fn swarm_nodes_the_managers_task_list_alone_sees_swarm_replace_a_task() {
    use std::collections::{BTreeMap, HashMap};

    use chaos_engine::docker::client::connect;
    use chaos_engine::docker::swarm_task::slot_of;
    use chaos_engine::docker::watch::{Watch, WatchKind, Watched};
    use chaos_engine::docker::{ContainerRef, Selector};

    let cluster = TwoNodeSwarm::start();
    let service = cluster.service_on_worker("poll");
    let first = cluster.wait_task_on_worker(&service);
    let runtime = super::fault_fixtures::runtime();
    runtime.block_on(async {
        let node2 = connect(Some(&cluster.worker().host), None).await.unwrap();
        let manager = connect(Some(&cluster.manager().host), None).await.unwrap();
        let container = ContainerRef {
            id: first.clone(),
            name: first.clone(),
        };
        let slot = slot_of(&node2, &container)
            .await
            .unwrap()
            .expect("a Swarm task's slot");
        let watched = Watched {
            kind: WatchKind::Down,
            hit: vec![container],
            helpers: Vec::new(),
            selector: Selector::Labels(BTreeMap::new()),
            restart_counts: HashMap::new(),
            slots: HashMap::from([(first.clone(), slot)]),
            expires_at: f64::MAX,
        };
        // No Engine's events at all: only the manager's task list.
        let watch = Watch::start(Vec::new(), Some(manager), watched, 0.0);
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(watch.verdict().is_none(), "no repair before the kill");
        cluster.worker().run_ok(&["kill", &first]);
        let deadline = std::time::Instant::now() + WAIT;
        let repaired = loop {
            if let Some(repaired) = watch.verdict() {
                break repaired;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no verdict: {}",
                cluster.describe(&service)
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert_eq!(repaired.repaired_by.as_deref(), Some("swarm"));
        assert!(
            repaired
                .how
                .contains(&format!("started in slot 1 of {service}")),
            "{}",
            repaired.how
        );
        watch.stop();
    });
}
