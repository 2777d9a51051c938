//! The Docker fault backend against the real Docker Engine: kill, stop,
//! pause and their reverts, repairs by a restart policy, by a person and
//! by a recreate, a selector that matches nothing, an Engine that is not
//! there, and `recover` after an engine died mid-fault. Each test drives
//! `DockerBackend` (or `recover`) on a tokio current-thread runtime, and
//! checks from outside: `docker inspect` and HTTP through the published
//! port. Containers are removed by their fixtures' guards, also on panic.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chaos_engine::backend::{Applied, Effect, EndedElsewhere, FaultBackend, Observation};
use chaos_engine::docker::config::DockerSettings;
use chaos_engine::docker::ledger::{read_open, Ledger};
use chaos_engine::docker::recover::Scope;
use chaos_engine::docker::spec::DEFAULT_STOP_GRACE;
use chaos_engine::docker::{
    recover, BlastRadius, DockerBackend, DockerError, DockerFault, DockerPolicy, DockerTarget,
    Selector,
};
use chaos_engine::journal::open_faults::open_records;
use chaos_engine::journal::Journal;
use chaos_engine::telemetry::{SharedTelemetry, Telemetry};
use chaos_state::ClearReason;

use super::docker::{docker, inspect, parse_published_port, run, run_ok, TEST_LABEL};
use super::engine_helpers::test_ledger_dir;
use super::fault_fixtures::{net_helper_image, runtime, TargetContainer, TARGET_PORT};
use super::http;

const WAIT: Duration = Duration::from_secs(60);

/// A label unique to one test, put on its target containers.
const GROUP_LABEL: &str = "chaos-engine.test-group";

fn group(what: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("{what}-{}-{n}", std::process::id())
}

fn telemetry(journal: &Path) -> SharedTelemetry {
    Arc::new(Telemetry::new(
        chaos_engine::clock::system_clock(),
        Journal::open(journal),
    ))
}

fn by_group(group: &str) -> DockerTarget {
    DockerTarget {
        selector: Selector::Labels(BTreeMap::from([(GROUP_LABEL.to_owned(), group.to_owned())])),
        host: None,
        cert_path: None,
        pick: BlastRadius::One,
        swarm_nodes: None,
    }
}

/// A ledger of its own in this test's ledger directory: dropping its
/// backend is the death of its engine.
fn ledger() -> Arc<Ledger> {
    Arc::new(Ledger::new(test_ledger_dir()))
}

fn backend(target: DockerTarget, fault: DockerFault, telemetry: &SharedTelemetry) -> DockerBackend {
    DockerBackend::new(
        ledger(),
        "svc",
        &DockerSettings {
            target,
            faults: vec![("FAULT".to_owned(), fault)],
            policy: DockerPolicy {
                net_image: "chaos-engine-nethelper:local".to_owned(),
                ..DockerPolicy::default()
            },
        },
        Arc::clone(telemetry),
        false,
    )
}

/// A failure of the target's one scenario (mode `mode`), five minutes
/// long.
struct Failure {
    id: String,
    mode: &'static str,
}

fn failure(mode: &'static str) -> Failure {
    Failure {
        id: format!("test-{}", group(mode)),
        mode,
    }
}

fn apply(backend: &mut DockerBackend, target: &str, failure: &Failure) -> Effect<Applied> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    backend.apply_parts(target, &failure.id, "FAULT", failure.mode, now, now + 300.0)
}

/// `repair`, `manual`...: `ended_by` as the journal writes it.
fn ended_by(ended: &EndedElsewhere) -> String {
    serde_json::to_value(ended.ended_by)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn start(what: &str, group: &str, extra: &[&str]) -> TargetContainer {
    let label = format!("{GROUP_LABEL}={group}");
    let mut args = vec!["--label", label.as_str()];
    args.extend_from_slice(extra);
    TargetContainer::start(what, &args)
}

fn state(target: &TargetContainer) -> String {
    inspect(target.id(), "{{.State.Status}}").unwrap_or_else(|| "gone".to_owned())
}

/// `GET /health` through the port published now (a restart may publish
/// another one).
fn health(target: &TargetContainer, timeout: Duration) -> Result<u16, String> {
    let text = run(&mut docker(&[
        "port",
        target.id(),
        &TARGET_PORT.to_string(),
    ]));
    let port = parse_published_port(&String::from_utf8_lossy(&text.stdout))
        .ok_or_else(|| "no published port".to_owned())?;
    http::get(port, "/health", timeout)
        .map(|response| response.status)
        .map_err(|err| err.to_string())
}

fn wait_healthy(target: &TargetContainer) {
    super::docker::wait_for(
        WAIT,
        &format!("{} to answer /health", target.name()),
        || (health(target, Duration::from_secs(2)) == Ok(200)).then_some(()),
        || target.describe(),
    );
}

/// Polls `observe` (letting the watch run between looks) until it reports
/// the failure ended elsewhere.
async fn repaired(backend: &DockerBackend, id: &str) -> EndedElsewhere {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Observation::EndedElsewhere(ended) = backend.observe(id) {
            return ended;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no repair seen within {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How the backend names `target` (`name (short id)`).
fn shown_as(target: &TargetContainer) -> String {
    format!("{} ({})", target.name(), &target.id()[..12])
}

/// Lets the watch of `backend`'s fault `id` read past everything that
/// happened so far: makes a container event of the test's own (a container
/// created and removed) and runs `rt` until the watch has judged it, or
/// has found a verdict (it then reads no further). The Engine sends its
/// events in order, so the apply's own events were judged too.
fn fence(rt: &tokio::runtime::Runtime, backend: &DockerBackend, id: &str) {
    let since = super::fault_fixtures::now();
    let label = format!("{TEST_LABEL}=fence-{}", std::process::id());
    let fence = run_ok(&mut docker(&[
        "create",
        "--label",
        &label,
        "debian:bookworm-slim",
        "true",
    ]))
    .trim()
    .to_owned();
    run(&mut docker(&["rm", "-f", &fence]));
    let created = super::fault_fixtures::events_of(&fence, since)
        .into_iter()
        .find(|(action, _, _)| action == "create")
        .map(|(_, _, at)| at)
        .expect("the fence's create event");
    block_on(rt, async {
        let deadline = tokio::time::Instant::now() + WAIT;
        while backend.watch_read_until().unwrap_or(0) < created
            && backend.observe(id) == Observation::InPlace
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the watch did not read the fence within {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
}

fn block_on<F: Future>(rt: &tokio::runtime::Runtime, future: F) -> F::Output {
    rt.block_on(future)
}

/// A journal in a temporary directory (kept while the directory lives)
/// and the telemetry writing it.
fn journalled() -> (tempfile::TempDir, SharedTelemetry) {
    let dir = tempfile::tempdir().unwrap();
    let telemetry = telemetry(&dir.path().join("journal.jsonl"));
    (dir, telemetry)
}

#[test]
#[ignore = "needs a Docker Engine and debian:bookworm-slim (see .ci/docker-bases.sh)"]
fn docker_faults_kill_is_repaired_by_the_restart_policy() {
    let (dir, telemetry) = journalled();
    // The kill is sent from a helper of this image (see src/docker/crash.rs).
    net_helper_image();
    let group = group("kill");
    let target = start("kill", &group, &["--restart", "unless-stopped"]);
    let kill = DockerFault::Kill {
        signal: "SIGKILL".into(),
    };
    let mut backend = backend(by_group(&group), kill, &telemetry);
    let failure = failure("kill");
    let rt = runtime();
    let applied = block_on(&rt, apply(&mut backend, "svc", &failure)).expect("kill applied");
    assert_eq!(applied.containers.len(), 1);
    assert_eq!(applied.containers[0].id, target.id());
    let ended = block_on(&rt, repaired(&backend, &failure.id));
    assert_eq!(ended_by(&ended), "repair");
    assert_eq!(
        ended.repaired_by.as_deref(),
        Some("restart policy"),
        "{}",
        ended.how
    );
    let restarts = inspect(target.id(), "{{.RestartCount}}").unwrap_or_default();
    assert_ne!(restarts, "0", "the policy restarted it");
    block_on(&rt, backend.clear("svc", ClearReason::Manual, 0.0)).expect("clear");
    wait_healthy(&target);
    // The journal has the write-ahead record, with the container.
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
    let applying = journal
        .lines()
        .find(|line| line.contains("\"fault_applying\""))
        .expect("a fault_applying line");
    assert!(applying.contains(target.id()), "{applying}");
}

#[test]
#[ignore = "needs a Docker Engine and debian:bookworm-slim (see .ci/docker-bases.sh)"]
fn docker_faults_stop_then_clear_starts_it_again() {
    let (_dir, telemetry) = journalled();
    let group = group("stop");
    let target = start("stop", &group, &[]);
    let stop = DockerFault::Stop {
        grace: Duration::from_secs(1),
    };
    let mut backend = backend(by_group(&group), stop, &telemetry);
    let failure = failure("stop");
    let rt = runtime();
    block_on(&rt, apply(&mut backend, "svc", &failure)).expect("stop applied");
    assert_eq!(state(&target), "exited");
    assert!(health(&target, Duration::from_secs(2)).is_err());
    fence(&rt, &backend, &failure.id);
    assert_eq!(
        backend.observe(&failure.id),
        Observation::InPlace,
        "our stop is no repair"
    );
    block_on(&rt, backend.clear("svc", ClearReason::Recovery, 0.0)).expect("clear");
    wait_healthy(&target);
    // Our own start is no repair either, and a second clear is a no-op.
    assert_eq!(backend.observe(&failure.id), Observation::InPlace);
    block_on(&rt, backend.clear("svc", ClearReason::Recovery, 0.0)).expect("clear again");
}

#[test]
#[ignore = "needs a Docker Engine and debian:bookworm-slim (see .ci/docker-bases.sh)"]
fn docker_faults_pause_stalls_requests_until_clear() {
    let (_dir, telemetry) = journalled();
    let group = group("pause");
    let target = start("pause", &group, &[]);
    let mut backend = backend(by_group(&group), DockerFault::Pause, &telemetry);
    let failure = failure("pause");
    let rt = runtime();
    block_on(&rt, apply(&mut backend, "svc", &failure)).expect("pause applied");
    assert_eq!(state(&target), "paused");
    let stalled = target.get("/health", Duration::from_secs(2));
    assert!(stalled.is_err(), "a paused container answered: {stalled:?}");
    fence(&rt, &backend, &failure.id);
    assert_eq!(backend.observe(&failure.id), Observation::InPlace);
    block_on(&rt, backend.clear("svc", ClearReason::Recovery, 0.0)).expect("clear");
    assert_eq!(state(&target), "running");
    assert_eq!(target.get("/health", Duration::from_secs(10)), Ok(200));
}

#[test]
#[ignore = "needs a Docker Engine and debian:bookworm-slim (see .ci/docker-bases.sh)"]
fn docker_faults_someone_else_unpauses_or_starts_before_the_deadline() {
    let (_dir, telemetry) = journalled();
    let rt = runtime();

    let group_p = group("unpause");
    let paused = start("unpause", &group_p, &[]);
    let mut pause = backend(by_group(&group_p), DockerFault::Pause, &telemetry);
    let failure_p = failure("pause");
    block_on(&rt, apply(&mut pause, "svc", &failure_p)).expect("pause applied");
    run_ok(&mut docker(&["unpause", paused.id()]));
    let ended = block_on(&rt, repaired(&pause, &failure_p.id));
    assert_eq!(
        ended.repaired_by.as_deref(),
        Some("docker unpause"),
        "{}",
        ended.how
    );
    block_on(&rt, pause.clear("svc", ClearReason::Manual, 0.0)).expect("clear");
    assert_eq!(state(&paused), "running");

    let group_s = group("start");
    let stopped = start("start", &group_s, &[]);
    let stop = DockerFault::Stop {
        grace: DEFAULT_STOP_GRACE,
    };
    let mut stop = backend(by_group(&group_s), stop, &telemetry);
    let failure_s = failure("stop");
    block_on(&rt, apply(&mut stop, "svc", &failure_s)).expect("stop applied");
    run_ok(&mut docker(&["start", stopped.id()]));
    let ended = block_on(&rt, repaired(&stop, &failure_s.id));
    assert_eq!(ended_by(&ended), "repair");
    assert_eq!(
        ended.repaired_by.as_deref(),
        Some("docker start"),
        "{}",
        ended.how
    );
    block_on(&rt, stop.clear("svc", ClearReason::Manual, 0.0)).expect("clear");
    wait_healthy(&stopped);
}

#[test]
#[ignore = "needs a Docker Engine and debian:bookworm-slim (see .ci/docker-bases.sh)"]
fn docker_faults_a_recreated_container_is_a_repair_by_recreate() {
    let (_dir, telemetry) = journalled();
    let group = group("recreate");
    let old = start("recreate-old", &group, &[]);
    let stop = DockerFault::Stop {
        grace: Duration::from_secs(1),
    };
    let mut backend = backend(by_group(&group), stop, &telemetry);
    let failure = failure("stop");
    let rt = runtime();
    block_on(&rt, apply(&mut backend, "svc", &failure)).expect("stop applied");
    run_ok(&mut docker(&["rm", "-f", old.id()]));
    let new = start("recreate-new", &group, &[]);
    let ended = block_on(&rt, repaired(&backend, &failure.id));
    assert_eq!(
        ended.repaired_by.as_deref(),
        Some("recreate"),
        "{}",
        ended.how
    );
    assert!(ended.how.contains(new.name()), "{}", ended.how);
    // The old container is gone: settling the repair has nothing to
    // start, and closes the fault in the ledger; a clear then has nothing
    // left to do.
    let is_open = || {
        read_open(&test_ledger_dir())
            .iter()
            .any(|record| record.id == failure.id)
    };
    assert!(is_open());
    let released = block_on(&rt, backend.release("svc", &failure.id)).expect("release");
    assert_eq!(released, Some(format!("{} gone", shown_as(&old))));
    assert!(!is_open());
    let took = block_on(&rt, backend.clear("svc", ClearReason::Manual, 0.0)).expect("clear");
    assert_eq!(took, Duration::ZERO);
    assert_eq!(state(&new), "running");
}

#[test]
#[ignore = "needs a Docker Engine and debian:bookworm-slim (see .ci/docker-bases.sh)"]
fn docker_faults_a_selector_matching_nothing_and_an_unreachable_engine() {
    let (_dir, telemetry) = journalled();
    let rt = runtime();
    let mut nothing = backend(by_group(&group("nothing")), DockerFault::Pause, &telemetry);
    let err = block_on(&rt, apply(&mut nothing, "svc", &failure("pause"))).unwrap_err();
    assert!(
        matches!(err.downcast_ref(), Some(DockerError::NoMatch { .. })),
        "{err}"
    );
    assert!(
        err.to_string().contains("no running container matches"),
        "{err}"
    );
    let mut away = by_group("x");
    away.host = Some("unix:///nonexistent.sock".into());
    let mut unreachable = backend(away, DockerFault::Pause, &telemetry);
    let err = block_on(&rt, apply(&mut unreachable, "svc", &failure("pause"))).unwrap_err();
    assert!(
        matches!(err.downcast_ref(), Some(DockerError::Unreachable { .. })),
        "{err}"
    );
    assert!(
        err.to_string().contains("unix:///nonexistent.sock"),
        "{err}"
    );
    // Nothing was applied: clear is a no-op.
    block_on(&rt, unreachable.clear("svc", ClearReason::Recovery, 0.0)).expect("clear");
}

#[test]
#[ignore = "needs a Docker Engine and debian:bookworm-slim (see .ci/docker-bases.sh)"]
fn docker_faults_recover_undoes_what_a_dead_engine_left() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let image = net_helper_image();
    let group_p = group("dead-pause");
    let group_s = group("dead-stop");
    let group_n = group("dead-part");
    let paused = start("dead-pause", &group_p, &[]);
    let stopped = start("dead-stop", &group_s, &[]);
    let parted = start("dead-part", &group_n, &[]);
    let rt = runtime();
    {
        let telemetry = telemetry(&journal);
        let mut pause = backend(by_group(&group_p), DockerFault::Pause, &telemetry);
        let stop = DockerFault::Stop {
            grace: Duration::from_secs(1),
        };
        let mut stop = backend(by_group(&group_s), stop, &telemetry);
        let partition = DockerFault::Partition { peers: Vec::new() };
        let mut part = DockerBackend::new(
            ledger(),
            "part",
            &DockerSettings {
                target: by_group(&group_n),
                faults: vec![("FAULT".to_owned(), partition)],
                policy: DockerPolicy {
                    net_image: image.to_owned(),
                    ..DockerPolicy::default()
                },
            },
            Arc::clone(&telemetry),
            false,
        );
        block_on(&rt, apply(&mut pause, "svc", &failure("pause"))).expect("pause applied");
        block_on(&rt, apply(&mut stop, "svc", &failure("stop"))).expect("stop applied");
        block_on(&rt, apply(&mut part, "part", &failure("partition"))).expect("partition applied");
        // The engine dies: no clear.
    }
    assert_eq!(state(&paused), "paused");
    assert_eq!(state(&stopped), "exited");
    assert!(
        parted.get("/health", Duration::from_secs(2)).is_err(),
        "partitioned"
    );
    let ledger_dir = test_ledger_dir();
    // The journal is read afresh for each recovery, as `recover` does.
    let scope = || Scope {
        ledger_dir: &ledger_dir,
        journal_faults: open_records(&journal),
        image,
        only: None,
        hosts: vec![(None, None)],
    };
    let telemetry = telemetry(&journal);
    let report = block_on(&rt, recover(&scope(), &telemetry));
    assert!(report.ok(), "{report:?}");
    assert_eq!(state(&paused), "running");
    wait_healthy(&stopped);
    assert_eq!(
        parted.get("/health", Duration::from_secs(10)),
        Ok(200),
        "{report:?}"
    );
    assert!(report.lines.len() >= 3, "{report:?}");
    let left = run_ok(&mut docker(&[
        "ps",
        "-aq",
        "--filter",
        "label=io.chaos-engine.engine",
        "--filter",
        &format!("label=io.chaos-engine.subject={}", parted.id()),
    ]));
    assert!(left.trim().is_empty(), "helpers left: {left}");
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(text.contains("\"fault_recovered\""), "{text}");
    // A second recovery finds nothing left.
    let again = block_on(&rt, recover(&scope(), &telemetry));
    assert!(again.ok() && again.lines.is_empty(), "{again:?}");
}
