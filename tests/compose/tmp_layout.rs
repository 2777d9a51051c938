//! The image's defaults, as target apps written for the original service
//! use them: everything as root, sharing `/tmp` (sticky), the engine in
//! single-target mode on `/tmp/failure_state.json`.

use std::time::Duration;

use serde_json::Value;

use crate::docker::{
    assert_cleared_at_shutdown, build_image, docker, inspect, parse_published_port, run, run_ok,
    wait_for, Labelled, IMAGE,
};
use crate::http;

const TIMEOUT: Duration = Duration::from_secs(10);

/// What the target's middleware sees in its state file (`/debug/state`).
fn seen_record(port: u16) -> Option<Value> {
    let seen = http::get(port, "/debug/state", TIMEOUT).ok()?.json();
    Some(seen["file"]["record"].clone()).filter(|record| !record.is_null())
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn the_image_defaults_share_tmp_with_a_root_target() {
    build_image();
    let guard = Labelled::new("tmp-layout");
    let label = guard.label();
    let volume = format!("chaos-e2e-{}", guard.id);
    run_ok(&mut docker(&[
        "volume", "create", "--label", &label, &volume,
    ]));
    let mount = format!("{volume}:/tmp");

    // The target starts first and writes /tmp/failure_state.json as root.
    let target = guard.run_detached(&[
        "-v",
        &mount,
        "-p",
        "127.0.0.1::8000",
        "--entrypoint",
        "chaos-target",
        IMAGE,
    ]);
    let target = target.as_str();
    let port = parse_published_port(&run_ok(&mut docker(&["port", target, "8000"]))).unwrap();
    let startup = wait_for(
        Duration::from_secs(60),
        "the target's startup record",
        || seen_record(port),
        || run_ok(&mut docker(&["logs", target])),
    );
    assert_eq!(startup["cleared_by"], "target-app");
    let tmp = run_ok(&mut docker(&[
        "exec",
        target,
        "stat",
        "-c",
        "%a %u",
        "/tmp",
        "/tmp/failure_state.json",
    ]));
    assert_eq!(
        tmp.lines().collect::<Vec<_>>(),
        ["1777 0", "644 0"],
        "sticky /tmp, a root-owned file"
    );

    // A non-root engine could not replace that file; `validate` says why.
    let refused = run(&mut docker(&[
        "run", "--rm", "--label", &label, "-v", &mount, "--user", "10001", IMAGE, "validate",
    ]));
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("sticky directory /tmp"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // The image as it is (root, FAILURE_STATE_FILE=/tmp/failure_state.json)
    // on a compressed clock.
    let engine = guard.run_detached(&[
        "-v",
        &mount,
        "-e",
        "CHAOS_STARTUP_WAIT=0",
        "-e",
        "CHAOS_INTERVAL=2",
        "-e",
        "CHAOS_RECOVERY_PERIOD=1",
        "-e",
        "CHAOS_MIN_INTERVAL=0",
        IMAGE,
    ]);
    let engine = engine.as_str();
    assert_eq!(
        inspect(engine, "{{.Config.User}}").as_deref(),
        Some(""),
        "root by default"
    );
    let injected = wait_for(
        Duration::from_secs(60),
        "the engine's injection, seen by the target",
        || seen_record(port).filter(|record| record["injected_by"] == "chaos-engine"),
        || run_ok(&mut docker(&["logs", engine])),
    );
    assert_eq!(injected["target"], "target-app");
    assert_ne!(injected["mode"], "healthy");

    // `docker stop`: every target healthy, exit 0 before the grace period.
    run_ok(&mut docker(&["stop", "-t", "10", engine]));
    assert_eq!(inspect(engine, "{{.State.ExitCode}}").as_deref(), Some("0"));
    assert_cleared_at_shutdown(&seen_record(port).unwrap(), "/tmp/failure_state.json");

    let left = guard.remove_all();
    assert!(left.is_empty(), "left behind: {left:?}");
}
