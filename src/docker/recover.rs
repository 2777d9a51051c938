//! Undoing the Docker faults a killed engine left behind (at startup, and
//! with `chaos-engine recover`), found two ways:
//! - by label: every network helper of the configured targets (and every
//!   finished revert-only helper) is stopped and removed; a running one
//!   reverts its rules on SIGTERM, one that ended badly gets a revert-only
//!   helper in its subject's namespace (when the subject still exists);
//! - from the journal: every `fault_applying` record with no end (no
//!   `cleared`, `ended` or `fault_recovered` event with its id): paused
//!   containers are unpaused, stopped or killed ones started unless they
//!   run already.
//!
//! Each thing done is a line of the [`RecoverReport`] and a
//! `fault_recovered` event in the journal.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use bollard::query_parameters::RemoveContainerOptions;
use bollard::Docker;

use super::client::{api_error, connect, is_not_found, no_answer, resolve_host, CALL_TIMEOUT};
use super::container_ops;
use super::helper::{self, HelperEnd, HelperInfo};
use super::spec::LABEL_MODE;
use super::{ContainerRef, DockerError, DockerTarget, FaultRecord};
use crate::telemetry::Telemetry;

/// What a recovery did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoverReport {
    /// One line per thing undone (or found already undone).
    pub lines: Vec<String>,
    /// One line per thing that could not be undone.
    pub errors: Vec<String>,
}

impl RecoverReport {
    /// True when nothing failed.
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Finds and undoes the faults an earlier engine left on the Docker
/// targets `targets` (name and target) and in `journal`; `image` is the
/// network helper image a revert-only helper runs.
pub async fn recover(
    targets: &[(String, DockerTarget)],
    journal: Option<&Path>,
    image: &str,
    telemetry: &Telemetry,
) -> RecoverReport {
    let mut report = RecoverReport::default();
    let mut engines = Engines::default();
    let names: HashSet<&str> = targets.iter().map(|(name, _)| name.as_str()).collect();
    let mut hosts: Vec<Option<String>> = targets.iter().map(|(_, t)| t.host.clone()).collect();
    let open = match journal {
        Some(path) => open_records(path, &mut report),
        None => Vec::new(),
    };
    hosts.extend(open.iter().map(|record| record.host.clone()));
    let mut seen_hosts = HashSet::new();
    for host in hosts {
        if !seen_hosts.insert(resolve_host(host.as_deref())) {
            continue;
        }
        let Some(docker) = engines.get(host.as_deref(), &mut report).await else {
            continue;
        };
        recover_helpers(&docker, &names, image, telemetry, &mut report).await;
    }
    for record in &open {
        let Some(docker) = engines.get(record.host.as_deref(), &mut report).await else {
            continue;
        };
        recover_record(&docker, record, telemetry, &mut report).await;
    }
    report
}

/// One client per Engine address, connected once.
#[derive(Default)]
struct Engines {
    clients: BTreeMap<String, Option<Docker>>,
}

impl Engines {
    async fn get(&mut self, host: Option<&str>, report: &mut RecoverReport) -> Option<Docker> {
        let key = resolve_host(host);
        if let Some(client) = self.clients.get(&key) {
            return client.clone();
        }
        let client = match connect(host).await {
            Ok(docker) => Some(docker),
            Err(err) => {
                report.errors.push(err.to_string());
                None
            }
        };
        self.clients.insert(key, client.clone());
        client
    }
}

async fn recover_helpers(
    docker: &Docker,
    targets: &HashSet<&str>,
    image: &str,
    telemetry: &Telemetry,
    report: &mut RecoverReport,
) {
    let helpers = match helper::find_helpers(docker).await {
        Ok(helpers) => helpers,
        Err(err) => {
            report.errors.push(err.to_string());
            return;
        }
    };
    for found in helpers {
        let ours = found.target.as_deref().is_some_and(|t| targets.contains(t));
        let finished_revert =
            found.labels.get(LABEL_MODE).map(String::as_str) == Some("revert") && !found.running;
        if !ours && !finished_revert {
            continue;
        }
        let target = found
            .target
            .clone()
            .unwrap_or_else(|| "(revert helper)".to_owned());
        match recover_helper(docker, &found, image).await {
            Ok(detail) => {
                telemetry.fault_recovered(&target, found.failure.as_deref(), &detail);
                report.lines.push(format!("{target}: {detail}"));
            }
            Err(err) => report.errors.push(format!("{target}: {err}")),
        }
    }
}

async fn recover_helper(
    docker: &Docker,
    found: &HelperInfo,
    image: &str,
) -> Result<String, DockerError> {
    let helper_name = &found.name;
    let subject_id = found.subject.clone().unwrap_or_default();
    let subject = ContainerRef {
        id: subject_id.clone(),
        name: subject_id.get(..12).unwrap_or(&subject_id).to_owned(),
    };
    let alive = !subject_id.is_empty()
        && container_ops::inspect(docker, &subject)
            .await?
            .is_some_and(|state| state.running);
    if !alive {
        remove(docker, &found.id, helper_name).await?;
        return Ok(format!(
            "removed the network helper {helper_name} (its subject {} no longer runs)",
            subject.name
        ));
    }
    let ended = helper::stop_helper(docker, &found.id, &subject).await?;
    let how = match ended {
        HelperEnd::Reverted => "stopped it: its rules are removed",
        HelperEnd::Expired => "it had expired: its rules were already removed",
        HelperEnd::AlreadyGone => {
            helper::revert_leftovers(docker, image, &subject).await?;
            "it was gone: a revert-only helper removed its rules"
        }
    };
    Ok(format!(
        "network helper {helper_name} of {} ({}): {how}",
        subject.name,
        found.failure.as_deref().unwrap_or("no failure id")
    ))
}

async fn remove(docker: &Docker, id: &str, name: &str) -> Result<(), DockerError> {
    let options = RemoveContainerOptions {
        force: true,
        ..RemoveContainerOptions::default()
    };
    match tokio::time::timeout(CALL_TIMEOUT, docker.remove_container(id, Some(options))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) if is_not_found(&err) => Ok(()),
        Ok(Err(err)) => Err(api_error("remove", name, &err)),
        Err(_) => Err(DockerError::Api {
            action: "remove",
            container: name.to_owned(),
            detail: no_answer(CALL_TIMEOUT),
        }),
    }
}

async fn recover_record(
    docker: &Docker,
    record: &FaultRecord,
    telemetry: &Telemetry,
    report: &mut RecoverReport,
) {
    let mut done = Vec::new();
    for container in &record.containers {
        let reverted = match record.mode.as_str() {
            "pause" => container_ops::unpause_if_paused(docker, container).await,
            "kill" | "stop" => container_ops::start_unless_running(docker, container).await,
            // Network faults live in their helpers, recovered by label.
            _ => continue,
        };
        match reverted {
            Ok(what) => done.push(format!("{container} {}", what.describe())),
            Err(err) => report.errors.push(format!("{}: {err}", record.target)),
        }
    }
    if record.mode == "network" || record.mode == "partition" {
        done.push("its network helpers are recovered by label".to_owned());
    }
    if done.is_empty() {
        return;
    }
    let detail = format!(
        "{} fault {} left behind: {}",
        record.mode,
        record.id,
        done.join(", ")
    );
    telemetry.fault_recovered(&record.target, Some(&record.id), &detail);
    report.lines.push(format!("{}: {detail}", record.target));
}

/// The `fault_applying` records of the journal at `path` that no later
/// event ended (`cleared`, `ended` or `fault_recovered` with the same id).
/// A journal that does not exist has none; lines that are not JSON are
/// skipped.
pub fn open_records(path: &Path, report: &mut RecoverReport) -> Vec<FaultRecord> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(err) => {
            report
                .errors
                .push(format!("cannot read the journal {}: {err}", path.display()));
            return Vec::new();
        }
    };
    open_records_in(&text)
}

/// [`open_records`] of a journal's text.
pub fn open_records_in(text: &str) -> Vec<FaultRecord> {
    let mut records: Vec<FaultRecord> = Vec::new();
    let mut ended = HashSet::new();
    for line in text.lines() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let event = value.get("event").and_then(|e| e.as_str()).unwrap_or("");
        let id = value
            .get("id")
            .and_then(|id| id.as_str())
            .map(str::to_owned);
        match event {
            "fault_applying" => {
                if let Ok(record) = serde_json::from_value::<FaultRecord>(value) {
                    records.retain(|r| r.id != record.id);
                    records.push(record);
                }
            }
            "cleared" | "ended" | "fault_recovered" => {
                if let Some(id) = id {
                    ended.insert(id);
                }
            }
            _ => {}
        }
    }
    records.retain(|record| !ended.contains(&record.id));
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_faults_without_an_end_are_left_behind() {
        let journal = r#"{"timestamp":1,"event":"engine_started"}
{"timestamp":2,"event":"fault_applying","target":"cache","id":"a","mode":"pause","host":null,"containers":[{"id":"c1","name":"cache-1"}],"expires_at":30.0}
{"timestamp":3,"event":"cleared","id":"a","target":"cache","reason":"recovery"}
{"timestamp":4,"event":"fault_applying","target":"cache","id":"b","mode":"stop","host":null,"containers":[{"id":"c1","name":"cache-1"}],"expires_at":40.0}
{"timestamp":5,"event":"fault_applying","target":"db","id":"c","mode":"kill","containers":[{"id":"d1","name":"db-1"}],"expires_at":50.0}
{"timestamp":6,"event":"fault_recovered","id":"c","target":"db","detail":"x"}
not json
{"timestamp":7,"event":"fault_applying","target":"web","id":"d","mode":"pause","containers":[],"expires_at":60.0}
{"timestamp":8,"event":"ended","id":"d","target":"web","scenario":"P","ended_by":"repair","injected_at":7}
"#;
        let open = open_records_in(journal);
        assert_eq!(open.len(), 1, "{open:?}");
        assert_eq!(open[0].id, "b");
        assert_eq!(open[0].mode, "stop");
        assert_eq!(open[0].containers[0].name, "cache-1");
    }
}
