//! The packet flood that finds the delayer's ceiling: UDP datagrams sent at
//! a fixed rate from **inside** the target's network namespace (so they are
//! outgoing packets of the namespace, the ones the NFQUEUE rule queues) to
//! a receiver on the host, each carrying the wall-clock time it was sent.
//!
//! Sender and receiver read the same clock (`CLOCK_REALTIME` of one
//! kernel; containers have no clock of their own), so the receiver knows
//! each datagram's one-way time: the delay the delayer applied plus how
//! late it released it, plus a few microseconds of kernel path.
//!
//! The sender is this bench's own binary, run as `BENCH --udp-send ...` in
//! a container that joins the target's namespace (see `containers.rs`).

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The first bytes of every datagram of the bench.
const MAGIC: &[u8; 4] = b"CEDB";
/// Bytes of each datagram (magic, step, sequence, send time, padding).
const DATAGRAM: usize = 64;
/// The receiver's socket buffer: room for bursts of released packets.
const RECEIVE_BUFFER: usize = 4 << 20;
/// Sockets the sender spreads its datagrams over, and each one's send
/// buffer. A datagram held in the queue stays charged to its socket's send
/// buffer until its verdict: one socket with the default 208 KiB blocks
/// at about 3,000 datagrams a second through 50 ms, which would measure
/// the sender, not the delayer.
const SEND_SOCKETS: usize = 16;
const SEND_BUFFER: usize = 4 << 20;

fn unix_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// The sender's arguments (`--udp-send TARGET STEP RATE START SECONDS`).
pub struct Send {
    pub target: SocketAddr,
    pub step: u32,
    pub rate: f64,
    /// Unix time at which to start sending.
    pub start: f64,
    pub seconds: f64,
}

impl Send {
    /// Parses the five values after `--udp-send`.
    pub fn parse(values: &[String]) -> Option<Send> {
        Some(Send {
            target: values.first()?.parse().ok()?,
            step: values.get(1)?.parse().ok()?,
            rate: values.get(2)?.parse().ok()?,
            start: values.get(3)?.parse().ok()?,
            seconds: values.get(4)?.parse().ok()?,
        })
    }

    /// The arguments that make the sender `self` again.
    pub fn args(&self) -> Vec<String> {
        vec![
            "--udp-send".to_owned(),
            self.target.to_string(),
            self.step.to_string(),
            self.rate.to_string(),
            format!("{:.3}", self.start),
            self.seconds.to_string(),
        ]
    }

    /// Sends at `rate` datagrams a second from `start` for `seconds`, as
    /// evenly as the clock allows (catching up in bursts when late); prints
    /// `sent N in S s errors E late L` (L: seconds it started after
    /// `start`, when the container came up late).
    pub fn run(&self) -> Result<(), String> {
        let mut sockets = Vec::with_capacity(SEND_SOCKETS);
        for _ in 0..SEND_SOCKETS {
            let socket = UdpSocket::bind("0.0.0.0:0").map_err(|err| format!("bind: {err}"))?;
            socket
                .connect(self.target)
                .map_err(|err| format!("connect {}: {err}", self.target))?;
            // Best effort (capped at net.core.wmem_max).
            let _ = rustix::net::sockopt::set_socket_send_buffer_size(&socket, SEND_BUFFER);
            sockets.push(socket);
        }
        let wait = self.start - unix_nanos() as f64 / 1e9;
        if let Ok(wait) = Duration::try_from_secs_f64(wait) {
            std::thread::sleep(wait);
        }
        let late = (-wait).max(0.0);
        let length = Duration::try_from_secs_f64(self.seconds)
            .map_err(|err| format!("--udp-send seconds {}: {err}", self.seconds))?;
        let began = Instant::now();
        let mut datagram = [0u8; DATAGRAM];
        datagram[..4].copy_from_slice(MAGIC);
        datagram[4..8].copy_from_slice(&self.step.to_le_bytes());
        let (mut sent, mut errors) = (0u64, 0u64);
        loop {
            let elapsed = began.elapsed();
            if elapsed >= length {
                break;
            }
            let due = (self.rate * elapsed.as_secs_f64()) as u64;
            while sent < due {
                datagram[8..16].copy_from_slice(&sent.to_le_bytes());
                datagram[16..24].copy_from_slice(&unix_nanos().to_le_bytes());
                let socket = &sockets[sent as usize % SEND_SOCKETS];
                if socket.send(&datagram).is_err() {
                    errors += 1;
                }
                sent += 1;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        println!(
            "sent {sent} in {:.3} s errors {errors} late {late:.3}",
            began.elapsed().as_secs_f64()
        );
        Ok(())
    }
}

/// What the sender printed.
pub struct Sent {
    pub datagrams: u64,
    pub seconds: f64,
    pub errors: u64,
    /// Seconds it started after the time it was given.
    pub late: f64,
}

impl Sent {
    /// Reads the sender's `sent N in S s errors E late L` line.
    pub fn parse(output: &str) -> Option<Sent> {
        let line = output.lines().find(|l| l.starts_with("sent "))?;
        let words: Vec<&str> = line.split_whitespace().collect();
        Some(Sent {
            datagrams: words.get(1)?.parse().ok()?,
            seconds: words.get(3)?.parse().ok()?,
            errors: words.get(6)?.parse().ok()?,
            late: words.get(8)?.parse().ok()?,
        })
    }
}

/// The host's end: receives the datagrams and keeps each one's one-way
/// time (ms), by step.
pub struct Receiver {
    pub port: u16,
    stop: Arc<AtomicBool>,
    received: Arc<Mutex<HashMap<u32, Vec<f64>>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    /// Binds a UDP port on every address of the host and starts reading.
    pub fn start() -> Result<Receiver, String> {
        let socket = UdpSocket::bind("0.0.0.0:0").map_err(|err| format!("bind: {err}"))?;
        // Best effort: the default buffer still works, with the drops it
        // causes counted in the host's RcvbufErrors.
        let _ = rustix::net::sockopt::set_socket_recv_buffer_size(&socket, RECEIVE_BUFFER);
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .map_err(|err| format!("read timeout: {err}"))?;
        let port = socket
            .local_addr()
            .map_err(|err| format!("local address: {err}"))?
            .port();
        let stop = Arc::new(AtomicBool::new(false));
        let received: Arc<Mutex<HashMap<u32, Vec<f64>>>> = Arc::default();
        let (stopping, into) = (Arc::clone(&stop), Arc::clone(&received));
        let thread = std::thread::spawn(move || {
            let mut datagram = [0u8; DATAGRAM];
            while !stopping.load(Ordering::Relaxed) {
                let Ok(n) = socket.recv(&mut datagram) else {
                    continue;
                };
                let now = unix_nanos();
                if n < 24 || &datagram[..4] != MAGIC {
                    continue;
                }
                let mut step = [0u8; 4];
                step.copy_from_slice(&datagram[4..8]);
                let mut sent = [0u8; 8];
                sent.copy_from_slice(&datagram[16..24]);
                let one_way = now.saturating_sub(u64::from_le_bytes(sent)) as f64 / 1e6;
                if let Ok(mut map) = into.lock() {
                    map.entry(u32::from_le_bytes(step))
                        .or_default()
                        .push(one_way);
                }
            }
        });
        Ok(Receiver {
            port,
            stop,
            received,
            thread: Some(thread),
        })
    }

    /// The one-way times (ms) received so far for `step`, taken out.
    pub fn take(&self, step: u32) -> Vec<f64> {
        self.received
            .lock()
            .map(|mut map| map.remove(&step).unwrap_or_default())
            .unwrap_or_default()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
