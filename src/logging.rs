//! Log output: readable text by default, one JSON object per line with
//! `--log-format json`. Every engine event carries the structured fields
//! `target`, `scenario`, `mode`, `delay` and `id` where they apply.
//!
//! The filter comes from `RUST_LOG` (default `info`). Logs go to standard
//! output, as the original service's did, so `docker logs` shows them.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Safe to call more than once (later calls
/// are ignored), so tests and commands need not coordinate.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stdout)
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
