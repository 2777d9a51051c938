//! The shipped Compose demo as a newcomer starts it (its own targets file,
//! nothing compressed): the engine says it waits 10 s for target-app, and
//! target-app's failure is the first one the journal records, well before
//! the built-in 60 s startup wait would have ended.

use std::time::Duration;

use serde_json::Value;

use crate::docker::{build_image, run, run_ok, wait_for, ComposeProject};
use crate::fault_fixtures::net_helper_image;

/// The journal, as the Compose file has the engine write it.
const JOURNAL: &str = "/var/lib/chaos/chaos-journal.jsonl";

/// Far above the 10 s the targets file sets, far below the 60 s a
/// newcomer waited before: the bound holds on a loaded machine, and the
/// built-in startup wait would break it.
const FIRST_FAULT_BOUND_S: f64 = 40.0;

/// The journal's lines so far; empty until the engine has written it.
fn journal(project: &ComposeProject) -> Vec<Value> {
    let output = run(&mut project.compose(&["exec", "-T", "target-app", "cat", JOURNAL]));
    if !output.status.success() {
        return Vec::new();
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn the_shipped_compose_demo_shows_its_first_failure_within_seconds() {
    build_image();
    net_helper_image();
    let dir = tempfile::tempdir().unwrap();
    // The shipped files as they are: the override changes nothing.
    let project = ComposeProject::new(
        "first-fault",
        dir.path(),
        "version: \"2.4\"\nservices:\n  chaos-engine:\n    environment:\n      RUST_LOG: info\n",
    );
    run_ok(&mut project.compose(&["up", "-d"]));

    let (started, first) = wait_for(
        Duration::from_secs(240),
        "the first injection in the journal",
        || {
            let lines = journal(&project);
            let at = |event: &str| lines.iter().find(|line| line["event"] == event).cloned();
            Some((at("engine_started")?, at("injected")?))
        },
        || project.logs(),
    );
    assert_eq!(first["target"], "target-app", "{first}");
    let after = first["timestamp"].as_f64().unwrap() - started["timestamp"].as_f64().unwrap();
    assert!(
        after < FIRST_FAULT_BOUND_S,
        "the first failure came {after:.1} s after the engine started:\n{}",
        project.logs()
    );
    let logs = project.logs();
    assert!(
        logs.contains("Waiting 10s for target-app to stabilize"),
        "{logs}"
    );
    let left = project.down();
    assert!(left.is_empty(), "left behind: {left:?}");
}
