//! The command line's values: durations (`300ms`, `1s`, humantime syntax)
//! and percentages (`10%`, the `%` optional, `0.5%` allowed), and the checks
//! that keep a typo from silently becoming a different fault.

use std::fmt;
use std::time::Duration;

/// The longest delay or jitter accepted (netem's practical range; a packet
/// held longer than this is no longer "delayed" but lost to every protocol).
pub const MAX_DELAY: Duration = Duration::from_secs(60);

/// A probability, kept as the fraction in `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Percent(f64);

impl Percent {
    /// Never.
    pub const ZERO: Percent = Percent(0.0);

    /// From a fraction in `[0, 1]`.
    pub fn from_fraction(fraction: f64) -> Result<Self, String> {
        if fraction.is_finite() && (0.0..=1.0).contains(&fraction) {
            Ok(Percent(fraction))
        } else {
            Err(format!("{fraction} is not a fraction from 0 to 1"))
        }
    }

    /// The fraction in `[0, 1]`.
    pub fn fraction(self) -> f64 {
        self.0
    }

    /// Whether this is more than zero.
    pub fn is_set(self) -> bool {
        self.0 > 0.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0 * 100.0)
    }
}

/// Parses `10%`, `10`, `0.5%` (percent, from 0 to 100).
pub fn parse_percent(text: &str) -> Result<Percent, String> {
    let trimmed = text.trim();
    let number = trimmed.strip_suffix('%').unwrap_or(trimmed).trim();
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a percentage (e.g. 10% or 0.5%)"))?;
    if !value.is_finite() || !(0.0..=100.0).contains(&value) {
        return Err(format!("{text:?} is not from 0% to 100%"));
    }
    Percent::from_fraction(value / 100.0)
}

/// Parses `300ms`, `1s`, `0` (humantime syntax), at most [`MAX_DELAY`].
pub fn parse_delay(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let duration = if trimmed == "0" {
        Duration::ZERO
    } else {
        humantime::parse_duration(trimmed)
            .map_err(|err| format!("{text:?} is not a duration (e.g. 300ms): {err}"))?
    };
    if duration > MAX_DELAY {
        return Err(format!("{text:?} is longer than {}s", MAX_DELAY.as_secs()));
    }
    Ok(duration)
}

/// What the delayer does to the packets of its queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// The mean time a packet is held.
    pub delay: Duration,
    /// Half the width of the uniform spread around `delay`.
    pub jitter: Duration,
    /// The chance that a packet is dropped.
    pub loss: Percent,
    /// The chance that a packet that is not dropped is sent twice.
    pub duplicate: Percent,
    /// The chance that a packet that is not dropped has a byte flipped.
    pub corrupt: Percent,
}

impl Params {
    /// No fault at all: every packet accepted at once.
    pub fn none() -> Self {
        Params {
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            loss: Percent::ZERO,
            duplicate: Percent::ZERO,
            corrupt: Percent::ZERO,
        }
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "delay {:?} jitter {:?} loss {} duplicate {} corrupt {}",
            self.delay, self.jitter, self.loss, self.duplicate, self.corrupt
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("10%").map(Percent::fraction), Ok(0.1));
        assert_eq!(parse_percent("10").map(Percent::fraction), Ok(0.1));
        assert_eq!(parse_percent(" 0.5 % ").map(Percent::fraction), Ok(0.005));
        assert_eq!(parse_percent("100%").map(Percent::fraction), Ok(1.0));
        assert_eq!(parse_percent("0").map(Percent::fraction), Ok(0.0));
        for bad in ["", "%", "ten", "101%", "-1%", "NaN", "inf%"] {
            assert!(parse_percent(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn delays() {
        assert_eq!(parse_delay("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(parse_delay("1s 500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_delay("0"), Ok(Duration::ZERO));
        assert_eq!(parse_delay("60s"), Ok(MAX_DELAY));
        for bad in ["", "300", "61s", "fast", "-1ms"] {
            assert!(parse_delay(bad).is_err(), "{bad:?}");
        }
    }
}
