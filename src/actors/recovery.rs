//! The RecoveryActor: the one place that knows every active failure across
//! targets, when each must end, and how many may run at once.
//!
//! - When a failure's recovery period is over it sends [`Recover`] to the
//!   TargetActor that owns the state file; it never writes a file itself.
//!   The failure counts as active until that target reports it ended.
//! - A failure that ends early (repaired, cleared by hand, shutdown) is
//!   reported with [`FailureEnded`] and its deadline is cancelled.
//! - Before a scheduled injection a target asks for a [`Slot`] with
//!   [`RequestSlot`]. With `policy.max_concurrent_failures` set, no slot is
//!   granted while the cap is reached: the answer is a refusal (`skip`) or
//!   comes once a failure ends (`wait`). Waiters are served first come,
//!   first served.
//! - It publishes how many slots are in use (active failures plus granted
//!   slots not yet injected) in an [`InUse`] counter that targets read to
//!   decide on backoff.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Addr, AsyncContext, Context, Handler, Message, Recipient, SpawnHandle};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tracing::debug;

use super::target::Recover;
use crate::policy::{Policy, WhenCapped};

/// How many failures are active or about to be (granted slots), shared
/// read-only with the targets.
pub type InUse = Arc<AtomicUsize>;

/// One failure that is active now.
#[derive(Debug)]
struct ActiveFailure {
    target: String,
    /// Its place in [`RecoveryActor::deadlines`], until the deadline passes.
    deadline: Option<Deadline>,
    /// Who is told to clear it at the deadline.
    owner: Recipient<Recover>,
}

/// When a failure is due, and the order it was registered in (failures due
/// at the same instant are told in that order).
type Deadline = (Instant, u64);

/// A target waiting for a slot.
#[derive(Debug)]
struct Waiter {
    target: String,
    reply: oneshot::Sender<Slot>,
}

/// Tracks active failures, their deadlines and the cap.
#[derive(Debug)]
pub struct RecoveryActor {
    active: HashMap<String, ActiveFailure>,
    /// The deadlines still to come, earliest first, with their failure's id.
    /// One timer, for the earliest, stands for them all: an actix context
    /// polls every timer it holds at each message, so one timer per failure
    /// made each message cost as much as the number of active failures.
    deadlines: BTreeMap<Deadline, String>,
    /// How many deadlines were ever registered (their order).
    registered: u64,
    /// The timer of the earliest deadline, and when it fires.
    timer: Option<(Instant, SpawnHandle)>,
    /// Slots granted and not yet turned into a failure or released.
    reserved: usize,
    waiters: VecDeque<Waiter>,
    policy: Arc<Policy>,
    in_use: InUse,
}

impl RecoveryActor {
    /// A RecoveryActor enforcing `policy`, publishing its count in `in_use`.
    pub fn new(policy: Arc<Policy>, in_use: InUse) -> Self {
        RecoveryActor {
            active: HashMap::new(),
            deadlines: BTreeMap::new(),
            registered: 0,
            timer: None,
            reserved: 0,
            waiters: VecDeque::new(),
            policy,
            in_use,
        }
    }

    fn taken(&self) -> usize {
        self.active.len() + self.reserved
    }

    fn publish(&self) {
        self.in_use.store(self.taken(), Ordering::Relaxed);
    }

    /// Hands free slots to waiting targets, oldest first; a waiter that
    /// gave up in the meantime is passed over.
    fn serve_waiters(&mut self, ctx: &mut Context<Self>) {
        while self.policy.has_room(self.taken()) {
            let Some(waiter) = self.waiters.pop_front() else {
                break;
            };
            self.reserved += 1;
            if let Err(mut slot) = waiter.reply.send(Slot::new(ctx.address())) {
                slot.disarm();
                self.reserved -= 1;
                debug!(target = %waiter.target, "slot waiter gave up");
            }
        }
        self.publish();
    }

    fn forget(&mut self, id: &str, ctx: &mut Context<Self>) -> Option<ActiveFailure> {
        let removed = self.active.remove(id);
        if let Some(failure) = &removed {
            if let Some(deadline) = failure.deadline {
                // Its timer, if it is the earliest, finds nothing due.
                self.deadlines.remove(&deadline);
            }
            self.serve_waiters(ctx);
        }
        removed
    }

    /// Sets the timer for the earliest deadline, unless it is set for it
    /// (or for an earlier one, which re-arms it when it fires).
    fn arm(&mut self, ctx: &mut Context<Self>) {
        let Some(&(earliest, _)) = self.deadlines.keys().next() else {
            return;
        };
        if let Some((at, handle)) = self.timer {
            if at <= earliest {
                return;
            }
            ctx.cancel_future(handle);
        }
        let wait = earliest.saturating_duration_since(Instant::now());
        let handle = ctx.run_later(wait, |actor, ctx| {
            actor.timer = None;
            actor.tell_due(ctx);
        });
        self.timer = Some((earliest, handle));
    }

    /// Tells the owner of every failure whose deadline has come to clear
    /// it, earliest first, then waits for the next deadline. A failure
    /// keeps its slot until its owner reports it ended ([`FailureEnded`]),
    /// so the cap holds even while a clear is being retried.
    fn tell_due(&mut self, ctx: &mut Context<Self>) {
        let now = Instant::now();
        while let Some(entry) = self.deadlines.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let id = entry.remove();
            if let Some(failure) = self.active.get_mut(&id) {
                failure.deadline = None;
                failure.owner.do_send(Recover { id });
            }
        }
        self.arm(ctx);
    }
}

impl Default for RecoveryActor {
    fn default() -> Self {
        RecoveryActor::new(Arc::new(Policy::default()), InUse::default())
    }
}

impl Actor for RecoveryActor {
    type Context = Context<Self>;
}

/// Permission to start one failure. Dropped unused (the injection did not
/// happen, or the target gave up waiting), it gives the slot back.
#[derive(Debug)]
pub struct Slot {
    recovery: Addr<RecoveryActor>,
    armed: bool,
}

impl Slot {
    fn new(recovery: Addr<RecoveryActor>) -> Self {
        Slot {
            recovery,
            armed: true,
        }
    }

    /// The slot was turned into a failure (or given back directly): its
    /// drop must not release it again.
    fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if self.armed {
            self.recovery.do_send(ReleaseSlot);
        }
    }
}

/// Gives an unused slot back.
#[derive(Debug, Message)]
#[rtype(result = "()")]
struct ReleaseSlot;

impl Handler<ReleaseSlot> for RecoveryActor {
    type Result = ();

    fn handle(&mut self, _msg: ReleaseSlot, ctx: &mut Context<Self>) {
        self.reserved = self.reserved.saturating_sub(1);
        self.serve_waiters(ctx);
    }
}

/// A target's turn has come: may it inject now? Under `when_capped:
/// wait` at the cap, the slot comes later through `reply`; a target that
/// stops waiting drops its receiver and is passed over.
#[derive(Debug, Message)]
#[rtype(result = "SlotAnswer")]
pub struct RequestSlot {
    /// The asking target's name (for logs).
    pub target: String,
    /// Where a slot granted later is sent ([`SlotAnswer::Queued`]).
    pub reply: oneshot::Sender<Slot>,
}

/// The answer to [`RequestSlot`].
#[derive(Debug)]
pub enum SlotAnswer {
    /// Go ahead; hand the slot back with [`Injected`].
    Granted(Slot),
    /// The cap is reached (`skip`): this many failures are active or
    /// about to start.
    Refused {
        /// Slots in use.
        in_use: usize,
        /// The cap.
        cap: u32,
    },
    /// The cap is reached (`wait`): the slot will come through the
    /// request's `reply`, first come, first served.
    Queued,
}

impl Handler<RequestSlot> for RecoveryActor {
    type Result = actix::MessageResult<RequestSlot>;

    fn handle(&mut self, msg: RequestSlot, ctx: &mut Context<Self>) -> Self::Result {
        if self.policy.has_room(self.taken()) && self.waiters.is_empty() {
            self.reserved += 1;
            self.publish();
            return actix::MessageResult(SlotAnswer::Granted(Slot::new(ctx.address())));
        }
        let in_use = self.taken();
        let cap = self.policy.max_concurrent_failures.unwrap_or(u32::MAX);
        match self.policy.when_capped {
            WhenCapped::Skip => actix::MessageResult(SlotAnswer::Refused { in_use, cap }),
            WhenCapped::Wait => {
                // Targets that gave up since leave the queue here, so it
                // stays as long as the number of targets actually waiting.
                self.waiters.retain(|waiter| !waiter.reply.is_closed());
                debug!(
                    target = %msg.target, in_use, cap, waiting = self.waiters.len(),
                    "queued for a free slot"
                );
                self.waiters.push_back(Waiter {
                    target: msg.target,
                    reply: msg.reply,
                });
                // The cap may have room already (queued behind others).
                self.serve_waiters(ctx);
                actix::MessageResult(SlotAnswer::Queued)
            }
        }
    }
}

/// New coordination policy (on reload).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetPolicy(pub Arc<Policy>);

impl Handler<SetPolicy> for RecoveryActor {
    type Result = ();

    fn handle(&mut self, msg: SetPolicy, ctx: &mut Context<Self>) {
        self.policy = msg.0;
        if self.policy.when_capped == WhenCapped::Skip {
            // Nobody waits under `skip`: refuse the waiters still queued.
            self.waiters.clear();
        }
        self.serve_waiters(ctx);
    }
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
    /// The slot it used; `None` for manual injections, which bypass the cap
    /// (but count toward it).
    pub slot: Option<Slot>,
}

/// A failure ended before its deadline (repaired, cleared by hand, shut
/// down): forget it and cancel its clear.
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

    fn handle(&mut self, mut msg: Injected, ctx: &mut Context<Self>) {
        if let Some(slot) = msg.slot.as_mut() {
            slot.disarm();
            self.reserved = self.reserved.saturating_sub(1);
        }
        self.registered += 1;
        let deadline = (Instant::now() + msg.recovery, self.registered);
        debug!(target = %msg.target, id = %msg.id, active = self.active.len() + 1, "failure tracked");
        self.deadlines.insert(deadline, msg.id.clone());
        if let Some(previous) = self.active.insert(
            msg.id,
            ActiveFailure {
                target: msg.target,
                deadline: Some(deadline),
                owner: msg.owner,
            },
        ) {
            if let Some(replaced) = previous.deadline {
                self.deadlines.remove(&replaced);
            }
        }
        self.arm(ctx);
        self.publish();
    }
}

impl Handler<FailureEnded> for RecoveryActor {
    type Result = ();

    fn handle(&mut self, msg: FailureEnded, ctx: &mut Context<Self>) {
        if let Some(failure) = self.forget(&msg.id, ctx) {
            debug!(target = %failure.target, id = %msg.id, "failure ended early; its clear is cancelled");
        }
    }
}

impl Handler<ActiveFailures> for RecoveryActor {
    type Result = usize;

    fn handle(&mut self, _msg: ActiveFailures, _ctx: &mut Context<Self>) -> usize {
        self.active.len()
    }
}

#[cfg(test)]
mod tests {
    use actix::Actor;

    use super::*;

    fn capped(max: u32, when_capped: WhenCapped) -> (Addr<RecoveryActor>, InUse) {
        let policy = Policy {
            max_concurrent_failures: Some(max),
            when_capped,
            ..Policy::default()
        };
        let in_use = InUse::default();
        let actor = RecoveryActor::new(Arc::new(policy), in_use.clone()).start();
        (actor, in_use)
    }

    /// Asks for a slot; returns the answer and the receiver of a slot
    /// granted later.
    async fn ask(
        recovery: &Addr<RecoveryActor>,
        target: &str,
    ) -> (SlotAnswer, oneshot::Receiver<Slot>) {
        let (reply, later) = oneshot::channel();
        let answer = recovery
            .send(RequestSlot {
                target: target.to_owned(),
                reply,
            })
            .await
            .unwrap();
        (answer, later)
    }

    #[actix::test]
    async fn at_the_cap_a_skipping_target_is_refused_and_a_dropped_slot_comes_back() {
        let (recovery, in_use) = capped(1, WhenCapped::Skip);
        let (SlotAnswer::Granted(slot), _) = ask(&recovery, "a").await else {
            panic!("the first slot is free");
        };
        assert_eq!(in_use.load(Ordering::Relaxed), 1);
        match ask(&recovery, "b").await.0 {
            SlotAnswer::Refused { in_use, cap } => assert_eq!((in_use, cap), (1, 1)),
            other => panic!("the cap is 1: {other:?}"),
        }
        drop(slot);
        assert!(matches!(
            ask(&recovery, "b").await.0,
            SlotAnswer::Granted(_)
        ));
    }

    #[actix::test]
    async fn at_the_cap_a_waiting_target_gets_the_next_free_slot() {
        let (recovery, in_use) = capped(1, WhenCapped::Wait);
        let (SlotAnswer::Granted(slot), _) = ask(&recovery, "a").await else {
            panic!("the first slot is free");
        };
        // Fifty targets give up waiting (they drop their receivers), then
        // one waits for real: it is served as soon as the slot is back.
        for n in 0..50 {
            let (answer, gave_up) = ask(&recovery, &format!("impatient-{n}")).await;
            assert!(matches!(answer, SlotAnswer::Queued));
            drop(gave_up);
        }
        let (answer, mut later) = ask(&recovery, "b").await;
        assert!(matches!(answer, SlotAnswer::Queued));
        let early = tokio::time::timeout(Duration::from_millis(100), &mut later).await;
        assert!(early.is_err(), "b must wait while a holds the only slot");
        drop(slot);
        let granted = tokio::time::timeout(Duration::from_secs(5), later)
            .await
            .expect("b is served once a's slot is back")
            .expect("a slot");
        assert_eq!(in_use.load(Ordering::Relaxed), 1, "b's slot only");
        drop(granted);
        // The dropped slot is given back by a message: wait for it.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while in_use.load(Ordering::Relaxed) != 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "every slot comes back"
            );
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// Collects the ids it is told to clear, in order.
    struct Owner(Arc<std::sync::Mutex<Vec<String>>>);

    impl Actor for Owner {
        type Context = Context<Self>;
    }

    impl Handler<Recover> for Owner {
        type Result = ();

        fn handle(&mut self, msg: Recover, _ctx: &mut Context<Self>) {
            self.0.lock().unwrap().push(msg.id);
        }
    }

    #[actix::test]
    async fn owners_are_told_at_each_deadline_in_deadline_order_and_never_after_an_early_end() {
        tokio::time::pause();
        let told = Arc::new(std::sync::Mutex::new(Vec::new()));
        let owner = Owner(Arc::clone(&told)).start().recipient();
        let (recovery, in_use) = capped(100, WhenCapped::Skip);
        let started = Instant::now();
        for (id, seconds) in [("a", 3), ("b", 1), ("c", 2), ("d", 2), ("e", 1)] {
            recovery
                .send(Injected {
                    id: id.into(),
                    target: format!("target-{id}"),
                    recovery: Duration::from_secs(seconds),
                    owner: owner.clone(),
                    slot: None,
                })
                .await
                .unwrap();
        }
        assert_eq!(in_use.load(Ordering::Relaxed), 5);
        // Ended early: the earliest deadline's failure, and one due later.
        recovery
            .send(FailureEnded { id: "b".into() })
            .await
            .unwrap();
        recovery
            .send(FailureEnded { id: "d".into() })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(*told.lock().unwrap(), ["e"]);
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(*told.lock().unwrap(), ["e", "c", "a"]);
        assert!(started.elapsed() < Duration::from_secs(4));
        // Told, but active until their owners report them ended.
        assert_eq!(recovery.send(ActiveFailures).await.unwrap(), 3);
        for id in ["a", "c", "e"] {
            recovery.send(FailureEnded { id: id.into() }).await.unwrap();
        }
        assert_eq!(in_use.load(Ordering::Relaxed), 0);
        // A failure injected again under the same id keeps only its new deadline.
        for seconds in [1, 5] {
            recovery
                .send(Injected {
                    id: "f".into(),
                    target: "target-f".into(),
                    recovery: Duration::from_secs(seconds),
                    owner: owner.clone(),
                    slot: None,
                })
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(told.lock().unwrap().len(), 3);
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(*told.lock().unwrap(), ["e", "c", "a", "f"]);
    }
}
