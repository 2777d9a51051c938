//! Container faults on Swarm task containers, through `DockerBackend` on a
//! single-node swarm ([`SwarmNode`]): a `docker:` target selecting a
//! service's tasks by the label Swarm puts on them.
//!
//! - a killed task is replaced by Swarm (a new task in its slot): the
//!   watch reports a repair by `swarm` that went down; the revert leaves
//!   the old task's container to Swarm (never `docker start`s it), so
//!   exactly the service's replicas run afterwards;
//! - a paused task is unpaused at clear, and stays the same task.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chaos_engine::backend::{EndedElsewhere, FaultBackend, Observation};
use chaos_engine::docker::config::DockerSettings;
use chaos_engine::docker::container_ops::{self, Reverted};
use chaos_engine::docker::ledger::{read_open, Ledger};
use chaos_engine::docker::spec::LABEL_OWNER;
use chaos_engine::docker::swarm_task::{SERVICE_NAME_LABEL, TASK_ID_LABEL};
use chaos_engine::docker::{
    BlastRadius, ContainerRef, DockerBackend, DockerFault, DockerPolicy, DockerTarget, Selector,
};
use chaos_engine::journal::Journal;
use chaos_engine::telemetry::{SharedTelemetry, Telemetry};
use chaos_state::ClearReason;

use super::docker::{docker, inspect, run};
use super::engine_helpers::test_ledger_dir;
use super::fault_fixtures::{engine, net_helper_image, now, runtime, NET_HELPER_IMAGE};
use super::swarm_fixtures::{ServiceGuard, SwarmNode};

/// How long Swarm may take to replace a killed task (restart delay 1 s).
const REPAIR_WAIT: Duration = Duration::from_secs(30);

fn telemetry(journal: &Path) -> SharedTelemetry {
    Arc::new(Telemetry::new(
        chaos_engine::clock::system_clock(),
        Journal::open(journal),
    ))
}

/// A `docker:` target on `service`'s tasks (one picked), with `fault` as
/// its one scenario `FAULT`, writing to `ledger`.
fn backend(
    service: &ServiceGuard<'_>,
    fault: DockerFault,
    ledger: &Arc<Ledger>,
    telemetry: &SharedTelemetry,
) -> DockerBackend {
    DockerBackend::new(
        Arc::clone(ledger),
        "svc",
        &DockerSettings {
            target: DockerTarget {
                selector: Selector::Labels(BTreeMap::from([(
                    SERVICE_NAME_LABEL.to_owned(),
                    service.name().to_owned(),
                )])),
                host: None,
                cert_path: None,
                pick: BlastRadius::One,
                swarm_nodes: Some(Default::default()),
            },
            faults: vec![("FAULT".to_owned(), fault)],
            policy: DockerPolicy {
                net_image: NET_HELPER_IMAGE.to_owned(),
                ..DockerPolicy::default()
            },
        },
        Arc::clone(telemetry),
        false,
    )
}

/// Failure `id` of mode `mode` through `backend`, five minutes long.
fn apply(
    rt: &tokio::runtime::Runtime,
    backend: &mut DockerBackend,
    id: &str,
    mode: &str,
) -> Vec<ContainerRef> {
    let at = now();
    rt.block_on(backend.apply_parts("svc", id, "FAULT", mode, at, at + 300.0))
        .unwrap_or_else(|err| panic!("{mode} applied: {err}"))
        .containers
}

/// Polls `observe` (letting the watch run between looks) until it reports
/// the failure ended elsewhere, at most `wait`.
async fn repaired(backend: &DockerBackend, id: &str, wait: Duration) -> Option<EndedElsewhere> {
    let deadline = tokio::time::Instant::now() + wait;
    while tokio::time::Instant::now() < deadline {
        if let Observation::EndedElsewhere(ended) = backend.observe(id) {
            return Some(ended);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

/// The container events since Unix time `since` of `service`'s tasks and
/// of the helpers of the engine `owner` (its ledger's), one `+SECONDS
/// ACTION NAME` line each.
fn events_since(since: f64, service: &ServiceGuard<'_>, owner: &str) -> String {
    let since_text = format!("{since:.3}");
    let until = format!("{:.3}", now());
    let format = format!(
        "{{{{.TimeNano}}}}|{{{{.Action}}}}|{{{{.Actor.Attributes.name}}}}|{{{{index .Actor.Attributes \"{LABEL_OWNER}\"}}}}"
    );
    let listed = run(&mut docker(&[
        "events",
        "--since",
        &since_text,
        "--until",
        &until,
        "--filter",
        "type=container",
        "--format",
        &format,
    ]));
    String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split('|');
            let at = fields.next()?.parse::<f64>().ok()? / 1e9 - since;
            let (action, name, by) = (fields.next()?, fields.next()?, fields.next()?);
            let ours = by == owner;
            (ours || name.starts_with(service.name())).then(|| {
                let whose = if ours { " (the engine's helper)" } else { "" };
                format!("+{at:.3}s {action} {name}{whose}")
            })
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The ledger file's text (its `undone` lines say what each revert did).
fn ledger_text(ledger: &Ledger) -> String {
    std::fs::read_to_string(ledger.path()).unwrap_or_default()
}

fn task_id(container: &str) -> String {
    let format = format!("{{{{index .Config.Labels \"{TASK_ID_LABEL}\"}}}}");
    inspect(container, &format).unwrap_or_else(|| "gone".to_owned())
}

#[test]
#[ignore = "needs a Docker Engine; inits a single-node swarm when there is none"]
fn swarm_kill_is_repaired_by_swarm_and_left_to_it() {
    let began = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let telemetry = telemetry(&dir.path().join("journal.jsonl"));
    // The kill is sent from a helper of this image (src/docker/crash.rs).
    net_helper_image();
    let node = SwarmNode::join();
    let service = node.service("kill", 1);
    let ready = began.elapsed();
    let first = service.running();
    let ledger = Arc::new(Ledger::new(test_ledger_dir()));
    let kill = DockerFault::Kill {
        signal: "SIGKILL".into(),
    };
    let mut backend = backend(&service, kill, &ledger, &telemetry);
    let rt = runtime();

    // Killed: Swarm starts a new task in its slot, the watch says so.
    let id = format!("swarm-kill-{}", std::process::id());
    let since = now();
    let hit = apply(&rt, &mut backend, &id, "kill");
    assert_eq!(
        hit.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        first,
        "the service's one task is hit"
    );
    let applied_at = Instant::now();
    let ended = rt
        .block_on(repaired(&backend, &id, REPAIR_WAIT))
        .unwrap_or_else(|| {
            panic!(
                "no repair by Swarm within {REPAIR_WAIT:?}\nevents:\n{}\n{}",
                events_since(since, &service, ledger.owner()),
                service.describe()
            )
        });
    let repair_took = applied_at.elapsed();
    eprintln!(
        "swarm kill: service ready in {ready:?}, repair seen {repair_took:?} after the kill; events:\n{}",
        events_since(since, &service, ledger.owner())
    );
    assert_eq!(ended.repaired_by.as_deref(), Some("swarm"), "{}", ended.how);
    assert!(
        ended.how.contains("was replaced by Swarm")
            && ended
                .how
                .contains(&format!("in slot 1 of {}", service.name())),
        "{}",
        ended.how
    );
    assert!(ended.went_down.is_some(), "{ended:?}");
    let released = rt
        .block_on(backend.release("svc", &id))
        .expect("release")
        .expect("the fault was still held");
    assert!(
        released.contains("left to Swarm (its slot gets a new task)"),
        "{released}"
    );
    // What clear and `recover` call on the old task's container.
    let old = hit[0].clone();
    let reverted = rt
        .block_on(container_ops::start_verified(&engine(), &old))
        .expect("start_verified");
    assert_eq!(reverted, Reverted::LeftToSwarm);
    service.wait_running(1);
    let second = service.running();
    assert_ne!(second, first, "a new task runs");
    assert_eq!(
        inspect(&old.id, "{{.State.Status}}").as_deref(),
        Some("exited")
    );

    // Killed and cleared at once: the clear leaves it to Swarm too.
    let id2 = format!("swarm-kill-clear-{}", std::process::id());
    let hit2 = apply(&rt, &mut backend, &id2, "kill");
    assert_eq!(hit2[0].id, second[0]);
    rt.block_on(backend.clear("svc", ClearReason::Manual, 0.0))
        .expect("clear");
    let undone = ledger_text(&ledger)
        .lines()
        .filter(|line| line.contains("left to Swarm (its slot gets a new task)"))
        .count();
    assert_eq!(undone, 2, "release and clear:\n{}", ledger_text(&ledger));

    // Exactly the service's replicas run; the killed tasks stay down.
    service.wait_running(service.replicas());
    std::thread::sleep(Duration::from_secs(2));
    let running = service.running();
    assert_eq!(running.len(), 1, "{}", service.describe());
    assert!(!running.contains(&old.id) && !running.contains(&hit2[0].id));
    assert!(
        read_open(&test_ledger_dir()).is_empty(),
        "open in the ledger: {:?}",
        read_open(&test_ledger_dir())
    );
    eprintln!("swarm kill test took {:?}", began.elapsed());
}

#[test]
#[ignore = "needs a Docker Engine; inits a single-node swarm when there is none"]
fn swarm_pause_is_undone_at_clear_on_the_same_task() {
    let began = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let telemetry = telemetry(&dir.path().join("journal.jsonl"));
    let node = SwarmNode::join();
    let service = node.service("pause", 1);
    let ledger = Arc::new(Ledger::new(test_ledger_dir()));
    let mut backend = backend(&service, DockerFault::Pause, &ledger, &telemetry);
    let rt = runtime();
    let id = format!("swarm-pause-{}", std::process::id());
    let hit = apply(&rt, &mut backend, &id, "pause");
    let container = hit[0].id.clone();
    let task = task_id(&container);
    assert_eq!(
        inspect(&container, "{{.State.Paused}}").as_deref(),
        Some("true")
    );
    rt.block_on(async { tokio::time::sleep(Duration::from_secs(2)).await });
    assert_eq!(
        backend.observe(&id),
        Observation::InPlace,
        "a pause is no repair"
    );
    rt.block_on(backend.clear("svc", ClearReason::Manual, 0.0))
        .expect("clear");
    assert_eq!(
        inspect(&container, "{{.State.Paused}} {{.State.Running}}").as_deref(),
        Some("false true")
    );
    assert_eq!(task_id(&container), task, "Swarm did not replace it");
    assert_eq!(service.running(), vec![container], "{}", service.describe());
    assert!(read_open(&test_ledger_dir()).is_empty());
    eprintln!("swarm pause test took {:?}", began.elapsed());
}
