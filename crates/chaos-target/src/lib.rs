//! chaos-target: the reference target service for chaos-engine.
//!
//! A small HTTP API (orders and products, kept in memory) that behaves like
//! the target apps the engine is meant for: a middleware reads the state
//! file on every request, through `chaos_state::CachedReader`, and acts out
//! the failure it names. `GET /health` and `GET /debug/state` are never
//! failure-injected, so health checks and diagnosis keep working.
//!
//! - [`settings`]: command line and environment.
//! - [`injection`]: the failure-injection middleware.
//! - [`routes`]: the HTTP endpoints.
//! - [`store`]: the in-memory products and orders.
//! - [`healthcheck`]: `chaos-target healthcheck`, the container probe.

pub mod healthcheck;
pub mod injection;
pub mod routes;
pub mod settings;
pub mod store;

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::middleware::{from_fn, Condition};
use actix_web::{web, App, HttpServer};
use chaos_state::{write_atomic_durable, CachedReader, ClearReason, StateRecord};
use clap::Parser;
use tracing::{info, warn};

use settings::{Cli, Command, ServeArgs};

/// How long in-flight requests get to finish after SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Parses the command line and runs the service or the health probe.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Healthcheck(args)) => healthcheck::execute(&args),
        None => {
            init_logging();
            match serve(cli.serve) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("error: {err}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// Logs to standard output at `RUST_LOG` (default `info`), without colours:
/// the `listening on http://...` line is how a parent learns the port.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stdout)
        .with_target(false)
        .with_ansi(false)
        .try_init();
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Clears the state file (a restart is a repair), binds and serves until
/// SIGTERM or SIGINT.
pub fn serve(args: ServeArgs) -> std::io::Result<()> {
    let record = StateRecord::healthy_by(
        &args.service_name,
        &args.service_name,
        ClearReason::Startup,
        unix_now(),
    );
    match write_atomic_durable(&args.state_file, &record) {
        Ok(()) => info!(state_file = %args.state_file.display(), "state file written healthy"),
        Err(err) => warn!(error = %err, "could not write the state file healthy; serving anyway"),
    }

    let injection = web::Data::new(injection::FailureInjection {
        reader: CachedReader::with_recheck_after(
            &args.state_file,
            Duration::from_millis(args.state_recheck_ms),
        ),
        service: args.service_name.clone(),
        slow_waiting: std::sync::atomic::AtomicUsize::new(0),
        max_slow_requests: args.max_slow_requests,
    });
    let store = web::Data::new(store::Store::with_sample_data());
    let info = web::Data::new(routes::ServiceInfo {
        service: args.service_name.clone(),
        state_file: args.state_file.display().to_string(),
        failure_injection: !args.no_failure_injection,
    });
    let inject = !args.no_failure_injection;
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(injection.clone())
            .app_data(store.clone())
            .app_data(info.clone())
            .app_data(routes::json_config())
            .wrap(Condition::new(inject, from_fn(injection::inject_failures)))
            .configure(routes::configure)
    })
    .on_connect(injection::ClientSocket::record)
    .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
    .bind((args.bind.as_str(), args.port))?;
    if let Some(workers) = args.workers {
        server = server.workers(workers);
    }
    for addr in server.addrs() {
        info!(
            service = %args.service_name,
            failure_injection = inject,
            "{} listening on http://{addr}",
            args.service_name
        );
    }
    actix_web::rt::System::new().block_on(server.run())
}
