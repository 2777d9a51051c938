//! The command line: flag definitions (clap) and exit codes.
//! [`crate::commands::main`] parses them and dispatches.
//!
//! The settings' flags are not written out here: [`SettingArgs`] builds
//! them from the table in [`crate::config::setting`] (one row per setting)
//! and hands their raw text, with origins, to [`crate::config`], which
//! validates it. Exit codes: 0 success, 2 bad usage or bad
//! configuration, 1 any other failure.

use std::marker::PhantomData;
use std::path::PathBuf;

use clap::builder::StringValueParser;
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::config::{SettingId, SettingValues, Source};

mod command_settings;
mod mcp_config_args;

pub use command_settings::{
    ClearSettings, InjectSettings, PreviewSettings, RecoverSettings, StatusSettings,
};
pub use mcp_config_args::{McpClient, McpConfigArgs};

/// Exit code for bad usage or bad configuration.
pub const EXIT_USAGE: u8 = 2;
/// Exit code for any other failure.
pub const EXIT_FAILURE: u8 = 1;

const ABOUT: &str = "Injects scheduled, weighted failures into target services and recovers them.

Each target app reads a small JSON state file on every request and acts out the
mode it finds there (crash, slow, config_error or a custom mode). chaos-engine
writes those files: a weighted pick every interval, written healthy again after
the recovery period, and on SIGTERM or SIGINT. With no configuration it runs one
target, target-app, on /tmp/failure_state.json; --targets FILE for several.";

const AFTER_HELP: &str = "Examples:
  chaos-engine demo                              watch every failure mode on two local services
  chaos-engine                                   run with the built-in defaults
  chaos-engine run --targets targets.yaml        run several targets
  chaos-engine preview --count 5 --seed 42       the next 5 picks per target
  chaos-engine inject slow --delay 5 --for 30s   one slowdown now, cleared after 30s
  chaos-engine clear --all                       every target healthy now
  chaos-engine status                            what each target is acting out
  chaos-engine status --watch --http 127.0.0.1:9797
                                                 the running engine's targets, live
  chaos-engine run --http 127.0.0.1:9797         with the HTTP API and its live dashboard at /
  chaos-engine report --journal j.jsonl --format html --out report.html
                                                 how failures were repaired: table and timeline

Settings: `chaos-engine run --help`, each flag with its environment variable
(CHAOS_INTERVAL, CHAOS_ENABLED, FAILURE_STATE_FILE, ...). Without a command they
go to `run`: `chaos-engine --interval 5m` is `chaos-engine run --interval 5m`.";

/// The `chaos-engine` command line.
#[derive(Debug, Parser)]
#[command(name = "chaos-engine", version, about = ABOUT, after_help = AFTER_HELP)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do; without one, `run`.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Settings for `run` when no command is given (hidden here: `run
    /// --help` lists them, so that this help stays a list of commands).
    #[command(flatten)]
    pub run: SettingArgs<RunWithoutCommand>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon (the default when no command is given).
    Run(ConfigArgs),
    /// Write one failure now, optionally clearing it after --for.
    Inject(InjectArgs),
    /// Write a target (or all) healthy now, with reason `manual`.
    Clear(ClearArgs),
    /// Undo the Docker faults an engine that was killed left behind
    /// (containers paused or stopped, network rules and helpers), found by
    /// their labels and in the journal.
    Recover(RecoverArgs),
    /// Show what each target's state file says now; with --watch, live
    /// (from the state files, or from the running engine's API with --http).
    Status(StatusArgs),
    /// Check the configuration and print the effective settings.
    Validate(ConfigArgs),
    /// Show the next picks per target for a seed, without writing anything.
    Preview(PreviewArgs),
    /// Report how failures were repaired, from the audit journal: a table
    /// (text or JSON), an SVG timeline or an HTML page with both.
    Report(ReportArgs),
    /// Score the responders from the audit journal: per incident and per
    /// responder, detection, localisation, diagnosis and mitigation.
    Score(ScoreArgs),
    /// Label the journal's intervals for anomaly detectors: real impact
    /// per target and control windows, one row each.
    Labels(LabelsArgs),
    /// Probe the running engine's HTTP API (GET /healthz) for container
    /// health checks: exit 0 healthy, 1 not answering, 2 no address given.
    Healthcheck(HealthcheckArgs),
    /// Print MCP clients' configuration for the engine's POST /mcp.
    McpConfig(McpConfigArgs),
    /// Watch chaos happen: two local target services, the engine on a
    /// compressed clock, steady traffic, a live view, an HTML report.
    Demo(DemoArgs),
    /// Serve one demo target (the reference target service); `demo` runs it.
    #[command(hide = true)]
    DemoTarget(chaos_target::settings::ServeArgs),
}

/// The flags (and environment variables) of a set of settings, built from
/// their rows in [`crate::config::setting`]: clap reads each variable itself
/// (`Arg::env`, which also prints the `[env: ...]` hint) and
/// `ArgMatches::value_source` tells a flag from a variable. Values are kept
/// as text: parsing them is [`crate::config`]'s job, so an invalid value
/// gets the project's own message naming its flag or variable (exit 2), not
/// clap's.
pub struct SettingArgs<S> {
    values: SettingValues,
    set: PhantomData<S>,
}

/// Which settings a command takes, and how its `--help` words them.
pub trait SettingSet {
    /// The settings, in `--help` order.
    const IDS: &'static [SettingId];

    /// Adjusts the argument built from a setting's row (e.g. a help text
    /// worded for this command); by default, none.
    fn adjust(_id: SettingId, arg: Arg) -> Arg {
        arg
    }
}

/// Every setting: what `run` and `validate` take (the other commands take
/// only the settings they use: see [`command_settings`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct AllSettings;

impl SettingSet for AllSettings {
    const IDS: &'static [SettingId] = SettingId::ALL;
}

/// The settings of `run` and `validate`: all of them.
pub type ConfigArgs = SettingArgs<AllSettings>;

/// Every setting, taken without a command (`chaos-engine --interval 5m` is
/// `chaos-engine run --interval 5m`) but hidden from the top-level help.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunWithoutCommand;

impl SettingSet for RunWithoutCommand {
    const IDS: &'static [SettingId] = SettingId::ALL;

    fn adjust(_id: SettingId, arg: Arg) -> Arg {
        arg.hide(true)
    }
}

impl<S> SettingArgs<S> {
    /// The values given, with their origins.
    pub fn values(&self) -> &SettingValues {
        &self.values
    }

    /// The same values as the settings of another set, e.g. those given
    /// without a command as `run`'s.
    pub fn into_set<T>(self) -> SettingArgs<T> {
        SettingArgs {
            values: self.values,
            set: PhantomData,
        }
    }

    /// The same values without `id`: for a command that reads one of its
    /// settings itself and loads the configuration from the others.
    pub fn without(&self, id: SettingId) -> Self {
        let mut values = self.values.clone();
        values.remove(id);
        SettingArgs {
            values,
            set: PhantomData,
        }
    }
}

impl<S> std::fmt::Debug for SettingArgs<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.values.fmt(f)
    }
}

impl<S> Clone for SettingArgs<S> {
    fn clone(&self) -> Self {
        SettingArgs {
            values: self.values.clone(),
            set: PhantomData,
        }
    }
}

impl<S> Default for SettingArgs<S> {
    fn default() -> Self {
        SettingArgs {
            values: SettingValues::default(),
            set: PhantomData,
        }
    }
}

/// The clap argument for `id`, from its row alone.
pub fn setting_arg(id: SettingId) -> Arg {
    let def = id.def();
    let help = match def.default.text() {
        Some(default) => format!("{} [default: {default}]", def.help),
        None => def.help.to_owned(),
    };
    let arg = Arg::new(def.long())
        .long(def.long())
        .env(def.env)
        .hide_env_values(true)
        .help(help)
        .value_parser(StringValueParser::new());
    match def.value_name {
        Some(name) => arg.value_name(name).action(ArgAction::Set),
        // A switch: on the command line it stands for `true`; from the
        // variable, the text is kept (and parsed as a boolean later).
        None => arg.action(ArgAction::SetTrue),
    }
}

impl<S: SettingSet> Args for SettingArgs<S> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        S::IDS
            .iter()
            .fold(cmd, |cmd, &id| cmd.arg(S::adjust(id, setting_arg(id))))
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl<S: SettingSet> FromArgMatches for SettingArgs<S> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut values = SettingValues::default();
        for &id in S::IDS {
            let key = id.def().long();
            let source = match matches.value_source(key) {
                Some(ValueSource::CommandLine) => Source::Flag,
                Some(ValueSource::EnvVariable) => Source::Env,
                // Only a switch has a clap default (`false`): not given.
                _ => continue,
            };
            if let Some(value) = matches.get_one::<String>(key) {
                values.set(id, source, value.clone());
            }
        }
        Ok(SettingArgs {
            values,
            set: PhantomData,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

/// `inject [MODE] [--scenario NAME] [--target NAME | --state-file PATH] [--delay SECS] [--for DURATION]`
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").args(["mode", "scenario"]).required(true).multiple(true)))]
pub struct InjectArgs {
    /// crash, slow, config_error or a custom mode (e.g. network_partition);
    /// written under the name of the target's first scenario of that mode.
    /// May be left out with --scenario.
    #[arg(value_name = "MODE")]
    pub mode: Option<String>,
    /// A scenario of the target's catalogue, by name: its mode (MODE, if
    /// given, must be the same), its delay range, and on a Docker target its
    /// fault. An unknown name is an error that lists the target's scenarios.
    #[arg(long, value_name = "NAME")]
    pub scenario: Option<String>,
    /// Target to break (needed when several are configured).
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// Whole seconds of delay (at most 86400). slow: drawn from the target's
    /// slow range when absent; a custom mode: written as given (0 when
    /// absent); crash and config_error: refused (they always write 0).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub delay: Option<u64>,
    /// Keep the failure this long, then clear it (reason `manual`); its
    /// `expires_at` is this far ahead and --recovery is ignored. Without it
    /// the command returns at once and nothing clears the file later: its
    /// `expires_at` (--recovery ahead) ends it for readers that honour it;
    /// others keep failing until `clear`.
    #[arg(long = "for", value_name = "DURATION")]
    pub duration: Option<String>,
    /// The settings `inject` uses.
    #[command(flatten)]
    pub config: SettingArgs<InjectSettings>,
}

/// `clear [--target NAME | --all | --state-file PATH]`
#[derive(Debug, Args)]
pub struct ClearArgs {
    /// Target to clear (not with --all).
    #[arg(long, value_name = "NAME", conflicts_with = "all")]
    pub target: Option<String>,
    /// Clear every configured target (not with --target).
    #[arg(long)]
    pub all: bool,
    /// The settings `clear` uses.
    #[command(flatten)]
    pub config: SettingArgs<ClearSettings>,
}

/// `recover [--targets FILE] [--journal FILE]`
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The settings `recover` uses.
    #[command(flatten)]
    pub config: SettingArgs<RecoverSettings>,
}

/// `status [--json] [--watch [--http ADDR]]`
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// One JSON object per target, one per line.
    #[arg(long, conflicts_with = "watch")]
    pub json: bool,
    /// Keep watching, refreshed every second until Ctrl-C: the running
    /// engine's `GET /status` when --http (or CHAOS_HTTP_ADDR) names its API,
    /// the state files otherwise.
    #[arg(long)]
    pub watch: bool,
    /// The settings `status` uses.
    #[command(flatten)]
    pub config: SettingArgs<StatusSettings>,
}

/// `preview --count N [--seed S] [--target NAME] [--json]`
#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// How many picks per target.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: u64,
    /// Only this target.
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// One JSON object per pick, one per line.
    #[arg(long)]
    pub json: bool,
    /// The settings `preview` uses.
    #[command(flatten)]
    pub config: SettingArgs<PreviewSettings>,
}

/// `report [--journal FILE] [--format text|json|svg|html] [--out FILE]`
#[derive(Debug, Args)]
#[command(after_help = REPORT_AFTER_HELP)]
pub struct ReportArgs {
    /// `--journal FILE` / `CHAOS_JOURNAL`: the audit journal to read.
    #[command(flatten)]
    pub journal: SettingArgs<ReportJournal>,
    /// What to produce.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write the report to this file (replaced whole) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Text: every column at full width, one per figure (the default
    /// table fits 100 columns).
    #[arg(long)]
    pub wide: bool,
    /// Clock times of the text, SVG and HTML reports in this zone: an IANA
    /// name (Europe/Paris), `local` or `UTC`. JSON keeps Unix times (UTC).
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub tz: String,
}

const REPORT_AFTER_HELP: &str =
    "The table counts, per target and scenario, the failures injected and how they
ended: repaired by the target, expired unrepaired at the recovery deadline,
cleared by hand or at shutdown, or open (the journal never says they ended, as
when the engine is killed). The repair rate is the share repaired of those
repaired or expired: cleared and open failures had no fair chance and are left
out. Times to repair (ttr) and to manifest (ttm) are nearest-rank percentiles:
p50, p95 and max are recorded values, never averages. Skipped cycles belong to
no scenario: only total lines count them.

The text table fits 100 columns; --wide spells out every column. Times are
shown in UTC unless --tz names a zone; JSON always has Unix times.

Examples:
  chaos-engine report --journal /var/log/chaos/journal.jsonl
  chaos-engine report --journal journal.jsonl --format json | jq .totals
  chaos-engine report --journal journal.jsonl --format html --out report.html
  chaos-engine report --journal journal.jsonl --wide --tz Europe/Paris";

/// `report`'s one setting, `--journal`, worded for reading.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportJournal;

impl SettingSet for ReportJournal {
    const IDS: &'static [SettingId] = &[SettingId::Journal];

    fn adjust(_id: SettingId, arg: Arg) -> Arg {
        arg.value_name("FILE").help(
            "The audit journal to read (JSON lines, as written by `run --journal`). \
             Malformed lines are skipped with a warning naming FILE:LINE.",
        )
    }
}

/// The output formats of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// An aligned table with notes, for a terminal.
    Text,
    /// One JSON document: rows, per-target and overall totals, every failure.
    Json,
    /// A timeline: one lane per target, one bar per failure.
    Svg,
    /// One self-contained page with the table and the timeline.
    Html,
}

/// `score [--journal FILE] [--format text|json|html] [--responder NAME] [--grace D] [--out FILE]`
#[derive(Debug, Args)]
#[command(after_help = SCORE_AFTER_HELP)]
pub struct ScoreArgs {
    /// `--journal FILE` / `CHAOS_JOURNAL`: the audit journal to read.
    #[command(flatten)]
    pub journal: SettingArgs<ReportJournal>,
    /// What to produce.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ScoreFormat::Text)]
    pub format: ScoreFormat,
    /// Only this responder (a scorecard even when it posted nothing).
    #[arg(long, value_name = "NAME")]
    pub responder: Option<String>,
    /// How long after an incident's end a detection still counts.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = grace)]
    pub grace: std::time::Duration,
    /// Write the scorecard to this file (replaced whole) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

const SCORE_AFTER_HELP: &str =
    "An incident is detected when the responder posted a `detected` finding naming its
target between its injection and its end (healthy again, else ended) plus the
grace. Incidents a probe never saw are scored apart. False positives are
`detected` findings inside no incident window of their target (in a control
window, or with no incident at all). The exact rules: docs/score.md.

Examples:
  chaos-engine score --journal journal.jsonl
  chaos-engine score --journal journal.jsonl --responder agent-1 --format json
  chaos-engine score --journal journal.jsonl --format html --out score.html --grace 10s";

/// `--grace`: a duration as everywhere else (0 allowed).
fn grace(text: &str) -> Result<std::time::Duration, String> {
    crate::config::duration::parse_duration(text)
}

/// The output formats of `score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScoreFormat {
    /// Per responder, a table of incidents and the figures, for a terminal.
    Text,
    /// One JSON document: incidents, control windows, every responder.
    Json,
    /// One self-contained page.
    Html,
}

/// `labels [--journal FILE] --format csv|jsonl [--out FILE]`
#[derive(Debug, Args)]
pub struct LabelsArgs {
    /// `--journal FILE` / `CHAOS_JOURNAL`: the audit journal to read.
    #[command(flatten)]
    pub journal: SettingArgs<ReportJournal>,
    /// CSV with a header line, or one JSON object per line.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = LabelsFormat::Csv)]
    pub format: LabelsFormat,
    /// Write the labels to this file (replaced whole) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The output formats of `labels`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LabelsFormat {
    /// `target,kind,start,end,incident_id,scenario,mode,category`.
    Csv,
    /// The same fields, one JSON object per line.
    Jsonl,
}

/// `demo [--duration D] [--report FILE] [--seed N]`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How long the demo runs before it stops by itself (Ctrl-C stops it sooner).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = demo_duration)]
    pub duration: std::time::Duration,
    /// Where the HTML report of the run is written (replaced whole).
    #[arg(long, value_name = "FILE", default_value = "chaos-demo-report.html")]
    pub report: PathBuf,
    /// Seeds the engine's picks; the default shows every failure mode on
    /// both targets within about 20 seconds.
    #[arg(long, value_name = "N", default_value_t = crate::demo::DEFAULT_SEED)]
    pub seed: u64,
}

/// `--duration`: a duration as everywhere else, at least one second.
fn demo_duration(text: &str) -> Result<std::time::Duration, String> {
    let duration = crate::config::duration::parse_duration(text)?;
    if duration < std::time::Duration::from_secs(1) {
        return Err(format!("`{text}` is too short: the demo needs at least 1s"));
    }
    Ok(duration)
}

/// `healthcheck [--http ADDR] [--timeout SECS]`
#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// `--http ADDR` / `CHAOS_HTTP_ADDR`: the API to probe.
    #[command(flatten)]
    pub http: SettingArgs<HealthcheckHttp>,
    /// Give up after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3)]
    pub timeout: u64,
}

/// `healthcheck`'s setting, `--http`, worded for probing.
#[derive(Debug, Clone, Copy, Default)]
pub struct HealthcheckHttp;

impl SettingSet for HealthcheckHttp {
    const IDS: &'static [SettingId] = &[SettingId::Http];

    fn adjust(_id: SettingId, arg: Arg) -> Arg {
        arg.help("The API address (a wildcard such as 0.0.0.0 is probed on loopback).")
    }
}

#[cfg(test)]
mod documented_commands;

#[cfg(test)]
mod tests {
    //! The command line's side of origin tracking, through clap itself:
    //! these tests set the settings' variables in the process environment,
    //! one test at a time (see [`with_env`]).

    use std::sync::Mutex;

    use clap::CommandFactory;

    use super::*;
    use crate::config::{self, ConfigInputs, Origin, Sourced};

    /// Serialises the tests that change the process environment.
    static ENV: Mutex<()> = Mutex::new(());

    /// Runs `f` with exactly `vars` set among the settings' variables (the
    /// others removed, whatever the shell running the tests has), then
    /// restores them.
    fn with_env<T>(vars: &[(SettingId, &str)], f: impl FnOnce() -> T) -> T {
        let _guard = ENV.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let saved: Vec<_> = SettingId::ALL
            .iter()
            .map(|id| (id.def().env, std::env::var_os(id.def().env)))
            .collect();
        for (name, _) in &saved {
            std::env::remove_var(name);
        }
        for (id, value) in vars {
            std::env::set_var(id.def().env, value);
        }
        let result = f();
        for (name, value) in saved {
            match value {
                Some(value) => std::env::set_var(name, value),
                None => std::env::remove_var(name),
            }
        }
        result
    }

    /// The settings `chaos-engine ARGS` hands to the configuration.
    fn parse(args: &[&str], vars: &[(SettingId, &str)]) -> SettingValues {
        with_env(vars, || {
            let cli =
                Cli::try_parse_from(std::iter::once("chaos-engine").chain(args.iter().copied()))
                    .unwrap();
            match cli.command {
                None => cli.run.values().clone(),
                Some(Command::Run(a) | Command::Validate(a)) => a.values().clone(),
                Some(Command::Inject(a)) => a.config.values().clone(),
                Some(Command::Clear(a)) => a.config.values().clone(),
                Some(Command::Recover(a)) => a.config.values().clone(),
                Some(Command::Status(a)) => a.config.values().clone(),
                Some(Command::Preview(a)) => a.config.values().clone(),
                Some(Command::Report(a)) => a.journal.values().clone(),
                Some(Command::Score(a)) => a.journal.values().clone(),
                Some(Command::Labels(a)) => a.journal.values().clone(),
                Some(Command::Healthcheck(a)) => a.http.values().clone(),
                Some(Command::McpConfig(a)) => a.http.values().clone(),
                Some(Command::Demo(_) | Command::DemoTarget(_)) => SettingValues::default(),
            }
        })
    }

    fn sourced(value: &str, origin: Origin) -> Option<Sourced<String>> {
        Some(Sourced {
            value: value.to_owned(),
            origin,
        })
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flag_beats_variable_beats_nothing() {
        let env = [(SettingId::Interval, "50"), (SettingId::Recovery, "5")];
        let values = parse(&["validate", "--recovery", "2"], &env);
        assert_eq!(
            values.get(SettingId::Recovery),
            sourced("2", Origin::Flag("--recovery")),
            "flag beats variable"
        );
        assert_eq!(
            values.get(SettingId::Interval),
            sourced("50", Origin::Env("CHAOS_INTERVAL")),
            "variable when no flag"
        );
        assert_eq!(
            values.get(SettingId::StartupWait),
            None,
            "neither: the targets file or the built-in default decides"
        );
    }

    #[test]
    fn every_setting_reaches_the_configuration_from_its_flag_and_its_variable() {
        // What the old string match on flag names got wrong silently (a
        // misspelt name returned nothing): now each setting's flag and
        // variable come from its one row, for every command that takes it.
        for &id in SettingId::ALL {
            let def = id.def();
            let mut args = vec!["validate", def.flag];
            let expected = match def.value_name {
                Some(_) => {
                    args.push("some value");
                    "some value"
                }
                None => "true",
            };
            assert_eq!(
                parse(&args, &[]).raw(id),
                sourced(expected, Origin::Flag(def.flag)),
                "{id:?}"
            );
            assert_eq!(
                parse(&["validate"], &[(id, "from env")]).raw(id),
                sourced("from env", Origin::Env(def.env)),
                "{id:?}"
            );
            assert_eq!(parse(&["validate"], &[]).raw(id), None, "{id:?}");
        }
    }

    /// Each command's arguments before any setting, and the settings it takes.
    const COMMANDS: &[(&[&str], &[SettingId])] = &[
        (&["run"], SettingId::ALL),
        (&["validate"], SettingId::ALL),
        (&["inject", "crash"], InjectSettings::IDS),
        (&["clear"], ClearSettings::IDS),
        (&["recover"], RecoverSettings::IDS),
        (&["status"], StatusSettings::IDS),
        (&["preview"], PreviewSettings::IDS),
        (&["report"], ReportJournal::IDS),
        (&["score"], ReportJournal::IDS),
        (&["labels"], ReportJournal::IDS),
        (&["healthcheck"], HealthcheckHttp::IDS),
        (&["mcp-config"], mcp_config_args::McpConfigHttp::IDS),
    ];

    #[test]
    fn a_command_reads_its_settings_and_refuses_or_ignores_the_others() {
        for &(command, taken) in COMMANDS {
            for &id in SettingId::ALL {
                let def = id.def();
                let mut args = command.to_vec();
                args.push(def.flag);
                if def.value_name.is_some() {
                    args.push("1");
                }
                let from_env = [(id, "not read")];
                if taken.contains(&id) {
                    assert!(parse(&args, &[]).raw(id).is_some(), "{command:?} {id:?}");
                    assert!(
                        parse(command, &from_env).raw(id).is_some(),
                        "{command:?} {id:?}"
                    );
                } else {
                    // An unknown flag is a usage error; the variable of a
                    // setting the command does not take is not read at all.
                    assert!(clap_rejects(&args), "{command:?} accepts {}", def.flag);
                    assert_eq!(parse(command, &from_env), SettingValues::default());
                }
            }
        }
    }

    #[test]
    fn without_a_command_the_settings_are_run_s() {
        let values = parse(&["--seed", "7"], &[(SettingId::Jitter, "0.1")]);
        assert_eq!(
            values.get(SettingId::Seed),
            sourced("7", Origin::Flag("--seed"))
        );
        assert_eq!(
            values.get(SettingId::Jitter),
            sourced("0.1", Origin::Env("CHAOS_JITTER"))
        );
        // A variable of a top-level setting does not stop a command.
        let values = parse(&["preview", "--count", "2"], &[(SettingId::Seed, "9")]);
        assert_eq!(
            values.get(SettingId::Seed),
            sourced("9", Origin::Env("CHAOS_SEED"))
        );
    }

    #[test]
    fn the_top_level_help_lists_the_commands_and_leaves_the_settings_to_run() {
        let mut command = Cli::command();
        let help = command.render_long_help().to_string();
        for sub in command.get_subcommands().filter(|c| !c.is_hide_set()) {
            assert!(
                help.contains(&format!("\n  {} ", sub.get_name())),
                "{} missing: {help}",
                sub.get_name()
            );
        }
        // No option line of a setting (the text may name one in passing).
        let options: Vec<&str> = help
            .lines()
            .map(str::trim_start)
            .filter(|line| line.starts_with('-'))
            .collect();
        assert_eq!(options.len(), 2, "{options:?}");
        for id in SettingId::ALL {
            assert!(
                options.iter().all(|line| !line.contains(id.def().flag)),
                "{id:?} shown: {help}"
            );
        }
        assert!(help.contains("chaos-engine run --help"), "{help}");
        assert!(
            help.lines().count() < 60,
            "{} lines: {help}",
            help.lines().count()
        );
        // Hidden, not gone: the flags still reach `run` without a command.
        assert!(!clap_rejects(&["--interval", "5m", "--dry-run"]));
    }

    #[test]
    fn the_dry_run_switch_and_its_variable() {
        let values = parse(&["run", "--dry-run"], &[(SettingId::DryRun, "maybe")]);
        assert_eq!(
            values.get(SettingId::DryRun),
            sourced("true", Origin::Flag("--dry-run"))
        );
        // clap keeps the variable's text: the configuration judges it.
        let values = parse(&["run"], &[(SettingId::DryRun, "maybe")]);
        assert_eq!(
            values.get(SettingId::DryRun),
            sourced("maybe", Origin::Env("CHAOS_DRY_RUN"))
        );
        assert!(clap_rejects(&["run", "--dry-run=true"]));
    }

    fn clap_rejects(args: &[&str]) -> bool {
        with_env(&[], || {
            Cli::try_parse_from(std::iter::once("chaos-engine").chain(args.iter().copied()))
                .is_err()
        })
    }

    #[test]
    fn blank_variables_reach_the_configuration_as_given() {
        let values = parse(
            &["validate"],
            &[(SettingId::Enabled, ""), (SettingId::Interval, "  ")],
        );
        assert_eq!(
            values.raw(SettingId::Enabled),
            sourced("", Origin::Env("CHAOS_ENABLED"))
        );
        assert_eq!(values.get(SettingId::Interval), None, "blank is unset");
    }

    #[test]
    fn invalid_variables_get_the_project_s_message_not_clap_s() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("s.json");
        let state = state.to_str().unwrap();
        for (id, value, expected) in [
            (
                SettingId::Interval,
                "often",
                "CHAOS_INTERVAL: invalid duration `often`",
            ),
            (
                SettingId::Enabled,
                "maybe",
                "CHAOS_ENABLED: expected true/false",
            ),
            (SettingId::DryRun, "", "CHAOS_DRY_RUN: expected true/false"),
            (
                SettingId::DryRun,
                "maybe",
                "CHAOS_DRY_RUN: expected true/false",
            ),
            (
                SettingId::Seed,
                "-1",
                "CHAOS_SEED: seed must be a whole number",
            ),
            (
                SettingId::Jitter,
                "lots",
                "CHAOS_JITTER: expected a fraction",
            ),
        ] {
            let values = parse(&["validate"], &[(id, value), (SettingId::StateFile, state)]);
            let err = config::load(&ConfigInputs {
                flags: values,
                ..ConfigInputs::default()
            })
            .unwrap_err()
            .to_string();
            assert!(err.starts_with(expected), "{id:?}: {err}");
        }
    }

    #[test]
    fn help_shows_each_variable_from_clap_without_its_value() {
        let help = with_env(&[(SettingId::Interval, "secret-ish")], || {
            Cli::command()
                .find_subcommand_mut("run")
                .expect("the run command")
                .render_help()
                .to_string()
        });
        for id in SettingId::ALL {
            assert!(help.contains(id.def().flag), "{id:?}");
        }
        assert!(help.contains("[env: CHAOS_INTERVAL]"), "{help}");
        assert!(help.contains("[default: 180s]"), "{help}");
        assert!(!help.contains("secret-ish"), "{help}");
    }
}
