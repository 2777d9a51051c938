//! `chaos-engine clear`: write one target, or all, healthy now
//! (`reason: manual`), through the same atomic writer as the daemon, and
//! record it in the journal when one is configured.

use std::process::ExitCode;

use crate::cli::{ClearArgs, EXIT_FAILURE};

/// Clears the chosen targets; exit 1 if any could not be written.
pub fn execute(args: &ClearArgs) -> ExitCode {
    let settings = match super::load_settings(&args.config) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let targets = match super::select_targets(&settings, args.target.as_deref(), args.all, true) {
        Ok(targets) => targets,
        Err(code) => return code,
    };
    let journal = super::journal_for(&settings);
    let mut code = ExitCode::SUCCESS;
    for target in targets {
        if !super::clear_by_hand(&settings, target, &journal) {
            code = ExitCode::from(EXIT_FAILURE);
        }
    }
    code
}
