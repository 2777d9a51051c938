//! Network faults on a real container, through the library's helper
//! functions (`chaos_engine::docker::helper`), checked from outside: HTTP
//! requests through the published port, and the rules listed by a second
//! helper in the target's namespace (`iptables-save`, `tc qdisc show`).
//!
//! Delay goes through netem where the kernel has it and the user-space
//! delayer (`chaos-delayer`, NFQUEUE) where it does not, as on this
//! machine: the test asserts the delay on the answers either way.

use std::time::Duration;

use chaos_engine::docker::helper::{find_helpers, start_helper, stop_helper, HelperEnd};
use chaos_engine::docker::spec::{DockerFault, NetworkFault, LABEL_SUBJECT};
use chaos_engine::docker::{ContainerRef, DockerError};

use super::docker::{docker, docker as docker_cli, inspect, run, run_ok, wait_for, TEST_LABEL};
use super::fault_fixtures::{
    engine, namespace_rules, net_helper_image, now, runtime, TargetContainer,
};

/// Removes every container made for `subject` by the engine (helpers), also
/// when the test panics; declared after the target so it drops first.
struct HelperGuard(String);

impl HelperGuard {
    fn left(&self) -> Vec<String> {
        let filter = format!("label={LABEL_SUBJECT}={}", self.0);
        run_ok(&mut docker(&["ps", "-aq", "--filter", &filter]))
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for HelperGuard {
    fn drop(&mut self) {
        for id in self.left() {
            run(&mut docker(&["rm", "-f", &id]));
        }
    }
}

fn subject(target: &TargetContainer) -> ContainerRef {
    ContainerRef {
        id: target.id().to_owned(),
        name: target.name().to_owned(),
    }
}

/// The rules and qdiscs in the target's namespace.
fn rules(target: &TargetContainer) -> String {
    namespace_rules(target.id(), target.label_value())
}

fn assert_no_rules(target: &TargetContainer) {
    let rules = rules(target);
    assert!(
        !rules.contains("CHAOS_ENGINE") && !rules.contains("qdisc tbf") && !rules.contains("netem"),
        "rules left behind:\n{rules}"
    );
}

/// Waits (60 s) until the target answers `/health` with 200.
fn wait_answers(target: &TargetContainer) {
    wait_for(
        Duration::from_secs(60),
        "the target to answer again",
        || (target.get("/health", Duration::from_secs(3)) == Ok(200)).then_some(()),
        || target.describe(),
    );
}

/// What a peer container saw of `count` TCP connections to `target`.
struct PeerConnects {
    /// How long each connection took to be accepted, in seconds (`None`:
    /// not accepted within 2 s).
    times: Vec<Option<f64>>,
    /// The IP packets the peer received meanwhile (`Ip: InReceives` of its
    /// namespace's /proc/net/snmp).
    received: u64,
    /// The TCP segments it dropped for a bad checksum (`Tcp: InCsumErrors`).
    checksum_errors: u64,
}

/// `count` TCP connections to `target`'s port 8000 from a peer container
/// on the same bridge (the helper image's bash, `/dev/tcp`,
/// `$EPOCHREALTIME`): `workers` shells at once, each trying
/// `count / workers` connections in turn, each given 2 s; the peer's
/// packet counters are read before and after. A connection is accepted
/// when the target's SYN-ACK arrives: one outgoing packet of the target,
/// one incoming (the SYN), so a delay shows whole and a lost SYN costs the
/// kernel's first retransmission, 1 s later.
fn peer_connects(target: &TargetContainer, count: usize, workers: usize) -> PeerConnects {
    let ip = inspect(
        target.id(),
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
    )
    .expect("the target's address");
    let script = format!(
        "attempt() {{ local t0=$EPOCHREALTIME; \\
           if timeout 2 bash -c 'exec 3<>/dev/tcp/{ip}/8000' 2>/dev/null; \\
           then echo \"ok $t0 $EPOCHREALTIME\"; else echo none; fi; }}; \\
         cat /proc/net/snmp; \\
         for w in $(seq {workers}); do \\
           ( for i in $(seq {per_worker}); do attempt; done ) & \\
         done; wait; cat /proc/net/snmp",
        per_worker = count / workers
    );
    let label = format!("{TEST_LABEL}={}", target.label_value());
    let printed = run_ok(&mut docker(&[
        "run",
        "--rm",
        "--label",
        &label,
        "--entrypoint",
        "bash",
        net_helper_image(),
        "-c",
        &script,
    ]));
    let times: Vec<Option<f64>> = printed
        .lines()
        .filter(|line| *line == "none" || line.starts_with("ok "))
        .map(|line| {
            let fields: Vec<f64> = line
                .strip_prefix("ok ")?
                .split(' ')
                .map(|f| f.parse().expect("$EPOCHREALTIME"))
                .collect();
            Some(fields[1] - fields[0])
        })
        .collect();
    assert_eq!(times.len(), count, "{printed}");
    let counter = |section: &str, name: &str| {
        let readings = snmp_counter(&printed, section, name);
        assert_eq!(readings.len(), 2, "{section} {name} in {printed}");
        readings[1] - readings[0]
    };
    PeerConnects {
        times,
        received: counter("Ip", "InReceives"),
        checksum_errors: counter("Tcp", "InCsumErrors"),
    }
}

/// Every reading of counter `name` of `section` (`Ip`, `Tcp`) in `text`,
/// /proc/net/snmp's lines (a line of names, then a line of values).
fn snmp_counter(text: &str, section: &str, name: &str) -> Vec<u64> {
    let prefix = format!("{section}: ");
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with(&prefix)).collect();
    lines
        .chunks(2)
        .filter_map(|pair| {
            let column = pair[0].split(' ').position(|field| field == name)?;
            pair.get(1)?.split(' ').nth(column)?.parse().ok()
        })
        .collect()
}

/// Starts the network helper of `fault` on `target` (target `web`, failure
/// `id`, ending by itself at `expires_at`), with the local helper image.
fn apply(
    rt: &tokio::runtime::Runtime,
    docker: &bollard::Docker,
    target: &TargetContainer,
    id: &str,
    fault: &DockerFault,
    expires_at: f64,
) -> Result<String, DockerError> {
    rt.block_on(start_helper(
        docker,
        net_helper_image(),
        &subject(target),
        "test-owner",
        id,
        fault,
        expires_at,
    ))
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn net_partition_cuts_requests_off_until_stopped() {
    let target = TargetContainer::start("partition", &[]);
    let guard = HelperGuard(target.id().to_owned());
    let rt = runtime();
    let docker = engine();
    let fault = DockerFault::Partition { peers: vec![] };
    let started = std::time::Instant::now();
    let helper = apply(&rt, &docker, &target, "f-partition", &fault, now() + 600.0)
        .expect("partition applied");
    // Measured, never asserted (see the benchmark suite for numbers).
    eprintln!("partition applied in {:?}", started.elapsed());
    let listed = rules(&target);
    assert!(
        listed.contains(
            "-A INPUT -m comment --comment \"chaos-engine f-partition\" -j CHAOS_ENGINE_IN"
        ),
        "{listed}"
    );
    for _ in 0..3 {
        let answer = target.get("/health", Duration::from_secs(2));
        assert!(answer.is_err(), "a request got through: {answer:?}");
    }
    let helpers = rt.block_on(find_helpers(&docker)).expect("helpers listed");
    let found = helpers
        .iter()
        .find(|h| h.id == helper)
        .expect("the helper is listed");
    assert!(found.running);
    assert_eq!(found.owner.as_deref(), Some("test-owner"));
    assert_eq!(found.fault.as_deref(), Some("f-partition"));
    assert_eq!(found.subject.as_deref(), Some(target.id()));

    let stopping = std::time::Instant::now();
    let end = rt.block_on(stop_helper(&docker, &helper, &subject(&target)));
    eprintln!("partition reverted in {:?}", stopping.elapsed());
    assert_eq!(end.expect("reverted"), HelperEnd::Reverted);
    wait_answers(&target);
    assert_no_rules(&target);
    assert_eq!(guard.left(), Vec::<String>::new(), "the helper is removed");
    let again = rt.block_on(stop_helper(&docker, &helper, &subject(&target)));
    assert_eq!(again.expect("gone is fine"), HelperEnd::AlreadyGone);
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn net_loss_fails_a_share_of_requests_and_none_after() {
    let target = TargetContainer::start("loss", &[]);
    let guard = HelperGuard(target.id().to_owned());
    let rt = runtime();
    let docker = engine();
    let fault = DockerFault::Network(NetworkFault {
        loss: Some(50.0),
        ..NetworkFault::default()
    });
    let helper =
        apply(&rt, &docker, &target, "f-loss", &fault, now() + 600.0).expect("loss applied");
    let listed = rules(&target);
    assert!(listed.contains("--probability 0.5"), "{listed}");
    // Each SYN is lost with probability 0.5: a connection accepted within
    // 0.9 s had its first SYN through (a lost one is sent again after 1 s).
    // Of 160, the number through is Binomial(160, 0.5): mean 80, standard
    // deviation 6.3; 52..=108 is 4.4 deviations either side (a false
    // failure about once in 100,000 runs). A loaded machine can only slow
    // an accepted connection, never speed a lost one.
    let times = peer_connects(&target, 160, 16).times;
    let through = times.iter().filter(|t| t.is_some_and(|t| t < 0.9)).count();
    assert!(
        (52..=108).contains(&through),
        "{through} of 160 first SYNs through with 50% loss: {times:?}"
    );
    let end = rt.block_on(stop_helper(&docker, &helper, &subject(&target)));
    assert_eq!(end.expect("reverted"), HelperEnd::Reverted);
    wait_answers(&target);
    for _ in 0..20 {
        assert_eq!(target.get("/health", Duration::from_secs(10)), Ok(200));
    }
    assert_no_rules(&target);
    assert!(guard.left().is_empty());
}

/// Sends `bytes` zero bytes from `target`'s network namespace (a
/// throw-away container of the helper image sharing it, bash's
/// `/dev/tcp`) to a receiver container on the same bridge (perl, from the
/// target's image), and answers how long the receiver took from the first
/// byte to the last, in seconds, and how many bytes it got.
fn send_from(target: &TargetContainer, bytes: usize) -> (f64, usize) {
    let label = format!("{TEST_LABEL}={}", target.label_value());
    let receiver = run_ok(&mut docker(&[
        "run",
        "-d",
        "--label",
        &label,
        "--entrypoint",
        "bash",
        super::fault_fixtures::target_image(),
        "-c",
        "perl -MIO::Socket::INET -e '$|=1; \
         my $s = IO::Socket::INET->new(LocalPort => 9000, Listen => 1, ReuseAddr => 1) or die $!; \
         print qq(listening\n); my $c = $s->accept; my ($n, $b) = (0, q()); \
         while ((my $r = sysread($c, $b, 65536)) > 0) { print qq(first\n) if $n == 0; $n += $r } \
         print qq(total $n\n)' | while read -r line; do echo \"$EPOCHREALTIME $line\"; done",
    ]))
    .trim()
    .to_owned();
    let logs =
        || String::from_utf8_lossy(&run(&mut docker(&["logs", &receiver])).stdout).into_owned();
    wait_for(
        Duration::from_secs(30),
        "the receiver to listen",
        || logs().contains("listening").then_some(()),
        logs,
    );
    let address = inspect(
        &receiver,
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
    )
    .expect("the receiver's address");
    let network = format!("container:{}", target.id());
    run_ok(&mut docker(&[
        "run",
        "--rm",
        "--label",
        &label,
        "--network",
        &network,
        "--entrypoint",
        "bash",
        net_helper_image(),
        "-c",
        &format!("head -c {bytes} /dev/zero > /dev/tcp/{address}/9000"),
    ]));
    let printed = wait_for(
        Duration::from_secs(60),
        "the receiver to get everything",
        || {
            let printed = logs();
            printed.contains(" total ").then_some(printed)
        },
        logs,
    );
    run(&mut docker(&["rm", "-f", &receiver]));
    let at = |word: &str| -> (f64, String) {
        let line = printed
            .lines()
            .find(|line| line.split(' ').nth(1) == Some(word))
            .unwrap_or_else(|| panic!("no {word} in {printed}"));
        let mut fields = line.split(' ');
        let time = fields.next().and_then(|t| t.parse().ok()).expect("a time");
        (time, fields.nth(1).unwrap_or_default().to_owned())
    };
    let (first, _) = at("first");
    let (last, total) = at("total");
    (last - first, total.parse().expect("a byte count"))
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn net_rate_caps_the_bandwidth_and_traffic_flows() {
    let target = TargetContainer::start("rate", &[]);
    let guard = HelperGuard(target.id().to_owned());
    let rt = runtime();
    let docker = engine();
    let fault = DockerFault::Network(NetworkFault {
        rate: Some(1_000_000),
        ..NetworkFault::default()
    });
    let helper =
        apply(&rt, &docker, &target, "f-rate", &fault, now() + 600.0).expect("rate applied");
    let listed = rules(&target);
    assert!(
        listed.contains("qdisc tbf") && listed.contains("rate 1Mbit"),
        "{listed}"
    );
    // 1 Mbit/s is 125,000 bytes a second: 300,000 bytes (and their
    // headers) cannot arrive in less than 2.4 s less one bucket, however
    // fast the machine; a loaded machine only makes it slower. 30 s at
    // most: traffic flows.
    let (took, got) = send_from(&target, 300_000);
    assert_eq!(got, 300_000);
    let bucket = chaos_engine::docker::netfault::tbf_burst_bytes(1_000_000) as f64;
    let least = (300_000.0 - bucket) / 125_000.0;
    assert!(
        took >= least && took < 30.0,
        "300,000 bytes in {took:.3} s at 1 Mbit/s: {:.0} bit/s (at least {least:.2} s expected)",
        300_000.0 * 8.0 / took
    );
    assert_eq!(target.get("/orders", Duration::from_secs(30)), Ok(200));
    let end = rt.block_on(stop_helper(&docker, &helper, &subject(&target)));
    assert_eq!(end.expect("reverted"), HelperEnd::Reverted);
    assert_no_rules(&target);
    // Unshaped, everything arrives as before (here in about 2 ms).
    let (_, got) = send_from(&target, 300_000);
    assert_eq!(got, 300_000);
    assert!(guard.left().is_empty());
}

/// What a killed helper left in `target`'s namespace, removed by a
/// revert-only helper (as `recover` does); then no rule is left.
fn revert_leftovers_of(
    rt: &tokio::runtime::Runtime,
    docker: &bollard::Docker,
    target: &TargetContainer,
) {
    rt.block_on(chaos_engine::docker::helper::revert_leftovers(
        docker,
        net_helper_image(),
        &subject(target),
        "test-owner",
    ))
    .expect("leftovers reverted");
    assert_no_rules(target);
}

/// How long `/health` takes to answer now, in ms (the median of five).
fn health_ms(target: &TargetContainer) -> u128 {
    let mut times: Vec<u128> = (0..5)
        .map(|_| {
            let started = std::time::Instant::now();
            let answer = target.get("/health", Duration::from_secs(10));
            assert_eq!(answer, Ok(200), "{}", target.describe());
            started.elapsed().as_millis()
        })
        .collect();
    times.sort_unstable();
    times[2]
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn net_delay_shows_while_it_lasts_by_netem_or_the_delayer_and_not_after() {
    let target = TargetContainer::start("netem", &[]);
    let guard = HelperGuard(target.id().to_owned());
    let rt = runtime();
    let docker = engine();
    let before = health_ms(&target);
    let fault = DockerFault::Network(NetworkFault {
        delay: Some(Duration::from_millis(300)),
        ..NetworkFault::default()
    });
    let helper = apply(&rt, &docker, &target, "f-delay", &fault, now() + 600.0)
        .expect("a delay applies, with netem or without");
    // Netem where the kernel has it, else the delayer: the helper says so.
    let logs = run(&mut docker_cli(&["logs", &helper]));
    let said = String::from_utf8_lossy(&logs.stdout).into_owned();
    let rules = rules(&target);
    let by_delayer = said.contains("the user-space delayer");
    assert!(
        if by_delayer {
            rules.contains("NFQUEUE") && !rules.contains("netem")
        } else {
            rules.contains("netem")
        },
        "helper said {said:?}; rules:\n{rules}"
    );
    // Each answer waits for the delayed packets of its exchange: at least
    // the delay, however loaded the machine.
    let during = health_ms(&target);
    assert!(
        during >= 300,
        "{during} ms with a 300 ms delay ({before} ms before)"
    );
    let end = rt.block_on(stop_helper(&docker, &helper, &subject(&target)));
    assert_eq!(end.expect("it reverted"), HelperEnd::Reverted);
    assert_no_rules(&target);
    let after = health_ms(&target);
    assert!(
        after < 300,
        "{after} ms after the revert ({during} ms during)"
    );
    assert!(guard.left().is_empty(), "the helper is removed");
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn net_jitter_spreads_the_delay_over_its_range() {
    let target = TargetContainer::start("jitter", &[]);
    let guard = HelperGuard(target.id().to_owned());
    let rt = runtime();
    let docker = engine();
    let fault = DockerFault::Network(NetworkFault {
        delay: Some(Duration::from_millis(200)),
        jitter: Some(Duration::from_millis(100)),
        ..NetworkFault::default()
    });
    let helper =
        apply(&rt, &docker, &target, "f-jitter", &fault, now() + 600.0).expect("jitter applied");
    // Each connection waits for the target's SYN-ACK, delayed by a draw
    // from 200 ms ± 100 ms (uniform with the delayer; netem's default
    // distribution is uniform too), plus whatever the machine adds. So
    // no connection is faster than 100 ms, and a delay that does not vary
    // would put none below 180 ms: with the jitter, each is below 180 ms
    // with probability 0.4, so at least 6 of 60 (a false failure about
    // once in 10 million runs) unless the machine adds 80 ms to most.
    let times: Vec<f64> = peer_connects(&target, 60, 1)
        .times
        .into_iter()
        .map(|t| t.expect("no loss: every connection is accepted"))
        .collect();
    let fastest = times.iter().copied().fold(f64::INFINITY, f64::min);
    let below = times.iter().filter(|&&t| t < 0.180).count();
    let above = times.iter().filter(|&&t| t > 0.220).count();
    assert!(fastest >= 0.099, "a connection took {fastest} s: {times:?}");
    assert!(
        below >= 6 && above >= 6,
        "{below} of 60 below 180 ms and {above} above 220 ms: {times:?}"
    );
    let end = rt.block_on(stop_helper(&docker, &helper, &subject(&target)));
    assert_eq!(end.expect("it reverted"), HelperEnd::Reverted);
    assert_no_rules(&target);
    assert!(guard.left().is_empty(), "the helper is removed");
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn net_duplicate_sends_each_packet_twice() {
    let target = TargetContainer::start("duplicate", &[]);
    let guard = HelperGuard(target.id().to_owned());
    let rt = runtime();
    let docker = engine();
    let before = peer_connects(&target, 20, 1);
    assert!(
        before.times.iter().all(Option::is_some),
        "{:?}",
        before.times
    );
    let fault = DockerFault::Network(NetworkFault {
        duplicate: Some(100.0),
        ..NetworkFault::default()
    });
    let helper = apply(&rt, &docker, &target, "f-duplicate", &fault, now() + 600.0)
        .expect("duplicate applied");
    // Every packet of the target arrives twice: the peer receives at least
    // twice what the same connections brought before (the copies of the
    // SYN-ACKs even draw more answers; 1.75 leaves room for a packet or two
    // that one run has and another not).
    let during = peer_connects(&target, 20, 1);
    assert!(
        during.times.iter().all(Option::is_some),
        "{:?}",
        during.times
    );
    assert!(
        during.received * 4 >= before.received * 7,
        "{} packets received with 100% duplicate, {} before",
        during.received,
        before.received
    );
    let end = rt.block_on(stop_helper(&docker, &helper, &subject(&target)));
    assert_eq!(end.expect("it reverted"), HelperEnd::Reverted);
    assert_no_rules(&target);
    let after = peer_connects(&target, 20, 1);
    assert!(
        after.received * 4 < before.received * 7,
        "{} packets received after the revert, {} before",
        after.received,
        before.received
    );
    assert!(guard.left().is_empty(), "the helper is removed");
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn net_corrupt_makes_the_peer_drop_every_packet_for_its_checksum() {
    let target = TargetContainer::start("corrupt", &[]);
    let guard = HelperGuard(target.id().to_owned());
    let rt = runtime();
    let docker = engine();
    let fault = DockerFault::Network(NetworkFault {
        corrupt: Some(100.0),
        ..NetworkFault::default()
    });
    let helper =
        apply(&rt, &docker, &target, "f-corrupt", &fault, now() + 600.0).expect("corrupt applied");
    // Each SYN-ACK (and its retransmissions) reaches the peer with a
    // flipped byte: its TCP checksum fails, no connection is accepted.
    let during = peer_connects(&target, 4, 4);
    assert!(
        during.times.iter().all(Option::is_none),
        "{:?}",
        during.times
    );
    assert!(
        during.checksum_errors >= 4,
        "{} checksum errors",
        during.checksum_errors
    );
    let end = rt.block_on(stop_helper(&docker, &helper, &subject(&target)));
    assert_eq!(end.expect("it reverted"), HelperEnd::Reverted);
    assert_no_rules(&target);
    let after = peer_connects(&target, 4, 4);
    assert!(after.times.iter().all(Option::is_some), "{:?}", after.times);
    assert_eq!(after.checksum_errors, 0);
    assert!(guard.left().is_empty(), "the helper is removed");
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn net_a_helper_killed_mid_delay_lets_traffic_through_and_recover_removes_its_rule() {
    let target = TargetContainer::start("failopen", &[]);
    let guard = HelperGuard(target.id().to_owned());
    let rt = runtime();
    let docker = engine();
    let fault = DockerFault::Network(NetworkFault {
        delay: Some(Duration::from_millis(300)),
        ..NetworkFault::default()
    });
    let helper =
        apply(&rt, &docker, &target, "f-failopen", &fault, now() + 600.0).expect("a delay applies");
    assert!(health_ms(&target) >= 300);
    // SIGKILL: no trap runs, the rule (or netem's qdisc) stays behind.
    run_ok(&mut docker_cli(&["kill", &helper]));
    let left = rules(&target);
    if left.contains("NFQUEUE") {
        // The delayer went with its helper: the queue's bypass lets
        // everything through at once.
        assert!(health_ms(&target) < 300, "still delayed after the kill");
    }
    revert_leftovers_of(&rt, &docker, &target);
    assert!(health_ms(&target) < 300);
    run_ok(&mut docker_cli(&["rm", "-f", &helper]));
    assert!(guard.left().is_empty(), "{:?}", guard.left());
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn net_dead_mans_switch_reverts_without_the_engine() {
    let target = TargetContainer::start("deadman", &[]);
    let guard = HelperGuard(target.id().to_owned());
    let rt = runtime();
    let docker = engine();
    let fault = DockerFault::Partition { peers: vec![] };
    let helper =
        apply(&rt, &docker, &target, "f-deadman", &fault, now() + 3.0).expect("partition applied");
    // Nobody stops it: it ends by itself.
    let code = wait_for(
        Duration::from_secs(60),
        "the helper to exit by itself",
        || {
            inspect(&helper, "{{.State.Running}} {{.State.ExitCode}}")
                .filter(|state| state.starts_with("false"))
        },
        || format!("{:?}", inspect(&helper, "{{.State.Status}}")),
    );
    assert_eq!(code, "false 0");
    wait_answers(&target);
    assert_no_rules(&target);
    let end = rt.block_on(stop_helper(&docker, &helper, &subject(&target)));
    assert_eq!(end.expect("it had reverted"), HelperEnd::Expired);
    assert!(guard.left().is_empty());
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn net_missing_helper_image_is_a_clear_error() {
    let target = TargetContainer::start("noimage", &[]);
    let guard = HelperGuard(target.id().to_owned());
    let rt = runtime();
    let docker = engine();
    let result = rt.block_on(start_helper(
        &docker,
        "chaos-engine-no-such-helper:never",
        &subject(&target),
        "web",
        "f-noimage",
        &DockerFault::Partition { peers: vec![] },
        now() + 600.0,
    ));
    let message = match result {
        Err(err @ DockerError::Helper { .. }) => err.to_string(),
        other => panic!("expected a missing image error, got {other:?}"),
    };
    assert!(
        message.contains("chaos-engine-no-such-helper:never is not on the Docker host")
            && message.contains("policy.docker.net_image")
            && message.contains("never pulls"),
        "{message}"
    );
    assert!(guard.left().is_empty());
    assert_eq!(target.get("/health", Duration::from_secs(10)), Ok(200));
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn net_partition_from_a_peer_and_leftovers_of_a_killed_helper() {
    let target = TargetContainer::start("peers", &[]);
    let guard = HelperGuard(target.id().to_owned());
    let peer = TargetContainer::start("peer", &[]);
    let peer_ip = inspect(
        peer.id(),
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
    )
    .expect("the peer's address");
    let rt = runtime();
    let docker = engine();
    let fault = DockerFault::Partition {
        peers: vec![peer.name().to_owned(), "10.99.0.0/16".to_owned()],
    };
    let helper = apply(&rt, &docker, &target, "f-peers", &fault, now() + 600.0)
        .expect("partition from the peer applied");
    let listed = rules(&target);
    assert!(
        listed.contains(&format!("-A CHAOS_ENGINE_IN -s {peer_ip}/32"))
            && listed.contains(&format!("-A CHAOS_ENGINE_OUT -d {peer_ip}/32"))
            && listed.contains("-A CHAOS_ENGINE_OUT -d 10.99.0.0/16"),
        "{listed}"
    );
    // The host is no peer: its requests still get through.
    assert_eq!(target.get("/health", Duration::from_secs(10)), Ok(200));

    // A helper killed without its trap leaves the rules: the revert-only
    // helper removes them.
    run_ok(&mut docker_cli(&["kill", &helper]));
    assert!(rules(&target).contains("CHAOS_ENGINE_IN"));
    revert_leftovers_of(&rt, &docker, &target);
    run_ok(&mut docker_cli(&["rm", "-f", &helper]));
    assert!(guard.left().is_empty(), "{:?}", guard.left());
}
