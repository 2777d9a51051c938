//! `chaos-engine report`: reads an audit journal and prints how the injected
//! failures were repaired, as a text table, a JSON document, an SVG timeline
//! or an HTML page (see `crate::report`). Reads only the journal; writes
//! only standard output or `--out`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::{ReportArgs, ReportFormat, EXIT_FAILURE};
use crate::config::{Origin, SettingId};
use crate::output_file::write_whole;
use crate::report::{self, stats::Table, zone::ReportZone};

/// At most this many malformed-line warnings are printed one by one.
const MAX_WARNINGS: usize = 20;

/// Prints or writes the report; exit 2 when the journal cannot be read or
/// `--tz` names no known zone, 1 when the output cannot be written.
pub fn execute(args: &ReportArgs) -> ExitCode {
    let journal = match journal_path(&args.journal) {
        Ok(journal) => journal,
        Err(code) => return code,
    };
    let zone = match ReportZone::parse(&args.tz) {
        Ok(zone) => zone,
        Err(err) => return super::usage_error(&err),
    };
    let summary = match report::load(&journal) {
        Ok(summary) => summary,
        Err(err) => return super::usage_error(&err),
    };
    let name = journal.display().to_string();
    print_warnings(&name, &summary.warnings);

    let table = Table::from_summary(&summary);
    let output = match args.format {
        ReportFormat::Text => report::text::render(&name, &summary, &table, &zone, args.wide),
        ReportFormat::Json => {
            let mut json = report::json::render(&name, &summary, &table);
            json.push('\n');
            json
        }
        ReportFormat::Svg => report::svg::render(&name, &summary, &zone),
        ReportFormat::Html => {
            let scorecard = scorecard_section(&journal);
            report::html::render(&name, &summary, &table, &zone, scorecard.as_deref())
        }
    };
    write_output(args.out.as_deref(), &output)
}

/// The scorecard section of the HTML report, when the journal has findings
/// (read again: a journal the report could read, the scorer can too).
fn scorecard_section(journal: &Path) -> Option<String> {
    let scored = crate::score::load(journal).ok()?;
    if scored.findings.is_empty() {
        return None;
    }
    let grace = crate::score::DEFAULT_GRACE_S;
    let cards = crate::score::metrics::scorecards(&scored, None, grace);
    Some(crate::score::html::section(&scored, &cards, grace))
}

/// The journal named by `--journal` or `CHAOS_JOURNAL`, or exit 2 when
/// neither is given. An empty CHAOS_JOURNAL is unset; an empty `--journal`
/// is a path (that cannot be read).
pub(crate) fn journal_path(
    journal: &crate::cli::SettingArgs<crate::cli::ReportJournal>,
) -> Result<PathBuf, ExitCode> {
    journal
        .values()
        .raw(SettingId::Journal)
        .filter(|v| !(matches!(v.origin, Origin::Env(_)) && v.value.is_empty()))
        .map(|v| PathBuf::from(v.value))
        .ok_or_else(|| {
            super::usage_error(&"no journal given: pass --journal FILE (or set CHAOS_JOURNAL)")
        })
}

/// Prints the first [`MAX_WARNINGS`] malformed-line warnings of `name`,
/// then how many more there were.
pub(crate) fn print_warnings(name: &str, warnings: &[report::LineWarning]) {
    for warning in warnings.iter().take(MAX_WARNINGS) {
        let file = warning
            .file
            .as_ref()
            .map_or_else(|| name.to_owned(), |file| file.display().to_string());
        eprintln!(
            "warning: {file}:{}: {}; line skipped",
            warning.line, warning.message
        );
    }
    if warnings.len() > MAX_WARNINGS {
        eprintln!(
            "warning: {name}: {} more malformed line(s) skipped",
            warnings.len() - MAX_WARNINGS
        );
    }
}

/// Writes `output` to standard output, or whole to `out`; exit 1 when it
/// cannot be written (a reader that stopped early is not an error).
pub(crate) fn write_output(out: Option<&Path>, output: &str) -> ExitCode {
    match out {
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(output.as_bytes())
                .and_then(|()| stdout.flush())
            {
                // A reader that stopped early (`| head`) is not an error.
                Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("error: standard output: {err}");
                    ExitCode::from(EXIT_FAILURE)
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Some(path) => match write_whole(path, output.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {}: cannot write the report: {err}", path.display());
                ExitCode::from(EXIT_FAILURE)
            }
        },
    }
}
