//! The limit on `POST /findings` (`--findings-rate` / `CHAOS_FINDINGS_RATE`):
//! a token bucket per responder (the finding's `responder` field), and one
//! for all responders together holding [`EVERYONE_FACTOR`] times as much,
//! so inventing responder names does not lift the limit. A refused finding
//! is answered 429 with `Retry-After` and never journalled.
//!
//! Memory is bounded: at most [`MAX_RESPONDERS`] buckets are kept. When a
//! new responder comes and the table is full, the buckets that have filled
//! up again are dropped (a full bucket is what a new one is, so nothing is
//! lost); if none has, the new responder waits (429) until one does.
//!
//! Time is the engine's clock (Unix seconds, handed in by the caller), so
//! tests with a fixed clock are exact whatever the machine's speed. A clock
//! that steps back refills nothing and takes nothing away; refilling goes
//! on from the new reading.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use super::error::ApiError;
use crate::config::rate::Rate;

/// All responders together may post this many times one responder's rate.
pub const EVERYONE_FACTOR: u32 = 10;

/// At most this many responders' buckets are kept.
pub(super) const MAX_RESPONDERS: usize = 1024;

/// Below one token by less than this counts as one (refills are computed
/// in floating point).
const EPSILON: f64 = 1e-9;

/// Tokens in a bucket at an instant.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    /// When `tokens` was last brought up to date (Unix seconds).
    at: f64,
    /// The last finding of this bucket was refused (for logging only the
    /// first refusal of a run of them).
    refusing: bool,
}

impl Bucket {
    fn full(rate: &Rate, now: f64) -> Self {
        Bucket {
            tokens: f64::from(rate.count),
            at: now,
            refusing: false,
        }
    }

    /// The tokens at `now` (a clock stepping back refills nothing).
    fn tokens_at(&self, rate: &Rate, now: f64) -> f64 {
        let elapsed = (now - self.at).max(0.0);
        (self.tokens + elapsed * rate.per_second()).min(f64::from(rate.count))
    }

    fn refill(&mut self, rate: &Rate, now: f64) {
        self.tokens = self.tokens_at(rate, now);
        self.at = now;
    }

    fn has_one(&self) -> bool {
        self.tokens >= 1.0 - EPSILON
    }

    /// Seconds until it holds one token, from its last refill.
    fn wait_for_one(&self, rate: &Rate) -> f64 {
        ((1.0 - self.tokens) / rate.per_second()).max(0.0)
    }

    /// Seconds from `now` until it is full again.
    fn wait_until_full(&self, rate: &Rate, now: f64) -> f64 {
        (f64::from(rate.count) - self.tokens_at(rate, now)).max(0.0) / rate.per_second()
    }
}

/// Why a finding was refused, and when to try again.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Refused {
    /// Whose limit.
    pub(super) by: Whose,
    /// Whole seconds to wait (`Retry-After`), at least 1.
    pub(super) retry_after: u64,
    /// The first refusal since this limit last let a finding through.
    pub(super) first: bool,
}

/// Which limit refused a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Whose {
    /// The responder's own.
    Responder(String, Rate),
    /// All responders' together.
    Everyone(Rate),
    /// Too many responders are being tracked.
    TooManyResponders,
}

impl Refused {
    /// The 429 answer.
    pub(super) fn into_error(self) -> ApiError {
        let retry = self.retry_after;
        let message = match self.by {
            Whose::Responder(responder, rate) => format!(
                "too many findings from responder `{responder}`: at most {rate} per responder \
                 (--findings-rate); retry after {retry}s"
            ),
            Whose::Everyone(rate) => format!(
                "too many findings from all responders together: at most {rate}; retry after \
                 {retry}s"
            ),
            Whose::TooManyResponders => format!(
                "too many responders posting at once (at most {MAX_RESPONDERS} are tracked); \
                 retry after {retry}s"
            ),
        };
        ApiError::TooManyFindings {
            message,
            retry_after: retry,
        }
    }
}

/// The buckets.
#[derive(Debug)]
struct Buckets {
    everyone: Bucket,
    each: HashMap<String, Bucket>,
}

/// The limit, shared by the API's workers.
#[derive(Debug)]
pub(super) struct FindingLimit {
    rate: Rate,
    everyone_rate: Rate,
    buckets: Mutex<Option<Buckets>>,
}

impl FindingLimit {
    /// `rate` per responder, [`EVERYONE_FACTOR`] times it for everyone.
    pub(super) fn new(rate: Rate) -> Self {
        FindingLimit {
            rate,
            everyone_rate: rate.times(EVERYONE_FACTOR),
            buckets: Mutex::new(None),
        }
    }

    /// Takes one finding of `responder` at `now` (Unix seconds), or says
    /// which limit refused it and when to retry. A refusal takes nothing.
    pub(super) fn take(&self, responder: &str, now: f64) -> Result<(), Refused> {
        let mut guard = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let buckets = guard.get_or_insert_with(|| Buckets {
            everyone: Bucket::full(&self.everyone_rate, now),
            each: HashMap::new(),
        });
        let (rate, everyone_rate) = (&self.rate, &self.everyone_rate);
        buckets.everyone.refill(everyone_rate, now);
        let known = buckets.each.contains_key(responder);
        if !known && buckets.each.len() >= MAX_RESPONDERS {
            buckets
                .each
                .retain(|_, bucket| bucket.wait_until_full(rate, now) > EPSILON);
            if buckets.each.len() >= MAX_RESPONDERS {
                let wait = buckets
                    .each
                    .values()
                    .map(|bucket| bucket.wait_until_full(rate, now))
                    .fold(f64::INFINITY, f64::min);
                let first = !buckets.everyone.refusing;
                buckets.everyone.refusing = true;
                return Err(Refused {
                    by: Whose::TooManyResponders,
                    retry_after: whole_seconds(wait),
                    first,
                });
            }
        }
        let mut own = match buckets.each.get(responder) {
            Some(bucket) => *bucket,
            None => Bucket::full(rate, now),
        };
        own.refill(rate, now);
        if !own.has_one() {
            let first = !own.refusing;
            own.refusing = true;
            let retry_after = whole_seconds(own.wait_for_one(rate));
            buckets.each.insert(responder.to_owned(), own);
            return Err(Refused {
                by: Whose::Responder(responder.to_owned(), *rate),
                retry_after,
                first,
            });
        }
        if !buckets.everyone.has_one() {
            let first = !buckets.everyone.refusing;
            buckets.everyone.refusing = true;
            if known {
                buckets.each.insert(responder.to_owned(), own);
            }
            return Err(Refused {
                by: Whose::Everyone(*everyone_rate),
                retry_after: whole_seconds(buckets.everyone.wait_for_one(everyone_rate)),
                first,
            });
        }
        own.tokens = (own.tokens - 1.0).max(0.0);
        own.refusing = false;
        buckets.everyone.tokens = (buckets.everyone.tokens - 1.0).max(0.0);
        buckets.everyone.refusing = false;
        buckets.each.insert(responder.to_owned(), own);
        Ok(())
    }

    /// How many responders are tracked now.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        let guard = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        guard.as_ref().map_or(0, |b| b.each.len())
    }
}

/// `seconds` rounded up to a whole number, at least 1 (`Retry-After`).
fn whole_seconds(seconds: f64) -> u64 {
    let rounded = (seconds - EPSILON).ceil();
    if rounded.is_finite() && rounded >= 1.0 {
        rounded as u64
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn rate(count: u32, secs: u64) -> Rate {
        Rate {
            count,
            per: Duration::from_secs(secs),
        }
    }

    fn retry(result: Result<(), Refused>) -> Option<u64> {
        result.err().map(|refused| refused.retry_after)
    }

    #[test]
    fn a_responder_gets_its_burst_then_one_per_refill() {
        // 3 a minute: 3 at once, then one every 20 s.
        let limit = FindingLimit::new(rate(3, 60));
        for _ in 0..3 {
            assert_eq!(limit.take("a", 1000.0), Ok(()));
        }
        let refused = limit.take("a", 1000.0).unwrap_err();
        assert_eq!(refused.retry_after, 20);
        assert!(refused.first);
        assert_eq!(
            refused.by,
            Whose::Responder("a".into(), rate(3, 60)),
            "the responder's own limit"
        );
        assert!(!limit.take("a", 1000.0).unwrap_err().first, "logged once");
        assert_eq!(retry(limit.take("a", 1015.0)), Some(5), "5 s more");
        assert_eq!(limit.take("a", 1020.0), Ok(()));
        assert_eq!(retry(limit.take("a", 1020.0)), Some(20));
        // Another responder has its own bucket.
        assert_eq!(limit.take("b", 1020.0), Ok(()));
        // A long pause refills to the burst, not beyond.
        for _ in 0..3 {
            assert_eq!(limit.take("a", 5000.0), Ok(()));
        }
        assert!(limit.take("a", 5000.0).is_err());
    }

    #[test]
    fn a_clock_stepping_back_refills_nothing() {
        let limit = FindingLimit::new(rate(1, 10));
        assert_eq!(limit.take("a", 1000.0), Ok(()));
        assert_eq!(retry(limit.take("a", 900.0)), Some(10));
        assert_eq!(
            retry(limit.take("a", 905.0)),
            Some(5),
            "refilling from 900 on"
        );
        assert_eq!(limit.take("a", 910.0), Ok(()));
    }

    #[test]
    fn invented_names_meet_the_limit_of_everyone_together() {
        let limit = FindingLimit::new(rate(2, 10));
        // Everyone together: 20 per 10 s.
        for n in 0..20 {
            assert_eq!(limit.take(&format!("r{n}"), 0.0), Ok(()), "r{n}");
        }
        let refused = limit.take("r-new", 0.0).unwrap_err();
        assert_eq!(refused.by, Whose::Everyone(rate(20, 10)));
        assert_eq!(refused.retry_after, 1, "one token back every 0.5 s");
        assert_eq!(limit.tracked(), 20, "the refused newcomer is not kept");
        assert_eq!(limit.take("r-new", 0.5), Ok(()));
    }

    #[test]
    fn the_table_of_responders_is_bounded() {
        let limit = FindingLimit::new(rate(10_000, 1));
        for n in 0..MAX_RESPONDERS {
            assert_eq!(limit.take(&format!("r{n}"), 0.0), Ok(()));
        }
        assert_eq!(limit.tracked(), MAX_RESPONDERS);
        // None has filled up again yet: a newcomer waits.
        let refused = limit.take("newcomer", 0.0).unwrap_err();
        assert_eq!(refused.by, Whose::TooManyResponders);
        assert_eq!(refused.retry_after, 1);
        assert_eq!(limit.tracked(), MAX_RESPONDERS);
        // A known responder still posts.
        assert_eq!(limit.take("r7", 0.0), Ok(()));
        // Once the idle buckets have filled up, they make room.
        assert_eq!(limit.take("newcomer", 1.0), Ok(()));
        assert!(limit.tracked() <= MAX_RESPONDERS);
        assert_eq!(limit.tracked(), 1, "every idle bucket was dropped");
    }

    #[test]
    fn the_429_says_whose_limit_and_when_to_retry() {
        let error = Refused {
            by: Whose::Responder("agent-1".into(), rate(20, 2)),
            retry_after: 1,
            first: true,
        }
        .into_error();
        assert_eq!(
            error.to_string(),
            "too many findings from responder `agent-1`: at most 20/2s per responder \
             (--findings-rate); retry after 1s"
        );
        assert!(matches!(
            error,
            ApiError::TooManyFindings { retry_after: 1, .. }
        ));
    }
}
