//! `chaos-engine run`: the daemon.
//!
//! Loads the configuration (exit 2 on any error, before a file is touched),
//! prints the banner, starts the HTTP API if asked (exit 1 if it cannot
//! listen, still before a file is touched), starts the actor system and
//! waits for signals: SIGHUP reloads the configuration; SIGTERM or SIGINT
//! drains: every target is written healthy, and the process exits 0 (1 if a
//! target could not be cleared). A second signal during the drain exits at
//! once with code 1.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use std::time::Duration;

use std::sync::Arc;

use actix::{AsyncContext, Context, System};
use tokio::signal::unix::{signal, Signal, SignalKind};
use tracing::{error, info, warn, Level};

use crate::actors::{Drain, Reload, Supervisor};
use crate::api::{self, ApiState, ControlAccess};
use crate::cli::{ConfigArgs, EXIT_FAILURE};
use crate::clock::format_duration;
use crate::clock::system_clock;
use crate::config::{ConfigInputs, Settings};
use crate::journal::{JournalEvent, Note};
use crate::logging;
use crate::picker::random_seed;
use crate::registry::EngineBackends;
use crate::render::colours::configured_names;
use crate::telemetry::Telemetry;

/// Upper bound on the shutdown drain of state-file targets: under Docker's
/// default 10 s grace period. One target takes milliseconds, 10,000 on a
/// real disk well under a second. Docker targets get [`drain_budget`].
const DRAIN_TIMEOUT: Duration = Duration::from_secs(8);

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
    let inputs = ConfigInputs::from_process(args.values().clone());
    let settings = match super::load_settings_without_selector(args, super::Access::Writes) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    logging::init(settings.log_format);
    let seed = settings.seed.unwrap_or_else(random_seed);
    print_banner(&settings, seed);
    log_warnings(&settings);

    let code = system.block_on(run_until_signal(settings, inputs, seed, signals));
    info!("Goodbye");
    code
}

/// The SIGTERM, SIGINT and SIGHUP streams. Installed before anything else;
/// a signal received from then on is remembered until asked for.
struct ShutdownSignals {
    terminate: Signal,
    interrupt: Signal,
    hangup: Signal,
    // SIGUSR1, SIGUSR2 and SIGALRM, whose default action would end the
    // process with its failures still in place: caught and ignored.
    user1: Signal,
    user2: Signal,
    alarm: Signal,
}

/// What a signal asks for.
enum SignalRequest {
    /// SIGTERM or SIGINT (named).
    Shutdown(&'static str),
    /// SIGHUP.
    Reload,
    /// A signal that asks for nothing here (named).
    Ignored(&'static str),
}

impl ShutdownSignals {
    fn install() -> std::io::Result<Self> {
        Ok(ShutdownSignals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
            hangup: signal(SignalKind::hangup())?,
            user1: signal(SignalKind::user_defined1())?,
            user2: signal(SignalKind::user_defined2())?,
            alarm: signal(SignalKind::alarm())?,
        })
    }

    async fn next(&mut self) -> SignalRequest {
        tokio::select! {
            _ = self.terminate.recv() => SignalRequest::Shutdown("SIGTERM"),
            _ = self.interrupt.recv() => SignalRequest::Shutdown("SIGINT"),
            _ = self.hangup.recv() => SignalRequest::Reload,
            _ = self.user1.recv() => SignalRequest::Ignored("SIGUSR1"),
            _ = self.user2.recv() => SignalRequest::Ignored("SIGUSR2"),
            _ = self.alarm.recv() => SignalRequest::Ignored("SIGALRM"),
        }
    }

    async fn next_shutdown(&mut self) -> &'static str {
        loop {
            if let SignalRequest::Shutdown(name) = self.next().await {
                return name;
            }
        }
    }
}

/// How long the shutdown drain may take: [`DRAIN_TIMEOUT`], or the longest
/// time undoing a target's failure may take (its backend's `undo_time`: on
/// a Docker target, the longest `stop` grace, as a stop under way is waited
/// out and then undone, plus the Engine's undo time), whichever is longer.
pub fn drain_budget(settings: &Settings) -> Duration {
    settings
        .targets
        .iter()
        .filter_map(|target| crate::registry::one_shot(target).undo_time())
        .fold(DRAIN_TIMEOUT, Duration::max)
}

/// Removes what writers killed mid-write (an engine, `inject`, `clear`)
/// left beside the state files: one directory listing per directory,
/// before the targets' startup clears.
fn remove_stale_temporaries(settings: &Settings) {
    let mut by_dir: BTreeMap<&Path, HashSet<OsString>> = BTreeMap::new();
    for path in settings.targets.iter().filter_map(|t| t.state_file()) {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        if let Some(name) = path.file_name() {
            by_dir.entry(dir).or_default().insert(name.to_owned());
        }
    }
    for (dir, names) in by_dir {
        match chaos_state::remove_stale_temporaries(dir, &names) {
            Ok(0) => {}
            Ok(removed) => info!(
                dir = %dir.display(),
                removed,
                "Removed {removed} temporary file(s) left in {} by an interrupted write",
                dir.display()
            ),
            Err(err) => {
                warn!(dir = %dir.display(), error = %err, "cannot list {} for leftover temporary files", dir.display())
            }
        }
    }
}

async fn run_until_signal(
    settings: Settings,
    inputs: ConfigInputs,
    seed: u64,
    mut signals: ShutdownSignals,
) -> ExitCode {
    let journal = super::journal_for(&settings);
    let telemetry = Arc::new(Telemetry::new(system_clock(), journal));
    let context = Context::<Supervisor>::new();
    let supervisor = context.address();
    let server = match &settings.http {
        Some(addr) => {
            let state = ApiState {
                supervisor: supervisor.clone(),
                telemetry: telemetry.clone(),
                enabled: settings.enabled,
                dry_run: settings.dry_run,
                seed,
                access: ControlAccess::decide(*addr, settings.api_token.as_deref()),
                agent_token: settings.agent_token.clone(),
                blind: settings.blind,
                findings_rate: settings.findings_rate,
            };
            match api::bind(*addr, state) {
                Ok((server, bound)) => {
                    info!(addr = %bound, "HTTP API listening on http://{bound}");
                    if let ControlAccess::Refused(_) =
                        ControlAccess::decide(*addr, settings.api_token.as_deref())
                    {
                        warn!(addr = %bound, "No CHAOS_API_TOKEN on a non-loopback address: control endpoints (POST) answer 403");
                    }
                    if settings.blind {
                        info!("Blind mode: /status, /timeline and /metrics need CHAOS_API_TOKEN; CHAOS_AGENT_TOKEN may only POST and GET /findings");
                    }
                    let handle = server.handle();
                    actix::spawn(server);
                    Some(handle)
                }
                Err(err) => {
                    error!(addr = %addr, error = %err, "cannot listen for the HTTP API; nothing was written");
                    return ExitCode::from(EXIT_FAILURE);
                }
            }
        }
        None => None,
    };
    remove_stale_temporaries(&settings);
    let backends = Arc::new(EngineBackends::new(settings.ledger_dir.clone()));
    backends.recover_at_start(&settings, &telemetry).await;
    let scenarios = configured_names(
        settings
            .targets
            .iter()
            .map(|t| t.catalogue.scenarios().iter().map(|s| s.name.as_str())),
    );
    telemetry.engine_started(seed, settings.targets.len(), scenarios);
    let budget = drain_budget(&settings);
    context.run(
        Supervisor::new(settings, Some(inputs), seed, telemetry.clone())
            .with_backends(Arc::clone(&backends)),
    );

    let received = loop {
        match signals.next().await {
            SignalRequest::Shutdown(name) => break name,
            SignalRequest::Reload => {
                info!(
                    signal = "SIGHUP",
                    "Received SIGHUP: reloading the configuration"
                );
                // The outcome is logged and journalled by the supervisor.
                let _ = supervisor.send(Reload).await;
            }
            SignalRequest::Ignored(name) => {
                warn!(
                    signal = name,
                    "Received {name}: ignored (SIGTERM or SIGINT stops the engine, SIGHUP reloads)"
                );
            }
        }
    };
    telemetry.begin_shutdown();
    info!(
        signal = received,
        budget_s = budget.as_secs(),
        "Received {received}: clearing every target before exit (within {}s)",
        budget.as_secs()
    );
    actix::spawn(async move {
        let again = signals.next_shutdown().await;
        eprintln!(
            "Received {again} during the shutdown drain: exiting now, without waiting for it"
        );
        std::process::exit(i32::from(EXIT_FAILURE));
    });

    let report = tokio::time::timeout(budget, supervisor.send(Drain)).await;
    if let Some(server) = server {
        let _ = tokio::time::timeout(Duration::from_secs(1), server.stop(false)).await;
    }
    telemetry.record(JournalEvent::EngineStopped(Note {
        detail: Some(received.to_owned()),
    }));
    System::current().stop();
    let left = backends.close_at_exit();
    match report {
        _ if left => ExitCode::from(EXIT_FAILURE),
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
            warn!(timeout_secs = budget.as_secs(), "drain timed out");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// Logs each configuration warning (a drop-in value of the original
/// service that runs with a caveat, an empty `CHAOS_ENABLED`) as a warning
/// line naming where it was set.
pub fn log_warnings(settings: &Settings) {
    for warning in &settings.warnings {
        warn!(setting = %warning.origin, "{warning}");
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
    // The seed is what replays a run: it is printed at any log level that
    // shows anything at all (with `RUST_LOG=warn` the banner is hidden).
    if tracing::enabled!(Level::INFO) {
        info!(seed, "Seed: {seed}{seed_note}");
    } else if tracing::enabled!(Level::WARN) {
        warn!(seed, "Seed: {seed}{seed_note}");
    } else {
        error!(seed, "Seed: {seed}{seed_note}");
    }
    info!(
        "Safety floor (min_interval): {}",
        format_duration(settings.min_interval)
    );
    for target in &settings.targets {
        // The log field is named by the configuration key (`state_file`,
        // `docker`): tracing's field names are fixed at compile time.
        let location = crate::registry::one_shot(target).location();
        let named = |key: &str| (location.key == key).then_some(location.value.as_str());
        let (state_file, docker) = (named("state_file"), named("docker"));
        let kind = &location;
        info!(
            target = %target.name,
            state_file,
            docker,
            "Target {}: {kind}, interval {}, recovery {}, startup wait {}; scenarios {}",
            target.name,
            format_duration(target.interval),
            format_duration(target.recovery),
            format_duration(target.startup_wait),
            target.catalogue.describe_probabilities()
        );
    }
    if let Some(journal) = &settings.journal {
        info!(
            "Journal: {}",
            super::describe_journal(journal, settings.journal_max)
        );
    }
    if settings.http.is_some() {
        info!(
            "Findings limit (POST /findings): {}",
            super::describe_findings_rate(settings.findings_rate)
        );
    }
    info!("{rule}");
}
