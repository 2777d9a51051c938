//! The report as a plain-text table with aligned columns, for a terminal.

use std::fmt::Write as _;

use super::stats::{Row, Table, COLUMNS};
use super::time_axis::format_utc;
use super::JournalSummary;

/// The whole text report: a heading, the table and the notes that explain it.
pub fn render(journal: &str, summary: &JournalSummary, table: &Table) -> String {
    let mut out = format!("chaos-engine report: {journal}\n");
    out.push_str(&heading(summary));
    out.push('\n');
    out.push_str(&render_table(table));
    out.push('\n');
    out.push_str(NOTES);
    if !summary.warnings.is_empty() {
        let _ = writeln!(
            out,
            "{} malformed journal line(s) skipped (listed on standard error).",
            summary.warnings.len()
        );
    }
    out
}

/// What the table explains, printed under it.
pub const NOTES: &str = "\
repair rate = repaired / (repaired + expired). Cleared failures (ended by hand or by
  shutdown) and open ones (never ended: the engine was killed) are left out of it:
  they had no fair chance to be repaired or to expire.
ttr = time to repair (injection to repair, repaired failures only); ttm = time to
  manifest (injection until a probe saw it). p50/p95 are nearest-rank percentiles:
  the smallest recorded value with at least 50%/95% of the values at or below it.
skipped cycles have no scenario; they are counted on the target and overall rows.
";

/// `from … to … (duration), N engine runs, M failures`, or why there is nothing.
fn heading(summary: &JournalSummary) -> String {
    let failures = summary.failures.len();
    match summary.span {
        None => "no failures recorded\n".to_owned(),
        Some((from, to)) => {
            let what = if failures == 0 {
                "no failures recorded".to_owned()
            } else {
                format!("{failures} failure(s)")
            };
            format!(
                "{} to {} ({}), {} engine run(s), {what}\n",
                format_utc(from),
                format_utc(to),
                format_ms((to - from) * 1000.0),
                summary.runs
            )
        }
    }
}

/// The table alone: header, one line per target and scenario, a total line
/// per target, and the overall total.
pub fn render_table(table: &Table) -> String {
    let mut lines: Vec<Option<Vec<String>>> = Vec::new();
    lines.push(Some(
        COLUMNS
            .iter()
            .map(|(short, _)| (*short).to_owned())
            .collect(),
    ));
    lines.push(None);
    for total in &table.targets {
        let name = total.target.as_deref().unwrap_or_default();
        for row in table.rows_of(name) {
            lines.push(Some(cells(row)));
        }
        lines.push(Some(cells(total)));
        lines.push(None);
    }
    lines.push(Some(cells(&table.totals)));

    let mut widths = [0usize; COLUMNS.len()];
    for line in lines.iter().flatten() {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let rule_width = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
    let mut out = String::new();
    for line in &lines {
        match line {
            None => out.push_str(&"-".repeat(rule_width)),
            Some(cells) => {
                let mut text = String::new();
                for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
                    if i > 0 {
                        text.push_str("  ");
                    }
                    // The first two columns are names: left-aligned.
                    if i < 2 {
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

    #[test]
    fn the_table_aligns_columns_and_shows_totals() {
        let journal = [
            r#"{"timestamp":0,"event":"engine_started"}"#,
            r#"{"event":"ended","id":"1","target":"app","scenario":"CRASH","ended_by":"repair","injected_at":10,"repaired_at":12,"ended_at":12,"time_to_repair_ms":2000}"#,
            r#"{"event":"ended","id":"2","target":"app","scenario":"CRASH","ended_by":"recovery","injected_at":20,"expired_at":50,"ended_at":50}"#,
            r#"{"timestamp":60,"event":"skipped","target":"a-much-longer-target","reason":"cap"}"#,
        ]
        .join("\n");
        let summary = parse(journal.as_bytes());
        let text = render("j.jsonl", &summary, &Table::from_summary(&summary));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "chaos-engine report: j.jsonl");
        assert!(lines[1].starts_with("1970-01-01 00:00:00 UTC to 1970-01-01 00:01:00 UTC (1m00s), 1 engine run(s), 2 failure(s)"), "{}", lines[1]);
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
    }

    #[test]
    fn an_empty_journal_says_so() {
        let summary = parse(b"");
        let text = render("e.jsonl", &summary, &Table::from_summary(&summary));
        assert!(text.contains("no failures recorded"), "{text}");
        assert!(text.contains("all targets"));
    }
}
