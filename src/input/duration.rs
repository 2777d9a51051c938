//! Durations as users write them: plain or fractional seconds (`180`,
//! `0.25`) or numbers with units (`250ms`, `3m`, `1h 30m`).
//!
//! Parsing only checks the syntax and rejects negative and non-finite
//! values; whether zero is allowed depends on the setting and is checked
//! during validation.

use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};

use crate::clock::format_duration;

/// The longest duration accepted anywhere: ten years. Longer values are
/// typos, and capping them keeps every `Instant + Duration` in range.
pub const MAX_DURATION: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// Parses a duration; the error says what was expected.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("empty duration".to_owned());
    }
    if let Ok(seconds) = trimmed.parse::<f64>() {
        return seconds_to_duration(seconds);
    }
    if trimmed.starts_with('-') {
        return Err(format!("negative duration `{trimmed}`"));
    }
    let duration = humantime::parse_duration(trimmed).map_err(|err| {
        format!(
            "invalid duration `{trimmed}` ({err}); write seconds (180, 0.25) \
             or a number with a unit (250ms, 3m, 1h 30m)"
        )
    })?;
    check_cap(duration)
}

fn check_cap(duration: Duration) -> Result<Duration, String> {
    if duration > MAX_DURATION {
        Err(format!(
            "duration {} is longer than the limit of ten years",
            format_duration(duration)
        ))
    } else {
        Ok(duration)
    }
}

/// Turns a number of seconds into a duration, rejecting negative and
/// non-finite values.
pub fn seconds_to_duration(seconds: f64) -> Result<Duration, String> {
    if !seconds.is_finite() {
        return Err(format!("duration must be finite, got {seconds}"));
    }
    if seconds < 0.0 {
        return Err(format!("negative duration {seconds}"));
    }
    Duration::try_from_secs_f64(seconds)
        .map_err(|err| format!("duration {seconds}: {err}"))
        .and_then(check_cap)
}

/// `deserialize_with` helper: a YAML number of seconds or a duration string.
pub fn deserialize_optional<'de, D>(deserializer: D) -> Result<Option<Duration>, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_any(DurationVisitor).map(Some)
}

struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a duration: seconds (180, 0.25) or a number with a unit (250ms, 3m)")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
        check_cap(Duration::from_secs(v)).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
        let seconds = u64::try_from(v).map_err(|_| E::custom(format!("negative duration {v}")))?;
        self.visit_u64(seconds)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
        seconds_to_duration(v).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
        parse_duration(v).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_fractional_seconds() {
        assert_eq!(parse_duration("180"), Ok(Duration::from_secs(180)));
        assert_eq!(parse_duration("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration(" 2 "), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
    }

    #[test]
    fn numbers_with_units() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("3m"), Ok(Duration::from_secs(180)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("180s"), Ok(Duration::from_secs(180)));
    }

    #[test]
    fn rejects_garbage_negative_and_non_finite() {
        for bad in [
            "",
            "abc",
            "-5",
            "-1s",
            "NaN",
            "inf",
            "10 parsecs",
            "1e400",
            "1e19",
            "300000000000y",
            "11y",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn formats_back_readably() {
        assert_eq!(format_duration(Duration::from_secs(180)), "180s");
        assert_eq!(format_duration(Duration::from_millis(250)), "0.25s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format_duration(Duration::from_micros(1500)), "0.0015s");
        assert_eq!(format_duration(Duration::from_nanos(20)), "20ns");
    }

    #[test]
    fn yaml_numbers_and_strings() {
        #[derive(serde::Deserialize)]
        struct Holder {
            #[serde(default, deserialize_with = "deserialize_optional")]
            d: Option<Duration>,
        }
        let parse = |text: &str| yaml_serde::from_str::<Holder>(text).map(|h| h.d);
        assert_eq!(parse("d: 5").unwrap(), Some(Duration::from_secs(5)));
        assert_eq!(parse("d: 0.5").unwrap(), Some(Duration::from_millis(500)));
        assert_eq!(parse("d: 2m").unwrap(), Some(Duration::from_secs(120)));
        assert_eq!(parse("{}").unwrap(), None);
        assert!(parse("d: -3").is_err());
        assert!(parse("d: .nan").is_err());
        assert!(parse("d: [1]").is_err());
    }
}
