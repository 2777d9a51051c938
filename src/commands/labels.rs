//! `chaos-engine labels`: the journal's intervals of real impact and its
//! control windows, one row per target and interval, as CSV or JSON lines
//! (see `crate::score::labels`), for training and scoring anomaly
//! detectors.

use std::process::ExitCode;

use super::report::{journal_path, print_warnings, write_output};
use crate::cli::{LabelsArgs, LabelsFormat};
use crate::score::{self, labels};

/// Prints or writes the labels; exit 2 when the journal cannot be read,
/// 1 when the output cannot be written.
pub fn execute(args: &LabelsArgs) -> ExitCode {
    let journal = match journal_path(&args.journal) {
        Ok(journal) => journal,
        Err(code) => return code,
    };
    let scored = match score::load(&journal) {
        Ok(scored) => scored,
        Err(err) => return super::usage_error(&err),
    };
    print_warnings(&journal.display().to_string(), &scored.warnings);
    let rows = labels::labels(&scored);
    let output = match args.format {
        LabelsFormat::Csv => labels::csv(&rows),
        LabelsFormat::Jsonl => labels::jsonl(&rows),
    };
    write_output(args.out.as_deref(), &output)
}
