//! Which settings each one-shot command takes, and how its `--help` words
//! them. A command lists (and accepts) only the settings it uses; the
//! variables of the others are not read by it. `run` and `validate` take
//! every setting ([`super::AllSettings`]).
//!
//! | command   | settings                                                          |
//! |-----------|-------------------------------------------------------------------|
//! | `status`  | `--targets`, `--state-file`, `--http` (for `--watch`), `--ledger-dir` |
//! | `preview` | `--targets`, `--seed`                                             |
//! | `clear`   | `--targets`, `--state-file`, `--journal`, `--journal-max`, `--ledger-dir` |
//! | `inject`  | `--targets`, `--state-file`, `--recovery`, `--enabled`, `--dry-run`, `--journal`, `--journal-max`, `--ledger-dir` |
//! | `recover` | `--targets`, `--journal`, `--journal-max`, `--ledger-dir`           |
//!
//! (`--journal-max`: the commands that append to the journal rotate it at
//! the same cap as `run`.)
//!
//! None of them keeps a schedule, so none takes `--interval` or
//! `--min-interval`, and their configuration is loaded without the
//! schedule's checks (`ConfigInputs::one_shot`).

use clap::Arg;

use super::SettingSet;
use crate::config::{SettingId, DEFAULT_RECOVERY, DEFAULT_STATE_FILE};

/// `text` followed by the `[default: ...]` hint, as the table's rows show it.
fn with_default(text: &str, default: &str) -> String {
    format!("{text} [default: {default}]")
}

/// `--state-file` for the commands that can also choose a target by it.
fn state_file_selecting(arg: Arg, others: &str) -> Arg {
    arg.help(with_default(
        &format!(
            "Without --targets: the state file of the single target. With --targets: choose the \
             target whose state file this is, when {others} given (FAILURE_STATE_FILE is then \
             ignored)."
        ),
        DEFAULT_STATE_FILE,
    ))
}

/// `status`: where the targets are.
#[derive(Debug, Clone, Copy, Default)]
pub struct StatusSettings;

impl SettingSet for StatusSettings {
    const IDS: &'static [SettingId] = &[
        SettingId::Targets,
        SettingId::StateFile,
        SettingId::Http,
        SettingId::LedgerDir,
    ];

    fn adjust(id: SettingId, arg: Arg) -> Arg {
        match id {
            SettingId::Http => arg.help(
                "With --watch: the running engine's API (HOST:PORT), read once a second for its \
                 view of every target. Without it, --watch reads the state files. Ignored \
                 without --watch.",
            ),
            _ => arg,
        }
    }
}

/// `preview`: the targets (their scenarios) and the seed.
#[derive(Debug, Clone, Copy, Default)]
pub struct PreviewSettings;

impl SettingSet for PreviewSettings {
    const IDS: &'static [SettingId] = &[SettingId::Targets, SettingId::Seed];

    fn adjust(id: SettingId, arg: Arg) -> Arg {
        match id {
            SettingId::Seed => arg.help(
                "Seed of the picks (u64): `run` with this seed injects exactly these. Random \
                 when absent, and printed first (except with --json).",
            ),
            _ => arg,
        }
    }
}

/// `clear`: where the targets are, and the journal that records the clearing.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClearSettings;

impl SettingSet for ClearSettings {
    const IDS: &'static [SettingId] = &[
        SettingId::Targets,
        SettingId::StateFile,
        SettingId::Journal,
        SettingId::LedgerDir,
        SettingId::JournalMax,
    ];

    fn adjust(id: SettingId, arg: Arg) -> Arg {
        match id {
            SettingId::StateFile => state_file_selecting(arg, "neither --target nor --all is"),
            SettingId::Journal => {
                arg.help("Append the clearing to this audit journal (one JSON line per target).")
            }
            _ => arg,
        }
    }
}

/// `recover`: where the Docker targets are, and the journal whose
/// write-ahead records name the faults to undo (undoing is journalled too).
#[derive(Debug, Clone, Copy, Default)]
pub struct RecoverSettings;

impl SettingSet for RecoverSettings {
    const IDS: &'static [SettingId] = &[
        SettingId::Targets,
        SettingId::Journal,
        SettingId::JournalMax,
        SettingId::LedgerDir,
    ];

    fn adjust(id: SettingId, arg: Arg) -> Arg {
        match id {
            SettingId::Journal => arg.help(
                "The engine's audit journal: faults it recorded as applied and never cleared \
                 are undone too (the ledger is read in any case), and the undoing is appended \
                 to it.",
            ),
            _ => arg,
        }
    }
}

/// `inject`: where the targets are, how long the failure lasts, whether
/// chaos is on, and the journal that records the injection.
#[derive(Debug, Clone, Copy, Default)]
pub struct InjectSettings;

impl SettingSet for InjectSettings {
    const IDS: &'static [SettingId] = &[
        SettingId::Targets,
        SettingId::StateFile,
        SettingId::Recovery,
        SettingId::Enabled,
        SettingId::DryRun,
        SettingId::Journal,
        SettingId::LedgerDir,
        SettingId::JournalMax,
    ];

    fn adjust(id: SettingId, arg: Arg) -> Arg {
        match id {
            SettingId::StateFile => state_file_selecting(arg, "--target is not"),
            SettingId::Recovery => arg.help(with_default(
                "How long the failure lasts without --for: its expires_at is this far ahead. \
                 Ignored with --for.",
                &format!(
                    "the target's recovery in the targets file, else {}",
                    crate::clock::format_duration(DEFAULT_RECOVERY)
                ),
            )),
            SettingId::Enabled => arg.help(with_default(
                "true/false, 1/0, yes/no. False: nothing is injected (exit 2); --enabled true \
                 injects even when CHAOS_ENABLED is false.",
                "true",
            )),
            SettingId::DryRun => arg.help("Print what would be injected; write nothing."),
            SettingId::Journal => arg.help(
                "Append the injection (and, with --for, its clearing) to this audit journal \
                 (JSON lines).",
            ),
            _ => arg,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use clap::CommandFactory;

    use super::super::Cli;
    use crate::config::SettingId;

    /// The long flags `chaos-engine ARGS --help` prints, as the binary
    /// prints them (clap's help error carries the rendered text).
    fn flags_in_help(args: &[&str]) -> BTreeSet<String> {
        let help = Cli::command()
            .try_get_matches_from(
                std::iter::once("chaos-engine")
                    .chain(args.iter().copied())
                    .chain(["--help"]),
            )
            .unwrap_err()
            .to_string();
        help.lines()
            .map(str::trim_start)
            .filter(|line| line.starts_with('-'))
            .flat_map(|line| line.split([' ', ',', '=']).take(3))
            .filter(|word| word.starts_with("--"))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn each_command_s_help_lists_exactly_the_settings_it_uses() {
        let all: Vec<&str> = SettingId::ALL.iter().map(|id| id.def().flag).collect();
        let cases: &[(&[&str], &[&str], &[&str])] = &[
            // (command, its setting flags, its own flags)
            (&["run"], &all, &["--help"]),
            (&["validate"], &all, &["--help"]),
            // Without a command the settings are `run`'s, hidden from the
            // top-level help (a list of commands).
            (&[], &[], &["--help", "--version"]),
            (
                &["inject"],
                &[
                    "--targets",
                    "--state-file",
                    "--recovery",
                    "--enabled",
                    "--dry-run",
                    "--journal",
                    "--journal-max",
                    "--ledger-dir",
                ],
                &["--target", "--scenario", "--delay", "--for", "--help"],
            ),
            (
                &["clear"],
                &[
                    "--targets",
                    "--state-file",
                    "--journal",
                    "--journal-max",
                    "--ledger-dir",
                ],
                &["--target", "--all", "--help"],
            ),
            (
                &["status"],
                &["--targets", "--state-file", "--http", "--ledger-dir"],
                &["--json", "--watch", "--help"],
            ),
            (
                &["preview"],
                &["--targets", "--seed"],
                &["--count", "--target", "--json", "--help"],
            ),
            (
                &["report"],
                &["--journal"],
                &["--format", "--out", "--help"],
            ),
            (&["healthcheck"], &["--http"], &["--timeout", "--help"]),
        ];
        for (command, settings, own) in cases {
            let shown = flags_in_help(command);
            let shown_settings: BTreeSet<&str> = shown
                .iter()
                .map(String::as_str)
                .filter(|flag| all.contains(flag))
                .collect();
            let expected: BTreeSet<&str> = settings.iter().copied().collect();
            assert_eq!(shown_settings, expected, "{command:?}");
            for flag in *own {
                assert!(shown.contains(*flag), "{command:?} lacks {flag}: {shown:?}");
            }
        }
    }

    #[test]
    fn flags_that_do_not_combine_say_so_in_their_help() {
        let help = |args: &[&str]| {
            Cli::command()
                .try_get_matches_from(
                    std::iter::once("chaos-engine")
                        .chain(args.iter().copied())
                        .chain(["--help"]),
                )
                .unwrap_err()
                .to_string()
                // Words wrapped over lines read as one text.
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        for (command, expected) in [
            (&["status"][..], "Not with --targets"),
            (&["validate"], "Not with --targets"),
            (&["run"], "Not with --targets"),
            (&["inject"], "when --target is not given"),
            (&["inject"], "Ignored with --for"),
            (&["inject"], "crash and config_error: refused"),
            (&["clear"], "when neither --target nor --all is given"),
            (&["clear"], "Target to clear (not with --all)"),
            (&["clear"], "every configured target (not with --target)"),
        ] {
            let text = help(command);
            assert!(
                text.contains(expected),
                "{command:?} lacks {expected:?}: {text}"
            );
        }
    }
}
