//! `chaos-engine clear`: ends what is in effect on one target, or all,
//! through each target's backend (`crate::backend::OneShot::clear`): a
//! state file is written healthy (`reason: manual`) by the same atomic
//! writer as the daemon; a Docker target has what an engine left on it
//! undone. Each is recorded in the journal when one is configured.

use std::process::ExitCode;

use crate::cli::{ClearArgs, EXIT_FAILURE};

/// Clears the chosen targets; exit 1 if any could not be cleared.
pub fn execute(args: &ClearArgs) -> ExitCode {
    let settings = match super::load_settings(&args.config) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let targets = match super::select_targets(&settings, args.target.as_deref(), args.all, true) {
        Ok(targets) => targets,
        Err(code) => return code,
    };
    let recorder = super::recorder_for(&settings);
    let mut code = ExitCode::SUCCESS;
    for target in targets {
        let context = super::one_shot_context(&settings, target, &recorder);
        if !crate::registry::one_shot(target).clear(&context) {
            code = ExitCode::from(EXIT_FAILURE);
        }
    }
    code
}
