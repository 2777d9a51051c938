//! The failures timeline as a self-contained SVG (no fonts, scripts or
//! links): one lane per target, one bar per failure from its injection to
//! its end, coloured by scenario, with a UTC time axis and a legend.
//!
//! Elements carry class names and `data-` attributes so tests and styles can
//! find them: `rect.failure.repaired` (or `expired`, `cleared`, `open`) with
//! `data-target`, `data-scenario`, `data-id`; `g.lane[data-target]`;
//! `path.skip[data-reason]`; `text.tick-label`; `g.legend-entry` with
//! `data-scenario` or `data-outcome`. Every text from the journal is escaped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::colour::scenario_colour;
use super::escape::escape;
use super::text::format_ms;
use super::time_axis::{format_utc, ticks};
use super::{Failure, JournalSummary, Outcome, Skip};

const WIDTH: f64 = 1100.0;
/// Room for the lane labels on the left.
const LABEL_WIDTH: f64 = 170.0;
const RIGHT_MARGIN: f64 = 30.0;
const TOP: f64 = 62.0;
const LANE_HEIGHT: f64 = 34.0;
const BAR_TOP: f64 = 5.0;
const BAR_HEIGHT: f64 = 20.0;
/// Bars shorter than this are widened so they stay visible.
const MIN_BAR_WIDTH: f64 = 2.0;
const AXIS_HEIGHT: f64 = 46.0;
const LEGEND_ROW: f64 = 22.0;
/// Lane labels longer than this are shortened (they must fit LABEL_WIDTH).
const MAX_LABEL_CHARS: usize = 22;

const REPAIRED_MARK: &str = "#1a7f37";
const EXPIRED_MARK: &str = "#111111";
const CLEARED_MARK: &str = "#8c8c8c";
const SKIP_COLOUR: &str = "#555555";
const SAMPLE_COLOUR: &str = "#7f7f7f";
const HATCH_ID: &str = "chaos-hatch";

/// Maps Unix seconds to x pixels.
struct TimeScale {
    from: f64,
    to: f64,
}

impl TimeScale {
    fn new(span: Option<(f64, f64)>) -> TimeScale {
        let (from, to) = span.unwrap_or((0.0, 0.0));
        // A little air on both sides, and never a zero-width span.
        let pad = ((to - from) * 0.02).max(1.0);
        TimeScale {
            from: from - pad,
            to: to + pad,
        }
    }

    fn x(&self, at: f64) -> f64 {
        let plot = WIDTH - LABEL_WIDTH - RIGHT_MARGIN;
        let ratio = ((at - self.from) / (self.to - self.from)).clamp(0.0, 1.0);
        LABEL_WIDTH + ratio * plot
    }
}

/// The timeline of `summary`, headed with `journal` (the file's name).
pub fn render(journal: &str, summary: &JournalSummary) -> String {
    let lanes: Vec<&str> = summary
        .failures
        .iter()
        .map(|f| f.target.as_str())
        .chain(summary.skips.iter().map(|s| s.target.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let scale = TimeScale::new(summary.span);
    let lanes_height = LANE_HEIGHT * lanes.len().max(1) as f64;
    let axis_top = TOP + lanes_height;
    let legend = legend_entries(summary);
    let (legend_svg, legend_height) = lay_out_legend(&legend, axis_top + AXIS_HEIGHT);
    let height = axis_top + AXIS_HEIGHT + legend_height + 12.0;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chaos-timeline" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12" role="img">"#
    );
    let _ = write!(
        svg,
        "<title>chaos-engine failures by target: {}</title>",
        escape(journal)
    );
    let _ = write!(
        svg,
        r##"<defs><pattern id="{HATCH_ID}" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)"><rect width="4" height="8" fill="#ffffff" fill-opacity="0.6"/></pattern></defs>"##
    );
    let _ = write!(
        svg,
        r##"<rect class="background" width="{WIDTH}" height="{height}" fill="#ffffff"/>"##
    );
    let _ = write!(
        svg,
        r##"<text class="heading" x="12" y="24" font-size="16" font-weight="bold" fill="#222222">Failures by target: {}</text>"##,
        escape(journal)
    );
    let subheading = match summary.span {
        Some((from, to)) => format!(
            "{} to {} · {} failure(s) · {} skipped cycle(s)",
            format_utc(from),
            format_utc(to),
            summary.failures.len(),
            summary.skips.len()
        ),
        None => "empty journal".to_owned(),
    };
    let _ = write!(
        svg,
        r##"<text class="subheading" x="12" y="44" fill="#555555">{}</text>"##,
        escape(&subheading)
    );

    // Bands first, then the grid over them, then the bars over the grid.
    svg.push_str(r#"<g class="lane-bands">"#);
    for index in 0..lanes.len() {
        let band = if index % 2 == 0 { "#f5f5f5" } else { "#ebebeb" };
        let _ = write!(
            svg,
            r#"<rect x="{LABEL_WIDTH}" y="{}" width="{}" height="{LANE_HEIGHT}" fill="{band}"/>"#,
            TOP + LANE_HEIGHT * index as f64,
            WIDTH - LABEL_WIDTH - RIGHT_MARGIN
        );
    }
    svg.push_str("</g>");
    // An empty journal has no time to show: no ticks around 1970.
    svg.push_str(&axis(&scale, axis_top, summary.span.is_some()));
    // Each target's failures and skips, grouped in one pass (not one scan
    // of the whole journal per lane: thousands of targets stay linear).
    let mut by_target: BTreeMap<&str, (Vec<&Failure>, Vec<&Skip>)> = BTreeMap::new();
    for failure in &summary.failures {
        by_target
            .entry(&failure.target)
            .or_default()
            .0
            .push(failure);
    }
    for skip in &summary.skips {
        by_target.entry(&skip.target).or_default().1.push(skip);
    }
    for (index, target) in lanes.iter().enumerate() {
        let top = TOP + LANE_HEIGHT * index as f64;
        let (failures, skips) = by_target.remove(target).unwrap_or_default();
        svg.push_str(&lane(target, top, &scale, &failures, &skips));
    }
    if summary.failures.is_empty() {
        let _ = write!(
            svg,
            r##"<text class="empty" x="{}" y="{}" text-anchor="middle" font-size="14" fill="#555555">no failures recorded</text>"##,
            (LABEL_WIDTH + WIDTH - RIGHT_MARGIN) / 2.0,
            TOP + lanes_height / 2.0 + 5.0
        );
    }
    svg.push_str(&legend_svg);
    svg.push_str("</svg>\n");
    svg
}

/// One target's lane: its label, its failures and its skipped cycles.
fn lane(
    target: &str,
    top: f64,
    scale: &TimeScale,
    failures: &[&Failure],
    skips: &[&Skip],
) -> String {
    let name = escape(target);
    let mut out = format!(r#"<g class="lane" data-target="{name}">"#);
    // A long name is shortened on the label; its title holds it whole.
    let label: String = if target.chars().count() > MAX_LABEL_CHARS {
        let mut short: String = target.chars().take(MAX_LABEL_CHARS - 1).collect();
        short.push('…');
        short
    } else {
        target.to_owned()
    };
    let _ = write!(
        out,
        r##"<text class="lane-label" x="{}" y="{}" text-anchor="end" fill="#222222"><title>{name}</title>{}</text>"##,
        LABEL_WIDTH - 8.0,
        top + LANE_HEIGHT / 2.0 + 4.0,
        escape(&label)
    );
    for failure in failures {
        out.push_str(&bar(failure, top, scale));
    }
    for skip in skips {
        out.push_str(&skip_mark(skip, top, scale));
    }
    out.push_str("</g>");
    out
}

/// A failure's bar, with its hatching (expired) and end marker.
fn bar(failure: &Failure, lane_top: f64, scale: &TimeScale) -> String {
    let colour = scenario_colour(&failure.scenario);
    let x = scale.x(failure.injected_at);
    let width = (scale.x(failure.ended_at) - x).max(MIN_BAR_WIDTH);
    let y = lane_top + BAR_TOP;
    let class = failure.outcome.class();
    let style = match failure.outcome {
        Outcome::Repaired | Outcome::Expired => String::new(),
        Outcome::Cleared(_) => r#" fill-opacity="0.5""#.to_owned(),
        Outcome::Open => format!(
            r#" fill-opacity="0.25" stroke="{colour}" stroke-width="1.5" stroke-dasharray="4 3""#
        ),
    };
    let mut out = format!(
        r#"<rect class="failure {class}" data-target="{}" data-scenario="{}" data-id="{}" data-outcome="{class}" x="{x:.1}" y="{y}" width="{width:.1}" height="{BAR_HEIGHT}" fill="{colour}"{style}><title>{}</title></rect>"#,
        escape(&failure.target),
        escape(&failure.scenario),
        escape(&failure.id),
        escape(&tooltip(failure)),
    );
    if failure.outcome == Outcome::Expired {
        let _ = write!(
            out,
            r#"<rect class="hatch" x="{x:.1}" y="{y}" width="{width:.1}" height="{BAR_HEIGHT}" fill="url(#{HATCH_ID})" pointer-events="none"/>"#
        );
    }
    let mark = match failure.outcome {
        Outcome::Repaired => Some(REPAIRED_MARK),
        Outcome::Expired => Some(EXPIRED_MARK),
        Outcome::Cleared(_) => Some(CLEARED_MARK),
        Outcome::Open => None,
    };
    if let Some(stroke) = mark {
        let end = x + width;
        let _ = write!(
            out,
            r#"<line class="end-marker {class}" x1="{end:.1}" y1="{}" x2="{end:.1}" y2="{}" stroke="{stroke}" stroke-width="3" pointer-events="none"/>"#,
            y - 3.0,
            y + BAR_HEIGHT + 3.0
        );
    }
    out
}

/// The hover text of a failure's bar.
fn tooltip(failure: &Failure) -> String {
    let mut text = format!("{} · {}", failure.target, failure.scenario);
    match (&failure.mode, failure.delay) {
        (Some(mode), Some(delay)) if delay > 0 => {
            let _ = write!(text, " ({mode}, delay {delay}s)");
        }
        (Some(mode), _) => {
            let _ = write!(text, " ({mode})");
        }
        _ => {}
    }
    let _ = write!(text, "\nid {}", failure.id);
    let lasted = format_ms((failure.ended_at - failure.injected_at) * 1000.0);
    match &failure.outcome {
        Outcome::Repaired => {
            let by = failure
                .repaired_by
                .as_deref()
                .map(|by| format!(" by {by}"))
                .unwrap_or_default();
            let after = failure.time_to_repair_ms.map_or(lasted, format_ms);
            let _ = write!(text, "\nrepaired{by} after {after}");
        }
        Outcome::Expired => {
            let _ = write!(text, "\nexpired unrepaired after {lasted}");
        }
        Outcome::Cleared(by) => {
            let _ = write!(text, "\ncleared ({by}) after {lasted}, not repaired");
        }
        Outcome::Open => {
            let _ = write!(
                text,
                "\nopen: no end in the journal (engine killed?); expires {}",
                format_utc(failure.ended_at)
            );
        }
    }
    if let Some(ms) = failure.time_to_manifest_ms {
        let _ = write!(text, "\nmanifested after {}", format_ms(ms));
    }
    let _ = write!(text, "\ninjected {}", format_utc(failure.injected_at));
    if failure.source.as_deref() == Some("manual") {
        text.push_str(" (by hand)");
    }
    text
}

/// A small triangle under the bars where a cycle was skipped.
fn skip_mark(skip: &Skip, lane_top: f64, scale: &TimeScale) -> String {
    let x = scale.x(skip.at);
    let base = lane_top + LANE_HEIGHT - 1.0;
    let mut title = format!(
        "{}: cycle skipped ({}) at {}",
        skip.target,
        skip.reason,
        format_utc(skip.at)
    );
    if let Some(detail) = &skip.detail {
        let _ = write!(title, "\n{detail}");
    }
    format!(
        r#"<path class="skip" data-target="{}" data-reason="{}" d="M{x:.1},{:.1} l-4,7 h8 z" fill="{SKIP_COLOUR}"><title>{}</title></path>"#,
        escape(&skip.target),
        escape(&skip.reason),
        base - 7.0,
        escape(&title)
    )
}

/// Grid lines, tick labels and the caption of the time axis.
fn axis(scale: &TimeScale, axis_top: f64, with_ticks: bool) -> String {
    let mut out = String::from(r#"<g class="axis">"#);
    let _ = write!(
        out,
        r##"<line class="axis-line" x1="{LABEL_WIDTH}" y1="{axis_top}" x2="{}" y2="{axis_top}" stroke="#444444"/>"##,
        WIDTH - RIGHT_MARGIN
    );
    let ticks = if with_ticks {
        ticks(scale.from, scale.to)
    } else {
        Vec::new()
    };
    for tick in ticks {
        let x = scale.x(tick.at);
        let _ = write!(
            out,
            r##"<line class="grid" x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{}" stroke="#cccccc" stroke-width="1"/>"##,
            axis_top + 4.0
        );
        let _ = write!(
            out,
            r##"<text class="tick-label" data-at="{}" x="{x:.1}" y="{}" text-anchor="middle" fill="#333333">{}</text>"##,
            tick.at,
            axis_top + 17.0,
            escape(&tick.label)
        );
    }
    let _ = write!(
        out,
        r##"<text class="axis-caption" x="{}" y="{}" text-anchor="middle" fill="#555555">time (UTC)</text>"##,
        (LABEL_WIDTH + WIDTH - RIGHT_MARGIN) / 2.0,
        axis_top + 35.0
    );
    out.push_str("</g>");
    out
}

/// One legend entry: its width and its SVG, drawn at the origin.
struct LegendEntry {
    width: f64,
    svg: String,
}

impl LegendEntry {
    fn new(attribute: &str, label: &str, swatch: String) -> LegendEntry {
        let svg = format!(
            r##"<g class="legend-entry" {attribute}>{swatch}<text x="24" y="12" fill="#222222">{}</text></g>"##,
            escape(label)
        );
        LegendEntry {
            width: 24.0 + text_width(label) + 24.0,
            svg,
        }
    }
}

/// A generous estimate of the width of `text` in the 12 px sans-serif font
/// (capitals are wider), for laying out the legend without measuring.
fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_uppercase() { 8.7 } else { 7.0 })
        .sum()
}

/// Scenario colours (those in the journal), then what each outcome looks like.
fn legend_entries(summary: &JournalSummary) -> Vec<LegendEntry> {
    let scenarios: BTreeSet<&str> = summary
        .failures
        .iter()
        .map(|f| f.scenario.as_str())
        .collect();
    let mut entries: Vec<LegendEntry> = scenarios
        .into_iter()
        .map(|scenario| {
            let colour = scenario_colour(scenario);
            LegendEntry::new(
                &format!(
                    r#"data-scenario="{}" data-colour="{colour}""#,
                    escape(scenario)
                ),
                scenario,
                format!(r#"<rect x="0" y="1" width="18" height="14" fill="{colour}"/>"#),
            )
        })
        .collect();
    let sample = |extra: &str, mark: Option<&str>| {
        let mut swatch =
            format!(r#"<rect x="0" y="1" width="18" height="14" fill="{SAMPLE_COLOUR}"{extra}/>"#);
        if extra.is_empty() && mark == Some(EXPIRED_MARK) {
            swatch.push_str(&format!(
                r#"<rect x="0" y="1" width="18" height="14" fill="url(#{HATCH_ID})"/>"#
            ));
        }
        if let Some(stroke) = mark {
            swatch.push_str(&format!(
                r#"<line x1="18" y1="-1" x2="18" y2="17" stroke="{stroke}" stroke-width="3"/>"#
            ));
        }
        swatch
    };
    entries.push(LegendEntry::new(
        r#"data-outcome="repaired""#,
        "repaired (solid, green end)",
        sample("", Some(REPAIRED_MARK)),
    ));
    entries.push(LegendEntry::new(
        r#"data-outcome="expired""#,
        "expired unrepaired (hatched, black end)",
        sample("", Some(EXPIRED_MARK)),
    ));
    entries.push(LegendEntry::new(
        r#"data-outcome="cleared""#,
        "cleared by hand or shutdown (faded)",
        sample(r#" fill-opacity="0.5""#, Some(CLEARED_MARK)),
    ));
    entries.push(LegendEntry::new(
        r#"data-outcome="open""#,
        "open: no end recorded (dashed, to expires_at)",
        sample(
            &format!(r#" fill-opacity="0.25" stroke="{SAMPLE_COLOUR}" stroke-dasharray="4 3""#),
            None,
        ),
    ));
    entries.push(LegendEntry::new(
        r#"data-outcome="skipped""#,
        "skipped cycle",
        format!(r#"<path d="M9,2 l-6,12 h12 z" fill="{SKIP_COLOUR}"/>"#),
    ));
    entries
}

/// Places the entries left to right, wrapping; returns the SVG and its height.
fn lay_out_legend(entries: &[LegendEntry], top: f64) -> (String, f64) {
    let mut out = String::from(r#"<g class="legend">"#);
    let (mut x, mut y) = (12.0, top);
    for entry in entries {
        if x > 12.0 && x + entry.width > WIDTH - RIGHT_MARGIN {
            x = 12.0;
            y += LEGEND_ROW;
        }
        let _ = write!(
            out,
            r#"<g transform="translate({x:.1},{y:.1})">{}</g>"#,
            entry.svg
        );
        x += entry.width;
    }
    out.push_str("</g>");
    (out, y - top + LEGEND_ROW)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::parse;

    fn render_journal(lines: &[&str]) -> String {
        render("journal.jsonl", &parse(lines.join("\n").as_bytes()))
    }

    #[test]
    fn each_failure_is_a_classed_rect_in_its_targets_lane() {
        let svg = render_journal(&[
            r#"{"event":"ended","id":"1","target":"app","scenario":"CRASH","ended_by":"repair","injected_at":10,"repaired_at":12,"ended_at":12,"time_to_repair_ms":2000}"#,
            r#"{"event":"ended","id":"2","target":"db","scenario":"SLOWDOWN","ended_by":"recovery","injected_at":20,"expired_at":50,"ended_at":50}"#,
            r#"{"timestamp":60,"event":"injected","id":"3","target":"db","scenario":"DISK_FULL","expires_at":90}"#,
        ]);
        assert_eq!(svg.matches(r#"<g class="lane""#).count(), 2);
        assert_eq!(svg.matches(r#"class="failure "#).count(), 3);
        assert!(svg.contains(r#"class="failure repaired" data-target="app" data-scenario="CRASH""#));
        assert!(
            svg.contains(r#"class="failure expired" data-target="db" data-scenario="SLOWDOWN""#)
        );
        assert!(svg.contains(r#"class="failure open" data-target="db" data-scenario="DISK_FULL""#));
        assert!(svg.contains(r##"fill="#d62728""##), "CRASH's colour");
        assert_eq!(
            svg.matches(r#"class="hatch""#).count(),
            1,
            "only the expired bar is hatched"
        );
        assert!(svg.contains("stroke-dasharray"), "the open bar is dashed");
        assert!(svg.contains("repaired after 2.0s"));
        assert!(svg.contains(r##"data-scenario="DISK_FULL" data-colour="#"##));
        assert!(!svg.contains("no failures recorded"));
        assert!(svg.contains(r#"class="tick-label""#));
    }

    #[test]
    fn an_empty_journal_still_renders_with_a_notice() {
        let svg = render_journal(&[]);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("no failures recorded"));
        assert_eq!(svg.matches(r#"class="failure "#).count(), 0);
        assert!(!svg.contains("tick-label"), "no times to label");
    }

    #[test]
    fn journal_text_is_escaped() {
        let svg = render_journal(&[
            r#"{"event":"ended","id":"<id>","target":"a<b>&\"c\"","scenario":"X'Y","ended_by":"manual","injected_at":1,"ended_at":2}"#,
            r#"{"timestamp":3,"event":"skipped","target":"a<b>&\"c\"","reason":"<cap>","detail":"</svg>"}"#,
        ]);
        assert!(svg.contains(r#"data-target="a&lt;b&gt;&amp;&quot;c&quot;""#));
        assert!(svg.contains(r#"data-scenario="X&#39;Y""#));
        assert!(svg.contains(r#"data-reason="&lt;cap&gt;""#));
        assert!(!svg.contains("<b>"));
        assert_eq!(svg.matches("</svg>").count(), 1);
    }

    #[test]
    fn long_target_names_are_shortened_on_the_label_only() {
        let long = "a-very-long-target-name-that-goes-on-and-on";
        let svg = render_journal(&[&format!(
            r#"{{"timestamp":3,"event":"skipped","target":"{long}","reason":"cap"}}"#
        )]);
        assert!(svg.contains("<title>a-very-long-target-name-that-goes-on-and-on</title>a-very-long-target-na…</text>"), "{svg}");
        assert!(svg.contains(&format!(r#"data-target="{long}""#)));
    }

    #[test]
    fn the_scale_keeps_bars_inside_the_plot() {
        let scale = TimeScale::new(Some((100.0, 200.0)));
        assert!(scale.x(100.0) > LABEL_WIDTH);
        assert!(scale.x(200.0) < WIDTH - RIGHT_MARGIN);
        assert_eq!(scale.x(-1e12), LABEL_WIDTH);
        assert_eq!(scale.x(1e12), WIDTH - RIGHT_MARGIN);
        let single = TimeScale::new(Some((5.0, 5.0)));
        assert!(single.to > single.from);
    }
}
