//! The coordination policy across targets: how many failures may be active
//! at once, what a target does when that cap is reached, how intervals are
//! jittered and stretched when the system is stressed.
//!
//! Pure values and arithmetic: the RecoveryActor enforces the cap, each
//! TargetActor plans its next start with [`Policy::next_interval`], and the
//! WeightedPicker draws the jitter. Time windows (weekday/hour, blackout)
//! live in [`crate::windows`].

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::windows::ChaosWindows;

/// What a target does when its turn comes while the cap is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WhenCapped {
    /// Skip this cycle (logged, journalled, counted); the next one comes
    /// one interval later as usual.
    #[default]
    Skip,
    /// Wait for a failure elsewhere to end, then inject; give up (and skip)
    /// when the next cycle is due.
    Wait,
}

impl WhenCapped {
    /// Parses `wait` or `skip`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "skip" => Ok(WhenCapped::Skip),
            "wait" => Ok(WhenCapped::Wait),
            other => Err(format!("expected `wait` or `skip`, got `{other}`")),
        }
    }

    /// `skip` or `wait`.
    pub fn as_str(self) -> &'static str {
        match self {
            WhenCapped::Skip => "skip",
            WhenCapped::Wait => "wait",
        }
    }
}

/// Stretch intervals while the system is stressed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// Stressed: more than this many failures are active (not yet ended by
    /// recovery, repair or a person).
    pub above: u32,
    /// While stressed, each interval is multiplied by this (>= 1).
    pub factor: f64,
}

/// The engine-wide coordination settings.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// At most this many failures active at once across all targets.
    pub max_concurrent_failures: Option<u32>,
    /// What a target does when the cap is reached.
    pub when_capped: WhenCapped,
    /// Each interval is lengthened by a random fraction drawn uniformly from
    /// `0..=jitter` (0 to 1; 0 turns it off).
    pub jitter: f64,
    /// Interval stretching under stress, if any.
    pub backoff: Option<Backoff>,
    /// When chaos is allowed (weekday/hour windows, blackouts), if limited.
    pub windows: Option<Arc<ChaosWindows>>,
    /// The fraction (0 to 1) of scheduled cycles that inject nothing on
    /// purpose and are journalled as control windows instead (0: none;
    /// drawn from each target's own control stream, see
    /// [`crate::picker::ControlStream`]).
    pub control_rate: f64,
    /// The last answer of [`Policy::window_reopens_at`], shared by every
    /// target holding this policy.
    pub(crate) reopen_cache: Arc<Mutex<Option<(f64, f64)>>>,
}

impl PartialEq for Policy {
    fn eq(&self, other: &Self) -> bool {
        // Windows compare by what they allow, as described.
        let windows = |p: &Policy| p.windows.as_ref().map(|w| w.describe());
        self.max_concurrent_failures == other.max_concurrent_failures
            && self.when_capped == other.when_capped
            && self.jitter == other.jitter
            && self.backoff == other.backoff
            && self.control_rate == other.control_rate
            && windows(self) == windows(other)
    }
}

impl Policy {
    /// The time from one start to the next for a target whose interval is
    /// `interval`, when `active` failures are active as it plans and the
    /// jitter stream drew `jitter_draw` (a fraction in `0..=1` of the
    /// configured jitter; 0 when jitter is off).
    pub fn next_interval(&self, interval: Duration, active: usize, jitter_draw: f64) -> Duration {
        let mut factor = 1.0 + self.jitter * jitter_draw.clamp(0.0, 1.0);
        if self.is_stressed(active) {
            if let Some(backoff) = self.backoff {
                factor *= backoff.factor;
            }
        }
        // Both factors are validated finite and >= 1, and intervals are
        // capped at ten years, so this stays in range; `try_` guards anyway.
        Duration::try_from_secs_f64(interval.as_secs_f64() * factor).unwrap_or(interval)
    }

    /// When chaos is allowed again at or after `now` (Unix time), within
    /// the windows' look-ahead; `None` without windows or when nothing
    /// opens in time. Finding it scans the coming days minute by minute,
    /// so the answer is remembered: for every instant from the one it was
    /// computed at up to the answer, the answer is the same (windows start
    /// on whole minutes), and a whole fleet of targets skipping the same
    /// closed stretch computes it once.
    pub fn window_reopens_at(&self, now: f64) -> Option<f64> {
        let windows = self.windows.as_ref()?;
        let mut cache = self
            .reopen_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((from, at)) = *cache {
            if from <= now && now <= at {
                return Some(at);
            }
        }
        let at = windows.next_open(now)?;
        *cache = Some((now, at));
        Some(at)
    }

    /// Whether `active` failures put the system under backoff.
    pub fn is_stressed(&self, active: usize) -> bool {
        self.backoff
            .is_some_and(|backoff| active > backoff.above as usize)
    }

    /// Whether a new failure may start while `taken` slots (active plus
    /// reserved) are in use.
    pub fn has_room(&self, taken: usize) -> bool {
        self.max_concurrent_failures
            .is_none_or(|max| taken < max as usize)
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max_concurrent_failures {
            Some(max) => write!(
                f,
                "at most {max} concurrent failure(s), {} when capped",
                self.when_capped.as_str()
            )?,
            None => f.write_str("no cap on concurrent failures")?,
        }
        if self.jitter > 0.0 {
            write!(f, "; jitter up to +{}%", self.jitter * 100.0)?;
        }
        if let Some(backoff) = self.backoff {
            write!(
                f,
                "; intervals x{} while more than {} failure(s) are active",
                backoff.factor, backoff.above
            )?;
        }
        if let Some(windows) = &self.windows {
            write!(f, "; chaos windows: {}", windows.describe())?;
        }
        if self.control_rate > 0.0 {
            write!(
                f,
                "; {}% of cycles are control windows (nothing injected)",
                self.control_rate * 100.0
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_lengthens_by_the_drawn_fraction() {
        let policy = Policy {
            jitter: 0.5,
            ..Policy::default()
        };
        let base = Duration::from_secs(100);
        assert_eq!(policy.next_interval(base, 0, 0.0), base);
        assert_eq!(policy.next_interval(base, 0, 0.5), Duration::from_secs(125));
        assert_eq!(policy.next_interval(base, 0, 1.0), Duration::from_secs(150));
    }

    #[test]
    fn backoff_stretches_only_above_the_threshold() {
        let policy = Policy {
            backoff: Some(Backoff {
                above: 2,
                factor: 2.0,
            }),
            ..Policy::default()
        };
        let base = Duration::from_secs(180);
        assert_eq!(policy.next_interval(base, 2, 0.0), base);
        assert_eq!(policy.next_interval(base, 3, 0.0), Duration::from_secs(360));
        assert!(!policy.is_stressed(2));
        assert!(policy.is_stressed(3));
    }

    #[test]
    fn jitter_and_backoff_multiply() {
        let policy = Policy {
            jitter: 0.2,
            backoff: Some(Backoff {
                above: 0,
                factor: 3.0,
            }),
            ..Policy::default()
        };
        let got = policy.next_interval(Duration::from_secs(10), 1, 0.5);
        assert_eq!(got, Duration::from_secs(33));
    }

    #[test]
    fn the_cap_counts_active_and_reserved_slots() {
        let capped = Policy {
            max_concurrent_failures: Some(2),
            ..Policy::default()
        };
        assert!(capped.has_room(1));
        assert!(!capped.has_room(2));
        assert!(Policy::default().has_room(10_000));
    }

    #[test]
    fn the_reopening_time_is_computed_once_per_closed_stretch() {
        use crate::windows::{FileWindow, FileWindows};
        let windows = ChaosWindows::from_file(&FileWindows {
            time_zone: Some("UTC".to_owned()),
            allow: vec![FileWindow {
                hours: Some("09:00-17:00".to_owned()),
                ..FileWindow::default()
            }],
            blackout: vec![],
        })
        .unwrap();
        let policy = Policy {
            windows: Some(Arc::new(windows)),
            ..Policy::default()
        };
        // 2026-11-25 18:00 UTC (`date -ud '2026-11-25 18:00' +%s`): the
        // window opens again the next day at 09:00, 15 h later.
        let evening = 1_795_629_600.0;
        let morning = evening + 15.0 * 3600.0;
        assert_eq!(policy.window_reopens_at(evening), Some(morning));
        assert_eq!(
            *policy.reopen_cache.lock().unwrap(),
            Some((evening, morning))
        );
        // Later in the same closed stretch: the remembered answer.
        assert_eq!(policy.window_reopens_at(evening + 3600.0), Some(morning));
        assert_eq!(
            *policy.reopen_cache.lock().unwrap(),
            Some((evening, morning))
        );
        // Inside the window: now, computed afresh.
        let noon = morning + 3.0 * 3600.0;
        assert_eq!(policy.window_reopens_at(noon), Some(noon));
    }

    #[test]
    fn when_capped_parses_both_words_only() {
        assert_eq!(WhenCapped::parse(" Wait "), Ok(WhenCapped::Wait));
        assert_eq!(WhenCapped::parse("skip"), Ok(WhenCapped::Skip));
        assert_eq!(
            WhenCapped::parse("queue").unwrap_err(),
            "expected `wait` or `skip`, got `queue`"
        );
    }
}
