//! `chaos-target healthcheck`: GET /health on 127.0.0.1 with a plain TCP
//! request, so the container image needs no curl. Exit 0 on a 200.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use crate::settings::HealthcheckArgs;

/// Probes the local service; prints why it failed.
pub fn execute(args: &HealthcheckArgs) -> ExitCode {
    match probe(args.port, Duration::from_secs(args.timeout.max(1))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("unhealthy: {err}");
            ExitCode::FAILURE
        }
    }
}

fn probe(port: u16, timeout: Duration) -> Result<(), String> {
    get_ok(SocketAddr::from(([127, 0, 0, 1], port)), "/health", timeout)
}

/// `GET path` on `addr` with a plain TCP request; `Ok` on a 200. Also used
/// by `chaos-engine healthcheck` to probe the engine's own `/healthz`.
pub fn get_ok(addr: SocketAddr, path: &str, timeout: Duration) -> Result<(), String> {
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut head = [0u8; 12];
    stream
        .read_exact(&mut head)
        .map_err(|e| format!("no answer: {e}"))?;
    if head.starts_with(b"HTTP/1.1 200") || head.starts_with(b"HTTP/1.0 200") {
        Ok(())
    } else {
        Err(format!(
            "{addr} answered {}",
            String::from_utf8_lossy(&head)
        ))
    }
}
