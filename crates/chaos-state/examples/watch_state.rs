//! Prints what a target app would do right now, once a second, as the state
//! file changes: the reader a Rust target app would put in its middleware.
//!
//! Run: `cargo run -p chaos-state --example watch_state -- /tmp/failure_state.json`

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chaos_state::CachedReader;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/failure_state.json".to_owned());
    let reader = CachedReader::new(&path);
    println!("watching {path} (Ctrl-C to stop)");
    loop {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        match reader.failure_at(now) {
            Some(failure) if failure.mode == "slow" => {
                println!("slow: every request waits {}s", failure.delay)
            }
            Some(failure) => println!("{}: act it out", failure.mode),
            None => println!("healthy"),
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}
