//! A stable colour per scenario name, from the Okabe-Ito palette (chosen to
//! stay distinct under the common forms of colour blindness): fixed colours
//! for the built-in scenarios, and for any other scenario one of the
//! remaining palette colours picked by a hash of its name, so the same
//! scenario has the same colour in every report and a custom scenario never
//! takes a built-in's colour.

/// CRASH: vermillion.
pub const CRASH: &str = "#d55e00";
/// SLOWDOWN: blue.
pub const SLOWDOWN: &str = "#0072b2";
/// CONFIG_ERROR: reddish purple.
pub const CONFIG_ERROR: &str = "#cc79a7";

/// The rest of the palette, for other scenarios: orange, sky blue, bluish
/// green and yellow (the palette's black is left for outlines and text).
pub const DERIVED: [&str; 4] = ["#e69f00", "#56b4e9", "#009e73", "#f0e442"];

/// The fill colour of `scenario`, as `#rrggbb`.
pub fn scenario_colour(scenario: &str) -> &'static str {
    match scenario {
        "CRASH" => CRASH,
        "SLOWDOWN" => SLOWDOWN,
        "CONFIG_ERROR" => CONFIG_ERROR,
        other => derived(other),
    }
}

/// One of [`DERIVED`], by a hash of the name (FNV-1a, so it does not change
/// between Rust versions or runs).
fn derived(name: &str) -> &'static str {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    // The remainder is below DERIVED.len(), so it fits in usize.
    let index = usize::try_from(hash % DERIVED.len() as u64).unwrap_or(0);
    DERIVED[index]
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILT_IN: [&str; 3] = [CRASH, SLOWDOWN, CONFIG_ERROR];

    #[test]
    fn built_in_scenarios_have_fixed_distinct_colours() {
        assert_eq!(scenario_colour("CRASH"), "#d55e00");
        assert_eq!(scenario_colour("SLOWDOWN"), "#0072b2");
        assert_eq!(scenario_colour("CONFIG_ERROR"), "#cc79a7");
        let all: std::collections::BTreeSet<&str> =
            BUILT_IN.iter().chain(&DERIVED).copied().collect();
        assert_eq!(all.len(), BUILT_IN.len() + DERIVED.len(), "no colour twice");
    }

    #[test]
    fn custom_scenarios_get_a_stable_palette_colour_never_a_built_ins() {
        let partition = scenario_colour("NETWORK_PARTITION");
        assert_eq!(partition, scenario_colour("NETWORK_PARTITION"));
        let mut used = std::collections::BTreeSet::new();
        for i in 0..200 {
            let colour = scenario_colour(&format!("CUSTOM_{i}"));
            assert!(DERIVED.contains(&colour), "{colour}");
            assert!(!BUILT_IN.contains(&colour), "{colour}");
            used.insert(colour);
        }
        assert_eq!(used.len(), DERIVED.len(), "the hash uses the whole palette");
    }
}
