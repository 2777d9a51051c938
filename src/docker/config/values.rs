//! The fault values of a Docker target, checked one by one: percentages,
//! rates, delays, the stop grace, the kill signal and the blast radius.
//! Each check refuses what would fail, or do nothing, when the fault runs,
//! and says the allowed range; `target` puts the key path and position in
//! front. The `docker:` selector's values are in `selector`.

use std::time::Duration;

use super::file::{FileNetwork, NumberOrText};
use crate::clock::format_duration;
use crate::docker::netfault::{
    MAX_NETEM_DELAY, MAX_RATE_BITS, MIN_NETEM_DELAY, MIN_PERCENT, MIN_RATE_BITS,
};
use crate::docker::spec::{describe_rate, MAX_STOP_GRACE};
use crate::docker::{signals, BlastRadius, NetworkFault};

/// The network fault of `network`, or the field at fault and why.
pub(super) fn network_fault(network: &FileNetwork) -> Result<NetworkFault, (&'static str, String)> {
    let percent = |field: &'static str, value: &Option<NumberOrText>| match value {
        Some(value) => fault_percent(value).map(Some).map_err(|m| (field, m)),
        None => Ok(None),
    };
    let fault = NetworkFault {
        loss: percent("loss", &network.loss)?,
        rate: match &network.rate {
            Some(rate) => Some(parse_rate(rate).map_err(|m| ("rate", m))?),
            None => None,
        },
        delay: network.delay,
        jitter: network.jitter,
        corrupt: percent("corrupt", &network.corrupt)?,
        duplicate: percent("duplicate", &network.duplicate)?,
        // Set from `policy.docker.delay_with` with the target's faults.
        delay_by: Default::default(),
    };
    if fault == NetworkFault::default() {
        return Err((
            "loss",
            "say what to degrade: loss, rate, delay, jitter, corrupt or duplicate".to_owned(),
        ));
    }
    if fault.jitter.is_some() && fault.delay.is_none() {
        return Err((
            "jitter",
            "`jitter` varies a `delay`; give `delay` too".to_owned(),
        ));
    }
    for (field, value) in [("delay", fault.delay), ("jitter", fault.jitter)] {
        let Some(value) = value else { continue };
        let whole_ms = value.subsec_nanos() % 1_000_000 == 0;
        if value > MAX_NETEM_DELAY || value < MIN_NETEM_DELAY || !whole_ms {
            return Err((
                field,
                format!(
                    "`{field}` must be whole milliseconds from {}ms to {}s (netem is given \
                     milliseconds), got {}",
                    MIN_NETEM_DELAY.as_millis(),
                    MAX_NETEM_DELAY.as_secs(),
                    show(value)
                ),
            ));
        }
    }
    if let (Some(delay), Some(jitter)) = (fault.delay, fault.jitter) {
        if jitter > delay {
            return Err((
                "jitter",
                format!(
                    "`jitter` {} is larger than `delay` {}: netem would draw negative delays \
                     and send those packets at once; give a jitter of at most the delay",
                    show(jitter),
                    show(delay)
                ),
            ));
        }
    }
    Ok(fault)
}

/// `10ms`, `1.5ms` below a second, `50s`, `1.5s` from there.
fn show(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{}ms", duration.as_micros() as f64 / 1000.0)
    } else {
        format_duration(duration)
    }
}

/// `30%`, `30`, `0.5%`: above 0, at most 100.
pub(super) fn parse_percent(value: &NumberOrText) -> Result<f64, String> {
    let number = match value {
        NumberOrText::Number(n) => Some(*n),
        NumberOrText::Text(text) => text.trim().trim_end_matches('%').trim().parse::<f64>().ok(),
    };
    match number {
        Some(n) if n.is_finite() && n > 0.0 && n <= 100.0 => Ok(n),
        _ => Err(format!(
            "expected a percentage above 0 and at most 100, e.g. 30%, got `{value}`"
        )),
    }
}

/// A share of packets (`loss`, `corrupt`, `duplicate`): a percentage of
/// at least [`MIN_PERCENT`].
fn fault_percent(value: &NumberOrText) -> Result<f64, String> {
    let percent = parse_percent(value)?;
    if percent < MIN_PERCENT {
        return Err(format!(
            "`{value}` is below {MIN_PERCENT}%, the smallest share applied (one packet in \
             10,000): iptables and tc would round a share that small to nothing, and no fault \
             of a few minutes would show it; give a percentage from {MIN_PERCENT}% to 100%"
        ));
    }
    Ok(percent)
}

/// `1mbit`, `512kbit`, `100000bit`, `1gbit` (bits per second, as `tc`
/// writes them), from [`MIN_RATE_BITS`] to [`MAX_RATE_BITS`].
pub(super) fn parse_rate(value: &NumberOrText) -> Result<u64, String> {
    let wrong = || {
        format!(
            "expected a rate from {} to {} in bit/s such as 1mbit, 512kbit or 100000bit \
             (tc's range with the engine's token bucket), got `{value}`",
            describe_rate(MIN_RATE_BITS),
            describe_gbit(MAX_RATE_BITS)
        )
    };
    let NumberOrText::Text(text) = value else {
        return Err(wrong());
    };
    let text = text.trim().to_ascii_lowercase();
    let (digits, factor) = [
        ("gbit", 1_000_000_000u64),
        ("mbit", 1_000_000),
        ("kbit", 1_000),
        ("bit", 1),
    ]
    .into_iter()
    .find_map(|(unit, factor)| text.strip_suffix(unit).map(|d| (d.trim(), factor)))
    .ok_or_else(wrong)?;
    let number: u64 = digits.parse().map_err(|_| wrong())?;
    match number.checked_mul(factor) {
        Some(rate) if (MIN_RATE_BITS..=MAX_RATE_BITS).contains(&rate) => Ok(rate),
        _ => Err(wrong()),
    }
}

/// `3400gbit`: a whole number of Gbit/s as `tc` takes it.
fn describe_gbit(bits_per_second: u64) -> String {
    format!("{}gbit", bits_per_second / 1_000_000_000)
}

/// `one`, `all`, a count of at least 1, or a percentage (`50%`).
pub fn parse_pick(value: &NumberOrText) -> Result<BlastRadius, String> {
    let wrong =
        || format!("expected one, all, a count (2) or a percentage (\"50%\"), got `{value}`");
    match value {
        NumberOrText::Number(n) if n.fract() == 0.0 && *n >= 1.0 && *n <= f64::from(u32::MAX) => {
            Ok(BlastRadius::Count(*n as u32))
        }
        NumberOrText::Number(_) => Err(wrong()),
        NumberOrText::Text(text) => match text.trim() {
            "one" => Ok(BlastRadius::One),
            "all" => Ok(BlastRadius::All),
            other if other.ends_with('%') => parse_percent(value)
                .map(BlastRadius::Percent)
                .map_err(|_| wrong()),
            other => match other.parse::<u32>() {
                Ok(n) if n >= 1 => Ok(BlastRadius::Count(n)),
                _ => Err(wrong()),
            },
        },
    }
}

/// A `stop` grace: whole seconds (Docker's stop counts seconds), at most
/// [`MAX_STOP_GRACE`].
pub(super) fn check_grace(grace: Duration) -> Result<Duration, String> {
    if grace > MAX_STOP_GRACE || grace.subsec_nanos() != 0 {
        return Err(format!(
            "`grace` is whole seconds from 0 to {}s ({} minutes): Docker's stop counts whole \
             seconds, and the engine waits for the stop to end; got {}",
            MAX_STOP_GRACE.as_secs(),
            MAX_STOP_GRACE.as_secs() / 60,
            format_duration(grace)
        ));
    }
    Ok(grace)
}

/// The signal of a `kill`: one that ends the process
/// ([`signals::terminating`]).
pub(super) fn check_signal(signal: &str) -> Result<String, String> {
    signals::terminating(signal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> NumberOrText {
        NumberOrText::Text(s.to_owned())
    }

    #[test]
    fn percentages_rates_and_picks() {
        assert_eq!(parse_percent(&text("30%")), Ok(30.0));
        assert_eq!(parse_percent(&NumberOrText::Number(0.5)), Ok(0.5));
        assert!(parse_percent(&text("0%")).is_err());
        assert!(parse_percent(&text("101%")).is_err());
        assert_eq!(parse_rate(&text("1mbit")), Ok(1_000_000));
        assert_eq!(parse_rate(&text("512kbit")), Ok(512_000));
        assert!(parse_rate(&text("1mb")).is_err());
        assert!(parse_rate(&NumberOrText::Number(5.0)).is_err());
        assert_eq!(parse_pick(&text("all")), Ok(BlastRadius::All));
        assert_eq!(
            parse_pick(&NumberOrText::Number(2.0)),
            Ok(BlastRadius::Count(2))
        );
        assert_eq!(parse_pick(&text("50%")), Ok(BlastRadius::Percent(50.0)));
        // The floor of fault shares is not the blast radius's.
        assert_eq!(parse_pick(&text("0.001%")), Ok(BlastRadius::Percent(0.001)));
        assert!(parse_pick(&NumberOrText::Number(0.0)).is_err());
        assert!(parse_pick(&text("some")).is_err());
    }

    #[test]
    fn rates_are_within_what_tc_takes() {
        assert_eq!(parse_rate(&text("8bit")), Ok(8));
        assert_eq!(parse_rate(&text("3400gbit")), Ok(3_400_000_000_000));
        for rate in [
            "7bit",
            "0bit",
            "3401gbit",
            "5000000gbit",
            "99999999999999999999gbit",
        ] {
            let err = parse_rate(&text(rate)).unwrap_err();
            assert!(
                err.starts_with("expected a rate from 8bit to 3400gbit"),
                "{rate}: {err}"
            );
        }
    }

    #[test]
    fn fault_shares_have_a_floor_of_one_in_ten_thousand() {
        assert_eq!(fault_percent(&text("0.01%")), Ok(0.01));
        assert_eq!(fault_percent(&NumberOrText::Number(30.0)), Ok(30.0));
        let err = fault_percent(&text("0.00001%")).unwrap_err();
        assert!(err.starts_with("`0.00001%` is below 0.01%"), "{err}");
        assert!(fault_percent(&NumberOrText::Number(0.009)).is_err());
        let network = FileNetwork {
            loss: None,
            rate: None,
            delay: None,
            jitter: None,
            corrupt: Some(text("0.001%")),
            duplicate: None,
        };
        assert_eq!(network_fault(&network).unwrap_err().0, "corrupt");
        let network = FileNetwork {
            corrupt: None,
            duplicate: Some(NumberOrText::Number(0.0001)),
            ..network
        };
        assert_eq!(network_fault(&network).unwrap_err().0, "duplicate");
    }

    fn delays(delay: u64, jitter: Option<u64>) -> Result<NetworkFault, (&'static str, String)> {
        network_fault(&FileNetwork {
            loss: None,
            rate: None,
            delay: Some(Duration::from_micros(delay)),
            jitter: jitter.map(Duration::from_micros),
            corrupt: None,
            duplicate: None,
        })
    }

    #[test]
    fn jitter_is_at_most_the_delay_and_both_are_whole_milliseconds_to_60s() {
        assert!(delays(10_000, Some(10_000)).is_ok());
        let (field, message) = delays(10_000, Some(50_000_000)).unwrap_err();
        assert_eq!(field, "jitter");
        assert!(
            message.starts_with("`jitter` 50s is larger than `delay` 10ms"),
            "{message}"
        );
        assert_eq!(delays(500, None).unwrap_err().0, "delay");
        assert_eq!(delays(61_000_000, None).unwrap_err().0, "delay");
        assert_eq!(delays(10_000, Some(500)).unwrap_err().0, "jitter");
        let (field, message) = delays(1_500, None).unwrap_err();
        assert_eq!(field, "delay");
        assert_eq!(
            message,
            "`delay` must be whole milliseconds from 1ms to 60s (netem is given \
             milliseconds), got 1.5ms"
        );
        assert!(delays(60_000_000, Some(1_000)).is_ok());
    }

    #[test]
    fn grace_is_whole_seconds_up_to_five_minutes() {
        assert_eq!(check_grace(Duration::ZERO), Ok(Duration::ZERO));
        assert_eq!(check_grace(MAX_STOP_GRACE), Ok(MAX_STOP_GRACE));
        let years = Duration::from_secs(9 * 365 * 24 * 3600);
        for grace in [
            years,
            MAX_STOP_GRACE + Duration::from_secs(1),
            Duration::from_millis(1500),
        ] {
            let err = check_grace(grace).unwrap_err();
            assert!(
                err.starts_with("`grace` is whole seconds from 0 to 300s (5 minutes)"),
                "{err}"
            );
        }
    }

    #[test]
    fn signals_are_those_that_end_the_process() {
        assert_eq!(check_signal("term").as_deref(), Ok("SIGTERM"));
        assert_eq!(check_signal("9").as_deref(), Ok("9"));
        assert!(check_signal("SIGFOO").is_err());
        let err = check_signal("SIGSTOP").unwrap_err();
        assert!(
            err.starts_with(
                "`SIGSTOP` stops the process instead of ending it: stopping a process is the \
                 `pause` mode"
            ),
            "{err}"
        );
        assert!(check_signal("SIGCONT").is_err());
    }
}
