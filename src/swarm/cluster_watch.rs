//! Repair detection for a `drain` or `scale` in effect: someone else set
//! the field back (`docker node update --availability active`, `docker
//! service scale`) while the fault holds it. The Engine's events stream,
//! read from the moment the change was made, is turned into a verdict that
//! the synchronous `observe()` reads ([`ClusterWatch::verdict`]).
//!
//! An `update` event of the drained node whose `availability.new`, or of
//! the scaled service whose `replicas.new`, is not what the fault applied
//! is a suspect ([`ClusterWatched::suspect`], pure, so it is tested on
//! recorded event attributes); it is a repair only once an inspect shows
//! the field really holds another value ([`ClusterWatched::confirmed`]).
//! Events may be missed (or not emitted by some Engines): when the stream
//! is quiet for [`LOOK_EVERY`], the field is inspected anyway.
//!
//! The engine's own undo never reads as a repair: the backend stops the
//! watch before it sets the field back ([`ClusterWatch::stop`]).

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bollard::Docker;

use crate::backend::EndedElsewhere;
use crate::docker::events::{EventFeed, Heard};
use crate::docker::watch::WatchTasks;
use crate::docker::{swarm_ops, ContainerRef, DockerMode};
use crate::outcome::EndedBy;

/// What one drain's or scale's watch looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterWatched {
    /// `drain` or `scale`.
    pub mode: DockerMode,
    /// The node drained, or the service scaled.
    pub unit: ContainerRef,
    /// What the fault set the field to (`drain`, `0`).
    pub applied: String,
}

/// A repair seen: what the field holds now, and the ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    /// The field's value now (`active`, `2`).
    pub now: String,
    /// The ending to report.
    pub ended: EndedElsewhere,
}

impl ClusterWatched {
    /// The events' `type` of the unit: `node` or `service`.
    fn event_type(&self) -> &'static str {
        match self.mode {
            DockerMode::Drain => "node",
            _ => "service",
        }
    }

    /// The field, as the Engine's `update` events and [`swarm_ops`] name
    /// it.
    fn field(&self) -> &'static str {
        match self.mode {
            DockerMode::Drain => swarm_ops::AVAILABILITY,
            _ => swarm_ops::REPLICAS,
        }
    }

    /// The new value an event of type `event_type`, action `action`, on
    /// the object `id` with `attributes` (the Engine's `Actor.Attributes`)
    /// says the field got, when it is not what the fault applied; `None`
    /// for any other event (another object, another field, the fault's
    /// own update).
    pub fn suspect(
        &self,
        event_type: &str,
        action: &str,
        id: &str,
        attributes: &HashMap<String, String>,
    ) -> Option<String> {
        if event_type != self.event_type() || action != "update" || id != self.unit.id {
            return None;
        }
        let new = attributes.get(&format!("{}.new", self.field()))?;
        (*new != self.applied).then(|| new.clone())
    }

    /// The repair, when the field inspected holds `now`, not what the
    /// fault applied.
    pub fn confirmed(&self, now: &str) -> Option<Repaired> {
        if now == self.applied {
            return None;
        }
        let unit = &self.unit;
        let (by, how) = match self.mode {
            DockerMode::Drain => (
                "docker node update",
                format!(
                    "node {unit} set to availability {now} by someone else (docker node \
                     update): no longer drained"
                ),
            ),
            _ => (
                "docker service scale",
                format!(
                    "service {unit} scaled to {now} replicas by someone else (docker service \
                     scale): no longer at {}",
                    self.applied
                ),
            ),
        };
        Some(Repaired {
            now: now.to_owned(),
            ended: EndedElsewhere {
                ended_by: EndedBy::Repair,
                repaired_by: Some(by.to_owned()),
                how,
                went_down: None,
            },
        })
    }
}

/// How long a quiet events stream goes before the field is inspected
/// anyway (an event missed).
pub const LOOK_EVERY: Duration = Duration::from_secs(10);

/// A running watch: a task reading the events stream until it finds a
/// repair or is stopped.
#[derive(Debug)]
pub struct ClusterWatch {
    task: WatchTasks<Repaired>,
}

impl ClusterWatch {
    /// Watches `watched` on `docker` from Unix time `since` (the moment
    /// the change was made). Runs on the current tokio runtime.
    pub fn start(docker: Docker, watched: ClusterWatched, since: f64) -> ClusterWatch {
        let mut task = WatchTasks::new();
        task.spawn(|verdict, stopped| run(docker, watched, since, verdict, stopped));
        ClusterWatch { task }
    }

    /// The repair seen so far, if any (always `None` once stopped).
    pub fn verdict(&self) -> Option<Repaired> {
        self.task.verdict()
    }

    /// Stops watching: what happens from now on is the engine's own doing.
    pub fn stop(&self) {
        self.task.stop();
    }
}

/// The repair, if an inspect shows the field holding another value (an
/// object gone, or an Engine that does not answer, is none).
async fn look(docker: &Docker, watched: &ClusterWatched) -> Option<Repaired> {
    let now = swarm_ops::field_now(docker, watched.field(), &watched.unit.id)
        .await
        .ok()
        .flatten()?;
    watched.confirmed(&now)
}

async fn run(
    docker: Docker,
    watched: ClusterWatched,
    since: f64,
    verdict: Arc<Mutex<Option<Repaired>>>,
    stopped: Arc<AtomicBool>,
) {
    let mut feed = EventFeed::new(&docker, watched.event_type(), since, &stopped);
    while let Some(heard) = feed.next(Some(LOOK_EVERY)).await {
        let repaired = match heard {
            // Quiet: look anyway.
            Heard::Quiet => look(&docker, &watched).await,
            Heard::Event(message) => {
                feed.seen(message.time.unwrap_or(0) as f64);
                let actor = message.actor.as_ref();
                let suspect = watched.suspect(
                    &message.typ.map(|t| t.to_string()).unwrap_or_default(),
                    message.action.as_deref().unwrap_or_default(),
                    actor.and_then(|a| a.id.as_deref()).unwrap_or_default(),
                    &actor.and_then(|a| a.attributes.clone()).unwrap_or_default(),
                );
                match suspect {
                    Some(_) => look(&docker, &watched).await,
                    None => None,
                }
            }
        };
        if let Some(repaired) = repaired {
            tracing::debug!(how = %repaired.ended.how, "the Engine shows a drain or scale undone by someone else");
            *verdict.lock().unwrap_or_else(PoisonError::into_inner) = Some(repaired);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watched(mode: DockerMode, applied: &str) -> ClusterWatched {
        ClusterWatched {
            mode,
            unit: ContainerRef {
                id: "qurwz9tdhb0918v0pfessrrr3".into(),
                name: "vm".into(),
            },
            applied: applied.into(),
        }
    }

    fn attributes(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// As Docker 20.10 writes a `docker node update --availability ...`.
    fn node_update(old: &str, new: &str) -> HashMap<String, String> {
        attributes(&[
            ("availability.new", new),
            ("availability.old", old),
            ("name", "vm"),
        ])
    }

    /// As Docker 20.10 writes a `docker service scale svc=N`.
    fn service_update(old: &str, new: &str) -> HashMap<String, String> {
        attributes(&[
            ("name", "chaos-swarm-probe-21961"),
            ("replicas.new", new),
            ("replicas.old", old),
        ])
    }

    const ID: &str = "qurwz9tdhb0918v0pfessrrr3";

    #[test]
    fn a_node_made_active_again_is_a_suspect_and_our_drain_is_not() {
        let drain = watched(DockerMode::Drain, "drain");
        let ours = node_update("active", "drain");
        assert_eq!(drain.suspect("node", "update", ID, &ours), None);
        let undone = node_update("drain", "active");
        assert_eq!(
            drain.suspect("node", "update", ID, &undone).as_deref(),
            Some("active")
        );
        // Another node, another type, another action, another field.
        assert_eq!(drain.suspect("node", "update", "other", &undone), None);
        assert_eq!(drain.suspect("service", "update", ID, &undone), None);
        assert_eq!(drain.suspect("node", "create", ID, &undone), None);
        let labels = attributes(&[("name", "vm")]);
        assert_eq!(drain.suspect("node", "update", ID, &labels), None);
    }

    #[test]
    fn a_service_scaled_by_someone_else_is_a_suspect_and_our_scale_is_not() {
        let scale = watched(DockerMode::Scale, "0");
        assert_eq!(
            scale.suspect("service", "update", ID, &service_update("2", "0")),
            None
        );
        assert_eq!(
            scale
                .suspect("service", "update", ID, &service_update("0", "2"))
                .as_deref(),
            Some("2")
        );
        assert_eq!(
            scale.suspect("node", "update", ID, &service_update("0", "2")),
            None
        );
        // An update of another field (an image, a label) has no replicas.
        let other_field = attributes(&[("name", "chaos-swarm-probe-21961")]);
        assert_eq!(scale.suspect("service", "update", ID, &other_field), None);
    }

    #[test]
    fn only_a_field_inspected_with_another_value_is_a_repair() {
        let drain = watched(DockerMode::Drain, "drain");
        assert_eq!(drain.confirmed("drain"), None);
        let repaired = drain.confirmed("active").expect("active is a repair");
        assert_eq!(repaired.now, "active");
        assert_eq!(repaired.ended.ended_by, EndedBy::Repair);
        assert_eq!(
            repaired.ended.repaired_by.as_deref(),
            Some("docker node update")
        );
        assert_eq!(
            repaired.ended.how,
            "node vm (qurwz9tdhb09) set to availability active by someone else \
             (docker node update): no longer drained"
        );

        let scale = watched(DockerMode::Scale, "0");
        assert_eq!(scale.confirmed("0"), None);
        let repaired = scale.confirmed("2").expect("2 replicas is a repair");
        assert_eq!(
            repaired.ended.repaired_by.as_deref(),
            Some("docker service scale")
        );
        assert!(
            repaired.ended.how.contains("scaled to 2 replicas"),
            "{}",
            repaired.ended.how
        );
    }
}
