//! Partial network faults on real containers, through the engine binary:
//! a loss fault lets some probes through, and none of them is a repair
//! (the fault runs to its deadline, `ended_by: recovery`); a fault whose
//! rules someone removes from the container's namespace (`iptables -F`,
//! `tc qdisc del`) ends by repair at once (`repaired_by: rules removed`),
//! the rest of its rules removed too, and the fault settled at once (its
//! helper gone, its ledger record closed). Checked from outside: the journal,
//! `report --format json`, HTTP through the published ports and the rules
//! listed in the namespace. Every container the tests or the engine make
//! is removed, also when a test fails (the guards below and the targets'
//! own).

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::docker::{docker, run, run_ok};
use super::engine_helpers::{
    journal_events, run_once, test_ledger_dir, wait_until, Engine, Workspace,
};
use super::fault_fixtures::{namespace_rules, net_helper_image, run_in_namespace, TargetContainer};
use chaos_engine::docker::ledger::read_open;

const WAIT: Duration = Duration::from_secs(60);

/// Removes every container the engine made for the targets (network
/// helpers, labelled with their subject), also when the test panics;
/// declared after the targets and before the engine, so the engine is
/// killed first, then this runs, then the targets go.
pub struct EngineHelpers(Vec<String>);

impl EngineHelpers {
    pub fn of(targets: &[&TargetContainer]) -> Self {
        EngineHelpers(targets.iter().map(|t| t.id().to_owned()).collect())
    }

    pub fn left(&self) -> Vec<String> {
        self.0
            .iter()
            .flat_map(|id| {
                let filter = format!("label=io.chaos-engine.subject={id}");
                run_ok(&mut docker(&["ps", "-aq", "--filter", &filter]))
                    .lines()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

impl Drop for EngineHelpers {
    fn drop(&mut self) {
        for id in self.left() {
            run(&mut docker(&["rm", "-f", &id]));
        }
    }
}

/// A Docker target selecting `container` by name, with a probe on its
/// published `/health` (1 s timeout, every 250 ms) and one network
/// scenario `name` doing `network`.
fn target(name: &str, container: &TargetContainer, scenario: &str, network: &str) -> String {
    format!(
        "  - name: {name}\n    docker: {{ container: {} }}\n    \
         probe: {{ url: \"http://127.0.0.1:{}/health\", timeout: 1s, period: 250ms }}\n    \
         scenarios:\n      - {{ name: {scenario}, mode: network, weight: 1, network: {network} }}\n",
        container.name(),
        container.port()
    )
}

/// Starts the engine on `targets` (each injected at once, lasting
/// `recovery`), journalling to the workspace's `journal.jsonl`.
fn start(ws: &Workspace, recovery: &str, targets: &str) -> Engine {
    let yaml = format!(
        "defaults: {{ interval: 2h, recovery: {recovery}, startup_wait: 0 }}\n\
         policy:\n  min_interval: 0\n  max_concurrent_failures: 4\n  \
         docker: {{ net_image: {} }}\ntargets:\n{targets}",
        net_helper_image()
    );
    let file = ws.targets(&yaml);
    let journal = ws.path("journal.jsonl");
    Engine::start(
        &[
            "--targets",
            file.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
            "--seed",
            "1",
        ],
        &[],
    )
}

/// The `ended` line of `target`, once there is one.
fn ended(journal: &Path, target: &str) -> Option<Value> {
    journal_events(journal, "ended")
        .into_iter()
        .find(|e| e["target"] == target)
}

fn injected(journal: &Path, target: &str) -> bool {
    journal_events(journal, "injected")
        .iter()
        .any(|e| e["target"] == target)
}

/// The failures of `report --format json` on `journal`, by target.
fn reported(journal: &Path, target: &str) -> Value {
    let output = run_once(
        &[
            "report",
            "--journal",
            journal.to_str().unwrap(),
            "--format",
            "json",
        ],
        &[],
    );
    assert!(output.status.success(), "{output:?}");
    let document: Value = serde_json::from_slice(&output.stdout).expect("report JSON");
    document["failures"]
        .as_array()
        .and_then(|failures| failures.iter().find(|f| f["target"] == target))
        .cloned()
        .unwrap_or_else(|| panic!("no failure of {target} in {document}"))
}

/// Runs `script` (as root, NET_ADMIN) in `container`'s network namespace,
/// as a person with Docker access would, from a throw-away container of
/// the helper image carrying the target's test label.
fn in_namespace(container: &TargetContainer, script: &str) {
    run_in_namespace(container.id(), container.label_value(), script);
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn partial_loss_lets_probes_through_and_still_ends_by_recovery() {
    let lossy = TargetContainer::start("loss30", &[]);
    let lossier = TargetContainer::start("loss60", &[]);
    let helpers = EngineHelpers::of(&[&lossy, &lossier]);
    let ws = Workspace::new();
    let journal = ws.path("journal.jsonl");
    let mut engine = start(
        &ws,
        "15s",
        &[
            target("lossy", &lossy, "LOSS30", "{ loss: 30% }"),
            target("lossier", &lossier, "LOSS60", "{ loss: 60% }"),
        ]
        .concat(),
    );
    wait_until(WAIT, "both loss faults in effect", || {
        injected(&journal, "lossy") && injected(&journal, "lossier")
    });
    // What a probe meets: until the fault ends, requests through the
    // 30 % loss both fail and get through.
    let (mut through, mut lost) = (0, 0);
    while ended(&journal, "lossy").is_none() && (through == 0 || lost == 0) {
        match lossy.get("/health", Duration::from_secs(1)) {
            Ok(200) => through += 1,
            _ => lost += 1,
        }
    }
    assert!(
        ended(&journal, "lossy").is_none(),
        "the fault ended before a request both got through and was lost \
         ({through} through, {lost} lost)"
    );
    wait_until(WAIT, "both loss faults to end", || {
        ended(&journal, "lossy").is_some() && ended(&journal, "lossier").is_some()
    });
    for (name, container) in [("lossy", &lossy), ("lossier", &lossier)] {
        let end = ended(&journal, name).unwrap();
        assert_eq!(end["ended_by"], "recovery", "{end}");
        assert_eq!(end["repaired_by"], Value::Null, "{end}");
        assert!(end["expired_at"].is_number(), "{end}");
        // The probe saw it (a lost probe), and nothing the probes saw
        // after that was taken for a repair.
        assert!(end["manifested_at"].is_number(), "{end}");
        let report = reported(&journal, name);
        assert_eq!(report["outcome"], "expired", "{report}");
        assert_eq!(report["ended_by"], "recovery", "{report}");
        assert_eq!(report["repaired_by"], Value::Null, "{report}");
        // The engine lifted it: the target answers again.
        wait_until(WAIT, "the target to answer again", || {
            container.get("/health", Duration::from_secs(2)) == Ok(200)
        });
    }
    assert!(
        engine.events_matching("repaired", None).is_empty(),
        "{:?}",
        engine.events_matching("repaired", None)
    );
    let (status, _) = engine.terminate();
    assert!(status.success(), "exit {status}");
    assert!(
        helpers.left().is_empty(),
        "helpers left: {:?}",
        helpers.left()
    );
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn network_rules_removed_by_hand_end_the_fault_by_repair() {
    let lossy = TargetContainer::start("flushed", &[]);
    let slow = TargetContainer::start("qdisc-deleted", &[]);
    let helpers = EngineHelpers::of(&[&lossy, &slow]);
    let ws = Workspace::new();
    let journal = ws.path("journal.jsonl");
    let mut engine = start(
        &ws,
        "5m",
        &[
            target("lossy", &lossy, "LOSS30", "{ loss: 30% }"),
            target("slow", &slow, "THROTTLE", "{ rate: 1mbit }"),
        ]
        .concat(),
    );
    wait_until(WAIT, "both faults in effect", || {
        injected(&journal, "lossy") && injected(&journal, "slow")
    });
    let rules = namespace_rules(lossy.id(), lossy.label_value());
    assert!(rules.contains("CHAOS_ENGINE_IN"), "{rules}");
    assert!(namespace_rules(slow.id(), slow.label_value()).contains("qdisc tbf"));

    // Someone flushes the IPv4 filter table (its IPv6 rules stay), and
    // someone deletes the other's token bucket.
    let removed_at = Instant::now();
    in_namespace(&lossy, "iptables -w -F");
    in_namespace(&slow, "tc qdisc del dev eth0 root");
    wait_until(WAIT, "both faults to end", || {
        ended(&journal, "lossy").is_some() && ended(&journal, "slow").is_some()
    });
    eprintln!(
        "both repairs recorded {:?} after the rules were removed",
        removed_at.elapsed()
    );
    for (name, container) in [("lossy", &lossy), ("slow", &slow)] {
        let end = ended(&journal, name).unwrap();
        assert_eq!(end["ended_by"], "repair", "{end}");
        assert_eq!(end["repaired_by"], "rules removed", "{end}");
        let report = reported(&journal, name);
        assert_eq!(report["outcome"], "repaired", "{report}");
        assert_eq!(report["repaired_by"], "rules removed", "{report}");
        // What was left of the fault went with it: no chain of either
        // family, no qdisc.
        let rules = namespace_rules(container.id(), container.label_value());
        assert!(
            !rules.contains("CHAOS_ENGINE") && !rules.contains("qdisc tbf"),
            "rules left behind:\n{rules}"
        );
        assert_eq!(
            container.get("/health", Duration::from_secs(5)),
            Ok(200),
            "{}",
            container.describe()
        );
    }
    let repairs = engine.events_matching("repaired", None);
    assert_eq!(repairs.len(), 2, "{repairs:?}");
    assert!(
        repairs.iter().all(|e| e["repaired_by"] == "rules removed"),
        "{repairs:?}"
    );
    // Settled at the repair, not at the 5 min expiry: the helpers that
    // exited are gone and the ledger holds neither fault, while the
    // engine still runs.
    let ledger_dir = test_ledger_dir();
    wait_until(WAIT, "both repaired faults to be settled", || {
        read_open(&ledger_dir).is_empty() && helpers.left().is_empty()
    });
    assert!(engine.is_running(), "the engine exited");
    assert_eq!(
        engine
            .events_matching("Docker fault settled after repair", None)
            .len(),
        2
    );
    let (status, _) = engine.terminate();
    assert!(status.success(), "exit {status}");
    assert!(
        helpers.left().is_empty(),
        "helpers left: {:?}",
        helpers.left()
    );
}
