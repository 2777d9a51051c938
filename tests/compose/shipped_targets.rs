//! The demo's targets file is valid, and its schedule shows every service
//! failing in the first minutes: target-app's first failure comes within
//! 15 s, inventory's first turn after that failure is over, and
//! target-db's after inventory's, so the cap of 1 skips neither.

use std::process::Command;

use crate::demo_inventory::INVENTORY;
use crate::docker::repo_root;

#[test]
fn the_demo_targets_file_is_valid_and_staggers_the_first_failures() {
    // The state directory only exists in the containers: point it here.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo_root().join("targets.compose.yaml")).unwrap();
    let file = dir.path().join("targets.yaml");
    std::fs::write(
        &file,
        text.replace("/var/lib/chaos", dir.path().to_str().unwrap()),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_chaos-engine"))
        .env_clear()
        .args(["validate", "--targets", file.to_str().unwrap()])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let setting = |target: &str, key: &str| -> f64 {
        let section = report
            .split(&format!("target {target}\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("no {target} in:\n{report}"));
        let value = section
            .lines()
            .find_map(|line| line.trim().strip_prefix(&format!("{key}:")))
            .unwrap_or_else(|| panic!("no {key} for {target}"));
        value.trim().trim_end_matches('s').parse().unwrap()
    };
    assert!(
        report.contains("at most 1 concurrent failure(s), skip when capped"),
        "{report}"
    );
    let first = setting("target-app", "startup_wait");
    assert!(
        first <= 15.0,
        "the demo's first failure comes after {first} s: a newcomer sees nothing for that long"
    );
    // Each next target's first turn comes once the one before is over.
    let order = ["target-app", INVENTORY, "target-db"];
    for pair in order.windows(2) {
        let before_over = setting(pair[0], "startup_wait") + setting(pair[0], "recovery");
        let next = setting(pair[1], "startup_wait");
        assert!(
            next > before_over,
            "{}'s first turn ({next} s) would be skipped: {} fails until {before_over} s",
            pair[1],
            pair[0]
        );
        assert!(
            next < setting("target-app", "interval"),
            "{} should fail within target-app's first interval",
            pair[1]
        );
    }
    // The Docker target keeps to the engine's own Compose project.
    assert!(
        report.contains("service inventory of the engine's own project"),
        "{report}"
    );
}
