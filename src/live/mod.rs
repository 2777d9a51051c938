//! The live terminal view shared by `demo` and `status --watch`.
//!
//! - [`Screen`]: on a terminal, redraws a block of lines in place (ANSI
//!   cursor moves, no TUI library); otherwise prints plain lines, one per
//!   event, so logs and pipes stay readable.
//! - [`board`]: one line per target from the engine's `GET /status`.

pub mod board;

use std::io::{IsTerminal as _, Write as _};

/// Where the live view goes: standard output, redrawn in place when it is a
/// terminal.
#[derive(Debug)]
pub struct Screen {
    terminal: bool,
    /// Lines of the block drawn last (to move back over them).
    drawn: usize,
}

impl Screen {
    /// A screen on standard output; it redraws in place when standard
    /// output is a terminal.
    pub fn stdout() -> Self {
        Screen {
            terminal: std::io::stdout().is_terminal(),
            drawn: 0,
        }
    }

    /// True when the view is redrawn in place.
    pub fn is_terminal(&self) -> bool {
        self.terminal
    }

    /// On a terminal, replaces the block drawn last with `lines` (the
    /// cursor is hidden meanwhile); otherwise does nothing: plain output
    /// goes through [`Screen::line`].
    pub fn redraw(&mut self, lines: &[String]) {
        if !self.terminal {
            return;
        }
        let mut out = String::new();
        if self.drawn > 0 {
            // To the start of the block's first line, then erase below.
            out.push_str(&format!("\x1b[{}F", self.drawn));
        } else {
            out.push_str("\x1b[?25l");
        }
        out.push_str("\x1b[J");
        // A line wider than the terminal would wrap, and the next redraw
        // would move back over too few lines.
        let width = terminal_width().saturating_sub(1);
        for line in lines {
            out.extend(line.chars().take(width));
            out.push('\n');
        }
        self.drawn = lines.len();
        write_out(&out);
    }

    /// Prints one plain line (not a terminal), or one line above the
    /// redrawn block, which is drawn again on the next [`Screen::redraw`].
    pub fn line(&mut self, text: &str) {
        if self.terminal && self.drawn > 0 {
            write_out(&format!("\x1b[{}F\x1b[J{text}\n", self.drawn));
            self.drawn = 0;
        } else {
            write_out(&format!("{text}\n"));
        }
    }

    /// Leaves the block where it is and shows the cursor again.
    pub fn finish(&mut self) {
        if self.terminal {
            write_out("\x1b[?25h");
        }
        self.drawn = 0;
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Columns of the terminal on standard output (80 when it cannot tell).
fn terminal_width() -> usize {
    rustix::termios::tcgetwinsize(std::io::stdout())
        .ok()
        .map(|size| usize::from(size.ws_col))
        .filter(|columns| *columns > 0)
        .unwrap_or(80)
}

/// Writes and flushes; a closed standard output is not an error here (the
/// view is for whoever is still watching).
fn write_out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// Seconds as a short countdown: `4.2s`, `12s`, `3m05s`.
pub fn short_seconds(seconds: f64) -> String {
    let seconds = seconds.max(0.0);
    if seconds < 10.0 {
        format!("{seconds:.1}s")
    } else if seconds < 60.0 {
        format!("{seconds:.0}s")
    } else {
        let whole = seconds.round() as u64;
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdowns_are_short() {
        assert_eq!(short_seconds(4.26), "4.3s");
        assert_eq!(short_seconds(-1.0), "0.0s");
        assert_eq!(short_seconds(12.4), "12s");
        assert_eq!(short_seconds(185.0), "3m05s");
    }
}
