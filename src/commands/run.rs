//! `chaos-engine run`: the daemon.
//!
//! Loads the configuration (exit 2 on any error, before a file is touched),
//! prints the banner, starts the actor system and waits for SIGTERM or
//! SIGINT. Then it drains: every target is written healthy, and the process
//! exits 0 (1 if a target could not be cleared). A second signal during the
//! drain exits at once with code 1.

use std::process::ExitCode;

use std::time::Duration;

use actix::{Actor, System};
use tokio::signal::unix::{signal, Signal, SignalKind};
use tracing::{error, info, warn};

use crate::actors::{Drain, Supervisor};
use crate::cli::{ConfigArgs, EXIT_FAILURE};
use crate::clock::system_clock;
use crate::config::duration::format_duration;
use crate::config::Settings;
use crate::logging;
use crate::picker::random_seed;

/// Upper bound on the shutdown drain; writes take milliseconds.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs the daemon until a signal; returns the exit code.
pub fn execute(args: &ConfigArgs) -> ExitCode {
    // Signal handlers come first, before the configuration is even read, so
    // a SIGTERM that arrives while the engine starts is held, not fatal.
    let system = System::new();
    let signals = match system.block_on(async { ShutdownSignals::install() }) {
        Ok(signals) => signals,
        Err(err) => {
            eprintln!("error: cannot install signal handlers: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let settings = match super::load_settings_without_selector(args, super::Access::Writes) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    logging::init(settings.log_format);
    let seed = settings.seed.unwrap_or_else(random_seed);
    print_banner(&settings, seed);

    let code = system.block_on(run_until_signal(settings, seed, signals));
    info!("Goodbye");
    code
}

/// The SIGTERM and SIGINT streams. Installed before anything else; a signal
/// received from then on is remembered until [`ShutdownSignals::next`] asks.
struct ShutdownSignals {
    terminate: Signal,
    interrupt: Signal,
}

impl ShutdownSignals {
    fn install() -> std::io::Result<Self> {
        Ok(ShutdownSignals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }
}

async fn run_until_signal(settings: Settings, seed: u64, mut signals: ShutdownSignals) -> ExitCode {
    let supervisor = Supervisor::new(settings, seed, system_clock()).start();

    let received = signals.next().await;
    info!(
        signal = received,
        "Received {received}: clearing every target before exit"
    );
    actix::spawn(async move {
        let again = signals.next().await;
        eprintln!("Received {again} again: exiting now without waiting for the drain");
        std::process::exit(i32::from(EXIT_FAILURE));
    });

    let report = tokio::time::timeout(DRAIN_TIMEOUT, supervisor.send(Drain)).await;
    System::current().stop();
    match report {
        Ok(Ok(report)) if report.failed.is_empty() => {
            info!(cleared = report.cleared, "Every target cleared");
            ExitCode::SUCCESS
        }
        Ok(Ok(report)) => {
            for failure in &report.failed {
                error!(error = %failure, "target left uncleared at shutdown");
            }
            ExitCode::from(EXIT_FAILURE)
        }
        Ok(Err(err)) => {
            error!(error = %err, "the supervisor did not answer the drain");
            ExitCode::from(EXIT_FAILURE)
        }
        Err(_) => {
            warn!(timeout_secs = DRAIN_TIMEOUT.as_secs(), "drain timed out");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn print_banner(settings: &Settings, seed: u64) {
    let rule = "=".repeat(60);
    info!("{rule}");
    info!("🌪️  Chaos Engine Starting");
    info!("{rule}");
    info!("Chaos enabled: {}", settings.enabled);
    if settings.dry_run {
        info!("Dry run: failures are logged, never written");
    }
    match &settings.targets_file {
        Some(path) => info!("Targets file: {}", path.display()),
        None => info!("Targets file: none (single target)"),
    }
    let seed_note = if settings.seed.is_some() {
        ""
    } else {
        " (random; pass --seed to replay)"
    };
    info!(seed, "Seed: {seed}{seed_note}");
    info!(
        "Safety floor (min_interval): {}",
        format_duration(settings.min_interval)
    );
    for target in &settings.targets {
        info!(
            target = %target.name,
            state_file = %target.state_file.display(),
            "Target {}: state file {}, interval {}, recovery {}, startup wait {}; scenarios {}",
            target.name,
            target.state_file.display(),
            format_duration(target.interval),
            format_duration(target.recovery),
            format_duration(target.startup_wait),
            target.catalogue.describe_probabilities()
        );
    }
    info!("{rule}");
}
