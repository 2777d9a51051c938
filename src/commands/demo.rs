//! `chaos-engine demo`: checks the flags, then runs [`crate::demo`].

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use crate::cli::{DemoArgs, EXIT_FAILURE};
use crate::demo::DemoSettings;

/// Runs the demo; exit 2 when `--report` cannot be written where asked
/// (checked before anything starts), 1 when the demo fails.
pub fn execute(args: &DemoArgs) -> ExitCode {
    if let Err(message) = check_report_path(&args.report) {
        return super::usage_error(&format!("--report {}: {message}", args.report.display()));
    }
    let settings = DemoSettings {
        duration: args.duration,
        report: args.report.clone(),
        seed: args.seed,
    };
    match crate::demo::run(&settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => failure(&message),
    }
}

/// `error: MESSAGE` on standard error; exit 1.
fn failure(message: &str) -> ExitCode {
    // Not `eprintln!`: after SIGHUP the terminal may be gone, and a write
    // that fails must not turn into a panic.
    let _ = writeln!(std::io::stderr(), "error: {message}");
    ExitCode::from(EXIT_FAILURE)
}

/// The report's directory must exist and the path must not be a directory.
fn check_report_path(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err("is a directory; give a file name".to_owned());
    }
    if path.file_name().is_none() {
        return Err("has no file name".to_owned());
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(format!("directory {} does not exist", dir.display()));
    }
    Ok(())
}
