//! Network faults never leave their target's namespace, on real
//! containers.
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
//!
//! The texts checked are the CLI's and the helper's, not the library's new
//! types, so that these tests build (and fail) on the code before the
//! check.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bollard::Docker;
use chaos_engine::docker::helper::{revert_leftovers, start_helper, stop_helper};
use chaos_engine::docker::spec::{DockerFault, LABEL_SUBJECT};
use chaos_engine::docker::ContainerRef;

use super::docker::{docker, inspect, run, run_ok, Labelled};
use super::engine_helpers::{command, journal_events, run_once, Engine, Workspace};
use super::fault_fixtures::net_helper_image;

/// A partition that would be harmless even in the host's namespace:
/// documentation addresses only (RFC 5737, RFC 3849).
const HARMLESS_PEERS: &str = "[192.0.2.77, '2001:db8::77']";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn engine() -> Docker {
    Docker::connect_with_local_defaults().expect("the local Docker Engine")
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
}

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
    /// goes (chains `DOCKER*`, bridges `docker0` and `br-*`), and the
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
    let reverted = rt.block_on(revert_leftovers(&engine, net_helper_image(), &subject));
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
