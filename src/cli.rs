//! The command line: flag definitions (clap) and dispatch to [`crate::commands`].
//!
//! Raw flags stay here; turning them into validated settings is
//! [`crate::config`]'s job. Exit codes: 0 success, 2 bad usage or bad
//! configuration, 1 any other failure.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands;
use crate::config::FlagValues;

/// Exit code for bad usage or bad configuration.
pub const EXIT_USAGE: u8 = 2;
/// Exit code for any other failure.
pub const EXIT_FAILURE: u8 = 1;

const ABOUT: &str = "Injects scheduled, weighted failures into target services and recovers them.

Each target app reads a small JSON state file on every request and acts out the
mode it finds there: crash, slow, config_error or a custom mode. chaos-engine
writes those files: it waits for the targets to settle, picks a weighted
scenario, writes it, clears it after the recovery period and repeats every
interval. On SIGTERM or SIGINT it writes every target healthy and exits.

With no configuration it runs one target, target-app, on /tmp/failure_state.json.
Give --targets targets.yaml for several targets.";

const AFTER_HELP: &str = "Examples:
  chaos-engine                                   run with the built-in defaults
  chaos-engine run --targets targets.yaml        run several targets
  chaos-engine preview --count 5 --seed 42       the next 5 picks per target
  chaos-engine inject slow --delay 5 --for 30s   one slowdown now, cleared after 30s
  chaos-engine clear --all                       every target healthy now
  chaos-engine status                            what each target is acting out
  chaos-engine run --http 127.0.0.1:9797         with the HTTP API (status, metrics, pause, inject)
  chaos-engine report --journal j.jsonl --format html --out report.html
                                                 how failures were repaired: table and timeline

Every setting can also come from an environment variable (shown as [env: ...]).";

/// The `chaos-engine` command line.
#[derive(Debug, Parser)]
#[command(name = "chaos-engine", version, about = ABOUT, after_help = AFTER_HELP)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do; without one, `run`.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Settings for `run` when no command is given.
    #[command(flatten)]
    pub run: ConfigArgs,
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
    /// Show what each target's state file says now.
    Status(StatusArgs),
    /// Check the configuration and print the effective settings.
    Validate(ConfigArgs),
    /// Show the next picks per target for a seed, without writing anything.
    Preview(PreviewArgs),
    /// Report how failures were repaired, from the audit journal: a table
    /// (text or JSON), an SVG timeline or an HTML page with both.
    Report(ReportArgs),
    /// Probe the running engine's HTTP API (GET /healthz) for container
    /// health checks: exit 0 healthy, 1 not answering, 2 no address given.
    Healthcheck(HealthcheckArgs),
}

/// Settings every configuration-reading command takes.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// Targets file (YAML). Without one: a single target, target-app. [env: CHAOS_TARGETS_FILE]
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// State file of the single target; with --targets, inject and clear use
    /// it to choose a target. [default: /tmp/failure_state.json] [env: FAILURE_STATE_FILE]
    #[arg(long, value_name = "PATH")]
    pub state_file: Option<PathBuf>,
    /// Time between injections, start to start: 180, 0.5, 250ms, 3m, 1h 30m. [default: 180s] [env: CHAOS_INTERVAL]
    #[arg(long, value_name = "DURATION")]
    pub interval: Option<String>,
    /// How long a failure lasts before it is cleared; shorter than the interval. [default: 30s] [env: CHAOS_RECOVERY_PERIOD]
    #[arg(long, value_name = "DURATION")]
    pub recovery: Option<String>,
    /// Wait before the first injection. [default: 60s] [env: CHAOS_STARTUP_WAIT]
    #[arg(long, value_name = "DURATION")]
    pub startup_wait: Option<String>,
    /// Safety floor: an interval below it is an error; 0 turns it off. [default: 60s] [env: CHAOS_MIN_INTERVAL]
    #[arg(long, value_name = "DURATION")]
    pub min_interval: Option<String>,
    /// true/false, 1/0, yes/no. False writes targets healthy and never injects. [default: true] [env: CHAOS_ENABLED]
    #[arg(long, value_name = "BOOL")]
    pub enabled: Option<String>,
    /// Seed for reproducible picks (u64); random and logged when absent. [env: CHAOS_SEED]
    #[arg(long, value_name = "SEED")]
    pub seed: Option<String>,
    /// Log what would be injected; write nothing but healthy. [env: CHAOS_DRY_RUN]
    #[arg(long)]
    pub dry_run: bool,
    /// `text` or `json` (one JSON object per line). [default: text] [env: CHAOS_LOG_FORMAT]
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Serve the HTTP control API on this address, e.g. 127.0.0.1:9797 (off
    /// when absent). POSTs need `Authorization: Bearer $CHAOS_API_TOKEN` when
    /// that variable is set, and are refused on a non-loopback address
    /// without it. [env: CHAOS_HTTP_ADDR]
    #[arg(long, value_name = "ADDR")]
    pub http: Option<String>,
    /// Append one JSON line per event (injected, cleared, paused, ...) to
    /// this file. [env: CHAOS_JOURNAL]
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// At most this many failures active at once across all targets; a
    /// target whose turn comes at the cap skips (or waits, with
    /// `policy.when_capped: wait` in the targets file).
    /// [env: CHAOS_MAX_CONCURRENT_FAILURES]
    #[arg(long, value_name = "N")]
    pub max_concurrent_failures: Option<String>,
    /// Lengthen each interval by a random fraction from 0 to this (0 to 1,
    /// e.g. 0.2; drawn from the seed). [env: CHAOS_JITTER]
    #[arg(long, value_name = "FRACTION")]
    pub jitter: Option<String>,
}

impl ConfigArgs {
    /// The raw values for [`crate::config::load`]. Environment variables are
    /// read there, not by clap, so an error can name the variable.
    pub fn flag_values(&self) -> FlagValues {
        FlagValues {
            targets: self.targets.clone(),
            state_file: self.state_file.clone(),
            interval: self.interval.clone(),
            recovery: self.recovery.clone(),
            startup_wait: self.startup_wait.clone(),
            min_interval: self.min_interval.clone(),
            enabled: self.enabled.clone(),
            seed: self.seed.clone(),
            dry_run: self.dry_run,
            log_format: self.log_format.clone(),
            http: self.http.clone(),
            journal: self.journal.clone(),
            max_concurrent_failures: self.max_concurrent_failures.clone(),
            jitter: self.jitter.clone(),
        }
    }
}

/// `inject MODE [--target NAME | --state-file PATH] [--delay SECS] [--for DURATION]`
#[derive(Debug, Args)]
pub struct InjectArgs {
    /// crash, slow, config_error or a custom mode (e.g. network_partition).
    #[arg(value_name = "MODE")]
    pub mode: String,
    /// Target to break (needed when several are configured).
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// Whole seconds of delay (at most 86400). For slow, drawn from the scenario's range when absent.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub delay: Option<u64>,
    /// Keep the failure this long, then clear it (reason `manual`). Without
    /// it the command returns at once and nothing clears the file later: its
    /// `expires_at` (the recovery period ahead) ends it for readers that
    /// honour it; others keep failing until `clear`.
    #[arg(long = "for", value_name = "DURATION")]
    pub duration: Option<String>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// `clear [--target NAME | --all | --state-file PATH]`
#[derive(Debug, Args)]
pub struct ClearArgs {
    /// Target to clear.
    #[arg(long, value_name = "NAME", conflicts_with = "all")]
    pub target: Option<String>,
    /// Clear every configured target.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// `status [--json]`
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// One JSON object per target, one per line.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
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
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// `report [--journal FILE] [--format text|json|svg|html] [--out FILE]`
#[derive(Debug, Args)]
#[command(after_help = REPORT_AFTER_HELP)]
pub struct ReportArgs {
    /// The audit journal to read (JSON lines, as written by `run --journal`).
    /// Malformed lines are skipped with a warning naming FILE:LINE. [env: CHAOS_JOURNAL]
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// What to produce.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write the report to this file (replaced whole) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

const REPORT_AFTER_HELP: &str =
    "Columns: injections = repaired + expired + cleared + open. repaired: the target
repaired it; expired: the recovery deadline ended it unrepaired; cleared: ended by
hand or by shutdown; open: no end in the journal (engine killed). repair rate =
repaired / (repaired + expired): cleared and open failures are left out, they had
no fair chance. ttr = time to repair, ttm = time to manifest; p50/p95 are
nearest-rank percentiles. Skipped cycles have no scenario: they are counted on
the per-target and overall rows.

Examples:
  chaos-engine report --journal /var/log/chaos/journal.jsonl
  chaos-engine report --journal journal.jsonl --format json | jq .totals
  chaos-engine report --journal journal.jsonl --format html --out report.html";

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

/// `healthcheck [--http ADDR] [--timeout SECS]`
#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// The API address (a wildcard such as 0.0.0.0 is probed on loopback). [env: CHAOS_HTTP_ADDR]
    #[arg(long, value_name = "ADDR")]
    pub http: Option<String>,
    /// Give up after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3)]
    pub timeout: u64,
}

/// Parses the process arguments and runs the command; returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => commands::run::execute(&cli.run),
        Some(Command::Run(args)) => commands::run::execute(&args),
        Some(Command::Inject(args)) => commands::inject::execute(&args),
        Some(Command::Clear(args)) => commands::clear::execute(&args),
        Some(Command::Status(args)) => commands::status::execute(&args),
        Some(Command::Validate(args)) => commands::validate::execute(&args),
        Some(Command::Preview(args)) => commands::preview::execute(&args),
        Some(Command::Report(args)) => commands::report::execute(&args),
        Some(Command::Healthcheck(args)) => commands::healthcheck::execute(&args),
    }
}
