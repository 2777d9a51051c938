//! The Compose demo in real containers: the shipped `docker-compose.yml`
//! with a time-compressed targets file mounted over the shipped one (the
//! same three targets and probes, seconds instead of minutes), checked from
//! outside the containers: the two state-file targets, and `inventory`,
//! which knows nothing of chaos-engine and is broken through the Docker
//! socket (see `demo_inventory.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::demo_inventory::{answers, DockerObserved, Helpers, INVENTORY, REVERTIBLE};
use crate::docker::{
    assert_cleared_at_shutdown, build_image, inspect, repo_root, run, run_ok, wait_for,
    ComposeProject, Labelled,
};
use crate::fault_fixtures::net_helper_image;
use crate::http;

/// The shipped targets file's shape on a compressed clock. `when_capped:
/// wait` keeps the three targets taking turns under the cap of 1; the
/// catalogues cover every mode the demo's targets act out.
///
/// With [`SEED`], each state-file target's first three picks are its three
/// modes, crash last, and inventory's first four are its four, then a
/// partition for the SIGTERM (`preview --seed 438` on this file shows them:
/// target-app CONFIG_ERROR, SLOWDOWN, CRASH; target-db SLOWDOWN,
/// NETWORK_PARTITION, CRASH; inventory PARTITION, KILL, STOP, PAUSE,
/// PARTITION), so the test is done in about a minute of chaos. It does not
/// rely on that order: it watches until every mode has shown, so a change
/// of the random generator only makes it slower. Crashes close together would make Docker's restart policy back
/// off (100 ms, doubling while a container runs less than 10 s).
///
/// inventory names no `project`: it keeps to the engine's own Compose
/// project, this test's, and a container of another project labelled as
/// its service `inventory` (the test's decoy) is never touched; its faults
/// last 5 s (the interval must be longer), long enough to be seen from
/// outside.
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
  docker:
    net_image: chaos-engine-nethelper:local
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
  - name: inventory
    docker: { service: inventory }
    startup_wait: 5s
    interval: 8s
    recovery: 5s
    probe: { url: "http://inventory:8000/products", timeout: 1s, period: 250ms }
    scenarios:
      - { name: KILL, mode: kill, weight: 1 }
      - { name: STOP, mode: stop, weight: 1, grace: 2s }
      - { name: PAUSE, mode: pause, weight: 1 }
      - { name: PARTITION, mode: partition, weight: 1 }
"#;

/// The control token the test gives the engine through the shell, as
/// docs/docker.md shows.
const API_TOKEN: &str = "compose-demo-token";

const SERVICES: [&str; 4] = ["target-app", "target-db", INVENTORY, "chaos-engine"];
const TARGETS: [&str; 2] = ["target-app", "target-db"];
const MODES: [&str; 4] = ["crash", "slow", "config_error", "network_partition"];

/// The engine's unprivileged user in the image. The Compose file runs the
/// engine as root unless CHAOS_ENGINE_USER says otherwise; the test runs it
/// as this user with the socket's group (DOCKER_GID), the setting with the
/// fewest rights, so that both the socket and the state files are shown to
/// work without root.
const ENGINE_UID: &str = "10001";

/// Seeds the picks: see [`COMPRESSED_TARGETS`].
const SEED: &str = "438";

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
            // The state-file targets only: inventory is DockerObserved's.
            if !ports.contains_key(name.as_str()) {
                continue;
            }
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

/// The group of the Docker socket on this machine, for DOCKER_GID.
fn socket_gid() -> String {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/var/run/docker.sock")
        .map(|meta| meta.gid().to_string())
        .expect("the Docker socket /var/run/docker.sock")
}

/// The shipped Compose file, read by Compose with none of its variables
/// set, runs the engine as root with the socket mounted: what a newcomer's
/// `docker-compose up --build` does.
fn assert_shipped_engine_settings() {
    let mut command = std::process::Command::new("docker-compose");
    command
        .current_dir(repo_root())
        .args(["-f", "docker-compose.yml", "config"]);
    for variable in ["CHAOS_ENGINE_USER", "DOCKER_GID"] {
        command.env_remove(variable);
    }
    let config: yaml_serde::Value =
        yaml_serde::from_str(&run_ok(&mut command)).expect("docker-compose config is YAML");
    let engine = &config["services"]["chaos-engine"];
    assert_eq!(engine["user"].as_str(), Some("0:0"), "{engine:?}");
    let volumes = yaml_serde::to_string(&engine["volumes"]).unwrap_or_default();
    assert!(
        volumes.contains("/var/run/docker.sock"),
        "the socket is not mounted: {volumes}"
    );
    assert_eq!(
        config["services"]["nethelper"]["image"].as_str(),
        Some("chaos-engine-nethelper:local")
    );
}

#[test]
#[ignore = "needs a Docker Engine and the base images; .ci/run runs it after .ci/docker-bases.sh"]
fn the_compose_demo_breaks_and_recovers_every_target_in_real_containers() {
    assert_shipped_engine_settings();
    build_image();
    // The image the shipped file's `nethelper` service builds, made the
    // way the other Docker tests make it (`up` does not build it again).
    net_helper_image();
    let dir = tempfile::tempdir().unwrap();
    let targets_file = dir.path().join("targets.yaml");
    let mut project = ComposeProject::new(
        "demo",
        dir.path(),
        &format!(
            "version: \"2.4\"\nservices:\n  chaos-engine:\n    environment:\n      CHAOS_SEED: \"{SEED}\"\n    volumes:\n      - {}:/etc/chaos-engine/targets.yaml:ro\n",
            targets_file.display()
        ),
    );
    std::fs::write(&targets_file, COMPRESSED_TARGETS).unwrap();
    project.env("CHAOS_ENGINE_USER", &format!("{ENGINE_UID}:{ENGINE_UID}"));
    project.env("DOCKER_GID", &socket_gid());
    // As docs/docker.md says to, for the dashboard's controls.
    project.env("CHAOS_API_TOKEN", API_TOKEN);
    // Another Compose project's `inventory` on the same Docker host.
    let decoys = Labelled::new("decoy-inventory");
    let decoy = decoys.run_detached(&[
        "--label",
        &format!("com.docker.compose.project={}-other", project.name),
        "--label",
        "com.docker.compose.service=inventory",
        "debian:bookworm-slim",
        "sleep",
        "infinity",
    ]);
    let decoy_state = || {
        inspect(
            &decoy,
            "{{.State.Status}} {{.RestartCount}} {{.State.StartedAt}}",
        )
    };
    let decoy_before = decoy_state();
    run_ok(&mut project.compose(&["up", "-d"]));

    // Every service becomes healthy (the engine starts after the targets).
    let containers: BTreeMap<&str, String> = SERVICES
        .iter()
        .map(|service| (*service, project.container(service)))
        .collect();
    // Dropped before the project: the engine's helpers are not Compose's.
    let helpers = Helpers::of(&containers[INVENTORY]);
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
        "the test runs the engine without root"
    );
    // The engine finds its own project from its container's label, and
    // matches that project's inventory container alone. The engine may be
    // killing or stopping it right now (its first fault comes within
    // seconds): validate again until it runs.
    let inventory_short = &containers[INVENTORY][..12];
    wait_for(
        Duration::from_secs(120),
        "validate to match the running inventory container alone",
        || {
            let validated = project.exec("chaos-engine", &["chaos-engine", "validate"]);
            assert!(
                validated.contains(&format!(
                    "selects now:  service inventory of project {}\n",
                    project.name
                )),
                "{validated}"
            );
            let matches = validated
                .lines()
                .filter(|line| line.trim_start().starts_with("matches now:"))
                .collect::<Vec<_>>();
            assert_eq!(matches.len(), 1, "{validated}");
            if matches[0].contains("no running container") {
                return None;
            }
            assert!(
                matches[0].contains("1 running: ") && matches[0].contains(inventory_short),
                "inventory matches its own project's container alone: {matches:?}"
            );
            Some(())
        },
        || project.logs(),
    );
    let api = project.port("chaos-engine", 9797);
    // The control endpoints (the dashboard's buttons) take the token from
    // the shell, and refuse a request without it.
    let refused = http::post_json(api, "/reload", "{}", HTTP_TIMEOUT).unwrap();
    assert_eq!(refused.status, 401, "{}", refused.body);
    let reloaded =
        http::post_json_with(api, "/reload", "{}", Some(API_TOKEN), HTTP_TIMEOUT).unwrap();
    assert_eq!(reloaded.status, 200, "{}", reloaded.body);
    let ports: BTreeMap<&str, u16> = TARGETS
        .iter()
        .map(|target| (*target, project.port(target, 8000)))
        .collect();
    let inventory_port = project.port(INVENTORY, 8000);
    let inventory = &containers[INVENTORY];

    // Watch /status; whenever a failure is active, look from outside.
    let mut seen = Observed::default();
    let mut docker_seen = DockerObserved::default();
    let deadline = Instant::now() + Duration::from_secs(480);
    while !(seen.done() && docker_seen.done()) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for every mode to show from outside, both state-file targets to \
             be injected and recover, and a crash repaired by a restart: {seen:?} {docker_seen:?}\n{}",
            project.logs()
        );
        if let Ok(board) = http::get(api, "/status", HTTP_TIMEOUT) {
            let board = board.json();
            seen.observe(&board, &ports);
            for target in board["targets"].as_array().into_iter().flatten() {
                if target["name"] == INVENTORY {
                    docker_seen.observe(target, inventory, inventory_port);
                }
            }
        }
        thread::sleep(Duration::from_millis(100));
    }
    let crash_repairs = seen.crash_repairs;
    let inventory_name = inspect(inventory, "{{.Name}}").unwrap_or_default();
    assert_eq!(
        docker_seen.hit,
        BTreeSet::from([inventory_name.trim_start_matches('/').to_owned()]),
        "/status names the container hit"
    );

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

    // SIGTERM while inventory is stopped, paused or partitioned.
    let fault = wait_for(
        Duration::from_secs(240),
        "inventory to be stopped, paused or partitioned",
        || {
            let board = http::get(api, "/status", HTTP_TIMEOUT).ok()?.json();
            let target = board["targets"]
                .as_array()?
                .iter()
                .find(|target| target["name"] == INVENTORY)?
                .clone();
            let mode = target["failure"]["mode"].as_str()?.to_owned();
            REVERTIBLE.contains(&mode.as_str()).then_some(mode)
        },
        || project.logs(),
    );

    // `stop` sends SIGTERM: the engine clears both state-file targets,
    // reverts inventory's fault and exits 0 within the grace period (a
    // SIGKILL after it would be exit 137).
    run_ok(&mut project.compose(&["stop", "chaos-engine"]));
    assert_eq!(
        inspect(&containers["chaos-engine"], "{{.State.ExitCode}}").as_deref(),
        Some("0"),
        "{}",
        project.logs()
    );
    // Nothing of the fault is left once the engine has exited.
    assert_eq!(
        inspect(inventory, "{{.State.Status}}").as_deref(),
        Some("running"),
        "inventory after a SIGTERM during {fault}"
    );
    assert_eq!(
        helpers.left(),
        Vec::<String>::new(),
        "helper containers left after a SIGTERM during {fault}"
    );
    wait_for(
        Duration::from_secs(60),
        &format!("inventory to answer after a SIGTERM during {fault}"),
        || answers(inventory_port).then_some(()),
        || project.logs(),
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
    for target in TARGETS.iter().chain([&INVENTORY]) {
        assert!(
            events(&lines, "injected").any(|e| e["target"] == *target),
            "{target} never injected"
        );
    }
    // Each of inventory's faults names the container it hit.
    for event in events(&lines, "injected").filter(|e| e["target"] == INVENTORY) {
        assert_eq!(
            event["containers"][0]["id"].as_str(),
            Some(inventory.as_str()),
            "{event}"
        );
    }
    // A kill is repaired by the restart policy.
    assert!(
        events(&lines, "ended").any(|e| e["target"] == INVENTORY
            && e["mode"] == "kill"
            && e["ended_by"] == "repair"
            && e["repaired_by"] == "restart policy"),
        "no kill of inventory repaired by the restart policy in the journal"
    );

    // The other project's `inventory` was never touched, nor named.
    assert_eq!(decoy_state(), decoy_before, "the decoy's state");
    assert!(
        lines.iter().all(|line| !line.to_string().contains(&decoy)),
        "the journal names the other project's container {decoy}"
    );

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
    for target in TARGETS.iter().chain([&INVENTORY]) {
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

    // `down -v` leaves nothing of the project behind, nor any helper.
    drop(helpers);
    assert_eq!(decoys.remove_all(), Vec::<String>::new());
    let left = project.down();
    assert!(left.is_empty(), "left behind: {left:?}");
}
