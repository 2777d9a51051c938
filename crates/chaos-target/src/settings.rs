//! The command line: serve (the default) or `healthcheck`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// `chaos-target`
#[derive(Debug, Parser)]
#[command(
    name = "chaos-target",
    version,
    about = "A small HTTP service that acts out the failure named in its chaos-engine state file.",
    long_about = "A small HTTP service (orders and products in memory) that acts out the failure \
named in its chaos-engine state file: crash exits with code 1, slow delays every request by \
`delay` seconds, config_error answers 500 blaming DATABASE_URL, network_partition answers \
503, unknown modes are ignored. GET /health and GET /debug/state are never failure-injected. \
On start it writes its state file healthy, so a restart is a repair."
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// `healthcheck`, or nothing to serve.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// How to serve (when no subcommand is given).
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Exit 0 when GET /health answers 200 (for container health checks).
    Healthcheck(HealthcheckArgs),
}

/// How to serve.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// TCP port; 0 picks a free one (the log line says which).
    #[arg(long, env = "PORT", hide_env_values = true, default_value_t = 8000)]
    pub port: u16,
    /// Address to listen on: every interface by default, as in a
    /// container; 127.0.0.1 keeps it to this machine (on a laptop).
    #[arg(
        long,
        env = "BIND_ADDRESS",
        hide_env_values = true,
        default_value = "0.0.0.0"
    )]
    pub bind: String,
    /// The state file written by chaos-engine.
    #[arg(
        long,
        env = "FAILURE_STATE_FILE",
        hide_env_values = true,
        default_value = "/tmp/failure_state.json"
    )]
    pub state_file: PathBuf,
    /// The name this service reports and writes into its state file.
    #[arg(
        long,
        env = "SERVICE_NAME",
        hide_env_values = true,
        default_value = "target-app"
    )]
    pub service_name: String,
    /// Worker threads [default: one per CPU core].
    #[arg(long, env = "WORKERS", hide_env_values = true)]
    pub workers: Option<usize>,
    /// Trust the last look at the state file for this many milliseconds
    /// (0: one `stat` per request). A new failure shows up to this much
    /// later; in exchange almost no request makes a system call, which keeps
    /// the middleware's cost within noise (see bench/target-throughput.sh).
    #[arg(
        long,
        env = "STATE_RECHECK_MS",
        hide_env_values = true,
        default_value_t = 10
    )]
    pub state_recheck_ms: u64,
    /// At most this many requests wait out a `slow` failure at once; any
    /// more answer 503 at once instead of holding a connection each.
    #[arg(
        long,
        env = "MAX_SLOW_REQUESTS",
        hide_env_values = true,
        default_value_t = 256
    )]
    pub max_slow_requests: usize,
    /// Serve without the failure-injection middleware (a baseline for benchmarks).
    #[arg(long)]
    pub no_failure_injection: bool,
}

/// `chaos-target healthcheck`
#[derive(Debug, Clone, Args)]
pub struct HealthcheckArgs {
    /// Port of the local service.
    #[arg(long, env = "PORT", hide_env_values = true, default_value_t = 8000)]
    pub port: u16,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 3)]
    pub timeout: u64,
}
