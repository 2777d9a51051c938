//! An open-loop HTTP load: `GET /health` at a fixed rate over keep-alive
//! HTTP/1.1 connections, each request's latency taken from the time it was
//! **scheduled** to be sent (no coordinated omission: a slow answer makes
//! the next request on its connection late, and that lateness counts).
//!
//! `connections` threads each own one connection and send every
//! `connections / rate` seconds, thread `i` offset by `i / rate`, so the
//! requests of all of them are evenly spread. A failed or timed-out request
//! closes its connection; the next one opens a new connection (on its own
//! schedule, the connect counted in its latency).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The request sent, again and again.
const REQUEST: &[u8] = b"GET /health HTTP/1.1\r\nHost: target\r\n\r\n";

/// What one run of the load measured.
#[derive(Default)]
pub struct LoadResult {
    /// Latency of each answered request (200), ms from its scheduled send.
    pub latencies_ms: Vec<f64>,
    /// Requests scheduled in the window.
    pub scheduled: usize,
    /// Requests that got no answer within the timeout.
    pub timed_out: usize,
    /// Requests that failed otherwise (connect refused, reset, not 200).
    pub failed: usize,
    /// Requests written more than 1 ms after their scheduled time (the
    /// client's own lateness, counted in their latency).
    pub sent_late: usize,
}

/// Runs the load against `address` for `duration` and gathers the results.
pub fn run(
    address: SocketAddr,
    rate: f64,
    connections: usize,
    duration: Duration,
    timeout: Duration,
) -> LoadResult {
    let interval = Duration::from_secs_f64(connections as f64 / rate);
    // Time for the threads to connect before the first request is due.
    let start = Instant::now() + Duration::from_millis(500);
    let end = start + duration;
    let threads: Vec<_> = (0..connections)
        .map(|i| {
            let first = start + Duration::from_secs_f64(i as f64 / rate);
            std::thread::spawn(move || connection(address, first, interval, end, timeout))
        })
        .collect();
    let mut total = LoadResult::default();
    for thread in threads {
        if let Ok(part) = thread.join() {
            total.latencies_ms.extend(part.latencies_ms);
            total.scheduled += part.scheduled;
            total.timed_out += part.timed_out;
            total.failed += part.failed;
            total.sent_late += part.sent_late;
        }
    }
    total
}

/// One connection's share of the load.
fn connection(
    address: SocketAddr,
    first: Instant,
    interval: Duration,
    end: Instant,
    timeout: Duration,
) -> LoadResult {
    let mut result = LoadResult::default();
    let mut stream = connect(address, timeout).ok();
    let mut buffer = Vec::with_capacity(1024);
    let mut due = first;
    while due < end {
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        result.scheduled += 1;
        if Instant::now().duration_since(due) > Duration::from_millis(1) {
            result.sent_late += 1;
        }
        let outcome = match stream.take() {
            Some(open) => Ok(open),
            None => connect(address, timeout),
        }
        .and_then(|mut open| exchange(&mut open, &mut buffer).map(|status| (open, status)));
        match outcome {
            Ok((open, 200)) => {
                result
                    .latencies_ms
                    .push(Instant::now().duration_since(due).as_secs_f64() * 1e3);
                stream = Some(open);
            }
            Ok((open, _)) => {
                result.failed += 1;
                stream = Some(open);
            }
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                result.timed_out += 1
            }
            Err(_) => result.failed += 1,
        }
        due += interval;
    }
    result
}

fn connect(address: SocketAddr, timeout: Duration) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    Ok(stream)
}

/// Sends the request and reads one whole answer (headers and a
/// `Content-Length` body); its status.
fn exchange(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> std::io::Result<u16> {
    stream.write_all(REQUEST)?;
    buffer.clear();
    let mut chunk = [0u8; 2048];
    let (head_end, length) = loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = find(buffer, b"\r\n\r\n") {
            break (end + 4, content_length(&buffer[..end]));
        }
    };
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let status = std::str::from_utf8(buffer.get(9..12).unwrap_or_default())
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok(status)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The `Content-Length` of a response head (0 when absent).
fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0)
}
