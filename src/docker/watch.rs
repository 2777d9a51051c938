//! Repair detection for a Docker fault: the Engine's events stream, read
//! from the moment the fault was applied, turned into a verdict that the
//! synchronous `observe()` reads ([`Watch::verdict`]).
//!
//! What counts as a repair before the deadline ([`Judge`], pure, so it is
//! tested on recorded event sequences):
//! - kill, stop: the container started again: by its restart policy (its
//!   `RestartCount` grew) or by a `docker start` / `docker restart` of a
//!   person or an agent;
//! - pause: the container was unpaused;
//! - network, partition: the fault's rules were removed from the subject's
//!   network namespace by someone (`iptables -F`, `tc qdisc del`): its
//!   helper, which looks every second, removes what is left and exits
//!   [`EXIT_REMOVED`](super::netfault::EXIT_REMOVED); or the subject
//!   restarted (its network namespace, and the rules in it, are new); or
//!   the network helper was stopped or removed by someone;
//! - any mode: a hit container destroyed and a new container matching the
//!   selector started ("recreate");
//! - any mode, on a Swarm task container: a new task's container started
//!   in the hit one's slot of its service ("swarm"; the old container is
//!   kept in the task history, not destroyed, so this is no recreate).
//!   Swarm may start it on any node: the manager's task list is read
//!   every [`SLOT_POLL`] too, and a new running task in the slot is the
//!   same repair wherever it runs.
//!
//! A fault whose containers live on several Engines (Swarm tasks on
//! several nodes) reads the events of each.
//!
//! The engine's own revert never reads as a repair: the backend stops the
//! watch before its first revert call ([`Watch::stop`]). Nor does a probe:
//! a probe that gets through a partial fault (30 % packet loss lets most
//! through) says nothing about the fault, so a container's repairs are
//! the ones above only (`Timing::probe_repairs` is false for it).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bollard::Docker;

use super::events::{EventFeed, Heard};
use super::spec::{COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL, LABEL_ENGINE};
use super::swarm_task::SwarmSlot;
use super::{ContainerRef, DockerMode, ProjectScope, Selector};
use crate::backend::EndedElsewhere;
use crate::outcome::EndedBy;

/// What the fault did, as far as its repair is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchKind {
    /// Killed or stopped: a start is a repair.
    Down,
    /// Paused: an unpause is a repair.
    Paused,
    /// Network rules in its namespace: a restart of the subject, or the
    /// helper's end, is a repair.
    Network,
}

impl WatchKind {
    /// The kind of a fault of mode `mode`.
    pub fn of_mode(mode: DockerMode) -> WatchKind {
        match mode {
            DockerMode::Kill | DockerMode::Stop => WatchKind::Down,
            DockerMode::Pause => WatchKind::Paused,
            DockerMode::Network | DockerMode::Partition => WatchKind::Network,
            // A Swarm-only fault takes its node's or service's tasks down
            // (no container watch runs for it: see `super::swarm_ops`).
            DockerMode::Drain | DockerMode::Scale => WatchKind::Down,
        }
    }
}

/// What one fault's watch looks at.
#[derive(Debug, Clone)]
pub struct Watched {
    /// What the fault did.
    pub kind: WatchKind,
    /// The containers it hit.
    pub hit: Vec<ContainerRef>,
    /// The network helpers' container ids (network, partition).
    pub helpers: Vec<String>,
    /// The target's selector (a new container it matches replaces a
    /// destroyed one).
    pub selector: Selector,
    /// Each hit container's `RestartCount` before the fault.
    pub restart_counts: HashMap<String, i64>,
    /// The Swarm slot of each hit container that is a Swarm task, by
    /// container id (empty when none is).
    pub slots: HashMap<String, SwarmSlot>,
    /// When the helpers end the fault by themselves (Unix seconds): their
    /// exit from then on is the dead-man's switch, not a repair.
    pub expires_at: f64,
}

/// A container event, as the watch reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenEvent {
    /// `start`, `die`, `unpause`, `destroy`...
    pub action: String,
    /// The container's id.
    pub id: String,
    /// Its name and labels (the Engine's `Actor.Attributes`).
    pub attributes: HashMap<String, String>,
    /// Unix seconds.
    pub time: i64,
}

impl SeenEvent {
    /// The event `message` is, if it is about a container.
    pub fn from_message(message: &bollard::models::EventMessage) -> Option<SeenEvent> {
        let actor = message.actor.as_ref()?;
        Some(SeenEvent {
            action: message.action.clone()?,
            id: actor.id.clone()?,
            attributes: actor.attributes.clone().unwrap_or_default(),
            time: message.time.unwrap_or(0),
        })
    }
}

/// What the watch does next with an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Nothing to tell.
    Nothing,
    /// The fault is over: repaired.
    Ended(EndedElsewhere),
    /// A hit container started: look at its `RestartCount` and tell
    /// [`Judge::after_start`].
    AskRestartCount(String),
}

/// Turns a fault's events into a verdict.
#[derive(Debug, Clone)]
pub struct Judge {
    watched: Watched,
    destroyed: HashSet<String>,
    /// New matching containers started before any hit one was destroyed.
    newcomers: Vec<String>,
}

impl Judge {
    /// A judge of `watched`.
    pub fn new(watched: Watched) -> Judge {
        Judge {
            watched,
            destroyed: HashSet::new(),
            newcomers: Vec::new(),
        }
    }

    /// What the containers a fault hit, and its helpers.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.watched
            .hit
            .iter()
            .map(|c| c.id.as_str())
            .chain(self.watched.helpers.iter().map(String::as_str))
    }

    fn hit(&self, id: &str) -> Option<&ContainerRef> {
        self.watched.hit.iter().find(|c| c.id == id)
    }

    /// What `event` means for the fault.
    pub fn on_event(&mut self, event: &SeenEvent) -> Step {
        let action = event.action.as_str();
        if let Some(container) = self.hit(&event.id).cloned() {
            return self.on_hit_event(&container, action);
        }
        if self.watched.helpers.contains(&event.id) {
            return self.on_helper_event(event);
        }
        let name = || {
            event
                .attributes
                .get("name")
                .cloned()
                .unwrap_or_else(|| event.id.clone())
        };
        if action == "start" && !event.attributes.contains_key(LABEL_ENGINE) {
            if let Some((hit, slot)) = self.replaced_slot(&event.attributes) {
                return Step::Ended(swarm_repair(&hit, slot, &name()));
            }
        }
        if action == "start" && self.is_replacement(event) {
            let name = name();
            if self.destroyed.is_empty() {
                self.newcomers.push(name);
                return Step::Nothing;
            }
            return Step::Ended(recreate(&name));
        }
        Step::Nothing
    }

    fn on_hit_event(&mut self, container: &ContainerRef, action: &str) -> Step {
        if action == "destroy" {
            self.destroyed.insert(container.id.clone());
            return match self.newcomers.first() {
                Some(name) => Step::Ended(recreate(name)),
                None => Step::Nothing,
            };
        }
        match (self.watched.kind, action) {
            (WatchKind::Down | WatchKind::Network, "start") => {
                Step::AskRestartCount(container.id.clone())
            }
            (_, "restart") => Step::Ended(repair(
                "docker restart",
                format!("{container} restarted by a docker restart"),
            )),
            (WatchKind::Paused, "unpause") => Step::Ended(repair(
                "docker unpause",
                format!("{container} unpaused by someone else (docker unpause)"),
            )),
            _ => Step::Nothing,
        }
    }

    fn on_helper_event(&self, event: &SeenEvent) -> Step {
        // From its deadline on, the helper ends the fault by itself.
        if event.time as f64 >= self.watched.expires_at - 1.0 {
            return Step::Nothing;
        }
        let subject = self
            .watched
            .hit
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        let exit_code = event.attributes.get("exitCode").map(String::as_str);
        match event.action.as_str() {
            "die" if exit_code == Some(EXIT_REMOVED_TEXT) => Step::Ended(repair(
                "rules removed",
                format!(
                    "the fault's rules were removed from the network namespace of {subject} by \
                     someone else; its network helper removed what was left"
                ),
            )),
            "die" => Step::Ended(repair(
                "network helper removed",
                format!("the network helper of {subject} was stopped by someone else: its rules are gone"),
            )),
            "destroy" => Step::Ended(repair(
                "network helper removed",
                format!("the network helper of {subject} was removed by someone else: its rules are gone"),
            )),
            _ => Step::Nothing,
        }
    }

    /// The verdict on a start of the hit container `id`, whose
    /// `RestartCount` is now `count` (`None`: could not be read).
    pub fn after_start(&self, id: &str, count: Option<i64>) -> EndedElsewhere {
        let name = self
            .hit(id)
            .map(ToString::to_string)
            .unwrap_or_else(|| id.to_owned());
        let before = self.watched.restart_counts.get(id).copied().unwrap_or(0);
        let by_policy = count.is_some_and(|now| now > before);
        let (by, started) = if by_policy {
            (
                "restart policy",
                format!(
                    "{name} started again by its restart policy (restart count {before} -> {})",
                    count.unwrap_or(before)
                ),
            )
        } else {
            (
                "docker start",
                format!("{name} started again by a docker start"),
            )
        };
        let mut repaired = match self.watched.kind {
            WatchKind::Network => repair(
                by,
                format!("{started}: its network namespace is new, the fault's rules are gone"),
            ),
            WatchKind::Down | WatchKind::Paused => repair(by, started.clone()),
        };
        // A killed or stopped container was down until this start.
        if self.watched.kind == WatchKind::Down {
            repaired.went_down = Some(format!(
                "{name} was down until it {}",
                started.replacen(&name, "", 1).trim_start()
            ));
        }
        repaired
    }

    /// The hit container whose Swarm slot a container with `attributes`
    /// fills with a new task, and that slot.
    fn replaced_slot(
        &self,
        attributes: &HashMap<String, String>,
    ) -> Option<(ContainerRef, &SwarmSlot)> {
        self.watched.hit.iter().find_map(|hit| {
            let slot = self.watched.slots.get(&hit.id)?;
            slot.replaced_by(attributes).then(|| (hit.clone(), slot))
        })
    }

    /// True when `event`'s container is a new one the selector matches
    /// (never one of the engine's own helpers).
    fn is_replacement(&self, event: &SeenEvent) -> bool {
        let attributes = &event.attributes;
        if attributes.contains_key(LABEL_ENGINE) {
            return false;
        }
        let has = |key: &str, value: &str| attributes.get(key).map(String::as_str) == Some(value);
        match &self.watched.selector {
            // The backend hands over the selector resolved (never
            // `ProjectScope::Own`); unresolved, it counts as any project.
            Selector::Service { service, project } => {
                has(COMPOSE_SERVICE_LABEL, service)
                    && match project {
                        ProjectScope::Named(p) => has(COMPOSE_PROJECT_LABEL, p),
                        ProjectScope::Own | ProjectScope::Any => true,
                    }
            }
            Selector::Labels(labels) => labels.iter().all(|(k, v)| has(k, v)),
            Selector::Container(name) => has("name", name.trim_start_matches('/')),
            // Handed over resolved (`Selector::Labels` on the service's
            // name label); unresolved, no service is known to match.
            Selector::SwarmServiceLabels(_) => false,
        }
    }
}

/// [`EXIT_REMOVED`](super::netfault::EXIT_REMOVED) as the events stream
/// writes it (`exitCode` of a `die` event).
const EXIT_REMOVED_TEXT: &str = "6";

fn repair(by: &str, how: String) -> EndedElsewhere {
    EndedElsewhere {
        ended_by: EndedBy::Repair,
        repaired_by: Some(by.to_owned()),
        how,
        went_down: None,
    }
}

/// Swarm started `new_name`, a new task, in `slot`, the slot of the hit
/// container `hit`. Whatever the fault, Swarm replaces a task only once
/// its container is down: the failure manifested.
fn swarm_repair(hit: &ContainerRef, slot: &SwarmSlot, new_name: &str) -> EndedElsewhere {
    let mut repaired = repair(
        "swarm",
        format!(
            "{hit} was replaced by Swarm: {new_name} started in slot {} of {}",
            slot.slot, slot.service
        ),
    );
    repaired.went_down = Some(format!(
        "{hit} was down until Swarm started {new_name} in its slot"
    ));
    repaired
}

fn recreate(new_name: &str) -> EndedElsewhere {
    repair(
        "recreate",
        format!("the container was destroyed and {new_name} started in its place (recreated)"),
    )
}

/// The tasks of a running watch and the verdict they share: the first
/// task to find one records it, the synchronous `observe()` reads it, and
/// stopping (or dropping) the watch ends the tasks. [`Watch`] and the
/// Swarm cluster watch are each one.
#[derive(Debug)]
pub struct WatchTasks<V> {
    verdict: Arc<Mutex<Option<V>>>,
    stopped: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl<V: Clone + Send + 'static> WatchTasks<V> {
    /// No task yet, no verdict.
    pub fn new() -> Self {
        WatchTasks {
            verdict: Arc::new(Mutex::new(None)),
            stopped: Arc::new(AtomicBool::new(false)),
            tasks: Vec::new(),
        }
    }

    /// Spawns on the current tokio runtime the task `task` makes of the
    /// shared verdict and the flag set when the watch is stopped.
    pub fn spawn<F>(&mut self, task: impl FnOnce(Arc<Mutex<Option<V>>>, Arc<AtomicBool>) -> F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let task = task(Arc::clone(&self.verdict), Arc::clone(&self.stopped));
        self.tasks.push(tokio::spawn(task));
    }

    /// The repair seen so far, if any (always `None` once stopped).
    pub fn verdict(&self) -> Option<V> {
        if self.stopped.load(Ordering::SeqCst) {
            return None;
        }
        self.verdict
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops watching: what happens from now on is the engine's own doing.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.tasks.iter().for_each(tokio::task::JoinHandle::abort);
    }
}

impl<V: Clone + Send + 'static> Default for WatchTasks<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V> Drop for WatchTasks<V> {
    fn drop(&mut self) {
        self.tasks.iter().for_each(tokio::task::JoinHandle::abort);
    }
}

/// A running watch: tasks reading the events streams (and the manager's
/// task list) until one finds a verdict or the watch is stopped.
#[derive(Debug)]
pub struct Watch {
    tasks: WatchTasks<EndedElsewhere>,
    /// The Engine time (Unix nanoseconds) of the latest event the watch
    /// has judged, on any of its Engines (0: none yet).
    read_until: Arc<AtomicI64>,
}

/// How often the manager's task list is read for a task Swarm started
/// in a hit one's slot.
pub const SLOT_POLL: Duration = Duration::from_secs(1);

impl Watch {
    /// Watches `watched` on the events of each of `engines` from Unix
    /// time `since` (the moment the fault was applied, so events during
    /// the apply are seen too) and, given a Swarm `manager`, on its task
    /// list. Runs on the current tokio runtime.
    pub fn start(
        engines: Vec<Docker>,
        manager: Option<Docker>,
        watched: Watched,
        since: f64,
    ) -> Watch {
        let judge = Judge::new(watched);
        let mut tasks = WatchTasks::new();
        let read_until = Arc::new(AtomicI64::new(0));
        for docker in engines {
            let judge = judge.clone();
            let read = Arc::clone(&read_until);
            tasks.spawn(|verdict, stopped| run(docker, judge, since, verdict, stopped, read));
        }
        if let Some(manager) = manager.filter(|_| !judge.watched.slots.is_empty()) {
            tasks.spawn(|verdict, stopped| poll_slots(manager, judge, verdict, stopped));
        }
        Watch { tasks, read_until }
    }

    /// The Engine time (Unix nanoseconds) of the latest event judged so
    /// far (0: none; with several Engines, the latest on any of them): on
    /// one Engine, every event it sent before has been judged too. A test
    /// makes an event of its own after an action and waits for this to
    /// pass it, to know the watch has seen the action.
    pub fn read_until(&self) -> i64 {
        self.read_until.load(Ordering::SeqCst)
    }

    /// The repair seen so far, if any (always `None` once stopped).
    pub fn verdict(&self) -> Option<EndedElsewhere> {
        self.tasks.verdict()
    }

    /// Stops watching: what happens from now on is the engine's own doing.
    pub fn stop(&self) {
        self.tasks.stop();
    }
}

/// Records `ended` as the verdict unless another task found one first.
fn conclude(verdict: &Mutex<Option<EndedElsewhere>>, ended: EndedElsewhere) {
    verdict
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get_or_insert(ended);
}

/// Reads `manager`'s task list every [`SLOT_POLL`] until a new running
/// task fills the slot of a hit task container (wherever Swarm started
/// it), or the watch is stopped. A list that fails is read again next
/// time.
async fn poll_slots(
    manager: Docker,
    judge: Judge,
    verdict: Arc<Mutex<Option<EndedElsewhere>>>,
    stopped: Arc<AtomicBool>,
) {
    loop {
        tokio::time::sleep(SLOT_POLL).await;
        if stopped.load(Ordering::SeqCst) {
            return;
        }
        for hit in &judge.watched.hit {
            let Some(slot) = judge.watched.slots.get(&hit.id) else {
                continue;
            };
            let Ok(tasks) = super::swarm_ops::running_tasks(&manager, &slot.service).await else {
                continue;
            };
            if let Some(task) = tasks.iter().find(|task| slot.filled_by(task)) {
                let name = format!("{}.{}.{}", slot.service, slot.slot, task.id);
                tracing::debug!(task = %name, "the manager's task list shows a replacement");
                conclude(&verdict, swarm_repair(hit, slot, &name));
                return;
            }
        }
    }
}

async fn run(
    docker: Docker,
    mut judge: Judge,
    since: f64,
    verdict: Arc<Mutex<Option<EndedElsewhere>>>,
    stopped: Arc<AtomicBool>,
    read_until: Arc<AtomicI64>,
) {
    let mut feed = EventFeed::new(&docker, "container", since, &stopped);
    while let Some(heard) = feed.next(None).await {
        let Heard::Event(message) = heard else {
            continue;
        };
        let Some(event) = SeenEvent::from_message(&message) else {
            continue;
        };
        feed.seen(event.time as f64);
        let ended = match judge.on_event(&event) {
            Step::Nothing => None,
            Step::Ended(ended) => Some(ended),
            Step::AskRestartCount(id) => {
                let container = ContainerRef {
                    id: id.clone(),
                    name: id.clone(),
                };
                let count = super::container_ops::inspect(&docker, &container)
                    .await
                    .ok()
                    .flatten()
                    .map(|state| state.restart_count);
                Some(judge.after_start(&id, count))
            }
        };
        if let Some(ended) = ended {
            tracing::debug!(how = %ended.how, "the events stream shows a repair");
            conclude(&verdict, ended);
            return;
        }
        if let Some(time) = message.time_nano {
            read_until.fetch_max(time, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::swarm_task::{SERVICE_NAME_LABEL, TASK_ID_LABEL, TASK_NAME_LABEL};
    use super::*;

    fn container(n: u8) -> ContainerRef {
        ContainerRef {
            id: format!("{n:064}"),
            name: format!("cache-{n}"),
        }
    }

    fn watched(kind: WatchKind) -> Watched {
        Watched {
            kind,
            hit: vec![container(1)],
            helpers: Vec::new(),
            selector: Selector::Service {
                service: "cache".into(),
                project: ProjectScope::Named("demo".into()),
            },
            restart_counts: HashMap::from([(container(1).id, 2)]),
            slots: HashMap::new(),
            expires_at: 1_000.0,
        }
    }

    fn event(action: &str, id: &str, time: i64) -> SeenEvent {
        SeenEvent {
            action: action.into(),
            id: id.into(),
            attributes: HashMap::from([("name".to_owned(), "x".to_owned())]),
            time,
        }
    }

    fn labelled(action: &str, id: &str, service: &str) -> SeenEvent {
        let mut seen = event(action, id, 10);
        seen.attributes
            .insert(COMPOSE_SERVICE_LABEL.into(), service.into());
        seen.attributes
            .insert(COMPOSE_PROJECT_LABEL.into(), "demo".into());
        seen.attributes
            .insert("name".into(), format!("{service}-new"));
        seen
    }

    fn run_all(judge: &mut Judge, events: &[SeenEvent]) -> Step {
        for seen in events {
            let step = judge.on_event(seen);
            if step != Step::Nothing {
                return step;
            }
        }
        Step::Nothing
    }

    #[test]
    fn our_own_kill_is_no_repair_and_a_start_asks_who_did_it() {
        let id = container(1).id;
        let mut judge = Judge::new(watched(WatchKind::Down));
        // The kill itself, as the stream replays it from the apply time.
        let ours = [event("kill", &id, 1), event("die", &id, 1)];
        assert_eq!(run_all(&mut judge, &ours), Step::Nothing);
        assert_eq!(
            judge.on_event(&event("start", &id, 2)),
            Step::AskRestartCount(id.clone())
        );
        let by_policy = judge.after_start(&id, Some(3));
        assert_eq!(by_policy.ended_by, EndedBy::Repair);
        assert_eq!(by_policy.repaired_by.as_deref(), Some("restart policy"));
        assert!(
            by_policy.how.contains("restart count 2 -> 3"),
            "{}",
            by_policy.how
        );
        let by_hand = judge.after_start(&id, Some(2));
        assert_eq!(by_hand.repaired_by.as_deref(), Some("docker start"));
        assert_eq!(
            judge.after_start(&id, None).repaired_by.as_deref(),
            Some("docker start")
        );
    }

    #[test]
    fn a_pause_is_repaired_by_an_unpause_only() {
        let id = container(1).id;
        let mut judge = Judge::new(watched(WatchKind::Paused));
        assert_eq!(judge.on_event(&event("pause", &id, 1)), Step::Nothing);
        let Step::Ended(ended) = judge.on_event(&event("unpause", &id, 2)) else {
            panic!("an unpause is a repair");
        };
        assert_eq!(ended.repaired_by.as_deref(), Some("docker unpause"));
    }

    #[test]
    fn events_of_other_containers_are_ignored() {
        let mut judge = Judge::new(watched(WatchKind::Paused));
        let other = container(2).id;
        assert_eq!(judge.on_event(&event("unpause", &other, 2)), Step::Nothing);
        assert_eq!(
            judge.on_event(&labelled("start", &other, "db")),
            Step::Nothing
        );
    }

    #[test]
    fn destroyed_then_a_new_matching_container_is_a_recreate() {
        let id = container(1).id;
        let new = container(9).id;
        for order in [["destroy", "start"], ["start", "destroy"]] {
            let mut judge = Judge::new(watched(WatchKind::Down));
            let events: Vec<SeenEvent> = order
                .iter()
                .map(|action| match *action {
                    "destroy" => event("destroy", &id, 3),
                    _ => labelled("start", &new, "cache"),
                })
                .collect();
            let Step::Ended(ended) = run_all(&mut judge, &events) else {
                panic!("{order:?} is a recreate");
            };
            assert_eq!(ended.repaired_by.as_deref(), Some("recreate"));
            assert!(ended.how.contains("cache-new"), "{}", ended.how);
        }
        // A destroy alone is no repair; nor is a helper of ours starting.
        let mut judge = Judge::new(watched(WatchKind::Down));
        assert_eq!(judge.on_event(&event("destroy", &id, 3)), Step::Nothing);
        let mut helper = labelled("start", &new, "cache");
        helper
            .attributes
            .insert(LABEL_ENGINE.into(), "chaos-engine".into());
        assert_eq!(judge.on_event(&helper), Step::Nothing);
    }

    #[test]
    fn a_network_fault_ends_with_a_restart_or_the_helpers_end_before_its_deadline() {
        let id = container(1).id;
        let helper = container(7).id;
        let mut with_helper = watched(WatchKind::Network);
        with_helper.helpers = vec![helper.clone()];
        let mut judge = Judge::new(with_helper.clone());
        assert_eq!(
            judge.on_event(&event("start", &id, 5)),
            Step::AskRestartCount(id.clone())
        );
        assert!(judge
            .after_start(&id, Some(2))
            .how
            .contains("rules are gone"));
        let mut judge = Judge::new(with_helper.clone());
        assert_eq!(judge.on_event(&event("start", &helper, 5)), Step::Nothing);
        let Step::Ended(ended) = judge.on_event(&event("destroy", &helper, 5)) else {
            panic!("a removed helper is a repair");
        };
        assert_eq!(ended.repaired_by.as_deref(), Some("network helper removed"));
        // The dead-man's switch at the deadline is not a repair.
        let mut judge = Judge::new(with_helper.clone());
        assert_eq!(judge.on_event(&event("die", &helper, 1_000)), Step::Nothing);
        // The helper saw its rules removed by someone else.
        let mut removed = event("die", &helper, 5);
        removed.attributes.insert(
            "exitCode".into(),
            super::super::netfault::EXIT_REMOVED.to_string(),
        );
        let mut judge = Judge::new(with_helper.clone());
        let Step::Ended(ended) = judge.on_event(&removed) else {
            panic!("rules removed by hand are a repair");
        };
        assert_eq!(ended.repaired_by.as_deref(), Some("rules removed"));
        assert!(ended.how.contains("cache-1"), "{}", ended.how);
        // Any other exit: the helper was stopped by someone.
        removed.attributes.insert("exitCode".into(), "137".into());
        let mut judge = Judge::new(with_helper);
        let Step::Ended(ended) = judge.on_event(&removed) else {
            panic!("a stopped helper is a repair");
        };
        assert_eq!(ended.repaired_by.as_deref(), Some("network helper removed"));
    }

    /// A task container of service `svc` in slot `slot`, running task
    /// `task`, as its events' attributes name it.
    fn task_event(action: &str, id: &str, slot: &str, task: &str) -> SeenEvent {
        let mut seen = event(action, id, 10);
        seen.attributes = HashMap::from([
            ("name".to_owned(), format!("svc.{slot}.{task}")),
            (SERVICE_NAME_LABEL.to_owned(), "svc".to_owned()),
            (TASK_ID_LABEL.to_owned(), task.to_owned()),
            (TASK_NAME_LABEL.to_owned(), format!("svc.{slot}.{task}")),
        ]);
        seen
    }

    /// A kill of the task container in slot 1 of `svc` (task `old`).
    fn swarm_watched() -> Watched {
        let hit = ContainerRef {
            id: container(1).id,
            name: "svc.1.old".into(),
        };
        let slot = SwarmSlot::from_labels(&task_event("start", &hit.id, "1", "old").attributes)
            .expect("a task's labels");
        Watched {
            kind: WatchKind::Down,
            hit: vec![hit.clone()],
            helpers: Vec::new(),
            selector: Selector::Labels(std::collections::BTreeMap::from([(
                SERVICE_NAME_LABEL.to_owned(),
                "svc".to_owned(),
            )])),
            restart_counts: HashMap::from([(hit.id.clone(), 0)]),
            slots: HashMap::from([(hit.id, slot)]),
            expires_at: 1_000.0,
        }
    }

    #[test]
    fn a_new_task_in_the_killed_tasks_slot_is_a_repair_by_swarm() {
        let id = container(1).id;
        let new = container(9).id;
        let mut judge = Judge::new(swarm_watched());
        let mut helper = event("start", &container(7).id, 1);
        helper
            .attributes
            .insert(LABEL_ENGINE.into(), "chaos-engine".into());
        let events = [
            helper,
            task_event("kill", &id, "1", "old"),
            task_event("die", &id, "1", "old"),
            task_event("create", &new, "1", "new"),
            task_event("start", &new, "1", "new"),
        ];
        let Step::Ended(ended) = run_all(&mut judge, &events) else {
            panic!("a new task in the slot is Swarm's repair");
        };
        assert_eq!(ended.ended_by, EndedBy::Repair);
        assert_eq!(ended.repaired_by.as_deref(), Some("swarm"));
        assert_eq!(
            ended.how,
            format!(
                "svc.1.old ({}) was replaced by Swarm: svc.1.new started in slot 1 of svc",
                &id[..12]
            )
        );
        assert_eq!(
            ended.went_down,
            Some(format!(
                "svc.1.old ({}) was down until Swarm started svc.1.new in its slot",
                &id[..12]
            ))
        );
    }

    #[test]
    fn a_task_of_another_slot_or_our_helper_is_no_repair() {
        let id = container(1).id;
        let mut judge = Judge::new(swarm_watched());
        let other_slot = [
            task_event("die", &id, "1", "old"),
            task_event("start", &container(9).id, "2", "x"),
        ];
        assert_eq!(run_all(&mut judge, &other_slot), Step::Nothing);
        // A helper of ours carrying the task's labels (it never does; the
        // engine's label wins anyway).
        let mut ours = task_event("start", &container(8).id, "1", "new");
        ours.attributes
            .insert(LABEL_ENGINE.into(), "chaos-engine".into());
        assert_eq!(judge.on_event(&ours), Step::Nothing);
    }

    #[test]
    fn the_same_task_started_again_by_hand_asks_who_did_it() {
        let id = container(1).id;
        let mut judge = Judge::new(swarm_watched());
        let events = [
            task_event("die", &id, "1", "old"),
            task_event("start", &id, "1", "old"),
        ];
        assert_eq!(
            run_all(&mut judge, &events),
            Step::AskRestartCount(id.clone())
        );
        assert_eq!(
            judge.after_start(&id, Some(0)).repaired_by.as_deref(),
            Some("docker start")
        );
    }
}
