//! Wall-clock time, behind one abstraction.
//!
//! State files carry Unix timestamps (`timestamp`, `expires_at`). Everything
//! that stamps a record asks a [`Clock`], so tests can use a fixed one.
//! Scheduling (how long to wait) uses the async runtime's monotonic timer,
//! which time-compressed schedules shrink instead of faking.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of "now" as seconds since the Unix epoch.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Seconds since the Unix epoch, with sub-second precision.
    fn unix_now(&self) -> f64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn unix_now(&self) -> f64 {
        // A system clock set before 1970 is reported as the epoch itself.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
    }
}

/// A clock that always says the same instant; for tests.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub f64);

impl Clock for FixedClock {
    fn unix_now(&self) -> f64 {
        self.0
    }
}

/// The shared clock handle actors and commands hold.
pub type SharedClock = Arc<dyn Clock>;

/// The system clock as a shared handle.
pub fn system_clock() -> SharedClock {
    Arc::new(SystemClock)
}

/// Rounds a timestamp to milliseconds so files stay short and readable.
pub fn round_millis(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// Milliseconds from Unix time `from` to `to` (never negative), to the
/// microsecond: the `*_ms` fields of the journal.
pub fn millis_between(from: f64, to: f64) -> f64 {
    ((to - from).max(0.0) * 1e6).round() / 1e3
}

/// `duration` in milliseconds, to the microsecond.
pub fn duration_ms(duration: std::time::Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

/// Unix time `seconds` as an RFC 3339 UTC instant to the millisecond
/// (`2026-11-29T10:05:13.250Z`); a time before 1970 shows as the epoch.
pub fn format_unix(seconds: f64) -> String {
    let since_epoch = Duration::try_from_secs_f64(seconds).unwrap_or_default();
    humantime::format_rfc3339_millis(std::time::UNIX_EPOCH + since_epoch).to_string()
}

/// Shows a duration the way users write one, in seconds: `180s`, `0.25s`,
/// `0.0015s` (down to the microsecond, so distinct values look distinct).
pub fn format_duration(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        return format!("{}s", duration.as_secs());
    }
    let text = format!("{:.6}", duration.as_secs_f64());
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "0" {
        format!("{}ns", duration.as_nanos())
    } else {
        format!("{text}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_show_as_utc_instants() {
        assert_eq!(format_unix(1_795_629_600.25), "2026-11-25T18:00:00.250Z");
        assert_eq!(format_unix(-5.0), "1970-01-01T00:00:00.000Z");
    }
}
