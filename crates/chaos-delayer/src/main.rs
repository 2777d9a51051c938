//! `chaos-delayer`: binds an NFQUEUE and delays, jitters, drops, duplicates
//! and corrupts its packets, as `tc netem` would, for kernels without
//! `sch_netem`. See the library's documentation for the decisions and
//! `docker/nethelper/Dockerfile` for where it ships.
//!
//! ```text
//! iptables -A OUTPUT -j NFQUEUE --queue-num 7 --queue-bypass
//! chaos-delayer --queue 7 --delay 300ms --jitter 20ms --loss 10%
//! ```
//!
//! One thread does everything: it reads the queue without blocking, gives
//! each packet its fate, and sends the verdicts of the held packets as their
//! release times come, sleeping until the next one or for at most
//! [`POLL`] (the `nfq` crate exposes no descriptor to wait on, and the
//! verdicts must go out on the socket that received the packets). A packet is
//! thus seen up to [`POLL`] after the kernel queued it; its delay counts
//! from then.
//!
//! Fail-open: the queue is configured to accept packets the kernel cannot
//! queue (`NFQA_CFG_F_FAIL_OPEN`); at `--max-held` held packets the next
//! ones are accepted at once; on SIGTERM or SIGINT every held packet is
//! accepted before exiting 0 (the kernel would drop the ones still queued
//! when the socket closes, which is what happens on SIGKILL: at most
//! `--max-held` packets lost, which TCP retransmits). With the rule's
//! `--queue-bypass`, packets pass untouched while no delayer is bound.

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddrV4, SocketAddrV6};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chaos_delayer::fate::{Decider, Fate};
use chaos_delayer::packet;
use chaos_delayer::params::{parse_delay, parse_percent, Params, Percent};
use chaos_delayer::schedule::Schedule;
use chaos_delayer::stats::Stats;
use clap::Parser;
use nfq::{Message, Queue, Verdict};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

/// The longest the loop sleeps before it reads the queue again.
const POLL: Duration = Duration::from_millis(1);

/// At most this many packets are read before due verdicts are sent.
const READ_BATCH: usize = 64;

/// After this many failed reads in a row the delayer gives up (exit 1).
const MAX_READ_ERRORS: u32 = 1000;

/// Linux's ENOBUFS: the queue's netlink socket overflowed, and the kernel
/// let the packets it could not hand over pass at once (fail-open).
const ENOBUFS: i32 = 105;

/// The bytes of each packet copied to the delayer when it only delays or
/// drops: its headers, all it looks at. Duplicate and corrupt need the
/// whole packet (up to 65535 bytes, a GSO packet's size). The less each
/// queued packet weighs, the more of them the netlink socket holds before
/// it overflows while the delayer waits for the processor.
const HEADER_COPY: u16 = 128;

/// The mark a duplicate's copy carries (`SO_MARK`), so that the delayer
/// accepts it at once when the rule queues it again.
const DEFAULT_COPY_MARK: u32 = 0x4345_0001;

/// User-space netem on an iptables NFQUEUE.
///
/// Each packet of the queue is dropped with probability --loss, otherwise
/// held for a time drawn uniformly from [delay - jitter, delay + jitter]
/// (clamped at 0) and accepted; --duplicate sends a marked copy through a
/// raw socket (IPv4 or IPv6) when it is released; --corrupt flips one byte beyond its
/// IP header. On SIGTERM or SIGINT it accepts every held packet, prints one
/// line of counters and exits 0.
#[derive(Debug, Parser)]
#[command(name = "chaos-delayer", version)]
struct Cli {
    /// The NFQUEUE number of the iptables rule (--queue-num).
    #[arg(long, value_name = "N")]
    queue: u16,
    /// Mean time a packet is held (e.g. 300ms; at most 60s).
    #[arg(long, value_parser = parse_delay, default_value = "0")]
    delay: Duration,
    /// Half width of the uniform spread around --delay (e.g. 20ms).
    #[arg(long, value_parser = parse_delay, default_value = "0")]
    jitter: Duration,
    /// Chance a packet is dropped (e.g. 10%).
    #[arg(long, value_parser = parse_percent, default_value = "0%")]
    loss: Percent,
    /// Chance a kept packet is followed by a copy (e.g. 5%).
    #[arg(long, value_parser = parse_percent, default_value = "0%")]
    duplicate: Percent,
    /// Chance a kept packet has one byte past its IP header flipped (e.g. 1%).
    #[arg(long, value_parser = parse_percent, default_value = "0%")]
    corrupt: Percent,
    /// Seed of the decisions (default: from the clock; printed at start).
    #[arg(long)]
    seed: Option<u64>,
    /// Packets held at most; beyond that they are accepted at once.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_held: u32,
    /// Mark (SO_MARK) of duplicates' copies, accepted at once when queued again.
    #[arg(long, default_value_t = DEFAULT_COPY_MARK, value_parser = parse_mark)]
    copy_mark: u32,
}

fn parse_mark(text: &str) -> Result<u32, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => text.parse(),
    };
    match parsed {
        Ok(0) => Err("the copy mark must not be 0".to_owned()),
        Ok(mark) => Ok(mark),
        Err(err) => Err(format!("{text:?}: {err}")),
    }
}

/// A packet waiting for its release.
struct Held {
    message: Message,
    duplicate: bool,
}

/// Sends duplicates' copies: one raw socket per family (`IPPROTO_RAW`, so
/// the packet goes out with the header it has), with `SO_MARK`.
struct Copier {
    v4: Option<Socket>,
    v6: Option<Socket>,
}

impl Copier {
    /// A copier that sends nothing (no duplicate asked for).
    fn none() -> Self {
        Copier { v4: None, v6: None }
    }

    fn open(mark: u32) -> Self {
        let open = |domain: Domain, family: &str| {
            let socket = Socket::new(domain, Type::RAW, Some(Protocol::from(libc_ipproto_raw())))
                .and_then(|socket| socket.set_mark(mark).map(|()| socket));
            match socket {
                Ok(socket) => Some(socket),
                Err(err) => {
                    eprintln!("chaos-delayer: no raw {family} socket for duplicates ({err}); {family} duplicates will not be sent");
                    None
                }
            }
        };
        Copier {
            v4: open(Domain::IPV4, "IPv4"),
            v6: open(Domain::IPV6, "IPv6"),
        }
    }

    /// Sends a copy of `ip_packet`, which left through interface `outdev`
    /// (the scope of a link-local IPv6 destination); false when it could
    /// not.
    fn send(&self, ip_packet: &[u8], outdev: u32) -> bool {
        let (socket, address) = match packet::destination(ip_packet) {
            Some(IpAddr::V4(to)) => (&self.v4, SockAddr::from(SocketAddrV4::new(to, 0))),
            Some(IpAddr::V6(to)) => (
                &self.v6,
                SockAddr::from(SocketAddrV6::new(to, 0, 0, outdev)),
            ),
            None => return false,
        };
        socket
            .as_ref()
            .is_some_and(|socket| socket.send_to(ip_packet, &address).is_ok())
    }
}

/// `IPPROTO_RAW`: a raw socket that sends whole IP packets (implies
/// `IP_HDRINCL`) and receives nothing.
const fn libc_ipproto_raw() -> i32 {
    255
}

struct Delayer {
    queue: Queue,
    decider: Decider,
    schedule: Schedule<Held>,
    copier: Copier,
    stats: Stats,
    max_held: usize,
    copy_mark: u32,
}

impl Delayer {
    fn verdict(&mut self, mut message: Message, verdict: Verdict) {
        message.set_verdict(verdict);
        if self.queue.verdict(message).is_err() {
            self.stats.verdict_errors += 1;
        }
    }

    /// Gives a newly queued packet its fate.
    fn arrive(&mut self, mut message: Message, now: Instant) {
        if message.get_nfmark() == self.copy_mark {
            self.stats.own_copies += 1;
            return self.verdict(message, Verdict::Accept);
        }
        if self.schedule.len() >= self.max_held {
            self.stats.overflowed += 1;
            return self.verdict(message, Verdict::Accept);
        }
        match self.decider.decide(message.get_payload()) {
            Fate::Drop => {
                self.stats.dropped += 1;
                self.verdict(message, Verdict::Drop);
            }
            Fate::Hold {
                after,
                duplicate,
                corrupt_at,
            } => {
                if let Some(at) = corrupt_at {
                    packet::flip_byte(message.get_payload_mut(), at);
                    self.stats.corrupted += 1;
                }
                self.schedule.push(now + after, Held { message, duplicate });
            }
        }
    }

    /// Accepts a held packet, and sends its copy after it.
    fn release(&mut self, held: Held) {
        let copy = held.duplicate.then(|| held.message.get_payload().to_vec());
        let outdev = held.message.get_outdev();
        self.verdict(held.message, Verdict::Accept);
        if let Some(copy) = copy {
            if self.copier.send(&copy, outdev) {
                self.stats.duplicated += 1;
            } else {
                self.stats.duplicate_failed += 1;
            }
        }
    }

    fn run(&mut self, stop: &AtomicBool) -> Result<(), String> {
        let mut read_errors = 0u32;
        while !stop.load(Ordering::Relaxed) {
            for _ in 0..READ_BATCH {
                match self.queue.recv() {
                    Ok(message) => {
                        read_errors = 0;
                        self.arrive(message, Instant::now());
                    }
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => break,
                    Err(err) if err.raw_os_error() == Some(ENOBUFS) => {
                        self.stats.socket_overflows += 1;
                    }
                    Err(err) => {
                        read_errors += 1;
                        if read_errors >= MAX_READ_ERRORS {
                            return Err(format!("reading the queue: {err}"));
                        }
                        break;
                    }
                }
            }
            let now = Instant::now();
            while let Some(released) = self.schedule.pop_due(now) {
                self.stats.released(released.lateness);
                self.release(released.item);
            }
            let wait = self
                .schedule
                .next_release()
                .map_or(POLL, |at| at.saturating_duration_since(Instant::now()))
                .min(POLL);
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
        }
        Ok(())
    }

    /// Accepts every packet still held (on exit).
    fn release_all(&mut self) {
        for held in self.schedule.drain_all() {
            self.stats.held += 1;
            self.release(held);
        }
    }
}

fn open_queue(number: u16, max_held: u32, copy_range: u16) -> io::Result<Queue> {
    let mut queue = Queue::open()?;
    // Copy-packet mode (bind sets the copy range to 65535: whole packets).
    queue.bind(number)?;
    queue.set_copy_range(number, copy_range)?;
    queue.set_fail_open(number, true)?;
    // Told when the socket overflowed (counted), instead of nothing.
    queue.set_recv_enobufs(true)?;
    // The kernel keeps the held packets; leave room beyond --max-held for
    // those queued and not yet read.
    queue.set_queue_max_len(number, max_held.saturating_add(1024))?;
    queue.set_nonblocking(true);
    Ok(queue)
}

fn clock_seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        if let Err(err) = signal_hook::flag::register(signal, Arc::clone(&stop)) {
            eprintln!("chaos-delayer: cannot handle signal {signal}: {err}");
            return ExitCode::from(1);
        }
    }
    // An unmodified packet's verdict carries no payload: the kernel keeps
    // the packet whole whatever was copied.
    let copy_range = if cli.duplicate.is_set() || cli.corrupt.is_set() {
        u16::MAX
    } else {
        HEADER_COPY
    };
    let queue = match open_queue(cli.queue, cli.max_held, copy_range) {
        Ok(queue) => queue,
        Err(err) => {
            eprintln!(
                "chaos-delayer: cannot bind NFQUEUE {}: {err} (needs CAP_NET_ADMIN in the network namespace, and no other program bound to that queue)",
                cli.queue
            );
            return ExitCode::from(1);
        }
    };
    let params = Params {
        delay: cli.delay,
        jitter: cli.jitter,
        loss: cli.loss,
        duplicate: cli.duplicate,
        corrupt: cli.corrupt,
    };
    let seed = cli.seed.unwrap_or_else(clock_seed);
    let copier = if cli.duplicate.is_set() {
        Copier::open(cli.copy_mark)
    } else {
        Copier::none()
    };
    eprintln!(
        "chaos-delayer: queue {} bound; {params}; max held {}; seed {seed}",
        cli.queue, cli.max_held
    );
    let mut delayer = Delayer {
        queue,
        decider: Decider::new(params, seed),
        schedule: Schedule::new(),
        copier,
        stats: Stats::default(),
        max_held: cli.max_held as usize,
        copy_mark: cli.copy_mark,
    };
    let outcome = delayer.run(&stop);
    delayer.release_all();
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "chaos-delayer: {}", delayer.stats);
    let _ = out.flush();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("chaos-delayer: {err}");
            ExitCode::from(1)
        }
    }
}
