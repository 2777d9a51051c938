//! The demo's targets file is valid, and its schedule shows every service
//! failing in the first minutes: target-db's first turn comes after
//! target-app's first failure is over, and inventory's after target-db's,
//! so the cap of 1 skips neither.

use std::process::Command;

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
    let app_first_over = setting("target-app", "startup_wait") + setting("target-app", "recovery");
    let db_first = setting("target-db", "startup_wait");
    assert!(
        db_first > app_first_over,
        "target-db's first turn ({db_first} s) would be skipped: target-app fails until {app_first_over} s"
    );
    assert!(
        db_first < setting("target-app", "interval"),
        "target-db should fail within target-app's first interval"
    );
    // inventory (the Docker target) comes after target-db's first failure.
    let db_first_over = db_first + setting("target-db", "recovery");
    let inventory_first = setting("inventory", "startup_wait");
    assert!(
        inventory_first > db_first_over,
        "inventory's first turn ({inventory_first} s) would be skipped: target-db fails until {db_first_over} s"
    );
    assert!(
        inventory_first < setting("target-app", "interval"),
        "inventory should fail within target-app's first interval"
    );
}
