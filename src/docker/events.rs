//! The Engine's events stream as the repair watches read it
//! ([`super::watch`] and the Swarm cluster watch): subscribed from a Unix
//! time, and subscribed again after [`RESUBSCRIBE_AFTER`] from the latest
//! time the reader has seen when the stream breaks (the Engine
//! restarted), until the watch is stopped.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bollard::errors::Error as EngineError;
use bollard::models::EventMessage;
use bollard::query_parameters::EventsOptions;
use bollard::Docker;
use futures_util::{Stream, StreamExt};

/// How long a watch waits before it subscribes again when the stream
/// broke (the Engine restarted).
pub const RESUBSCRIBE_AFTER: Duration = Duration::from_secs(1);

/// What [`EventFeed::next`] heard.
#[derive(Debug)]
pub enum Heard {
    /// An event.
    Event(EventMessage),
    /// No event for the quiet time given.
    Quiet,
}

type Events = Pin<Box<dyn Stream<Item = Result<EventMessage, EngineError>> + Send>>;

/// One Engine's events of one type (`container`, `node`, `service`),
/// followed across broken streams.
pub struct EventFeed<'a> {
    docker: &'a Docker,
    typ: &'a str,
    since: f64,
    stopped: &'a AtomicBool,
    events: Option<Events>,
}

impl<'a> EventFeed<'a> {
    /// The events of the type `typ` on `docker` from Unix time `since`,
    /// read until `stopped` is set.
    pub fn new(docker: &'a Docker, typ: &'a str, since: f64, stopped: &'a AtomicBool) -> Self {
        EventFeed {
            docker,
            typ,
            since,
            stopped,
            events: None,
        }
    }

    /// Notes the Unix time `time` as seen: a new subscription starts from
    /// the latest one noted.
    pub fn seen(&mut self, time: f64) {
        self.since = self.since.max(time);
    }

    /// The next event; [`Heard::Quiet`] when `quiet` is given and passes
    /// without one. A stream that broke is subscribed again after
    /// [`RESUBSCRIBE_AFTER`]; `None` when the watch is found stopped
    /// before a subscription.
    pub async fn next(&mut self, quiet: Option<Duration>) -> Option<Heard> {
        loop {
            let events = match &mut self.events {
                Some(events) => events,
                None => {
                    if self.stopped.load(Ordering::SeqCst) {
                        return None;
                    }
                    let options = EventsOptions {
                        since: Some(format!("{:.6}", self.since)),
                        until: None,
                        filters: Some(HashMap::from([(
                            "type".to_owned(),
                            vec![self.typ.to_owned()],
                        )])),
                    };
                    self.events
                        .insert(Box::pin(self.docker.events(Some(options))))
                }
            };
            let item = match quiet {
                Some(quiet) => match tokio::time::timeout(quiet, events.next()).await {
                    Ok(item) => item,
                    Err(_) => return Some(Heard::Quiet),
                },
                None => events.next().await,
            };
            match item {
                Some(Ok(message)) => return Some(Heard::Event(message)),
                Some(Err(_)) | None => {
                    self.events = None;
                    tokio::time::sleep(RESUBSCRIBE_AFTER).await;
                }
            }
        }
    }
}
