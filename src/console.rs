//! Command output on standard output that does not panic when standard
//! output is closed early (e.g. `chaos-engine status | head -1`): the rest
//! of the output is dropped, as other command-line tools do. The commands
//! and the backends' one-shot operations print through it.

/// `println!` for command output that does not panic when standard output
/// is closed early. Long outputs use [`emit`] instead, to stop when nobody
/// reads.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = $crate::console::emit(format_args!($($arg)*));
    }};
}

/// Writes one line to standard output; `false` when it could not (e.g. the
/// reading end of a pipe was closed).
pub fn emit(line: std::fmt::Arguments<'_>) -> bool {
    use std::io::Write as _;
    writeln!(std::io::stdout(), "{line}").is_ok()
}
