//! The ticks of the timeline's axis: round clock steps in the report's
//! zone ([`ReportZone`]), labelled for their scale.

use super::zone::ReportZone;

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

/// Ticks at whole multiples of the step on the zone's clock (minutes on
/// the minute, days at local midnight) between `from` and `to`.
pub fn ticks(from: f64, to: f64, zone: &ReportZone) -> Vec<Tick> {
    if !(from.is_finite() && to.is_finite()) || to < from {
        return Vec::new();
    }
    let step = tick_step(to - from);
    // Offsets are whole seconds, far inside f64's exact integers.
    let offset = |at: f64| zone.offset_seconds(at) as f64;
    let first_offset = offset(from);
    // Round in local time, then back to Unix time with the offset in force
    // at that instant (a daylight-saving change between the ends shifts it).
    let mut local = ((from + first_offset) / step).ceil() * step;
    let mut ticks = Vec::new();
    while ticks.len() <= MAX_TICKS as usize + 1 {
        let guess = local - first_offset;
        let at = local - offset(guess);
        if at > to {
            break;
        }
        let after_last = ticks.last().is_none_or(|last: &Tick| at > last.at);
        if at >= from && after_last {
            ticks.push(Tick {
                at,
                label: label(at, step, zone),
            });
        }
        local += step;
    }
    ticks
}

/// A tick's label: `08:48:30`, `08:48`, `01-07 12:00` or `2024-01-07`.
fn label(at: f64, step: f64, zone: &ReportZone) -> String {
    let civil = zone.civil(at);
    let format = if step < 60.0 {
        "%H:%M:%S"
    } else if step < 21_600.0 {
        "%H:%M"
    } else if step < 86_400.0 {
        "%m-%d %H:%M"
    } else {
        "%Y-%m-%d"
    };
    civil.strftime(format).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let utc = ReportZone::utc();
        let ticks = ticks(base - 25.0, base + 1295.0, &utc);
        let labels: Vec<&str> = ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "08:48", "08:50", "08:52", "08:54", "08:56", "08:58", "09:00", "09:02", "09:04",
                "09:06", "09:08"
            ]
        );
        let seconds = super::ticks(base + 1.5, base + 20.0, &utc);
        assert_eq!(seconds[0].label, "08:48:02");
        assert_eq!(seconds[0].at, base + 2.0);
        let half_days = super::ticks(base, base + 5.0 * 86_400.0, &utc);
        assert_eq!(half_days[0].label, "01-07 12:00");
        let days = super::ticks(base, base + 10.0 * 86_400.0, &utc);
        assert_eq!(days[0].label, "2024-01-08");
        assert!(super::ticks(5.0, 1.0, &utc).is_empty());
    }

    #[test]
    fn ticks_follow_the_chosen_zone() {
        let base = 1_704_617_280.0; // 2024-01-07 08:48:00 UTC
        let paris = ReportZone::parse("Europe/Paris").unwrap();
        let hours = ticks(base, base + 6.0 * 3600.0, &paris);
        assert_eq!(hours[0].label, "10:00", "09:48 CET rounds up to 10:00");
        assert_eq!(hours[0].at, base + 720.0);
        // India is 5h30 ahead: hour ticks fall on the half hour in UTC.
        let kolkata = ReportZone::parse("Asia/Kolkata").unwrap();
        let local = ticks(base, base + 6.0 * 3600.0, &kolkata);
        assert_eq!(local[0].label, "14:30");
        assert_eq!(local[0].at, base + 720.0);
        // Daylight saving starts 2024-03-31 01:00 UTC in Paris: the
        // midnight-to-noon ticks keep reading as round local hours.
        let spring = ticks(1_711_839_600.0, 1_711_839_600.0 + 12.0 * 3600.0, &paris);
        assert!(
            spring.iter().all(|t| t.label.ends_with(":00")),
            "{spring:?}"
        );
        assert!(spring.windows(2).all(|w| w[0].at < w[1].at));
    }
}
