//! Cross-target validation: unique printable names, each target's timing
//! (see [`check_timing`]), and state files that exist in a usable directory
//! and are not shared by two targets. Turns the raw targets into
//! [`TargetSettings`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::targets::RawTarget;
use super::timing::{check_timing, TargetTiming, TimingRules};
use crate::config::error::ConfigError;
use crate::config::paths::{check_state_file, comparable_path_in, StateDirectories};
use crate::config::warning::ConfigWarning;
use crate::config::{ConfigInputs, TargetSettings};
use crate::policy::Policy;

/// Checks `raw` as a whole, pushing the timing warnings onto `warnings`,
/// and hands each target `policy`.
pub(super) fn validate_targets(
    raw: Vec<RawTarget>,
    rules: &TimingRules<'_>,
    policy: &Arc<Policy>,
    inputs: &ConfigInputs,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Vec<TargetSettings>, ConfigError> {
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut files = StateFiles::default();
    for (index, target) in raw.iter().enumerate() {
        check_name(target, index, &mut names)?;
        let timing = TargetTiming {
            name: &target.name,
            interval: &target.interval,
            recovery: &target.recovery,
        };
        warnings.extend(check_timing(&timing, rules)?);
        files.check(target, index, !inputs.read_only)?;
    }
    // A new, exact-size vector rather than a collect in place, which would
    // keep the larger raw targets' buffer (held until every target starts).
    let mut targets = Vec::with_capacity(raw.len());
    targets.extend(raw.into_iter().map(|t| TargetSettings {
        name: t.name,
        kind: t.kind.into_kind(),
        interval: t.interval.value,
        recovery: t.recovery.value,
        startup_wait: t.startup_wait.value,
        catalogue: t.catalogue,
        probe: t.probe.map(Box::new),
        policy: Arc::clone(policy),
    }));
    Ok(targets)
}

/// The name of `targets[index]` must be printable and not taken by an
/// earlier target (`names` maps each name seen to its index).
fn check_name<'a>(
    target: &'a RawTarget,
    index: usize,
    names: &mut HashMap<&'a str, usize>,
) -> Result<(), ConfigError> {
    if target.name.trim().is_empty() || target.name.chars().any(char::is_control) {
        return Err(ConfigError::new(
            target.name_origin.clone(),
            "a target name must be non-empty printable text",
        ));
    }
    if let Some(first) = names.insert(&target.name, index) {
        return Err(ConfigError::new(
            target.name_origin.clone(),
            format!(
                "duplicate target name {} (also targets[{first}])",
                target.name
            ),
        ));
    }
    Ok(())
}

/// The state files seen so far, by a path comparable across spellings.
#[derive(Default)]
struct StateFiles {
    /// Each file's comparable path, with the first target's index and path.
    seen: HashMap<PathBuf, (usize, PathBuf)>,
    /// The directories checked so far.
    dirs: StateDirectories,
}

impl StateFiles {
    /// The state file of `targets[index]`, if it has one, must be usable
    /// (writable when `check_writable`) and not the file of an earlier
    /// target.
    fn check(
        &mut self,
        target: &RawTarget,
        index: usize,
        check_writable: bool,
    ) -> Result<(), ConfigError> {
        let Some(state_file) = target.kind.state_file() else {
            return Ok(());
        };
        check_state_file(&state_file.value, check_writable, &mut self.dirs)
            .map_err(|message| ConfigError::new(state_file.origin.clone(), message))?;
        if let Some((first, first_path)) = self.seen.insert(
            comparable_path_in(&state_file.value, &mut self.dirs),
            (index, state_file.value.clone()),
        ) {
            return Err(ConfigError::new(
                state_file.origin.clone(),
                format!("same file as targets[{first}] ({})", first_path.display()),
            ));
        }
        Ok(())
    }
}
