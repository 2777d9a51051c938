//! A reader racing the writer never sees a partial, empty or invalid file.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::helpers::{read_state, wait_until, Engine, Workspace};

#[test]
fn a_reader_in_a_tight_loop_never_sees_invalid_json() {
    let ws = Workspace::new();
    let state = ws.path("state.json");
    // As fast as the engine goes: a failure and a clear every 4 ms.
    let mut engine = Engine::start(
        &[
            "--interval",
            "4ms",
            "--recovery",
            "2ms",
            "--startup-wait",
            "0",
            "--min-interval",
            "0",
        ],
        &[
            ("FAILURE_STATE_FILE", state.to_str().unwrap()),
            ("RUST_LOG", "warn"),
        ],
    );
    wait_until(Duration::from_secs(10), "the first write", || {
        read_state(&state).is_some()
    });

    // The race goes on until the reader has seen this many different
    // contents (the writer's speed depends on the machine, not the count).
    const VERSIONS: u64 = 200;
    const READS: u64 = 1000;
    let stop = Arc::new(AtomicBool::new(false));
    let progress = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
    let reader = {
        let (state, stop, progress) = (state.clone(), Arc::clone(&stop), Arc::clone(&progress));
        std::thread::spawn(move || {
            let (mut reads, mut versions, mut last) = (0u64, 0u64, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                let bytes = std::fs::read(&state).expect("the state file never disappears");
                let value: serde_json::Value =
                    serde_json::from_slice(&bytes).unwrap_or_else(|err| {
                        panic!(
                            "invalid JSON after {reads} reads ({err}): {:?}",
                            String::from_utf8_lossy(&bytes)
                        )
                    });
                assert!(
                    value["mode"].is_string() && value["delay"].is_u64(),
                    "{value}"
                );
                if bytes != last {
                    versions += 1;
                    last = bytes;
                }
                reads += 1;
                progress.0.store(reads, Ordering::Relaxed);
                progress.1.store(versions, Ordering::Relaxed);
            }
            (reads, versions)
        })
    };
    wait_until(
        Duration::from_secs(120),
        &format!("{READS} reads and {VERSIONS} versions (or the reader to fail)"),
        || {
            reader.is_finished()
                || (progress.0.load(Ordering::Relaxed) >= READS
                    && progress.1.load(Ordering::Relaxed) >= VERSIONS)
        },
    );
    stop.store(true, Ordering::Relaxed);
    let (reads, versions) = reader.join().expect("reader saw only valid JSON");
    let (status, _) = engine.terminate();
    assert!(status.success());
    eprintln!("{reads} reads, {versions} distinct contents");
    assert!(reads >= READS, "only {reads} reads");
    assert!(
        versions >= VERSIONS,
        "the writer only produced {versions} versions"
    );
}
