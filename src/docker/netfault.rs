//! The shell script the network helper container runs: pure text, no I/O.
//!
//! The helper joins the target container's network namespace
//! (`network_mode: container:<id>`, `NET_ADMIN`) and runs `sh -c SCRIPT`.
//! The script (POSIX `sh`, needs `iptables`, `ip6tables`, `tc` from
//! iproute2, `ls`, `date`, `sleep`, `head`):
//!
//! 1. refuses to start (exit [`EXIT_BUSY`]) when rules of another fault are
//!    in the namespace (a chain `CHAOS_ENGINE_IN`/`_OUT`, IPv4 or IPv6, or
//!    a root `tbf` / `netem` qdisc), and refuses (exit [`EXIT_EXPIRED`])
//!    when `expires_at` is already past;
//! 2. applies the fault on every interface of the namespace except `lo`
//!    (found in `/sys/class/net` when it runs), IPv4 with `iptables` and
//!    IPv6 with `ip6tables`. When `ip6tables` does not work in the
//!    namespace (no IPv6 in the kernel, no `ip6tables` in the image), the
//!    IPv6 rules are skipped and the script prints a line starting with
//!    [`NOTE_PREFIX`] saying so: the fault still applies to IPv4;
//! 3. prints [`APPLIED_LINE`] on standard output, then waits, looking
//!    every second whether its rules are still there (see below);
//! 4. on SIGTERM or SIGINT reverts and exits 0; at `expires_at` (the
//!    dead-man's switch for an engine that died) reverts, prints
//!    [`EXPIRED_LINE`] and exits 0;
//! 5. when any of its rules is gone before then (someone ran
//!    `iptables -F` or `tc qdisc del` in the namespace: a repair), removes
//!    what is left of them, prints [`REMOVED_LINE`] and exits
//!    [`EXIT_REMOVED`]: the engine's watch reads that exit in the Docker
//!    events as the fault's repair.
//!
//! When a step fails the script reverts what it did and exits non-zero
//! with `tc`/`iptables`' own message on standard error; a kernel without
//! the netem qdisc gives exit [`EXIT_NO_NETEM`].
//!
//! Rules live in two dedicated chains, `CHAOS_ENGINE_IN` hooked from
//! `INPUT` and `CHAOS_ENGINE_OUT` hooked from `OUTPUT` (one chain per
//! direction, because a rule cannot tell from which hook it was reached),
//! in both `iptables` (IPv4) and `ip6tables` (IPv6), so the revert is:
//! unhook, flush, delete. Every rule, hooks included, carries
//! `-m comment --comment "chaos-engine <token>"`, the fault's opaque token.
//!
//! - partition, no peers: DROP everything but loopback, both ways, IPv4
//!   and IPv6;
//! - partition with peers (IPs or CIDRs, resolved by the caller): DROP
//!   `-s PEER` on the way in and `-d PEER` on the way out, with `iptables`
//!   for an IPv4 peer and `ip6tables` for an IPv6 one;
//! - loss: `statistic` random DROP on the way **in only** (ingress, not
//!   loopback), IPv4 and IPv6: a request is lost when it or the ACK of a
//!   reply is lost;
//! - rate alone: a `tbf` qdisc (see [`tbf_burst_bytes`]);
//! - delay, jitter, corrupt, duplicate: a `netem` qdisc, which also takes
//!   the rate when one is set.
//!
//! Whether the rules are still there ([`Plan::present_v4`],
//! [`Plan::present_v6`], and the qdisc on each interface the fault was
//! applied to) is read by the fault's own comment: for each chain it
//! used, the hook in `INPUT`/`OUTPUT` and a DROP rule in the chain, both
//! carrying `"chaos-engine <token>"`; IPv6 only when its rules were
//! applied; a root `tbf`/`netem` qdisc on each interface that still
//! exists (an interface that went away with its container's network is
//! the container's business: its start again is seen in the events).
//! When those cannot be read right after the apply (an image whose
//! `iptables -S` prints comments differently), the helper notes it and
//! does not look again: a removal by hand is then not seen.
//!
//! The revert ([`revert_commands`]) needs nothing from the apply: it
//! removes the chains of both families under both backends (`iptables-nft`,
//! `iptables-legacy`, `ip6tables-nft`, `ip6tables-legacy`, so rules an
//! image of the other backend made go too) and a root `tbf` or `netem`
//! qdisc on every interface; every error is ignored, so it can run any
//! number of times.

use std::time::Duration;

use crate::docker::spec::{describe_rate, DelayWith, DockerFault, NetworkFault};
use crate::docker::DockerError;

/// The line the helper prints once the fault is in effect.
pub const APPLIED_LINE: &str = "chaos-engine: applied";
/// The line the helper prints after the dead-man's switch reverted.
pub const EXPIRED_LINE: &str = "chaos-engine: expired, reverted";
/// The line the helper prints when someone else removed its rules (it
/// removed what was left and exits [`EXIT_REMOVED`]).
pub const REMOVED_LINE: &str = "chaos-engine: rules removed by someone else, the rest reverted";
/// The line the revert-only helper prints when done.
pub const REVERTED_LINE: &str = "chaos-engine: reverted";
/// The start of a line the helper prints about something it left out
/// without failing (IPv6 rules in a namespace without IPv6).
pub const NOTE_PREFIX: &str = "chaos-engine: note: ";
/// Every iptables command the revert and the busy check try: both
/// families, the image's default backend and both backends by name.
const IPTABLES_TOOLS: &str =
    "iptables iptables-nft iptables-legacy ip6tables ip6tables-nft ip6tables-legacy";
/// Exit code: the kernel has no netem qdisc.
pub const EXIT_NO_NETEM: i64 = 3;
/// Exit code: rules of another fault are present in the namespace.
pub const EXIT_BUSY: i64 = 4;
/// Exit code: `expires_at` was already past when the helper started.
pub const EXIT_EXPIRED: i64 = 5;
/// Exit code: someone else removed the fault's rules before its end (a
/// repair); the helper removed what was left.
pub const EXIT_REMOVED: i64 = 6;
/// The chain hooked from `INPUT`.
pub const CHAIN_IN: &str = "CHAOS_ENGINE_IN";
/// The chain hooked from `OUTPUT`.
pub const CHAIN_OUT: &str = "CHAOS_ENGINE_OUT";

/// The `tbf` latency: how long a packet may wait in the bucket before it
/// is dropped.
const TBF_LATENCY: &str = "400ms";
/// The smallest `tbf` burst, bytes: above one 1500-byte frame with room
/// (a burst below the MTU lets no full-size packet through).
const TBF_MIN_BURST_BYTES: u64 = 4096;

/// The commands a fault runs, as shell text; `$IF` stands for each
/// interface (the script loops over them).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// `iptables` commands, in order (empty: iptables is not touched).
    pub iptables: Vec<String>,
    /// `ip6tables` commands, in order, run after the `iptables` ones and
    /// only when `ip6tables` works in the namespace (empty: not touched).
    pub ip6tables: Vec<String>,
    /// `tc` commands run for each interface `$IF`.
    pub tc: Vec<String>,
    /// The parameters needing netem (`delay 200ms, jitter 20ms`), for the
    /// error when the kernel lacks it; `None` when no netem is used.
    pub netem: Option<String>,
    /// Shell conditions, each true while one IPv4 part of the fault is in
    /// place (a chain's hook, a chain's DROP rule), read by the fault's
    /// rule comment.
    pub present_v4: Vec<String>,
    /// The same for IPv6 (checked only when its rules were applied).
    pub present_v6: Vec<String>,
    /// Where the kernel has no netem (or always, as configured): the
    /// user-space delayer that does the netem part instead (see
    /// [`Delayer`]); `None` when no netem is used, or netem only is
    /// configured.
    pub delayer: Option<Delayer>,
}

/// The user-space delayer (`chaos-delayer`, in the helper image) that
/// delays, duplicates and corrupts the namespace's outgoing packets on an
/// NFQUEUE queue when the kernel has no netem qdisc: the fault's chain
/// `CHAOS_ENGINE_OUT` sends every outgoing packet but loopback's to
/// [`DELAYER_QUEUE`] with `--queue-bypass`, so that traffic flows as
/// normal whenever no delayer holds the queue (fail-open). A rate is then
/// a `tbf` qdisc ([`Delayer::tc`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delayer {
    /// `chaos-delayer`'s arguments.
    pub args: String,
    /// The `tc` commands for each `$IF` beside it (a `tbf` for a rate).
    pub tc: Vec<String>,
    /// The rules that send outgoing packets to its queue, for `iptables`
    /// (or `ip6tables`: the same with the tool's name changed).
    pub rules: Vec<String>,
    /// A shell condition, true while its IPv4 queue rule is in place.
    pub present: String,
}

/// The NFQUEUE queue the delayer reads (one per network namespace).
pub const DELAYER_QUEUE: u16 = 4242;

/// The smallest rate, bit/s: `tc` counts rates in whole bytes per second,
/// and refuses `rate 7bit` ("the \"rate\" parameter is mandatory").
pub const MIN_RATE_BITS: u64 = 8;
/// The largest rate, bit/s: 3400 Gbit/s. `tc` takes a `tbf` burst of at
/// most `u32::MAX` bytes ("illegal value for \"burst\"" above), and
/// [`tbf_burst_bytes`] is `rate / 800`, which passes it above
/// 3,435,973,836,000 bit/s; rounded down to a value `tc` units show.
pub const MAX_RATE_BITS: u64 = 3_400_000_000_000;
/// The smallest share of packets a fault drops, corrupts or duplicates,
/// percent: one packet in 10,000. iptables' `statistic` match draws with
/// a resolution of 1/2^31 and netem with 1/2^32, and the shares are
/// written with a few decimals ([`probability`], [`percent`]); a share
/// far below this one rounds to 0 there (`--probability 0`, `corrupt 0%`)
/// and even above that would not be seen in a fault lasting minutes.
pub const MIN_PERCENT: f64 = 0.01;
/// The longest netem `delay` or `jitter` (netem itself takes up to about
/// 274 s: a `u32` of 64 ns ticks in its classic options).
pub const MAX_NETEM_DELAY: Duration = Duration::from_secs(60);
/// The shortest netem `delay` or `jitter`: they are written to `tc` in
/// whole milliseconds, so a shorter one would be `0ms`.
pub const MIN_NETEM_DELAY: Duration = Duration::from_millis(1);

/// The `tbf` burst for a rate, bytes: 10 ms worth of traffic
/// (`rate / 8 / 100`), at least [`TBF_MIN_BURST_BYTES`]. The bucket must
/// hold at least a full frame, and at least what the rate lets through in
/// one timer tick (4 ms at HZ=250); 10 ms covers HZ >= 100.
pub fn tbf_burst_bytes(bits_per_second: u64) -> u64 {
    (bits_per_second / 8 / 100).max(TBF_MIN_BURST_BYTES)
}

/// The rule comment: `chaos-engine <token>`, the fault's opaque token
/// (never the target, mode or failure id: see `super::ledger`), with
/// anything but `[A-Za-z0-9._:/-]` replaced by `_` (no shell or iptables
/// quoting surprises) and cut to iptables' 256 characters.
pub fn rule_comment(token: &str) -> String {
    let clean: String = token
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._:/-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut comment = format!("chaos-engine {clean}");
    comment.truncate(255);
    comment
}

/// The fault's comment as `grep -F` finds it in `iptables -S` output,
/// shell-quoted: `iptables -S` prints the comment in double quotes, and
/// the closing one keeps token `ab` from matching a rule of token `abc`.
fn marked(token: &str) -> String {
    format!("'\"{}\"'", rule_comment(token))
}

/// The index of IPv4 rules in [`plan`]'s per-family arrays.
const V4: usize = 0;
/// The index of IPv6 rules.
const V6: usize = 1;

/// A share in percent as iptables' probability: `30` → `0.3`, `12.5` →
/// `0.125`, `100` → `1`.
fn probability(percent: f64) -> String {
    let text = format!("{:.6}", (percent / 100.0).clamp(0.0, 1.0));
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_owned()
}

/// A percentage for netem: `1`, `0.5`.
fn percent(value: f64) -> String {
    let text = format!("{value:.4}");
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

/// The commands of `fault`, whose rules carry the fault's opaque
/// `token`; `peers` are the IPs/CIDRs of a partition's peers
/// (resolved by the caller; empty: partition from everything, unless the
/// fault names peers: then [`DockerError::NoMatch`], never a full
/// partition). IPv4 peers go to [`Plan::iptables`], IPv6 ones to
/// [`Plan::ip6tables`]; a full partition and loss go to both. Kill, stop
/// and pause need no helper: [`DockerError::Unsupported`].
pub fn plan(token: &str, fault: &DockerFault, peers: &[String]) -> Result<Plan, DockerError> {
    let comment = format!("-m comment --comment \"{}\"", rule_comment(token));
    let mut plan = Plan::default();
    // The DROP rules of each chain: [IPv4, IPv6] for the way in and out.
    let mut rules_in: [Vec<String>; 2] = Default::default();
    let mut rules_out: [Vec<String>; 2] = Default::default();
    match fault {
        DockerFault::Partition { peers: named } if !named.is_empty() && peers.is_empty() => {
            return Err(DockerError::NoMatch {
                selector: format!("partition peers {}", named.join(", ")),
            })
        }
        DockerFault::Partition { .. } if peers.is_empty() => {
            for family in [V4, V6] {
                rules_in[family].push("! -i lo".to_owned());
                rules_out[family].push("! -o lo".to_owned());
            }
        }
        DockerFault::Partition { .. } => {
            for peer in peers {
                if peer.is_empty()
                    || !peer
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() || ".:/".contains(c))
                {
                    return Err(DockerError::Unsupported(format!(
                        "partition peer {peer:?} is not an IP address or CIDR block"
                    )));
                }
                let family = if peer.contains(':') { V6 } else { V4 };
                rules_in[family].push(format!("-s {peer}"));
                rules_out[family].push(format!("-d {peer}"));
            }
        }
        DockerFault::Network(network) => {
            if let Some(loss) = network.loss {
                for family in [V4, V6] {
                    rules_in[family].push(format!(
                        "! -i lo -m statistic --mode random --probability {}",
                        probability(loss)
                    ));
                }
            }
            plan.tc = tc_commands(network);
            if network.needs_netem() {
                plan.netem = Some(netem_parameters(network));
            }
            if network.needs_netem() && network.delay_by != DelayWith::Netem {
                if network.delay_by == DelayWith::Delayer {
                    // No netem tried: the delayer block runs at once.
                    plan.tc.clear();
                }
                plan.delayer = Some(Delayer {
                    args: delayer_args(network),
                    tc: tc_commands(&NetworkFault {
                        rate: network.rate,
                        ..NetworkFault::default()
                    }),
                    rules: vec![
                        format!("iptables -w -N {CHAIN_OUT}"),
                        format!(
                            "iptables -w -A {CHAIN_OUT} ! -o lo {comment} -j NFQUEUE \
                             --queue-num {DELAYER_QUEUE} --queue-bypass"
                        ),
                        format!("iptables -w -I OUTPUT {comment} -j {CHAIN_OUT}"),
                    ],
                    present: format!(
                        "iptables -w -S {CHAIN_OUT} 2>/dev/null | grep -F -- '-j NFQUEUE' | grep -qF {}",
                        marked(token)
                    ),
                });
            }
        }
        other => {
            return Err(DockerError::Unsupported(format!(
                "a {} fault needs no network helper",
                other.mode()
            )))
        }
    }
    let marked = marked(token);
    for (tool, family, commands, present) in [
        ("iptables", V4, &mut plan.iptables, &mut plan.present_v4),
        ("ip6tables", V6, &mut plan.ip6tables, &mut plan.present_v6),
    ] {
        for (chain, hook, rules) in [
            (CHAIN_IN, "INPUT", &rules_in[family]),
            (CHAIN_OUT, "OUTPUT", &rules_out[family]),
        ] {
            if rules.is_empty() {
                continue;
            }
            commands.push(format!("{tool} -w -N {chain}"));
            for rule in rules {
                commands.push(format!("{tool} -w -A {chain} {rule} {comment} -j DROP"));
            }
            commands.push(format!("{tool} -w -I {hook} {comment} -j {chain}"));
            for (listed, jump) in [(hook, chain), (chain, "DROP")] {
                present.push(format!(
                    "{tool} -w -S {listed} 2>/dev/null | grep -F -- '-j {jump}' | grep -qF {marked}"
                ));
            }
        }
    }
    Ok(plan)
}

/// What of `network` netem does, for [`DockerError::NoNetem`].
fn netem_parameters(network: &NetworkFault) -> String {
    NetworkFault {
        loss: None,
        rate: None,
        ..network.clone()
    }
    .describe()
}

/// `chaos-delayer`'s arguments for the netem part of `network`: the
/// queue, delay and jitter in milliseconds, shares in percent.
fn delayer_args(network: &NetworkFault) -> String {
    let mut args = vec![format!("--queue {DELAYER_QUEUE}")];
    if let Some(delay) = network.delay {
        args.push(format!("--delay {}ms", delay.as_millis()));
    }
    if let Some(jitter) = network.jitter {
        args.push(format!("--jitter {}ms", jitter.as_millis()));
    }
    if let Some(duplicate) = network.duplicate {
        args.push(format!("--duplicate {}", percent(duplicate)));
    }
    if let Some(corrupt) = network.corrupt {
        args.push(format!("--corrupt {}", percent(corrupt)));
    }
    args.join(" ")
}

/// The qdisc of a network fault, for each `$IF`: netem when it needs it
/// (with the rate as netem's `rate`), else tbf for a rate, else none.
fn tc_commands(network: &NetworkFault) -> Vec<String> {
    if network.needs_netem() {
        let mut args = Vec::new();
        if network.delay.is_some() || network.jitter.is_some() {
            let delay = network.delay.map_or(0, |d| d.as_millis());
            args.push(format!("delay {delay}ms"));
            if let Some(jitter) = network.jitter {
                args.push(format!("{}ms", jitter.as_millis()));
            }
        }
        if let Some(corrupt) = network.corrupt {
            args.push(format!("corrupt {}", percent(corrupt)));
        }
        if let Some(duplicate) = network.duplicate {
            args.push(format!("duplicate {}", percent(duplicate)));
        }
        if let Some(rate) = network.rate {
            args.push(format!("rate {}", describe_rate(rate)));
        }
        vec![format!(
            "tc qdisc add dev \"$IF\" root netem {}",
            args.join(" ")
        )]
    } else if let Some(rate) = network.rate {
        vec![format!(
            "tc qdisc add dev \"$IF\" root tbf rate {} burst {} latency {TBF_LATENCY}",
            describe_rate(rate),
            tbf_burst_bytes(rate)
        )]
    } else {
        Vec::new()
    }
}

/// The revert, as shell commands: unhook, flush and delete both chains
/// of both families (IPv4, IPv6) under every iptables backend present,
/// then delete a root `tbf`/`netem` qdisc on every interface but `lo`.
/// Errors are ignored.
pub fn revert_commands() -> Vec<String> {
    let mut commands = vec![
        format!("for IPT in {IPTABLES_TOOLS}; do"),
        "  command -v \"$IPT\" >/dev/null 2>&1 || continue".to_owned(),
    ];
    for (chain, hook) in [(CHAIN_IN, "INPUT"), (CHAIN_OUT, "OUTPUT")] {
        commands.push(format!(
            "  for N in $(\"$IPT\" -w -n -L {hook} --line-numbers 2>/dev/null \
             | awk '$2 == \"{chain}\" {{ print $1 }}' | sort -rn); do \
             \"$IPT\" -w -D {hook} \"$N\" 2>/dev/null; done"
        ));
        commands.push(format!("  \"$IPT\" -w -F {chain} 2>/dev/null"));
        commands.push(format!("  \"$IPT\" -w -X {chain} 2>/dev/null"));
    }
    commands.push("done".to_owned());
    commands.push("for IF in $(interfaces); do".to_owned());
    commands.push(
        "  if tc qdisc show dev \"$IF\" root 2>/dev/null | grep -Eq '^qdisc (tbf|netem) '; then \
         tc qdisc del dev \"$IF\" root 2>/dev/null; fi"
            .to_owned(),
    );
    commands.push("done".to_owned());
    commands
}

/// The shell functions both scripts share: `interfaces` and `revert`.
fn prelude() -> String {
    let mut text = String::from(
        "interfaces() { for I in $(ls /sys/class/net); do [ \"$I\" = lo ] || echo \"$I\"; done; }\n\
         revert() {\n\
         \x20 if [ -n \"${DELAYER:-}\" ]; then kill \"$DELAYER\" 2>/dev/null; wait \"$DELAYER\" 2>/dev/null; DELAYER=; fi\n",
    );
    for line in revert_commands() {
        text.push_str("  ");
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str("  return 0\n}\n");
    text
}

/// The script that applies `plan`, waits, and reverts on SIGTERM/SIGINT
/// or by itself at `expires_at` (Unix seconds, rounded up).
pub fn apply_script(plan: &Plan, expires_at: f64) -> String {
    let expires = expires_at.ceil().max(0.0) as u64;
    // 0: the delayer straight away (configured so): no netem is tried.
    let netem = u8::from(!(plan.delayer.is_some() && plan.tc.is_empty()));
    let mut s = prelude();
    s.push_str(&format!(
        "fail() {{ echo \"chaos-engine: $1\" >&2; revert; exit \"$2\"; }}\n\
         EXPIRES={expires}\n\
         trap 'revert; exit 0' TERM INT\n\
         if [ \"$(date +%s)\" -ge \"$EXPIRES\" ]; then \
         echo \"chaos-engine: the fault's end ($EXPIRES) is already past\" >&2; exit {EXIT_EXPIRED}; fi\n\
         for IPT in {IPTABLES_TOOLS}; do \
         command -v \"$IPT\" >/dev/null 2>&1 || continue; \
         for C in {CHAIN_IN} {CHAIN_OUT}; do \
         if \"$IPT\" -w -n -L \"$C\" >/dev/null 2>&1; then \
         echo \"chaos-engine: chain $C of another fault is present ($IPT); run chaos-engine recover\" >&2; \
         exit {EXIT_BUSY}; fi; done; done\n\
         for IF in $(interfaces); do \
         if tc qdisc show dev \"$IF\" root 2>/dev/null | grep -Eq '^qdisc (tbf|netem) '; then \
         echo \"chaos-engine: $IF has the qdisc of another fault; run chaos-engine recover\" >&2; \
         exit {EXIT_BUSY}; fi; done\n\
         [ -n \"$(interfaces)\" ] || fail \"no network interface but lo\" 1\n\
         APPLIED_IFS=$(interfaces)\n\
         V6=0\n\
         NETEM={netem}\n\
         QDISC=0\n\
         DELAYER=\n"
    ));
    s.push_str(&present_function(plan));
    let checked = |command: &String| {
        format!(
            "OUT=$({command} 2>&1) || fail \"{} failed: $OUT\" 1\n",
            command.split(" -m comment").next().unwrap_or(command)
        )
    };
    for command in &plan.iptables {
        s.push_str(&checked(command));
    }
    if !plan.ip6tables.is_empty() {
        // No IPv6 here (or no ip6tables in the image): IPv4 only, noted.
        s.push_str("if OUT=$(ip6tables -w -n -L INPUT 2>&1); then\n");
        for command in &plan.ip6tables {
            s.push_str("  ");
            s.push_str(&checked(command));
        }
        s.push_str("  V6=1\n");
        s.push_str(&format!(
            "else\n  echo \"{NOTE_PREFIX}no IPv6 filtering in this namespace \
             (ip6tables: $(echo \"$OUT\" | head -n 1)): the fault applies to IPv4 only\"\nfi\n"
        ));
    }
    if !plan.tc.is_empty() {
        s.push_str("QDISC=1\nfor IF in $(interfaces); do\n");
        for command in &plan.tc {
            s.push_str(&format!("  OUT=$({command} 2>&1) || {{\n"));
            if plan.netem.is_some() {
                let fallback = if plan.delayer.is_some() {
                    "NETEM=0; break"
                } else {
                    "fail \"no netem qdisc in this kernel: $OUT\" EXIT_NO_NETEM"
                };
                s.push_str(&format!(
                    "    case \"$OUT\" in *\"kind is unknown\"*|*\"nknown qdisc\"*) {};; esac\n",
                    fallback.replace("EXIT_NO_NETEM", &EXIT_NO_NETEM.to_string())
                ));
            }
            s.push_str(&format!(
                "    fail \"{} failed on $IF: $OUT\" 1\n  }}\n",
                command.replace('"', "")
            ));
        }
        s.push_str("done\n");
    }
    if let Some(delayer) = &plan.delayer {
        s.push_str(&delayer_block(delayer, netem == 0));
    }
    s.push_str(&format!(
        "WATCH=1\n\
         present || {{ WATCH=0; echo \"{NOTE_PREFIX}cannot read this fault's rules back \
         in this namespace: a removal of them by hand will not be seen\"; }}\n\
         echo \"{APPLIED_LINE}\"\n\
         while [ \"$(date +%s)\" -lt \"$EXPIRES\" ]; do\n\
         \x20 sleep 1 & wait $!\n\
         \x20 if [ \"$WATCH\" = 1 ] && ! present; then \
         revert; echo \"{REMOVED_LINE}\"; exit {EXIT_REMOVED}; fi\n\
         done\n\
         revert\n\
         echo \"{EXPIRED_LINE}\"\n\
         exit 0\n"
    ));
    s
}

/// The part of the apply script that runs the delayer where netem was
/// refused (`NETEM=0`): its `tbf` for a rate, the rules that queue the
/// outgoing packets (IPv4, and IPv6 where `ip6tables` works), then
/// `chaos-delayer` in the background (`DELAYER`, stopped by `revert`);
/// notes which mechanism delays. Without `chaos-delayer` in the image,
/// the netem error as before.
fn delayer_block(delayer: &Delayer, configured: bool) -> String {
    let checked = |command: &str| {
        format!(
            "  OUT=$({command} 2>&1) || fail \"{} failed: $OUT\" 1\n",
            command.split(" -m comment").next().unwrap_or(command)
        )
    };
    let missing = if configured {
        "fail \"policy.docker.delay_with is delayer, and the helper image has no chaos-delayer\" 1"
            .to_owned()
    } else {
        format!(
            "fail \"no netem qdisc in this kernel, and no chaos-delayer in the helper image: \
             $OUT\" {EXIT_NO_NETEM}"
        )
    };
    let why = if configured {
        "as configured (policy.docker.delay_with: delayer)"
    } else {
        "no netem qdisc in this kernel"
    };
    let mut s = format!(
        "if [ \"$NETEM\" = 0 ]; then\n\
         \x20 command -v chaos-delayer >/dev/null 2>&1 || {missing}\n\
         \x20 QDISC=0\n"
    );
    if !delayer.tc.is_empty() {
        s.push_str("  for IF in $(interfaces); do\n");
        for command in &delayer.tc {
            s.push_str(&format!(
                "    OUT=$({command} 2>&1) || fail \"{} failed on $IF: $OUT\" 1\n",
                command.replace('"', "")
            ));
        }
        s.push_str("  done\n  QDISC=1\n");
    }
    for rule in &delayer.rules {
        s.push_str(&checked(rule));
    }
    s.push_str("  if ip6tables -w -n -L OUTPUT >/dev/null 2>&1; then\n");
    for rule in &delayer.rules {
        s.push_str("  ");
        s.push_str(&checked(&rule.replacen("iptables ", "ip6tables ", 1)));
    }
    s.push_str(&format!(
        "  fi\n\
         \x20 chaos-delayer {} >/dev/null 2>&1 &\n\
         \x20 DELAYER=$!\n\
         \x20 sleep 1\n\
         \x20 kill -0 \"$DELAYER\" 2>/dev/null || {{ DELAYER=; fail \"chaos-delayer exited at once\" 1; }}\n\
         \x20 echo \"{NOTE_PREFIX}{why}: the user-space delayer \
         (chaos-delayer, NFQUEUE, fail-open) delays, duplicates and corrupts the outgoing packets\"\n\
         fi\n",
        delayer.args
    ));
    s
}

/// The shell function `present`: true while every part of the fault
/// `plan` applied is in place (its IPv4 rules; its IPv6 rules when they
/// were applied, `V6=1`; its qdisc on each interface of `APPLIED_IFS`
/// that still exists).
fn present_function(plan: &Plan) -> String {
    let mut s = String::from("present() {\n");
    for condition in &plan.present_v4 {
        s.push_str(&format!("  {condition} || return 1\n"));
    }
    if !plan.present_v6.is_empty() {
        s.push_str("  if [ \"$V6\" = 1 ]; then\n");
        for condition in &plan.present_v6 {
            s.push_str(&format!("    {condition} || return 1\n"));
        }
        s.push_str("  fi\n");
    }
    if let Some(delayer) = &plan.delayer {
        s.push_str(&format!(
            "  if [ -n \"$DELAYER\" ]; then\n\
             \x20   kill -0 \"$DELAYER\" 2>/dev/null || return 1\n\
             \x20   {} || return 1\n\
             \x20 fi\n",
            delayer.present
        ));
    }
    if !plan.tc.is_empty() {
        s.push_str(
            "  [ \"$QDISC\" = 1 ] && for IF in $APPLIED_IFS; do\n\
             \x20   [ -e \"/sys/class/net/$IF\" ] || continue\n\
             \x20   tc qdisc show dev \"$IF\" root 2>/dev/null | grep -Eq '^qdisc (tbf|netem) ' || return 1\n\
             \x20 done\n",
        );
    }
    s.push_str("  return 0\n}\n");
    s
}

/// The script of a revert-only helper (`recover`: rules a helper that was
/// SIGKILLed left behind): reverts, prints [`REVERTED_LINE`], exits 0.
pub fn revert_script() -> String {
    let mut s = prelude();
    s.push_str(&format!("revert\necho \"{REVERTED_LINE}\"\nexit 0\n"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: &str = "-m comment --comment \"chaos-engine 3f9c2a7e1b04d8c6\"";

    fn network(fault: NetworkFault) -> Plan {
        plan("3f9c2a7e1b04d8c6", &DockerFault::Network(fault), &[]).unwrap()
    }

    /// The same commands with `ip6tables` instead of `iptables`.
    fn in_ip6tables(commands: &[String]) -> Vec<String> {
        commands
            .iter()
            .map(|c| c.replacen("iptables ", "ip6tables ", 1))
            .collect()
    }

    #[test]
    fn partition_all_drops_everything_but_loopback_both_ways_ipv4_and_ipv6() {
        let plan = plan(
            "3f9c2a7e1b04d8c6",
            &DockerFault::Partition { peers: vec![] },
            &[],
        )
        .unwrap();
        assert_eq!(
            plan.iptables,
            [
                "iptables -w -N CHAOS_ENGINE_IN".to_owned(),
                format!("iptables -w -A CHAOS_ENGINE_IN ! -i lo {C} -j DROP"),
                format!("iptables -w -I INPUT {C} -j CHAOS_ENGINE_IN"),
                "iptables -w -N CHAOS_ENGINE_OUT".to_owned(),
                format!("iptables -w -A CHAOS_ENGINE_OUT ! -o lo {C} -j DROP"),
                format!("iptables -w -I OUTPUT {C} -j CHAOS_ENGINE_OUT"),
            ]
        );
        assert_eq!(plan.ip6tables, in_ip6tables(&plan.iptables));
        assert_eq!(
            plan.ip6tables[1],
            format!("ip6tables -w -A CHAOS_ENGINE_IN ! -i lo {C} -j DROP")
        );
        assert!(plan.tc.is_empty());
        assert_eq!(plan.netem, None);
    }

    #[test]
    fn partition_from_peers_drops_their_addresses_only_each_in_its_family() {
        let peers = vec![
            "172.18.0.5".to_owned(),
            "fd00:cafe::3".to_owned(),
            "10.1.0.0/16".to_owned(),
            "2001:db8::/32".to_owned(),
        ];
        let plan = plan(
            "3f9c2a7e1b04d8c6",
            &DockerFault::Partition {
                peers: vec!["db".into()],
            },
            &peers,
        )
        .unwrap();
        assert_eq!(
            plan.iptables,
            [
                "iptables -w -N CHAOS_ENGINE_IN".to_owned(),
                format!("iptables -w -A CHAOS_ENGINE_IN -s 172.18.0.5 {C} -j DROP"),
                format!("iptables -w -A CHAOS_ENGINE_IN -s 10.1.0.0/16 {C} -j DROP"),
                format!("iptables -w -I INPUT {C} -j CHAOS_ENGINE_IN"),
                "iptables -w -N CHAOS_ENGINE_OUT".to_owned(),
                format!("iptables -w -A CHAOS_ENGINE_OUT -d 172.18.0.5 {C} -j DROP"),
                format!("iptables -w -A CHAOS_ENGINE_OUT -d 10.1.0.0/16 {C} -j DROP"),
                format!("iptables -w -I OUTPUT {C} -j CHAOS_ENGINE_OUT"),
            ]
        );
        assert_eq!(
            plan.ip6tables,
            [
                "ip6tables -w -N CHAOS_ENGINE_IN".to_owned(),
                format!("ip6tables -w -A CHAOS_ENGINE_IN -s fd00:cafe::3 {C} -j DROP"),
                format!("ip6tables -w -A CHAOS_ENGINE_IN -s 2001:db8::/32 {C} -j DROP"),
                format!("ip6tables -w -I INPUT {C} -j CHAOS_ENGINE_IN"),
                "ip6tables -w -N CHAOS_ENGINE_OUT".to_owned(),
                format!("ip6tables -w -A CHAOS_ENGINE_OUT -d fd00:cafe::3 {C} -j DROP"),
                format!("ip6tables -w -A CHAOS_ENGINE_OUT -d 2001:db8::/32 {C} -j DROP"),
                format!("ip6tables -w -I OUTPUT {C} -j CHAOS_ENGINE_OUT"),
            ]
        );
        // Only IPv6 peers: IPv4 is left alone, and the other way round.
        let only = |peers: &[&str]| {
            let peers: Vec<String> = peers.iter().map(|p| (*p).to_owned()).collect();
            let to_db = DockerFault::Partition {
                peers: vec!["db".into()],
            };
            super::plan("3f9c2a7e1b04d8c6", &to_db, &peers).unwrap()
        };
        let v6 = only(&["fd00:cafe::3"]);
        assert!(v6.iptables.is_empty());
        assert_eq!(v6.ip6tables.len(), 6);
        let v4 = only(&["172.18.0.5"]);
        assert!(v4.ip6tables.is_empty());
        assert_eq!(v4.iptables.len(), 6);
    }

    #[test]
    fn loss_is_a_random_drop_on_the_way_in_only_ipv4_and_ipv6() {
        let plan = network(NetworkFault {
            loss: Some(30.0),
            ..NetworkFault::default()
        });
        assert_eq!(
            plan.iptables,
            [
                "iptables -w -N CHAOS_ENGINE_IN".to_owned(),
                format!(
                    "iptables -w -A CHAOS_ENGINE_IN ! -i lo -m statistic --mode random \
                     --probability 0.3 {C} -j DROP"
                ),
                format!("iptables -w -I INPUT {C} -j CHAOS_ENGINE_IN"),
            ]
        );
        assert_eq!(plan.ip6tables, in_ip6tables(&plan.iptables));
        assert!(plan.tc.is_empty());
        assert_eq!(probability(12.5), "0.125");
        assert_eq!(probability(100.0), "1");
    }

    #[test]
    fn rate_alone_is_a_token_bucket() {
        let plan = network(NetworkFault {
            rate: Some(1_000_000),
            ..NetworkFault::default()
        });
        assert!(plan.iptables.is_empty());
        assert!(plan.ip6tables.is_empty());
        assert_eq!(
            plan.tc,
            ["tc qdisc add dev \"$IF\" root tbf rate 1mbit burst 4096 latency 400ms"]
        );
        assert_eq!(plan.netem, None);
        assert_eq!(tbf_burst_bytes(1_000_000_000), 1_250_000);
    }

    #[test]
    fn the_rate_bounds_give_arguments_tc_takes() {
        // tc refuses a burst above u32::MAX bytes and a rate under 1 byte/s.
        assert!(tbf_burst_bytes(MAX_RATE_BITS) <= u64::from(u32::MAX));
        assert!(tbf_burst_bytes(MAX_RATE_BITS + 40_000_000_000) > u64::from(u32::MAX));
        assert_eq!(describe_rate(MAX_RATE_BITS), "3400000mbit");
        assert_eq!(MIN_RATE_BITS / 8, 1);
    }

    #[test]
    fn the_smallest_share_is_not_rounded_away() {
        // Before the floor, 0.00001% was written as `--probability 0`.
        assert_eq!(probability(0.00001), "0");
        assert_eq!(probability(MIN_PERCENT), "0.0001");
        assert_eq!(percent(MIN_PERCENT), "0.01%");
    }

    #[test]
    fn delay_and_jitter_are_netem() {
        let plan = network(NetworkFault {
            delay: Some(Duration::from_millis(200)),
            jitter: Some(Duration::from_millis(20)),
            ..NetworkFault::default()
        });
        assert_eq!(
            plan.tc,
            ["tc qdisc add dev \"$IF\" root netem delay 200ms 20ms"]
        );
        assert_eq!(plan.netem.as_deref(), Some("delay 200ms, jitter 20ms"));
    }

    #[test]
    fn corrupt_duplicate_and_rate_are_one_netem_qdisc() {
        let plan = network(NetworkFault {
            corrupt: Some(1.0),
            duplicate: Some(0.5),
            rate: Some(512_000),
            loss: Some(10.0),
            ..NetworkFault::default()
        });
        assert_eq!(
            plan.tc,
            ["tc qdisc add dev \"$IF\" root netem corrupt 1% duplicate 0.5% rate 512kbit"]
        );
        assert_eq!(plan.netem.as_deref(), Some("corrupt 1%, duplicate 0.5%"));
        assert_eq!(plan.iptables.len(), 3, "loss stays with iptables");
        assert_eq!(plan.ip6tables.len(), 3, "and ip6tables");
    }

    #[test]
    fn the_revert_unhooks_flushes_and_deletes_under_every_backend_of_both_families() {
        let revert = revert_commands().join("\n");
        let expected = [
            "for IPT in iptables iptables-nft iptables-legacy ip6tables ip6tables-nft ip6tables-legacy; do",
            "for N in $(\"$IPT\" -w -n -L INPUT --line-numbers 2>/dev/null | awk '$2 == \"CHAOS_ENGINE_IN\" { print $1 }' | sort -rn); do \"$IPT\" -w -D INPUT \"$N\" 2>/dev/null; done",
            "\"$IPT\" -w -F CHAOS_ENGINE_IN 2>/dev/null",
            "\"$IPT\" -w -X CHAOS_ENGINE_IN 2>/dev/null",
            "for N in $(\"$IPT\" -w -n -L OUTPUT --line-numbers 2>/dev/null | awk '$2 == \"CHAOS_ENGINE_OUT\" { print $1 }' | sort -rn); do \"$IPT\" -w -D OUTPUT \"$N\" 2>/dev/null; done",
            "\"$IPT\" -w -F CHAOS_ENGINE_OUT 2>/dev/null",
            "\"$IPT\" -w -X CHAOS_ENGINE_OUT 2>/dev/null",
            "if tc qdisc show dev \"$IF\" root 2>/dev/null | grep -Eq '^qdisc (tbf|netem) '; then tc qdisc del dev \"$IF\" root 2>/dev/null; fi",
        ];
        for line in expected {
            assert!(revert.contains(line), "missing {line:?} in\n{revert}");
        }
        let script = revert_script();
        assert!(script.contains(&format!("revert\necho \"{REVERTED_LINE}\"\nexit 0\n")));
    }

    #[test]
    fn presence_is_read_by_the_faults_own_comment_for_each_part_it_applied() {
        let marked = "grep -qF '\"chaos-engine 3f9c2a7e1b04d8c6\"'";
        let loss = network(NetworkFault {
            loss: Some(30.0),
            ..NetworkFault::default()
        });
        assert_eq!(
            loss.present_v4,
            [
                format!(
                    "iptables -w -S INPUT 2>/dev/null | grep -F -- '-j CHAOS_ENGINE_IN' | {marked}"
                ),
                format!(
                    "iptables -w -S CHAOS_ENGINE_IN 2>/dev/null | grep -F -- '-j DROP' | {marked}"
                ),
            ]
        );
        assert_eq!(loss.present_v6, in_ip6tables(&loss.present_v4));
        let script = apply_script(&loss, 1_700_000_000.0);
        let function = present_function(&loss);
        assert!(script.contains(&function));
        assert!(function.contains("  if [ \"$V6\" = 1 ]; then\n    ip6tables -w -S INPUT"));
        assert!(!function.contains("tc qdisc show"), "loss has no qdisc");
        // V6=1 only once the IPv6 rules are in; the first look comes
        // before the helper says applied, and turns the watch off (noted)
        // when the rules cannot be read back.
        let v6_set = script.find("  V6=1\nelse\n").unwrap();
        let first_look = script
            .find("present || { WATCH=0; echo \"chaos-engine: note: ")
            .unwrap();
        assert!(v6_set < first_look && first_look < script.find(APPLIED_LINE).unwrap());
        // A partition with peers: both chains, both hooks.
        let partition = plan(
            "3f9c2a7e1b04d8c6",
            &DockerFault::Partition {
                peers: vec!["db".into()],
            },
            &["172.18.0.5".to_owned()],
        )
        .unwrap();
        assert_eq!(partition.present_v4.len(), 4);
        assert!(partition.present_v4[2]
            .starts_with("iptables -w -S OUTPUT 2>/dev/null | grep -F -- '-j CHAOS_ENGINE_OUT'"));
        assert!(partition.present_v6.is_empty());
        // A rate: the qdisc on each interface the fault was applied to that
        // still exists.
        let rate = present_function(&network(NetworkFault {
            rate: Some(1_000_000),
            ..NetworkFault::default()
        }));
        assert!(rate.contains("  [ \"$QDISC\" = 1 ] && for IF in $APPLIED_IFS; do\n    [ -e \"/sys/class/net/$IF\" ] || continue\n    tc qdisc show dev \"$IF\" root 2>/dev/null | grep -Eq '^qdisc (tbf|netem) ' || return 1\n"));
        assert!(!rate.contains("iptables"));
    }

    #[test]
    fn the_delayer_takes_netems_part_and_a_rate_stays_on_tbf() {
        let plan = network(NetworkFault {
            delay: Some(Duration::from_millis(300)),
            jitter: Some(Duration::from_millis(20)),
            duplicate: Some(5.0),
            corrupt: Some(0.5),
            rate: Some(1_000_000),
            ..NetworkFault::default()
        });
        let delayer = plan.delayer.expect("a delayer where netem is missing");
        assert_eq!(
            delayer.args,
            format!(
                "--queue {DELAYER_QUEUE} --delay 300ms --jitter 20ms --duplicate 5% --corrupt 0.5%"
            )
        );
        assert_eq!(delayer.tc.len(), 1);
        assert!(
            delayer.tc[0].contains("root tbf rate 1mbit"),
            "{:?}",
            delayer.tc
        );
        assert!(
            delayer.rules[1].contains(&format!("! -o lo {C} -j NFQUEUE")),
            "{:?}",
            delayer.rules
        );
        // The revert stops it before it removes the rules.
        assert!(prelude().contains("if [ -n \"${DELAYER:-}\" ]; then kill \"$DELAYER\""));
        // Loss and rate alone need none.
        assert!(network(NetworkFault {
            loss: Some(10.0),
            rate: Some(1_000_000),
            ..NetworkFault::default()
        })
        .delayer
        .is_none());
    }

    #[test]
    fn delay_with_netem_or_the_delayer_as_configured() {
        let delay = |how| NetworkFault {
            delay: Some(Duration::from_millis(300)),
            delay_by: how,
            ..NetworkFault::default()
        };
        // netem only: no delayer, the netem error as before.
        let netem = network(delay(DelayWith::Netem));
        assert!(netem.delayer.is_none());
        let script = apply_script(&netem, 1_700_000_000.0);
        assert!(script.contains("NETEM=1\n"));
        assert!(script.contains("fail \"no netem qdisc in this kernel: $OUT\" 3"));
        // The delayer only: no netem tried, the delayer at once.
        let delayer = network(delay(DelayWith::Delayer));
        assert!(delayer.tc.is_empty());
        let script = apply_script(&delayer, 1_700_000_000.0);
        assert!(script.contains("NETEM=0\n"));
        assert!(!script.contains("netem delay"));
        assert!(script.contains(
            "fail \"policy.docker.delay_with is delayer, and the helper image has no chaos-delayer\" 1"
        ));
        assert!(script
            .contains("as configured (policy.docker.delay_with: delayer): the user-space delayer"));
        // Auto: netem first.
        let auto = apply_script(&network(delay(DelayWith::Auto)), 1_700_000_000.0);
        assert!(auto.contains("NETEM=1\n") && auto.contains("root netem delay 300ms"));
    }

    #[test]
    fn the_apply_script_says_applied_then_waits_for_a_signal_or_the_deadline() {
        let plan = network(NetworkFault {
            delay: Some(Duration::from_millis(200)),
            ..NetworkFault::default()
        });
        let script = apply_script(&plan, 1_700_000_000.2);
        assert!(script.contains("EXPIRES=1700000001\n"));
        assert!(script.contains("trap 'revert; exit 0' TERM INT\n"));
        // No netem: the delayer, or (not in the image) the netem error.
        assert!(script.contains("*\"nknown qdisc\"*) NETEM=0; break;; esac"));
        assert!(script.contains(
            "fail \"no netem qdisc in this kernel, and no chaos-delayer in the helper image: $OUT\" 3"
        ));
        assert!(script.contains(&format!(
            "chaos-delayer --queue {DELAYER_QUEUE} --delay 200ms >/dev/null 2>&1 &\n"
        )));
        assert!(script.contains(&format!(
            "-j NFQUEUE --queue-num {DELAYER_QUEUE} --queue-bypass"
        )));
        let applied = script.find(APPLIED_LINE).unwrap();
        let waits = script.find("  sleep 1 & wait $!\n").unwrap();
        let tc = script.find("tc qdisc add").unwrap();
        assert!(tc < applied && applied < waits);
        // Every second while it waits: rules gone means removed by hand.
        let looks = script
            .find(&format!(
                "  if [ \"$WATCH\" = 1 ] && ! present; then revert; echo \"{REMOVED_LINE}\"; \
                 exit {EXIT_REMOVED}; fi\ndone\nrevert\necho \"{EXPIRED_LINE}\"\nexit 0\n"
            ))
            .unwrap();
        assert!(waits < looks);
        // The busy check looks for chains of both families too.
        assert!(script.contains(
            "for IPT in iptables iptables-nft iptables-legacy ip6tables ip6tables-nft ip6tables-legacy; do command -v"
        ));
    }

    #[test]
    fn ipv6_rules_apply_when_ip6tables_works_and_are_noted_as_left_out_otherwise() {
        let plan = plan(
            "3f9c2a7e1b04d8c6",
            &DockerFault::Partition { peers: vec![] },
            &[],
        )
        .unwrap();
        let script = apply_script(&plan, 1_700_000_000.0);
        let v4 = script
            .find("OUT=$(iptables -w -N CHAOS_ENGINE_IN 2>&1) || fail \"iptables -w -N CHAOS_ENGINE_IN failed: $OUT\" 1\n")
            .unwrap();
        let probe = script
            .find("if OUT=$(ip6tables -w -n -L INPUT 2>&1); then\n")
            .unwrap();
        let v6 = script
            .find(&format!(
                "  OUT=$(ip6tables -w -A CHAOS_ENGINE_IN ! -i lo {C} -j DROP 2>&1) || \
                 fail \"ip6tables -w -A CHAOS_ENGINE_IN ! -i lo failed: $OUT\" 1\n"
            ))
            .unwrap();
        let note = script
            .find(&format!(
                "else\n  echo \"{NOTE_PREFIX}no IPv6 filtering in this namespace (ip6tables: \
                 $(echo \"$OUT\" | head -n 1)): the fault applies to IPv4 only\"\nfi\n"
            ))
            .unwrap();
        let applied = script.find(APPLIED_LINE).unwrap();
        assert!(v4 < probe && probe < v6 && v6 < note && note < applied);
        // No IPv6 rules, no IPv6 step.
        let rate = network(NetworkFault {
            rate: Some(1_000_000),
            ..NetworkFault::default()
        });
        assert!(!apply_script(&rate, 1.0).contains("ip6tables -w -n -L INPUT"));
    }

    #[test]
    fn comments_are_safe_and_kill_needs_no_helper() {
        assert_eq!(rule_comment("id;$(rm) x"), "chaos-engine id___rm__x");
        assert!(plan("t", &DockerFault::Pause, &[]).is_err());
        let to_db = DockerFault::Partition {
            peers: vec!["db".into()],
        };
        assert!(plan("t", &to_db, &[]).is_err(), "never a full partition");
        assert!(plan("t", &to_db, &["1.2.3.4; reboot".into()]).is_err());
    }
}
