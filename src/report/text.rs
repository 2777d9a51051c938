//! The report as a plain-text table with aligned columns, for a terminal.
//!
//! By default the table fits [`MAX_WIDTH`] columns: one name column (each
//! target's total line, then its scenarios indented under it) and short
//! column headings explained in the notes; names too long for the width
//! are shortened with `…`. `--wide` keeps the full layout: target and
//! scenario columns and spelled-out headings, whatever the width.

use std::fmt::Write as _;

use super::notes::{text_paragraphs, wrap};
use super::stats::{Row, Table, COLUMNS};
use super::zone::ReportZone;
use super::JournalSummary;

/// The default report's widest line, in characters.
pub const MAX_WIDTH: usize = 100;
/// Notes are wrapped to this many characters.
const NOTE_WIDTH: usize = 88;
/// A name column is never shortened below this many characters.
const MIN_NAME_WIDTH: usize = 12;
/// The compact table's headings: one name column, then the figures of
/// [`COLUMNS`] from `injections` on, abbreviated.
const COMPACT_COLUMNS: [&str; 12] = [
    "target / scenario",
    "inj",
    "rep",
    "exp",
    "clr",
    "open",
    "skip",
    "ttr p50",
    "ttr p95",
    "ttr max",
    "rate",
    "ttm p50",
];

/// The whole text report: a heading, the table and the notes that explain
/// it. Clock times are in `zone`; `wide` keeps every column at full width.
pub fn render(
    journal: &str,
    summary: &JournalSummary,
    table: &Table,
    zone: &ReportZone,
    wide: bool,
) -> String {
    let mut out = format!("chaos-engine report: {journal}\n");
    for line in wrap(&heading(summary, zone), MAX_WIDTH) {
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    let (rendered, shortened) = if wide {
        (render_wide_table(table), false)
    } else {
        render_compact_table(table)
    };
    out.push_str(&rendered);
    let mut paragraphs: Vec<String> = text_paragraphs(wide)
        .iter()
        .map(|p| (*p).to_owned())
        .collect();
    if shortened {
        paragraphs.push(
            "Names longer than the table has room for are shortened with …; \
             `--wide` shows them whole."
                .to_owned(),
        );
    }
    if !summary.warnings.is_empty() {
        paragraphs.push(format!(
            "{} skipped: each is listed on standard error.",
            plural(summary.warnings.len(), "malformed journal line")
        ));
    }
    for paragraph in paragraphs {
        out.push('\n');
        for line in wrap(&paragraph, NOTE_WIDTH) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// `1 engine run`, `2 engine runs`.
pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// `From … to … (duration): N engine runs, M failures.`, or why there is
/// nothing to tell.
pub fn heading(summary: &JournalSummary, zone: &ReportZone) -> String {
    let failures = summary.failures.len();
    let what = if failures == 0 {
        "no failures recorded".to_owned()
    } else {
        plural(failures, "failure")
    };
    match summary.span {
        None => "The journal holds no events: no failures recorded.".to_owned(),
        Some((from, to)) => format!(
            "From {} ({}): {}, {what}.",
            zone.format_span(from, to),
            format_ms((to - from) * 1000.0),
            plural(summary.runs, "engine run"),
        ),
    }
}

/// One table line: its cells, or `None` for a rule.
type Line = Option<Vec<String>>;

/// The compact table, at most [`MAX_WIDTH`] wide unless its figures alone
/// are wider; and whether a name had to be shortened.
pub fn render_compact_table(table: &Table) -> (String, bool) {
    let mut lines: Vec<Line> = vec![
        Some(COMPACT_COLUMNS.iter().map(|c| (*c).to_owned()).collect()),
        None,
    ];
    let compact = |name: String, row: &Row| {
        let mut line = vec![name];
        line.extend(cells(row).into_iter().skip(2));
        Some(line)
    };
    for total in &table.targets {
        let name = total.target.clone().unwrap_or_default();
        for_target(&mut lines, compact(name.clone(), total), |lines| {
            for row in table.rows_of(&name) {
                let scenario = row.scenario.clone().unwrap_or_default();
                lines.push(compact(format!("  {scenario}"), row));
            }
        });
    }
    lines.push(compact("all targets".to_owned(), &table.totals));

    let figures = column_widths(&lines)
        .iter()
        .skip(1)
        .map(|w| w + 2)
        .sum::<usize>();
    let room = MAX_WIDTH.saturating_sub(figures).max(MIN_NAME_WIDTH);
    let mut shortened = false;
    for line in lines.iter_mut().flatten() {
        if let Some(name) = line.first_mut() {
            if name.chars().count() > room {
                let mut short: String = name.chars().take(room - 1).collect();
                short.push('…');
                *name = short;
                shortened = true;
            }
        }
    }
    (lay_out(&lines, 1), shortened)
}

/// Pushes a target's lines, then a rule.
fn for_target(lines: &mut Vec<Line>, total: Line, scenarios: impl FnOnce(&mut Vec<Line>)) {
    lines.push(total);
    scenarios(lines);
    lines.push(None);
}

/// The wide table: header, one line per target and scenario, a total line
/// per target, and the overall total; every column spelled out.
pub fn render_wide_table(table: &Table) -> String {
    let mut lines: Vec<Line> = vec![
        Some(
            COLUMNS
                .iter()
                .map(|(short, _)| (*short).to_owned())
                .collect(),
        ),
        None,
    ];
    for total in &table.targets {
        let name = total.target.as_deref().unwrap_or_default();
        for row in table.rows_of(name) {
            lines.push(Some(cells(row)));
        }
        lines.push(Some(cells(total)));
        lines.push(None);
    }
    lines.push(Some(cells(&table.totals)));
    lay_out(&lines, 2)
}

/// The widest cell of each column, in characters.
fn column_widths(lines: &[Line]) -> Vec<usize> {
    let mut widths: Vec<usize> = Vec::new();
    for line in lines.iter().flatten() {
        if widths.len() < line.len() {
            widths.resize(line.len(), 0);
        }
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    widths
}

/// Aligned columns two spaces apart: the first `names` columns to the
/// left, the figures to the right; rules as wide as the table.
fn lay_out(lines: &[Line], names: usize) -> String {
    let widths = column_widths(lines);
    let rule_width = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    let mut out = String::new();
    for line in lines {
        match line {
            None => out.push_str(&"-".repeat(rule_width)),
            Some(cells) => {
                let mut text = String::new();
                for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
                    if i > 0 {
                        text.push_str("  ");
                    }
                    // `{:<width$}` pads by characters, so `…` counts as one.
                    if i < names {
                        let _ = write!(text, "{cell:<width$}");
                    } else {
                        let _ = write!(text, "{cell:>width$}");
                    }
                }
                out.push_str(text.trim_end());
            }
        }
        out.push('\n');
    }
    out
}

/// The cells of one row, formatted for people (`-` where there is no data).
pub fn cells(row: &Row) -> Vec<String> {
    let dash = || "-".to_owned();
    let ms = |value: Option<f64>| value.map_or_else(dash, format_ms);
    vec![
        row.target
            .clone()
            .unwrap_or_else(|| "all targets".to_owned()),
        row.scenario.clone().unwrap_or_else(|| "total".to_owned()),
        row.injections.to_string(),
        row.repaired.to_string(),
        row.expired.to_string(),
        row.cleared.to_string(),
        row.open.to_string(),
        row.skipped.map_or_else(dash, |n| n.to_string()),
        ms(row.time_to_repair_p50_ms),
        ms(row.time_to_repair_p95_ms),
        ms(row.time_to_repair_max_ms),
        row.repair_rate
            .map_or_else(dash, |rate| format!("{:.1}%", rate * 100.0)),
        ms(row.time_to_manifest_p50_ms),
    ]
}

/// A duration for people: `850ms`, `12.3s`, `4m05s`, `2h07m`, `3d04h`.
pub fn format_ms(ms: f64) -> String {
    if !ms.is_finite() {
        return "-".to_owned();
    }
    let sign = if ms < 0.0 { "-" } else { "" };
    let ms = ms.abs();
    if ms < 1000.0 {
        return format!("{sign}{ms:.0}ms");
    }
    if ms < 59_950.0 {
        return format!("{sign}{:.1}s", ms / 1000.0);
    }
    // Whole seconds from here on; a journal's durations fit easily in u64.
    let seconds = (ms / 1000.0).round() as u64;
    if seconds < 3600 {
        format!("{sign}{}m{:02}s", seconds / 60, seconds % 60)
    } else if seconds < 86_400 {
        format!("{sign}{}h{:02}m", seconds / 3600, seconds / 60 % 60)
    } else {
        format!("{sign}{}d{:02}h", seconds / 86_400, seconds / 3600 % 24)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::parse;

    #[test]
    fn durations_read_naturally_at_every_scale() {
        assert_eq!(format_ms(0.4), "0ms");
        assert_eq!(format_ms(850.0), "850ms");
        assert_eq!(format_ms(999.4), "999ms");
        assert_eq!(format_ms(1000.0), "1.0s");
        assert_eq!(format_ms(12_345.0), "12.3s");
        assert_eq!(format_ms(59_949.0), "59.9s");
        assert_eq!(format_ms(59_950.0), "1m00s");
        assert_eq!(format_ms(245_000.0), "4m05s");
        assert_eq!(format_ms(7_620_000.0), "2h07m");
        assert_eq!(format_ms(273_600_000.0), "3d04h");
        assert_eq!(format_ms(-1500.0), "-1.5s");
        assert_eq!(format_ms(f64::NAN), "-");
    }

    fn render_utc(summary: &JournalSummary, wide: bool) -> String {
        let table = Table::from_summary(summary);
        render("j.jsonl", summary, &table, &ReportZone::utc(), wide)
    }

    fn two_targets() -> JournalSummary {
        let journal = [
            r#"{"timestamp":0,"event":"engine_started"}"#,
            r#"{"event":"ended","id":"1","target":"app","scenario":"CRASH","ended_by":"repair","injected_at":10,"repaired_at":12,"ended_at":12,"time_to_repair_ms":2000}"#,
            r#"{"event":"ended","id":"2","target":"app","scenario":"CRASH","ended_by":"recovery","injected_at":20,"expired_at":50,"ended_at":50}"#,
            r#"{"timestamp":60,"event":"skipped","target":"a-much-longer-target","reason":"cap"}"#,
        ]
        .join("\n");
        parse(journal.as_bytes())
    }

    #[test]
    fn the_wide_table_aligns_columns_and_shows_totals() {
        let text = render_utc(&two_targets(), true);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "chaos-engine report: j.jsonl");
        assert_eq!(
            lines[1],
            "From 1970-01-01 00:00:00 to 00:01:00 UTC (1m00s): 1 engine run, 2 failures."
        );
        let header = lines.iter().position(|l| l.starts_with("target")).unwrap();
        // Every table line ends its "injections" column at the same place.
        let end = lines[header].find("injections").unwrap() + "injections".len();
        let crash = lines.iter().find(|l| l.contains("CRASH")).unwrap();
        assert_eq!(&crash[end - 1..end], "2", "{crash}");
        assert!(crash.contains("50.0%"), "{crash}");
        assert!(crash.contains("2.0s"), "{crash}");
        let skipped_target = lines
            .iter()
            .find(|l| l.starts_with("a-much-longer-target"))
            .unwrap();
        assert!(skipped_target.contains("total"));
        let overall = lines.iter().find(|l| l.starts_with("all targets")).unwrap();
        let columns: Vec<&str> = overall.split_whitespace().collect();
        assert_eq!(
            columns,
            [
                "all", "targets", "total", "2", "1", "1", "0", "0", "1", "2.0s", "2.0s", "2.0s",
                "50.0%", "-"
            ]
        );
        assert!(text.contains("nearest-rank"));
        assert!(text.contains("Time to repair runs from injection to repair"));
    }

    #[test]
    fn the_compact_table_nests_scenarios_under_their_target_total() {
        let text = render_utc(&two_targets(), false);
        let lines: Vec<&str> = text.lines().collect();
        let header = lines
            .iter()
            .position(|l| l.starts_with("target / scenario"))
            .unwrap();
        let words = |line: &str| line.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(
            words(lines[header]),
            "target / scenario inj rep exp clr open skip ttr p50 ttr p95 ttr max rate ttm p50"
        );
        assert!(lines[header + 1].chars().all(|c| c == '-'));
        assert_eq!(
            words(lines[header + 2]),
            "a-much-longer-target 0 0 0 0 0 1 - - - - -"
        );
        assert!(lines[header + 3].chars().all(|c| c == '-'));
        assert_eq!(
            words(lines[header + 4]),
            "app 2 1 1 0 0 0 2.0s 2.0s 2.0s 50.0% -"
        );
        assert!(lines[header + 5].starts_with("  CRASH "), "{text}");
        assert_eq!(
            words(lines[header + 5]),
            "CRASH 2 1 1 0 0 - 2.0s 2.0s 2.0s 50.0% -"
        );
        // The "inj" column ends at the same place on every line.
        let end = lines[header].find("inj").unwrap() + "inj".len();
        assert_eq!(&lines[header + 5][end - 1..end], "2");
        assert!(lines.iter().any(|l| l.starts_with("all targets")));
        assert!(text.contains("`--wide`"));
        assert!(
            text.lines().all(|l| l.chars().count() <= MAX_WIDTH),
            "{text}"
        );
    }

    #[test]
    fn names_too_long_for_100_columns_are_shortened_and_kept_whole_with_wide() {
        let long = "a-target-whose-name-goes-on-and-on-for-far-longer-than-a-terminal-allows";
        let summary = parse(
            format!(
                r#"{{"event":"ended","id":"1","target":"{long}","scenario":"A_CUSTOM_SCENARIO_WITH_A_LONG_NAME","ended_by":"repair","injected_at":10,"repaired_at":12,"ended_at":12}}"#
            )
            .as_bytes(),
        );
        let text = render_utc(&summary, false);
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(widest <= MAX_WIDTH, "{widest}:\n{text}");
        assert!(text.contains("a-target-whose-name-goe…"), "{text}");
        assert!(text.contains('…'), "{text}");
        assert!(text.contains("shortened"), "{text}");
        let wide = render_utc(&summary, true);
        assert!(wide.contains(long));
        assert!(!wide.contains('…'));
    }

    #[test]
    fn an_empty_journal_says_so() {
        let summary = parse(b"");
        for wide in [false, true] {
            let text = render_utc(&summary, wide);
            assert!(text.contains("no failures recorded"), "{text}");
            assert!(text.contains("all targets"));
        }
    }

    #[test]
    fn the_heading_names_the_chosen_zone() {
        let summary = parse(
            br#"{"timestamp":1704617280,"event":"engine_started"}
{"timestamp":1704618550,"event":"engine_stopped"}"#,
        );
        let paris = ReportZone::parse("Europe/Paris").unwrap();
        assert_eq!(
            heading(&summary, &paris),
            "From 2024-01-07 09:48:00 to 10:09:10 CET (21m10s): 1 engine run, no failures recorded."
        );
    }
}
