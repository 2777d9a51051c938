//! The user-space network delayer (`crates/chaos-delayer`) under load:
//! its accuracy at 1,000 requests a second through a 50 ms delay, the CPU
//! it uses, and the packet rate at which it stops keeping up.
//!
//! 1. **Baseline**: two fresh `chaos-engine-fault-target:local`
//!    containers, the *target* and a *control* that is never delayed, and an
//!    open-loop load on each at the same time (`load.rs`): `GET /health` at
//!    1,000 requests a second over 100 keep-alive HTTP/1.1 connections (10
//!    a second each, so 50 ms in flight never holds the schedule back), sent
//!    to each container's address on its Docker network (not the published
//!    port: docker-proxy's copying stays out of the figures), each latency
//!    taken from the request's scheduled send time; 20 s.
//! 2. **Delay applied as the engine applies it**: `start_helper` (the
//!    engine's own code) with `network: { delay: 50ms }` and
//!    `delay_with: delayer` on the target, with the shared
//!    `chaos-engine-nethelper:local`: the helper queues the namespace's
//!    outgoing packets to NFQUEUE 4242 and runs `chaos-delayer` (it returns
//!    when the helper printed "applied"). The same loads again. **Added
//!    latency** = each answered request of the target minus the control's
//!    median in the same window; its p50 / p99 / max, and their error
//!    against the 50 ms asked. The control, loaded at the same time, sees
//!    the same machine (other work on a shared machine, the client's own
//!    lateness): the difference of the two's same quantiles in the same
//!    window (target − control) is the delayer's own share of the tail.
//!    Also each minus the baseline's median (the simplest reading).
//! 3. **CPU**: `chaos-delayer` is found in `/proc` (the child of the
//!    helper container's shell); utime + stime over the middle of the
//!    loaded window (its first and last second left out), as a share of
//!    one core; and over an idle window after the delay is applied.
//!    Packets through the queue: `/proc/PID/net/netfilter/nfnetlink_queue`
//!    of the target's namespace (id sequence, drops).
//! 4. **Ceiling**: UDP datagrams at growing rates (1,000, 2,000, 5,000
//!    ... 80,000 a second, 5 s each) sent from **inside** the target's
//!    namespace (this binary, `--udp-send`, in a `debian:bookworm-slim`
//!    container joining it) to a receiver on the host, each carrying its
//!    send time, so the receiver knows how late the delayer released it
//!    (`flood.rs`). First one step at the first rate without the delay: the
//!    measurement's own floor (path, receiver's wake-up). A step keeps up
//!    when the release lateness' p99 is at most 5 ms above that floor's
//!    p99, at most 0.1 % of the datagrams are lost or pass undelayed (the
//!    queue is fail-open: what the kernel cannot hand to the delayer goes
//!    through at once, uncounted by the kernel), and the delayer is below
//!    0.95 of a core. The ceiling is the highest rate below the first step
//!    that does not keep up, and that step says what limited it (lateness;
//!    undelayed or lost datagrams, with the queue's counters and the host's
//!    `RcvbufErrors`; the delayer's CPU; a sender that could not reach the
//!    rate; the machine's CPU is shown). The steps go on past lateness
//!    alone and stop after two in a row fail otherwise. A second figure
//!    leaves lateness aside (on a busy shared machine it is mostly the
//!    machine's): the highest rate below the first step with datagrams
//!    undelayed or lost, or the delayer at a core, or the sender short.
//!
//! Prints a table and writes the figures as JSON. Every container it starts
//! (the target, the helper, the sender) is removed when its guard drops,
//! and by a Ctrl-C/SIGTERM handler.
//!
//! ```text
//! cargo bench --bench delayer
//! cargo bench --bench delayer -- --seconds 10 --steps 1000,10000,50000 --step-seconds 3
//! cargo bench --bench delayer -- --no-flood --out /tmp/delayer.json
//! ```
//!
//! Needs a Docker Engine, `chaos-engine-nethelper:local` (made by
//! `.ci/docker-bases.sh nethelper`; the bench uses it as it is and never
//! builds it) and `debian:bookworm-slim` (also used to build the target
//! image from the release `chaos-target` when it is missing), and root for
//! `/proc/PID/net` of the target's namespace.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

#[allow(dead_code)]
#[path = "../common/mod.rs"]
mod common;
mod containers;
#[path = "../common/docker.rs"]
mod docker_common;
mod flood;
mod load;
mod procfs;

use containers::{Helper, Target};
use docker_common::{docker, machine};
use procfs::{CpuMark, MachineCpu, QueueCounters};

/// A flood step keeps up while its release lateness' p99 is at most this
/// much above the floor measured without the delay.
const LATENESS_AIM_MS: f64 = 5.0;

/// The queue the helper script binds (`netfault.rs`).
const QUEUE: u16 = 4242;

#[derive(Clone)]
struct Options {
    rate: f64,
    connections: usize,
    seconds: f64,
    delay_ms: u64,
    idle_seconds: f64,
    timeout_ms: u64,
    steps: Vec<f64>,
    step_seconds: f64,
    flood: bool,
    out: PathBuf,
}

fn options(args: &[String]) -> Options {
    let mut o = Options {
        rate: 1000.0,
        connections: 100,
        seconds: 20.0,
        delay_ms: 50,
        idle_seconds: 5.0,
        timeout_ms: 2000,
        steps: vec![
            1000.0, 2000.0, 5000.0, 10000.0, 15000.0, 20000.0, 30000.0, 40000.0, 60000.0, 80000.0,
        ],
        step_seconds: 5.0,
        flood: true,
        out: PathBuf::from("target/chaos-delayer-bench.json"),
    };
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--rate" => o.rate = value.parse().unwrap_or(o.rate),
            "--connections" => o.connections = value.parse().unwrap_or(o.connections),
            "--seconds" => o.seconds = value.parse().unwrap_or(o.seconds),
            "--delay-ms" => o.delay_ms = value.parse().unwrap_or(o.delay_ms),
            "--idle-seconds" => o.idle_seconds = value.parse().unwrap_or(o.idle_seconds),
            "--timeout-ms" => o.timeout_ms = value.parse().unwrap_or(o.timeout_ms),
            "--steps" => {
                o.steps = value
                    .split(',')
                    .filter_map(|s| s.trim().parse().ok())
                    .collect()
            }
            "--step-seconds" => o.step_seconds = value.parse().unwrap_or(o.step_seconds),
            "--out" => o.out = PathBuf::from(value),
            "--no-flood" => {
                o.flood = false;
                i += 1;
                continue;
            }
            // `cargo bench` passes `--bench`; ignore it and anything unknown.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    // Keep every duration finite and positive (a bad value falls back to
    // the nearest sensible one rather than panicking).
    let at_least = |value: f64, least: f64| if value >= least { value } else { least };
    o.connections = o.connections.max(1);
    o.rate = at_least(o.rate, 1.0);
    o.seconds = at_least(o.seconds, 3.0);
    o.idle_seconds = at_least(o.idle_seconds, 0.0);
    o.step_seconds = at_least(o.step_seconds, 1.0);
    o.steps.retain(|rate| rate.is_finite() && *rate >= 1.0);
    o
}

pub(crate) fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn sleep_until(at: Instant) {
    std::thread::sleep(at.saturating_duration_since(Instant::now()));
}

fn percentiles(values: &[f64]) -> Value {
    let values = common::sorted(values.iter().copied().filter(|v| v.is_finite()).collect());
    let at = |q: f64| {
        if values.is_empty() {
            Value::Null
        } else {
            json!((common::percentile(&values, q) * 1000.0).round() / 1000.0)
        }
    };
    json!({ "n": values.len(), "p50": at(0.5), "p99": at(0.99), "max": at(1.0) })
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn round3(x: f64) -> Value {
    if x.is_finite() {
        json!((x * 1000.0).round() / 1000.0)
    } else {
        Value::Null
    }
}

/// Makes the target image when it is missing; the helper and sender
/// images must be there.
fn ensure_images() -> Result<(), String> {
    for image in [containers::NET_IMAGE, containers::SENDER_IMAGE] {
        if docker(&["image", "inspect", "-f", "{{.Id}}", image]).is_none() {
            return Err(format!(
                "{image} is missing (.ci/docker-bases.sh nethelper makes both)"
            ));
        }
    }
    docker_common::ensure_target_image(containers::TARGET_IMAGE, containers::TARGET_PORT)
}

/// One `GET /health` on `address`: its latency in ms when it answered 200.
fn one_request(address: SocketAddr) -> Option<f64> {
    let result = load::run(
        address,
        1.0,
        1,
        Duration::from_millis(1),
        Duration::from_secs(2),
    );
    result.latencies_ms.first().copied()
}

/// Side readings over the middle of a load window: the delayer's CPU, the
/// machine's, and the queue's counters, from `from` for `length`.
struct Window {
    delayer_core: Option<f64>,
    machine_busy: f64,
    queue: Option<QueueCounters>,
    seconds: f64,
}

fn watch(delayer: Option<u32>, target_pid: u32, from: Instant, length: Duration) -> Window {
    sleep_until(from);
    let cpu = delayer.and_then(CpuMark::take);
    let machine = MachineCpu::take();
    let queue = QueueCounters::read(target_pid, QUEUE);
    let began = Instant::now();
    sleep_until(from + length);
    let seconds = began.elapsed().as_secs_f64();
    Window {
        delayer_core: cpu.and_then(|c| c.core_fraction()),
        machine_busy: machine.busy_since(),
        queue: queue
            .and_then(|before| Some(QueueCounters::read(target_pid, QUEUE)?.since(&before))),
        seconds,
    }
}

/// Runs the load once on each of `addresses` at the same time (each at
/// the full rate), reading `delayer`'s CPU over the middle of the window.
fn loaded(
    o: &Options,
    addresses: &[SocketAddr],
    delayer: Option<u32>,
    target_pid: u32,
) -> (Vec<load::LoadResult>, Window) {
    let seconds = o.seconds;
    // The load's first request is due 0.5 s after it starts; leave out its
    // first and last second.
    let from = Instant::now() + Duration::from_secs_f64(1.5);
    let length = Duration::from_secs_f64(seconds - 2.0);
    let watcher = std::thread::spawn(move || watch(delayer, target_pid, from, length));
    let (rate, connections, timeout) = (o.rate, o.connections, o.timeout_ms);
    let loads: Vec<_> = addresses
        .iter()
        .map(|address| {
            let address = *address;
            std::thread::spawn(move || {
                load::run(
                    address,
                    rate,
                    connections,
                    Duration::from_secs_f64(seconds),
                    Duration::from_millis(timeout),
                )
            })
        })
        .collect();
    let results = loads
        .into_iter()
        .map(|load| load.join().unwrap_or_default())
        .collect();
    let window = watcher.join().unwrap_or(Window {
        delayer_core: None,
        machine_busy: f64::NAN,
        queue: None,
        seconds: 0.0,
    });
    (results, window)
}

fn load_json(r: &load::LoadResult) -> Value {
    json!({
        "scheduled": r.scheduled,
        "answered": r.latencies_ms.len(),
        "timed_out": r.timed_out,
        "failed": r.failed,
        "sent_more_than_1ms_late": r.sent_late,
        "latency_ms": percentiles(&r.latencies_ms),
    })
}

fn queue_json(q: &Option<QueueCounters>, seconds: f64) -> Value {
    match q {
        Some(q) => json!({
            "packets_per_s": round3(q.id_sequence as f64 / seconds),
            "queue_dropped": q.queue_dropped,
            "user_dropped": q.user_dropped,
            "waiting_at_end": q.waiting,
        }),
        None => Value::Null,
    }
}

fn no_count() -> flood::Sent {
    flood::Sent {
        datagrams: 0,
        seconds: 0.0,
        errors: 0,
        late: 0.0,
    }
}

/// One step of the flood: `rate` datagrams a second for the step's
/// length, each expected to take `delay` ms.
fn flood_step(
    o: &Options,
    target: &Target,
    receiver: &flood::Receiver,
    delayer: Option<u32>,
    (step, rate, delay): (u32, f64, f64),
    floor_p99: f64,
) -> Value {
    let lead = 3.0;
    let send = flood::Send {
        target: SocketAddr::new(
            target.gateway.parse().unwrap_or([172, 17, 0, 1].into()),
            receiver.port,
        ),
        step,
        rate,
        start: unix_now() + lead,
        seconds: o.step_seconds,
    };
    let start = Instant::now() + Duration::from_secs_f64(lead);
    let args = send.args();
    let sender = std::thread::scope(|scope| {
        let running = scope.spawn(|| containers::run_in_namespace(target, &args));
        let rcvbuf = procfs::udp_rcvbuf_errors();
        let window = watch(
            delayer,
            target.pid,
            start + Duration::from_millis(300),
            Duration::from_secs_f64((o.step_seconds - 0.5).max(0.5)),
        );
        let result = running
            .join()
            .unwrap_or_else(|_| Err("the sender panicked".into()));
        (result, window, rcvbuf)
    });
    let (result, window, rcvbuf_before) = sender;
    // Let the last datagrams through the delay (and a late release).
    std::thread::sleep(Duration::from_millis(o.delay_ms + 500));
    let rcvbuf_errors = procfs::udp_rcvbuf_errors().saturating_sub(rcvbuf_before);
    let one_way = receiver.take(step);
    let lateness: Vec<f64> = one_way.iter().map(|ms| ms - delay).collect();
    let (sent, error) = match &result {
        Ok(output) => match flood::Sent::parse(output) {
            Some(sent) => (sent, Value::Null),
            None => (
                no_count(),
                json!(format!("no count from the sender: {output}")),
            ),
        },
        Err(err) => (no_count(), json!(err)),
    };
    let achieved = if sent.seconds > 0.0 {
        sent.datagrams as f64 / sent.seconds
    } else {
        0.0
    };
    let lost = sent.datagrams.saturating_sub(one_way.len() as u64);
    let share = |n: u64| {
        if sent.datagrams > 0 {
            n as f64 / sent.datagrams as f64
        } else {
            1.0
        }
    };
    // The queue is fail-open: a packet the kernel cannot hand to the
    // delayer (queue full, its socket's buffer full) is accepted at once.
    let undelayed = if delay > 0.0 {
        one_way.iter().filter(|ms| **ms < delay - 1.0).count() as u64
    } else {
        0
    };
    let late = percentiles(&lateness);
    let core = window.delayer_core.unwrap_or(f64::NAN);
    let mut limits = Vec::new();
    if achieved < 0.9 * rate {
        limits.push(format!("the sender reached only {achieved:.0}/s"));
    }
    if sent.late > 0.3 {
        limits.push(format!(
            "the sender started {:.1} s late (the CPU window missed)",
            sent.late
        ));
    }
    // Lateness alone does not stop the steps (a loaded machine's noise);
    // the others do.
    let mut lateness_limit = None;
    let late_p99 = num(&late["p99"]);
    if late_p99.is_nan() || late_p99 > LATENESS_AIM_MS + floor_p99 {
        lateness_limit = Some(format!(
            "release lateness p99 {:.1} ms (floor {floor_p99:.1} ms)",
            num(&late["p99"])
        ));
    }
    if share(undelayed) > 0.001 {
        limits.push(format!(
            "{undelayed} passed undelayed (fail-open: the kernel could not queue them)"
        ));
    }
    if share(lost) > 0.001 {
        let (qd, ud) = window
            .queue
            .map_or((0, 0), |q| (q.queue_dropped, q.user_dropped));
        limits.push(format!(
            "{lost} of {} lost (queue dropped {qd}, user dropped {ud}, host receive buffer {rcvbuf_errors})",
            sent.datagrams
        ));
    }
    if core >= 0.95 {
        limits.push(format!("the delayer used {core:.2} of a core"));
    }
    let hard = !limits.is_empty() || !error.is_null();
    limits.extend(lateness_limit);
    let queued = num(&queue_json(&window.queue, window.seconds)["packets_per_s"]);
    json!({
        "rate_asked": rate,
        "rate_sent": round3(achieved),
        "sent": sent.datagrams,
        "send_errors": sent.errors,
        "sender_started_late_s": sent.late,
        "received": one_way.len(),
        "undelayed": undelayed,
        "lost": lost,
        "lateness_ms": late,
        "delayer_core": round3(core),
        "delayer_cpu_us_per_packet": round3(core / queued * 1e6),
        "machine_busy": round3(window.machine_busy),
        "queue": queue_json(&window.queue, window.seconds),
        "host_rcvbuf_errors": rcvbuf_errors,
        "keeps_up": limits.is_empty() && error.is_null(),
        "stops_the_steps": hard,
        "limits": limits,
        "error": error,
    })
}

/// The flood's steps through the delay, until two in a row do not keep up.
fn flood(
    o: &Options,
    target: &Target,
    receiver: &flood::Receiver,
    delayer: Option<u32>,
    noise: Value,
) -> Value {
    println!(
        "\nceiling: UDP from the target's namespace through the delayer, {} s a step",
        o.step_seconds
    );
    println!(
        "{:>8} | {:>8} | {:>7} | {:>9} | {:>22} | {:>7} | {:>6} | {:>7} | {:>9} | limits",
        "asked/s",
        "sent/s",
        "lost",
        "undelayed",
        "lateness p50/p99/max",
        "delayer",
        "µs/pkt",
        "machine",
        "queued/s"
    );
    // The measurement's own tail (path, receiver's wake-up), without delay.
    let floor_p99 = num(&noise["lateness_ms"]["p99"]);
    let floor_p99 = if floor_p99.is_finite() {
        floor_p99
    } else {
        0.0
    };
    let mut steps = Vec::new();
    let mut failing = 0;
    for (i, rate) in o.steps.iter().enumerate() {
        let step = flood_step(
            o,
            target,
            receiver,
            delayer,
            (i as u32 + 1, *rate, o.delay_ms as f64),
            floor_p99,
        );
        println!(
            "{:>8} | {:>8.0} | {:>7} | {:>9} | {:>22} | {:>7} | {:>6.1} | {:>7} | {:>9.0} | {}",
            rate,
            num(&step["rate_sent"]),
            step["lost"].to_string(),
            step["undelayed"].to_string(),
            ms3(&step["lateness_ms"]),
            frac(&step["delayer_core"]),
            num(&step["delayer_cpu_us_per_packet"]),
            frac(&step["machine_busy"]),
            num(&step["queue"]["packets_per_s"]),
            step["limits"]
                .as_array()
                .map(|l| l
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("; "))
                .filter(|l| !l.is_empty())
                .or_else(|| step["error"].as_str().map(str::to_owned))
                .unwrap_or_else(|| "keeps up".to_owned())
        );
        let hard = step["stops_the_steps"] == true;
        steps.push(step);
        failing = if hard { failing + 1 } else { 0 };
        if failing >= 2 {
            break;
        }
    }
    let below = |failed: &dyn Fn(&Value) -> bool| {
        let highest = steps
            .iter()
            .take_while(|s| !failed(s))
            .last()
            .map(|s| s["rate_asked"].clone())
            .unwrap_or(Value::Null);
        let first = steps
            .iter()
            .find(|s| failed(s))
            .map(|s| json!({ "rate_asked": s["rate_asked"], "limits": s["limits"], "error": s["error"] }))
            .unwrap_or(Value::Null);
        (highest, first)
    };
    let (ceiling, limited_by) = below(&|s| s["keeps_up"] != true);
    let (whole, whole_limited_by) = below(&|s| s["stops_the_steps"] == true);
    json!({
        "step_seconds": o.step_seconds,
        "without_delay": noise,
        "ceiling_packets_per_s": ceiling,
        "first_step_not_keeping_up": limited_by,
        "every_packet_delayed_up_to_packets_per_s": whole,
        "first_step_with_packets_undelayed_or_lost": whole_limited_by,
        "steps": steps,
    })
}

/// `p50 / p99 / max` of a percentiles object, ms with one decimal.
fn ms3(v: &Value) -> String {
    let f = |key: &str| match v[key].as_f64() {
        Some(x) => format!("{x:.1}"),
        None => "-".to_owned(),
    };
    format!("{} / {} / {}", f("p50"), f("p99"), f("max"))
}

fn frac(v: &Value) -> String {
    match v.as_f64() {
        Some(x) => format!("{x:.3}"),
        None => "-".to_owned(),
    }
}

/// Starts a target container and waits until it answers; its address.
fn answering(role: &str) -> Result<(Target, SocketAddr), String> {
    let target = Target::start(role)?;
    let ip = target
        .ip
        .parse()
        .map_err(|err| format!("the target's address {:?}: {err}", target.ip))?;
    let address = SocketAddr::new(ip, containers::TARGET_PORT);
    if !common::wait_for(Duration::from_secs(60), Duration::from_millis(100), || {
        one_request(address).is_some()
    }) {
        return Err(format!(
            "{} did not answer GET /health within 60 s",
            target.name
        ));
    }
    Ok((target, address))
}

fn measure(o: &Options) -> Result<Value, String> {
    // The delayed target, and a control that is never delayed: both are
    // loaded at the same time, so the control sees the same machine (the
    // other work on it, the client's own lateness) in the same window.
    let (target, address) = answering("delayed")?;
    let (control, control_address) = answering("control")?;
    let pair = [address, control_address];
    println!(
        "target {} at {address}, control {} at {control_address}: each {} req/s over {} connections for {} s, delay {} ms",
        target.name, control.name, o.rate, o.connections, o.seconds, o.delay_ms
    );
    // The flood's measurement floor: its first rate with no delay applied
    // (the one-way time of the path and of the receiver's wake-up).
    let receiver = if o.flood {
        Some(flood::Receiver::start()?)
    } else {
        None
    };
    let noise = match (&receiver, o.steps.first()) {
        (Some(receiver), Some(rate)) => {
            flood_step(o, &target, receiver, None, (0, *rate, 0.0), 0.0)
        }
        _ => Value::Null,
    };
    if !noise.is_null() {
        println!(
            "flood without the delay at {}/s: one-way {} ms",
            noise["rate_asked"],
            ms3(&noise["lateness_ms"])
        );
    }
    // Warm up the targets and the client, unmeasured.
    let mut warm = o.clone();
    warm.seconds = 3.0;
    let _ = loaded(&warm, &pair, None, target.pid);
    let (baseline, base_window) = loaded(o, &pair, None, target.pid);

    let lifetime = Duration::from_secs_f64(
        600.0 + o.seconds * 2.0 + o.steps.len() as f64 * (o.step_seconds + 6.0),
    );
    let applying = Instant::now();
    let helper = Helper::delay(&target, Duration::from_millis(o.delay_ms), lifetime)?;
    let apply_ms = applying.elapsed().as_secs_f64() * 1e3;
    let mut delayer = None;
    common::wait_for(Duration::from_secs(10), Duration::from_millis(50), || {
        delayer = procfs::delayer_pid(helper.pid);
        delayer.is_some()
    });
    if delayer.is_none() {
        eprintln!(
            "no chaos-delayer process under the helper (pid {}): no CPU figures",
            helper.pid
        );
    }
    let check = one_request(address);
    let idle = watch(
        delayer,
        target.pid,
        Instant::now(),
        Duration::from_secs_f64(o.idle_seconds),
    );
    let (delayed, window) = loaded(o, &pair, delayer, target.pid);
    let flood = match &receiver {
        Some(receiver) => flood(o, &target, receiver, delayer, noise),
        None => Value::Null,
    };
    let reverting = Instant::now();
    drop(helper);
    let revert_ms = reverting.elapsed().as_secs_f64() * 1e3;
    let after = one_request(address);
    drop(control);
    drop(target);

    let delay = o.delay_ms as f64;
    let latencies = |runs: &[load::LoadResult], i: usize| {
        runs.get(i)
            .map(|r| r.latencies_ms.clone())
            .unwrap_or_default()
    };
    let median = |values: Vec<f64>| common::percentile(&common::sorted(values), 0.5);
    let minus = |values: &[f64], by: f64| values.iter().map(|v| v - by).collect::<Vec<_>>();
    let errors = |p: &Value| {
        json!({
            "p50": round3(num(&p["p50"]) - delay),
            "p99": round3(num(&p["p99"]) - delay),
            "max": round3(num(&p["max"]) - delay),
        })
    };
    let shift = |a: &Value, b: &Value| {
        json!({
            "p50": round3(num(&a["p50"]) - num(&b["p50"])),
            "p99": round3(num(&a["p99"]) - num(&b["p99"])),
        })
    };
    let delayed_target = latencies(&delayed, 0);
    let added = percentiles(&minus(&delayed_target, median(latencies(&delayed, 1))));
    let added_vs_baseline = percentiles(&minus(&delayed_target, median(latencies(&baseline, 0))));
    let p = |runs: &[load::LoadResult], i: usize| percentiles(&latencies(runs, i));
    let loads = |runs: &[load::LoadResult]| {
        json!({
            "target": runs.first().map(load_json),
            "control": runs.get(1).map(load_json),
        })
    };
    Ok(json!({
        "rate": o.rate,
        "connections": o.connections,
        "seconds": o.seconds,
        "delay_ms": o.delay_ms,
        "apply_ms": round3(apply_ms),
        "revert_ms": round3(revert_ms),
        "one_request_ms": { "delayed": check.map(round3), "after_revert": after.map(round3) },
        "baseline": loads(&baseline),
        "baseline_machine_busy": round3(base_window.machine_busy),
        "baseline_target_minus_control_ms": shift(&p(&baseline, 0), &p(&baseline, 1)),
        "delayed": loads(&delayed),
        "delayed_machine_busy": round3(window.machine_busy),
        "added_ms": added,
        "added_error_ms": errors(&added),
        "same_window_quantile_difference_ms": shift(&p(&delayed, 0), &p(&delayed, 1)),
        "added_vs_baseline_median_ms": added_vs_baseline,
        "delayer_core": { "loaded": window.delayer_core.map(round3), "idle": idle.delayer_core.map(round3) },
        "queue_loaded": queue_json(&window.queue, window.seconds),
        "queue_idle": queue_json(&idle.queue, idle.seconds),
        "flood": flood,
    }))
}

fn load_line(name: &str, r: &Value) -> String {
    format!(
        "{name:<19} {:>24}   ({} answered, {} timed out, {} failed)",
        ms3(&r["latency_ms"]),
        r["answered"],
        r["timed_out"],
        r["failed"]
    )
}

fn print_summary(r: &Value) {
    let delay = num(&r["delay_ms"]);
    println!("\nall in ms: p50 / p99 / max");
    println!(
        "baseline (machine busy {}):",
        frac(&r["baseline_machine_busy"])
    );
    println!("{}", load_line("  target", &r["baseline"]["target"]));
    println!("{}", load_line("  control", &r["baseline"]["control"]));
    println!(
        "delayed (machine busy {}):",
        frac(&r["delayed_machine_busy"])
    );
    println!(
        "{}",
        load_line("  target (delayed)", &r["delayed"]["target"])
    );
    println!("{}", load_line("  control", &r["delayed"]["control"]));
    println!(
        "added latency       {:>24}   (each delayed request minus the control's median in the same window); error vs {delay} ms: p50 {:+.1}, p99 {:+.1}, max {:+.1}",
        ms3(&r["added_ms"]),
        num(&r["added_error_ms"]["p50"]),
        num(&r["added_error_ms"]["p99"]),
        num(&r["added_error_ms"]["max"])
    );
    println!(
        "same-window quantile difference (target - control): p50 {:.1}, p99 {:.1} (before the delay: p50 {:.1}, p99 {:.1})",
        num(&r["same_window_quantile_difference_ms"]["p50"]),
        num(&r["same_window_quantile_difference_ms"]["p99"]),
        num(&r["baseline_target_minus_control_ms"]["p50"]),
        num(&r["baseline_target_minus_control_ms"]["p99"])
    );
    println!(
        "added vs the baseline's median: {}",
        ms3(&r["added_vs_baseline_median_ms"])
    );
    println!(
        "delayer CPU: {} of a core loaded, {} idle; queue at {} req/s: {:.0} packets/s, {} dropped, {} not delivered",
        frac(&r["delayer_core"]["loaded"]),
        frac(&r["delayer_core"]["idle"]),
        r["rate"],
        num(&r["queue_loaded"]["packets_per_s"]),
        r["queue_loaded"]["queue_dropped"],
        r["queue_loaded"]["user_dropped"]
    );
    println!(
        "apply {:.0} ms, revert {:.0} ms; one request: delayed {} ms, after the revert {} ms",
        num(&r["apply_ms"]),
        num(&r["revert_ms"]),
        r["one_request_ms"]["delayed"],
        r["one_request_ms"]["after_revert"]
    );
    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    let p99_error = num(&r["added_error_ms"]["p99"]);
    let control_p99 = num(&r["delayed"]["control"]["latency_ms"]["p99"]);
    let core = num(&r["delayer_core"]["loaded"]);
    println!(
        "aims: p99 error under 5 ms: {} ({p99_error:+.1} ms; the undelayed control's own p99 in the same window: {control_p99:.1} ms); under 0.25 core: {} ({core:.3})",
        verdict(p99_error.abs() < 5.0),
        verdict(core < 0.25)
    );
    if !r["flood"].is_null() {
        println!(
            "ceiling: {} packets/s keep up; first step that does not: {}",
            r["flood"]["ceiling_packets_per_s"], r["flood"]["first_step_not_keeping_up"]
        );
        println!(
            "every packet delayed (lateness aside) up to {} packets/s; first step that is not: {}",
            r["flood"]["every_packet_delayed_up_to_packets_per_s"],
            r["flood"]["first_step_with_packets_undelayed_or_lost"]
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == "--udp-send") {
        // The flood's sender, inside the target's namespace.
        let outcome = flood::Send::parse(&args[at + 1..])
            .ok_or_else(|| "--udp-send TARGET STEP RATE START SECONDS".to_owned())
            .and_then(|send| send.run());
        if let Err(err) = outcome {
            eprintln!("{err}");
            std::process::exit(1);
        }
        return;
    }
    let o = options(&args);
    containers::cleanup_on_signal();
    if let Err(err) = ensure_images() {
        eprintln!("cannot run: {err}");
        std::process::exit(1);
    }
    let machine = machine();
    let load_before = procfs::loadavg();
    println!("machine: {machine}; load average {load_before}");
    match measure(&o) {
        Ok(mut report) => {
            let load_after = procfs::loadavg();
            print_summary(&report);
            println!("load average before {load_before}, after {load_after}");
            report["machine"] = json!(machine);
            report["loadavg_before"] = json!(load_before);
            report["loadavg_after"] = json!(load_after);
            common::write_figures(&o.out, &report);
        }
        Err(err) => {
            eprintln!("failed: {err}");
            std::process::exit(1);
        }
    }
}
