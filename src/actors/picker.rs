//! The WeightedPicker actor: the only owner of randomness in a running
//! engine. It holds one [`PickStream`] per target, so each target's sequence
//! of picks depends only on the seed and its name, never on timing.

use std::collections::HashMap;
use std::sync::Arc;

use actix::{Actor, Context, Handler, Message};

use crate::picker::fault_free::next_cycle;
use crate::picker::{ControlStream, Cycle, JitterStream, Pick, PickStream};
use crate::scenario::Catalogue;

/// Owns every target's random stream.
#[derive(Debug)]
pub struct WeightedPicker {
    seed: u64,
    streams: HashMap<String, PickStream>,
    /// Made on a target's first jitter draw (only with `policy.jitter`).
    jitter: HashMap<String, JitterStream>,
    /// Made on a target's first control draw (only with
    /// `policy.control_rate`).
    control: HashMap<String, ControlStream>,
}

impl WeightedPicker {
    /// A picker for run seed `seed`, with no streams yet.
    pub fn new(seed: u64) -> Self {
        WeightedPicker {
            seed,
            streams: HashMap::new(),
            jitter: HashMap::new(),
            control: HashMap::new(),
        }
    }

    /// Starts (or restarts) the stream of `target`.
    pub fn set_stream(&mut self, target: &str, catalogue: &Arc<Catalogue>) {
        let stream = PickStream::new(self.seed, target, catalogue);
        self.streams.insert(target.to_owned(), stream);
    }
}

impl Actor for WeightedPicker {
    type Context = Context<Self>;
}

/// Asks for the next scenario of `target`; `None` for an unknown target.
#[derive(Debug, Message)]
#[rtype(result = "Option<Pick>")]
pub struct NextPick {
    /// The target's name.
    pub target: String,
}

impl Handler<NextPick> for WeightedPicker {
    type Result = Option<Pick>;

    fn handle(&mut self, msg: NextPick, _ctx: &mut Context<Self>) -> Option<Pick> {
        self.streams.get_mut(&msg.target).map(PickStream::next_pick)
    }
}

/// Asks what the next cycle of `target` that passed its checks does: a
/// control window (drawn at `control_rate`), else the next pick; `None`
/// for an unknown target.
#[derive(Debug, Message)]
#[rtype(result = "Option<Cycle>")]
pub struct NextCycle {
    /// The target's name.
    pub target: String,
    /// `policy.control_rate`; at 0 no control draw is made.
    pub control_rate: f64,
}

impl Handler<NextCycle> for WeightedPicker {
    type Result = Option<Cycle>;

    fn handle(&mut self, msg: NextCycle, _ctx: &mut Context<Self>) -> Option<Cycle> {
        let picks = self.streams.get_mut(&msg.target)?;
        let seed = self.seed;
        if msg.control_rate <= 0.0 {
            return Some(Cycle::Inject(picks.next_pick()));
        }
        let control = self
            .control
            .entry(msg.target)
            .or_insert_with_key(|target| ControlStream::new(seed, target));
        Some(next_cycle(picks, control, msg.control_rate))
    }
}

/// Asks for the next jitter fraction (`[0, 1)`) of `target`.
#[derive(Debug, Message)]
#[rtype(result = "f64")]
pub struct NextJitter {
    /// The target's name.
    pub target: String,
}

impl Handler<NextJitter> for WeightedPicker {
    type Result = f64;

    fn handle(&mut self, msg: NextJitter, _ctx: &mut Context<Self>) -> f64 {
        let seed = self.seed;
        self.jitter
            .entry(msg.target)
            .or_insert_with_key(|target| JitterStream::new(seed, target))
            .next_fraction()
    }
}

/// Start (or restart, after its scenarios changed) a target's stream.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetStream {
    /// The target's name.
    pub target: String,
    /// What it picks from.
    pub catalogue: Arc<Catalogue>,
}

impl Handler<SetStream> for WeightedPicker {
    type Result = ();

    fn handle(&mut self, msg: SetStream, _ctx: &mut Context<Self>) {
        self.set_stream(&msg.target, &msg.catalogue);
    }
}

/// Forget a target's stream (removed on reload).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct RemoveStream {
    /// The target's name.
    pub target: String,
}

impl Handler<RemoveStream> for WeightedPicker {
    type Result = ();

    fn handle(&mut self, msg: RemoveStream, _ctx: &mut Context<Self>) {
        self.streams.remove(&msg.target);
        self.jitter.remove(&msg.target);
        self.control.remove(&msg.target);
    }
}
