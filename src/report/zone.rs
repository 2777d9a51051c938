//! The time zone a report shows its clock times in: UTC unless `--tz`
//! names another (an IANA name such as `Europe/Paris`, or `local` for this
//! machine's zone). Journal times stay Unix seconds; only labels change.
//!
//! Zones come from jiff: the system's `/usr/share/zoneinfo`, or the copy
//! bundled into the binary when the system has none, so a name known on
//! one machine is known on every machine.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// A time zone for labels, with the name it was asked for.
#[derive(Debug, Clone)]
pub struct ReportZone {
    zone: TimeZone,
    name: String,
}

/// Why a `--tz` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--tz {value:?}: {reason}")]
pub struct ZoneError {
    /// The value as given.
    pub value: String,
    /// What was wrong with it.
    pub reason: String,
}

impl ReportZone {
    /// Coordinated Universal Time, the default.
    pub fn utc() -> ReportZone {
        ReportZone {
            zone: TimeZone::UTC,
            name: "UTC".to_owned(),
        }
    }

    /// The zone `value` names: `UTC` (any case), `local`, or an IANA name.
    pub fn parse(value: &str) -> Result<ReportZone, ZoneError> {
        let trimmed = value.trim();
        let refuse = |reason: String| ZoneError {
            value: value.to_owned(),
            reason,
        };
        if trimmed.eq_ignore_ascii_case("utc") {
            return Ok(ReportZone::utc());
        }
        if trimmed.eq_ignore_ascii_case("local") {
            let zone = TimeZone::try_system().map_err(|err| {
                refuse(format!(
                    "cannot tell this machine's time zone ({err}); name one, e.g. Europe/Paris"
                ))
            })?;
            let name = zone.iana_name().unwrap_or("local").to_owned();
            return Ok(ReportZone { zone, name });
        }
        if trimmed.is_empty() {
            return Err(refuse(
                "empty; expected an IANA time zone name such as Europe/Paris, `local` or `UTC`"
                    .to_owned(),
            ));
        }
        let zone = TimeZone::get(trimmed).map_err(|_| {
            refuse(
                "unknown time zone; expected an IANA name such as Europe/Paris or \
                 America/New_York, `local` or `UTC`"
                    .to_owned(),
            )
        })?;
        let name = zone.iana_name().unwrap_or(trimmed).to_owned();
        Ok(ReportZone { zone, name })
    }

    /// The zone's name, e.g. `UTC` or `Europe/Paris`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The local calendar date and clock time of `unix` seconds (rounded
    /// down to the second; values outside jiff's range read as the epoch).
    pub fn civil(&self, unix: f64) -> DateTime {
        self.zone.to_datetime(timestamp(unix))
    }

    /// The zone's offset from UTC at `unix`, seconds (e.g. 3600 for CET).
    pub fn offset_seconds(&self, unix: f64) -> i64 {
        i64::from(self.zone.to_offset(timestamp(unix)).seconds())
    }

    /// The abbreviation in use at `unix`, e.g. `UTC`, `CET`, `CEST` or
    /// `+0530` where the zone has none.
    pub fn abbreviation(&self, unix: f64) -> String {
        let zoned = timestamp(unix).to_zoned_datetime(self.zone.clone());
        jiff::fmt::strtime::format("%Z", &zoned).unwrap_or_else(|_| self.name.clone())
    }

    /// `2024-01-07 08:48:00 UTC`, `2024-01-07 09:48:00 CET`.
    pub fn format(&self, unix: f64) -> String {
        format!(
            "{} {}",
            self.civil(unix).strftime("%Y-%m-%d %H:%M:%S"),
            self.abbreviation(unix)
        )
    }

    /// `09:48:00` (the clock time alone).
    pub fn clock(&self, unix: f64) -> String {
        self.civil(unix).strftime("%H:%M:%S").to_string()
    }

    /// `2024-01-07` (the date alone).
    pub fn date(&self, unix: f64) -> String {
        self.civil(unix).strftime("%Y-%m-%d").to_string()
    }

    /// `2024-01-07 08:48:00 to 09:09:10 UTC` when both fall on one day and
    /// in one abbreviation, else both in full.
    pub fn format_span(&self, from: f64, to: f64) -> String {
        let (zone_from, zone_to) = (self.abbreviation(from), self.abbreviation(to));
        if self.date(from) == self.date(to) && zone_from == zone_to {
            format!(
                "{} {} to {} {zone_to}",
                self.date(from),
                self.clock(from),
                self.clock(to)
            )
        } else {
            format!("{} to {}", self.format(from), self.format(to))
        }
    }
}

/// The instant of `unix` seconds, floored to the second; the epoch when
/// the value is not finite or outside jiff's range (years -9999 to 9999).
fn timestamp(unix: f64) -> Timestamp {
    if !unix.is_finite() {
        return Timestamp::UNIX_EPOCH;
    }
    // Saturating cast; out-of-range seconds are refused just below.
    Timestamp::from_second(unix.floor() as i64).unwrap_or(Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2024-01-07 08:48:00 UTC.
    const BASE: f64 = 1_704_617_280.0;

    #[test]
    fn utc_is_the_default_and_reads_as_before() {
        let utc = ReportZone::utc();
        assert_eq!(utc.format(0.0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc.format(BASE + 0.5), "2024-01-07 08:48:00 UTC");
        assert_eq!(utc.format(-1.0), "1969-12-31 23:59:59 UTC");
        assert_eq!(utc.format(f64::NAN), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc.offset_seconds(BASE), 0);
        for spelling in ["UTC", "utc", " Utc "] {
            assert_eq!(ReportZone::parse(spelling).unwrap().name(), "UTC");
        }
    }

    #[test]
    fn a_named_zone_shifts_labels_and_follows_daylight_saving() {
        let paris = ReportZone::parse("Europe/Paris").unwrap();
        assert_eq!(paris.name(), "Europe/Paris");
        assert_eq!(paris.format(BASE), "2024-01-07 09:48:00 CET");
        assert_eq!(paris.offset_seconds(BASE), 3600);
        // 2024-07-01 12:00:00 UTC is summer time in Paris.
        assert_eq!(paris.format(1_719_835_200.0), "2024-07-01 14:00:00 CEST");
        let kolkata = ReportZone::parse("Asia/Kolkata").unwrap();
        assert_eq!(kolkata.clock(BASE), "14:18:00");
    }

    #[test]
    fn spans_on_one_day_name_the_date_once() {
        let utc = ReportZone::utc();
        assert_eq!(
            utc.format_span(BASE, BASE + 1270.0),
            "2024-01-07 08:48:00 to 09:09:10 UTC"
        );
        assert_eq!(
            utc.format_span(BASE, BASE + 86_400.0),
            "2024-01-07 08:48:00 UTC to 2024-01-08 08:48:00 UTC"
        );
    }

    #[test]
    fn unknown_and_empty_zones_are_refused_naming_the_flag_and_value() {
        let err = ReportZone::parse("Mars/Olympus_Mons").unwrap_err();
        assert_eq!(err.value, "Mars/Olympus_Mons");
        let message = err.to_string();
        assert!(
            message.starts_with("--tz \"Mars/Olympus_Mons\": unknown time zone"),
            "{message}"
        );
        let empty = ReportZone::parse("").unwrap_err().to_string();
        assert!(empty.starts_with("--tz \"\": empty"), "{empty}");
    }
}
