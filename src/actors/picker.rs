//! The WeightedPicker actor: the only owner of randomness in a running
//! engine. It holds one [`PickStream`] per target, so each target's sequence
//! of picks depends only on the seed and its name, never on timing.

use std::collections::HashMap;

use actix::{Actor, Context, Handler, Message};

use crate::picker::{Pick, PickStream};

/// Owns every target's random stream.
#[derive(Debug, Default)]
pub struct WeightedPicker {
    streams: HashMap<String, PickStream>,
}

impl WeightedPicker {
    /// A picker with the given streams, keyed by target name.
    pub fn new(streams: HashMap<String, PickStream>) -> Self {
        WeightedPicker { streams }
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
