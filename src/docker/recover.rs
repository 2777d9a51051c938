//! Undoing the Docker faults a killed engine left behind (at startup, and
//! with `chaos-engine recover` or `clear --target`).
//!
//! What to undo comes from the fault ledger (always, see
//! [`super::ledger`]): every dead engine's ledger in the directory is
//! adopted and its open faults undone; a live engine's ledger is left
//! alone, and so are its faults and helpers. With a journal, the caller
//! hands over its open `fault_applying` records (read by
//! `crate::journal::open_faults`): those of engines older than the ledger
//! are undone too.
//!
//! Recovery acts on settled state: an Engine call in flight at the
//! engine's death is given [`IN_FLIGHT_SETTLE`] to land, a `stop` Docker
//! may still be carrying out is waited out (up to its grace, which the
//! record holds), a kill helper is waited for, and every undo is verified (the container runs,
//! is not paused; the helper reverted its rules) before it is reported,
//! journalled (`fault_recovered`) and written to the ledger. A fault
//! whose undo failed stays open: the next recovery tries again.
//!
//! A `drain` or `scale` (a Swarm node's availability, a service's
//! replicas) is set back from its record's `restore` by
//! [`super::swarm_restore`]; a record without one stays open.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::query_parameters::{RemoveContainerOptions, WaitContainerOptions};
use bollard::Docker;
use futures_util::StreamExt;

use super::backend::CONCURRENCY;
use super::client::{connect, resolve_endpoint, Endpoint, CALL_TIMEOUT};
use super::container_ops;
use super::helper::{self, HelperInfo};
use super::ledger::{self, DeadLedger, Scan};
use super::spec::DEFAULT_STOP_GRACE;
use super::swarm_restore;
use super::{ContainerRef, DockerError, DockerMode, FaultRecord};
use crate::clock::Clock;
use crate::telemetry::Telemetry;

/// How long after its record a `pause` may still be taking effect.
const PAUSE_SETTLE: f64 = 2.0;
/// How long a `stop` may take beyond its grace, or a signal to act.
const STOP_SETTLE: f64 = 3.0;
/// How long an Engine call its engine made just before dying (a helper's
/// create or start) may take to land.
const IN_FLIGHT_SETTLE: f64 = 3.0;
/// How long a kill helper may still run.
const HELPER_WAIT: Duration = Duration::from_secs(10);

/// What a recovery did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoverReport {
    /// One line per fault undone (or found already undone), verified.
    pub lines: Vec<String>,
    /// One line per fault that could not be undone (it stays open).
    pub errors: Vec<String>,
    /// What was left alone and why (a live engine's faults).
    pub notes: Vec<String>,
    /// Set when there was no ledger to read: what cannot be known.
    pub unknown: Option<String>,
}

impl RecoverReport {
    /// True when nothing failed.
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Where to look and what to undo.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    /// The fault ledger's directory.
    pub ledger_dir: &'a Path,
    /// The journal's open `fault_applying` records (undone too when they
    /// predate the ledger; see `crate::journal::open_faults`), or why the
    /// journal could not be read; none without a journal.
    pub journal_faults: Result<Vec<FaultRecord>, String>,
    /// The network helper image a revert-only helper runs.
    pub image: &'a str,
    /// Only the faults of these targets (`clear --target`); all if `None`.
    pub only: Option<BTreeSet<String>>,
    /// The Engines of the configured targets, each with its certificate
    /// directory (swept for dead engines' helpers even when no open fault
    /// names them).
    pub hosts: Vec<EngineKeys>,
}

/// An Engine as a target or a record names it: its `host` and the
/// certificate directory TLS is spoken with (`None`: the defaults).
pub type EngineKeys = (Option<String>, Option<PathBuf>);

/// The Engine `keys` reach (see [`resolve_endpoint`]).
fn endpoint_of((host, cert_path): &EngineKeys) -> Endpoint {
    resolve_endpoint(host.as_deref(), cert_path.as_deref())
}

/// The Engine `record` was applied on.
fn record_endpoint(record: &FaultRecord) -> Endpoint {
    resolve_endpoint(record.host.as_deref(), record.cert_path.as_deref())
}

/// Where an open fault was found.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// The dead ledger of that index.
    Ledger(usize),
    /// The journal only.
    Journal,
}

/// Finds and undoes the faults dead engines left (see the module docs),
/// telling the time by `telemetry`'s clock.
pub async fn recover(scope: &Scope<'_>, telemetry: &Telemetry) -> RecoverReport {
    let clock = &*telemetry.clock;
    let mut report = RecoverReport::default();
    let (mut dead, live) = match ledger::scan(scope.ledger_dir) {
        Ok(Scan::Found { dead, live }) => (dead, live),
        Ok(Scan::NoLedger) => {
            report.unknown = Some(format!(
                "no fault ledger at {}: which pause, stop or kill faults an engine left behind \
                 cannot be known from it (set --ledger-dir / CHAOS_LEDGER_DIR to the engine's)",
                scope.ledger_dir.display()
            ));
            (Vec::new(), Vec::new())
        }
        Err(err) => {
            report.errors.push(err.to_string());
            (Vec::new(), Vec::new())
        }
    };
    for owner in &live {
        report.notes.push(format!(
            "engine {owner} is running (its ledger in {} is locked): its faults are left to it",
            scope.ledger_dir.display()
        ));
    }
    let wanted = |record: &FaultRecord| {
        scope
            .only
            .as_ref()
            .is_none_or(|only| only.contains(&record.target))
    };
    let mut work: Vec<(Source, FaultRecord)> = Vec::new();
    for (index, ledger) in dead.iter().enumerate() {
        for record in ledger.open.iter().filter(|r| wanted(r)) {
            work.push((Source::Ledger(index), record.clone()));
        }
    }
    match &scope.journal_faults {
        // An owner's faults come from its ledger (a ledger that is gone had
        // nothing open), unless there is no ledger to read; records of
        // engines older than the ledger have no owner.
        Ok(records) => work.extend(
            records
                .iter()
                .filter(|r| wanted(r) && (r.owner.is_none() || report.unknown.is_some()))
                .map(|record| (Source::Journal, record.clone())),
        ),
        Err(err) => report.errors.push(err.clone()),
    }
    // Each record in parts, one per Engine its containers live on (a
    // Swarm task on another node is undone through that node's Engine).
    let parts: Vec<(usize, FaultRecord)> = work
        .iter()
        .enumerate()
        .flat_map(|(index, (_, record))| {
            split_by_engine(record)
                .into_iter()
                .map(move |part| (index, part))
        })
        .collect();
    // Each Engine once, reached as its records say (with the certificate
    // directory a target over TLS wrote down).
    let mut hosts: BTreeMap<Endpoint, EngineKeys> = BTreeMap::new();
    for keys in scope.hosts.iter().cloned().chain(
        parts
            .iter()
            .map(|(_, part)| (part.host.clone(), part.cert_path.clone())),
    ) {
        hosts.entry(endpoint_of(&keys)).or_insert(keys);
    }
    // An Engine call in flight when its engine died (a helper being
    // created or started) lands within moments: let it, so that what is
    // listed below is what stays.
    let newest = work
        .iter()
        .map(|(_, record)| record.started_at)
        .fold(0.0, f64::max);
    let settle = newest + IN_FLIGHT_SETTLE - clock.unix_now();
    if settle > 0.0 {
        tokio::time::sleep(Duration::from_secs_f64(settle)).await;
    }
    let dead_owners: BTreeSet<String> = dead.iter().map(|l| l.owner.clone()).collect();
    let mut failed_tokens = BTreeSet::new();
    // What each part of each record (by its index in `work`) came to.
    let mut results: Vec<Vec<Result<String, String>>> = vec![Vec::new(); work.len()];
    for (key, (host, cert_path)) in &hosts {
        let here: Vec<&(usize, FaultRecord)> = parts
            .iter()
            .filter(|(_, part)| &record_endpoint(part) == key)
            .collect();
        let docker = match connect(host.as_deref(), cert_path.as_deref()).await {
            Ok(docker) => docker,
            Err(err) => {
                for (index, part) in here {
                    failed_tokens.insert(part.token.clone());
                    if let Some(result) = results.get_mut(*index) {
                        result.push(Err(err.to_string()));
                    }
                }
                continue;
            }
        };
        let helpers = match helper::find_helpers(&docker).await {
            Ok(helpers) => helpers,
            Err(err) => {
                report.errors.push(err.to_string());
                Vec::new()
            }
        };
        let outcomes: Vec<(usize, &FaultRecord, Result<String, DockerError>)> =
            futures_util::stream::iter(here)
                .map(|(index, part)| {
                    let theirs: Vec<&HelperInfo> = helpers
                        .iter()
                        .filter(|h| {
                            !part.token.is_empty() && h.fault.as_deref() == Some(&part.token)
                        })
                        .collect();
                    let docker = &docker;
                    async move {
                        let outcome =
                            recover_record(docker, part, &theirs, scope.image, clock).await;
                        (*index, part, outcome)
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
        for (index, part, outcome) in outcomes {
            if outcome.is_err() {
                failed_tokens.insert(part.token.clone());
            }
            if let Some(result) = results.get_mut(index) {
                result.push(outcome.map_err(|err| err.to_string()));
            }
        }
        // Looked at afresh: what the recovery itself left, and anything
        // that landed while it ran.
        match helper::find_helpers(&docker).await {
            Ok(now) => sweep(&docker, &now, &dead_owners, &failed_tokens, &mut report).await,
            Err(err) => report.errors.push(err.to_string()),
        }
    }
    // A record is undone once every part of it is.
    for ((source, record), result) in work.iter().zip(results) {
        let (done, errors): (Vec<_>, Vec<_>) = result.into_iter().partition(Result::is_ok);
        if let Some(Err(err)) = errors.into_iter().next() {
            report.errors.push(format!(
                "{}: {} fault {} is not undone, and stays in the ledger for the next \
                 `recover`: {err}",
                record.target, record.mode, record.id
            ));
            continue;
        }
        let done: Vec<String> = done.into_iter().filter_map(Result::ok).collect();
        let done = done.join(", ");
        let detail = format!("{} fault {} left behind: {done}", record.mode, record.id);
        if let Source::Ledger(index) = source {
            if let Some(ledger) = dead.get_mut(*index) {
                if let Err(err) = ledger.undone(&record.token, &done) {
                    report.errors.push(format!(
                        "{}: undone ({done}) but the ledger {} could not say so: {err}",
                        record.target,
                        ledger.path.display()
                    ));
                }
            }
        }
        telemetry.fault_recovered(&record.target, Some(&record.id), &detail);
        report.lines.push(format!("{}: {detail}", record.target));
    }
    for ledger in dead {
        let path = ledger.path.clone();
        if let Err(err) = DeadLedger::finish(ledger) {
            report.errors.push(format!(
                "cannot remove the ledger {}: {err}",
                path.display()
            ));
        }
    }
    report
}

/// The parts of `record`, one per Engine: its containers at its `host`,
/// then those on each Engine `unit_hosts` names (Swarm tasks on other
/// nodes), each part a record of that Engine's alone.
fn split_by_engine(record: &FaultRecord) -> Vec<FaultRecord> {
    if record.unit_hosts.is_empty() {
        return vec![record.clone()];
    }
    let mut elsewhere: BTreeMap<EngineKeys, Vec<ContainerRef>> = BTreeMap::new();
    let mut home = Vec::new();
    for container in &record.containers {
        match record.unit_hosts.get(&container.id) {
            Some(at) => elsewhere
                .entry((Some(at.host.clone()), at.cert_path.clone()))
                .or_default()
                .push(container.clone()),
            None => home.push(container.clone()),
        }
    }
    let part = |(host, cert_path): EngineKeys, containers: Vec<ContainerRef>| FaultRecord {
        host,
        cert_path,
        containers,
        unit_hosts: BTreeMap::new(),
        ..record.clone()
    };
    let mut parts = Vec::new();
    if !home.is_empty() {
        parts.push(part((record.host.clone(), record.cert_path.clone()), home));
    }
    parts.extend(elsewhere.into_iter().map(|(keys, units)| part(keys, units)));
    parts
}

/// Removes what dead engines' helpers are left that no open fault needs
/// (a finished kill helper, a revert-only helper, a helper whose fault is
/// undone): a running one is stopped first, so that it reverts.
async fn sweep(
    docker: &Docker,
    helpers: &[HelperInfo],
    dead_owners: &BTreeSet<String>,
    failed_tokens: &BTreeSet<String>,
    report: &mut RecoverReport,
) {
    for found in helpers {
        let dead_owner = found
            .owner
            .as_ref()
            .is_some_and(|o| dead_owners.contains(o));
        let needed = found
            .fault
            .as_ref()
            .is_some_and(|t| failed_tokens.contains(t));
        if !dead_owner || needed {
            continue;
        }
        let subject = subject_of(found);
        let outcome = if found.running {
            helper::stop_helper(docker, &found.id, &subject)
                .await
                .map(|_| ())
        } else {
            remove(docker, &found.id, &found.name).await
        };
        if let Err(err) = outcome {
            report.errors.push(format!(
                "the helper {} could not be removed: {err}",
                found.name
            ));
        }
    }
}

fn subject_of(found: &HelperInfo) -> ContainerRef {
    let id = found.subject.clone().unwrap_or_default();
    ContainerRef {
        name: id.get(..12).unwrap_or(&id).to_owned(),
        id,
    }
}

/// Undoes one open fault on settled state (waited for by `clock`) and
/// verifies it; says what it did per container.
async fn recover_record(
    docker: &Docker,
    record: &FaultRecord,
    helpers: &[&HelperInfo],
    image: &str,
    clock: &dyn Clock,
) -> Result<String, DockerError> {
    let owner = record.owner.as_deref().unwrap_or_default();
    let mut signalled = false;
    if record.mode == DockerMode::Kill {
        for found in helpers {
            signalled |= !found.created_only;
            wait_and_remove(docker, found).await?;
        }
    }
    let settle_until = match record.mode {
        DockerMode::Stop => {
            let grace = record.grace_s.unwrap_or(DEFAULT_STOP_GRACE.as_secs_f64());
            record.started_at + grace + STOP_SETTLE
        }
        DockerMode::Kill if signalled => clock.unix_now() + STOP_SETTLE,
        DockerMode::Kill => record.started_at + STOP_SETTLE,
        DockerMode::Pause => record.started_at + PAUSE_SETTLE,
        // Nothing of a drain or scale runs on after the engine: the
        // restore reads the field as the Engine has it.
        DockerMode::Network | DockerMode::Partition | DockerMode::Drain | DockerMode::Scale => 0.0,
    };
    let outcomes: Vec<Result<String, DockerError>> =
        futures_util::stream::iter(record.containers.iter())
            .map(|container| async move {
                let what = match record.mode {
                    DockerMode::Stop | DockerMode::Kill => {
                        container_ops::wait_until_stopped(docker, container, settle_until, clock)
                            .await?;
                        container_ops::start_verified(docker, container)
                            .await?
                            .describe()
                    }
                    DockerMode::Pause => {
                        let left = settle_until - clock.unix_now();
                        if left > 0.0 {
                            tokio::time::sleep(Duration::from_secs_f64(left)).await;
                        }
                        container_ops::unpause_verified(docker, container)
                            .await?
                            .describe()
                    }
                    DockerMode::Network | DockerMode::Partition => {
                        let found = helpers
                            .iter()
                            .find(|h| h.subject.as_deref() == Some(container.id.as_str()));
                        helper::undo_network_fault(
                            docker,
                            found.map(|h| h.id.as_str()),
                            container,
                            image,
                            owner,
                        )
                        .await?
                    }
                    DockerMode::Drain | DockerMode::Scale => {
                        let restore = record.restore.as_ref();
                        let done =
                            swarm_restore::undo(docker, record.mode, container, restore).await?;
                        return Ok(format!("{container} {done}"));
                    }
                };
                Ok(format!("{container} {what}"))
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
    let mut done = Vec::new();
    for outcome in outcomes {
        done.push(outcome?);
    }
    if done.is_empty() {
        done.push("no container".to_owned());
    }
    Ok(done.join(", "))
}

/// Waits (at most [`HELPER_WAIT`]) for a kill helper to finish, then
/// removes it.
async fn wait_and_remove(docker: &Docker, found: &HelperInfo) -> Result<(), DockerError> {
    if found.running {
        let mut wait = docker.wait_container(&found.id, None::<WaitContainerOptions>);
        let _ = tokio::time::timeout(HELPER_WAIT, wait.next()).await;
    }
    remove(docker, &found.id, &found.name).await
}

async fn remove(docker: &Docker, id: &str, name: &str) -> Result<(), DockerError> {
    let options = RemoveContainerOptions {
        force: true,
        ..RemoveContainerOptions::default()
    };
    match tokio::time::timeout(CALL_TIMEOUT, docker.remove_container(id, Some(options))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) if super::client::is_not_found(&err) => Ok(()),
        Ok(Err(err)) => Err(super::client::api_error("remove", name, &err)),
        Err(_) => Err(DockerError::Api {
            action: "remove",
            container: name.to_owned(),
            detail: super::client::no_answer(CALL_TIMEOUT),
        }),
    }
}
