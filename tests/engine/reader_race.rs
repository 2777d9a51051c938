//! A reader racing the writer never sees a partial, empty or invalid file.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (state, stop) = (state.clone(), Arc::clone(&stop));
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
            }
            (reads, versions)
        })
    };
    let started = Instant::now();
    std::thread::sleep(Duration::from_millis(2500));
    stop.store(true, Ordering::Relaxed);
    let (reads, versions) = reader.join().expect("reader saw only valid JSON");
    let (status, _) = engine.terminate();
    assert!(status.success());
    eprintln!(
        "{reads} reads, {versions} distinct contents in {:?}",
        started.elapsed()
    );
    assert!(reads > 1000, "only {reads} reads");
    assert!(
        versions > 50,
        "the writer only produced {versions} versions"
    );
}
