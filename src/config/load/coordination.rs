//! Loading the coordination policy (`policy:` beside `min_interval`, and
//! `--max-concurrent-failures` / `--jitter` with their variables;
//! `policy.control_rate` from the targets file only) and each
//! target's `probe:`, with errors that name where each value came from.

use std::sync::Arc;
use std::time::Duration;

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
    raw: &SettingValues,
    file: Option<&ParsedFile>,
) -> Result<Policy, ConfigError> {
    let from_file = file.map(|f| &f.content.policy);
    let file_origin = |key: &str| match file {
        Some(file) => file.origin(key),
        None => Origin::BuiltIn("policy"),
    };

    let max = match raw.get(SettingId::MaxConcurrentFailures) {
        Some(v) => Some(Sourced {
            value: v.value.trim().parse::<u32>().map_err(|_| {
                ConfigError::new(
                    v.origin.clone(),
                    format!("expected a whole number of failures, got `{}`", v.value),
                )
            })?,
            origin: v.origin,
        }),
        None => from_file
            .and_then(|p| p.max_concurrent_failures)
            .map(|value| Sourced {
                value,
                origin: file_origin("policy.max_concurrent_failures"),
            }),
    };
    if let Some(max) = &max {
        if max.value == 0 {
            return Err(ConfigError::new(
                max.origin.clone(),
                "max_concurrent_failures must be at least 1 (to turn chaos off, set CHAOS_ENABLED=false)",
            ));
        }
    }

    let when_capped = match from_file.and_then(|p| p.when_capped.as_deref()) {
        Some(_) if max.is_none() => {
            return Err(ConfigError::new(
                file_origin("policy.when_capped"),
                "when_capped says what a target does at the cap, but no cap is set: \
                 add max_concurrent_failures (or CHAOS_MAX_CONCURRENT_FAILURES)",
            ))
        }
        Some(text) => WhenCapped::parse(text)
            .map_err(|m| ConfigError::new(file_origin("policy.when_capped"), m))?,
        None => WhenCapped::default(),
    };

    let jitter = match raw.get(SettingId::Jitter) {
        Some(v) => Sourced {
            value: v.value.trim().parse::<f64>().map_err(|_| {
                ConfigError::new(
                    v.origin.clone(),
                    format!("expected a fraction from 0 to 1, got `{}`", v.value),
                )
            })?,
            origin: v.origin,
        },
        None => Sourced {
            value: from_file.and_then(|p| p.jitter).unwrap_or(0.0),
            origin: file_origin("policy.jitter"),
        },
    };
    if !jitter.value.is_finite() || !(0.0..=1.0).contains(&jitter.value) {
        return Err(ConfigError::new(
            jitter.origin,
            format!(
                "jitter is a fraction of the interval from 0 to 1 (0.2 adds up to 20%), got {}",
                jitter.value
            ),
        ));
    }

    let control_rate = from_file.and_then(|p| p.control_rate).unwrap_or(0.0);
    if !control_rate.is_finite() || !(0.0..=1.0).contains(&control_rate) {
        return Err(ConfigError::new(
            file_origin("policy.control_rate"),
            format!(
                "control_rate is the fraction of scheduled cycles that inject nothing, \
                 from 0 to 1 (0.2: one cycle in five), got {control_rate}"
            ),
        ));
    }

    let backoff = match from_file.and_then(|p| p.backoff.as_ref()) {
        Some(backoff) => {
            let factor = backoff.factor.unwrap_or(DEFAULT_BACKOFF_FACTOR);
            if !(1.0..=1000.0).contains(&factor) {
                return Err(ConfigError::new(
                    file_origin("policy.backoff.factor"),
                    format!(
                        "the backoff factor multiplies intervals: from 1 to 1000, got {factor}"
                    ),
                ));
            }
            Some(Backoff {
                above: backoff.above,
                factor,
            })
        }
        None => None,
    };

    let windows = match from_file.and_then(|p| p.windows.as_ref()) {
        Some(windows) => Some(Arc::new(ChaosWindows::from_file(windows).map_err(
            |err| {
                ConfigError::new(
                    file_origin(&format!("policy.windows.{}", err.path)),
                    err.message,
                )
            },
        )?)),
        None => None,
    };

    Ok(Policy {
        max_concurrent_failures: max.map(|m| m.value),
        when_capped,
        jitter: jitter.value,
        backoff,
        windows,
        control_rate,
        ..Policy::default()
    })
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
