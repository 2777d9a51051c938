//! `chaos-engine score`: reads an audit journal and scores every responder
//! that posted findings (or only `--responder`), as text, JSON or an HTML
//! page (see `crate::score`). Reads only the journal; writes only standard
//! output or `--out`.

use std::process::ExitCode;

use super::report::{journal_path, print_warnings, write_output};
use crate::cli::{ScoreArgs, ScoreFormat};
use crate::score::{self, metrics::scorecards};

/// Prints or writes the scorecard; exit 2 when the journal cannot be read,
/// 1 when the output cannot be written.
pub fn execute(args: &ScoreArgs) -> ExitCode {
    let (name, scored) = match load_journal(&args.journal) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let grace_s = args.grace.as_secs_f64();
    let cards = scorecards(&scored, args.responder.as_deref(), grace_s);
    let output = match args.format {
        ScoreFormat::Text => score::text::render(&name, &scored, &cards, grace_s),
        ScoreFormat::Json => {
            let mut json = score::json::render(&name, &scored, &cards, grace_s);
            json.push('\n');
            json
        }
        ScoreFormat::Html => score::html::render(&name, &scored, &cards, grace_s),
    };
    write_output(args.out.as_deref(), &output)
}

/// The journal `journal` names (or `CHAOS_JOURNAL`), read for scoring,
/// with its skipped lines reported on standard error; exit 2 when it
/// cannot be read.
pub(super) fn load_journal(
    journal: &crate::cli::SettingArgs<crate::cli::ReportJournal>,
) -> Result<(String, score::ScoreJournal), ExitCode> {
    let journal = journal_path(journal)?;
    let scored = score::load(&journal).map_err(|err| super::usage_error(&err))?;
    let name = journal.display().to_string();
    print_warnings(&name, &scored.warnings);
    Ok((name, scored))
}
