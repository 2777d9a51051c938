//! `chaos-engine demo`: checks the flags, then runs [`crate::demo`].

use std::path::Path;
use std::process::ExitCode;

use crate::cli::DemoArgs;

/// Runs the demo; exit 2 when `--report` cannot be written where asked
/// (checked before anything starts).
pub fn execute(args: &DemoArgs) -> ExitCode {
    if let Err(message) = check_report_path(&args.report) {
        return super::usage_error(&format!("--report {}: {message}", args.report.display()));
    }
    crate::demo::run(args)
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
