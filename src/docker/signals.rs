//! The signals a `kill` fault may send: only those whose default action
//! ends the process, so that the fault is a crash. The one list, checked
//! when the targets file is loaded and again before any signal is sent
//! (`crash::crash`, `container_ops::kill`).
//!
//! Refused: the signals that stop a process (`STOP`, `TSTP`, `TTIN`,
//! `TTOU`; stopping a container is the `pause` mode), those ignored by
//! default (`CHLD`/`CLD`, `CONT`, `URG`, `WINCH`), and 32 and 33, which
//! the C library keeps for its threads. Numbers are Linux's on x86 and
//! ARM (the generic numbering); the real-time signals 34 to 64 end a
//! process by default and are accepted by number.

/// The signals whose default action ends the process, by name without
/// `SIG`, with their Linux numbers.
const TERMINATING: [(&str, u8); 23] = [
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("TRAP", 5),
    ("ABRT", 6),
    ("BUS", 7),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
    ("STKFLT", 16),
    ("XCPU", 24),
    ("XFSZ", 25),
    ("VTALRM", 26),
    ("PROF", 27),
    ("IO", 29),
    ("PWR", 30),
    ("SYS", 31),
];

/// Other names of terminating signals, and the name they are sent as.
const ALIASES: [(&str, &str); 2] = [("IOT", "ABRT"), ("POLL", "IO")];

/// The signals that stop the process, with their numbers.
const STOPPING: [(&str, u8); 4] = [("STOP", 19), ("TSTP", 20), ("TTIN", 21), ("TTOU", 22)];

/// The signals ignored by default, with their numbers.
const IGNORED: [(&str, u8); 5] = [
    ("CHLD", 17),
    ("CLD", 17),
    ("CONT", 18),
    ("URG", 23),
    ("WINCH", 28),
];

/// The real-time signals, which end a process by default.
const REAL_TIME: std::ops::RangeInclusive<u8> = 34..=64;

/// `signal` (`SIGTERM`, `term`, `9`, `SIGIOT`...) as it is sent: `SIGNAME`
/// for a name (aliases resolved), the number for a number; or why it
/// cannot be the signal of a `kill` fault.
pub fn terminating(signal: &str) -> Result<String, String> {
    let name = signal.trim().to_ascii_uppercase();
    let bare = name.strip_prefix("SIG").unwrap_or(&name);
    let bare = ALIASES
        .iter()
        .find(|(alias, _)| *alias == bare)
        .map_or(bare, |(_, canonical)| canonical);
    if TERMINATING.iter().any(|(known, _)| *known == bare) {
        return Ok(format!("SIG{bare}"));
    }
    let number = bare.parse::<u8>().ok();
    // `19 (SIGSTOP)` when given by number.
    let find = |table: &[(&'static str, u8)]| {
        table
            .iter()
            .find(|(known, n)| *known == bare || Some(*n) == number)
            .map(|(known, _)| match number {
                Some(_) => format!("`{signal}` (SIG{known})"),
                None => format!("`{signal}`"),
            })
    };
    if let Some(shown) = find(&STOPPING) {
        return Err(format!(
            "{shown} stops the process instead of ending it: stopping a process is the \
             `pause` mode; `kill` needs {}",
            ending()
        ));
    }
    if let Some(shown) = find(&IGNORED) {
        return Err(format!(
            "{shown} is ignored by default, so the process would not end; `kill` needs {}",
            ending()
        ));
    }
    match number {
        Some(n) if TERMINATING.iter().any(|(_, known)| *known == n) || REAL_TIME.contains(&n) => {
            Ok(n.to_string())
        }
        Some(32 | 33) => Err(format!(
            "`{signal}` is kept by the C library for its threads; `kill` needs {}",
            ending()
        )),
        _ => Err(format!(
            "`{signal}` is not a signal: `kill` needs {}",
            ending()
        )),
    }
}

/// `a signal that ends the process: HUP, INT, ...`, for the messages.
/// The Linux number of `sent`, a signal as [`terminating`] gives it
/// (`SIGUSR1`, `40`).
pub fn number(sent: &str) -> Option<u8> {
    let bare = sent.strip_prefix("SIG").unwrap_or(sent);
    TERMINATING
        .iter()
        .find(|(name, _)| *name == bare)
        .map(|(_, n)| *n)
        .or_else(|| bare.parse().ok())
}

fn ending() -> String {
    let names: Vec<&str> = TERMINATING.iter().map(|(name, _)| *name).collect();
    format!(
        "a signal that ends the process: {} (with or without SIG), their numbers, or a \
         real-time signal from 34 to 64",
        names.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_of_the_signals_as_sent() {
        assert_eq!(number("SIGKILL"), Some(9));
        assert_eq!(number("SIGUSR1"), Some(10));
        assert_eq!(number("SIGSYS"), Some(31));
        assert_eq!(number("40"), Some(40));
        assert_eq!(number(&terminating("iot").unwrap()), Some(6));
        assert_eq!(number("SIGNOPE"), None);
    }

    #[test]
    fn terminating_signals_are_accepted_by_name_alias_or_number() {
        assert_eq!(terminating("SIGKILL").as_deref(), Ok("SIGKILL"));
        assert_eq!(terminating(" term ").as_deref(), Ok("SIGTERM"));
        assert_eq!(terminating("SIGIOT").as_deref(), Ok("SIGABRT"));
        assert_eq!(terminating("poll").as_deref(), Ok("SIGIO"));
        assert_eq!(terminating("9").as_deref(), Ok("9"));
        assert_eq!(terminating("15").as_deref(), Ok("15"));
        assert_eq!(terminating("34").as_deref(), Ok("34"));
        assert_eq!(terminating("64").as_deref(), Ok("64"));
        for name in [
            "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
            "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "XCPU", "XFSZ", "VTALRM", "PROF", "IO",
            "POLL", "PWR", "SYS",
        ] {
            assert!(terminating(name).is_ok(), "{name}");
            assert!(terminating(&format!("SIG{name}")).is_ok(), "SIG{name}");
        }
    }

    #[test]
    fn stopping_and_ignored_signals_are_refused_with_the_reason() {
        for signal in [
            "SIGSTOP", "stop", "TSTP", "SIGTTIN", "TTOU", "19", "20", "21", "22",
        ] {
            let err = terminating(signal).unwrap_err();
            assert!(
                err.contains("stops the process instead of ending it")
                    && err.contains("the `pause` mode"),
                "{signal}: {err}"
            );
        }
        for signal in [
            "SIGCONT", "CHLD", "SIGCLD", "URG", "WINCH", "17", "18", "23", "28",
        ] {
            let err = terminating(signal).unwrap_err();
            assert!(err.contains("is ignored by default"), "{signal}: {err}");
        }
        for signal in ["32", "33"] {
            assert!(terminating(signal).unwrap_err().contains("C library"));
        }
        for signal in ["SIGFOO", "0", "65", "", "SIG", "-9", "KILL; reboot"] {
            let err = terminating(signal).unwrap_err();
            assert!(err.contains("is not a signal"), "{signal}: {err}");
        }
    }
}
