//! `chaos-engine demo-target` (hidden): the reference target service
//! (`chaos_target::serve`) run by the demo from the engine's own binary, so
//! `cargo run -- demo` needs no second binary.

use std::process::ExitCode;

use chaos_target::settings::ServeArgs;

/// Serves until SIGTERM or SIGINT; exits 1 when a `crash` failure says so.
pub fn execute(args: ServeArgs) -> ExitCode {
    chaos_target::init_logging();
    match chaos_target::serve(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
