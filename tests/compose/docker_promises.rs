//! Promises of docs/containers.md kept by the real binary on real
//! containers, checked from outside (`docker inspect`, `docker events`,
//! the journal, HTTP on published ports):
//!
//! - `pick: all | N | "50%"` hits that many of four matching containers,
//!   and Ctrl-C undoes a one-shot `inject` at once;
//! - `status` shows a fault in effect, and after a `kill -9` of the
//!   `inject` that applied it, `clear --target` undoes it;
//! - `validate` with no matching container says so and exits 0;
//! - `kill` with a chosen signal: through an init it crashes the app
//!   (exit 128 + the signal) and its restart policy brings it back; the
//!   Engine's kill (the fallback without the helper image) sends the same
//!   signal; an app that is its container's PID 1 never gets a signal it
//!   has no handler for, and the fault fails saying so instead of
//!   reporting a crash;
//! - `stop` sends SIGTERM, then SIGKILL once its grace has passed;
//! - a stopped or partitioned container that someone restarts is a repair
//!   (`docker start`), settled at once;
//! - a target without `host` uses `DOCKER_HOST`.

use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::docker::{docker, inspect, run, run_ok, Labelled};
use super::engine_helpers::{
    collect_lines, command, journal_events, run_once, start_journalled, wait_until, Workspace,
};
use super::fault_fixtures::{events_of, net_helper_image, TargetContainer};

const WAIT: Duration = Duration::from_secs(60);

/// A targets file: nothing scheduled for two hours, the local helper
/// image, and `targets`.
fn targets_file(targets: &str) -> String {
    format!(
        "defaults: {{ interval: 2h, recovery: 5m, startup_wait: 0 }}\n\
         policy:\n  min_interval: 0\n  docker: {{ net_image: {} }}\ntargets:\n{targets}",
        net_helper_image()
    )
}

/// A targets file of one target `name` on the container `container` with
/// the one scenario `scenario` (a flow mapping).
fn one_target(name: &str, container: &str, scenario: &str) -> String {
    targets_file(&format!(
        "  - name: {name}\n    docker: {{ container: {container} }}\n    scenarios: [{scenario}]\n"
    ))
}

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A one-shot `inject` running in the background, its standard output
/// collected.
struct Injecting {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Injecting {
    fn start(args: &[&str]) -> Self {
        let mut child = command(&[])
            .arg("inject")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn chaos-engine inject");
        let (lines, reader) = collect_lines(&mut child);
        Injecting {
            child,
            lines,
            reader: Some(reader),
        }
    }

    /// Waits until it says the fault is injected.
    fn wait_injected(&self) {
        wait_until(WAIT, "inject to say it injected", || {
            self.lines
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.starts_with("💥 Injected"))
        });
    }

    /// Sends `signal`, waits for the exit; its status and everything it
    /// printed.
    fn stop(mut self, signal: rustix::process::Signal) -> (std::process::ExitStatus, String) {
        let pid = rustix::process::Pid::from_child(&self.child);
        rustix::process::kill_process(pid, signal).expect("signal inject");
        let status = self.child.wait().expect("wait for inject");
        if let Some(reader) = self.reader.take() {
            reader.join().expect("the output reader");
        }
        let printed = self.lines.lock().unwrap().join("\n");
        (status, printed)
    }
}

impl Drop for Injecting {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}

fn restart_count(id: &str) -> u32 {
    inspect(id, "{{.RestartCount}}")
        .and_then(|count| count.parse().ok())
        .expect("a restart count")
}

fn paused_of(containers: &[TargetContainer]) -> usize {
    containers
        .iter()
        .filter(|c| inspect(c.id(), "{{.State.Paused}}").as_deref() == Some("true"))
        .count()
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn pick_all_two_and_half_hit_that_many_and_ctrl_c_undoes_inject() {
    let group = format!("picks-{}", std::process::id());
    let label = format!("chaos-engine.test.group={group}");
    let containers: Vec<TargetContainer> = (0..4)
        .map(|_| TargetContainer::start("pick", &["--label", &label]))
        .collect();
    let ws = Workspace::new();
    let selector = format!("labels: {{ chaos-engine.test.group: {group} }}");
    let yaml = targets_file(&format!(
        "  - name: all\n    docker: {{ {selector}, pick: all }}\n    scenarios: [{{ name: PAUSE, mode: pause, weight: 1 }}]\n\
         \x20 - name: two\n    docker: {{ {selector}, pick: 2 }}\n    scenarios: [{{ name: PAUSE, mode: pause, weight: 1 }}]\n\
         \x20 - name: half\n    docker: {{ {selector}, pick: \"50%\" }}\n    scenarios: [{{ name: PAUSE, mode: pause, weight: 1 }}]\n"
    ));
    let targets = ws.targets(&yaml);
    let journal = ws.path("journal.jsonl");
    for (target, hit) in [("all", 4), ("two", 2), ("half", 2)] {
        let inject = Injecting::start(&[
            "pause",
            "--target",
            target,
            "--for",
            "5m",
            "--targets",
            targets.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
        ]);
        inject.wait_injected();
        assert_eq!(paused_of(&containers), hit, "{target}");
        let injected = journal_events(&journal, "injected");
        let last = injected.last().expect("an injected event");
        assert_eq!(last["target"], target);
        assert_eq!(
            last["containers"].as_array().map(Vec::len),
            Some(hit),
            "{last}"
        );
        // Ctrl-C: undone at once, not at the end of the 5 minutes.
        let (status, printed) = inject.stop(rustix::process::Signal::INT);
        assert!(status.success(), "{status}: {printed}");
        assert!(
            printed.contains(&format!("✓ {target}: fault undone")),
            "{printed}"
        );
        assert_eq!(paused_of(&containers), 0, "{target}: {printed}");
    }
    let cleared = journal_events(&journal, "cleared");
    assert_eq!(cleared.len(), 3, "{cleared:?}");
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn status_shows_a_fault_in_effect_and_clear_undoes_it_after_a_killed_inject() {
    let cache = TargetContainer::start("status", &[]);
    let ws = Workspace::new();
    let yaml = one_target(
        "cache",
        cache.name(),
        "{ name: CUT, mode: partition, weight: 1 }",
    );
    let targets = ws.targets(&yaml);
    let targets = targets.to_str().unwrap();
    let status = || text(&run_once(&["status", "--targets", targets], &[]));
    assert!(status().starts_with("cache: healthy ("), "{}", status());

    let inject = Injecting::start(&[
        "partition",
        "--target",
        "cache",
        "--for",
        "5m",
        "--targets",
        targets,
    ]);
    inject.wait_injected();
    let during = status();
    assert!(
        during.starts_with(&format!("cache: partition in effect on {}", cache.name())),
        "{during}"
    );
    assert!(cache.get("/health", Duration::from_secs(2)).is_err());

    // kill -9: nothing undoes it, and status still says so.
    let (killed, _) = inject.stop(rustix::process::Signal::KILL);
    assert!(!killed.success());
    let after_kill = status();
    assert!(
        after_kill.starts_with(&format!("cache: partition in effect on {}", cache.name())),
        "{after_kill}"
    );
    assert!(cache.get("/health", Duration::from_secs(2)).is_err());

    let cleared = run_once(&["clear", "--target", "cache", "--targets", targets], &[]);
    let shown = text(&cleared);
    assert!(cleared.status.success(), "{shown}");
    assert!(
        shown.starts_with("✓ cache: partition fault ")
            && shown.contains(&format!("left behind: {} (", cache.name()))
            && shown.contains("network rules removed"),
        "{shown}"
    );
    assert_eq!(cache.get("/health", Duration::from_secs(10)), Ok(200));
    assert!(status().starts_with("cache: healthy ("), "{}", status());
    let again = text(&run_once(
        &["clear", "--target", "cache", "--targets", targets],
        &[],
    ));
    assert!(
        again.contains("cache cleared (no fault in effect)"),
        "{again}"
    );
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn validate_with_no_matching_container_says_so_and_exits_zero() {
    let ws = Workspace::new();
    let nothing = format!("nothing-{}", std::process::id());
    let yaml = targets_file(&format!(
        "  - name: none\n    docker: {{ labels: {{ chaos-engine.test.group: {nothing} }} }}\n    scenarios: [{{ name: PAUSE, mode: pause, weight: 1 }}]\n"
    ));
    let targets = ws.targets(&yaml);
    let validate = run_once(&["validate", "--targets", targets.to_str().unwrap()], &[]);
    let shown = text(&validate);
    assert!(validate.status.success(), "{shown}");
    assert!(
        shown.contains("  matches now:  no running container (faults are skipped until one runs)"),
        "{shown}"
    );
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn kill_with_a_chosen_signal_crashes_through_an_init_and_fails_where_it_ends_nothing() {
    // Through an init (tini passes the signal on): the app dies of SIGUSR1
    // (exit 138) and its restart policy brings it back.
    let init = TargetContainer::start("usr1-init", &["--init", "--restart", "unless-stopped"]);
    // The same through the Engine's kill, without the helper image.
    let engine_kill = TargetContainer::start("usr1-engine", &["--init"]);
    // The app as PID 1, without a handler for SIGUSR1.
    let pid1 = TargetContainer::start("usr1-pid1", &[]);
    let ws = Workspace::new();
    let scenario = "    scenarios: [{ name: USR1, mode: kill, signal: USR1, weight: 1 }]\n";
    let yaml = targets_file(&format!(
        "  - name: init\n    docker: {{ container: {} }}\n{scenario}\
         \x20 - name: pid1\n    docker: {{ container: {} }}\n{scenario}",
        init.name(),
        pid1.name()
    ));
    let targets = ws.targets(&yaml);
    let without_helper = ws.path("no-helper.yaml");
    std::fs::write(
        &without_helper,
        format!(
            "defaults: {{ interval: 2h, recovery: 5m, startup_wait: 0 }}\n\
             policy:\n  min_interval: 0\n  docker: {{ net_image: 'chaos-engine-test-absent:none' }}\n\
             targets:\n  - name: engine\n    docker: {{ container: {} }}\n{scenario}",
            engine_kill.name()
        ),
    )
    .unwrap();
    let inject = |target: &str, file: &Path| {
        run_once(
            &[
                "inject",
                "kill",
                "--target",
                target,
                "--for",
                "1s",
                "--targets",
                file.to_str().unwrap(),
            ],
            &[],
        )
    };
    let since = super::fault_fixtures::now();

    let crashed = inject("init", &targets);
    assert!(crashed.status.success(), "{}", text(&crashed));
    wait_until(WAIT, "the restart policy to restart it", || {
        restart_count(init.id()) == 1
    });
    let seen = events_of(init.id(), since);
    let died: Vec<_> = seen.iter().filter(|(a, _, _)| a == "die").collect();
    assert_eq!(died.len(), 1, "{seen:?}");
    assert_eq!(died[0].1["exitCode"], "138", "128 + SIGUSR1 (10): {seen:?}");
    assert!(
        !seen.iter().any(|(a, _, _)| a == "kill"),
        "the helper's kill is no Engine kill: {seen:?}"
    );

    let through_engine = inject("engine", &without_helper);
    assert!(through_engine.status.success(), "{}", text(&through_engine));
    let seen = events_of(engine_kill.id(), since);
    let actions: Vec<(&str, &str)> = seen
        .iter()
        .filter(|(a, _, _)| a == "kill" || a == "die")
        .map(|(a, attributes, _)| {
            (
                a.as_str(),
                attributes["signal"]
                    .as_str()
                    .or(attributes["exitCode"].as_str())
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(actions, [("kill", "10"), ("die", "138")], "{seen:?}");

    let refused = inject("pid1", &targets);
    let shown = text(&refused);
    assert!(!refused.status.success(), "{shown}");
    assert!(
        shown.contains(&format!(
            "error: pid1: kill {} ({}): SIGUSR1 did not end its main process within 10 s, so \
             nothing crashed",
            pid1.name(),
            &pid1.id()[..12]
        )),
        "{shown}"
    );
    assert!(
        !events_of(pid1.id(), since)
            .iter()
            .any(|(a, _, _)| a == "die"),
        "the app as PID 1 died of SIGUSR1"
    );
    assert_eq!(pid1.get("/health", Duration::from_secs(10)), Ok(200));
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn stop_sends_sigterm_then_sigkill_once_its_grace_has_passed() {
    // `sleep` as PID 1 has no handler for SIGTERM: only SIGKILL ends it.
    let guard = Labelled::new("stop-grace");
    let name = format!("chaos-stop-grace-{}", std::process::id());
    let id = guard.run_detached(&["--name", &name, "debian:bookworm-slim", "sleep", "infinity"]);
    let ws = Workspace::new();
    let yaml = one_target(
        "stubborn",
        &name,
        "{ name: STOP, mode: stop, grace: 2s, weight: 1 }",
    );
    let targets = ws.targets(&yaml);
    let since = super::fault_fixtures::now();
    let stopped = run_once(
        &[
            "inject",
            "stop",
            "--target",
            "stubborn",
            "--for",
            "1s",
            "--targets",
            targets.to_str().unwrap(),
        ],
        &[],
    );
    assert!(stopped.status.success(), "{}", text(&stopped));
    let seen = events_of(&id, since);
    let steps: Vec<(&str, &str, i64)> = seen
        .iter()
        .filter(|(a, _, _)| ["kill", "die", "start"].contains(&a.as_str()))
        .map(|(a, attributes, at)| {
            (
                a.as_str(),
                attributes["signal"]
                    .as_str()
                    .or(attributes["exitCode"].as_str())
                    .unwrap_or_default(),
                *at,
            )
        })
        .collect();
    let shape: Vec<(&str, &str)> = steps.iter().map(|(a, v, _)| (*a, *v)).collect();
    assert_eq!(
        shape,
        [("kill", "15"), ("kill", "9"), ("die", "137"), ("start", "")],
        "{seen:?}"
    );
    // The SIGKILL came no sooner than the grace after the SIGTERM.
    assert!(
        steps[1].2 - steps[0].2 >= 2_000_000_000,
        "SIGKILL {} ns after SIGTERM",
        steps[1].2 - steps[0].2
    );
    assert_eq!(inspect(&id, "{{.State.Running}}").as_deref(), Some("true"));
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn a_stopped_or_partitioned_container_restarted_by_someone_is_a_repair() {
    let stopped = TargetContainer::start("restart-stop", &[]);
    let cut = TargetContainer::start("restart-cut", &[]);
    let yaml = targets_file(&format!(
        "  - name: stopped\n    docker: {{ container: {} }}\n    scenarios: [{{ name: STOP, mode: stop, grace: 0s, weight: 1 }}]\n\
         \x20 - name: cut\n    docker: {{ container: {} }}\n    scenarios: [{{ name: CUT, mode: partition, weight: 1 }}]\n",
        stopped.name(),
        cut.name()
    ));
    let (_ws, journal, mut engine) = start_journalled(&yaml, &[]);
    wait_until(WAIT, "both faults in effect", || {
        journal_events(&journal, "injected").len() == 2
    });
    run_ok(&mut docker(&["restart", stopped.id(), cut.id()]));
    wait_until(WAIT, "both repairs", || {
        journal_events(&journal, "ended").len() == 2
    });
    for ended in journal_events(&journal, "ended") {
        assert_eq!(ended["ended_by"], "repair", "{ended}");
        assert_eq!(ended["repaired_by"], "docker start", "{ended}");
    }
    wait_until(WAIT, "both faults settled", || {
        engine
            .events_matching("Docker fault settled after repair", None)
            .len()
            == 2
    });
    let settled = engine.events_matching("Docker fault settled after repair", Some("cut"));
    assert!(
        settled[0]["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("network rules removed")),
        "{settled:?}"
    );
    for container in [&stopped, &cut] {
        assert_eq!(
            container.get_republished("/health", Duration::from_secs(10)),
            Ok(200)
        );
    }
    let (status, _) = engine.terminate();
    assert!(status.success(), "exit {status}");
    let left = run_ok(&mut docker(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=io.chaos-engine.subject={}", cut.id()),
    ]));
    assert!(left.trim().is_empty(), "helpers left: {left}");
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn a_target_without_host_uses_docker_host() {
    let cache = TargetContainer::start("docker-host", &[]);
    let ws = Workspace::new();
    let yaml = one_target(
        "cache",
        cache.name(),
        "{ name: PAUSE, mode: pause, weight: 1 }",
    );
    let targets = ws.targets(&yaml);
    let validate = |docker_host: &str| {
        run_once(
            &["validate", "--targets", targets.to_str().unwrap()],
            &[("DOCKER_HOST", docker_host)],
        )
    };
    let nowhere = validate("unix:///nonexistent/docker.sock");
    assert_eq!(nowhere.status.code(), Some(2), "{}", text(&nowhere));
    assert!(
        text(&nowhere)
            .contains("cannot reach the Docker Engine at unix:///nonexistent/docker.sock"),
        "{}",
        text(&nowhere)
    );
    let local = validate("unix:///var/run/docker.sock");
    assert!(local.status.success(), "{}", text(&local));
    assert!(
        text(&local).contains(&format!(
            "docker:       container {} on unix:///var/run/docker.sock",
            cache.name()
        )) && text(&local).contains(&format!("matches now:  1 running: {}", cache.name())),
        "{}",
        text(&local)
    );
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn partition_peers_named_by_compose_service_and_sigterm_undoes_inject() {
    let project = format!("chaos-peers-{}", std::process::id());
    let compose = |service: &str| {
        [
            format!("com.docker.compose.project={project}"),
            format!("com.docker.compose.service={service}"),
        ]
    };
    let [web_project, web_service] = compose("web");
    let [db_project, db_service] = compose("db");
    let web = TargetContainer::start(
        "peers-web",
        &["--label", &web_project, "--label", &web_service],
    );
    let db = TargetContainer::start(
        "peers-db",
        &["--label", &db_project, "--label", &db_service],
    );
    let ip_of = |container: &TargetContainer| {
        inspect(
            container.id(),
            "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        )
        .expect("an address")
    };
    let (web_ip, db_ip) = (ip_of(&web), ip_of(&db));
    // From db to web over the bridge, within 2 s.
    let db_reaches_web = || {
        run(&mut docker(&[
            "exec",
            db.id(),
            "timeout",
            "2",
            "bash",
            "-c",
            &format!("exec 3<>/dev/tcp/{web_ip}/8000"),
        ]))
        .status
        .success()
    };
    assert!(db_reaches_web());
    let ws = Workspace::new();
    let yaml = targets_file(&format!(
        "  - name: web\n    docker: {{ service: web, project: {project} }}\n    scenarios: [{{ name: CUT, mode: partition, weight: 1, peers: [db] }}]\n"
    ));
    let targets = ws.targets(&yaml);
    let inject = Injecting::start(&[
        "partition",
        "--target",
        "web",
        "--for",
        "5m",
        "--targets",
        targets.to_str().unwrap(),
    ]);
    inject.wait_injected();
    let rules = super::fault_fixtures::namespace_rules(web.id(), web.label_value());
    assert!(
        rules.contains(&format!("-A CHAOS_ENGINE_IN -s {db_ip}/32"))
            && rules.contains(&format!("-A CHAOS_ENGINE_OUT -d {db_ip}/32")),
        "{rules}"
    );
    assert!(!db_reaches_web(), "db still reaches web");
    // Only db is cut off: the host still gets through.
    assert_eq!(web.get("/health", Duration::from_secs(10)), Ok(200));

    let (status, printed) = inject.stop(rustix::process::Signal::TERM);
    assert!(status.success(), "{status}: {printed}");
    assert!(printed.contains("✓ web: fault undone"), "{printed}");
    assert!(db_reaches_web());
    let rules = super::fault_fixtures::namespace_rules(web.id(), web.label_value());
    assert!(!rules.contains("CHAOS_ENGINE"), "{rules}");
}
