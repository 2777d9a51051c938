//! The RecoveryActor: the one place that knows every active failure across
//! targets and when each must end. When a failure's recovery period is
//! over it sends [`Recover`] to the TargetActor that owns the state file; it
//! never writes a file itself.

use std::collections::HashMap;
use std::time::Duration;

use actix::{Actor, AsyncContext, Context, Handler, Message, Recipient, SpawnHandle};
use tracing::debug;

use super::target::Recover;

/// One failure that is active now.
#[derive(Debug)]
struct ActiveFailure {
    target: String,
    timer: SpawnHandle,
}

/// Tracks active failures and their deadlines.
#[derive(Debug, Default)]
pub struct RecoveryActor {
    active: HashMap<String, ActiveFailure>,
}

impl Actor for RecoveryActor {
    type Context = Context<Self>;
}

/// A TargetActor wrote a failure; clear it after `recovery`.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Injected {
    /// The injection's id.
    pub id: String,
    /// The target's name.
    pub target: String,
    /// How long the failure lasts.
    pub recovery: Duration,
    /// Who to tell when it is over.
    pub owner: Recipient<Recover>,
}

/// A failure ended before its deadline (e.g. at shutdown): forget it.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct FailureEnded {
    /// The injection's id.
    pub id: String,
}

/// How many failures are active now, across all targets.
#[derive(Debug, Message)]
#[rtype(result = "usize")]
pub struct ActiveFailures;

impl Handler<Injected> for RecoveryActor {
    type Result = ();

    fn handle(&mut self, msg: Injected, ctx: &mut Context<Self>) {
        let id = msg.id.clone();
        let owner = msg.owner;
        let timer = ctx.run_later(msg.recovery, move |actor, _ctx| {
            actor.active.remove(&id);
            owner.do_send(Recover { id });
        });
        debug!(target = %msg.target, id = %msg.id, active = self.active.len() + 1, "failure tracked");
        if let Some(previous) = self.active.insert(
            msg.id,
            ActiveFailure {
                target: msg.target,
                timer,
            },
        ) {
            ctx.cancel_future(previous.timer);
        }
    }
}

impl Handler<FailureEnded> for RecoveryActor {
    type Result = ();

    fn handle(&mut self, msg: FailureEnded, ctx: &mut Context<Self>) {
        if let Some(failure) = self.active.remove(&msg.id) {
            ctx.cancel_future(failure.timer);
            debug!(target = %failure.target, id = %msg.id, "failure ended early");
        }
    }
}

impl Handler<ActiveFailures> for RecoveryActor {
    type Result = usize;

    fn handle(&mut self, _msg: ActiveFailures, _ctx: &mut Context<Self>) -> usize {
        self.active.len()
    }
}
