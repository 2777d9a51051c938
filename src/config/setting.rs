//! Every setting that a flag and an environment variable can give, defined
//! once, in one table: the `settings!` invocation below.
//!
//! A row names the setting's [`SettingId`], its flag, its variable, the
//! value name and help text `--help` shows, its built-in default (for the
//! help text; the value itself is applied by [`super::load`]) and what an
//! empty variable means. From that one row the command line builds its
//! argument (clap reads the variable itself: `Arg::env`), and
//! [`SettingValues`] records each value with its [`Origin`] (flag or
//! variable, from clap's `ArgMatches::value_source`). Code asks for a value
//! by [`SettingId`], never by a string, so a misspelt name does not compile.

use std::collections::BTreeMap;
use std::time::Duration;

use super::error::Origin;
use super::{
    DEFAULT_FINDINGS_RATE_TEXT, DEFAULT_INTERVAL, DEFAULT_JOURNAL_MAX_TEXT, DEFAULT_MIN_INTERVAL,
    DEFAULT_RECOVERY, DEFAULT_STARTUP_WAIT, DEFAULT_STATE_FILE,
};
use crate::clock::format_duration;

/// What an environment variable set to blank text (empty or spaces) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blank {
    /// The variable counts as unset: `CHAOS_INTERVAL=` means the default.
    Unset,
    /// The blank text is the value: an unset `${CHAOS_ENABLED}` in a
    /// compose file must not silently mean "on" (for `CHAOS_ENABLED` it
    /// means off, with a warning, as the original service read it; for
    /// `CHAOS_DRY_RUN` it is an error).
    Value,
}

/// The built-in default a setting's help text shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShownDefault {
    /// No default shown (the setting is off or random when absent).
    None,
    /// A literal, e.g. `text`.
    Text(&'static str),
    /// A duration, shown as the engine prints durations (`180s`).
    Duration(Duration),
}

impl ShownDefault {
    /// The text inside `[default: ...]`, if any.
    pub fn text(self) -> Option<String> {
        match self {
            ShownDefault::None => None,
            ShownDefault::Text(text) => Some(text.to_owned()),
            ShownDefault::Duration(duration) => Some(format_duration(duration)),
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingDef {
    /// The flag with its dashes, e.g. `--interval`.
    pub flag: &'static str,
    /// The environment variable, e.g. `CHAOS_INTERVAL`.
    pub env: &'static str,
    /// The placeholder in `--help` (`DURATION`); `None` for a switch such as
    /// `--dry-run`, which takes no value on the command line (its variable
    /// still takes true/false).
    pub value_name: Option<&'static str>,
    /// The help text, without the `[default: ...]` and `[env: ...]` hints.
    pub help: &'static str,
    /// The default the help text shows.
    pub default: ShownDefault,
    /// What a blank variable means.
    pub blank: Blank,
}

impl SettingDef {
    /// The flag without its dashes (clap's `long`), e.g. `interval`.
    pub fn long(&self) -> &'static str {
        let flag: &'static str = self.flag;
        flag.trim_start_matches('-')
    }
}

/// Defines [`SettingId`], [`SettingId::ALL`] and [`SettingId::def`] from one
/// list, so a setting cannot be added to one and forgotten in another.
macro_rules! settings {
    ($(
        $(#[$doc:meta])*
        $id:ident {
            flag: $flag:literal,
            env: $env:literal,
            value_name: $value_name:expr,
            help: $help:literal,
            default: $default:expr,
            blank: $blank:expr $(,)?
        }
    ),* $(,)?) => {
        /// A setting that a flag and an environment variable can give.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum SettingId {
            $($(#[$doc])* $id,)*
        }

        impl SettingId {
            /// Every setting, in the order `--help` lists them.
            pub const ALL: &'static [SettingId] = &[$(SettingId::$id,)*];

            /// This setting's row of the table.
            pub fn def(self) -> SettingDef {
                match self {
                    $(SettingId::$id => SettingDef {
                        flag: $flag,
                        env: $env,
                        value_name: $value_name,
                        help: $help,
                        default: $default,
                        blank: $blank,
                    },)*
                }
            }
        }
    };
}

settings! {
    /// `--targets` / `CHAOS_TARGETS_FILE`
    Targets {
        flag: "--targets",
        env: "CHAOS_TARGETS_FILE",
        value_name: Some("FILE"),
        help: "Targets file (YAML). Without one: a single target, target-app.",
        default: ShownDefault::None,
        blank: Blank::Unset,
    },
    /// `--state-file` / `FAILURE_STATE_FILE`
    StateFile {
        flag: "--state-file",
        env: "FAILURE_STATE_FILE",
        value_name: Some("PATH"),
        help: "State file of the single target, when no targets file is given. Not with --targets, \
               whose file names every state file (FAILURE_STATE_FILE is then ignored).",
        default: ShownDefault::Text(DEFAULT_STATE_FILE),
        blank: Blank::Unset,
    },
    /// `--interval` / `CHAOS_INTERVAL`
    Interval {
        flag: "--interval",
        env: "CHAOS_INTERVAL",
        value_name: Some("DURATION"),
        help: "Time between injections, start to start: 180, 0.5, 250ms, 3m, 1h 30m.",
        default: ShownDefault::Duration(DEFAULT_INTERVAL),
        blank: Blank::Unset,
    },
    /// `--recovery` / `CHAOS_RECOVERY_PERIOD`
    Recovery {
        flag: "--recovery",
        env: "CHAOS_RECOVERY_PERIOD",
        value_name: Some("DURATION"),
        help: "How long a failure lasts before it is cleared; shorter than the interval.",
        default: ShownDefault::Duration(DEFAULT_RECOVERY),
        blank: Blank::Unset,
    },
    /// `--startup-wait` / `CHAOS_STARTUP_WAIT`
    StartupWait {
        flag: "--startup-wait",
        env: "CHAOS_STARTUP_WAIT",
        value_name: Some("DURATION"),
        help: "Wait before the first injection.",
        default: ShownDefault::Duration(DEFAULT_STARTUP_WAIT),
        blank: Blank::Unset,
    },
    /// `--min-interval` / `CHAOS_MIN_INTERVAL`
    MinInterval {
        flag: "--min-interval",
        env: "CHAOS_MIN_INTERVAL",
        value_name: Some("DURATION"),
        help: "Safety floor: an interval below it is an error; 0 turns it off.",
        default: ShownDefault::Duration(DEFAULT_MIN_INTERVAL),
        blank: Blank::Unset,
    },
    /// `--enabled` / `CHAOS_ENABLED`
    Enabled {
        flag: "--enabled",
        env: "CHAOS_ENABLED",
        value_name: Some("BOOL"),
        help: "true/false, 1/0, yes/no. False writes targets healthy and never injects. An empty \
               CHAOS_ENABLED means false, with a warning.",
        default: ShownDefault::Text("true"),
        blank: Blank::Value,
    },
    /// `--seed` / `CHAOS_SEED`
    Seed {
        flag: "--seed",
        env: "CHAOS_SEED",
        value_name: Some("SEED"),
        help: "Seed for reproducible picks (u64); random and logged when absent.",
        default: ShownDefault::None,
        blank: Blank::Unset,
    },
    /// `--dry-run` / `CHAOS_DRY_RUN` (a switch on the command line)
    DryRun {
        flag: "--dry-run",
        env: "CHAOS_DRY_RUN",
        value_name: None,
        help: "Log what would be injected; write nothing but healthy.",
        default: ShownDefault::None,
        blank: Blank::Value,
    },
    /// `--log-format` / `CHAOS_LOG_FORMAT`
    LogFormat {
        flag: "--log-format",
        env: "CHAOS_LOG_FORMAT",
        value_name: Some("FORMAT"),
        help: "`text` or `json` (one JSON object per line).",
        default: ShownDefault::Text("text"),
        blank: Blank::Unset,
    },
    /// `--http` / `CHAOS_HTTP_ADDR`
    Http {
        flag: "--http",
        env: "CHAOS_HTTP_ADDR",
        value_name: Some("ADDR"),
        help: "Serve the HTTP control API on this address, e.g. 127.0.0.1:9797 (off when absent). \
               POSTs need `Authorization: Bearer $CHAOS_API_TOKEN` when that variable is set, and \
               are refused on a non-loopback address without it.",
        default: ShownDefault::None,
        blank: Blank::Unset,
    },
    /// `--findings-rate` / `CHAOS_FINDINGS_RATE`
    FindingsRate {
        flag: "--findings-rate",
        env: "CHAOS_FINDINGS_RATE",
        value_name: Some("RATE"),
        help: "POST /findings per responder: COUNT/DURATION, COUNT at once then COUNT more every \
               DURATION (all responders together: ten times that); beyond it 429 with \
               Retry-After, nothing journalled. `off`: no limit.",
        default: ShownDefault::Text(DEFAULT_FINDINGS_RATE_TEXT),
        blank: Blank::Unset,
    },
    /// `--journal` / `CHAOS_JOURNAL`
    Journal {
        flag: "--journal",
        env: "CHAOS_JOURNAL",
        value_name: Some("PATH"),
        help: "Append one JSON line per event (injected, cleared, paused, ...) to this file.",
        default: ShownDefault::None,
        blank: Blank::Unset,
    },
    /// `--ledger-dir` / `CHAOS_LEDGER_DIR`
    LedgerDir {
        flag: "--ledger-dir",
        env: "CHAOS_LEDGER_DIR",
        value_name: Some("DIR"),
        help: "The fault ledger's directory: every Docker fault is written there before it is \
               applied, so that a later engine or `recover` can undo it after any crash.",
        default: ShownDefault::Text(
            "/var/lib/chaos-engine for root, else $XDG_STATE_HOME/chaos-engine or \
             ~/.local/state/chaos-engine",
        ),
        blank: Blank::Unset,
    },
    /// `--journal-max` / `CHAOS_JOURNAL_MAX`
    JournalMax {
        flag: "--journal-max",
        env: "CHAOS_JOURNAL_MAX",
        value_name: Some("SIZE"),
        help: "Size cap of the journal (64MiB, 500MB, bytes): a line that would pass it first \
               renames the journal to JOURNAL.1 (replacing an older one) and starts a fresh one. \
               `off`: no cap.",
        default: ShownDefault::Text(DEFAULT_JOURNAL_MAX_TEXT),
        blank: Blank::Unset,
    },
    /// `--max-concurrent-failures` / `CHAOS_MAX_CONCURRENT_FAILURES`
    MaxConcurrentFailures {
        flag: "--max-concurrent-failures",
        env: "CHAOS_MAX_CONCURRENT_FAILURES",
        value_name: Some("N"),
        help: "At most this many failures active at once across all targets; a target whose turn \
               comes at the cap skips (or waits, with `policy.when_capped: wait` in the targets \
               file).",
        default: ShownDefault::None,
        blank: Blank::Unset,
    },
    /// `--jitter` / `CHAOS_JITTER`
    Jitter {
        flag: "--jitter",
        env: "CHAOS_JITTER",
        value_name: Some("FRACTION"),
        help: "Lengthen each interval by a random fraction from 0 to this (0 to 1, e.g. 0.2; drawn \
               from the seed).",
        default: ShownDefault::None,
        blank: Blank::Unset,
    },
}

/// Where a value given for a setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The command line.
    Flag,
    /// The setting's environment variable.
    Env,
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it was set.
    pub origin: Origin,
}

/// The settings given by flags or environment variables, each with its
/// origin; a setting given neither way is absent (the targets file or the
/// built-in default decides it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettingValues {
    given: BTreeMap<SettingId, (Source, String)>,
}

impl SettingValues {
    /// Records `value` for `id`, replacing any earlier one. The command line
    /// calls this at most once per setting, after clap chose between the
    /// flag and the variable.
    pub fn set(&mut self, id: SettingId, source: Source, value: impl Into<String>) {
        self.given.insert(id, (source, value.into()));
    }

    /// Forgets `id`, as if it had not been given.
    pub fn remove(&mut self, id: SettingId) {
        self.given.remove(&id);
    }

    /// The value as given, blank or not, with its origin.
    pub fn raw(&self, id: SettingId) -> Option<Sourced<String>> {
        self.given.get(&id).map(|(source, value)| Sourced {
            value: value.clone(),
            origin: id.origin(*source),
        })
    }

    /// The value with its origin; a blank variable counts as unset unless
    /// the setting's row says otherwise ([`Blank`]). A blank flag is a value.
    pub fn get(&self, id: SettingId) -> Option<Sourced<String>> {
        self.raw(id).filter(|v| {
            id.def().blank == Blank::Value
                || !matches!(v.origin, Origin::Env(_))
                || !v.value.trim().is_empty()
        })
    }
}

impl SettingId {
    /// The [`Origin`] of a value from `source`: the flag or the variable.
    pub fn origin(self, source: Source) -> Origin {
        let def = self.def();
        match source {
            Source::Flag => Origin::Flag(def.flag),
            Source::Env => Origin::Env(def.env),
        }
    }
}

#[cfg(test)]
impl SettingValues {
    /// Values as the command line would hand them over: a flag beats the
    /// variable of the same setting.
    pub fn from_pairs(flags: &[(SettingId, &str)], env: &[(SettingId, &str)]) -> Self {
        let mut values = SettingValues::default();
        for (id, value) in env {
            values.set(*id, Source::Env, *value);
        }
        for (id, value) in flags {
            values.set(*id, Source::Flag, *value);
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn flags_and_variables_are_unique_and_well_formed() {
        let mut flags = HashSet::new();
        let mut envs = HashSet::new();
        for id in SettingId::ALL {
            let def = id.def();
            assert!(flags.insert(def.flag), "{id:?}: flag {} twice", def.flag);
            assert!(envs.insert(def.env), "{id:?}: variable {} twice", def.env);
            assert!(def.flag.starts_with("--"), "{id:?}");
            assert_eq!(def.long(), &def.flag[2..]);
            assert!(def.env.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'));
            assert!(!def.help.contains("[env:"), "{id:?}: clap adds the hint");
        }
        assert_eq!(SettingId::ALL.len(), 17);
    }

    #[test]
    fn origins_name_the_flag_or_the_variable_of_the_table() {
        assert_eq!(
            SettingId::Interval.origin(Source::Flag),
            Origin::Flag("--interval")
        );
        assert_eq!(
            SettingId::Recovery.origin(Source::Env),
            Origin::Env("CHAOS_RECOVERY_PERIOD")
        );
        assert_eq!(
            SettingId::StateFile.origin(Source::Env),
            Origin::Env("FAILURE_STATE_FILE")
        );
    }

    #[test]
    fn blank_variables_are_unset_except_where_the_row_says_otherwise() {
        let values = SettingValues::from_pairs(
            &[(SettingId::Seed, "")],
            &[
                (SettingId::Interval, " "),
                (SettingId::Enabled, ""),
                (SettingId::DryRun, " "),
            ],
        );
        assert_eq!(values.get(SettingId::Interval), None);
        assert!(values.raw(SettingId::Interval).is_some());
        assert_eq!(
            values.get(SettingId::Enabled).map(|v| v.origin),
            Some(Origin::Env("CHAOS_ENABLED"))
        );
        assert!(values.get(SettingId::DryRun).is_some());
        // A blank flag is a value (and the parser's to reject).
        assert_eq!(
            values.get(SettingId::Seed),
            Some(Sourced {
                value: String::new(),
                origin: Origin::Flag("--seed")
            })
        );
        assert_eq!(values.get(SettingId::Jitter), None);
    }

    #[test]
    fn shown_defaults_are_the_documented_ones() {
        // Literals from the table in docs/configuration.md, not the
        // constants: a changed constant must fail here until the docs
        // change with it.
        let shown = |id: SettingId| id.def().default.text();
        assert_eq!(shown(SettingId::Interval).as_deref(), Some("180s"));
        assert_eq!(shown(SettingId::Recovery).as_deref(), Some("30s"));
        assert_eq!(shown(SettingId::StartupWait).as_deref(), Some("60s"));
        assert_eq!(shown(SettingId::MinInterval).as_deref(), Some("60s"));
        assert_eq!(
            shown(SettingId::StateFile).as_deref(),
            Some("/tmp/failure_state.json")
        );
        assert_eq!(shown(SettingId::Seed), None);
        assert_eq!(shown(SettingId::FindingsRate).as_deref(), Some("20/2s"));
        assert_eq!(shown(SettingId::JournalMax).as_deref(), Some("64MiB"));
        // The shown texts are what the engine applies: 20 at once, then 20
        // more every 2 s; 64 MiB is 64 * 1024 * 1024 bytes.
        assert_eq!(
            super::super::DEFAULT_FINDINGS_RATE,
            super::super::rate::Rate {
                count: 20,
                per: Duration::from_secs(2)
            }
        );
        assert_eq!(
            super::super::rate::parse_rate(DEFAULT_FINDINGS_RATE_TEXT),
            Ok(Some(super::super::DEFAULT_FINDINGS_RATE))
        );
        assert_eq!(crate::journal::DEFAULT_JOURNAL_MAX, 67_108_864);
        assert_eq!(
            crate::size::parse_size(DEFAULT_JOURNAL_MAX_TEXT),
            Ok(Some(crate::journal::DEFAULT_JOURNAL_MAX))
        );
    }
}
