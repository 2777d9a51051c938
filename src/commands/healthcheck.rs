//! `chaos-engine healthcheck`: GET /healthz on the engine's own HTTP API,
//! for container health checks without curl in the image. Exit 0 when it
//! answers 200, 1 otherwise, 2 when no API address is configured.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use crate::cli::{HealthcheckArgs, EXIT_FAILURE};
use crate::config::{Origin, SettingId, SettingValues};

/// Probes the API named by `--http` / `CHAOS_HTTP_ADDR`.
pub fn execute(args: &HealthcheckArgs) -> ExitCode {
    let addr = match api_address(args.http.values()) {
        Ok(Some(addr)) => addr,
        Ok(None) => {
            return super::usage_error(&"no API to probe: give --http ADDR or set CHAOS_HTTP_ADDR")
        }
        Err(message) => return super::usage_error(&message),
    };
    let timeout = Duration::from_secs(args.timeout.max(1));
    match chaos_target::healthcheck::get_ok(addr, "/healthz", timeout) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("unhealthy: {err}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// The running engine's API as a client reaches it, from `--http` /
/// `CHAOS_HTTP_ADDR`: `None` when neither is given (an empty variable
/// counts as unset); an error naming the flag or variable when the value is
/// not an address and port. A wildcard address is reached on loopback.
pub(crate) fn api_address(values: &SettingValues) -> Result<Option<SocketAddr>, String> {
    let Some(given) = values.raw(SettingId::Http) else {
        return Ok(None);
    };
    let name = match given.origin {
        Origin::Env(name) => name,
        _ => "--http",
    };
    if given.value.trim().is_empty() {
        return match given.origin {
            Origin::Env(_) => Ok(None),
            _ => Err("--http: empty address; give HOST:PORT".to_owned()),
        };
    }
    match given.value.trim().parse::<SocketAddr>() {
        Ok(addr) => Ok(Some(reachable(addr))),
        Err(_) => Err(format!(
            "{name}: `{}` is not an address and port (e.g. 127.0.0.1:9797)",
            given.value
        )),
    }
}

/// A wildcard listen address (0.0.0.0, ::) is probed on loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
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
