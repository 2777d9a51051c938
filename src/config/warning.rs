//! Warnings about configuration that runs but deserves a word: values the
//! original Python service accepted through its own variables and that the
//! engine's own rules would refuse (the contract's drop-in exception: a
//! whole number of seconds in `CHAOS_INTERVAL` below the safety floor, or
//! not longer than the recovery, 0 included), and an empty `CHAOS_ENABLED`, which the
//! original read as false.
//!
//! [`super::load`] collects them in [`super::Settings::warnings`]; it never
//! prints. `run` logs them at start-up (and on reload), `validate` prints
//! them, the one-shot commands print them on standard error.

use std::fmt;
use std::time::Duration;

use super::error::Origin;
use crate::clock::format_duration;

/// A value that is accepted with a caveat, and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigWarning {
    /// Where the value was set.
    pub origin: Origin,
    /// What it means, and what to do about it.
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.message)
    }
}

/// `CHAOS_ENABLED` set to blank text, as a Compose file's
/// `CHAOS_ENABLED=${CHAOS_ENABLED}` gives when `.env` lacks it.
pub fn empty_enabled(origin: Origin) -> ConfigWarning {
    ConfigWarning {
        origin,
        message: "empty: chaos is disabled, as the original chaos engine read an empty value; \
                  set it to true to inject, or to false to silence this warning"
            .to_owned(),
    }
}

/// A drop-in interval under the safety floor.
pub fn below_floor(
    origin: Origin,
    target: &str,
    interval: Duration,
    floor: Duration,
    floor_origin: &Origin,
) -> ConfigWarning {
    ConfigWarning {
        origin,
        message: format!(
            "interval {} of target {target} is below the safety floor min_interval {} (set by \
             {}); it runs anyway, as the original chaos engine ran any whole number of seconds",
            format_duration(interval),
            format_duration(floor),
            floor_origin.describe()
        ),
    }
}

/// A drop-in interval not longer than the recovery: the interval is
/// waited after each clear (at 0, the next injection starts at the clear).
pub fn waits_after_clear(
    origin: Origin,
    target: &str,
    interval: Duration,
    recovery: Duration,
) -> ConfigWarning {
    if interval.is_zero() {
        return ConfigWarning {
            origin,
            message: format!(
                "interval 0s of target {target} is not longer than its recovery {recovery}: as \
                 the original chaos engine did, the next injection starts at each clear, a \
                 cycle of {recovery} (failing all the time, one failure after another)",
                recovery = format_duration(recovery),
            ),
        };
    }
    ConfigWarning {
        origin,
        message: format!(
            "interval {interval} of target {target} is not longer than its recovery {recovery}: \
             as the original chaos engine did, the next injection starts {interval} after each \
             clear, a cycle of {cycle} ({recovery} failing, then {interval} healthy)",
            interval = format_duration(interval),
            recovery = format_duration(recovery),
            cycle = format_duration(interval.saturating_add(recovery)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_name_their_variable_the_values_and_the_cycle() {
        let warning = waits_after_clear(
            Origin::Env("CHAOS_INTERVAL"),
            "target-app",
            Duration::from_secs(30),
            Duration::from_secs(30),
        );
        assert_eq!(
            warning.to_string(),
            "CHAOS_INTERVAL: interval 30s of target target-app is not longer than its recovery \
             30s: as the original chaos engine did, the next injection starts 30s after each \
             clear, a cycle of 60s (30s failing, then 30s healthy)"
        );
        let floor = below_floor(
            Origin::Env("CHAOS_INTERVAL"),
            "target-app",
            Duration::from_secs(30),
            Duration::from_secs(60),
            &Origin::BuiltIn("min_interval"),
        );
        assert!(floor.to_string().starts_with(
            "CHAOS_INTERVAL: interval 30s of target target-app is below the safety floor \
             min_interval 60s (set by the built-in default min_interval); it runs anyway"
        ));
        let zero = waits_after_clear(
            Origin::Env("CHAOS_INTERVAL"),
            "target-app",
            Duration::ZERO,
            Duration::from_secs(30),
        );
        assert_eq!(
            zero.to_string(),
            "CHAOS_INTERVAL: interval 0s of target target-app is not longer than its recovery \
             30s: as the original chaos engine did, the next injection starts at each clear, a \
             cycle of 30s (failing all the time, one failure after another)"
        );
        assert!(empty_enabled(Origin::Env("CHAOS_ENABLED"))
            .to_string()
            .starts_with("CHAOS_ENABLED: empty: chaos is disabled"));
    }
}
