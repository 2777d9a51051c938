//! The Compose demo in real containers: the shipped `docker-compose.yml`
//! with a time-compressed targets file mounted over the shipped one (the
//! same two targets and probes, seconds instead of minutes), checked from
//! outside the containers.

use std::collections::{BTreeMap, BTreeSet};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::docker::{
    assert_cleared_at_shutdown, build_image, inspect, run, run_ok, wait_for, ComposeProject,
};
use crate::http;

/// The shipped targets file's shape on a compressed clock. `when_capped:
/// wait` keeps the two targets taking turns under the cap of 1; the
/// catalogues cover every mode the demo's targets act out.
///
/// With [`SEED`], each target's first three picks are its three modes,
/// crash last (`preview --seed 435` on this file shows them: target-app
/// SLOWDOWN, CONFIG_ERROR, CRASH; target-db SLOWDOWN, NETWORK_PARTITION,
/// CRASH), so the test is done in
/// about 15 s of chaos. It does not rely on that order: it watches until
/// every mode has shown, so a change of the random generator only makes it
/// slower. Crashes close together would make Docker's restart policy back
/// off (100 ms, doubling while a container runs less than 10 s).
const COMPRESSED_TARGETS: &str = r#"
defaults:
  interval: 4s
  recovery: 2s
  startup_wait: 1s
  scenarios:
    - { name: CRASH, mode: crash, weight: 1 }
    - { name: SLOWDOWN, mode: slow, weight: 1, delay: { min: 2, max: 2 } }
    - { name: CONFIG_ERROR, mode: config_error, weight: 1 }
policy:
  min_interval: 0
  max_concurrent_failures: 1
  when_capped: wait
targets:
  - name: target-app
    state_file: /var/lib/chaos/failure_state.json
    probe: { url: "http://target-app:8000/orders", timeout: 1s, period: 250ms }
  - name: target-db
    state_file: /var/lib/chaos/db_failure_state.json
    startup_wait: 3s
    probe: { url: "http://target-db:8000/products", timeout: 1s, period: 250ms }
    scenarios:
      - { name: NETWORK_PARTITION, mode: network_partition, weight: 1 }
      - { name: CRASH, mode: crash, weight: 1 }
      - { name: SLOWDOWN, mode: slow, weight: 1, delay: { min: 2, max: 2 } }
"#;

const SERVICES: [&str; 3] = ["target-app", "target-db", "chaos-engine"];
const TARGETS: [&str; 2] = ["target-app", "target-db"];
const MODES: [&str; 4] = ["crash", "slow", "config_error", "network_partition"];

/// The engine's unprivileged user in the image.
const ENGINE_UID: &str = "10001";

/// Seeds the picks: see [`COMPRESSED_TARGETS`].
const SEED: &str = "435";

/// How long a request may take beyond the failure's delay. The test asks
/// one thing at a time, so a hung request would hide other failures.
const HTTP_TIMEOUT: Duration = Duration::from_secs(3);

/// Whether a request to a target now shows `failure` the way its mode
/// says it should. A request can fall just outside the failure's window,
/// so a `false` is tried again on the next failure of that mode.
fn shows_over_http(port: u16, failure: &Value) -> bool {
    let mode = failure["mode"].as_str().unwrap_or("");
    let delay = failure["delay"].as_f64().unwrap_or(0.0);
    // A slow request waits its delay, or until the failure ends if sooner.
    let unix_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let wait = delay.min(failure["expires_at"].as_f64().unwrap_or(0.0) - unix_now);
    let started = Instant::now();
    let answer = http::get(
        port,
        "/products",
        HTTP_TIMEOUT + Duration::from_secs_f64(delay),
    );
    match (mode, answer) {
        // The process exits on the request (or has exited on the probe's):
        // no HTTP answer at all.
        ("crash", answer) => answer.is_err(),
        // Served, but only after the wait (a lower bound: load only adds).
        ("slow", Ok(answer)) => {
            answer.status == 200 && wait >= 1.0 && started.elapsed().as_secs_f64() >= wait - 0.5
        }
        ("config_error", Ok(answer)) => {
            answer.status == 500 && answer.body.contains("DATABASE_URL")
        }
        ("network_partition", Ok(answer)) => {
            answer.status == 503 && answer.body.contains("Network partition")
        }
        _ => false,
    }
}

/// What the test has seen of the demo so far.
#[derive(Debug, Default)]
struct Observed {
    /// Modes whose effect a request to the failing target showed.
    shown: BTreeSet<String>,
    /// For each target, how its failures ended (`ended_by` values).
    ended: BTreeMap<String, BTreeSet<String>>,
    /// Targets whose crash the engine saw repaired by the target itself
    /// (its restarted process wrote the state file healthy).
    crash_repairs: BTreeSet<String>,
}

impl Observed {
    /// Takes in one `/status` answer, trying each active failure over HTTP.
    fn observe(&mut self, board: &Value, ports: &BTreeMap<&str, u16>) {
        for target in board["targets"].as_array().into_iter().flatten() {
            let name = target["name"].as_str().unwrap_or("").to_owned();
            let failure = &target["failure"];
            let mode = failure["mode"].as_str().unwrap_or("");
            if !failure.is_null()
                && !self.shown.contains(mode)
                && shows_over_http(ports[name.as_str()], failure)
            {
                self.shown.insert(mode.to_owned());
            }
            let outcome = &target["last_outcome"];
            if let Some(ended_by) = outcome["ended_by"].as_str() {
                self.ended
                    .entry(name.clone())
                    .or_default()
                    .insert(ended_by.to_owned());
                if outcome["mode"] == "crash"
                    && ended_by == "repair"
                    && outcome["repaired_by"] == name.as_str()
                {
                    self.crash_repairs.insert(name);
                }
            }
        }
    }

    fn done(&self) -> bool {
        self.shown.len() == MODES.len()
            && TARGETS.iter().all(|t| self.ended.contains_key(*t))
            && !self.crash_repairs.is_empty()
    }
}

/// The journal lines of one `event`.
fn events<'a>(lines: &'a [Value], event: &'a str) -> impl Iterator<Item = &'a Value> {
    lines.iter().filter(move |line| line["event"] == event)
}

/// Every line of the engine's journal, read through a target container
/// (the volume is shared).
fn journal(project: &ComposeProject) -> Vec<Value> {
    project
        .exec("target-app", &["cat", "/var/lib/chaos/chaos-journal.jsonl"])
        .lines()
        .map(|line| serde_json::from_str(line).expect("journal lines are JSON"))
        .collect()
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn the_compose_demo_breaks_and_recovers_both_targets_in_real_containers() {
    build_image();
    let dir = tempfile::tempdir().unwrap();
    let targets_file = dir.path().join("targets.yaml");
    std::fs::write(&targets_file, COMPRESSED_TARGETS).unwrap();
    let project = ComposeProject::new(
        "demo",
        dir.path(),
        &format!(
            "version: \"2.4\"\nservices:\n  chaos-engine:\n    environment:\n      CHAOS_SEED: \"{SEED}\"\n    volumes:\n      - {}:/etc/chaos-engine/targets.yaml:ro\n",
            targets_file.display()
        ),
    );
    run_ok(&mut project.compose(&["up", "-d"]));

    // Every service becomes healthy (the engine starts after both targets).
    let containers: BTreeMap<&str, String> = SERVICES
        .iter()
        .map(|service| (*service, project.container(service)))
        .collect();
    for (service, container) in &containers {
        wait_for(
            Duration::from_secs(120),
            &format!("{service} to be healthy"),
            || (inspect(container, "{{.State.Health.Status}}")? == "healthy").then_some(()),
            || project.logs(),
        );
    }
    assert_eq!(
        inspect(&containers["chaos-engine"], "{{.Config.User}}").as_deref(),
        Some("10001:10001"),
        "the demo runs the engine without root"
    );
    let api = project.port("chaos-engine", 9797);
    let ports: BTreeMap<&str, u16> = TARGETS
        .iter()
        .map(|target| (*target, project.port(target, 8000)))
        .collect();

    // Watch /status; whenever a failure is active, ask its target over HTTP.
    let mut seen = Observed::default();
    let deadline = Instant::now() + Duration::from_secs(240);
    while !seen.done() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for every mode to show over HTTP, both targets to be injected and \
             recover, and a crash repaired by a restart: {seen:?}\n{}",
            project.logs()
        );
        if let Ok(board) = http::get(api, "/status", HTTP_TIMEOUT) {
            seen.observe(&board.json(), &ports);
        }
        thread::sleep(Duration::from_millis(100));
    }
    let crash_repairs = seen.crash_repairs;

    // A crash exited the container and the restart policy brought it back.
    for target in &crash_repairs {
        let container = &containers[target.as_str()];
        let restarts: u32 = inspect(container, "{{.RestartCount}}")
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            restarts >= 1,
            "{target} crashed, yet Docker counts no restart"
        );
        wait_for(
            Duration::from_secs(60),
            &format!("{target} running again"),
            || (inspect(container, "{{.State.Running}}")? == "true").then_some(()),
            || project.logs(),
        );
    }

    // `stop` sends SIGTERM: the engine clears both targets and exits 0
    // within the grace period (a SIGKILL after it would be exit 137).
    run_ok(&mut project.compose(&["stop", "chaos-engine"]));
    assert_eq!(
        inspect(&containers["chaos-engine"], "{{.State.ExitCode}}").as_deref(),
        Some("0"),
        "{}",
        project.logs()
    );
    for file in ["failure_state.json", "db_failure_state.json"] {
        let path = format!("/var/lib/chaos/{file}");
        let record: Value =
            serde_json::from_str(&project.exec("target-app", &["cat", &path])).unwrap();
        assert_cleared_at_shutdown(&record, &path);
        // Written last by the engine's user, over a file the root target made.
        assert_eq!(
            project
                .exec("target-app", &["stat", "-c", "%u", &path])
                .trim(),
            ENGINE_UID
        );
    }

    // The journal has the repair by restart, and every failure ended.
    let lines = journal(&project);
    for target in &crash_repairs {
        assert!(
            events(&lines, "ended").any(|e| e["target"] == target.as_str()
                && e["mode"] == "crash"
                && e["ended_by"] == "repair"
                && e["repaired_by"] == target.as_str()),
            "no crash of {target} repaired by its restart in the journal"
        );
    }
    let injected: BTreeSet<&str> = events(&lines, "injected")
        .filter_map(|e| e["id"].as_str())
        .collect();
    let closed: BTreeSet<&str> = events(&lines, "ended")
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(
        injected, closed,
        "every injected failure ended exactly once"
    );
    for target in TARGETS {
        assert!(
            events(&lines, "injected").any(|e| e["target"] == target),
            "{target} never injected"
        );
    }

    // `chaos-engine report` in the engine's image reads that journal.
    let report = run(&mut project.compose(&[
        "run",
        "--rm",
        "--no-deps",
        "chaos-engine",
        "report",
        "--format",
        "json",
    ]));
    assert!(
        report.status.success(),
        "report: {}",
        String::from_utf8_lossy(&report.stderr)
    );
    let report: Value = serde_json::from_slice(&report.stdout).expect("report --format json");
    let reported = report.to_string();
    for target in TARGETS {
        assert!(
            reported.contains(target),
            "{target} missing from the report: {reported}"
        );
    }
    assert_eq!(
        report["totals"]["injections"].as_u64(),
        Some(injected.len() as u64),
        "report totals: {}",
        report["totals"]
    );

    // `down -v` leaves nothing of the project behind.
    let left = project.down();
    assert!(left.is_empty(), "left behind: {left:?}");
}
