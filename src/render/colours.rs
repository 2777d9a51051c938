//! Which swatch (a colour, and beyond the palette a pattern over it) each
//! scenario of a run is drawn with, the same on the live dashboard, in the
//! HTML report and in the SVG timeline.
//!
//! The colours are the Okabe-Ito palette, chosen to stay distinct under the
//! common forms of colour blindness. The assignment is made in order, never
//! by hashing a name, so distinct scenarios of one run never share a swatch:
//!
//! 1. The built-in scenarios keep fixed colours: CRASH vermillion, SLOWDOWN
//!    blue, CONFIG_ERROR reddish purple.
//! 2. Every other scenario takes the next free swatch, in the order of the
//!    run's configured scenarios (targets in configuration order, each
//!    target's scenarios in its order; the journal's `engine_started` line
//!    records that list), then in order of first injection for names the
//!    configuration does not hold (a manual injection of an unconfigured
//!    mode, or a scenario added by a reload).
//! 3. The free swatches are the four other palette colours, plain (orange,
//!    sky blue, bluish green, yellow); then all seven colours dotted, then
//!    banded, then in a grid: 25 free swatches (28 with the built-ins'),
//!    after which they repeat.
//!
//! Nothing here knows about HTTP, journals or the drawings' layout: the
//! telemetry keeps one [`ScenarioColours`] for the live run, the report
//! builds one from the journal, and both draw a swatch with
//! [`Swatch::fill`] and [`Swatch::pattern_def`].

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;

/// CRASH: vermillion.
pub const CRASH: &str = "#d55e00";
/// SLOWDOWN: blue.
pub const SLOWDOWN: &str = "#0072b2";
/// CONFIG_ERROR: reddish purple.
pub const CONFIG_ERROR: &str = "#cc79a7";

/// The rest of the palette, plain swatches for other scenarios in this
/// order: orange, sky blue, bluish green and yellow (the palette's black is
/// left for outlines and text).
pub const DERIVED: [&str; 4] = ["#e69f00", "#56b4e9", "#009e73", "#f0e442"];

/// The colours the patterned swatches go through, in order.
const ALL_COLOURS: [&str; 7] = [
    DERIVED[0],
    DERIVED[1],
    DERIVED[2],
    DERIVED[3],
    CRASH,
    SLOWDOWN,
    CONFIG_ERROR,
];

/// The patterns laid over the colours once the plain ones are taken.
const PATTERNS: [Pattern; 3] = [Pattern::Dots, Pattern::Bands, Pattern::Grid];

/// How many distinct swatches there are; the next scenario repeats the
/// first free one.
pub const DISTINCT_SWATCHES: usize = 3 + DERIVED.len() + ALL_COLOURS.len() * PATTERNS.len();

/// What is drawn over a swatch's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// The colour alone.
    Solid,
    /// A dot in each 8-unit tile.
    Dots,
    /// Horizontal bands.
    Bands,
    /// A square grid of lines.
    Grid,
}

impl Pattern {
    /// The pattern's name, as in JSON and `data-pattern` attributes.
    pub fn as_str(self) -> &'static str {
        match self {
            Pattern::Solid => "solid",
            Pattern::Dots => "dots",
            Pattern::Bands => "bands",
            Pattern::Grid => "grid",
        }
    }
}

/// How one scenario is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Swatch {
    /// The palette colour, `#rrggbb`.
    pub colour: &'static str,
    /// What is drawn over it.
    pub pattern: Pattern,
}

impl Swatch {
    /// A plain swatch of `colour`.
    pub const fn solid(colour: &'static str) -> Swatch {
        Swatch {
            colour,
            pattern: Pattern::Solid,
        }
    }

    /// The id of the SVG `<pattern>` that draws this swatch (`hollow`: its
    /// marks in the colour on white, for a failure no probe saw); `None`
    /// for a plain swatch, which needs none.
    pub fn pattern_id(&self, hollow: bool) -> Option<String> {
        if self.pattern == Pattern::Solid {
            return None;
        }
        let hex = self.colour.trim_start_matches('#');
        let suffix = if hollow { "-hollow" } else { "" };
        Some(format!(
            "chaos-swatch-{hex}-{}{suffix}",
            self.pattern.as_str()
        ))
    }

    /// The SVG `fill` value: the colour, or a reference to
    /// [`Swatch::pattern_def`]'s pattern. A plain `hollow` swatch is white.
    pub fn fill(&self, hollow: bool) -> String {
        match self.pattern_id(hollow) {
            Some(id) => format!("url(#{id})"),
            None if hollow => "#ffffff".to_owned(),
            None => self.colour.to_owned(),
        }
    }

    /// The SVG `<pattern>` element [`Swatch::fill`] refers to (to go in a
    /// `<defs>`); `None` for a plain swatch. Built from constants only.
    pub fn pattern_def(&self, hollow: bool) -> Option<String> {
        let id = self.pattern_id(hollow)?;
        let (ground, mark, opacity) = if hollow {
            ("#ffffff", self.colour, 1.0)
        } else if self.is_light() {
            (self.colour, "#000000", 0.55)
        } else {
            (self.colour, "#ffffff", 0.8)
        };
        let mut def = format!(
            r#"<pattern id="{id}" patternUnits="userSpaceOnUse" width="8" height="8"><rect width="8" height="8" fill="{ground}"/>"#
        );
        let marks = match self.pattern {
            Pattern::Solid => String::new(),
            Pattern::Dots => format!(r#"<circle cx="4" cy="4" r="2" fill="{mark}"/>"#),
            Pattern::Bands => {
                format!(r#"<rect y="0" width="8" height="3" fill="{mark}"/>"#)
            }
            Pattern::Grid => format!(
                r#"<rect width="2" height="8" fill="{mark}"/><rect width="8" height="2" fill="{mark}"/>"#
            ),
        };
        let _ = write!(def, r#"<g fill-opacity="{opacity}">{marks}</g></pattern>"#);
        Some(def)
    }

    /// Whether dark marks show better than white ones on this colour
    /// (orange, sky blue, yellow and reddish purple).
    fn is_light(&self) -> bool {
        let channel = |from: usize| {
            self.colour
                .get(from..from + 2)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .map_or(0.0, f64::from)
        };
        // Rec. 601 luma, 0..=255.
        0.299 * channel(1) + 0.587 * channel(3) + 0.114 * channel(5) > 125.0
    }
}

/// The fixed swatch of a built-in scenario.
fn built_in(scenario: &str) -> Option<Swatch> {
    match scenario {
        "CRASH" => Some(Swatch::solid(CRASH)),
        "SLOWDOWN" => Some(Swatch::solid(SLOWDOWN)),
        "CONFIG_ERROR" => Some(Swatch::solid(CONFIG_ERROR)),
        _ => None,
    }
}

/// The `n`th free swatch (0-based), for the `n`th scenario that is not a
/// built-in.
fn free_swatch(n: usize) -> Swatch {
    let n = n % (DISTINCT_SWATCHES - 3);
    if let Some(colour) = DERIVED.get(n) {
        return Swatch::solid(colour);
    }
    let patterned = n - DERIVED.len();
    Swatch {
        colour: ALL_COLOURS[patterned % ALL_COLOURS.len()],
        pattern: PATTERNS[(patterned / ALL_COLOURS.len()) % PATTERNS.len()],
    }
}

/// The swatch of every scenario of a run, assigned in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScenarioColours {
    /// Every scenario named so far, in assignment order, with its swatch.
    order: Vec<(String, Swatch)>,
    /// Position in `order`, by name.
    index: HashMap<String, usize>,
    /// How many of `order` took a free swatch (are not built-ins).
    free_taken: usize,
}

impl ScenarioColours {
    /// The assignment for a run configured with `scenarios` (in
    /// configuration order; repeats are ignored).
    pub fn configured<S: AsRef<str>>(scenarios: impl IntoIterator<Item = S>) -> Self {
        let mut colours = ScenarioColours::default();
        for name in scenarios {
            colours.assign(name.as_ref());
        }
        colours
    }

    /// The swatch of `scenario`, assigning it the next free one when it is
    /// new to the run.
    pub fn assign(&mut self, scenario: &str) -> Swatch {
        if let Some(&at) = self.index.get(scenario) {
            return self.order[at].1;
        }
        let swatch = built_in(scenario).unwrap_or_else(|| {
            self.free_taken += 1;
            free_swatch(self.free_taken - 1)
        });
        self.index.insert(scenario.to_owned(), self.order.len());
        self.order.push((scenario.to_owned(), swatch));
        swatch
    }

    /// The swatch of `scenario` if it has one (a built-in always has).
    pub fn get(&self, scenario: &str) -> Option<Swatch> {
        self.index
            .get(scenario)
            .map(|&at| self.order[at].1)
            .or_else(|| built_in(scenario))
    }

    /// Every scenario assigned, in assignment order.
    pub fn assigned(&self) -> impl Iterator<Item = (&str, Swatch)> {
        self.order
            .iter()
            .map(|(name, swatch)| (name.as_str(), *swatch))
    }
}

/// The names of a run's configured scenarios, in the order
/// [`ScenarioColours::configured`] takes them: targets in configuration
/// order, each one's scenarios in its order, each name once.
pub fn configured_names<'a>(
    per_target: impl IntoIterator<Item = impl IntoIterator<Item = &'a str>>,
) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut names = Vec::new();
    for target in per_target {
        for name in target {
            if seen.insert(name) {
                names.push(name.to_owned());
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn built_in_scenarios_keep_their_fixed_colours_wherever_they_come() {
        let colours = ScenarioColours::configured(["PAUSE", "CONFIG_ERROR", "CRASH", "SLOWDOWN"]);
        assert_eq!(colours.get("CRASH"), Some(Swatch::solid("#d55e00")));
        assert_eq!(colours.get("SLOWDOWN"), Some(Swatch::solid("#0072b2")));
        assert_eq!(colours.get("CONFIG_ERROR"), Some(Swatch::solid("#cc79a7")));
        assert_eq!(
            colours.get("PAUSE"),
            Some(Swatch::solid(DERIVED[0])),
            "the first custom scenario takes the first free colour"
        );
        // Unconfigured built-ins still have theirs.
        assert_eq!(
            ScenarioColours::default().get("CRASH"),
            Some(Swatch::solid(CRASH))
        );
    }

    #[test]
    fn custom_scenarios_take_the_free_swatches_in_configured_order() {
        let mut colours = ScenarioColours::configured([
            "KILL",
            "CRASH",
            "PAUSE",
            "NETWORK_PARTITION",
            "STOP",
            "KILL",
            "LOSS",
        ]);
        let got: Vec<(&str, Swatch)> = colours.assigned().collect();
        assert_eq!(
            got,
            [
                ("KILL", Swatch::solid("#e69f00")),
                ("CRASH", Swatch::solid(CRASH)),
                ("PAUSE", Swatch::solid("#56b4e9")),
                ("NETWORK_PARTITION", Swatch::solid("#009e73")),
                ("STOP", Swatch::solid("#f0e442")),
                (
                    "LOSS",
                    Swatch {
                        colour: "#e69f00",
                        pattern: Pattern::Dots
                    }
                ),
            ]
        );
        // A name seen later (not configured) takes the next one; asking
        // again gives the same.
        let late = colours.assign("DISK_FULL");
        assert_eq!(
            late,
            Swatch {
                colour: "#56b4e9",
                pattern: Pattern::Dots
            }
        );
        assert_eq!(colours.assign("DISK_FULL"), late);
        assert_eq!(colours.get("UNKNOWN"), None);
    }

    #[test]
    fn every_swatch_of_a_run_is_distinct_up_to_the_last_then_they_repeat() {
        let names: Vec<String> = ["CRASH", "SLOWDOWN", "CONFIG_ERROR"]
            .iter()
            .map(|s| (*s).to_owned())
            .chain((0..DISTINCT_SWATCHES - 3).map(|i| format!("CUSTOM_{i}")))
            .collect();
        let colours = ScenarioColours::configured(&names);
        let swatches: BTreeSet<Swatch> = colours.assigned().map(|(_, s)| s).collect();
        assert_eq!(swatches.len(), DISTINCT_SWATCHES);
        assert_eq!(DISTINCT_SWATCHES, 28);
        let fills: BTreeSet<String> = swatches.iter().map(|s| s.fill(false)).collect();
        assert_eq!(fills.len(), DISTINCT_SWATCHES, "distinct fills too");
        let patterns: BTreeSet<Pattern> = swatches.iter().map(|s| s.pattern).collect();
        assert_eq!(patterns.len(), 4, "{patterns:?}");
        // The one after the last repeats the first free swatch.
        let mut more = colours.clone();
        assert_eq!(more.assign("ONE_TOO_MANY"), Swatch::solid(DERIVED[0]));
    }

    #[test]
    fn the_issue_of_pause_and_partition_sharing_a_colour_is_gone() {
        // Hashing gave both #56b4e9; in order they differ.
        let colours = ScenarioColours::configured(["PAUSE", "NETWORK_PARTITION"]);
        assert_ne!(colours.get("PAUSE"), colours.get("NETWORK_PARTITION"));
    }

    #[test]
    fn a_patterned_swatch_has_a_pattern_and_a_hollow_variant() {
        let dots = Swatch {
            colour: "#0072b2",
            pattern: Pattern::Dots,
        };
        assert_eq!(dots.fill(false), "url(#chaos-swatch-0072b2-dots)");
        assert_eq!(dots.fill(true), "url(#chaos-swatch-0072b2-dots-hollow)");
        let def = dots.pattern_def(false).unwrap();
        assert!(def.starts_with(r##"<pattern id="chaos-swatch-0072b2-dots""##));
        assert!(def.contains(r##"fill="#0072b2""##), "{def}");
        assert!(def.contains("<circle"), "{def}");
        let hollow = dots.pattern_def(true).unwrap();
        assert!(hollow.contains(r##"<rect width="8" height="8" fill="#ffffff"/>"##));
        let plain = Swatch::solid(CRASH);
        assert_eq!(plain.fill(false), CRASH);
        assert_eq!(plain.fill(true), "#ffffff");
        assert_eq!(plain.pattern_def(false), None);
        // Light colours get dark marks, dark ones white marks.
        assert!(Swatch::solid("#f0e442").is_light());
        assert!(!Swatch::solid(SLOWDOWN).is_light());
        assert!(!Swatch::solid(CRASH).is_light());
    }

    #[test]
    fn configured_names_follow_targets_then_scenarios_each_once() {
        let names = configured_names([vec!["CRASH", "PAUSE"], vec!["PAUSE", "KILL"], vec!["STOP"]]);
        assert_eq!(names, ["CRASH", "PAUSE", "KILL", "STOP"]);
    }
}
