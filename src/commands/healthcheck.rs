//! `chaos-engine healthcheck`: GET /healthz on the engine's own HTTP API,
//! for container health checks without curl in the image. Exit 0 when it
//! answers 200, 1 otherwise, 2 when no API address is configured.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use crate::cli::{HealthcheckArgs, EXIT_FAILURE};
use crate::config::SettingId;

/// Probes the API named by `--http` / `CHAOS_HTTP_ADDR`.
pub fn execute(args: &HealthcheckArgs) -> ExitCode {
    let configured = args.http.values().raw(SettingId::Http).map(|v| v.value);
    let Some(text) = configured.filter(|t| !t.trim().is_empty()) else {
        return super::usage_error(&"no API to probe: give --http ADDR or set CHAOS_HTTP_ADDR");
    };
    let Ok(addr) = text.trim().parse::<SocketAddr>() else {
        return super::usage_error(&format!("--http: `{text}` is not an address and port"));
    };
    let timeout = Duration::from_secs(args.timeout.max(1));
    match chaos_target::healthcheck::get_ok(reachable(addr), "/healthz", timeout) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("unhealthy: {err}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// A wildcard listen address (0.0.0.0, ::) is probed on loopback.
pub(crate) fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}
