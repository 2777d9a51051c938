//! Fault-free cycles (control episodes): which scheduled cycles inject
//! nothing on purpose (`policy.control_rate`).
//!
//! A target's control draws come from their own ChaCha20 stream, keyed like
//! the pick stream but from `seed ^ CONTROL_SALT` (the bytes of `control`
//! and a version byte), so they are independent of the picks and the
//! jitter. With a control rate of 0 nothing is drawn at all: every pick
//! sequence stays exactly what it was before control episodes existed.
//!
//! The draw happens where the pick would: once a cycle has passed its
//! checks (windows, probe, cap). A cycle is a control when one draw's
//! fraction (step 6 of [`crate::picker`]) is below the rate; otherwise the
//! pick stream gives its scenario as usual. `preview` and the running
//! engine both go through [`next_cycle`], so they agree.

use std::sync::Arc;

use super::{stream_seed, Pick, PickStream, WordStream};
use crate::scenario::Catalogue;

/// Mixed into the seed of control streams (`control` then `01`), so they
/// differ from pick and jitter streams.
const CONTROL_SALT: u64 = 0x636f_6e74_726f_6c01;

/// The control stream of one target.
#[derive(Debug)]
pub struct ControlStream {
    words: WordStream,
}

impl ControlStream {
    /// The control stream for `target` under `seed`.
    pub fn new(seed: u64, target: &str) -> Self {
        ControlStream {
            words: WordStream::new(stream_seed(seed ^ CONTROL_SALT, target)),
        }
    }

    /// Whether the next cycle is a control, at `rate` (0 to 1). Draws
    /// nothing when `rate` is 0 or less.
    pub fn is_control(&mut self, rate: f64) -> bool {
        rate > 0.0 && self.words.fraction() < rate
    }
}

/// What a cycle that passed its checks does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cycle {
    /// Nothing injected on purpose: a control window.
    Control,
    /// Inject this pick.
    Inject(Pick),
}

/// The next cycle of a target: a control (drawn from `control` at `rate`),
/// else the next pick. The one rule `run` and `preview` share.
pub fn next_cycle(picks: &mut PickStream, control: &mut ControlStream, rate: f64) -> Cycle {
    if control.is_control(rate) {
        Cycle::Control
    } else {
        Cycle::Inject(picks.next_pick())
    }
}

/// The pick and control streams of one target together, for `preview`.
#[derive(Debug)]
pub struct CycleStream {
    picks: PickStream,
    control: ControlStream,
    rate: f64,
}

impl CycleStream {
    /// The streams of `target` under `seed`, with control rate `rate`.
    pub fn new(seed: u64, target: &str, catalogue: &Arc<Catalogue>, rate: f64) -> Self {
        CycleStream {
            picks: PickStream::new(seed, target, catalogue),
            control: ControlStream::new(seed, target),
            rate,
        }
    }

    /// The next cycle that passes its checks.
    pub fn next_cycle(&mut self) -> Cycle {
        next_cycle(&mut self.picks, &mut self.control, self.rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picks_of(stream: &mut CycleStream, n: usize) -> Vec<Pick> {
        (0..n)
            .filter_map(|_| match stream.next_cycle() {
                Cycle::Inject(pick) => Some(pick),
                Cycle::Control => None,
            })
            .collect()
    }

    #[test]
    fn a_rate_of_zero_draws_nothing_and_changes_no_pick() {
        let catalogue = Arc::new(Catalogue::default_catalogue());
        let mut plain = PickStream::new(42, "target-app", &catalogue);
        let mut cycles = CycleStream::new(42, "target-app", &catalogue, 0.0);
        let expected: Vec<Pick> = (0..200).map(|_| plain.next_pick()).collect();
        assert_eq!(picks_of(&mut cycles, 200), expected);
        // Nothing was drawn from the control stream: it is where it started.
        let mut fresh = ControlStream::new(42, "target-app");
        assert_eq!(cycles.control.words.next_u64(), fresh.words.next_u64());
    }

    #[test]
    fn controls_take_cycles_but_never_change_the_order_of_picks() {
        let catalogue = Arc::new(Catalogue::default_catalogue());
        let mut plain = PickStream::new(7, "app", &catalogue);
        let mut cycles = CycleStream::new(7, "app", &catalogue, 0.3);
        let injected = picks_of(&mut cycles, 300);
        let expected: Vec<Pick> = (0..injected.len()).map(|_| plain.next_pick()).collect();
        assert_eq!(injected, expected);
    }

    #[test]
    fn the_control_stream_is_its_own() {
        let draws = |seed, target: &str| {
            let mut stream = ControlStream::new(seed, target);
            (0..64).map(|_| stream.words.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draws(42, "app"), draws(42, "app"));
        assert_ne!(draws(42, "app"), draws(42, "db"));
        assert_ne!(draws(42, "app"), draws(43, "app"));
        let mut picks = WordStream::new(stream_seed(42, "app"));
        let mut jitter = WordStream::new(stream_seed(42 ^ super::super::JITTER_SALT, "app"));
        let control = draws(42, "app");
        assert_ne!(control[0], picks.next_u64());
        assert_ne!(control[0], jitter.next_u64());
    }

    #[test]
    fn the_fraction_of_controls_follows_the_rate() {
        for (rate, seed) in [(0.1, 1), (0.25, 2), (0.5, 3), (0.9, 4)] {
            let mut stream = ControlStream::new(seed, "app");
            let draws = 20_000;
            let controls = (0..draws).filter(|_| stream.is_control(rate)).count();
            let share = controls as f64 / f64::from(draws);
            // Four standard deviations at most ~0.014: wide, yet it would
            // catch a wrong comparison or a stuck stream.
            assert!((share - rate).abs() < 0.02, "rate {rate}: {share}");
        }
        let mut stream = ControlStream::new(5, "app");
        assert!((0..1000).all(|_| stream.is_control(1.0)));
        assert!((0..1000).all(|_| !stream.is_control(0.0)));
    }

    /// Golden values, like the pick stream's: a change to the control
    /// sequence fails here.
    #[test]
    fn seed_42_gives_these_cycles() {
        let catalogue = Arc::new(Catalogue::default_catalogue());
        let mut stream = CycleStream::new(42, "target-app", &catalogue, 0.3);
        let shown: Vec<String> = (0..10)
            .map(|_| match stream.next_cycle() {
                Cycle::Control => "CONTROL".to_owned(),
                Cycle::Inject(pick) => format!("{} {}", pick.scenario, pick.delay),
            })
            .collect();
        // The picks are those of seed 42 without controls
        // (`picker::tests::seed_42_gives_these_picks`), one cycle later
        // from the control on.
        assert_eq!(
            shown,
            [
                "SLOWDOWN 30",
                "CRASH 0",
                "SLOWDOWN 15",
                "SLOWDOWN 29",
                "CONTROL",
                "CRASH 0",
                "CRASH 0",
                "SLOWDOWN 30",
                "CONFIG_ERROR 0",
                "CRASH 0",
            ]
        );
    }
}
