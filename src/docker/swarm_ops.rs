//! The Swarm Engine calls of the `drain` and `scale` faults, made on a
//! manager's Engine: set a service's replica count or a node's
//! availability, set it back, and list a service's running tasks.
//!
//! An update replaces the object's whole spec: each one inspects the
//! object, changes one field of the spec it read (`insert_defaults:
//! false`, so the round trip adds nothing) and sends it back with the
//! version index of that same inspect. A stale index ("update out of
//! sequence": someone else updated it in between) is inspected again and
//! retried once.
//!
//! A restore is idempotent, as the container reverts are: it sets the
//! field back only while it still holds what the fault set, and verifies
//! it; a value someone else set is left alone and said so, and an object
//! that no longer exists is [`GONE`].

use std::collections::HashMap;
use std::future::Future;

use bollard::errors::Error as EngineError;
use bollard::models::{Node, NodeSpec, NodeSpecAvailabilityEnum, Service, ServiceSpec, TaskState};
use bollard::query_parameters::{
    InspectServiceOptions, ListTasksOptions, UpdateNodeOptions, UpdateServiceOptions,
};
use bollard::Docker;

use super::client::{api_error, bounded, is_not_found, no_answer, CALL_TIMEOUT};
use super::{ContainerRef, DockerError};
use crate::outcome::Restore;

/// The field a `scale` fault changes, as its [`Restore`] names it.
pub const REPLICAS: &str = "replicas";
/// The field a `drain` fault changes, as its [`Restore`] names it.
pub const AVAILABILITY: &str = "availability";
/// What a restore says when the service or node no longer exists.
pub const GONE: &str = "gone";

/// A service scaled (or, from [`check_scale`], about to be).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleDone {
    /// The service's id.
    pub id: String,
    /// The service's name.
    pub name: String,
    /// Its replica count before the fault.
    pub before: u64,
}

impl ScaleDone {
    /// The service as the unit the fault hit (its id, its name).
    pub fn unit(&self) -> ContainerRef {
        ContainerRef {
            id: self.id.clone(),
            name: self.name.clone(),
        }
    }

    /// What the ledger keeps to set the count back from `applied`.
    pub fn restore(&self, applied: u64) -> Restore {
        Restore {
            field: REPLICAS.to_owned(),
            before: self.before.to_string(),
            applied: applied.to_string(),
        }
    }
}

/// A node drained (or, from [`check_drain`], about to be).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrainDone {
    /// The node's id.
    pub id: String,
    /// Its hostname (its id when the Engine gives none).
    pub hostname: String,
    /// Its availability before the fault (`active`, `pause`).
    pub before: String,
}

impl DrainDone {
    /// The node as the unit the fault hit (its id, its hostname).
    pub fn unit(&self) -> ContainerRef {
        ContainerRef {
            id: self.id.clone(),
            name: self.hostname.clone(),
        }
    }

    /// What the ledger keeps to set the availability back from `drain`.
    pub fn restore(&self) -> Restore {
        Restore {
            field: AVAILABILITY.to_owned(),
            before: self.before.clone(),
            applied: NodeSpecAvailabilityEnum::DRAIN.to_string(),
        }
    }
}

/// One running task of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRef {
    /// The task's id.
    pub id: String,
    /// Its slot (a replicated service's; none for a global one).
    pub slot: Option<i64>,
    /// The node it runs on.
    pub node_id: Option<String>,
    /// Its container's id.
    pub container_id: Option<String>,
}

impl TaskRef {
    /// The task as a unit to choose among: its id, and `SERVICE.SLOT`
    /// (`SERVICE.NODE` for a global service's) as its name.
    pub fn unit(&self, service: &str) -> ContainerRef {
        let place = match (self.slot, &self.node_id) {
            (Some(slot), _) => slot.to_string(),
            (None, Some(node)) => node.clone(),
            (None, None) => self.id.clone(),
        };
        ContainerRef {
            id: self.id.clone(),
            name: format!("{service}.{place}"),
        }
    }
}

/// What a restore does with the value it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Finding {
    /// It still holds what the fault set: set it back.
    Undo,
    /// It holds what it held before: the fault never landed.
    NothingToUndo,
    /// Someone set something else: leave it.
    ChangedBySomeone,
}

fn finding<T: PartialEq>(now: &T, before: &T, applied: &T) -> Finding {
    if now == applied {
        Finding::Undo
    } else if now == before {
        Finding::NothingToUndo
    } else {
        Finding::ChangedBySomeone
    }
}

/// `spec` with its replica count set to `replicas`, every other field as
/// it was; a spec that is not of a replicated service is returned as it
/// is.
pub fn with_replicas(mut spec: ServiceSpec, replicas: i64) -> ServiceSpec {
    if let Some(replicated) = spec.mode.as_mut().and_then(|m| m.replicated.as_mut()) {
        replicated.replicas = Some(replicas);
    }
    spec
}

/// `spec` with its availability set to `availability`, every other field
/// as it was.
pub fn with_availability(spec: NodeSpec, availability: NodeSpecAvailabilityEnum) -> NodeSpec {
    NodeSpec {
        availability: Some(availability),
        ..spec
    }
}

/// The replica count of a replicated service's spec; else what kind of
/// service it is.
fn replicas_in(spec: &ServiceSpec) -> Result<u64, String> {
    let mode = spec.mode.as_ref();
    if let Some(replicated) = mode.and_then(|m| m.replicated.as_ref()) {
        // The Engine stores a count on every replicated service; 1 is its
        // default when a spec gives none.
        let count = replicated.replicas.unwrap_or(1);
        return u64::try_from(count).map_err(|_| format!("a replica count of {count}"));
    }
    let kind = match mode {
        Some(m) if m.global.is_some() => "global",
        Some(m) if m.replicated_job.is_some() => "replicated-job",
        Some(m) if m.global_job.is_some() => "global-job",
        _ => "no-mode",
    };
    Err(format!("{kind} service"))
}

/// A node spec's availability by name; the Engine's default (`active`)
/// when it gives none.
fn availability_in(spec: &NodeSpec) -> String {
    match spec.availability {
        None | Some(NodeSpecAvailabilityEnum::EMPTY) => NodeSpecAvailabilityEnum::ACTIVE,
        Some(availability) => availability,
    }
    .to_string()
}

/// A service as one inspect read it.
struct ServiceState {
    id: String,
    name: String,
    version: u64,
    spec: ServiceSpec,
}

/// A node as one inspect read it.
struct NodeState {
    id: String,
    hostname: String,
    version: u64,
    spec: NodeSpec,
}

/// Runs `call` within [`CALL_TIMEOUT`], keeping the Engine's error as it
/// is (the callers tell a 404 or a stale version from other failures).
async fn within<T>(
    action: &'static str,
    subject: &str,
    call: impl Future<Output = Result<T, EngineError>>,
) -> Result<Result<T, EngineError>, DockerError> {
    tokio::time::timeout(CALL_TIMEOUT, call)
        .await
        .map_err(|_| DockerError::Api {
            action,
            container: subject.to_owned(),
            detail: no_answer(CALL_TIMEOUT),
        })
}

/// True when the Engine refused an update for a stale version index.
fn is_out_of_sequence(err: &EngineError) -> bool {
    matches!(
        err,
        EngineError::DockerResponseServerError { message, .. }
            if message.contains("update out of sequence")
    )
}

fn missing(action: &'static str, subject: &str, what: &str) -> DockerError {
    DockerError::Api {
        action,
        container: subject.to_owned(),
        detail: format!("the Engine's answer has no {what}"),
    }
}

/// The service `service` (a name or an id), or `None` when there is
/// none.
async fn find_service(docker: &Docker, service: &str) -> Result<Option<ServiceState>, DockerError> {
    let subject = format!("service {service}");
    let options = InspectServiceOptions {
        insert_defaults: false,
    };
    let found: Service = match within(
        "inspect",
        &subject,
        docker.inspect_service(service, Some(options)),
    )
    .await?
    {
        Ok(found) => found,
        Err(err) if is_not_found(&err) => return Ok(None),
        Err(err) => return Err(api_error("inspect", &subject, &err)),
    };
    let id = found.id.ok_or_else(|| missing("inspect", &subject, "ID"))?;
    let version = found
        .version
        .and_then(|v| v.index)
        .ok_or_else(|| missing("inspect", &subject, "Version.Index"))?;
    let spec = found
        .spec
        .ok_or_else(|| missing("inspect", &subject, "Spec"))?;
    let name = spec.name.clone().unwrap_or_else(|| id.clone());
    Ok(Some(ServiceState {
        id,
        name,
        version,
        spec,
    }))
}

/// The node `node_id`, or `None` when there is none.
async fn find_node(docker: &Docker, node_id: &str) -> Result<Option<NodeState>, DockerError> {
    let subject = format!("node {node_id}");
    let found: Node = match within("inspect", &subject, docker.inspect_node(node_id)).await? {
        Ok(found) => found,
        Err(err) if is_not_found(&err) => return Ok(None),
        Err(err) => return Err(api_error("inspect", &subject, &err)),
    };
    let id = found.id.ok_or_else(|| missing("inspect", &subject, "ID"))?;
    let version = found
        .version
        .and_then(|v| v.index)
        .ok_or_else(|| missing("inspect", &subject, "Version.Index"))?;
    let spec = found
        .spec
        .ok_or_else(|| missing("inspect", &subject, "Spec"))?;
    let hostname = found
        .description
        .and_then(|d| d.hostname)
        .unwrap_or_else(|| id.clone());
    Ok(Some(NodeState {
        id,
        hostname,
        version,
        spec,
    }))
}

/// Sends `spec` as the whole new spec of `state`'s service, at the
/// version index `state` was read at.
async fn send_service(
    docker: &Docker,
    action: &'static str,
    state: &ServiceState,
    spec: ServiceSpec,
) -> Result<Result<(), EngineError>, DockerError> {
    let subject = format!("service {}", state.name);
    let version = i32::try_from(state.version).map_err(|_| DockerError::VersionOverflow {
        object: subject.clone(),
        index: state.version,
    })?;
    let options = UpdateServiceOptions {
        version,
        ..UpdateServiceOptions::default()
    };
    let sent = within(
        action,
        &subject,
        docker.update_service(&state.id, spec, options, None),
    )
    .await?;
    Ok(sent.map(|_| ()))
}

/// Sends `spec` as the whole new spec of `state`'s node, at the version
/// index `state` was read at.
async fn send_node(
    docker: &Docker,
    action: &'static str,
    state: &NodeState,
    spec: NodeSpec,
) -> Result<Result<(), EngineError>, DockerError> {
    let subject = format!("node {}", state.hostname);
    let version = i64::try_from(state.version).map_err(|_| DockerError::VersionOverflow {
        object: subject.clone(),
        index: state.version,
    })?;
    within(
        action,
        &subject,
        docker.update_node(&state.id, spec, UpdateNodeOptions { version }),
    )
    .await
}

/// The service `service` as `scale` would find it, once it is checked
/// that `replicas` breaks something; nothing is changed.
async fn scalable(
    docker: &Docker,
    service: &str,
    replicas: u64,
) -> Result<(ServiceState, u64), DockerError> {
    let Some(state) = find_service(docker, service).await? else {
        return Err(DockerError::Api {
            action: "inspect",
            container: format!("service {service}"),
            detail: "no such service".to_owned(),
        });
    };
    let before = replicas_in(&state.spec).map_err(|kind| {
        DockerError::SwarmRefused(format!(
            "scale needs a replicated service: {} is a {kind}",
            state.name
        ))
    })?;
    if before == replicas {
        return Err(DockerError::SwarmRefused(format!(
            "service {} is already at {replicas} replicas: nothing to break",
            state.name
        )));
    }
    Ok((state, before))
}

/// What [`scale`] would do to `service`, checked and changing nothing
/// (for the ledger's intent, written before the update).
pub async fn check_scale(
    docker: &Docker,
    service: &str,
    replicas: u64,
) -> Result<ScaleDone, DockerError> {
    let (state, before) = scalable(docker, service, replicas).await?;
    Ok(ScaleDone {
        id: state.id,
        name: state.name,
        before,
    })
}

/// Sets the replica count of the replicated service `service` (a name or
/// an id) to `replicas`; refuses a global service and a count it already
/// has.
pub async fn scale(
    docker: &Docker,
    service: &str,
    replicas: u64,
) -> Result<ScaleDone, DockerError> {
    let count = i64::try_from(replicas).map_err(|_| {
        DockerError::SwarmRefused(format!("{replicas} replicas is more than the Engine takes"))
    })?;
    let mut retried = false;
    loop {
        let (state, before) = scalable(docker, service, replicas).await?;
        let body = with_replicas(state.spec.clone(), count);
        match send_service(docker, "scale", &state, body).await? {
            Ok(()) => {
                return Ok(ScaleDone {
                    id: state.id,
                    name: state.name,
                    before,
                })
            }
            Err(err) if is_out_of_sequence(&err) && !retried => retried = true,
            Err(err) => return Err(api_error("scale", &format!("service {}", state.name), &err)),
        }
    }
}

/// Sets the replica count of the service `service_id` back to `before`
/// if it still holds `applied`, and verifies it: `replicas 0 -> 2`;
/// [`GONE`] when the service is; else what it found, left alone.
pub async fn restore_replicas(
    docker: &Docker,
    service_id: &str,
    before: u64,
    applied: u64,
) -> Result<String, DockerError> {
    let subject = format!("service {service_id}");
    let count = i64::try_from(before)
        .map_err(|_| DockerError::BadRecord(format!("{subject}: {before} replicas")))?;
    restore_field(
        &subject,
        REPLICAS,
        &before,
        &applied,
        || find_service(docker, service_id),
        |state: &ServiceState| replicas_in(&state.spec),
        move |state: ServiceState| async move {
            let body = with_replicas(state.spec.clone(), count);
            send_service(docker, "restore", &state, body).await
        },
    )
    .await
}

/// The restore shared by [`restore_replicas`] and
/// [`restore_availability`]: reads the object with `read` and its field
/// (`field` names it in messages) with `value`, which says what kind of
/// object it is when the field does not apply; while the field holds
/// `applied`, `send` sets it back to `before` (a stale version index is
/// read and tried again once); then reads it again to verify it.
/// [`GONE`] when the object is; else what it found, left alone.
async fn restore_field<S, T, R, U>(
    subject: &str,
    field: &str,
    before: &T,
    applied: &T,
    read: impl Fn() -> R,
    value: impl Fn(&S) -> Result<T, String>,
    send: impl Fn(S) -> U,
) -> Result<String, DockerError>
where
    T: PartialEq + std::fmt::Display,
    R: Future<Output = Result<Option<S>, DockerError>>,
    U: Future<Output = Result<Result<(), EngineError>, DockerError>>,
{
    let mut retried = false;
    loop {
        let Some(state) = read().await? else {
            return Ok(GONE.to_owned());
        };
        let now = match value(&state) {
            Ok(now) => now,
            Err(kind) => return Ok(format!("already changed by someone (a {kind}): left alone")),
        };
        match finding(&now, before, applied) {
            Finding::Undo => {}
            Finding::NothingToUndo => return Ok(format!("nothing to undo ({field} {now})")),
            Finding::ChangedBySomeone => {
                return Ok(format!(
                    "already changed by someone ({field} {now}): left alone"
                ))
            }
        }
        match send(state).await? {
            Ok(()) => break,
            Err(err) if is_not_found(&err) => return Ok(GONE.to_owned()),
            Err(err) if is_out_of_sequence(&err) && !retried => retried = true,
            Err(err) => return Err(api_error("restore", subject, &err)),
        }
    }
    let Some(state) = read().await? else {
        return Ok(GONE.to_owned());
    };
    match value(&state) {
        Ok(now) if now == *before => Ok(format!("{field} {applied} -> {before}")),
        Ok(now) => Err(not_verified(subject, &format!("{field} {now}"), before)),
        Err(kind) => Err(not_verified(subject, &format!("a {kind}"), before)),
    }
}

fn not_verified(subject: &str, found: &str, wanted: &dyn std::fmt::Display) -> DockerError {
    DockerError::Api {
        action: "verify the restore of",
        container: subject.to_owned(),
        detail: format!("it reads {found} after the update, not {wanted}"),
    }
}

/// The node `node_id` as `drain` would find it, once it is checked that
/// it is not drained already; nothing is changed.
async fn drainable(docker: &Docker, node_id: &str) -> Result<(NodeState, String), DockerError> {
    let Some(state) = find_node(docker, node_id).await? else {
        return Err(DockerError::Api {
            action: "inspect",
            container: format!("node {node_id}"),
            detail: "no such node".to_owned(),
        });
    };
    let before = availability_in(&state.spec);
    if before == NodeSpecAvailabilityEnum::DRAIN.to_string() {
        return Err(DockerError::SwarmRefused(format!(
            "node {} is already drained: nothing to break",
            state.hostname
        )));
    }
    Ok((state, before))
}

/// What [`drain`] would do to the node `node_id`, checked and changing
/// nothing (for the ledger's intent, written before the update).
pub async fn check_drain(docker: &Docker, node_id: &str) -> Result<DrainDone, DockerError> {
    let (state, before) = drainable(docker, node_id).await?;
    Ok(DrainDone {
        id: state.id,
        hostname: state.hostname,
        before,
    })
}

/// Drains the node `node_id` (Swarm moves its tasks elsewhere, or leaves
/// them pending); refuses a node already drained.
pub async fn drain(docker: &Docker, node_id: &str) -> Result<DrainDone, DockerError> {
    let mut retried = false;
    loop {
        let (state, before) = drainable(docker, node_id).await?;
        let body = with_availability(state.spec.clone(), NodeSpecAvailabilityEnum::DRAIN);
        match send_node(docker, "drain", &state, body).await? {
            Ok(()) => {
                return Ok(DrainDone {
                    id: state.id,
                    hostname: state.hostname,
                    before,
                })
            }
            Err(err) if is_out_of_sequence(&err) && !retried => retried = true,
            Err(err) => {
                return Err(api_error(
                    "drain",
                    &format!("node {}", state.hostname),
                    &err,
                ))
            }
        }
    }
}

/// Sets the availability of the node `node_id` back to `before` if it
/// still is `applied`, and verifies it: `availability drain -> active`;
/// [`GONE`] when the node is; else what it found, left alone.
pub async fn restore_availability(
    docker: &Docker,
    node_id: &str,
    before: &str,
    applied: &str,
) -> Result<String, DockerError> {
    let subject = format!("node {node_id}");
    let target: NodeSpecAvailabilityEnum = before
        .parse()
        .map_err(|_| DockerError::BadRecord(format!("{subject}: availability `{before}`")))?;
    restore_field(
        &subject,
        AVAILABILITY,
        &before.to_owned(),
        &applied.to_owned(),
        || find_node(docker, node_id),
        |state: &NodeState| Ok(availability_in(&state.spec)),
        move |state: NodeState| async move {
            let body = with_availability(state.spec.clone(), target);
            send_node(docker, "restore", &state, body).await
        },
    )
    .await
}

/// What the field `field` ([`REPLICAS`] of the service `id`, or
/// [`AVAILABILITY`] of the node `id`) holds now, as a [`Restore`] writes
/// it (`2`, `active`); `None` when the object no longer exists.
pub async fn field_now(
    docker: &Docker,
    field: &str,
    id: &str,
) -> Result<Option<String>, DockerError> {
    if field == REPLICAS {
        let Some(state) = find_service(docker, id).await? else {
            return Ok(None);
        };
        return Ok(Some(match replicas_in(&state.spec) {
            Ok(now) => now.to_string(),
            Err(kind) => format!("a {kind}"),
        }));
    }
    Ok(find_node(docker, id)
        .await?
        .map(|state| availability_in(&state.spec)))
}

/// The hostname of the node `node_id` (its id when the Engine gives
/// none), or `None` when there is no such node.
pub async fn node_hostname(docker: &Docker, node_id: &str) -> Result<Option<String>, DockerError> {
    Ok(find_node(docker, node_id)
        .await?
        .map(|state| state.hostname))
}

/// The tasks of `service` (a name or an id) that are meant to run and
/// do (their container runs: state `running`, or `starting` while a health
/// check has not passed yet), by slot (then id).
pub async fn running_tasks(docker: &Docker, service: &str) -> Result<Vec<TaskRef>, DockerError> {
    let filters = HashMap::from([
        ("service".to_owned(), vec![service.to_owned()]),
        ("desired-state".to_owned(), vec!["running".to_owned()]),
    ]);
    let options = ListTasksOptions {
        filters: Some(filters),
    };
    let tasks = bounded(
        CALL_TIMEOUT,
        "list the tasks of",
        &format!("service {service}"),
        docker.list_tasks(Some(options)),
    )
    .await?;
    let mut running: Vec<TaskRef> = tasks
        .into_iter()
        // `starting`: its container runs, its health check has not passed
        // yet (a task whose image has one stays there until it does).
        .filter(|task| {
            matches!(
                task.status.as_ref().and_then(|s| s.state),
                Some(TaskState::RUNNING | TaskState::STARTING)
            )
        })
        .filter_map(|task| {
            Some(TaskRef {
                id: task.id?,
                slot: task.slot,
                node_id: task.node_id,
                container_id: task
                    .status
                    .and_then(|s| s.container_status)
                    .and_then(|c| c.container_id),
            })
        })
        .collect();
    running.sort_by(|a, b| a.slot.cmp(&b.slot).then_with(|| a.id.cmp(&b.id)));
    Ok(running)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// A service spec as a 20.10 Engine gives it (`docker service inspect
    /// --format '{{json .Spec}}'` of a replicated service).
    fn service_spec_json() -> Value {
        json!({
            "Name": "shop_api",
            "Labels": {"com.docker.stack.namespace": "shop", "chaos-engine.test": "t1"},
            "TaskTemplate": {
                "ContainerSpec": {
                    "Image": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                    "Labels": {"com.docker.stack.namespace": "shop"},
                    "Args": ["serve", "--port", "8000"],
                    "Env": ["MODE=prod"],
                    "Init": false,
                    "StopGracePeriod": 10000000000u64,
                    "DNSConfig": {},
                    "Isolation": "default"
                },
                "Resources": {"Limits": {}, "Reservations": {}},
                "RestartPolicy": {"Condition": "any", "Delay": 1000000000u64, "MaxAttempts": 0},
                "Placement": {"Platforms": [{"Architecture": "amd64", "OS": "linux"}]},
                "Networks": [{"Target": "abcdef123456", "Aliases": ["api"]}],
                "ForceUpdate": 0,
                "Runtime": "container"
            },
            "Mode": {"Replicated": {"Replicas": 2}},
            // The Engine writes `"MaxFailureRatio": 0`; the spec's float
            // sends it back as `0.0`, which the Engine reads alike.
            "UpdateConfig": {
                "Parallelism": 1, "FailureAction": "pause", "Monitor": 5000000000u64,
                "MaxFailureRatio": 0.0, "Order": "stop-first"
            },
            "RollbackConfig": {
                "Parallelism": 1, "FailureAction": "pause", "Monitor": 5000000000u64,
                "MaxFailureRatio": 0.0, "Order": "stop-first"
            },
            "EndpointSpec": {
                "Mode": "vip",
                "Ports": [{"Protocol": "tcp", "TargetPort": 8000, "PublishedPort": 30000, "PublishMode": "ingress"}]
            }
        })
    }

    fn node_spec_json() -> Value {
        json!({
            "Labels": {"zone": "a"},
            "Role": "manager",
            "Availability": "active"
        })
    }

    #[test]
    fn a_service_spec_reads_and_writes_back_unchanged() {
        let spec: ServiceSpec = serde_json::from_value(service_spec_json()).unwrap();
        assert_eq!(serde_json::to_value(&spec).unwrap(), service_spec_json());
    }

    #[test]
    fn with_replicas_changes_the_count_and_nothing_else() {
        let spec: ServiceSpec = serde_json::from_value(service_spec_json()).unwrap();
        let scaled = serde_json::to_value(with_replicas(spec, 0)).unwrap();
        let mut expected = service_spec_json();
        expected["Mode"]["Replicated"]["Replicas"] = json!(0);
        assert_eq!(scaled, expected);
    }

    #[test]
    fn with_replicas_leaves_a_global_service_as_it_is() {
        let mut global = service_spec_json();
        global["Mode"] = json!({"Global": {}});
        let spec: ServiceSpec = serde_json::from_value(global.clone()).unwrap();
        assert_eq!(replicas_in(&spec), Err("global service".to_owned()));
        assert_eq!(
            serde_json::to_value(with_replicas(spec, 3)).unwrap(),
            global
        );
    }

    #[test]
    fn with_availability_changes_the_availability_and_nothing_else() {
        let spec: NodeSpec = serde_json::from_value(node_spec_json()).unwrap();
        assert_eq!(availability_in(&spec), "active");
        let drained = with_availability(spec, NodeSpecAvailabilityEnum::DRAIN);
        assert_eq!(availability_in(&drained), "drain");
        let mut expected = node_spec_json();
        expected["Availability"] = json!("drain");
        assert_eq!(serde_json::to_value(drained).unwrap(), expected);
    }

    #[test]
    fn the_replica_count_of_a_spec() {
        let spec: ServiceSpec = serde_json::from_value(service_spec_json()).unwrap();
        assert_eq!(replicas_in(&spec), Ok(2));
        let mut no_count = service_spec_json();
        no_count["Mode"] = json!({"Replicated": {}});
        let spec: ServiceSpec = serde_json::from_value(no_count).unwrap();
        assert_eq!(replicas_in(&spec), Ok(1));
        let mut job = service_spec_json();
        job["Mode"] = json!({"ReplicatedJob": {"MaxConcurrent": 1}});
        let spec: ServiceSpec = serde_json::from_value(job).unwrap();
        assert_eq!(replicas_in(&spec), Err("replicated-job service".to_owned()));
    }

    #[test]
    fn an_availability_not_given_is_active() {
        assert_eq!(availability_in(&NodeSpec::default()), "active");
    }

    #[test]
    fn a_restore_undoes_only_what_the_fault_set() {
        assert_eq!(finding(&0, &2, &0), Finding::Undo);
        assert_eq!(finding(&2, &2, &0), Finding::NothingToUndo);
        assert_eq!(finding(&3, &2, &0), Finding::ChangedBySomeone);
        assert_eq!(finding(&"drain", &"active", &"drain"), Finding::Undo);
        assert_eq!(
            finding(&"pause", &"active", &"drain"),
            Finding::ChangedBySomeone
        );
    }

    #[test]
    fn a_stale_version_is_told_from_other_failures() {
        let stale = EngineError::DockerResponseServerError {
            status_code: 500,
            message: "rpc error: code = Unknown desc = update out of sequence".to_owned(),
        };
        let other = EngineError::DockerResponseServerError {
            status_code: 500,
            message: "rpc error: code = Unknown desc = something else".to_owned(),
        };
        assert!(is_out_of_sequence(&stale));
        assert!(!is_out_of_sequence(&other));
    }

    #[test]
    fn the_records_of_a_scale_and_a_drain() {
        let scaled = ScaleDone {
            id: "svc1".to_owned(),
            name: "shop_api".to_owned(),
            before: 2,
        };
        assert_eq!(
            scaled.restore(0),
            Restore {
                field: "replicas".to_owned(),
                before: "2".to_owned(),
                applied: "0".to_owned(),
            }
        );
        assert_eq!(scaled.unit().name, "shop_api");
        let drained = DrainDone {
            id: "node1".to_owned(),
            hostname: "box".to_owned(),
            before: "active".to_owned(),
        };
        assert_eq!(
            drained.restore(),
            Restore {
                field: "availability".to_owned(),
                before: "active".to_owned(),
                applied: "drain".to_owned(),
            }
        );
        assert_eq!(drained.unit().id, "node1");
    }

    #[test]
    fn a_task_is_named_by_its_service_and_slot() {
        let task = TaskRef {
            id: "t1".to_owned(),
            slot: Some(2),
            node_id: Some("n1".to_owned()),
            container_id: None,
        };
        assert_eq!(task.unit("shop_api").name, "shop_api.2");
        let global = TaskRef { slot: None, ..task };
        assert_eq!(global.unit("agent").name, "agent.n1");
    }
}
