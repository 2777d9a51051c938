//! The engine itself (the real binary) on Docker targets, checked from
//! outside through `docker inspect`, HTTP on published ports and the
//! journal and the rules in a target's network namespace: SIGTERM in the
//! middle of a fault reverts it (a network delay among them: no rule, no
//! qdisc, no delayer left); `kill -9` in the middle of faults leaves nothing
//! broken after `recover` or a restart; an
//! Engine that cannot be reached, partition peers that match nothing and a selector
//! that matches nothing fail their cycles while other targets carry on;
//! the one-shot commands and `--dry-run` on a Docker target.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use super::docker::inspect;
use super::engine_helpers::{journal_events, run_once, wait_until, Engine, Workspace};
use super::fault_fixtures::{namespace_rules, net_helper_image, TargetContainer};

const WAIT: Duration = Duration::from_secs(60);

/// A targets file's Docker target selecting `container` by name.
fn docker_target(name: &str, container: &TargetContainer, scenarios: &str) -> String {
    format!(
        "  - name: {name}\n    docker: {{ container: {} }}\n    scenarios:\n{scenarios}",
        container.name()
    )
}

/// The targets file: a fast schedule (`recovery` long enough for the test
/// to act mid-fault), the local helper image, and `targets`.
fn targets_file(recovery: &str, startup_wait: &str, targets: &str) -> String {
    format!(
        "defaults: {{ interval: 2h, recovery: {recovery}, startup_wait: {startup_wait} }}\n\
         policy:\n  min_interval: 0\n  docker: {{ net_image: {} }}\ntargets:\n{targets}",
        net_helper_image()
    )
}

fn paused(container: &TargetContainer) -> bool {
    inspect(container.id(), "{{.State.Paused}}").as_deref() == Some("true")
}

fn running(container: &TargetContainer) -> bool {
    inspect(container.id(), "{{.State.Running}}").as_deref() == Some("true")
}

/// Whether `container` answers `GET /health` on the port published now
/// (a container started again gets a new ephemeral host port).
fn answers(container: &TargetContainer) -> bool {
    container.get_republished("/health", Duration::from_secs(2)) == Ok(200)
}

/// The scenario of a 300 ms network delay (netem where the kernel has it,
/// else the user-space delayer).
const SLOW_SCENARIO: &str =
    "      - { name: SLOW, mode: network, weight: 1, network: { delay: 300ms } }\n";

/// Whether `container`'s outgoing traffic is delayed now: the delay's rule
/// (the delayer's NFQUEUE) or qdisc (netem) is in its namespace, and a
/// request waits at least the delay, however loaded the machine.
fn delayed(container: &TargetContainer) -> Result<(), String> {
    let rules = namespace_rules(container.id(), container.label_value());
    if !rules.contains("NFQUEUE") && !rules.contains("netem") {
        return Err(format!("no delayer rule and no netem qdisc:\n{rules}"));
    }
    let started = std::time::Instant::now();
    let answer = container.get("/health", Duration::from_secs(10));
    let took = started.elapsed();
    if answer != Ok(200) || took < Duration::from_millis(300) {
        return Err(format!("GET /health: {answer:?} in {took:?}"));
    }
    Ok(())
}

/// Whether nothing of a network fault is left in `container`'s namespace.
fn no_network_fault(container: &TargetContainer) -> Result<(), String> {
    let rules = namespace_rules(container.id(), container.label_value());
    if rules.contains("CHAOS_ENGINE") || rules.contains("netem") || rules.contains("qdisc tbf") {
        return Err(format!("left behind:\n{rules}"));
    }
    Ok(())
}

/// The engine's helper containers still on the Engine (any state).
fn helpers_of(container: &TargetContainer) -> Vec<String> {
    let output = super::docker::run_ok(&mut super::docker::docker(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=io.chaos-engine.subject={}", container.id()),
    ]));
    output.lines().map(str::to_owned).collect()
}

fn start(ws: &Workspace, yaml: &str, extra: &[&str]) -> Engine {
    let targets = ws.targets(yaml);
    let journal = ws.path("journal.jsonl");
    Engine::start(
        &[
            &[
                "--targets",
                targets.to_str().unwrap(),
                "--journal",
                journal.to_str().unwrap(),
            ],
            extra,
        ]
        .concat(),
        &[],
    )
}

fn injected(engine: &Engine, target: &str) -> usize {
    engine.events_matching("💥 Injecting", Some(target)).len()
}

fn errors_of(journal: &Path, target: &str) -> Vec<Value> {
    journal_events(journal, "write_error")
        .into_iter()
        .filter(|e| e["target"] == target)
        .collect()
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn sigterm_in_the_middle_of_docker_faults_reverts_them_and_exits_zero() {
    let frozen = TargetContainer::start("term-pause", &[]);
    let cut = TargetContainer::start("term-cut", &[]);
    let slow = TargetContainer::start("term-slow", &[]);
    let ws = Workspace::new();
    let yaml = targets_file(
        "5m",
        "0",
        &[
            docker_target(
                "term-frozen",
                &frozen,
                "      - { name: PAUSE, mode: pause, weight: 1 }\n",
            ),
            docker_target(
                "term-cut",
                &cut,
                "      - { name: CUT, mode: partition, weight: 1 }\n",
            ),
            docker_target("term-slow", &slow, SLOW_SCENARIO),
        ]
        .concat(),
    );
    let mut engine = start(&ws, &yaml, &["--seed", "1"]);
    wait_until(WAIT, "the three faults in effect", || {
        ["term-frozen", "term-cut", "term-slow"]
            .iter()
            .all(|t| injected(&engine, t) == 1)
    });
    assert!(paused(&frozen), "{}", frozen.describe());
    assert!(!answers(&cut), "the partitioned container still answers");
    assert_eq!(helpers_of(&cut).len(), 1);
    delayed(&slow).expect("the delay is in effect");
    assert_eq!(helpers_of(&slow).len(), 1);

    let (status, _) = engine.terminate();
    assert!(status.success(), "exit {status}");
    assert!(
        !paused(&frozen) && answers(&frozen),
        "{}",
        frozen.describe()
    );
    assert!(answers(&cut), "{}", cut.describe());
    for container in [&cut, &slow] {
        assert!(
            helpers_of(container).is_empty(),
            "helpers left: {:?}",
            helpers_of(container)
        );
    }
    no_network_fault(&cut).expect("the partition is undone");
    no_network_fault(&slow).expect("the delay is undone");
    assert!(answers(&slow), "{}", slow.describe());

    // The journal: the write-ahead record came first, the injection names
    // the container, the shutdown clear ended it.
    let journal = ws.path("journal.jsonl");
    let applying = journal_events(&journal, "fault_applying");
    assert_eq!(applying.len(), 3, "{applying:?}");
    let injections = journal_events(&journal, "injected");
    let frozen_injection = injections
        .iter()
        .find(|e| e["target"] == "term-frozen")
        .unwrap();
    assert_eq!(frozen_injection["containers"][0]["name"], frozen.name());
    assert_eq!(frozen_injection["containers"][0]["id"], frozen.id());
    let cleared = journal_events(&journal, "cleared");
    assert!(
        cleared
            .iter()
            .filter(|e| e["reason"] == "shutdown" && e["id"].is_string())
            .count()
            == 3,
        "{cleared:?}"
    );
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn faults_left_by_a_killed_engine_are_undone_by_recover_and_by_a_restart() {
    let frozen = TargetContainer::start("kill9-pause", &[]);
    let stopped = TargetContainer::start("kill9-stop", &[]);
    let cut = TargetContainer::start("kill9-cut", &[]);
    let slow = TargetContainer::start("kill9-slow", &[]);
    let ws = Workspace::new();
    let scenarios = [
        docker_target(
            "frozen",
            &frozen,
            "      - { name: PAUSE, mode: pause, weight: 1 }\n",
        ),
        docker_target(
            "stopped",
            &stopped,
            "      - { name: STOP, mode: stop, weight: 1, grace: 1s }\n",
        ),
        docker_target(
            "cut",
            &cut,
            "      - { name: CUT, mode: partition, weight: 1 }\n",
        ),
        docker_target("slow", &slow, SLOW_SCENARIO),
    ]
    .concat();
    let broken = |what: &str| {
        assert!(paused(&frozen), "{what}: {}", frozen.describe());
        assert!(!running(&stopped), "{what}: {}", stopped.describe());
        assert!(!answers(&cut), "{what}: the partitioned container answers");
        // The helper outlives the engine: its delay goes on.
        if let Err(err) = delayed(&slow) {
            panic!("{what}: the delay is gone: {err}");
        }
    };
    let whole = |what: &str| {
        assert!(
            !paused(&frozen) && answers(&frozen),
            "{what}: {}",
            frozen.describe()
        );
        wait_until(WAIT, "the stopped container to answer again", || {
            answers(&stopped)
        });
        assert!(answers(&cut), "{what}: {}", cut.describe());
        assert!(answers(&slow), "{what}: {}", slow.describe());
        for container in [&cut, &slow] {
            assert!(helpers_of(container).is_empty(), "{what}: helpers left");
            if let Err(err) = no_network_fault(container) {
                panic!("{what}: {}: {err}", container.name());
            }
        }
    };
    let kill_mid_fault = |extra: &[&str]| {
        let mut engine = start(&ws, &targets_file("5m", "0", &scenarios), extra);
        wait_until(WAIT, "four faults in effect", || {
            ["frozen", "stopped", "cut", "slow"]
                .iter()
                .all(|t| injected(&engine, t) == 1)
        });
        engine.child.kill().expect("kill -9 the engine");
        engine.child.wait().expect("reap the engine");
    };

    // `recover`, by hand.
    kill_mid_fault(&["--seed", "1"]);
    broken("after kill -9");
    let journal = ws.path("journal.jsonl");
    let recover = || {
        let targets = ws.path("targets.yaml");
        run_once(
            &[
                "recover",
                "--targets",
                targets.to_str().unwrap(),
                "--journal",
                journal.to_str().unwrap(),
            ],
            &[],
        )
    };
    let output = recover();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    whole("after recover");
    assert!(
        stdout.contains(frozen.name()) && stdout.contains(slow.name()),
        "{stdout}"
    );
    let again = recover();
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("nothing to recover"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );

    // A restarted engine recovers before anything else (its first
    // injection is an hour away).
    kill_mid_fault(&["--seed", "2"]);
    broken("after the second kill -9");
    let mut restarted = start(&ws, &targets_file("5m", "1h", &scenarios), &[]);
    wait_until(WAIT, "the restarted engine to recover", || {
        restarted
            .events_matching("Recovered a fault left behind", None)
            .len()
            >= 4
    });
    whole("after the restart");
    let (status, _) = restarted.terminate();
    assert!(status.success(), "exit {status}");
    let recovered = journal_events(&journal, "fault_recovered");
    assert!(recovered.len() >= 8, "{recovered:?}");
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn docker_faults_that_cannot_be_applied_fail_their_cycle_and_others_carry_on() {
    let laggy = TargetContainer::start("netem", &[]);
    let ws = Workspace::new();
    let yaml = format!(
        "defaults: {{ interval: 1s, recovery: 300ms, startup_wait: 0 }}\n\
         policy:\n  min_interval: 0\n  docker: {{ net_image: {} }}\ntargets:\n\
         - name: gone\n    docker: {{ service: cache, host: 'unix:///nonexistent/docker.sock' }}\n\
         \x20   scenarios: [{{ name: PAUSE, mode: pause, weight: 1 }}]\n\
         \x20 - name: nobody\n    docker: {{ labels: {{ chaos-engine.test.none: '{}' }} }}\n\
         \x20   scenarios: [{{ name: PAUSE, mode: pause, weight: 1 }}]\n\
         {}\
         \x20 - name: file\n    state_file: '{{dir}}/file.json'\n",
        net_helper_image(),
        std::process::id(),
        docker_target(
            "laggy",
            &laggy,
            "      - { name: CUT, mode: partition, weight: 1, peers: [nowhere-to-be-found] }\n"
        ),
    )
    .replace("\ntargets:\n- name: gone", "\ntargets:\n  - name: gone");
    let mut engine = start(&ws, &yaml, &[]);
    let journal = ws.path("journal.jsonl");
    wait_until(
        WAIT,
        "two failed cycles of each Docker target, and the file target's injections",
        || {
            ["gone", "nobody", "laggy"]
                .iter()
                .all(|t| errors_of(&journal, t).len() >= 2)
                && injected(&engine, "file") >= 2
        },
    );
    let error = |target: &str| {
        errors_of(&journal, target)[0]["detail"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        error("gone").contains("cannot reach the Docker Engine at unix:///nonexistent/docker.sock"),
        "{}",
        error("gone")
    );
    assert!(
        error("nobody").contains("no running container matches containers labelled"),
        "{}",
        error("nobody")
    );
    assert!(
        error("laggy").contains("no running container matches partition peer nowhere-to-be-found"),
        "{}",
        error("laggy")
    );
    let logged = engine.events_matching("could not apply the fault", Some("laggy"));
    assert!(!logged.is_empty());
    assert_eq!(logged[0]["level"], "ERROR");
    assert!(answers(&laggy));
    // No failure ever started on a Docker target.
    for target in ["gone", "nobody", "laggy"] {
        assert_eq!(injected(&engine, target), 0, "{target}");
    }
    let (status, _) = engine.terminate();
    assert!(status.success(), "exit {status}");
    // Each cycle's helper is removed once its fault fails (a cycle under
    // way while running may still have one: only the exit is checked).
    assert!(helpers_of(&laggy).is_empty(), "a helper was left");
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn one_shot_commands_and_dry_run_on_a_docker_target() {
    let cache = TargetContainer::start("oneshot", &[]);
    let ws = Workspace::new();
    let yaml = targets_file(
        "2s",
        "0",
        &docker_target(
            "cache",
            &cache,
            "      - { name: PAUSE, mode: pause, weight: 1 }\n",
        ),
    );
    let targets = ws.targets(&yaml);
    let targets = targets.to_str().unwrap();
    let text = |output: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };

    let validate = run_once(&["validate", "--targets", targets], &[]);
    let shown = text(&validate);
    assert!(validate.status.success(), "{shown}");
    assert!(
        shown.contains(&format!("docker:       container {}", cache.name())),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("matches now:  1 running: {}", cache.name())),
        "{shown}"
    );
    assert!(
        shown.contains("PAUSE                pause; unpaused at recovery"),
        "{shown}"
    );

    let status = run_once(&["status", "--targets", targets], &[]);
    let shown = text(&status);
    assert!(shown.starts_with("cache: healthy ("), "{shown}");

    let refused = run_once(
        &["inject", "crash", "--target", "cache", "--targets", targets],
        &[],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("its modes are kill, stop, pause, network, partition"));

    // `inject` holds the fault for --for, then undoes it.
    let journal = ws.path("journal.jsonl");
    let held = run_once(
        &[
            "inject",
            "pause",
            "--target",
            "cache",
            "--for",
            "1s",
            "--targets",
            targets,
            "--journal",
            journal.to_str().unwrap(),
        ],
        &[],
    );
    let shown = text(&held);
    assert!(held.status.success(), "{shown}");
    assert!(
        shown.contains(&format!(
            "💥 Injected PAUSE (pause) into cache: {}",
            cache.name()
        )),
        "{shown}"
    );
    assert!(shown.contains("✓ cache: fault undone"), "{shown}");
    assert!(!paused(&cache) && answers(&cache));
    assert_eq!(journal_events(&journal, "injected")[0]["source"], "cli");
    assert_eq!(journal_events(&journal, "cleared")[0]["reason"], "manual");

    let cleared = run_once(&["clear", "--target", "cache", "--targets", targets], &[]);
    assert!(cleared.status.success(), "{}", text(&cleared));
    assert!(
        text(&cleared).contains("cache cleared (no fault in effect)"),
        "{}",
        text(&cleared)
    );

    // A dry run logs what it would do and never touches the container.
    let mut engine = Engine::start(
        &[
            "--targets",
            targets,
            "--dry-run",
            "--interval",
            "1s",
            "--recovery",
            "500ms",
        ],
        &[],
    );
    wait_until(WAIT, "two dry-run picks", || {
        engine
            .events_matching("[dry run] would inject", Some("cache"))
            .len()
            >= 2
    });
    assert!(!paused(&cache));
    let (status, _) = engine.terminate();
    assert!(status.success());
    assert!(!paused(&cache) && answers(&cache));
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn inject_scenario_applies_the_named_fault_not_the_first_of_its_mode() {
    let cache = TargetContainer::start("byname", &[]);
    let ws = Workspace::new();
    // Two network scenarios: the first drops every packet, the second caps
    // the rate far above what a health check needs. `inject network` would
    // take the first.
    let yaml = targets_file(
        "2s",
        "0",
        &docker_target(
            "cache",
            &cache,
            "      - { name: BLACKHOLE, mode: network, weight: 1, network: { loss: 100% } }\n      \
             - { name: GENTLE, mode: network, weight: 1, network: { rate: 100mbit } }\n",
        ),
    );
    let targets = ws.targets(&yaml);
    let targets = targets.to_str().unwrap();
    let journal = ws.path("journal.jsonl");

    let unknown = run_once(
        &[
            "inject",
            "--scenario",
            "GENTLER",
            "--target",
            "cache",
            "--targets",
            targets,
        ],
        &[],
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains(
            "--scenario GENTLER: target cache has no such scenario (its scenarios: BLACKHOLE \
             (network), GENTLE (network))"
        ),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
    assert!(helpers_of(&cache).is_empty());

    let mut held = super::engine_helpers::command(&[])
        .args([
            "inject",
            "--scenario",
            "GENTLE",
            "--target",
            "cache",
            "--for",
            "60s",
            "--targets",
            targets,
            "--journal",
            journal.to_str().unwrap(),
        ])
        .stdout(std::fs::File::create(ws.path("out")).expect("output file"))
        .stderr(std::fs::File::create(ws.path("err")).expect("error file"))
        .spawn()
        .expect("spawn inject");
    let output = || {
        let read = |name| std::fs::read_to_string(ws.path(name)).unwrap_or_default();
        format!("{}{}", read("out"), read("err"))
    };
    wait_until(WAIT, "the fault applied", || {
        output().contains("💥 Injected GENTLE (network) into cache")
            || held.try_wait().ok().flatten().is_some()
    });
    assert!(held.try_wait().expect("try_wait").is_none(), "{}", output());
    let injected = &journal_events(&journal, "injected")[0];
    assert_eq!(
        (injected["scenario"].as_str(), injected["mode"].as_str()),
        (Some("GENTLE"), Some("network"))
    );
    // The fault in effect is GENTLE's: the container still answers.
    assert!(
        !helpers_of(&cache).is_empty(),
        "no helper in the container's namespace"
    );
    assert!(
        answers(&cache),
        "GENTLE adds 1 ms; BLACKHOLE would cut it off"
    );
    // SIGTERM undoes it at once.
    rustix::process::kill_process(
        rustix::process::Pid::from_child(&held),
        rustix::process::Signal::TERM,
    )
    .expect("signal inject");
    let status = held.wait().expect("wait for inject");
    assert!(status.success(), "exit {status}");
    assert_eq!(journal_events(&journal, "cleared")[0]["reason"], "manual");
    wait_until(WAIT, "the helper removed", || helpers_of(&cache).is_empty());
    assert!(answers(&cache));
}
