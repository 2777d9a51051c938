//! Golden output of `preview`: what a seed picks is pinned here, through the
//! real binary, so a change to the random sequence (generator, key
//! derivation or sampling; see `src/picker.rs`) fails the suite instead of
//! silently making old seeds replay differently. The `preview`
//! examples of docs/commands.md are the same runs.

use crate::helpers::{command, run_once, Workspace};

/// The two targets of the shipped `targets.yaml`, without their probes.
const TARGETS: &str = "\
targets:
  - name: target-app
    state_file: '{dir}/app.json'
  - name: target-db
    state_file: '{dir}/db.json'
    scenarios:
      - { name: NETWORK_PARTITION, mode: network_partition, weight: 2 }
      - { name: CRASH, mode: crash, weight: 1 }
      - { name: SLOWDOWN, mode: slow, weight: 1, delay: { min: 5, max: 15 } }
";

fn preview(ws: &Workspace, args: &[&str]) -> String {
    let targets = ws.targets(TARGETS);
    let mut all = vec!["preview", "--targets", targets.to_str().unwrap()];
    all.extend_from_slice(args);
    let output = run_once(&all, &[]);
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn preview_of_seed_42_is_pinned() {
    let ws = Workspace::new();
    assert_eq!(
        preview(&ws, &["--seed", "42", "--count", "10"]),
        "\
seed 42
target-app:
     1. SLOWDOWN [slow] (30s)
     2. CRASH [crash]
     3. SLOWDOWN [slow] (15s)
     4. SLOWDOWN [slow] (29s)
     5. CRASH [crash]
     6. CRASH [crash]
     7. SLOWDOWN [slow] (30s)
     8. CONFIG_ERROR [config_error]
     9. CRASH [crash]
    10. CRASH [crash]
target-db:
     1. NETWORK_PARTITION [network_partition]
     2. SLOWDOWN [slow] (11s)
     3. NETWORK_PARTITION [network_partition]
     4. NETWORK_PARTITION [network_partition]
     5. NETWORK_PARTITION [network_partition]
     6. CRASH [crash]
     7. CRASH [crash]
     8. NETWORK_PARTITION [network_partition]
     9. SLOWDOWN [slow] (15s)
    10. SLOWDOWN [slow] (7s)
"
    );
}

#[test]
fn preview_json_of_seed_7_is_pinned() {
    let ws = Workspace::new();
    assert_eq!(
        preview(
            &ws,
            &["--seed", "7", "--count", "2", "--target", "target-db", "--json"]
        ),
        "\
{\"n\":1,\"target\":\"target-db\",\"scenario\":\"SLOWDOWN\",\"mode\":\"slow\",\"delay\":12}
{\"n\":2,\"target\":\"target-db\",\"scenario\":\"NETWORK_PARTITION\",\"mode\":\"network_partition\",\"delay\":0}
"
    );
}

#[test]
fn a_thousand_picks_of_seed_42_have_the_documented_counts() {
    // docs/troubleshooting.md quotes these counts.
    // More than a pipe holds: read while it runs (`output`), not after.
    let ws = Workspace::new();
    let targets = ws.targets(TARGETS);
    let output = command(&[])
        .args(["preview", "--targets", targets.to_str().unwrap()])
        .args([
            "--seed",
            "42",
            "--count",
            "1000",
            "--target",
            "target-app",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let count = |name: &str| {
        text.lines()
            .filter(|line| line.contains(&format!("\"scenario\":\"{name}\"")))
            .count()
    };
    assert_eq!(
        (count("CRASH"), count("SLOWDOWN"), count("CONFIG_ERROR")),
        (305, 374, 321)
    );
}
