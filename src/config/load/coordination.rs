//! Loading the coordination policy (`policy:` beside `min_interval`, and
//! `--max-concurrent-failures` / `--jitter` with their variables;
//! `policy.control_rate` from the targets file only) and each
//! target's `probe:`, with errors that name where each value came from.

use std::sync::Arc;
use std::time::Duration;

use super::chain::Chain;
use crate::config::error::{ConfigError, Origin};
use crate::config::file::{FileProbe, ParsedFile};
use crate::config::setting::{SettingId, SettingValues, Sourced};
use crate::policy::{Backoff, Policy, WhenCapped};
use crate::probe::{
    check_url, ProbeSettings, DEFAULT_EXPECT_STATUS, DEFAULT_PROBE_PERIOD, DEFAULT_PROBE_TIMEOUT,
};
use crate::windows::ChaosWindows;

/// The backoff factor when `policy.backoff` gives none: double the interval.
const DEFAULT_BACKOFF_FACTOR: f64 = 2.0;

/// The policy from flags, variables and the targets file (in that order).
pub(super) fn load_policy(
    values: &SettingValues,
    file: Option<&ParsedFile>,
) -> Result<Policy, ConfigError> {
    let max = max_concurrent_failures(values, file)?;
    let when_capped = when_capped(file, max.is_some())?;
    let jitter = jitter(values, file)?;
    let control_rate = control_rate(file)?;
    let backoff = backoff(file)?;
    let windows = windows(file)?;
    Ok(Policy {
        max_concurrent_failures: max.map(|m| m.value),
        when_capped,
        jitter,
        backoff,
        windows,
        control_rate,
        ..Policy::default()
    })
}

/// The origin of `key` in the targets file; without a file, the built-in
/// policy.
fn file_origin(file: Option<&ParsedFile>, key: &str) -> Origin {
    match file {
        Some(file) => file.origin(key),
        None => Origin::BuiltIn("policy"),
    }
}

/// The cap on failures active at once, if any: at least 1.
fn max_concurrent_failures(
    values: &SettingValues,
    file: Option<&ParsedFile>,
) -> Result<Option<Sourced<u32>>, ConfigError> {
    let max = Chain::given(values, SettingId::MaxConcurrentFailures, |text| {
        text.trim()
            .parse::<u32>()
            .map_err(|_| format!("expected a whole number of failures, got `{text}`"))
    })?
    .or_file(file, "policy.max_concurrent_failures", |f| {
        f.policy.max_concurrent_failures
    })
    .found();
    match max {
        Some(max) if max.value == 0 => Err(ConfigError::new(
            max.origin,
            "max_concurrent_failures must be at least 1 (to turn chaos off, set CHAOS_ENABLED=false)",
        )),
        max => Ok(max),
    }
}

/// What a target does at the cap (`policy.when_capped`), which needs a cap
/// (`capped`).
fn when_capped(file: Option<&ParsedFile>, capped: bool) -> Result<WhenCapped, ConfigError> {
    let origin = || file_origin(file, "policy.when_capped");
    match file.and_then(|f| f.content.policy.when_capped.as_deref()) {
        Some(_) if !capped => Err(ConfigError::new(
            origin(),
            "when_capped says what a target does at the cap, but no cap is set: \
             add max_concurrent_failures (or CHAOS_MAX_CONCURRENT_FAILURES)",
        )),
        Some(text) => WhenCapped::parse(text).map_err(|m| ConfigError::new(origin(), m)),
        None => Ok(WhenCapped::default()),
    }
}

/// The jitter fraction, from 0 to 1; none by default.
fn jitter(values: &SettingValues, file: Option<&ParsedFile>) -> Result<f64, ConfigError> {
    let jitter = Chain::given(values, SettingId::Jitter, |text| {
        text.trim()
            .parse::<f64>()
            .map_err(|_| format!("expected a fraction from 0 to 1, got `{text}`"))
    })?
    .or_file(file, "policy.jitter", |f| f.policy.jitter)
    .or_built_in(0.0, "jitter");
    if !jitter.value.is_finite() || !(0.0..=1.0).contains(&jitter.value) {
        return Err(ConfigError::new(
            jitter.origin,
            format!(
                "jitter is a fraction of the interval from 0 to 1 (0.2 adds up to 20%), got {}",
                jitter.value
            ),
        ));
    }
    Ok(jitter.value)
}

/// `policy.control_rate`, from 0 to 1; none by default.
fn control_rate(file: Option<&ParsedFile>) -> Result<f64, ConfigError> {
    let control_rate = file
        .and_then(|f| f.content.policy.control_rate)
        .unwrap_or(0.0);
    if !control_rate.is_finite() || !(0.0..=1.0).contains(&control_rate) {
        return Err(ConfigError::new(
            file_origin(file, "policy.control_rate"),
            format!(
                "control_rate is the fraction of scheduled cycles that inject nothing, \
                 from 0 to 1 (0.2: one cycle in five), got {control_rate}"
            ),
        ));
    }
    Ok(control_rate)
}

/// `policy.backoff`, its factor from 1 to 1000 (2 when not given).
fn backoff(file: Option<&ParsedFile>) -> Result<Option<Backoff>, ConfigError> {
    let Some(backoff) = file.and_then(|f| f.content.policy.backoff.as_ref()) else {
        return Ok(None);
    };
    let factor = backoff.factor.unwrap_or(DEFAULT_BACKOFF_FACTOR);
    if !(1.0..=1000.0).contains(&factor) {
        return Err(ConfigError::new(
            file_origin(file, "policy.backoff.factor"),
            format!("the backoff factor multiplies intervals: from 1 to 1000, got {factor}"),
        ));
    }
    Ok(Some(Backoff {
        above: backoff.above,
        factor,
    }))
}

/// `policy.windows`, the times chaos may run.
fn windows(file: Option<&ParsedFile>) -> Result<Option<Arc<ChaosWindows>>, ConfigError> {
    let Some(windows) = file.and_then(|f| f.content.policy.windows.as_ref()) else {
        return Ok(None);
    };
    let windows = ChaosWindows::from_file(windows).map_err(|err| {
        ConfigError::new(
            file_origin(file, &format!("policy.windows.{}", err.path)),
            err.message,
        )
    })?;
    Ok(Some(Arc::new(windows)))
}

/// One target's `probe:` (at `key`, e.g. `targets[0].probe`) validated.
pub(super) fn probe_from_file(
    file: &ParsedFile,
    key: &str,
    probe: &FileProbe,
) -> Result<ProbeSettings, ConfigError> {
    let origin = |name: &str| file.origin(&format!("{key}.{name}"));
    check_url(&probe.url).map_err(|m| ConfigError::new(origin("url"), m))?;
    let positive = |value: Option<Duration>, name: &str, default: Duration| match value {
        Some(value) if value.is_zero() => Err(ConfigError::new(
            origin(name),
            format!("probe {name} must be greater than 0"),
        )),
        Some(value) => Ok(value),
        None => Ok(default),
    };
    let timeout = positive(probe.timeout, "timeout", DEFAULT_PROBE_TIMEOUT)?;
    let period = positive(probe.period, "period", DEFAULT_PROBE_PERIOD)?;
    let expect_status = probe.expect_status.unwrap_or(DEFAULT_EXPECT_STATUS);
    if !(200..=599).contains(&expect_status) {
        return Err(ConfigError::new(
            origin("expect_status"),
            format!("a final HTTP status is from 200 to 599, got {expect_status}"),
        ));
    }
    Ok(ProbeSettings {
        url: probe.url.trim().to_owned(),
        timeout,
        expect_status,
        period,
    })
}
