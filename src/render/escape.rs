//! Escaping text for SVG and HTML (target names, scenario names and
//! details come from the journal: they are user input).

/// `text` safe inside XML/HTML text and quoted attribute values: `&`, `<`,
/// `>`, `"` and `'` become entities, and characters XML 1.0 forbids (most
/// control characters) become U+FFFD, so the document always parses.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {
                out.push('\u{FFFD}');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_characters_become_entities() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
    }

    #[test]
    fn plain_text_and_unicode_pass_through() {
        assert_eq!(escape("target-app ✓ ünïcode"), "target-app ✓ ünïcode");
        assert_eq!(escape("a\nb\tc"), "a\nb\tc");
    }

    #[test]
    fn characters_xml_forbids_are_replaced() {
        assert_eq!(
            escape("a\u{0}b\u{1b}c\u{FFFF}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}"
        );
    }
}
