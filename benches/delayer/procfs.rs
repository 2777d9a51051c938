//! What the bench reads in `/proc`: the delayer's process and its CPU
//! time, the NFQUEUE counters of the target's network namespace, the
//! machine's CPU and load, and the host's UDP receive-buffer drops.

use std::time::Instant;

/// The pid of the `chaos-delayer` whose parent is `parent` (the helper
/// container's shell), if there is one.
pub fn delayer_pid(parent: u32) -> Option<u32> {
    let entries = std::fs::read_dir("/proc").ok()?;
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            stat_fields(*pid).is_some_and(|(comm, fields)| {
                comm == "chaos-delayer"
                    && fields.get(1).and_then(|f| f.parse().ok()) == Some(parent)
            })
        })
}

/// `(comm, fields after comm)` of `/proc/PID/stat`: fields[0] is the state
/// (field 3 of proc(5)), fields[1] the parent, fields[11] utime, fields[12]
/// stime.
fn stat_fields(pid: u32) -> Option<(String, Vec<String>)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_owned();
    let rest = text.get(close + 1..)?;
    Some((comm, rest.split_whitespace().map(str::to_owned).collect()))
}

/// Clock ticks a second of `/proc/PID/stat`'s times (`USER_HZ`, which
/// Linux fixes at 100 for user space on every architecture it exports it).
const USER_HZ: f64 = 100.0;

/// The CPU time (user + system) `pid` has used, in seconds.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let (_, fields) = stat_fields(pid)?;
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / USER_HZ)
}

/// A process's CPU time at one instant, to take a fraction of a core over
/// a window.
#[derive(Clone, Copy)]
pub struct CpuMark {
    pid: u32,
    cpu: f64,
    at: Instant,
}

impl CpuMark {
    /// Reads `pid`'s CPU time now.
    pub fn take(pid: u32) -> Option<CpuMark> {
        Some(CpuMark {
            pid,
            cpu: cpu_seconds(pid)?,
            at: Instant::now(),
        })
    }

    /// The share of one core the process used since this mark.
    pub fn core_fraction(&self) -> Option<f64> {
        let now = CpuMark::take(self.pid)?;
        let wall = now.at.duration_since(self.at).as_secs_f64();
        (wall > 0.0).then(|| (now.cpu - self.cpu) / wall)
    }
}

/// The machine's CPU counters (`cpu` line of `/proc/stat`): busy and total
/// jiffies.
#[derive(Clone, Copy)]
pub struct MachineCpu {
    busy: u64,
    total: u64,
}

impl MachineCpu {
    /// Reads them now (zeros when `/proc/stat` cannot be read).
    pub fn take() -> MachineCpu {
        let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let values: Vec<u64> = text
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        let total: u64 = values.iter().take(8).sum();
        // idle and iowait are the 4th and 5th.
        let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
        MachineCpu {
            busy: total.saturating_sub(idle),
            total,
        }
    }

    /// The share of the machine's CPU time busy since this mark (0 to 1).
    pub fn busy_since(&self) -> f64 {
        let now = MachineCpu::take();
        let total = now.total.saturating_sub(self.total);
        if total == 0 {
            return f64::NAN;
        }
        now.busy.saturating_sub(self.busy) as f64 / total as f64
    }
}

/// `/proc/loadavg`'s three load averages.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// One queue's line of `nfnetlink_queue` (see `Queue::read`).
#[derive(Clone, Copy, Debug, Default)]
pub struct QueueCounters {
    /// Packets waiting for a verdict now.
    pub waiting: u64,
    /// Packets dropped because the queue was full (without fail-open).
    pub queue_dropped: u64,
    /// Packets the kernel could not send to the delayer's socket (its
    /// receive buffer was full).
    pub user_dropped: u64,
    /// The id of the last packet queued: its difference over a window is
    /// the packets queued in it.
    pub id_sequence: u64,
}

impl QueueCounters {
    /// The counters of queue `number` in the network namespace of process
    /// `pid` (`/proc/PID/net/netfilter/nfnetlink_queue`: queue number, peer
    /// port id, queue total, copy mode, copy range, queue dropped, user
    /// dropped, id sequence, 1).
    pub fn read(pid: u32, number: u16) -> Option<QueueCounters> {
        let text =
            std::fs::read_to_string(format!("/proc/{pid}/net/netfilter/nfnetlink_queue")).ok()?;
        text.lines().find_map(|line| {
            let f: Vec<u64> = line
                .split_whitespace()
                .filter_map(|v| v.parse().ok())
                .collect();
            (f.len() >= 8 && f[0] == u64::from(number)).then(|| QueueCounters {
                waiting: f[2],
                queue_dropped: f[5],
                user_dropped: f[6],
                id_sequence: f[7],
            })
        })
    }

    /// The counters' growth since `before` (`waiting` is now's).
    pub fn since(&self, before: &QueueCounters) -> QueueCounters {
        QueueCounters {
            waiting: self.waiting,
            queue_dropped: self.queue_dropped.saturating_sub(before.queue_dropped),
            user_dropped: self.user_dropped.saturating_sub(before.user_dropped),
            id_sequence: self.id_sequence.saturating_sub(before.id_sequence),
        }
    }
}

/// The host's `Udp: RcvbufErrors` (`/proc/net/snmp`): datagrams dropped
/// because a receiving socket's buffer was full.
pub fn udp_rcvbuf_errors() -> u64 {
    let text = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
    let mut udp = text.lines().filter(|l| l.starts_with("Udp:"));
    let (Some(names), Some(values)) = (udp.next(), udp.next()) else {
        return 0;
    };
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .find(|(name, _)| *name == "RcvbufErrors")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0)
}
