//! A stable colour per scenario name: a fixed palette for the built-in
//! scenarios and a colour derived from the name for any other, so the same
//! scenario has the same colour in every report.

/// CRASH: red.
pub const CRASH: &str = "#d62728";
/// SLOWDOWN: orange.
pub const SLOWDOWN: &str = "#ff7f0e";
/// CONFIG_ERROR: purple.
pub const CONFIG_ERROR: &str = "#9467bd";

/// The fill colour of `scenario`, as `#rrggbb`.
pub fn scenario_colour(scenario: &str) -> String {
    match scenario {
        "CRASH" => CRASH.to_owned(),
        "SLOWDOWN" => SLOWDOWN.to_owned(),
        "CONFIG_ERROR" => CONFIG_ERROR.to_owned(),
        other => derived(other),
    }
}

/// A mid-tone colour whose hue comes from a hash of the name (FNV-1a, so it
/// does not change between Rust versions or runs). Saturation 55 %,
/// lightness 45 %: readable on white and behind black text.
fn derived(name: &str) -> String {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    // hash % 360 < 360, exact in f64.
    let hue = (hash % 360) as f64;
    hsl_to_hex(hue, 0.55, 0.45)
}

/// `#rrggbb` of a hue (degrees), saturation and lightness (0 to 1).
fn hsl_to_hex(hue: f64, saturation: f64, lightness: f64) -> String {
    let chroma = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let sector = hue / 60.0;
    let x = chroma * (1.0 - (sector % 2.0 - 1.0).abs());
    let (r, g, b) = match sector as u32 {
        0 => (chroma, x, 0.0),
        1 => (x, chroma, 0.0),
        2 => (0.0, chroma, x),
        3 => (0.0, x, chroma),
        4 => (x, 0.0, chroma),
        _ => (chroma, 0.0, x),
    };
    let m = lightness - chroma / 2.0;
    // Each channel is within 0..=1, so the rounded value fits in a u8.
    let byte = |c: f64| ((c + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", byte(r), byte(g), byte(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_scenarios_have_fixed_colours() {
        assert_eq!(scenario_colour("CRASH"), "#d62728");
        assert_eq!(scenario_colour("SLOWDOWN"), "#ff7f0e");
        assert_eq!(scenario_colour("CONFIG_ERROR"), "#9467bd");
    }

    #[test]
    fn custom_scenarios_get_a_stable_distinct_colour() {
        let partition = scenario_colour("NETWORK_PARTITION");
        assert_eq!(partition, scenario_colour("NETWORK_PARTITION"));
        assert_eq!(partition.len(), 7);
        assert!(partition.starts_with('#'));
        assert!(partition[1..].chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(partition, scenario_colour("DISK_FULL"));
        for builtin in [CRASH, SLOWDOWN, CONFIG_ERROR] {
            assert_ne!(partition, builtin);
        }
    }

    #[test]
    fn hsl_conversion_hits_the_primaries() {
        assert_eq!(hsl_to_hex(0.0, 1.0, 0.5), "#ff0000");
        assert_eq!(hsl_to_hex(120.0, 1.0, 0.5), "#00ff00");
        assert_eq!(hsl_to_hex(240.0, 1.0, 0.5), "#0000ff");
        assert_eq!(hsl_to_hex(0.0, 0.0, 1.0), "#ffffff");
    }
}
