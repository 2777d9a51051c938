//! The failures timeline as a self-contained SVG (no fonts, scripts or
//! links): one lane per target, one bar per failure from its injection to
//! its end, in its scenario's swatch (see `crate::render::colours`: a
//! palette colour, beyond the palette a pattern over one), with a time axis in the report's zone and
//! a legend explaining every mark.
//!
//! The drawing has a `viewBox`, so it scales to whatever width it is given
//! (the HTML page gives it the page's width); alone it is [`WIDTH`] wide.
//! Each lane holds, top to bottom: the markers where failures manifested,
//! the bars, and the skipped cycles' triangles, all inside the lane.
//!
//! Elements carry class names and `data-` attributes so tests and styles can
//! find them: `rect.failure.repaired` (or `expired`, `cleared`, `open`) with
//! `data-target`, `data-scenario`, `data-id`, `data-sighting` (`seen`,
//! `unseen`, `no-probe`); `rect.lane-band[data-target]`;
//! `g.lane[data-target]`; `path.manifested[data-id]`;
//! `path.skip[data-reason]`; `text.tick-label`; `g.legend-entry` with
//! `data-scenario` (with `data-colour`, `data-pattern` and `data-fill`),
//! `data-outcome` or `data-sighting`. Every text from the journal is
//! escaped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::text::{format_ms, plural};
use super::time_axis::ticks;
use super::zone::ReportZone;
use super::{Failure, JournalSummary, Outcome, Sighting, Skip};
use crate::render::colours::{ScenarioColours, Swatch};
use crate::render::escape::escape;

/// The drawing's width in its own units (pixels when shown alone).
pub const WIDTH: f64 = 1300.0;
/// The font size, in the drawing's units.
const FONT_SIZE: f64 = 13.0;
/// Room for the lane labels on the left.
const LABEL_WIDTH: f64 = 180.0;
const RIGHT_MARGIN: f64 = 30.0;
const TOP: f64 = 62.0;
/// A lane: manifest markers and bars, then a row for skipped cycles.
pub const LANE_HEIGHT: f64 = 50.0;
const BAR_TOP: f64 = 12.0;
const BAR_HEIGHT: f64 = 20.0;
/// Half the width (and height) of a manifest marker's diamond.
const DIAMOND: f64 = 6.0;
/// The skipped cycles' row: triangles from here to `SKIP_TOP + SKIP_SIZE`.
const SKIP_TOP: f64 = 36.0;
const SKIP_SIZE: f64 = 8.0;
/// Bars shorter than this are widened so they stay visible.
const MIN_BAR_WIDTH: f64 = 2.0;
const AXIS_HEIGHT: f64 = 48.0;
const LEGEND_ROW: f64 = 24.0;
/// Lane labels longer than this are shortened (they must fit LABEL_WIDTH).
const MAX_LABEL_CHARS: usize = 22;

const REPAIRED_MARK: &str = "#1a7f37";
const EXPIRED_MARK: &str = "#111111";
const CLEARED_MARK: &str = "#8c8c8c";
const MANIFEST_MARK: &str = "#000000";
const SKIP_COLOUR: &str = "#555555";
const SAMPLE_COLOUR: &str = "#7f7f7f";
/// The inside of a bar the probe never saw.
const HOLLOW_FILL: &str = "#ffffff";
const HATCH_ID: &str = "chaos-hatch";

/// Maps Unix seconds to x positions.
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

/// What the drawing is made from.
struct Drawing<'a> {
    summary: &'a JournalSummary,
    /// Each scenario's swatch.
    colours: ScenarioColours,
    scale: TimeScale,
    zone: &'a ReportZone,
}

/// The timeline of `summary`, headed with `journal` (the file's name),
/// with clock times in `zone`.
pub fn render(journal: &str, summary: &JournalSummary, zone: &ReportZone) -> String {
    let lanes: Vec<&str> = summary
        .failures
        .iter()
        .map(|f| f.target.as_str())
        .chain(summary.skips.iter().map(|s| s.target.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let colours = summary.scenario_colours();
    let defs = pattern_defs(summary, &colours);
    let drawing = Drawing {
        summary,
        colours,
        scale: TimeScale::new(summary.span),
        zone,
    };
    let lanes_height = LANE_HEIGHT * lanes.len().max(1) as f64;
    let axis_top = TOP + lanes_height;
    let legend = legend_entries(summary, &drawing.colours);
    let (legend_svg, legend_height) = lay_out_legend(&legend, axis_top + AXIS_HEIGHT);
    let height = axis_top + AXIS_HEIGHT + legend_height + 12.0;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chaos-timeline" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" preserveAspectRatio="xMinYMin meet" font-family="sans-serif" font-size="{FONT_SIZE}" role="img">"#
    );
    let _ = write!(
        svg,
        "<title>chaos-engine failures by target: {}</title>",
        escape(journal)
    );
    let _ = write!(
        svg,
        r##"<defs><pattern id="{HATCH_ID}" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)"><rect width="3" height="8" fill="#000000" fill-opacity="0.4"/></pattern>{defs}</defs>"##
    );
    let _ = write!(
        svg,
        r##"<rect class="background" width="{WIDTH}" height="{height}" fill="#ffffff"/>"##
    );
    let _ = write!(
        svg,
        r##"<text class="heading" x="12" y="24" font-size="17" font-weight="bold" fill="#222222">Failures by target: {}</text>"##,
        escape(journal)
    );
    let subheading = match summary.span {
        Some((from, to)) => format!(
            "{} · {} · {}",
            zone.format_span(from, to),
            plural(summary.failures.len(), "failure"),
            plural(summary.skips.len(), "skipped cycle")
        ),
        None => "empty journal".to_owned(),
    };
    let _ = write!(
        svg,
        r##"<text class="subheading" x="12" y="46" fill="#555555">{}</text>"##,
        escape(&subheading)
    );

    // Bands first, then the grid over them, then the bars over the grid.
    svg.push_str(r#"<g class="lane-bands">"#);
    for (index, target) in lanes.iter().enumerate() {
        let band = if index % 2 == 0 { "#f4f4f4" } else { "#e9e9e9" };
        let _ = write!(
            svg,
            r#"<rect class="lane-band" data-target="{}" x="{LABEL_WIDTH}" y="{}" width="{}" height="{LANE_HEIGHT}" fill="{band}"/>"#,
            escape(target),
            TOP + LANE_HEIGHT * index as f64,
            WIDTH - LABEL_WIDTH - RIGHT_MARGIN
        );
    }
    svg.push_str("</g>");
    // An empty journal has no time to show: no ticks around 1970.
    svg.push_str(&drawing.axis(axis_top, summary.span.is_some()));
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
        svg.push_str(&drawing.lane(target, top, &failures, &skips));
    }
    if summary.failures.is_empty() {
        let _ = write!(
            svg,
            r##"<text class="empty" x="{}" y="{}" text-anchor="middle" font-size="15" fill="#555555">no failures recorded</text>"##,
            (LABEL_WIDTH + WIDTH - RIGHT_MARGIN) / 2.0,
            TOP + lanes_height / 2.0 + 5.0
        );
    }
    svg.push_str(&legend_svg);
    svg.push_str("</svg>\n");
    svg
}

impl Drawing<'_> {
    /// One target's lane: its label, its failures and its skipped cycles.
    fn lane(&self, target: &str, top: f64, failures: &[&Failure], skips: &[&Skip]) -> String {
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
            top + BAR_TOP + BAR_HEIGHT / 2.0 + 4.5,
            escape(&label)
        );
        for failure in failures {
            out.push_str(&self.bar(failure, top));
        }
        // Manifest markers over every bar of the lane, so none is hidden.
        for failure in failures {
            if let Sighting::Seen(at) = self.summary.sighting(failure) {
                out.push_str(&self.manifest_mark(failure, at, top));
            }
        }
        for skip in skips {
            out.push_str(&self.skip_mark(skip, top));
        }
        out.push_str("</g>");
        out
    }

    /// A failure's bar, with its hatching (expired) and end marker.
    fn bar(&self, failure: &Failure, lane_top: f64) -> String {
        let swatch = self.swatch(&failure.scenario);
        let colour = swatch.colour;
        let x = self.scale.x(failure.injected_at);
        let width = (self.scale.x(failure.ended_at) - x).max(MIN_BAR_WIDTH);
        let y = lane_top + BAR_TOP;
        let class = failure.outcome.class();
        let sighting = self.summary.sighting(failure);
        // A failure the probe never saw is hollow: outlined in its colour.
        let (fill, mut style) = match sighting {
            Sighting::Unseen => (
                swatch.fill(true),
                format!(r#" stroke="{colour}" stroke-width="3""#),
            ),
            Sighting::Seen(_) | Sighting::NoProbe => (swatch.fill(false), String::new()),
        };
        match failure.outcome {
            Outcome::Repaired | Outcome::Expired => {}
            Outcome::Cleared(_) => style.push_str(r#" fill-opacity="0.5""#),
            Outcome::Open => {
                style = format!(
                    r#" fill-opacity="0.25" stroke="{colour}" stroke-width="2" stroke-dasharray="4 3""#
                );
            }
        }
        let sighting_word = match sighting {
            Sighting::Seen(_) => "seen",
            Sighting::Unseen => "unseen",
            Sighting::NoProbe => "no-probe",
        };
        let mut out = format!(
            r#"<rect class="failure {class}" data-target="{}" data-scenario="{}" data-id="{}" data-outcome="{class}" data-sighting="{sighting_word}" x="{x:.1}" y="{y}" width="{width:.1}" height="{BAR_HEIGHT}" fill="{fill}"{style}><title>{}</title></rect>"#,
            escape(&failure.target),
            escape(&failure.scenario),
            escape(&failure.id),
            escape(&self.tooltip(failure)),
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

    /// The swatch of `scenario` (every scenario of the journal has one).
    fn swatch(&self, scenario: &str) -> Swatch {
        self.colours
            .get(scenario)
            .unwrap_or(Swatch::solid(SAMPLE_COLOUR))
    }

    /// A diamond on the bar's top edge where a probe first saw the failure.
    fn manifest_mark(&self, failure: &Failure, at: f64, lane_top: f64) -> String {
        let x = self.scale.x(at);
        let y = lane_top + BAR_TOP - DIAMOND;
        format!(
            r##"<path class="manifested" data-id="{}" d="M{x:.1},{y:.1} l{DIAMOND},{DIAMOND} l-{DIAMOND},{DIAMOND} l-{DIAMOND},-{DIAMOND} z" fill="{MANIFEST_MARK}" stroke="#ffffff" stroke-width="1"><title>{}</title></path>"##,
            escape(&failure.id),
            escape(&format!(
                "{} · {}: first seen by the probe at {}",
                failure.target,
                failure.scenario,
                self.zone.format(at)
            ))
        )
    }

    /// The hover text of a failure's bar.
    fn tooltip(&self, failure: &Failure) -> String {
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
        if !failure.containers.is_empty() {
            let containers: Vec<String> =
                failure.containers.iter().map(ToString::to_string).collect();
            let _ = write!(text, "\ncontainers {}", containers.join(", "));
        }
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
                    self.zone.format(failure.ended_at)
                );
            }
        }
        match (self.summary.sighting(failure), failure.time_to_manifest_ms) {
            (Sighting::Seen(_), Some(ms)) => {
                let _ = write!(text, "\nmanifested after {}", format_ms(ms));
            }
            (Sighting::Seen(at), None) => {
                let _ = write!(text, "\nmanifested at {}", self.zone.format(at));
            }
            (Sighting::Unseen, _) => text.push_str("\nnever seen by the target's probe"),
            (Sighting::NoProbe, _) => text.push_str("\nno probe data for this target"),
        }
        let _ = write!(text, "\ninjected {}", self.zone.format(failure.injected_at));
        if failure.source.as_deref() == Some("manual") {
            text.push_str(" (by hand)");
        }
        text
    }

    /// A small triangle in the lane's bottom row where a cycle was skipped.
    fn skip_mark(&self, skip: &Skip, lane_top: f64) -> String {
        let x = self.scale.x(skip.at);
        let top = lane_top + SKIP_TOP;
        let half = SKIP_SIZE / 2.0;
        let mut title = format!(
            "{}: cycle skipped ({}) at {}",
            skip.target,
            skip.reason,
            self.zone.format(skip.at)
        );
        if let Some(detail) = &skip.detail {
            let _ = write!(title, "\n{detail}");
        }
        format!(
            r#"<path class="skip" data-target="{}" data-reason="{}" d="M{x:.1},{top:.1} l-{half},{SKIP_SIZE} h{SKIP_SIZE} z" fill="{SKIP_COLOUR}"><title>{}</title></path>"#,
            escape(&skip.target),
            escape(&skip.reason),
            escape(&title)
        )
    }

    /// Grid lines, tick labels and the caption of the time axis.
    fn axis(&self, axis_top: f64, with_ticks: bool) -> String {
        let mut out = String::from(r#"<g class="axis">"#);
        let _ = write!(
            out,
            r##"<line class="axis-line" x1="{LABEL_WIDTH}" y1="{axis_top}" x2="{}" y2="{axis_top}" stroke="#444444"/>"##,
            WIDTH - RIGHT_MARGIN
        );
        let ticks = if with_ticks {
            ticks(self.scale.from, self.scale.to, self.zone)
        } else {
            Vec::new()
        };
        for tick in ticks {
            let x = self.scale.x(tick.at);
            let _ = write!(
                out,
                r##"<line class="grid" x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{}" stroke="#cccccc" stroke-width="1"/>"##,
                axis_top + 4.0
            );
            let _ = write!(
                out,
                r##"<text class="tick-label" data-at="{}" x="{x:.1}" y="{}" text-anchor="middle" fill="#333333">{}</text>"##,
                tick.at,
                axis_top + 18.0,
                escape(&tick.label)
            );
        }
        let _ = write!(
            out,
            r##"<text class="axis-caption" x="{}" y="{}" text-anchor="middle" fill="#555555">time ({})</text>"##,
            (LABEL_WIDTH + WIDTH - RIGHT_MARGIN) / 2.0,
            axis_top + 37.0,
            escape(self.zone.name())
        );
        out.push_str("</g>");
        out
    }
}

/// One legend entry: its width and its SVG, drawn at the origin.
struct LegendEntry {
    width: f64,
    svg: String,
}

impl LegendEntry {
    fn new(attribute: &str, label: &str, swatch: String) -> LegendEntry {
        let svg = format!(
            r##"<g class="legend-entry" {attribute}>{swatch}<text x="26" y="13" fill="#222222">{}</text></g>"##,
            escape(label)
        );
        LegendEntry {
            width: 26.0 + text_width(label) + 26.0,
            svg,
        }
    }
}

/// A generous estimate of the width of `text` in the sans-serif font
/// (capitals are wider), for laying out the legend without measuring.
fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_uppercase() { 0.72 } else { 0.58 })
        .sum::<f64>()
        * FONT_SIZE
}

/// A grey sample bar for the legend, with `extra` attributes.
fn sample_bar(fill: &str, extra: &str) -> String {
    format!(r#"<rect x="0" y="1" width="20" height="14" fill="{fill}"{extra}/>"#)
}

/// An end marker at the right of a sample bar.
fn sample_end(stroke: &str) -> String {
    format!(r#"<line x1="20" y1="-1" x2="20" y2="17" stroke="{stroke}" stroke-width="3"/>"#)
}

/// The `<pattern>` elements of the patterned swatches the bars use (plain
/// and hollow), for the drawing's `<defs>`.
fn pattern_defs(summary: &JournalSummary, colours: &ScenarioColours) -> String {
    let used: BTreeSet<Swatch> = summary
        .failures
        .iter()
        .filter_map(|f| colours.get(&f.scenario))
        .collect();
    used.iter()
        .flat_map(|swatch| [swatch.pattern_def(false), swatch.pattern_def(true)])
        .flatten()
        .collect()
}

/// Scenario swatches (those of the journal's failures, in the order they
/// were assigned), what each outcome looks like, what the probes saw, and
/// the skipped cycles.
fn legend_entries(summary: &JournalSummary, colours: &ScenarioColours) -> Vec<LegendEntry> {
    let drawn: BTreeSet<&str> = summary
        .failures
        .iter()
        .map(|f| f.scenario.as_str())
        .collect();
    let mut entries: Vec<LegendEntry> = colours
        .assigned()
        .filter(|(scenario, _)| drawn.contains(scenario))
        .map(|(scenario, swatch)| {
            let fill = swatch.fill(false);
            LegendEntry::new(
                &format!(
                    r#"data-scenario="{}" data-colour="{}" data-pattern="{}" data-fill="{fill}""#,
                    escape(scenario),
                    swatch.colour,
                    swatch.pattern.as_str()
                ),
                scenario,
                sample_bar(&fill, ""),
            )
        })
        .collect();
    let hatch = format!(r#"<rect x="0" y="1" width="20" height="14" fill="url(#{HATCH_ID})"/>"#);
    entries.push(LegendEntry::new(
        r#"data-outcome="repaired""#,
        "repaired (green end)",
        sample_bar(SAMPLE_COLOUR, "") + &sample_end(REPAIRED_MARK),
    ));
    entries.push(LegendEntry::new(
        r#"data-outcome="expired""#,
        "expired unrepaired (striped, black end)",
        sample_bar(SAMPLE_COLOUR, "") + &hatch + &sample_end(EXPIRED_MARK),
    ));
    entries.push(LegendEntry::new(
        r#"data-outcome="cleared""#,
        "cleared by hand or at shutdown (faded)",
        sample_bar(SAMPLE_COLOUR, r#" fill-opacity="0.5""#) + &sample_end(CLEARED_MARK),
    ));
    entries.push(LegendEntry::new(
        r#"data-outcome="open""#,
        "open: no end recorded (dashed, to its expiry)",
        sample_bar(
            SAMPLE_COLOUR,
            &format!(r#" fill-opacity="0.25" stroke="{SAMPLE_COLOUR}" stroke-dasharray="4 3""#),
        ),
    ));
    entries.push(LegendEntry::new(
        r#"data-sighting="seen""#,
        "first seen by the probe",
        sample_bar(SAMPLE_COLOUR, "")
            + &format!(
                r##"<path d="M10,-3 l{DIAMOND},{DIAMOND} l-{DIAMOND},{DIAMOND} l-{DIAMOND},-{DIAMOND} z" fill="{MANIFEST_MARK}" stroke="#ffffff"/>"##
            ),
    ));
    entries.push(LegendEntry::new(
        r#"data-sighting="unseen""#,
        "never seen by the probe (hollow)",
        sample_bar(
            HOLLOW_FILL,
            &format!(r#" stroke="{SAMPLE_COLOUR}" stroke-width="3""#),
        ),
    ));
    entries.push(LegendEntry::new(
        r#"data-sighting="no-probe""#,
        "no probe data (plain)",
        sample_bar(SAMPLE_COLOUR, ""),
    ));
    entries.push(LegendEntry::new(
        r#"data-outcome="skipped""#,
        "skipped cycle",
        format!(r#"<path d="M10,3 l-5,10 h10 z" fill="{SKIP_COLOUR}"/>"#),
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
    use crate::render::colours::CRASH;
    use crate::report::parse;

    fn render_journal(lines: &[&str]) -> String {
        render(
            "journal.jsonl",
            &parse(lines.join("\n").as_bytes()),
            &ReportZone::utc(),
        )
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
        assert!(svg.contains(r##"fill="#d55e00""##), "CRASH's colour");
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

    /// The numbers in a path's `d` attribute, in order.
    fn path_numbers(d: &str) -> Vec<f64> {
        d.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().unwrap())
            .collect()
    }

    fn lane_band<'a, 'i>(doc: &'a roxmltree::Document<'i>, target: &str) -> (f64, f64) {
        let band = doc
            .descendants()
            .find(|n| {
                n.attribute("class") == Some("lane-band")
                    && n.attribute("data-target") == Some(target)
            })
            .unwrap();
        let y: f64 = band.attribute("y").unwrap().parse().unwrap();
        let height: f64 = band.attribute("height").unwrap().parse().unwrap();
        (y, y + height)
    }

    #[test]
    fn skip_markers_sit_inside_their_own_lane() {
        let svg = render_journal(&[
            r#"{"timestamp":1,"event":"skipped","target":"a","reason":"cap"}"#,
            r#"{"timestamp":2,"event":"skipped","target":"b","reason":"window"}"#,
            r#"{"timestamp":3,"event":"skipped","target":"c","reason":"blackout"}"#,
            r#"{"event":"ended","id":"1","target":"b","scenario":"CRASH","ended_by":"repair","injected_at":1,"repaired_at":2,"ended_at":2}"#,
        ]);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let skips: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("skip"))
            .collect();
        assert_eq!(skips.len(), 3);
        for skip in skips {
            let target = skip.attribute("data-target").unwrap();
            let (top, bottom) = lane_band(&doc, target);
            // M x,y l-h,size h size z: the apex, then the base `size` lower.
            let numbers = path_numbers(skip.attribute("d").unwrap());
            let (apex, base) = (numbers[1], numbers[1] + numbers[3]);
            assert!(
                apex >= top + 2.0 && base <= bottom - 2.0,
                "{target}: skip from {apex} to {base}, lane {top}..{bottom}"
            );
            // And under the bars, not over them.
            assert!(apex >= top + BAR_TOP + BAR_HEIGHT, "{target}: {apex}");
        }
    }

    #[test]
    fn manifested_unseen_and_unprobed_failures_look_different() {
        let svg = render_journal(&[
            r#"{"event":"ended","id":"seen","target":"app","scenario":"CRASH","ended_by":"repair","injected_at":10,"manifested_at":12,"repaired_at":20,"ended_at":20,"time_to_manifest_ms":2000}"#,
            r#"{"event":"ended","id":"unseen","target":"app","scenario":"CRASH","ended_by":"recovery","injected_at":30,"expired_at":60,"ended_at":60}"#,
            r#"{"event":"ended","id":"bare","target":"web","scenario":"CRASH","ended_by":"recovery","injected_at":30,"expired_at":60,"ended_at":60}"#,
        ]);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let bar = |id: &str| {
            doc.descendants()
                .find(|n| n.attribute("data-id") == Some(id) && n.has_tag_name("rect"))
                .unwrap()
        };
        let markers: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("manifested"))
            .collect();
        assert_eq!(markers.len(), 1, "one marker, for the failure seen");
        assert_eq!(markers[0].attribute("data-id"), Some("seen"));
        // The diamond is centred where the failure manifested: 2 s after
        // its injection, a fifth of the way along its 10 s bar.
        let numbers = path_numbers(markers[0].attribute("d").unwrap());
        let seen = bar("seen");
        let x: f64 = seen.attribute("x").unwrap().parse().unwrap();
        let width: f64 = seen.attribute("width").unwrap().parse().unwrap();
        assert!(
            (numbers[0] - (x + width / 5.0)).abs() < 0.2,
            "{numbers:?} {x} {width}"
        );
        let (top, bottom) = lane_band(&doc, "app");
        assert!(numbers[1] >= top && numbers[1] + 2.0 * DIAMOND <= bottom);

        assert_eq!(seen.attribute("data-sighting"), Some("seen"));
        assert_eq!(seen.attribute("fill"), Some(CRASH));
        let unseen = bar("unseen");
        assert_eq!(unseen.attribute("data-sighting"), Some("unseen"));
        assert_eq!(unseen.attribute("fill"), Some(HOLLOW_FILL), "hollow");
        assert_eq!(
            unseen.attribute("stroke"),
            Some(CRASH),
            "outlined in its colour"
        );
        let bare = bar("bare");
        assert_eq!(bare.attribute("data-sighting"), Some("no-probe"));
        assert_eq!(bare.attribute("fill"), Some(CRASH));
        assert_eq!(bare.attribute("stroke"), None);
        for (part, id) in [
            ("manifested after 2.0s", "seen"),
            ("never seen by the target's probe", "unseen"),
            ("no probe data for this target", "bare"),
        ] {
            let title = bar(id)
                .children()
                .find(|c| c.has_tag_name("title"))
                .unwrap();
            assert!(title.text().unwrap().contains(part), "{id}: {part}");
        }
        let sightings: Vec<&str> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("legend-entry"))
            .filter_map(|n| n.attribute("data-sighting"))
            .collect();
        for word in ["seen", "unseen", "no-probe"] {
            assert!(sightings.contains(&word), "{word} in the legend");
        }
    }

    #[test]
    fn scenario_colours_in_one_drawing_are_distinct_from_the_built_ins() {
        let svg = render_journal(&[
            r#"{"event":"ended","id":"1","target":"app","scenario":"CRASH","ended_by":"repair","injected_at":1,"repaired_at":2,"ended_at":2}"#,
            r#"{"event":"ended","id":"2","target":"app","scenario":"SLOWDOWN","ended_by":"repair","injected_at":3,"repaired_at":4,"ended_at":4}"#,
            r#"{"event":"ended","id":"3","target":"app","scenario":"CONFIG_ERROR","ended_by":"repair","injected_at":5,"repaired_at":6,"ended_at":6}"#,
            r#"{"event":"ended","id":"4","target":"app","scenario":"NETWORK_PARTITION","ended_by":"repair","injected_at":7,"repaired_at":8,"ended_at":8}"#,
        ]);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let legend: BTreeMap<&str, &str> = doc
            .descendants()
            .filter_map(|n| Some((n.attribute("data-scenario")?, n.attribute("data-colour")?)))
            .collect();
        assert_eq!(legend.len(), 4);
        let colours: BTreeSet<&str> = legend.values().copied().collect();
        assert_eq!(colours.len(), 4, "{legend:?}");
    }

    #[test]
    fn six_custom_scenarios_get_six_swatches_in_configured_order_with_patterns_defined() {
        // Configured as the engine_started line lists them; injected in
        // another order.
        let mut lines = vec![
            r#"{"timestamp":0,"event":"engine_started","scenarios":["S1","S2","S3","S4","S5","S6"]}"#.to_owned(),
        ];
        for (n, scenario) in ["S6", "S5", "S4", "S3", "S2", "S1"].iter().enumerate() {
            lines.push(format!(
                r#"{{"event":"ended","id":"{n}","target":"app","scenario":"{scenario}","ended_by":"repair","injected_at":{},"repaired_at":{},"ended_at":{}}}"#,
                n * 2 + 1,
                n * 2 + 2,
                n * 2 + 2
            ));
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let svg = render_journal(&refs);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let legend: Vec<(&str, &str, &str)> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("legend-entry"))
            .filter_map(|n| {
                Some((
                    n.attribute("data-scenario")?,
                    n.attribute("data-pattern")?,
                    n.attribute("data-fill")?,
                ))
            })
            .collect();
        assert_eq!(
            legend,
            [
                ("S1", "solid", "#e69f00"),
                ("S2", "solid", "#56b4e9"),
                ("S3", "solid", "#009e73"),
                ("S4", "solid", "#f0e442"),
                ("S5", "dots", "url(#chaos-swatch-e69f00-dots)"),
                ("S6", "dots", "url(#chaos-swatch-56b4e9-dots)"),
            ],
            "in configured order, not the order of injection"
        );
        for (scenario, _, fill) in &legend {
            let bar = doc
                .descendants()
                .find(|n| {
                    n.has_tag_name("rect")
                        && n.attribute("class") == Some("failure repaired")
                        && n.attribute("data-scenario") == Some(scenario)
                })
                .unwrap();
            assert_eq!(bar.attribute("fill"), Some(*fill), "{scenario}'s bar");
            // The legend's sample is filled the same way.
            let sample = doc
                .descendants()
                .find(|n| n.attribute("data-scenario") == Some(scenario) && n.has_tag_name("g"))
                .and_then(|g| g.children().find(|c| c.has_tag_name("rect")))
                .unwrap();
            assert_eq!(sample.attribute("fill"), Some(*fill));
        }
        // Each pattern referred to is defined (plain and hollow variants).
        let defined: BTreeSet<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("pattern"))
            .filter_map(|n| n.attribute("id"))
            .collect();
        for id in [
            "chaos-swatch-e69f00-dots",
            "chaos-swatch-e69f00-dots-hollow",
            "chaos-swatch-56b4e9-dots",
            "chaos-swatch-56b4e9-dots-hollow",
        ] {
            assert!(defined.contains(id), "{id} in {defined:?}");
        }
    }

    #[test]
    fn an_unseen_patterned_failure_is_hollow_with_its_pattern() {
        let mut lines = vec![
            r#"{"timestamp":0,"event":"engine_started","scenarios":["A","B","C","D","E"]}"#
                .to_owned(),
            // A probe watches app: an unhealthy skip says so.
            r#"{"timestamp":1,"event":"skipped","target":"app","reason":"unhealthy"}"#.to_owned(),
        ];
        lines.push(
            r#"{"event":"ended","id":"e","target":"app","scenario":"E","ended_by":"recovery","injected_at":2,"expired_at":9,"ended_at":9}"#.to_owned(),
        );
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let svg = render_journal(&refs);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let bar = doc
            .descendants()
            .find(|n| n.attribute("data-id") == Some("e") && n.has_tag_name("rect"))
            .unwrap();
        assert_eq!(bar.attribute("data-sighting"), Some("unseen"));
        assert_eq!(
            bar.attribute("fill"),
            Some("url(#chaos-swatch-e69f00-dots-hollow)")
        );
        assert_eq!(bar.attribute("stroke"), Some("#e69f00"));
    }

    #[test]
    fn the_drawing_scales_to_its_container() {
        let svg = render_journal(&[]);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let root = doc.root_element();
        assert!(root.attribute("viewBox").unwrap().starts_with("0 0 1300 "));
        assert_eq!(root.attribute("preserveAspectRatio"), Some("xMinYMin meet"));
    }

    #[test]
    fn times_follow_the_chosen_zone() {
        let summary = parse(
            br#"{"timestamp":1704617280,"event":"injected","id":"x","target":"app","scenario":"CRASH","expires_at":1704617310}"#,
        );
        let paris = ReportZone::parse("Europe/Paris").unwrap();
        let svg = render("j", &summary, &paris);
        assert!(svg.contains("time (Europe/Paris)"), "{svg}");
        assert!(svg.contains("injected 2024-01-07 09:48:00 CET"), "{svg}");
        assert!(svg.contains(">09:48:00<"), "a tick at 09:48:00 CET");
    }
}
