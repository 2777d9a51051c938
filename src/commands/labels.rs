//! `chaos-engine labels`: the journal's intervals of real impact and its
//! control windows, one row per target and interval, as CSV or JSON lines
//! (see `crate::score::labels`), for training and scoring anomaly
//! detectors.

use std::process::ExitCode;

use super::report::write_output;
use crate::cli::{LabelsArgs, LabelsFormat};
use crate::score::labels;

/// Prints or writes the labels; exit 2 when the journal cannot be read,
/// 1 when the output cannot be written.
pub fn execute(args: &LabelsArgs) -> ExitCode {
    let (_, scored) = match super::score::load_journal(&args.journal) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let rows = labels::labels(&scored);
    let output = match args.format {
        LabelsFormat::Csv => labels::csv(&rows),
        LabelsFormat::Jsonl => labels::jsonl(&rows),
    };
    write_output(args.out.as_deref(), &output)
}
