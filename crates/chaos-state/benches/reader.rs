//! What reading the state file costs a target app per request.
//!
//! Run: `cargo bench -p chaos-state --bench reader`
//!
//! Compares, on an unchanged state file holding an active failure:
//! - `stat` alone (the floor: what the cached reader must do per request);
//! - `CachedReader::failure_at` (stat, compare, share the cached record);
//! - the same with a 10 ms recheck window (chaos-target's default): no
//!   system call at all on most requests;
//! - `read_state` (open, read and parse every time: the naive middleware).
//!
//! A plain timing loop (no external harness): each case runs for about one
//! second after a warm-up; the best of five rounds is reported.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chaos_state::{read_state, write_atomic, CachedReader, FailureSpec, StateRecord};

fn measure(name: &str, mut op: impl FnMut()) -> f64 {
    for _ in 0..10_000 {
        op();
    }
    let mut best = f64::MAX;
    for _ in 0..5 {
        let started = Instant::now();
        let mut iterations = 0u64;
        while started.elapsed() < Duration::from_millis(200) {
            for _ in 0..1_000 {
                op();
            }
            iterations += 1_000;
        }
        best = best.min(started.elapsed().as_nanos() as f64 / iterations as f64);
    }
    println!("{name:<38} {best:>9.0} ns/request");
    best
}

fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("failure_state.json");
    let failure = StateRecord::failure(&FailureSpec {
        target: "target-app",
        scenario: "SLOWDOWN",
        mode: "slow",
        delay: 15,
        id: "0b9c6f3e-5d1c-4a55-9d59-2f3c2d7c9a10",
        timestamp: 1_704_617_280.5,
        expires_at: 4_000_000_000.0,
    });
    write_atomic(&path, &failure).expect("write the state file");
    let reader = CachedReader::new(&path);
    let windowed = CachedReader::with_recheck_after(&path, Duration::from_millis(10));

    println!("state file on {}", dir.path().display());
    let stat = measure("stat only (std::fs::metadata)", || {
        black_box(std::fs::metadata(black_box(&path)).ok());
    });
    let cached = measure("CachedReader::failure_at", || {
        black_box(reader.failure_at(black_box(1_704_617_290.0)));
    });
    let window = measure("CachedReader, 10 ms recheck window", || {
        black_box(windowed.failure_at(black_box(1_704_617_290.0)));
    });
    let uncached = measure("read_state (read + parse each time)", || {
        black_box(read_state(black_box(&path)));
    });
    println!(
        "cached reader: {:.2}x a bare stat, {:.1}x faster than re-reading; with the window {:.0}x faster than a stat",
        cached / stat,
        uncached / cached,
        stat / window
    );
}
