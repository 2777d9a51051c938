//! What the fault ledger guarantees, in real containers: every fault the
//! engine applied is undone after SIGTERM, after `kill -9` followed by
//! `recover`, and after a failed undo is retried; a stop still under way
//! at `kill -9` is waited out; a second engine never undoes the first
//! one's faults; nothing the engine creates names the fault. And a
//! scripted loop of `kill -9`s at random moments over pause, stop, kill,
//! partition and loss, each checked after `recover` and again once the
//! longest grace has passed.
//!
//! The containers run `sleep infinity` (PID 1 ignores SIGTERM, so a
//! `stop` takes its whole grace) from the local `debian:bookworm-slim`.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::docker::{docker, inspect, run, run_ok, Labelled};
use super::engine_helpers::{
    journal_events, run_once, test_ledger_dir, wait_until, Engine, Workspace,
};
use super::fault_fixtures::{namespace_rules, net_helper_image};

const WAIT: Duration = Duration::from_secs(60);
const IMAGE: &str = "debian:bookworm-slim";

/// A `sleep infinity` container, removed (with its helpers) when dropped.
struct Sleeper {
    guard: Labelled,
    id: String,
    name: String,
}

impl Sleeper {
    fn start(what: &str, extra: &[&str]) -> Sleeper {
        let guard = Labelled::new(&format!("safety-{what}"));
        let name = format!("chaos-safety-{what}-{}", std::process::id());
        let mut args = vec!["--name", name.as_str()];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[IMAGE, "sleep", "infinity"]);
        let id = guard.run_detached(&args);
        Sleeper { guard, id, name }
    }

    fn state(&self) -> String {
        inspect(&self.id, "{{.State.Status}}").unwrap_or_else(|| "gone".to_owned())
    }

    /// The engine's helpers working on it (any state).
    fn helpers(&self) -> Vec<String> {
        let filter = format!("label=io.chaos-engine.subject={}", self.id);
        run_ok(&mut docker(&["ps", "-aq", "--filter", &filter]))
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Its namespace's rules and qdiscs (while it runs).
    fn rules(&self) -> String {
        namespace_rules(&self.id, &self.guard.id)
    }

    fn has_rules(&self) -> bool {
        let rules = self.rules();
        rules.contains("CHAOS_ENGINE") || rules.contains("qdisc tbf") || rules.contains("netem")
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        for helper in self.helpers() {
            run(&mut docker(&["rm", "-f", &helper]));
        }
    }
}

fn target(name: &str, container: &Sleeper, scenario: &str) -> String {
    format!(
        "  - name: {name}\n    docker: {{ container: {} }}\n    scenarios:\n      - {scenario}\n",
        container.name
    )
}

fn targets_file(recovery: &str, startup_wait: &str, targets: &str) -> String {
    format!(
        "defaults: {{ interval: 2h, recovery: {recovery}, startup_wait: {startup_wait} }}\n\
         policy:\n  min_interval: 0\n  docker: {{ net_image: {} }}\ntargets:\n{targets}",
        net_helper_image()
    )
}

fn start(ws: &Workspace, yaml: &str, journal: Option<&Path>, env: &[(&str, &str)]) -> Engine {
    let targets = ws.targets(yaml);
    let mut args = vec!["--targets".to_owned(), targets.display().to_string()];
    if let Some(journal) = journal {
        args.extend(["--journal".to_owned(), journal.display().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Engine::start(&args, env)
}

fn recover(ws: &Workspace, env: &[(&str, &str)]) -> Output {
    let targets = ws.path("targets.yaml");
    run_once(&["recover", "--targets", targets.to_str().unwrap()], env)
}

/// A one-target engine on `sleeper` (`name`, one `scenario`), injecting
/// at once and holding the fault five minutes; journalled to `journal`.
fn engine_on(
    ws: &Workspace,
    name: &str,
    sleeper: &Sleeper,
    scenario: &str,
    journal: Option<&Path>,
) -> Engine {
    let yaml = targets_file("5m", "0", &target(name, sleeper, scenario));
    start(ws, &yaml, journal, &[])
}

/// `recover`, which must succeed; its output.
fn recovered(ws: &Workspace) -> String {
    let output = recover(ws, &[]);
    assert!(output.status.success(), "{}", text(&output));
    text(&output)
}

/// No ledger is left in this test's ledger directory (`why`).
fn assert_nothing_open(why: &str) {
    let left = ledger_files(&test_ledger_dir());
    assert!(left.is_empty(), "{why}: {left:?}");
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn kill_9(engine: &mut Engine) {
    engine.child.kill().expect("kill -9 the engine");
    engine.child.wait().expect("reap the engine");
}

/// Whether a fault's write-ahead record is in this test's ledger: the
/// fault's first change is under way or done (the "Injecting" log line
/// comes only once it is applied, a stop's grace later).
fn fault_begun() -> bool {
    ledger_files(&test_ledger_dir())
        .iter()
        .any(|path| std::fs::read_to_string(path).is_ok_and(|text| text.contains("\"intent\"")))
}

/// SIGTERM, then waits (at most `limit`) for the exit.
fn terminate_within(engine: &mut Engine, limit: Duration) -> ExitStatus {
    let pid = rustix::process::Pid::from_child(&engine.child);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = engine.child.try_wait().expect("try_wait") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "no exit within {limit:?} of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn ledger_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[test]
#[ignore = "needs a Docker Engine and the base images (see .ci/docker-bases.sh)"]
fn a_stop_in_flight_at_kill_9_is_waited_out_then_undone() {
    let ws = Workspace::new();
    let sleeper = Sleeper::start("inflight", &[]);
    let mut engine = engine_on(
        &ws,
        "sleepy",
        &sleeper,
        "{ name: STOP, mode: stop, weight: 1, grace: 5s }",
        None,
    );
    wait_until(WAIT, "the stop to begin", fault_begun);
    // Docker carries on with the stop (5 s: PID 1 ignores SIGTERM) after
    // its client is gone.
    std::thread::sleep(Duration::from_millis(1500));
    kill_9(&mut engine);
    assert_eq!(sleeper.state(), "running", "the stop is still under way");
    let output = recovered(&ws);
    assert!(output.contains("started"), "{output}");
    assert_eq!(sleeper.state(), "running", "{output}");
    // Once the grace has long passed, it still runs.
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(sleeper.state(), "running");
    let again = recover(&ws, &[]);
    assert!(
        text(&again).contains("nothing to recover"),
        "{}",
        text(&again)
    );
}

#[test]
#[ignore = "needs a Docker Engine and the base images (see .ci/docker-bases.sh)"]
fn without_a_journal_a_pause_left_by_kill_9_is_undone_from_the_ledger() {
    let ws = Workspace::new();
    let sleeper = Sleeper::start("nojournal", &[]);
    let mut engine = engine_on(
        &ws,
        "frozen",
        &sleeper,
        "{ name: PAUSE, mode: pause, weight: 1 }",
        None,
    );
    wait_until(WAIT, "the pause", || sleeper.state() == "paused");
    kill_9(&mut engine);
    assert_eq!(
        ledger_files(&test_ledger_dir()).len(),
        1,
        "the dead engine's ledger"
    );
    let output = recovered(&ws);
    assert!(output.contains("unpaused"), "{output}");
    assert_eq!(sleeper.state(), "running");
    assert_nothing_open("nothing open: deleted");
}

#[test]
#[ignore = "needs a Docker Engine and the base images (see .ci/docker-bases.sh)"]
fn sigterm_waits_out_a_stop_within_its_grace_and_exits_zero_once_undone() {
    let ws = Workspace::new();
    let sleeper = Sleeper::start("sigterm", &[]);
    let mut engine = engine_on(
        &ws,
        "sleepy",
        &sleeper,
        "{ name: STOP, mode: stop, weight: 1 }",
        None,
    );
    wait_until(WAIT, "the stop to begin", fault_begun);
    // The default grace, 10 s: longer than the old 8 s drain.
    let status = terminate_within(&mut engine, Duration::from_secs(40));
    assert!(status.success(), "{status:?}");
    assert_eq!(sleeper.state(), "running");
    assert_nothing_open("nothing left open");
}

#[test]
#[ignore = "needs a Docker Engine and the base images (see .ci/docker-bases.sh)"]
fn a_failed_start_keeps_the_fault_open_and_is_not_called_gone() {
    let ws = Workspace::new();
    let network = format!("chaos-safety-net-{}", std::process::id());
    run_ok(&mut docker(&["network", "create", &network]));
    struct RemoveNetwork(String);
    impl Drop for RemoveNetwork {
        fn drop(&mut self) {
            run(&mut docker(&["network", "rm", &self.0]));
        }
    }
    let sleeper = Sleeper::start("nonet", &["--network", &network]);
    let _network = RemoveNetwork(network.clone());
    let mut engine = engine_on(
        &ws,
        "lonely",
        &sleeper,
        "{ name: STOP, mode: stop, weight: 1, grace: 1s }",
        None,
    );
    wait_until(WAIT, "the stop", || sleeper.state() == "exited");
    kill_9(&mut engine);
    // Its network goes: `start` now fails with a 404 about the network.
    run_ok(&mut docker(&["network", "rm", &network]));
    for attempt in ["first", "second"] {
        let output = recover(&ws, &[]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{attempt}: {}",
            text(&output)
        );
        assert!(
            text(&output).contains("is not undone"),
            "{attempt}: {}",
            text(&output)
        );
        assert!(
            !text(&output).contains(" gone"),
            "{attempt}: {}",
            text(&output)
        );
    }
    let open = ledger_files(&test_ledger_dir());
    assert_eq!(open.len(), 1, "the fault stays in its ledger: {open:?}");
}

#[test]
#[ignore = "needs a Docker Engine and the base images (see .ci/docker-bases.sh)"]
fn a_failed_undo_is_retried_by_the_next_recover() {
    let ws = Workspace::new();
    // A bind mount whose source goes away: `start` fails until it is back.
    let source = ws.path("mounted");
    std::fs::create_dir(&source).expect("mount source");
    let mount = format!("type=bind,source={},target=/mnt", source.display());
    let sleeper = Sleeper::start("retry", &["--mount", &mount]);
    let mut engine = engine_on(
        &ws,
        "mounted",
        &sleeper,
        "{ name: STOP, mode: stop, weight: 1, grace: 1s }",
        None,
    );
    wait_until(WAIT, "the stop", || sleeper.state() == "exited");
    kill_9(&mut engine);
    std::fs::remove_dir(&source).expect("remove the mount source");
    let failed = recover(&ws, &[]);
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    assert!(text(&failed).contains("is not undone"), "{}", text(&failed));
    assert_eq!(sleeper.state(), "exited");
    std::fs::create_dir(&source).expect("mount source back");
    let retried = recover(&ws, &[]);
    assert!(retried.status.success(), "{}", text(&retried));
    assert!(text(&retried).contains("started"), "{}", text(&retried));
    assert_eq!(sleeper.state(), "running");
    assert_nothing_open("nothing open: deleted");
}

#[test]
#[ignore = "needs a Docker Engine and the base images (see .ci/docker-bases.sh)"]
fn sigterm_while_a_partition_of_twenty_containers_is_applied_leaves_nothing() {
    let ws = Workspace::new();
    let group = format!("chaos-safety-many-{}", std::process::id());
    let label = format!("chaos-safety-group={group}");
    let sleepers: Vec<Sleeper> = (0..20)
        .map(|n| Sleeper::start(&format!("many{n}"), &["--label", &label]))
        .collect();
    let many = format!(
        "  - name: many\n    docker: {{ labels: {{ chaos-safety-group: {group} }}, pick: all }}\n    scenarios:\n      - {{ name: CUT, mode: partition, weight: 1 }}\n"
    );
    let yaml = targets_file("5m", "0", &many);
    let mut engine = start(&ws, &yaml, None, &[]);
    wait_until(WAIT, "the partition to begin", fault_begun);
    wait_until(WAIT, "a first helper", || {
        sleepers.iter().any(|s| !s.helpers().is_empty())
    });
    let status = terminate_within(&mut engine, Duration::from_secs(40));
    assert!(status.success(), "{status:?}");
    for sleeper in &sleepers {
        assert!(sleeper.helpers().is_empty(), "helpers of {}", sleeper.name);
        assert!(!sleeper.has_rules(), "rules in {}", sleeper.name);
    }
    assert_nothing_open("nothing left open");
}

#[test]
#[ignore = "needs a Docker Engine and the base images (see .ci/docker-bases.sh)"]
fn nothing_the_engine_creates_names_the_fault() {
    let ws = Workspace::new();
    let sleeper = Sleeper::start("opaque", &[]);
    let journal = ws.path("journal.jsonl");
    let mut engine = engine_on(
        &ws,
        "secret-target",
        &sleeper,
        "{ name: HIDDEN_SCENARIO, mode: partition, weight: 1 }",
        Some(&journal),
    );
    wait_until(WAIT, "the partition's helper", || {
        !sleeper.helpers().is_empty()
    });
    wait_until(WAIT, "the fault in effect", || sleeper.has_rules());
    let applied = journal_events(&journal, "fault_applying");
    let record: &Value = applied.first().expect("a write-ahead record");
    let failure_id = record["id"].as_str().expect("failure id").to_owned();
    let token = record["token"].as_str().expect("token").to_owned();
    for helper in sleeper.helpers() {
        let seen = run_ok(&mut docker(&["inspect", &helper]));
        for secret in [
            "secret-target",
            "HIDDEN_SCENARIO",
            "partition",
            failure_id.as_str(),
            "DROP",
        ] {
            assert!(
                !seen.contains(secret),
                "the helper shows {secret:?}:\n{seen}"
            );
        }
        assert!(seen.contains(&token), "labelled with its token:\n{seen}");
    }
    let rules = sleeper.rules();
    assert!(rules.contains(&format!("chaos-engine {token}")), "{rules}");
    for secret in ["secret-target", "HIDDEN_SCENARIO", failure_id.as_str()] {
        assert!(
            !rules.contains(secret),
            "the rules show {secret:?}:\n{rules}"
        );
    }
    let status = engine.terminate().0;
    assert!(status.success(), "{status:?}");
    assert!(!sleeper.has_rules());
}

#[test]
#[ignore = "needs a Docker Engine and the base images (see .ci/docker-bases.sh)"]
fn a_second_engine_with_the_same_target_names_leaves_the_first_ones_faults_alone() {
    let ws_a = Workspace::new();
    let ws_b = Workspace::new();
    let ledger_b = ws_b.path("ledger");
    let env_b = [("CHAOS_LEDGER_DIR", ledger_b.to_str().unwrap())];
    let cut = Sleeper::start("first", &[]);
    let other = Sleeper::start("second", &[]);
    let journal_a = ws_a.path("journal.jsonl");
    let partition = "{ name: PARTITION, mode: partition, weight: 1 }";
    let mut a = start(
        &ws_a,
        &targets_file("5m", "0", &target("shared", &cut, partition)),
        Some(&journal_a),
        &[],
    );
    wait_until(WAIT, "engine A's partition", || cut.has_rules());
    let helper = cut.helpers();
    // Engine B: same target name, its own ledger; it recovers at startup.
    let journal_b = ws_b.path("journal.jsonl");
    let mut b = start(
        &ws_b,
        &targets_file("5m", "1h", &target("shared", &other, partition)),
        Some(&journal_b),
        &env_b,
    );
    wait_until(WAIT, "engine B to start", || {
        !journal_events(&journal_b, "engine_started").is_empty()
    });
    // Same in the same ledger directory: a live ledger is never adopted.
    let output = recover(&ws_a, &[]);
    assert!(text(&output).contains("is running"), "{}", text(&output));
    assert!(cut.has_rules(), "engine A's partition was undone");
    assert_eq!(cut.helpers(), helper);
    assert!(
        journal_events(&journal_a, "ended").is_empty(),
        "engine A saw a repair nobody made"
    );
    assert!(b.terminate().0.success());
    assert!(a.terminate().0.success());
    assert!(!cut.has_rules());
}

/// A tiny deterministic generator for the loop's random moments.
fn next(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *seed >> 33
}

#[test]
#[ignore = "needs a Docker Engine and the base images (see .ci/docker-bases.sh)"]
fn thirty_kill_9s_at_random_moments_leave_nothing_after_recover() {
    let ws = Workspace::new();
    let modes = [
        ("paused", "{ name: PAUSE, mode: pause, weight: 1 }"),
        (
            "stopped",
            "{ name: STOP, mode: stop, weight: 1, grace: 1s }",
        ),
        ("killed", "{ name: KILL, mode: kill, weight: 1 }"),
        ("cut", "{ name: CUT, mode: partition, weight: 1 }"),
        (
            "lossy",
            "{ name: LOSSY, mode: network, weight: 1, network: { loss: 50% } }",
        ),
    ];
    let sleepers: Vec<Sleeper> = modes
        .iter()
        .map(|(name, _)| Sleeper::start(name, &[]))
        .collect();
    let targets: String = modes
        .iter()
        .zip(&sleepers)
        .map(|((name, scenario), sleeper)| target(name, sleeper, scenario))
        .collect();
    let yaml = targets_file("5m", "0", &targets);
    let check = |when: &str, round: usize| {
        for sleeper in &sleepers {
            assert_eq!(
                sleeper.state(),
                "running",
                "round {round}, {when}: {}",
                sleeper.name
            );
            assert!(
                sleeper.helpers().is_empty(),
                "round {round}, {when}: helpers of {}",
                sleeper.name
            );
        }
        for sleeper in &sleepers[3..] {
            assert!(
                !sleeper.has_rules(),
                "round {round}, {when}: rules in {}",
                sleeper.name
            );
        }
    };
    let started = Instant::now();
    let mut seed = 24;
    for round in 0..30 {
        let mut engine = start(&ws, &yaml, None, &[]);
        std::thread::sleep(Duration::from_millis(next(&mut seed) % 2500));
        kill_9(&mut engine);
        let output = recover(&ws, &[]);
        assert!(output.status.success(), "round {round}: {}", text(&output));
        check("right after recover", round);
        // The longest grace (1 s) and its settling time have passed.
        std::thread::sleep(Duration::from_secs(2));
        check("once the grace has passed", round);
    }
    eprintln!("30 kill -9 rounds took {:?}", started.elapsed());
}
