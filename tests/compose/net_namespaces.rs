//! Network faults never leave their target's namespace, and they cover
//! IPv6, on real containers.
//!
//! - A container in the host's namespace (`--network host`) or in another
//!   container's (`--network container:<other>`): `validate` exits 2 naming
//!   it, and `inject partition`, the daemon's cycles, the library's
//!   `start_helper` and the revert-only helper are all refused; the
//!   iptables/ip6tables rules and qdiscs of the host's namespace (and of
//!   the other container's) are the same before, during and after. The
//!   partition tried has two documentation-only peers (192.0.2.77,
//!   2001:db8::77), so that even a regression that let it through would
//!   not cut the machine off.
//! - A container on an IPv6 network (`--ipv6 --subnet fd00:cafe:...::/64`):
//!   a partition cuts it off over IPv6 from a peer container while it
//!   lasts, a partition from that peer by name drops its IPv6 address too,
//!   loss applies to IPv6, a delay with duplicate (netem, or the
//!   user-space delayer where the kernel has none) delays and doubles the
//!   IPv6 packets, and nothing is left after.
//! - A namespace where ip6tables does not work: the fault applies to IPv4
//!   and the helper notes it.
//!
//! The texts checked are the CLI's and the helper's, not the library's new
//! types, so that these tests build (and fail) on the code before the
//! check.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use chaos_engine::docker::helper::{revert_leftovers, start_helper, stop_helper, HelperEnd};
use chaos_engine::docker::netfault;
use chaos_engine::docker::spec::{DockerFault, NetworkFault, LABEL_SUBJECT};
use chaos_engine::docker::ContainerRef;

use super::docker::{docker, inspect, run, run_ok, wait_for, Labelled};
use super::engine_helpers::{command, journal_events, run_once, Engine, Workspace};
use super::fault_fixtures::{
    engine, in_namespace, namespace_rules, net_helper_image, now, runtime, TargetContainer,
    TARGET_PORT,
};

/// A partition that would be harmless even in the host's namespace:
/// documentation addresses only (RFC 5737, RFC 3849).
const HARMLESS_PEERS: &str = "[192.0.2.77, '2001:db8::77']";

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The engine's containers (helpers, revert-only helpers) made for the
/// container `id`, in any state.
fn helpers_for(id: &str) -> Vec<String> {
    let filter = format!("label={LABEL_SUBJECT}={id}");
    run_ok(&mut docker(&["ps", "-aq", "--filter", &filter]))
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Removes the engine's containers made for `id` when dropped (also when
/// the test panics).
struct HelperGuard(String);

impl Drop for HelperGuard {
    fn drop(&mut self) {
        for helper in helpers_for(&self.0) {
            run(&mut docker(&["rm", "-f", &helper]));
        }
    }
}

/// A container of the helper image that only sleeps, with `NET_ADMIN`, in
/// the network namespace `network` (`host`, `container:<id>`): it lists
/// that namespace's rules with `docker exec`, quicker than a container a
/// look.
struct Lister {
    id: String,
}

impl Lister {
    fn start(guard: &Labelled, network: &str) -> Lister {
        let id = guard.run_detached(&[
            "--network",
            network,
            "--cap-add",
            "NET_ADMIN",
            "--entrypoint",
            "sleep",
            net_helper_image(),
            "600",
        ]);
        Lister { id }
    }

    /// Every rule of both families under both backends, and the qdiscs,
    /// as listed now (raw).
    fn raw(&self) -> String {
        run_ok(&mut docker(&[
            "exec",
            &self.id,
            "sh",
            "-c",
            "for T in iptables ip6tables iptables-legacy ip6tables-legacy; do \
             echo \"== $T\"; \"$T-save\" 2>&1; done; echo '== tc'; tc qdisc show",
        ]))
    }

    /// [`Self::raw`] without what changes on its own: the `#` lines (a
    /// timestamp), packet counters, the rules dockerd itself rewrites
    /// whenever any container publishes a port or any network comes or
    /// goes (chains `DOCKER*`, bridges `docker0` and `br-*`, the hairpin
    /// `MASQUERADE` of each published port), and the
    /// qdiscs of containers' host-side `veth*` interfaces, which come and
    /// go with every container other tests on this Engine start.
    fn rules(&self) -> String {
        normalised(&self.raw())
    }
}

fn normalised(raw: &str) -> String {
    raw.lines()
        .filter(|line| !line.starts_with('#'))
        .filter(|line| {
            !line.contains("DOCKER")
                && !line.contains("-j MASQUERADE")
                && !line.contains("docker0")
                && !line.contains("br-")
                && !line.contains(" dev veth")
        })
        .map(|line| match (line.starts_with(':'), line.find(" [")) {
            (true, Some(at)) => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts that every listing in `seen` is `before`, and that none has a
/// trace of chaos-engine.
fn assert_unchanged(what: &str, before: &str, seen: &[String]) {
    assert!(
        !before.contains("CHAOS_ENGINE") && !before.contains("chaos-engine"),
        "{what}: chaos-engine rules before the test:\n{before}"
    );
    for (n, listing) in seen.iter().enumerate() {
        assert_eq!(
            listing,
            before,
            "{what}: the rules changed (listing {n} of {})",
            seen.len()
        );
    }
}

/// Lists the rules with each of `listers` until `child` exits (at least
/// once each); returns its output and the listings, per lister.
fn list_while(
    mut child: Child,
    listers: &[&Lister],
    limit: Duration,
) -> (std::process::Output, Vec<Vec<String>>) {
    let deadline = Instant::now() + limit;
    let mut seen: Vec<Vec<String>> = listers.iter().map(|_| Vec::new()).collect();
    loop {
        for (lister, seen) in listers.iter().zip(seen.iter_mut()) {
            seen.push(lister.rules());
        }
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("the command did not exit within {limit:?}");
        }
    }
    (child.wait_with_output().expect("collect output"), seen)
}

/// The case: a subject sharing `network` with someone (`host`, or
/// `container:<id>`).
fn refused_everywhere(what: &str, network_of: impl FnOnce(&Labelled) -> (String, Option<Lister>)) {
    let guard = Labelled::new(&format!("netns-{what}"));
    let host = Lister::start(&guard, "host");
    let (network, other) = network_of(&guard);
    let name = format!("chaos-netns-{what}-{}", std::process::id());
    let id = guard.run_detached(&[
        "--name",
        &name,
        "--network",
        &network,
        "--entrypoint",
        "sleep",
        net_helper_image(),
        "600",
    ]);
    let _helpers = HelperGuard(id.clone());
    let mode = inspect(&id, "{{.HostConfig.NetworkMode}}").expect("its network mode");
    assert_eq!(mode.split(':').next(), network.split(':').next());
    let mut listers = vec![&host];
    listers.extend(other.as_ref());
    let before: Vec<String> = listers.iter().map(|l| l.rules()).collect();
    let mut seen: Vec<Vec<String>> = listers.iter().map(|_| Vec::new()).collect();
    let mut keep = |listed: Vec<Vec<String>>| {
        for (all, new) in seen.iter_mut().zip(listed) {
            all.extend(new);
        }
    };

    let ws = Workspace::new();
    let yaml = format!(
        "defaults: {{ interval: 1s, recovery: 300ms, startup_wait: 0 }}\n\
         policy:\n  min_interval: 0\n  docker: {{ net_image: {} }}\ntargets:\n\
         \x20 - name: shared\n    docker: {{ container: {name} }}\n    scenarios:\n\
         \x20     - {{ name: CUT, mode: partition, weight: 1, peers: {HARMLESS_PEERS} }}\n",
        net_helper_image()
    );
    let targets = ws.targets(&yaml);
    let targets = targets.to_str().expect("a UTF-8 path");
    let journal = ws.path("journal.jsonl");
    let journal_arg = journal.to_str().expect("a UTF-8 path");
    let names_it = |shown: &str| {
        assert!(
            shown.contains(&name) && shown.contains(&format!("network mode {mode}")),
            "{shown}"
        );
    };

    // validate: exit 2, naming the target, the container and its mode.
    let validate = run_once(&["validate", "--targets", targets], &[]);
    let shown = text(&validate);
    assert_eq!(validate.status.code(), Some(2), "{shown}");
    assert!(shown.contains("error: target shared: container"), "{shown}");
    names_it(&shown);

    // inject: refused (exit 1), nothing made, the error journalled.
    let child = command(&[])
        .args([
            "inject",
            "partition",
            "--target",
            "shared",
            "--for",
            "4s",
            "--targets",
            targets,
            "--journal",
            journal_arg,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn chaos-engine inject");
    let (inject, listed) = list_while(child, &listers, Duration::from_secs(30));
    keep(listed);
    let shown = text(&inject);
    assert_eq!(inject.status.code(), Some(1), "{shown}");
    assert!(shown.contains("refused a network fault on"), "{shown}");
    names_it(&shown);
    let errors = journal_events(&journal, "write_error");
    assert!(
        errors.iter().any(|e| e["target"] == "shared"
            && e["detail"]
                .as_str()
                .is_some_and(|d| d.contains("refused a network fault"))),
        "{errors:?}"
    );
    assert_eq!(helpers_for(&id), Vec::<String>::new());

    // The daemon: every cycle fails, logged and journalled; nothing made.
    let mut daemon = Engine::start(
        &[
            "--targets",
            targets,
            "--journal",
            journal_arg,
            "--seed",
            "1",
        ],
        &[],
    );
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        for (lister, seen) in listers.iter().zip(seen.iter_mut()) {
            seen.push(lister.rules());
        }
        let failed = daemon.events_matching("could not apply the fault", Some("shared"));
        if failed.len() >= 2 {
            let logged = failed[0].to_string();
            assert!(logged.contains("refused a network fault"), "{logged}");
            break;
        }
    }
    assert!(
        daemon
            .events_matching("could not apply the fault", Some("shared"))
            .len()
            >= 2,
        "no failed cycles within 60 s: {:?}",
        daemon.events()
    );
    assert!(daemon
        .events_matching("💥 Injecting", Some("shared"))
        .is_empty());
    let (status, _) = daemon.terminate();
    assert!(status.success(), "exit {status}");
    assert_eq!(helpers_for(&id), Vec::<String>::new());

    // The library: the helper and the revert-only helper are refused.
    let rt = runtime();
    let engine = engine();
    let subject = ContainerRef {
        id: id.clone(),
        name: name.clone(),
    };
    let fault = DockerFault::Partition {
        peers: vec!["192.0.2.77".into()],
    };
    let started = rt.block_on(start_helper(
        &engine,
        net_helper_image(),
        &subject,
        "shared",
        "f-shared",
        &fault,
        now() + 3.0,
    ));
    match started {
        Err(err) => names_it(&err.to_string()),
        Ok(helper) => {
            let _ = rt.block_on(stop_helper(&engine, &helper, &subject));
            panic!("a helper was started in the shared namespace");
        }
    }
    let reverted = rt.block_on(revert_leftovers(
        &engine,
        net_helper_image(),
        &subject,
        "test-owner",
    ));
    match reverted {
        Err(err) => names_it(&err.to_string()),
        Ok(()) => panic!("a revert-only helper ran in the shared namespace"),
    }
    assert_eq!(helpers_for(&id), Vec::<String>::new());

    for (lister, seen) in listers.iter().zip(seen.iter_mut()) {
        seen.push(lister.rules());
    }
    for ((lister, before), seen) in listers.iter().zip(&before).zip(&seen) {
        let whose = if lister.id == host.id {
            "the host's namespace"
        } else {
            "the other container's namespace"
        };
        assert_unchanged(whose, before, seen);
    }
    eprintln!(
        "{what}: {} listings of the host's namespace, all the same as before",
        seen[0].len()
    );
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn net_refused_in_the_hosts_namespace_and_host_rules_untouched() {
    refused_everywhere("host", |_| ("host".to_owned(), None));
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn net_refused_in_another_containers_namespace_and_its_rules_untouched() {
    refused_everywhere("shared", |guard| {
        let other = guard.run_detached(&[
            "--name",
            &format!("chaos-netns-other-{}", std::process::id()),
            "--entrypoint",
            "sleep",
            net_helper_image(),
            "600",
        ]);
        let lister = Lister::start(guard, &format!("container:{other}"));
        (format!("container:{other}"), Some(lister))
    });
}

/// A Docker network with IPv6, removed when dropped (declare it before the
/// containers on it: it drops after them).
struct Network {
    name: String,
}

impl Network {
    fn ipv6(what: &str) -> Network {
        let pid = std::process::id();
        let name = format!("chaos-netns-{what}-{pid}");
        // One /64 of fd00:cafe::/48 per test process.
        let subnet = format!("fd00:cafe:0:{:x}::/64", pid % 0xffff);
        run(&mut docker(&["network", "rm", &name]));
        run_ok(&mut docker(&[
            "network",
            "create",
            "--label",
            &format!("chaos-engine.test=netns-{what}-{pid}"),
            "--ipv6",
            "--subnet",
            &subnet,
            &name,
        ]));
        Network { name }
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        run(&mut docker(&["network", "rm", &self.name]));
    }
}

/// `GET /health` from inside `from` to `address` port 8000 over plain TCP
/// (bash's /dev/tcp), within 3 s: the status line, or why none came.
fn get_from(from: &str, address: &str) -> Result<String, String> {
    let script = format!(
        "exec 3<>/dev/tcp/{address}/{TARGET_PORT} && \
         printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3"
    );
    let output = run(&mut docker(&[
        "exec", from, "timeout", "3", "bash", "-c", &script,
    ]));
    let out = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if output.status.success() && out.contains(" 200 ") {
        Ok(out)
    } else {
        Err(format!("{} {out}", output.status))
    }
}

/// The rules and qdiscs in `target`'s namespace.
fn rules_in(target: &TargetContainer) -> String {
    namespace_rules(target.id(), target.label_value())
}

/// The IPv6 part of [`rules_in`].
fn ipv6_part(rules: &str) -> &str {
    rules.split_once("== ip6tables").map_or("", |(_, six)| six)
}

fn assert_no_rules(target: &TargetContainer) {
    let rules = rules_in(target);
    assert!(
        !rules.contains("CHAOS_ENGINE") && !rules.contains("qdisc tbf"),
        "rules left behind:\n{rules}"
    );
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn net_partition_and_loss_apply_to_ipv6_too() {
    let network = Network::ipv6("v6");
    let on_it = ["--network", network.name.as_str(), "-e", "BIND_ADDRESS=::"];
    let target = TargetContainer::start("v6", &on_it);
    let _helpers = HelperGuard(target.id().to_owned());
    let peer = TargetContainer::start("v6peer", &on_it);
    let address = |c: &TargetContainer, field: &str| {
        let format = format!("{{{{range .NetworkSettings.Networks}}}}{{{{.{field}}}}}{{{{end}}}}");
        let found = inspect(c.id(), &format).unwrap_or_default();
        assert!(!found.is_empty(), "no {field} on {}", c.name());
        found
    };
    let target_v6 = address(&target, "GlobalIPv6Address");
    let target_v4 = address(&target, "IPAddress");
    let peer_v6 = address(&peer, "GlobalIPv6Address");
    assert!(target_v6.starts_with("fd00:cafe:"), "{target_v6}");
    wait_for(
        Duration::from_secs(30),
        "the target to answer the peer over IPv6",
        || get_from(peer.id(), &target_v6).ok(),
        || format!("{:?}", get_from(peer.id(), &target_v6)),
    );
    assert!(get_from(peer.id(), &target_v4).is_ok());

    let rt = runtime();
    let engine = engine();
    let subject = ContainerRef {
        id: target.id().to_owned(),
        name: target.name().to_owned(),
    };
    let apply = |id: &str, fault: &DockerFault| {
        rt.block_on(start_helper(
            &engine,
            net_helper_image(),
            &subject,
            "web",
            id,
            fault,
            now() + 600.0,
        ))
        .unwrap_or_else(|err| panic!("{id} applied: {err}"))
    };
    let stop = |helper: &str| {
        let end = rt.block_on(stop_helper(&engine, helper, &subject));
        assert_eq!(end.expect("reverted"), HelperEnd::Reverted);
    };

    // A full partition: no IPv6 (nor IPv4) from the peer while it lasts.
    let helper = apply("f-v6-all", &DockerFault::Partition { peers: vec![] });
    let listed = rules_in(&target);
    assert!(
        ipv6_part(&listed)
            .contains("-A INPUT -m comment --comment \"chaos-engine f-v6-all\" -j CHAOS_ENGINE_IN")
            && ipv6_part(&listed).contains("-A CHAOS_ENGINE_IN ! -i lo"),
        "{listed}"
    );
    let over_v6 = get_from(peer.id(), &target_v6);
    assert!(over_v6.is_err(), "through over IPv6: {over_v6:?}");
    assert!(get_from(peer.id(), &target_v4).is_err());
    stop(&helper);
    assert_eq!(get_from(peer.id(), &target_v6).map(|_| ()), Ok(()));
    assert_no_rules(&target);

    // A partition from the peer by name: its IPv6 address is dropped too;
    // the host still gets through (IPv4, published port).
    let from_peer = DockerFault::Partition {
        peers: vec![peer.name().to_owned()],
    };
    let helper = apply("f-v6-peer", &from_peer);
    let listed = rules_in(&target);
    assert!(
        ipv6_part(&listed).contains(&format!("-A CHAOS_ENGINE_IN -s {peer_v6}/128")),
        "{listed}"
    );
    assert!(get_from(peer.id(), &target_v6).is_err());
    assert_eq!(target.get("/health", Duration::from_secs(10)), Ok(200));
    stop(&helper);
    assert_eq!(get_from(peer.id(), &target_v6).map(|_| ()), Ok(()));
    assert_no_rules(&target);

    // Loss: in ip6tables as in iptables, and some IPv6 requests fail.
    let lossy = DockerFault::Network(NetworkFault {
        loss: Some(50.0),
        ..NetworkFault::default()
    });
    let helper = apply("f-v6-loss", &lossy);
    let listed = rules_in(&target);
    assert!(ipv6_part(&listed).contains("--probability 0.5"), "{listed}");
    // 20 tries of 1 s each in one exec: a lost SYN is retried after 1 s.
    let tries = format!(
        "ok=0; for i in $(seq 20); do timeout 1 bash -c 'exec 3<>/dev/tcp/{target_v6}/{TARGET_PORT} \
         && printf \"GET /health HTTP/1.0\\r\\n\\r\\n\" >&3 && head -n 1 <&3' >/dev/null 2>&1 \
         && ok=$((ok+1)); done; echo $ok"
    );
    let ok: u32 = run_ok(&mut docker(&["exec", peer.id(), "bash", "-c", &tries]))
        .trim()
        .parse()
        .expect("a count");
    assert!(ok < 20, "all 20 IPv6 requests got through under 50% loss");
    stop(&helper);
    assert_eq!(get_from(peer.id(), &target_v6).map(|_| ()), Ok(()));
    assert_no_rules(&target);

    // Delay and duplicate: every IPv6 connection waits for the delayed
    // SYN-ACK, and the peer receives each of the target's packets twice
    // (at least 1.75 times what the same connections brought before).
    let before = connects_from(peer.id(), &target_v6);
    assert!(before.times.iter().all(Option::is_some), "{before:?}");
    let doubled = DockerFault::Network(NetworkFault {
        delay: Some(Duration::from_millis(100)),
        duplicate: Some(100.0),
        ..NetworkFault::default()
    });
    let helper = apply("f-v6-dup", &doubled);
    let during = connects_from(peer.id(), &target_v6);
    assert!(
        during.times.iter().all(|t| t.is_some_and(|t| t >= 0.099)),
        "{during:?}"
    );
    assert!(
        during.received * 4 >= before.received * 7,
        "{during:?} with 100% duplicate; before: {before:?}"
    );
    stop(&helper);
    assert_eq!(get_from(peer.id(), &target_v6).map(|_| ()), Ok(()));
    assert_no_rules(&target);
    assert_eq!(helpers_for(target.id()), Vec::<String>::new());
}

/// What a peer saw of 20 TCP connections to a target over IPv6.
#[derive(Debug)]
struct Connects {
    /// How long each took to be accepted, in seconds (`None`: not in 2 s).
    times: Vec<Option<f64>>,
    /// The IPv6 packets the peer received meanwhile (`Ip6InReceives` of its
    /// namespace's /proc/net/snmp6).
    received: u64,
}

/// 20 TCP connections, one after the other, from container `from` to
/// `address` port 8000 (bash's /dev/tcp, timed by `$EPOCHREALTIME`).
fn connects_from(from: &str, address: &str) -> Connects {
    let script = format!(
        "six() {{ while read -r k v; do [ \"$k\" = Ip6InReceives ] && echo \"$v\"; done \
           < /proc/net/snmp6; }}; \
         before=$(six); \
         for i in $(seq 20); do t0=$EPOCHREALTIME; \
           if timeout 2 bash -c 'exec 3<>/dev/tcp/{address}/{TARGET_PORT}' 2>/dev/null; \
           then echo \"ok $t0 $EPOCHREALTIME\"; else echo none; fi; \
         done; \
         echo \"received $(( $(six) - before ))\""
    );
    let printed = run_ok(&mut docker(&["exec", from, "bash", "-c", &script]));
    let mut connects = Connects {
        times: Vec::new(),
        received: 0,
    };
    for line in printed.lines() {
        if let Some(count) = line.strip_prefix("received ") {
            connects.received = count.parse().expect("a packet count");
        } else if let Some(times) = line.strip_prefix("ok ") {
            let t: Vec<f64> = times
                .split(' ')
                .map(|f| f.parse().expect("$EPOCHREALTIME"))
                .collect();
            connects.times.push(Some(t[1] - t[0]));
        } else if line == "none" {
            connects.times.push(None);
        }
    }
    assert_eq!(connects.times.len(), 20, "{printed}");
    connects
}

#[test]
#[ignore = "needs a Docker Engine and the local images (see .ci/docker-bases.sh)"]
fn net_without_ipv6_the_fault_applies_to_ipv4_and_says_so() {
    let target = TargetContainer::start("no6", &[]);
    let guard = Labelled::new("netns-no6");
    // The helper's own script, with every ip6tables failing as on a
    // kernel without IPv6.
    let plan = netfault::plan(
        "f-no6",
        &DockerFault::Partition {
            peers: vec!["db".into()],
        },
        &["192.0.2.78".into(), "2001:db8::78".into()],
    )
    .expect("a plan");
    let script = netfault::apply_script(&plan, now() + 600.0);
    let fake = "mkdir -p /tmp/no6 && for T in ip6tables ip6tables-nft ip6tables-legacy; do \
                printf '#!/bin/sh\\necho \"ip6tables v1.8.9 (nf_tables): Could not fetch rule set \
                generation id: Address family not supported by protocol\" >&2\\nexit 4\\n' \
                >/tmp/no6/$T && chmod +x /tmp/no6/$T; done; export PATH=/tmp/no6:$PATH\n";
    let helper = run_ok(in_namespace(
        &mut docker(&[]),
        &["-d", "--label", &guard.label()],
        target.id(),
        &format!("{fake}{script}"),
    ))
    .trim()
    .to_owned();
    let logs = wait_for(
        Duration::from_secs(30),
        "the helper to apply",
        || {
            let logs = text(&run(&mut docker(&["logs", &helper])));
            logs.contains("chaos-engine: applied").then_some(logs)
        },
        || text(&run(&mut docker(&["logs", &helper]))),
    );
    assert!(
        logs.contains(
            "chaos-engine: note: no IPv6 filtering in this namespace (ip6tables: ip6tables \
             v1.8.9 (nf_tables): Could not fetch rule set generation id: Address family not \
             supported by protocol): the fault applies to IPv4 only"
        ),
        "{logs}"
    );
    let listed = rules_in(&target);
    assert!(
        listed.contains("-A CHAOS_ENGINE_IN -s 192.0.2.78/32"),
        "{listed}"
    );
    run_ok(&mut docker(&["stop", "-t", "10", &helper]));
    assert_eq!(
        inspect(&helper, "{{.State.ExitCode}}").as_deref(),
        Some("0")
    );
    assert_no_rules(&target);
    assert_eq!(target.get("/health", Duration::from_secs(10)), Ok(200));
}
