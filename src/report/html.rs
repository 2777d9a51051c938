//! The report as one self-contained HTML page: a heading, the table as an
//! HTML `<table>`, the SVG timeline inline at the page's full width, and
//! short paragraphs explaining both. No scripts, fonts or links: it opens
//! offline, from a file or an e-mail attachment.

use std::fmt::Write as _;

use super::notes::html_paragraphs;
use super::stats::{Row, Table, COLUMNS};
use super::text::{cells, heading, plural};
use super::zone::ReportZone;
use super::{svg, JournalSummary};
use crate::render::escape::escape;
use crate::render::style::{PAGE, SCORECARD};

/// The whole page, with clock times in `zone`; `scorecard` (the
/// responders' scorecard section, when the journal has findings) goes
/// after the timeline.
pub fn render(
    journal: &str,
    summary: &JournalSummary,
    table: &Table,
    zone: &ReportZone,
    scorecard: Option<&str>,
) -> String {
    let name = escape(journal);
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>chaos-engine report: {name}</title>\n<style>{PAGE}{}</style>\n</head>\n<body>\n<h1>chaos-engine report: {name}</h1>\n",
        if scorecard.is_some() {
            SCORECARD
        } else {
            ""
        }
    );
    let _ = writeln!(
        page,
        "<p class=\"span\">{}</p>",
        escape(&heading(summary, zone))
    );
    page.push_str(&render_table(table));
    if !summary.warnings.is_empty() {
        let _ = writeln!(
            page,
            "<p class=\"warnings\">{} skipped.</p>",
            plural(summary.warnings.len(), "malformed journal line")
        );
    }
    page.push_str("<figure class=\"timeline\">\n");
    page.push_str(&svg::render(journal, summary, zone));
    page.push_str("</figure>\n");
    if let Some(scorecard) = scorecard {
        page.push_str(scorecard);
    }
    page.push_str("<div class=\"notes\">\n<h2>How to read this report</h2>\n");
    for paragraph in html_paragraphs() {
        let _ = writeln!(page, "<p>{}</p>", escape(paragraph));
    }
    page.push_str("</div>\n</body>\n</html>\n");
    page
}

/// The table as HTML: scenario rows, a bold total per target, the overall total.
fn render_table(table: &Table) -> String {
    let mut out = String::from("<table class=\"report\">\n<thead><tr>");
    for (i, (_, column)) in COLUMNS.iter().enumerate() {
        let class = if i < 2 { " class=\"name\"" } else { "" };
        let _ = write!(out, "<th{class}>{column}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for total in &table.targets {
        let name = total.target.as_deref().unwrap_or_default();
        for row in table.rows_of(name) {
            out.push_str(&table_row(row, "scenario"));
        }
        out.push_str(&table_row(total, "target-total"));
    }
    out.push_str(&table_row(&table.totals, "overall"));
    out.push_str("</tbody>\n</table>\n");
    out
}

fn table_row(row: &Row, class: &str) -> String {
    let cells = cells(row);
    let mut out = format!("<tr class=\"{class}\">");
    for (i, cell) in cells.iter().enumerate() {
        let class = if i < 2 { " class=\"name\"" } else { "" };
        let _ = write!(out, "<td{class}>{}</td>", escape(cell));
    }
    out.push_str("</tr>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::parse;

    #[test]
    fn the_page_holds_the_table_and_the_svg_and_no_external_resources() {
        let summary = parse(
            br#"{"event":"ended","id":"1","target":"<app>","scenario":"CRASH","ended_by":"repair","injected_at":10,"repaired_at":12,"ended_at":12,"time_to_repair_ms":2000}"#,
        );
        let page = render(
            "j<1>.jsonl",
            &summary,
            &Table::from_summary(&summary),
            &ReportZone::utc(),
            None,
        );
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<title>chaos-engine report: j&lt;1&gt;.jsonl</title>"));
        assert_eq!(page.matches("<table class=\"report\">").count(), 1);
        assert_eq!(page.matches("<svg ").count(), 1);
        assert!(page.contains("<td class=\"name\">&lt;app&gt;</td>"));
        assert!(page.contains("<tr class=\"overall\">"));
        assert!(page.contains("100.0%"));
        assert!(page.contains(
            "<div class=\"notes\">\n<h2>How to read this report</h2>\n<p>Each target has one line"
        ));
        assert!(page.contains("figure.timeline svg { display: block; width: 100%;"));
        for external in [
            "<script", "<link", "<img", "https://", "@import", "url(http",
        ] {
            assert!(!page.contains(external), "{external} in the page");
        }
        // The only URL is the SVG namespace, which is a name, not a fetch.
        assert_eq!(
            page.matches("http://").count(),
            page.matches("http://www.w3.org/2000/svg").count()
        );
    }
}
