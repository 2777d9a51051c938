//! What the report's figures mean, in short sentences: under the text
//! table and under the HTML table and timeline. Paragraphs are plain text;
//! [`wrap`] fits them to a terminal.

/// How the compact text table reads (its abbreviated columns explained).
pub const COMPACT_TABLE: &str = "Each target's first line is its total; the lines under it split \
that total by scenario. Of the failures injected (inj), the target repaired some (rep); others \
expired unrepaired at the recovery deadline (exp), were cleared by hand, at shutdown or by \
`recover` after the engine died (clr), or are still open: the journal never says they ended, as \
when the engine is killed. `--wide` shows the same table with its columns spelled out.";

/// How the wide text table and the HTML table read.
pub const WIDE_TABLE: &str = "Each target has one line per scenario and a total line. Of the \
failures injected, the target repaired some; others expired unrepaired at the recovery deadline, \
were cleared by hand, at shutdown or by `recover` after the engine died, or are still open: the \
journal never says they ended, as when the engine is killed.";

/// The repair rate.
pub const REPAIR_RATE: &str = "The repair rate counts only the failures that could go either \
way: those repaired, out of those repaired or expired. Cleared and open failures had no fair \
chance to be repaired, so they are left out.";

/// The times, abbreviated as in the compact text table.
pub const COMPACT_TIMES: &str = "ttr is the time from injection to repair, for repaired \
failures; ttm is the time from injection until a probe first saw the failure. p50 is the \
median, p95 the time 95% of them stayed within and max the longest; each is a recorded value \
(nearest-rank percentile), never an average. Skipped cycles (skip) belong to no scenario: only \
total lines count them.";

/// The times, as the wide and HTML tables name them.
pub const WIDE_TIMES: &str = "Time to repair runs from injection to repair, for repaired \
failures; time to manifest from injection until a probe first saw the failure. p50 is the \
median, p95 the time 95% of them stayed within and max the longest; each is a recorded value \
(nearest-rank percentile), never an average. Skipped cycles belong to no scenario: only total \
lines count them.";

/// The timeline, under the HTML page's drawing.
pub const TIMELINE: &str = "The timeline has one lane per target. Each bar is a failure, from \
its injection to its end, in its scenario's swatch: each scenario of the run has its own, a \
colour, or once the colours are taken a colour with dots, bands or a grid. A diamond marks the moment a probe first saw \
the failure; a hollow bar is one the target's probe never saw; a bar with neither has no probe \
data. Triangles under the bars are skipped cycles. Hover over a mark for its details.";

/// The paragraphs under the text table.
pub fn text_paragraphs(wide: bool) -> [&'static str; 3] {
    if wide {
        [WIDE_TABLE, REPAIR_RATE, WIDE_TIMES]
    } else {
        [COMPACT_TABLE, REPAIR_RATE, COMPACT_TIMES]
    }
}

/// The paragraphs under the HTML table and timeline.
pub fn html_paragraphs() -> [&'static str; 4] {
    [WIDE_TABLE, REPAIR_RATE, WIDE_TIMES, TIMELINE]
}

/// `text` as lines of at most `width` characters, broken between words
/// (a word longer than `width` gets a line of its own).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if !line.is_empty() && needed > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_breaks_between_words_within_the_width() {
        assert_eq!(
            wrap("the quick brown fox jumps", 10),
            ["the quick", "brown fox", "jumps"]
        );
        assert_eq!(wrap("a-very-long-word x", 5), ["a-very-long-word", "x"]);
        assert!(wrap("   ", 10).is_empty());
        assert_eq!(wrap("é é é", 3), ["é é", "é"], "characters, not bytes");
    }

    #[test]
    fn notes_are_sentences_not_formulas() {
        for paragraph in text_paragraphs(false)
            .iter()
            .chain(&text_paragraphs(true))
            .chain(&html_paragraphs())
        {
            assert!(paragraph.ends_with('.'), "{paragraph}");
            assert!(!paragraph.contains(" = "), "{paragraph}");
            assert!(!paragraph.contains("  "), "{paragraph}");
        }
    }
}
