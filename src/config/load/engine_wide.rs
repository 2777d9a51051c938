//! The engine-wide settings only a flag or its variable gives (the targets
//! file has no key for them): on/off, dry run, seed, log format, HTTP
//! address, journal and its cap, the findings rate and the fault ledger's
//! directory. Each is read through [`Chain`], in the order errors are
//! reported.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::chain::Chain;
use crate::config::error::{ConfigError, Origin};
use crate::config::paths::check_journal;
use crate::config::rate::{parse_rate, Rate};
use crate::config::setting::{SettingId, SettingValues};
use crate::config::warning::{self, ConfigWarning};
use crate::config::{LogFormat, DEFAULT_FINDINGS_RATE};
use crate::size::parse_size;

/// The engine-wide settings, validated.
pub(super) struct EngineWide {
    /// `--enabled` / `CHAOS_ENABLED`.
    pub(super) enabled: bool,
    /// `--dry-run` / `CHAOS_DRY_RUN`.
    pub(super) dry_run: bool,
    /// `--seed` / `CHAOS_SEED`.
    pub(super) seed: Option<u64>,
    /// `--log-format` / `CHAOS_LOG_FORMAT`.
    pub(super) log_format: LogFormat,
    /// `--http` / `CHAOS_HTTP_ADDR`.
    pub(super) http: Option<SocketAddr>,
    /// `--journal` / `CHAOS_JOURNAL`.
    pub(super) journal: Option<PathBuf>,
    /// `--journal-max` / `CHAOS_JOURNAL_MAX`; `None` is no cap.
    pub(super) journal_max: Option<u64>,
    /// `--findings-rate` / `CHAOS_FINDINGS_RATE`; `None` is no limit.
    pub(super) findings_rate: Option<Rate>,
    /// `--ledger-dir` / `CHAOS_LEDGER_DIR`.
    pub(super) ledger_dir: PathBuf,
}

/// Reads the engine-wide settings from `values`, pushing the warning an
/// empty `CHAOS_ENABLED` earns onto `warnings`.
pub(super) fn load_engine_wide(
    values: &SettingValues,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<EngineWide, ConfigError> {
    let enabled = enabled(values, warnings)?;
    // `--dry-run` is a switch: given, its value is `true`.
    let dry_run =
        Chain::given(values, SettingId::DryRun, parse_bool)?.or_built_in(false, "dry_run");
    let seed = Chain::given(values, SettingId::Seed, parse_seed)?.found();
    let log_format = Chain::given(values, SettingId::LogFormat, parse_log_format)?
        .or_built_in(LogFormat::Text, "log_format");
    let http = Chain::given(values, SettingId::Http, parse_address)?.found();
    let journal = Chain::given(values, SettingId::Journal, parse_journal)?.found();
    let journal_max = Chain::given(values, SettingId::JournalMax, parse_size)?
        .or_built_in(Some(crate::journal::DEFAULT_JOURNAL_MAX), "journal_max");
    let findings_rate = Chain::given(values, SettingId::FindingsRate, parse_rate)?
        .or_built_in(Some(DEFAULT_FINDINGS_RATE), "findings_rate");
    let ledger_dir = Chain::given(values, SettingId::LedgerDir, parse_ledger_dir)?
        .or_built_in(crate::docker::ledger::default_dir(), "ledger_dir");
    Ok(EngineWide {
        enabled,
        dry_run: dry_run.value,
        seed: seed.map(|seed| seed.value),
        log_format: log_format.value,
        http: http.map(|http| http.value),
        journal: journal.map(|journal| journal.value),
        journal_max: journal_max.value,
        findings_rate: findings_rate.value,
        ledger_dir: ledger_dir.value,
    })
}

/// `--enabled` / `CHAOS_ENABLED`, on by default. The original service read
/// an empty `CHAOS_ENABLED` as false: so do we, with a warning.
fn enabled(values: &SettingValues, warnings: &mut Vec<ConfigWarning>) -> Result<bool, ConfigError> {
    match values.get(SettingId::Enabled) {
        Some(v) if matches!(v.origin, Origin::Env(_)) && v.value.trim().is_empty() => {
            warnings.push(warning::empty_enabled(v.origin));
            Ok(false)
        }
        _ => Ok(Chain::given(values, SettingId::Enabled, parse_bool)?
            .or_built_in(true, "enabled")
            .value),
    }
}

/// `true/false`, `1/0`, `yes/no`, any case.
pub(super) fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(format!(
            "expected true/false, 1/0 or yes/no, got `{}`",
            text.trim()
        )),
    }
}

/// A seed: any `u64`.
fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .map_err(|_| format!("seed must be a whole number from 0 to 2^64-1, got `{text}`"))
}

/// `text` or `json`, any case.
fn parse_log_format(text: &str) -> Result<LogFormat, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        other => Err(format!(
            "log format must be `text` or `json`, got `{other}`"
        )),
    }
}

/// An address and port for the HTTP API.
fn parse_address(text: &str) -> Result<SocketAddr, String> {
    text.trim().parse::<SocketAddr>().map_err(|_| {
        format!("`{text}` is not an address and port, e.g. 127.0.0.1:9797 or [::1]:9797")
    })
}

/// The journal's path, taken as given, if it can be a file.
fn parse_journal(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    check_journal(&path)?;
    Ok(path)
}

/// The fault ledger's directory; blank text means the default one.
fn parse_ledger_dir(text: &str) -> Result<PathBuf, String> {
    if text.trim().is_empty() {
        return Ok(crate::docker::ledger::default_dir());
    }
    let dir = PathBuf::from(text.trim());
    if !dir.is_absolute() && dir.components().next().is_none() {
        return Err("give a directory".to_owned());
    }
    if dir.exists() && !dir.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    Ok(dir)
}
