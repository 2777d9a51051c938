//! The counters the delayer prints in one line when it stops.

use std::fmt;
use std::time::Duration;

/// What happened to the packets of the queue.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stats {
    /// Packets held and then accepted (including those with no delay).
    pub held: u64,
    /// Packets dropped (loss).
    pub dropped: u64,
    /// Copies sent (duplicate).
    pub duplicated: u64,
    /// Duplicates decided but not sent (no raw socket for its family, not IP, send failed).
    pub duplicate_failed: u64,
    /// Packets accepted with a flipped byte.
    pub corrupted: u64,
    /// Packets accepted at once because `--max-held` were already held.
    pub overflowed: u64,
    /// Our own copies seen again in the queue, accepted at once.
    pub own_copies: u64,
    /// Verdicts the kernel refused.
    pub verdict_errors: u64,
    /// Times the queue's socket overflowed while the delayer was off the
    /// processor: the kernel let the packets it could not queue pass at
    /// once, undelayed (fail-open), how many is not told.
    pub socket_overflows: u64,
    /// The most any packet left after its release time.
    pub max_lateness: Duration,
}

impl Stats {
    /// Counts a release `lateness` after its time.
    pub fn released(&mut self, lateness: Duration) {
        self.held += 1;
        self.max_lateness = self.max_lateness.max(lateness);
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "held={} dropped={} duplicated={} duplicate_failed={} corrupted={} overflowed={} own_copies={} verdict_errors={} socket_overflows={} max_lateness={:.3}ms",
            self.held,
            self.dropped,
            self.duplicated,
            self.duplicate_failed,
            self.corrupted,
            self.overflowed,
            self.own_copies,
            self.verdict_errors,
            self.socket_overflows,
            self.max_lateness.as_secs_f64() * 1000.0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line() {
        let mut s = Stats::default();
        s.released(Duration::from_micros(1500));
        s.released(Duration::from_micros(200));
        s.dropped = 2;
        let line = s.to_string();
        assert!(!line.contains('\n'));
        assert!(line.starts_with("held=2 dropped=2 duplicated=0"), "{line}");
        assert!(line.ends_with("max_lateness=1.500ms"), "{line}");
    }
}
