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

/// Which list an entry belongs to, for paths and messages.
#[derive(Debug, Clone, Copy)]
enum List {
    Allow,
    Blackout,
}

impl List {
    fn key(self) -> &'static str {
        match self {
            List::Allow => "allow",
            List::Blackout => "blackout",
        }
    }
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
            allow: parse_list(List::Allow, &file.allow)?,
            blackout: parse_list(List::Blackout, &file.blackout)?,
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
    /// zone in use today), since entries are written to the minute.
    pub fn next_open(&self, unix_secs: f64) -> Option<f64> {
        let at = timestamp_of(unix_secs);
        if matches!(self.verdict(self.time_zone.to_datetime(at)), Verdict::Open) {
            return Some(unix_secs);
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

fn parse_list(list: List, entries: &[FileWindow]) -> Result<Vec<Window>, WindowError> {
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| parse_window(&format!("{}[{index}]", list.key()), entry))
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
