//! Time for people: UTC clock labels and the ticks of the timeline's axis.
//!
//! Journal times are Unix seconds; labels are UTC (no time-zone database,
//! no locale), so a report reads the same wherever it is made.

/// A broken-down UTC instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utc {
    /// Proleptic Gregorian year.
    pub year: i64,
    /// 1..=12.
    pub month: u32,
    /// 1..=31.
    pub day: u32,
    /// 0..=23.
    pub hour: u32,
    /// 0..=59.
    pub minute: u32,
    /// 0..=59.
    pub second: u32,
}

impl Utc {
    /// The UTC calendar date and clock time of `unix` seconds (rounded down
    /// to the second; non-finite values read as the epoch).
    pub fn of(unix: f64) -> Utc {
        let seconds = if unix.is_finite() {
            // Saturating cast: the journal's times are far inside i64.
            unix.floor() as i64
        } else {
            0
        };
        let days = seconds.div_euclid(86_400);
        let of_day = seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        // rem_euclid keeps these within 0..86400, so they fit in u32.
        let of_day = u32::try_from(of_day).unwrap_or(0);
        Utc {
            year,
            month,
            day,
            hour: of_day / 3600,
            minute: of_day / 60 % 60,
            second: of_day % 60,
        }
    }

    /// `2024-01-07`
    pub fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `08:48:00`
    pub fn clock(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }

    /// `08:48`
    pub fn clock_minutes(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }
}

/// `2024-01-07 08:48:00 UTC`
pub fn format_utc(unix: f64) -> String {
    let utc = Utc::of(unix);
    format!("{} {} UTC", utc.date(), utc.clock())
}

/// (year, month, day) of a count of days since 1970-01-01, proleptic
/// Gregorian (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // day is 1..=31 and month 1..=12 by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// Tick spacings to choose from, seconds: round clock steps from one second
/// to a month.
const STEPS: &[f64] = &[
    1.0,
    2.0,
    5.0,
    10.0,
    15.0,
    30.0, // seconds
    60.0,
    120.0,
    300.0,
    600.0,
    900.0,
    1800.0, // minutes
    3600.0,
    7200.0,
    10_800.0,
    21_600.0,
    43_200.0, // hours
    86_400.0,
    172_800.0,
    604_800.0,
    1_209_600.0,
    2_592_000.0, // days
];

/// At most this many ticks on an axis.
pub const MAX_TICKS: f64 = 12.0;

/// One labelled tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Unix seconds.
    pub at: f64,
    /// `08:48:30`, `08:48`, `01-07 12:00` or `2024-01-07`, depending on
    /// the spacing.
    pub label: String,
}

/// The spacing for `span` seconds: the smallest round step that gives at
/// most [`MAX_TICKS`] ticks.
pub fn tick_step(span: f64) -> f64 {
    let span = if span.is_finite() { span.max(0.0) } else { 0.0 };
    STEPS
        .iter()
        .copied()
        .find(|step| span / step <= MAX_TICKS)
        .unwrap_or_else(|| {
            // Longer than a year: whole multiples of 30 days.
            (span / MAX_TICKS / 2_592_000.0).ceil() * 2_592_000.0
        })
}

/// Ticks at whole multiples of the step (UTC-aligned: minutes on the
/// minute, days at midnight) between `from` and `to`.
pub fn ticks(from: f64, to: f64) -> Vec<Tick> {
    if !(from.is_finite() && to.is_finite()) || to < from {
        return Vec::new();
    }
    let step = tick_step(to - from);
    let mut at = (from / step).ceil() * step;
    let mut ticks = Vec::new();
    while at <= to && ticks.len() <= MAX_TICKS as usize + 1 {
        let utc = Utc::of(at);
        let label = if step < 60.0 {
            utc.clock()
        } else if step < 21_600.0 {
            utc.clock_minutes()
        } else if step < 86_400.0 {
            format!("{:02}-{:02} {}", utc.month, utc.day, utc.clock_minutes())
        } else {
            utc.date()
        };
        ticks.push(Tick { at, label });
        at += step;
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_and_clock_times() {
        assert_eq!(format_utc(0.0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(1_704_617_280.5), "2024-01-07 08:48:00 UTC");
        // A leap day and the day after.
        assert_eq!(Utc::of(1_709_164_800.0).date(), "2024-02-29");
        assert_eq!(Utc::of(1_709_251_200.0).date(), "2024-03-01");
        assert_eq!(Utc::of(-1.0).date(), "1969-12-31");
        assert_eq!(Utc::of(-1.0).clock(), "23:59:59");
        assert_eq!(Utc::of(f64::NAN).date(), "1970-01-01");
    }

    #[test]
    fn the_step_grows_with_the_span() {
        assert_eq!(tick_step(0.0), 1.0);
        assert_eq!(tick_step(10.0), 1.0);
        assert_eq!(tick_step(30.0), 5.0);
        assert_eq!(tick_step(1270.0), 120.0);
        assert_eq!(tick_step(3.0 * 3600.0), 900.0);
        assert_eq!(tick_step(3.0 * 86_400.0), 21_600.0);
        assert_eq!(tick_step(30.0 * 86_400.0), 604_800.0);
        assert_eq!(tick_step(2.0 * 365.0 * 86_400.0), 7_776_000.0);
    }

    #[test]
    fn ticks_sit_on_round_utc_times_with_labels_for_their_scale() {
        let base = 1_704_617_280.0; // 2024-01-07 08:48:00 UTC
        let ticks = ticks(base - 25.0, base + 1295.0);
        let labels: Vec<&str> = ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "08:48", "08:50", "08:52", "08:54", "08:56", "08:58", "09:00", "09:02", "09:04",
                "09:06", "09:08"
            ]
        );
        let seconds = super::ticks(base + 1.5, base + 20.0);
        assert_eq!(seconds[0].label, "08:48:02");
        assert_eq!(seconds[0].at, base + 2.0);
        let half_days = super::ticks(base, base + 5.0 * 86_400.0);
        assert_eq!(half_days[0].label, "01-07 12:00");
        let days = super::ticks(base, base + 10.0 * 86_400.0);
        assert_eq!(days[0].label, "2024-01-08");
        assert!(super::ticks(5.0, 1.0).is_empty());
    }
}
