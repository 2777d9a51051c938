//! Rates as users write them (`--findings-rate`): `N/DURATION`, at most
//! `N` at once and `N` more every `DURATION`, as a token bucket of `N`
//! tokens refilled at `N / DURATION` (`20/2s`: a burst of 20, then 10 a
//! second; `3/1m`: 3 at once, then one every 20 s). The duration is any
//! duration the other settings take; a bare unit means one of it (`10/s`
//! is `10/1s`). `off` means no limit.

use std::fmt;
use std::time::Duration;

use super::duration::parse_duration;
use crate::clock::format_duration;

/// A limit of `count` per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// The burst, and how many come back every `per`; at least 1.
    pub count: u32,
    /// The time in which `count` come back; above 0.
    pub per: Duration,
}

impl Rate {
    /// How many come back each second.
    pub fn per_second(&self) -> f64 {
        f64::from(self.count) / self.per.as_secs_f64()
    }

    /// This rate with `factor` times the count (saturating).
    pub fn times(&self, factor: u32) -> Rate {
        Rate {
            count: self.count.saturating_mul(factor),
            per: self.per,
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.count, format_duration(self.per))
    }
}

/// Parses a rate: `Ok(None)` for `off`; the error says what was expected.
pub fn parse_rate(text: &str) -> Result<Option<Rate>, String> {
    let trimmed = text.trim();
    if trimmed.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let expected = "write COUNT/DURATION (20/2s: 20 at once, then 10 a second; 3/1m; 10/s), \
                    or `off`";
    let Some((count, per)) = trimmed.split_once('/') else {
        return Err(format!("invalid rate `{trimmed}`: {expected}"));
    };
    let count: u32 = count.trim().parse().map_err(|_| {
        format!("invalid rate `{trimmed}`: the count is not a whole number; {expected}")
    })?;
    if count == 0 {
        return Err(format!(
            "rate `{trimmed}` allows nothing: the count must be at least 1 (`off` for no limit)"
        ));
    }
    let per = per.trim();
    let per = if per.starts_with(|c: char| c.is_ascii_alphabetic()) {
        parse_duration(&format!("1{per}"))
    } else {
        parse_duration(per)
    }
    .map_err(|err| format!("invalid rate `{trimmed}`: {err}"))?;
    if per.is_zero() {
        return Err(format!(
            "rate `{trimmed}` has no time: the duration must be above 0"
        ));
    }
    Ok(Some(Rate { count, per }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(count: u32, secs: f64) -> Option<Rate> {
        Some(Rate {
            count,
            per: Duration::from_secs_f64(secs),
        })
    }

    #[test]
    fn rates_with_durations_and_bare_units() {
        assert_eq!(parse_rate("20/2s"), Ok(rate(20, 2.0)));
        assert_eq!(parse_rate(" 3 / 1m "), Ok(rate(3, 60.0)));
        assert_eq!(parse_rate("10/s"), Ok(rate(10, 1.0)));
        assert_eq!(parse_rate("600/h"), Ok(rate(600, 3600.0)));
        assert_eq!(parse_rate("5/0.5"), Ok(rate(5, 0.5)));
        assert_eq!(parse_rate("5/250ms"), Ok(rate(5, 0.25)));
        assert_eq!(parse_rate("off"), Ok(None));
        let default = parse_rate("20/2s").unwrap().unwrap();
        assert_eq!(default.per_second(), 10.0);
        assert_eq!(default.to_string(), "20/2s");
        assert_eq!(default.times(10).to_string(), "200/2s");
    }

    #[test]
    fn bad_rates_say_what_was_expected() {
        let cases = [
            ("20", "invalid rate `20`: write COUNT/DURATION"),
            ("x/1s", "the count is not a whole number"),
            ("-1/1s", "the count is not a whole number"),
            ("0/1s", "allows nothing"),
            ("5/0s", "has no time"),
            ("5/soon", "invalid rate `5/soon`: invalid duration"),
            ("5/-1s", "invalid rate `5/-1s`: negative duration"),
        ];
        for (text, expected) in cases {
            let err = parse_rate(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
