//! Sizes in bytes as users write them (`--journal-max`): a whole number of
//! bytes (`1048576`) or a number with a unit, decimal (`KB`, `MB`, `GB`:
//! powers of 1000) or binary (`KiB`, `MiB`, `GiB`: powers of 1024), any
//! case, a blank between allowed (`64 MiB`, `1.5GB`). `off` means no size
//! at all (no cap).

/// The units, longest first so `KiB` is not read as `K` + `iB`.
const UNITS: &[(&str, u64)] = &[
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("kb", 1000),
    ("mb", 1000 * 1000),
    ("gb", 1000 * 1000 * 1000),
    ("k", 1 << 10),
    ("m", 1 << 20),
    ("g", 1 << 30),
    ("b", 1),
];

/// Parses a size: `Ok(None)` for `off`, else a size above 0 bytes; the
/// error says what was expected.
pub fn parse_size(text: &str) -> Result<Option<u64>, String> {
    let trimmed = text.trim();
    if trimmed.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let expected = "write bytes (1048576) or a number with a unit (512KiB, 64MiB, 1GB), or `off`";
    let lower = trimmed.to_ascii_lowercase();
    let (number, unit) = UNITS
        .iter()
        .find_map(|(name, unit)| lower.strip_suffix(name).map(|n| (n, *unit)))
        .unwrap_or((lower.as_str(), 1));
    let number = number.trim();
    let value: f64 = number
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && number.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
        .ok_or_else(|| format!("invalid size `{trimmed}`: {expected}"))?;
    let bytes = (value * unit as f64).round();
    if bytes < 1.0 {
        return Err(format!(
            "size `{trimmed}` is 0 bytes: give at least one byte, or `off` for no cap"
        ));
    }
    if bytes > u64::MAX as f64 {
        return Err(format!("size `{trimmed}` is too large"));
    }
    Ok(Some(bytes as u64))
}

/// Shows a size the short way: `64 MiB`, `1.5 KiB`, `300 B`.
pub fn format_size(bytes: u64) -> String {
    const BINARY: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (name, unit) in BINARY {
        if bytes >= unit {
            let value = bytes as f64 / unit as f64;
            let text = format!("{value:.1}");
            let text = text.strip_suffix(".0").unwrap_or(&text);
            return format!("{text} {name}");
        }
    }
    format!("{bytes} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_with_and_without_units() {
        let cases = [
            ("1048576", 1_048_576),
            ("64MiB", 64 << 20),
            ("64 mib", 64 << 20),
            ("64M", 64 << 20),
            ("64MB", 64_000_000),
            ("1.5KiB", 1536),
            ("2k", 2048),
            ("1GB", 1_000_000_000),
            ("1 GiB", 1 << 30),
            ("300b", 300),
            (" 10 ", 10),
        ];
        for (text, bytes) in cases {
            assert_eq!(parse_size(text), Ok(Some(bytes)), "{text}");
        }
        assert_eq!(parse_size("off"), Ok(None));
        assert_eq!(parse_size("OFF"), Ok(None));
    }

    #[test]
    fn bad_sizes_say_what_was_expected() {
        for text in ["", "MiB", "-5MB", "1e3", "five", "64 TB", "NaN", "inf"] {
            let err = parse_size(text).unwrap_err();
            assert!(err.contains("invalid size"), "{text}: {err}");
        }
        assert!(parse_size("0").unwrap_err().contains("0 bytes"));
        assert!(parse_size("0.1B").unwrap_err().contains("0 bytes"));
        assert!(parse_size("99999999999999GiB")
            .unwrap_err()
            .contains("too large"));
    }

    #[test]
    fn sizes_are_shown_short() {
        assert_eq!(format_size(64 << 20), "64 MiB");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(300), "300 B");
        assert_eq!(format_size(3 << 30), "3 GiB");
    }
}
