//! The timing settings: the interval, recovery and startup wait every target
//! inherits, the safety floor `min_interval`, and the checks of each
//! target's timing against that floor (with the drop-in exception for a
//! `CHAOS_INTERVAL` in whole seconds, 0 included, which warns instead).

use std::time::Duration;

use super::chain::Chain;
use crate::clock::format_duration;
use crate::config::duration::parse_duration;
use crate::config::error::{ConfigError, Origin};
use crate::config::file::ParsedFile;
use crate::config::setting::{SettingId, SettingValues, Sourced};
use crate::config::warning::{self, ConfigWarning};
use crate::config::{
    DEFAULT_INTERVAL, DEFAULT_MIN_INTERVAL, DEFAULT_RECOVERY, DEFAULT_STARTUP_WAIT,
};

/// The defaults every target inherits, with where each came from.
pub(super) struct Defaults {
    /// Start-to-start time between injections.
    pub(super) interval: Sourced<Duration>,
    /// How long a failure lasts.
    pub(super) recovery: Sourced<Duration>,
    /// The wait before the first injection.
    pub(super) startup_wait: Sourced<Duration>,
}

/// The engine's timing: the targets' defaults and the safety floor.
pub(super) struct Timing {
    /// What every target inherits.
    pub(super) defaults: Defaults,
    /// The safety floor under every interval.
    pub(super) min_interval: Sourced<Duration>,
    /// See [`TimingRules::drop_in_interval`].
    pub(super) drop_in_interval: bool,
}

/// Each timing setting from its flag, variable, the targets file
/// (`defaults.*`, `policy.min_interval`) or its built-in default.
pub(super) fn load_timing(
    values: &SettingValues,
    file: Option<&ParsedFile>,
) -> Result<Timing, ConfigError> {
    let interval = Chain::given(values, SettingId::Interval, parse_duration)?
        .or_file(file, "defaults.interval", |f| f.defaults.interval)
        .or_built_in(DEFAULT_INTERVAL, "interval");
    let drop_in_interval = values
        .get(SettingId::Interval)
        .is_some_and(|v| is_drop_in_interval(&v));
    let recovery = Chain::given(values, SettingId::Recovery, parse_duration)?
        .or_file(file, "defaults.recovery", |f| f.defaults.recovery)
        .or_built_in(DEFAULT_RECOVERY, "recovery");
    let startup_wait = Chain::given(values, SettingId::StartupWait, parse_duration)?
        .or_file(file, "defaults.startup_wait", |f| f.defaults.startup_wait)
        .or_built_in(DEFAULT_STARTUP_WAIT, "startup_wait");
    let min_interval = Chain::given(values, SettingId::MinInterval, parse_duration)?
        .or_file(file, "policy.min_interval", |f| f.policy.min_interval)
        .or_built_in(DEFAULT_MIN_INTERVAL, "min_interval");
    Ok(Timing {
        defaults: Defaults {
            interval,
            recovery,
            startup_wait,
        },
        min_interval,
        drop_in_interval,
    })
}

/// Whether the interval was given as the original service read it: a whole
/// number of seconds in `CHAOS_INTERVAL` (not our flag, not our units).
fn is_drop_in_interval(value: &Sourced<String>) -> bool {
    let text = value.value.trim();
    value.origin == Origin::Env(SettingId::Interval.def().env)
        && !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
}

/// What a target's interval and recovery are checked against.
pub(super) struct TimingRules<'a> {
    /// The safety floor, and where it was set.
    pub(super) min_interval: &'a Sourced<Duration>,
    /// The command keeps a schedule (`run`, `validate`): the interval is
    /// checked too.
    pub(super) schedule: bool,
    /// `CHAOS_INTERVAL` holds a whole number of seconds, as the original
    /// service read it: an interval taken from it runs whatever the floor
    /// and the recovery, even 0, with a warning (the contract's drop-in
    /// exception).
    pub(super) drop_in_interval: bool,
}

/// A target's timing as [`check_timing`] reads it.
pub(super) struct TargetTiming<'a> {
    /// The target's name, for messages.
    pub(super) name: &'a str,
    /// Its interval, with where it was set.
    pub(super) interval: &'a Sourced<Duration>,
    /// Its recovery, with where it was set.
    pub(super) recovery: &'a Sourced<Duration>,
}

/// The recovery must be above 0; with `rules.schedule` (the commands that
/// keep a schedule: `run`, `validate`), the interval too, not below the
/// safety floor and longer than the recovery. A drop-in interval (see
/// [`TimingRules::drop_in_interval`]) breaking any of these three gets
/// warnings instead of an error (at 0 the next injection starts at each
/// clear, as the original service ran it).
pub(super) fn check_timing(
    target: &TargetTiming<'_>,
    rules: &TimingRules<'_>,
) -> Result<Vec<ConfigWarning>, ConfigError> {
    let (interval, recovery) = (target.interval, target.recovery);
    let drop_in =
        rules.drop_in_interval && interval.origin == Origin::Env(SettingId::Interval.def().env);
    if rules.schedule && interval.value.is_zero() && !drop_in {
        return Err(ConfigError::new(
            interval.origin.clone(),
            "interval must be greater than 0",
        ));
    }
    if recovery.value.is_zero() {
        return Err(ConfigError::new(
            recovery.origin.clone(),
            "recovery must be greater than 0",
        ));
    }
    if !rules.schedule {
        return Ok(Vec::new());
    }
    let mut warnings = Vec::new();
    warnings.extend(check_floor(target, rules.min_interval, drop_in)?);
    warnings.extend(check_recovery(target, drop_in)?);
    Ok(warnings)
}

/// The interval must not be below the safety floor; a drop-in interval
/// below it gets a warning.
fn check_floor(
    target: &TargetTiming<'_>,
    min_interval: &Sourced<Duration>,
    drop_in: bool,
) -> Result<Option<ConfigWarning>, ConfigError> {
    let interval = target.interval;
    if interval.value >= min_interval.value {
        return Ok(None);
    }
    if !drop_in {
        return Err(ConfigError::new(
            interval.origin.clone(),
            format!(
                "interval {} of target {} is below the safety floor min_interval {} (set by {}); \
                 raise the interval or lower the floor (0 turns it off)",
                format_duration(interval.value),
                target.name,
                format_duration(min_interval.value),
                min_interval.origin.describe()
            ),
        ));
    }
    Ok(Some(warning::below_floor(
        interval.origin.clone(),
        target.name,
        interval.value,
        min_interval.value,
        &min_interval.origin,
    )))
}

/// The recovery must be shorter than the interval; a drop-in interval not
/// longer than it gets a warning.
fn check_recovery(
    target: &TargetTiming<'_>,
    drop_in: bool,
) -> Result<Option<ConfigWarning>, ConfigError> {
    let (interval, recovery) = (target.interval, target.recovery);
    if recovery.value < interval.value {
        return Ok(None);
    }
    if !drop_in {
        return Err(ConfigError::new(
            recovery.origin.clone(),
            format!(
                "recovery {} must be shorter than the interval {} of target {} (interval set by {})",
                format_duration(recovery.value),
                format_duration(interval.value),
                target.name,
                interval.origin.describe()
            ),
        ));
    }
    Ok(Some(warning::waits_after_clear(
        interval.origin.clone(),
        target.name,
        interval.value,
        recovery.value,
    )))
}
