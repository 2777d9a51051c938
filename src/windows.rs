//! Chaos windows: when chaos may be injected, by weekday, hour and date in a
//! named time zone, and when it never may (blackouts).
//!
//! This module owns the `windows:` part of the targets file as written
//! ([`FileWindows`], [`FileWindow`]), its validation into [`ChaosWindows`],
//! and the question "is chaos allowed at this instant?". It is pure: it
//! never reads the clock (every question takes the instant as an argument,
//! so callers and tests choose the time), never logs and does no I/O beyond
//! jiff's one-time load of time zone data (the system's
//! `/usr/share/zoneinfo`, or the copy bundled into the binary when the
//! system has none).
//!
//! Semantics: at instant `t`, chaos is allowed iff (`allow` is empty or some
//! `allow` entry matches `t`) and no `blackout` entry matches `t`. Entries
//! are matched against the local wall-clock time of `t` in the configured
//! zone, so daylight-saving gaps and overlaps follow from that conversion:
//! a local time that does not exist that day is never matched, one that
//! happens twice is matched both times.

use std::fmt;

use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Deserialize;

/// How far [`ChaosWindows::next_open`] looks ahead: a week (the period of
/// every weekday schedule) plus a day for wrapping hours and DST shifts.
pub const NEXT_OPEN_HORIZON_SECS: i64 = 8 * 86_400;

/// Lower-case short names, Monday first (the bit order of [`DaySet`]).
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// Full names in the same order.
const DAY_FULL_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
/// Minutes in a day; also the value of `24:00`.
const MINUTES_PER_DAY: u16 = 24 * 60;

/// `windows:` as written in the targets file; every key optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileWindows {
    /// IANA time zone name the hours, days and dates are read in; UTC when
    /// absent.
    pub time_zone: Option<String>,
    /// When chaos may happen; absent or empty means at any time.
    #[serde(default)]
    pub allow: Vec<FileWindow>,
    /// When chaos must not happen, even inside an `allow` entry.
    #[serde(default)]
    pub blackout: Vec<FileWindow>,
}

/// One entry of `allow:` or `blackout:`, as strings so that every bad value
/// can be reported with its key path. At least one key must be present.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileWindow {
    /// Weekday names (`mon`, `Monday`, ...); every day when absent.
    pub days: Option<Vec<String>>,
    /// `HH:MM-HH:MM`, start inclusive, end exclusive; the whole day when
    /// absent.
    pub hours: Option<String>,
    /// Local calendar dates `YYYY-MM-DD`; when present the entry applies
    /// only on these dates.
    pub dates: Option<Vec<String>>,
}

/// A bad value under `windows:`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct WindowError {
    /// Key path relative to `windows`, e.g. `allow[0].hours`.
    pub path: String,
    /// What is wrong, naming the bad value and what is expected.
    pub message: String,
}

impl WindowError {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        WindowError {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Why chaos is not allowed at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosedReason {
    /// `allow` has entries and none of them matches.
    OutsideAllowed,
    /// A `blackout` entry matches.
    Blackout,
}

/// The answer of [`ChaosWindows::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowCheck {
    /// Chaos may be injected now.
    Open,
    /// Chaos must not be injected now.
    Closed {
        /// Which rule closed it.
        reason: ClosedReason,
        /// For a log line: the entry responsible and the local time, e.g.
        /// `blackout[0] fri 16:00-24:00 Europe/Paris, local time Fri
        /// 2026-03-06 16:30:00 CET`.
        detail: String,
    },
}

impl WindowCheck {
    /// True for [`WindowCheck::Open`].
    pub fn is_open(&self) -> bool {
        matches!(self, WindowCheck::Open)
    }
}

/// Validated chaos windows. Cloning copies the entry lists; the time zone
/// itself is reference-counted by jiff. Hold it in an `Arc` to share.
#[derive(Debug, Clone)]
pub struct ChaosWindows {
    /// The zone every entry is read in.
    time_zone: TimeZone,
    /// Its name for messages (the canonical IANA spelling when known).
    zone_name: String,
    /// Empty means chaos is allowed at any time outside blackouts.
    allow: Vec<Window>,
    blackout: Vec<Window>,
}

/// One validated entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Window {
    /// `None` when `days` was left out (every day).
    days: Option<DaySet>,
    /// `None` when `hours` was left out (the whole day).
    hours: Option<Hours>,
    /// Sorted, without duplicates; `None` when `dates` was left out.
    dates: Option<Vec<Date>>,
}

/// A set of weekdays, bit 0 = Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DaySet(u8);

/// Local wall-clock hours in minutes since midnight; `start < 1440`,
/// `end <= 1440`, `start != end`; `end < start` wraps past midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hours {
    start: u16,
    end: u16,
}

/// The verdict without the message, cheap enough to compute every minute.
enum Verdict {
    Open,
    OutsideAllowed,
    Blackout(usize),
}

impl ChaosWindows {
    /// Validates `windows:` as read from the file.
    pub fn from_file(file: &FileWindows) -> Result<ChaosWindows, WindowError> {
        let (time_zone, zone_name) = match &file.time_zone {
            None => (TimeZone::UTC, "UTC".to_owned()),
            Some(name) => {
                let zone = TimeZone::get(name.trim()).map_err(|_| {
                    WindowError::new(
                        "time_zone",
                        format!("unknown time zone `{name}` (an IANA name such as Europe/Paris)"),
                    )
                })?;
                let canonical = zone.iana_name().unwrap_or(name.trim()).to_owned();
                (zone, canonical)
            }
        };
        Ok(ChaosWindows {
            time_zone,
            zone_name,
            allow: parse_list("allow", &file.allow)?,
            blackout: parse_list("blackout", &file.blackout)?,
        })
    }

    /// Windows that never close: chaos at any time.
    pub fn always_open() -> ChaosWindows {
        ChaosWindows {
            time_zone: TimeZone::UTC,
            zone_name: "UTC".to_owned(),
            allow: Vec::new(),
            blackout: Vec::new(),
        }
    }

    /// Whether chaos may be injected at `unix_secs` (seconds since the Unix
    /// epoch; a NaN counts as the epoch, values out of range are clamped).
    pub fn check(&self, unix_secs: f64) -> WindowCheck {
        let at = timestamp_of(unix_secs);
        let local = self.time_zone.to_datetime(at);
        match self.verdict(local) {
            Verdict::Open => WindowCheck::Open,
            Verdict::OutsideAllowed => {
                let entries: Vec<String> = self.allow.iter().map(Window::describe).collect();
                WindowCheck::Closed {
                    reason: ClosedReason::OutsideAllowed,
                    detail: format!(
                        "outside allow ({}) {}, local time {}",
                        entries.join(", "),
                        self.zone_name,
                        self.local_time(at)
                    ),
                }
            }
            Verdict::Blackout(index) => {
                let entry = self
                    .blackout
                    .get(index)
                    .map(Window::describe)
                    .unwrap_or_default();
                WindowCheck::Closed {
                    reason: ClosedReason::Blackout,
                    detail: format!(
                        "blackout[{index}] {entry} {}, local time {}",
                        self.zone_name,
                        self.local_time(at)
                    ),
                }
            }
        }
    }

    /// The first instant at or after `unix_secs` when chaos is allowed:
    /// `unix_secs` itself when open now, otherwise the first whole minute
    /// (of Unix time) that is open, looking at most
    /// [`NEXT_OPEN_HORIZON_SECS`] ahead. `None` when nothing opens within
    /// that horizon. Exact for zones whose offsets are whole minutes (every
    /// zone in use today), since entries are written to the minute. A NaN
    /// or out-of-range `unix_secs` is clamped as in [`Self::check`], and so
    /// is the answer.
    pub fn next_open(&self, unix_secs: f64) -> Option<f64> {
        let at = timestamp_of(unix_secs);
        if matches!(self.verdict(self.time_zone.to_datetime(at)), Verdict::Open) {
            let clamped = unix_secs.is_nan()
                || unix_secs < Timestamp::MIN.as_second() as f64
                || unix_secs > Timestamp::MAX.as_second() as f64;
            return Some(if clamped {
                at.as_second() as f64
            } else {
                unix_secs
            });
        }
        let start = at.as_second();
        let first_minute = start.div_euclid(60) * 60 + 60;
        let last = start.saturating_add(NEXT_OPEN_HORIZON_SECS);
        let mut minute = first_minute;
        while minute <= last {
            let Ok(candidate) = Timestamp::from_second(minute) else {
                return None;
            };
            if matches!(
                self.verdict(self.time_zone.to_datetime(candidate)),
                Verdict::Open
            ) {
                // Whole seconds well inside Timestamp's range (< 2^53) are
                // exact as f64.
                return Some(minute as f64);
            }
            minute += 60;
        }
        None
    }

    /// One line for the startup banner and `validate`, e.g.
    /// `allow mon-fri 09:00-17:00; blackout fri 16:00-24:00 (Europe/Paris)`.
    pub fn describe(&self) -> String {
        let allow = if self.allow.is_empty() {
            "allow any time".to_owned()
        } else {
            let entries: Vec<String> = self.allow.iter().map(Window::describe).collect();
            format!("allow {}", entries.join(", "))
        };
        if self.blackout.is_empty() {
            format!("{allow} ({})", self.zone_name)
        } else {
            let entries: Vec<String> = self.blackout.iter().map(Window::describe).collect();
            format!(
                "{allow}; blackout {} ({})",
                entries.join(", "),
                self.zone_name
            )
        }
    }

    /// The name of the zone entries are read in, e.g. `Europe/Paris`.
    pub fn time_zone_name(&self) -> &str {
        &self.zone_name
    }

    fn verdict(&self, local: DateTime) -> Verdict {
        if let Some(index) = self.blackout.iter().position(|w| w.matches(local)) {
            return Verdict::Blackout(index);
        }
        if self.allow.is_empty() || self.allow.iter().any(|w| w.matches(local)) {
            Verdict::Open
        } else {
            Verdict::OutsideAllowed
        }
    }

    /// `Fri 2026-03-06 16:30:00 CET` for messages.
    fn local_time(&self, at: Timestamp) -> String {
        let zoned = at.to_zoned_datetime(self.time_zone.clone());
        jiff::fmt::strtime::format("%a %Y-%m-%d %H:%M:%S %Z", &zoned)
            .unwrap_or_else(|_| zoned.datetime().to_string())
    }
}

impl Default for ChaosWindows {
    fn default() -> Self {
        ChaosWindows::always_open()
    }
}

impl fmt::Display for ChaosWindows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Window {
    /// Whether the local date-time falls inside this entry. An entry with
    /// hours that wrap past midnight belongs to the day it starts on.
    fn matches(&self, local: DateTime) -> bool {
        let date = local.date();
        let second = i32::from(local.hour()) * 3600
            + i32::from(local.minute()) * 60
            + i32::from(local.second());
        let Some(hours) = self.hours else {
            return self.applies_on(date);
        };
        let start = i32::from(hours.start) * 60;
        let end = i32::from(hours.end) * 60;
        if hours.start < hours.end {
            start <= second && second < end && self.applies_on(date)
        } else {
            (second >= start && self.applies_on(date))
                || (second < end && date.yesterday().is_ok_and(|day| self.applies_on(day)))
        }
    }

    /// Whether the entry's days and dates include `date`.
    fn applies_on(&self, date: Date) -> bool {
        self.days.is_none_or(|days| days.contains(date.weekday()))
            && self
                .dates
                .as_ref()
                .is_none_or(|dates| dates.binary_search(&date).is_ok())
    }

    /// `2026-12-24,2026-12-25 mon-fri 09:00-17:00`, omitting absent keys.
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(dates) = &self.dates {
            let dates: Vec<String> = dates.iter().map(Date::to_string).collect();
            parts.push(dates.join(","));
        }
        if let Some(days) = self.days {
            parts.push(days.describe());
        }
        if let Some(hours) = self.hours {
            parts.push(format!(
                "{}-{}",
                format_minutes(hours.start),
                format_minutes(hours.end)
            ));
        }
        parts.join(" ")
    }
}

impl DaySet {
    fn contains(self, day: Weekday) -> bool {
        let bit = day.to_monday_zero_offset();
        self.0 & (1 << bit) != 0
    }

    /// Runs of three or more consecutive days as ranges: `mon-fri`,
    /// `mon,wed,fri`, `sat,sun`.
    fn describe(self) -> String {
        let mut parts = Vec::new();
        let mut day = 0;
        while day < 7 {
            if self.0 & (1 << day) == 0 {
                day += 1;
                continue;
            }
            let mut last = day;
            while last + 1 < 7 && self.0 & (1 << (last + 1)) != 0 {
                last += 1;
            }
            match last - day {
                0 => parts.push(DAY_NAMES[day].to_owned()),
                1 => {
                    parts.push(DAY_NAMES[day].to_owned());
                    parts.push(DAY_NAMES[last].to_owned());
                }
                _ => parts.push(format!("{}-{}", DAY_NAMES[day], DAY_NAMES[last])),
            }
            day = last + 1;
        }
        parts.join(",")
    }
}

/// Parses `allow` or `blackout` (`key`).
fn parse_list(key: &str, entries: &[FileWindow]) -> Result<Vec<Window>, WindowError> {
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| parse_window(&format!("{key}[{index}]"), entry))
        .collect()
}

fn parse_window(path: &str, entry: &FileWindow) -> Result<Window, WindowError> {
    if entry.days.is_none() && entry.hours.is_none() && entry.dates.is_none() {
        return Err(WindowError::new(
            path,
            "empty entry: give at least one of days, hours, dates",
        ));
    }
    let days = entry
        .days
        .as_deref()
        .map(|days| parse_days(&format!("{path}.days"), days))
        .transpose()?;
    let hours = entry
        .hours
        .as_deref()
        .map(|hours| parse_hours(&format!("{path}.hours"), hours))
        .transpose()?;
    let dates = entry
        .dates
        .as_deref()
        .map(|dates| parse_dates(&format!("{path}.dates"), dates))
        .transpose()?;
    Ok(Window { days, hours, dates })
}

fn parse_days(path: &str, days: &[String]) -> Result<DaySet, WindowError> {
    if days.is_empty() {
        return Err(WindowError::new(
            path,
            "no days listed (list at least one, e.g. [mon, tue], or leave days out for every day)",
        ));
    }
    let mut set = 0u8;
    for (index, text) in days.iter().enumerate() {
        let item = format!("{path}[{index}]");
        let day = parse_day(text).ok_or_else(|| {
            let hint = if text.contains('-') {
                "; list each day, e.g. [mon, tue, wed, thu, fri]"
            } else {
                ""
            };
            WindowError::new(
                &item,
                format!("unknown day `{text}` (expected mon..sun or monday..sunday{hint})"),
            )
        })?;
        let bit = 1u8 << day;
        if set & bit != 0 {
            return Err(WindowError::new(
                &item,
                format!(
                    "duplicate day `{text}` ({} is already listed)",
                    DAY_NAMES[day]
                ),
            ));
        }
        set |= bit;
    }
    Ok(DaySet(set))
}

/// The Monday-zero index of a weekday name, short or full, any case.
fn parse_day(text: &str) -> Option<usize> {
    let lower = text.trim().to_ascii_lowercase();
    DAY_NAMES
        .iter()
        .position(|name| *name == lower)
        .or_else(|| DAY_FULL_NAMES.iter().position(|name| *name == lower))
}

fn parse_hours(path: &str, text: &str) -> Result<Hours, WindowError> {
    let format_error = || {
        WindowError::new(
            path,
            format!("invalid hours `{text}`: expected HH:MM-HH:MM, e.g. 09:00-17:00"),
        )
    };
    let (start, end) = text.trim().split_once('-').ok_or_else(format_error)?;
    let start = parse_clock(start.trim()).ok_or_else(format_error)?;
    let end = parse_clock(end.trim()).ok_or_else(format_error)?;
    for (value, what) in [(start, "start"), (end, "end")] {
        if value > MINUTES_PER_DAY {
            return Err(WindowError::new(
                path,
                format!(
                    "invalid hours `{text}`: the {what} {} is not a time of day (00:00 to 24:00)",
                    format_minutes(value)
                ),
            ));
        }
    }
    if start == MINUTES_PER_DAY {
        return Err(WindowError::new(
            path,
            format!("invalid hours `{text}`: the start must be before 24:00 (use 00:00)"),
        ));
    }
    if start == end {
        return Err(WindowError::new(
            path,
            format!(
                "invalid hours `{text}`: start and end are equal, so the window is empty \
                 (leave hours out for the whole day)"
            ),
        ));
    }
    Ok(Hours { start, end })
}

/// `HH:MM` with two-digit hours and minutes, minutes below 60, as minutes
/// since midnight. Hours up to 99 pass, so the caller can say that `25:00`
/// is out of range rather than badly written.
fn parse_clock(text: &str) -> Option<u16> {
    let (hours, minutes) = text.split_once(':')?;
    let two_digits = |part: &str| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(hours) || !two_digits(minutes) {
        return None;
    }
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    if minutes >= 60 {
        return None;
    }
    Some(hours * 60 + minutes)
}

fn format_minutes(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn parse_dates(path: &str, dates: &[String]) -> Result<Vec<Date>, WindowError> {
    if dates.is_empty() {
        return Err(WindowError::new(
            path,
            "no dates listed (list at least one, e.g. [\"2026-12-24\"], or leave dates out)",
        ));
    }
    let mut parsed: Vec<Date> = Vec::with_capacity(dates.len());
    for (index, text) in dates.iter().enumerate() {
        let item = format!("{path}[{index}]");
        let date = parse_date(text).map_err(|why| WindowError::new(&item, why))?;
        if parsed.contains(&date) {
            return Err(WindowError::new(
                &item,
                format!("duplicate date `{text}` (already listed)"),
            ));
        }
        parsed.push(date);
    }
    parsed.sort_unstable();
    Ok(parsed)
}

/// `YYYY-MM-DD`, strictly; the error names the value.
fn parse_date(text: &str) -> Result<Date, String> {
    let expected =
        || format!("invalid date `{text}`: expected a calendar date YYYY-MM-DD, e.g. 2026-12-24");
    let trimmed = text.trim();
    let mut parts = trimmed.split('-');
    let (Some(year), Some(month), Some(day), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(expected());
    };
    let digits =
        |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(month, 2) || !digits(day, 2) {
        return Err(expected());
    }
    let (Ok(year), Ok(month), Ok(day)) =
        (year.parse::<i16>(), month.parse::<i8>(), day.parse::<i8>())
    else {
        return Err(expected());
    };
    if !(1..=12).contains(&month) {
        return Err(format!(
            "invalid date `{text}`: there is no month {month} (01 to 12)"
        ));
    }
    let first = Date::new(year, month, 1).map_err(|_| expected())?;
    let last = first.days_in_month();
    Date::new(year, month, day)
        .map_err(|_| format!("invalid date `{text}`: that month has days 01 to {last:02}"))
}

/// The instant `unix_secs` names; NaN is the epoch, out-of-range values
/// clamp to jiff's limits (years -9999 and 9999).
fn timestamp_of(unix_secs: f64) -> Timestamp {
    if unix_secs.is_nan() {
        return Timestamp::UNIX_EPOCH;
    }
    let min = Timestamp::MIN.as_second();
    let max = Timestamp::MAX.as_second();
    // Both limits are about 2.5e11, exact as f64.
    let clamped = unix_secs.clamp(min as f64, max as f64);
    let whole = clamped.floor();
    let nanos = ((clamped - whole) * 1e9) as i32;
    Timestamp::new(whole as i64, nanos.clamp(0, 999_999_999)).unwrap_or(if clamped < 0.0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

#[cfg(test)]
mod tests {
    //! Every expected instant below was computed outside this code with
    //! GNU date, e.g. `TZ=Europe/Paris date -d '2026-03-04 10:00' +%s`, and
    //! every weekday with `date -d 2026-03-04 +%a`.

    use super::*;

    /// Wed 2026-03-04 in Paris (CET, +01:00).
    const WED_0859_59_PARIS: f64 = 1_772_611_199.0;
    const WED_0900_PARIS: f64 = 1_772_611_200.0;
    const WED_1000_PARIS: f64 = 1_772_614_800.0;
    const WED_1659_59_PARIS: f64 = 1_772_639_999.0;
    const WED_1700_PARIS: f64 = 1_772_640_000.0;
    /// Fri 2026-03-06 in Paris.
    const FRI_1559_59_PARIS: f64 = 1_772_809_199.0;
    const FRI_1600_PARIS: f64 = 1_772_809_200.0;
    const FRI_1630_PARIS: f64 = 1_772_811_000.0;
    const FRI_1700_PARIS: f64 = 1_772_812_800.0;
    /// Sat 2026-03-07 10:00 in Paris.
    const SAT_1000_PARIS: f64 = 1_772_874_000.0;
    /// Mon 2026-03-09 09:00 in Paris.
    const MON_0900_PARIS: f64 = 1_773_043_200.0;

    const BRIEF_EXAMPLE: &str = r#"
time_zone: Europe/Paris
allow:
  - { days: [mon, tue, wed, thu, fri], hours: "09:00-17:00" }
blackout:
  - { days: [fri], hours: "16:00-24:00" }
  - { dates: ["2026-12-24", "2026-12-25"] }
"#;

    fn file(yaml: &str) -> FileWindows {
        yaml_serde::from_str(yaml).unwrap()
    }

    fn windows(yaml: &str) -> ChaosWindows {
        ChaosWindows::from_file(&file(yaml)).unwrap()
    }

    fn error(yaml: &str) -> String {
        ChaosWindows::from_file(&file(yaml))
            .unwrap_err()
            .to_string()
    }

    fn reason(windows: &ChaosWindows, at: f64) -> Option<ClosedReason> {
        match windows.check(at) {
            WindowCheck::Open => None,
            WindowCheck::Closed { reason, .. } => Some(reason),
        }
    }

    fn detail(windows: &ChaosWindows, at: f64) -> String {
        match windows.check(at) {
            WindowCheck::Open => panic!("open at {at}"),
            WindowCheck::Closed { detail, .. } => detail,
        }
    }

    const OUTSIDE: Option<ClosedReason> = Some(ClosedReason::OutsideAllowed);
    const BLACKOUT: Option<ClosedReason> = Some(ClosedReason::Blackout);

    #[test]
    fn weekday_window_in_a_time_zone() {
        let w = windows("time_zone: Europe/Paris\nallow: [{ days: [mon, tue, wed, thu, fri], hours: 09:00-17:00 }]");
        assert_eq!(reason(&w, WED_0859_59_PARIS), OUTSIDE);
        assert_eq!(reason(&w, WED_0900_PARIS), None, "start is inclusive");
        assert_eq!(reason(&w, WED_1000_PARIS), None);
        assert_eq!(reason(&w, WED_1659_59_PARIS), None);
        assert_eq!(reason(&w, WED_1700_PARIS - 0.25), None);
        assert_eq!(reason(&w, WED_1700_PARIS), OUTSIDE, "end is exclusive");
        assert_eq!(reason(&w, SAT_1000_PARIS), OUTSIDE);
        assert_eq!(
            detail(&w, SAT_1000_PARIS),
            "outside allow (mon-fri 09:00-17:00) Europe/Paris, local time Sat 2026-03-07 10:00:00 CET"
        );
        // The same instants in UTC are an hour earlier on the clock.
        let utc = windows("allow: [{ days: [wed], hours: 09:00-17:00 }]");
        assert_eq!(reason(&utc, WED_0900_PARIS), OUTSIDE, "08:00 UTC");
        assert_eq!(reason(&utc, WED_1700_PARIS), None, "16:00 UTC");
    }

    #[test]
    fn hours_that_wrap_past_midnight_belong_to_their_start_day() {
        let w = windows("allow: [{ days: [fri], hours: 22:00-02:00 }]");
        // 2026-03-06 is a Friday; UTC.
        assert_eq!(reason(&w, 1_772_834_399.0), OUTSIDE, "Fri 21:59:59");
        assert_eq!(reason(&w, 1_772_834_400.0), None, "Fri 22:00");
        assert_eq!(reason(&w, 1_772_838_000.0), None, "Fri 23:00");
        assert_eq!(reason(&w, 1_772_848_799.0), None, "Sat 01:59:59");
        assert_eq!(reason(&w, 1_772_848_800.0), OUTSIDE, "Sat 02:00");
        assert_eq!(reason(&w, 1_772_924_400.0), OUTSIDE, "Sat 23:00");
        assert_eq!(
            reason(&w, 1_772_758_800.0),
            OUTSIDE,
            "Fri 01:00 belongs to Thursday's night, which is not listed"
        );
    }

    #[test]
    fn end_at_24_00_covers_the_last_second_of_the_day() {
        let w = windows("blackout: [{ days: [fri], hours: 16:00-24:00 }]");
        // 2026-03-06 is a Friday; UTC.
        assert_eq!(reason(&w, 1_772_812_799.0), None, "Fri 15:59:59");
        assert_eq!(reason(&w, 1_772_812_800.0), BLACKOUT, "Fri 16:00");
        assert_eq!(reason(&w, 1_772_841_599.0), BLACKOUT, "Fri 23:59:59");
        assert_eq!(reason(&w, 1_772_841_599.5), BLACKOUT, "Fri 23:59:59.5");
        assert_eq!(reason(&w, 1_772_841_600.0), None, "Sat 00:00");
    }

    #[test]
    fn blackout_overrides_allow() {
        let w = windows(BRIEF_EXAMPLE);
        assert_eq!(reason(&w, FRI_1559_59_PARIS), None);
        assert_eq!(reason(&w, FRI_1600_PARIS), BLACKOUT);
        assert_eq!(reason(&w, FRI_1630_PARIS), BLACKOUT);
        assert_eq!(
            detail(&w, FRI_1630_PARIS),
            "blackout[0] fri 16:00-24:00 Europe/Paris, local time Fri 2026-03-06 16:30:00 CET"
        );
        // Outside allow too, but the blackout is the reason given.
        assert_eq!(reason(&w, FRI_1700_PARIS), BLACKOUT);
        assert!(w.check(WED_1000_PARIS).is_open());
    }

    #[test]
    fn dates_are_whole_local_days() {
        let w = windows(BRIEF_EXAMPLE);
        // Thu 2026-12-24 and Fri 2026-12-25, Paris (CET); the allow entry
        // would not open midnight anyway, so use an allow-free copy too.
        let blackout_only = windows(
            "time_zone: Europe/Paris\nblackout: [{ dates: [\"2026-12-24\", \"2026-12-25\"] }]",
        );
        assert_eq!(
            reason(&blackout_only, 1_798_066_799.0),
            None,
            "Dec 23 23:59:59"
        );
        assert_eq!(
            reason(&blackout_only, 1_798_066_800.0),
            BLACKOUT,
            "Dec 24 00:00"
        );
        assert_eq!(
            reason(&blackout_only, 1_798_239_599.0),
            BLACKOUT,
            "Dec 25 23:59:59"
        );
        assert_eq!(
            reason(&blackout_only, 1_798_239_600.0),
            None,
            "Dec 26 00:00"
        );
        assert_eq!(
            detail(&w, 1_798_099_200.0),
            "blackout[1] 2026-12-24,2026-12-25 Europe/Paris, local time Thu 2026-12-24 09:00:00 CET"
        );
    }

    #[test]
    fn dates_combine_with_days_and_hours() {
        let w = windows(
            "time_zone: Europe/Paris\nallow:\n  - { dates: [2026-12-24], hours: 09:00-12:00 }\n  - { dates: [2026-12-24], days: [fri] }",
        );
        let dec24_0900 = 1_798_099_200.0;
        assert_eq!(reason(&w, dec24_0900 - 1.0), OUTSIDE);
        assert_eq!(reason(&w, dec24_0900), None);
        assert_eq!(
            reason(&w, dec24_0900 + 3.0 * 3600.0 - 1.0),
            None,
            "11:59:59"
        );
        assert_eq!(reason(&w, dec24_0900 + 3.0 * 3600.0), OUTSIDE, "12:00");
        // Dec 24 is a Thursday, so the second entry never matches: 13:00
        // that day is outside, and so is Fri Dec 25 (not in its dates).
        assert_eq!(reason(&w, dec24_0900 + 4.0 * 3600.0), OUTSIDE);
        assert_eq!(reason(&w, dec24_0900 + 86_400.0 + 3600.0), OUTSIDE);
    }

    #[test]
    fn daylight_saving_days_follow_local_time() {
        let w = windows("time_zone: Europe/Paris\nblackout: [{ hours: 02:00-03:00 }]");
        // Autumn, Sun 2026-10-25: 03:00 CEST becomes 02:00 CET, so the
        // local hour 02:00-03:00 happens twice: two hours of blackout.
        assert_eq!(reason(&w, 1_792_886_399.0), None, "01:59:59 CEST");
        assert_eq!(reason(&w, 1_792_886_400.0), BLACKOUT, "02:00 CEST");
        assert_eq!(reason(&w, 1_792_889_999.0), BLACKOUT, "02:59:59 CEST");
        assert_eq!(reason(&w, 1_792_890_000.0), BLACKOUT, "02:00 CET");
        assert_eq!(reason(&w, 1_792_893_599.0), BLACKOUT, "02:59:59 CET");
        assert_eq!(reason(&w, 1_792_893_600.0), None, "03:00 CET");
        // Spring, Sun 2026-03-29: 02:00 CET becomes 03:00 CEST, so the
        // local hour never happens and nothing is blacked out...
        assert_eq!(reason(&w, 1_774_745_999.0), None, "01:59:59 CET");
        assert_eq!(reason(&w, 1_774_746_000.0), None, "03:00 CEST");
        // ...while the day before it did (Sat 2026-03-28 02:30 CET).
        assert_eq!(reason(&w, 1_774_661_400.0), BLACKOUT);

        // A 09:00 start on the spring day is 07:00 UTC, not 08:00.
        let allow = windows("time_zone: Europe/Paris\nallow: [{ hours: 09:00-17:00 }]");
        assert_eq!(reason(&allow, 1_774_767_599.0), OUTSIDE, "08:59:59 CEST");
        assert_eq!(reason(&allow, 1_774_767_600.0), None, "09:00 CEST");
        // From 01:30 CET (00:30 UTC), across the transition.
        assert_eq!(allow.next_open(1_774_744_200.0), Some(1_774_767_600.0));
    }

    #[test]
    fn new_york_spring_forward() {
        // Sun 2026-03-08: 02:00 EST becomes 03:00 EDT.
        let w =
            windows("time_zone: America/New_York\nallow: [{ days: [sun], hours: 02:30-04:00 }]");
        assert_eq!(reason(&w, 1_772_953_199.0), OUTSIDE, "01:59:59 EST");
        assert_eq!(
            reason(&w, 1_772_953_200.0),
            None,
            "03:00 EDT, inside 02:30-04:00"
        );
        assert_eq!(reason(&w, 1_772_956_800.0), OUTSIDE, "04:00 EDT");
        // Closed at 01:59:59 EST; opens at the transition, as 02:30 never happens.
        assert_eq!(w.next_open(1_772_953_199.0), Some(1_772_953_200.0));
    }

    #[test]
    fn next_open_across_a_weekend() {
        let w = windows(BRIEF_EXAMPLE);
        assert_eq!(w.next_open(FRI_1630_PARIS), Some(MON_0900_PARIS));
        assert_eq!(w.next_open(FRI_1700_PARIS + 30.5), Some(MON_0900_PARIS));
        assert_eq!(w.next_open(SAT_1000_PARIS), Some(MON_0900_PARIS));
        // Open now: the instant itself, fraction kept.
        assert_eq!(
            w.next_open(WED_1000_PARIS + 0.25),
            Some(WED_1000_PARIS + 0.25)
        );
        // One second before the window: the window's first second.
        assert_eq!(w.next_open(WED_0859_59_PARIS), Some(WED_0900_PARIS));
        assert_eq!(w.next_open(WED_0859_59_PARIS - 0.5), Some(WED_0900_PARIS));
    }

    #[test]
    fn next_open_stops_at_the_horizon() {
        let dec24_paris = 1_798_066_800.0;
        let w = windows("time_zone: Europe/Paris\nallow: [{ dates: [2026-12-24] }]");
        assert_eq!(
            w.next_open(1_797_764_400.0),
            Some(dec24_paris),
            "from Dec 20 12:00"
        );
        let horizon = NEXT_OPEN_HORIZON_SECS as f64;
        assert_eq!(w.next_open(dec24_paris - horizon), Some(dec24_paris));
        assert_eq!(w.next_open(dec24_paris - horizon - 60.0), None);
        assert_eq!(w.next_open(WED_1000_PARIS), None, "months before");

        let never = windows("blackout: [{ days: [mon, tue, wed, thu, fri, sat, sun] }]");
        assert_eq!(never.next_open(WED_1000_PARIS), None);
        assert_eq!(reason(&never, WED_1000_PARIS), BLACKOUT);
    }

    #[test]
    fn no_windows_means_always_open() {
        for w in [
            windows("{}"),
            windows("allow: []\nblackout: []"),
            ChaosWindows::default(),
        ] {
            for at in [0.0, WED_1000_PARIS, SAT_1000_PARIS, f64::NAN, -1e300, 1e300] {
                assert!(w.check(at).is_open(), "{at}");
            }
            assert_eq!(w.describe(), "allow any time (UTC)");
        }
    }

    #[test]
    fn out_of_range_instants_do_not_panic() {
        let w = windows(BRIEF_EXAMPLE);
        for at in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, -1e300] {
            let _ = w.check(at);
            let _ = w.next_open(at);
        }
        let open = ChaosWindows::always_open();
        assert_eq!(open.next_open(f64::NAN), Some(0.0));
        for at in [f64::INFINITY, f64::NEG_INFINITY, 1e300, -1e300] {
            assert!(
                open.next_open(at)
                    .is_some_and(|t| t.is_finite() && t.abs() < 1e12),
                "{at}"
            );
        }
        // Clamped to the epoch: Thu 1970-01-01 01:00 CET, outside hours.
        assert_eq!(reason(&w, f64::NAN), OUTSIDE);
    }

    #[test]
    fn describe_is_one_readable_line() {
        assert_eq!(
            windows(BRIEF_EXAMPLE).describe(),
            "allow mon-fri 09:00-17:00; blackout fri 16:00-24:00, 2026-12-24,2026-12-25 (Europe/Paris)"
        );
        let w = windows(
            "time_zone: europe/paris\nallow:\n  - { days: [Sunday, sat, WED, mon], hours: 22:00-02:00 }\n  - { days: [mon, tue, wed, fri] }\n  - { days: [sun, mon, tue, wed, thu, fri, sat] }\n  - { hours: 00:00-24:00 }",
        );
        assert_eq!(
            w.describe(),
            "allow mon,wed,sat,sun 22:00-02:00, mon-wed,fri, mon-sun, 00:00-24:00 (Europe/Paris)"
        );
        assert_eq!(w.time_zone_name(), "Europe/Paris");
        assert_eq!(w.to_string(), w.describe());
    }

    #[test]
    fn file_types_follow_the_yaml_schema() {
        let parsed = file(BRIEF_EXAMPLE);
        assert_eq!(parsed.time_zone.as_deref(), Some("Europe/Paris"));
        assert_eq!(parsed.allow.len(), 1);
        assert_eq!(parsed.allow[0].days.as_ref().unwrap().len(), 5);
        assert_eq!(parsed.allow[0].hours.as_deref(), Some("09:00-17:00"));
        assert_eq!(
            parsed.blackout[1].dates.as_deref(),
            Some(&["2026-12-24".to_owned(), "2026-12-25".to_owned()][..])
        );
        // Unquoted dates and times stay strings.
        let unquoted = file("allow: [{ dates: [2026-12-24], hours: 09:00-17:00 }]");
        assert_eq!(
            unquoted.allow[0].dates.as_deref(),
            Some(&["2026-12-24".to_owned()][..])
        );
        assert_eq!(unquoted.allow[0].hours.as_deref(), Some("09:00-17:00"));

        let unknown = yaml_serde::from_str::<FileWindows>("allow: [{ day: [mon] }]").unwrap_err();
        assert!(
            unknown.to_string().contains("unknown field `day`"),
            "{unknown}"
        );
        let unknown = yaml_serde::from_str::<FileWindows>("timezone: UTC").unwrap_err();
        assert!(
            unknown.to_string().contains("unknown field `timezone`"),
            "{unknown}"
        );
    }

    #[test]
    fn bundled_time_zone_database_is_compiled_in() {
        // Slim containers have no /usr/share/zoneinfo; jiff then falls back
        // to this copy (feature `tzdb-bundle-always`).
        let bundled = jiff::tz::TimeZoneDatabase::bundled();
        assert!(bundled.get("Europe/Paris").is_ok());
        assert!(bundled.get("America/New_York").is_ok());
    }

    #[test]
    fn unknown_time_zone() {
        assert_eq!(
            error("time_zone: Europe/Pariss"),
            "time_zone: unknown time zone `Europe/Pariss` (an IANA name such as Europe/Paris)"
        );
        assert_eq!(
            error("time_zone: \"\""),
            "time_zone: unknown time zone `` (an IANA name such as Europe/Paris)"
        );
    }

    #[test]
    fn bad_days() {
        assert_eq!(
            error("allow: [{ days: [mon, tues] }]"),
            "allow[0].days[1]: unknown day `tues` (expected mon..sun or monday..sunday)"
        );
        assert_eq!(
            error("allow: [{ days: [mon-fri] }]"),
            "allow[0].days[0]: unknown day `mon-fri` (expected mon..sun or monday..sunday; \
             list each day, e.g. [mon, tue, wed, thu, fri])"
        );
        assert_eq!(
            error("blackout: [{ hours: 01:00-02:00 }, { days: [mon, Monday] }]"),
            "blackout[1].days[1]: duplicate day `Monday` (mon is already listed)"
        );
        assert_eq!(
            error("allow: [{ days: [] }]"),
            "allow[0].days: no days listed (list at least one, e.g. [mon, tue], \
             or leave days out for every day)"
        );
    }

    #[test]
    fn bad_hours() {
        let expected = |value: &str| {
            format!(
                "allow[0].hours: invalid hours `{value}`: expected HH:MM-HH:MM, e.g. 09:00-17:00"
            )
        };
        for value in [
            "9-17",
            "9:00-17:00",
            "09:00",
            "09:00-",
            "0900-1700",
            "09:60-10:00",
            "09:00-17:00-18:00",
            "",
            "ab:cd-ef:gh",
        ] {
            assert_eq!(
                error(&format!("allow: [{{ hours: \"{value}\" }}]")),
                expected(value),
                "{value:?}"
            );
        }
        assert_eq!(
            error("allow: [{ hours: \"09:00-25:00\" }]"),
            "allow[0].hours: invalid hours `09:00-25:00`: the end 25:00 is not a time of day (00:00 to 24:00)"
        );
        assert_eq!(
            error("allow: [{ hours: \"24:30-01:00\" }]"),
            "allow[0].hours: invalid hours `24:30-01:00`: the start 24:30 is not a time of day (00:00 to 24:00)"
        );
        assert_eq!(
            error("allow: [{ hours: \"24:00-02:00\" }]"),
            "allow[0].hours: invalid hours `24:00-02:00`: the start must be before 24:00 (use 00:00)"
        );
        assert_eq!(
            error("blackout: [{ hours: \"09:00-09:00\" }]"),
            "blackout[0].hours: invalid hours `09:00-09:00`: start and end are equal, so the window \
             is empty (leave hours out for the whole day)"
        );
        // Spaces around the dash are fine; so is 00:00 as a wrapping end.
        assert!(ChaosWindows::from_file(&file("allow: [{ hours: \"09:00 - 17:00\" }]")).is_ok());
        assert_eq!(
            windows("allow: [{ hours: \"22:00-00:00\" }]").describe(),
            "allow 22:00-00:00 (UTC)"
        );
    }

    #[test]
    fn bad_dates() {
        assert_eq!(
            error("blackout: [{ days: [fri] }, { dates: [\"2026-02-30\"] }]"),
            "blackout[1].dates[0]: invalid date `2026-02-30`: that month has days 01 to 28"
        );
        assert_eq!(
            error("blackout: [{ dates: [\"2026-12-24\", \"2026-13-01\"] }]"),
            "blackout[0].dates[1]: invalid date `2026-13-01`: there is no month 13 (01 to 12)"
        );
        for value in [
            "24/12/2026",
            "2026-1-5",
            "2026-12-24T00:00",
            "20261224",
            "tomorrow",
        ] {
            assert_eq!(
                error(&format!("blackout: [{{ dates: [\"{value}\"] }}]")),
                format!(
                    "blackout[0].dates[0]: invalid date `{value}`: expected a calendar date \
                     YYYY-MM-DD, e.g. 2026-12-24"
                ),
                "{value:?}"
            );
        }
        assert_eq!(
            error("blackout: [{ dates: [2026-12-24, 2026-12-25, 2026-12-24] }]"),
            "blackout[0].dates[2]: duplicate date `2026-12-24` (already listed)"
        );
        assert_eq!(
            error("blackout: [{ dates: [] }]"),
            "blackout[0].dates: no dates listed (list at least one, e.g. [\"2026-12-24\"], \
             or leave dates out)"
        );
        // A leap day is a real date.
        assert!(ChaosWindows::from_file(&file("blackout: [{ dates: [2028-02-29] }]")).is_ok());
    }

    #[test]
    fn empty_entry() {
        assert_eq!(
            error("blackout: [{ days: [fri] }, {}]"),
            "blackout[1]: empty entry: give at least one of days, hours, dates"
        );
        assert_eq!(
            error("allow: [{}]"),
            "allow[0]: empty entry: give at least one of days, hours, dates"
        );
    }

    #[test]
    fn error_fields_carry_the_relative_path() {
        let err = ChaosWindows::from_file(&file("allow: [{ hours: \"9-17\" }]")).unwrap_err();
        assert_eq!(err.path, "allow[0].hours");
        assert_eq!(
            err.message,
            "invalid hours `9-17`: expected HH:MM-HH:MM, e.g. 09:00-17:00"
        );
    }
}
