//! The style sheets of the self-contained HTML pages (`report --format
//! html` and `score --format html`), in one place so that both pages look
//! alike and neither module reaches into the other for its style.

/// The style sheet of the report's page and of the scorecard's page.
pub const PAGE: &str = "
body { font-family: sans-serif; margin: 16px 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; }
p.span { color: #555; margin: 0 0 12px; }
table.report { border-collapse: collapse; font-size: 13px; margin-bottom: 6px; }
table.report th, table.report td { padding: 3px 10px; border-bottom: 1px solid #ddd; }
table.report th { text-align: right; background: #f0f0f0; }
table.report td { text-align: right; font-variant-numeric: tabular-nums; }
table.report th.name, table.report td.name { text-align: left; }
table.report tr.target-total td { font-weight: bold; background: #fafafa; }
table.report tr.overall td { font-weight: bold; background: #eef3fb; border-top: 2px solid #999; }
div.notes { font-size: 13px; color: #444; max-width: 60em; }
div.notes h2 { font-size: 15px; color: #222; margin: 0 0 6px; }
div.notes p { margin: 0 0 6px; }
figure { margin: 8px 0 12px; }
figure.timeline svg { display: block; width: 100%; max-width: 2600px; height: auto; }
";

/// What the scorecard section adds to [`PAGE`], on the scorecard's page
/// and in a report that holds a scorecard.
pub const SCORECARD: &str = "
section.scorecard h2 { font-size: 16px; margin: 16px 0 6px; }
table.figures td.name { text-align: left; }
p.score-note { font-size: 13px; color: #444; max-width: 60em; }
";
