//! `chaos-engine clear`: write one target, or all, healthy now
//! (`reason: manual`), through the same atomic writer as the daemon.

use std::process::ExitCode;

use chaos_state::{write_atomic, ClearReason, StateRecord};

use crate::cli::{ClearArgs, EXIT_FAILURE};
use crate::clock::{round_millis, Clock, SystemClock};

/// Clears the chosen targets; exit 1 if any could not be written.
pub fn execute(args: &ClearArgs) -> ExitCode {
    let settings = match super::load_settings(&args.config) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let targets = match super::select_targets(&settings, args.target.as_deref(), args.all) {
        Ok(targets) => targets,
        Err(code) => return code,
    };
    let mut code = ExitCode::SUCCESS;
    for target in targets {
        let record = StateRecord::healthy(
            &target.name,
            ClearReason::Manual,
            round_millis(SystemClock.unix_now()),
        );
        match write_atomic(&target.state_file, &record) {
            Ok(()) => say!(
                "✓ {} cleared ({})",
                target.name,
                target.state_file.display()
            ),
            Err(err) => {
                eprintln!("error: {}: {err}", target.name);
                code = ExitCode::from(EXIT_FAILURE);
            }
        }
    }
    code
}
