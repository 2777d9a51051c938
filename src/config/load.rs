//! Merging the sources of configuration and validating the result.
//!
//! Every setting follows one precedence chain, [`chain::Chain`]: its flag,
//! else its variable, else the targets file, else the built-in default.
//! [`load`] reads the pieces in the order their errors are reported: the
//! engine-wide settings (`engine_wide`), the targets file, the timing
//! (`timing`), the coordination policy (`coordination`), the targets
//! (`targets`, checked as a whole by `validate`) and the responders.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::ConfigError;
use super::file::{read_targets_file, ParsedFile};
use super::setting::{SettingId, SettingValues};
use super::{ConfigInputs, Settings};
use timing::TimingRules;

// What the unit tests (`load/tests.rs`) name besides `load`.
#[cfg(test)]
use {
    super::error::Origin,
    super::{LogFormat, DEFAULT_INTERVAL},
    crate::scenario::{Catalogue, DEFAULT_SLOW_DELAY},
    engine_wide::parse_bool,
    std::time::Duration,
};

mod chain;
mod coordination;
mod engine_wide;
mod responders;
mod targets;
mod timing;
mod validate;

/// Builds validated [`Settings`] from `inputs` (see the module docs of
/// [`super`] for precedence). Reads the targets file and checks the state
/// files' directories; writes nothing.
pub fn load(inputs: &ConfigInputs) -> Result<Settings, ConfigError> {
    let values = &inputs.flags;
    let mut warnings = Vec::new();
    let engine = engine_wide::load_engine_wide(values, &mut warnings)?;
    let (targets_file, file) = targets_file(values)?;
    let timing = timing::load_timing(values, file.as_ref())?;
    let policy = Arc::new(coordination::load_policy(values, file.as_ref())?);
    let (targets, state_file_selector) =
        targets::raw_targets(values, file.as_ref(), &timing.defaults)?;
    let rules = TimingRules {
        min_interval: &timing.min_interval,
        schedule: !inputs.one_shot,
        drop_in_interval: timing.drop_in_interval,
    };
    let targets = validate::validate_targets(targets, &rules, &policy, inputs, &mut warnings)?;
    let responders = responders::load_responders(inputs, file.as_ref(), engine.http)?;
    Ok(Settings {
        enabled: engine.enabled,
        dry_run: engine.dry_run,
        seed: engine.seed,
        min_interval: timing.min_interval.value,
        log_format: engine.log_format,
        http: engine.http,
        api_token: inputs.api_token.clone(),
        agent_token: responders.agent_token,
        blind: responders.blind,
        journal: engine.journal,
        ledger_dir: engine.ledger_dir,
        journal_max: engine.journal_max,
        findings_rate: engine.findings_rate,
        targets_file,
        state_file_selector,
        policy,
        targets,
        warnings,
    })
}

/// The targets file of `--targets` / `CHAOS_TARGETS_FILE`, as named and as
/// read, if one is given.
fn targets_file(
    values: &SettingValues,
) -> Result<(Option<PathBuf>, Option<ParsedFile>), ConfigError> {
    match values.get(SettingId::Targets) {
        Some(path) => {
            let file = read_targets_file(Path::new(&path.value), path.origin)?;
            Ok((Some(PathBuf::from(path.value)), Some(file)))
        }
        None => Ok((None, None)),
    }
}

#[cfg(test)]
mod tests;
