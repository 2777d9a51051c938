//! The [`FaultBackend`] trait: how a target's failures take effect.
//!
//! The target's core (`actors::target::core`) decides *when* to apply a
//! failure, clear it or look at it; a backend decides *how*. The actor
//! hands every effect to its backend and feeds the answer back to the core
//! as an event, so a new kind of target is a new backend: the core, the
//! coordination and the telemetry stay as they are.

use std::time::Duration;

use chaos_state::ClearReason;
use futures_util::future::LocalBoxFuture;

use super::{AffectedUnit, BackendError, Observation};
use crate::outcome::InjectedFailure;

/// An effect under way: a future that runs on the actor's thread. A state
/// file's effects are ready at once; a container engine's wait for its
/// API.
pub type Effect<T> = LocalBoxFuture<'static, Result<T, BackendError>>;

/// A failure that took effect.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// How long applying it took.
    pub took: Duration,
    /// The units it was applied to (containers; empty for a state file).
    pub containers: Vec<AffectedUnit>,
}

/// Applies, clears and observes one target's failures.
///
/// The core decides; the actor hands each effect to the backend and feeds
/// the answer back to the core as an event (`injected`, `cleared`,
/// `clear_failed`, `observed`). An effect that is ready at once (a state
/// file's routine write: an atomic replace of a few hundred bytes) is
/// carried on inline; one that must wait (the Docker Engine's API, or a
/// state file's clear at start or shutdown, queued with every other
/// target's) holds the actor's mailbox until it is done (`ctx.wait`), so
/// that no other message of this target sees it half-done, while every
/// other target carries on.
pub trait FaultBackend: Unpin + 'static {
    /// Makes `failure` take effect on `target`.
    fn apply(&mut self, target: &str, failure: &InjectedFailure) -> Effect<Applied>;

    /// Ends whatever failure is in effect: `target` is healthy again for
    /// `reason` (at Unix time `now`); answers how long it took.
    fn clear(&mut self, target: &str, reason: ClearReason, now: f64) -> Effect<Duration>;

    /// Whether the failure `id` is still in effect, or something other
    /// than the engine ended it.
    fn observe(&self, id: &str) -> Observation;

    /// Settles what the backend still holds of the failure `id` of
    /// `target` once something other than the engine ended it
    /// ([`Observation::EndedElsewhere`]); answers what it undid, if
    /// anything. Nothing by default: a state file is left as the other
    /// writer left it. A backend that keeps what it applied (containers)
    /// undoes the rest of it, verified, so that nothing reads it as still
    /// in effect; if that fails it keeps it, and the next clear, injection
    /// or shutdown tries again.
    fn release(&mut self, _target: &str, _id: &str) -> Effect<Option<String>> {
        Box::pin(std::future::ready(Ok(None)))
    }

    /// Whether a probe that sees the target healthy again, before the
    /// failure's deadline, proves the failure repaired. Yes by default: a
    /// state file's failure is all or nothing. A backend whose faults a
    /// healthy answer does not disprove (a partial network fault lets most
    /// requests through; another replica may answer) says no, and only its
    /// own observation ends them.
    fn probe_repairs(&self) -> bool {
        true
    }

    /// How the log says a clear went through, when it ended a failure of
    /// the engine's (`ended_one`) or found none: `Failure state cleared`
    /// either way by default (a state file is written healthy either way;
    /// the contract's words).
    fn cleared_words(&self, _ended_one: bool) -> &'static str {
        "Failure state cleared"
    }
}
