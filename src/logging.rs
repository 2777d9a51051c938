//! Log output: readable text by default, one JSON object per line with
//! `--log-format json`. Every engine event carries the structured fields
//! `target`, `scenario`, `mode`, `delay` and `id` where they apply.
//!
//! The filter comes from `RUST_LOG` (default `info`). Logs go to standard
//! output, as the original service's did, so `docker logs` shows them. If
//! standard output breaks (a closed pipe, a full disk), that is said once
//! on standard error and later events are dropped, instead of one error
//! line per event.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Safe to call more than once (later calls
/// are ignored), so tests and commands need not coordinate.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| LogOutput)
        // The module path adds nothing for users; the `target` *field*
        // (the target service's name) is what matters.
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
    };
}

/// Set once a write to standard output failed.
static STDOUT_BROKEN: AtomicBool = AtomicBool::new(false);

/// Standard output, until it breaks; nothing after that.
struct LogOutput;

impl Write for LogOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !STDOUT_BROKEN.load(Ordering::Relaxed) {
            if let Err(err) = std::io::stdout().write_all(buf) {
                if !STDOUT_BROKEN.swap(true, Ordering::Relaxed) {
                    eprintln!("chaos-engine: cannot write logs to standard output ({err}); dropping them from now on");
                }
            }
        }
        // Reported above, once: tracing would print an error per event.
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = std::io::stdout().flush();
        Ok(())
    }
}
