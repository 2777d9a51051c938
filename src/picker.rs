//! Reproducible weighted picks, one random stream per target.
//!
//! A stream's state depends only on the run seed and the target's name, so
//! the sequence of picks for a target is the same whatever the timing, the
//! other targets or the order in which they ask. `preview` and `run` both
//! draw from [`PickStream`]; the [`crate::actors::picker::WeightedPicker`]
//! actor owns the streams of a running engine.
//!
//! # The sequence is specified, not borrowed from a library
//!
//! A seeded sequence depends only on the ChaCha20 block function and on the
//! code in this module, never on how `rand` happens to implement `StdRng`
//! or its distributions (both are documented as free to change between
//! releases). `tests` below pins the first picks of seed 42, so any change
//! to the sequence fails the suite.
//!
//! 1. **Stream seed.** `h = FNV-1a-64(target name bytes)`, then
//!    `stream_seed = splitmix64(seed ^ splitmix64(h))` ([`stream_seed`]).
//!    The jitter stream of the same target uses
//!    `stream_seed(seed ^ 0x6a69_7474_6572_0001, target)` instead, so it is
//!    independent of the pick stream and turning jitter on never changes
//!    which scenarios a seed picks.
//! 2. **Key.** The 32-byte ChaCha key is the first four outputs of the
//!    SplitMix64 generator started at `stream_seed` (that is,
//!    `splitmix64(stream_seed + k * 0x9e37_79b9_7f4a_7c15)` for k = 0..4),
//!    each little-endian. Nonce (stream id) 0, block counter from 0.
//! 3. **Words.** ChaCha20 (20 rounds, D. J. Bernstein's original layout,
//!    as `chacha20::ChaCha20Rng` implements it) gives 32-bit words in
//!    keystream order. A 64-bit draw is two consecutive words, the first
//!    one low: `w0 | w1 << 32`.
//! 4. **Scenario.** A `WeightTable` (`crate::weight_table`) turns the weights into 64-bit
//!    cumulative bounds once; a pick draws one 64-bit `x` and takes the
//!    first scenario whose bound is above `x`.
//! 5. **Delay.** When the chosen scenario has a delay range `min..=max`,
//!    the following 64-bit draw(s) give it by rejection:
//!    `span = max - min + 1`, draws below `2^64 mod span` are discarded, and
//!    the first other `x` gives `min + x mod span` (exactly uniform).
//! 6. **Jitter.** One 64-bit draw per cycle: `(x >> 11) * 2^-53`, a
//!    fraction in `[0, 1)`.
//! 7. **Control.** With `policy.control_rate` above 0, a cycle that passed
//!    its checks first draws one fraction (as in step 6) from its control
//!    stream (`stream_seed(seed ^ 0x636f_6e74_726f_6c01, target)`); below
//!    the rate, the cycle is a control window and nothing is picked
//!    ([`fault_free`]). At rate 0 nothing is drawn.

use chacha20::ChaCha20Rng;
use rand::{Rng, RngExt, SeedableRng};

use chaos_state::modes;

use std::sync::Arc;

use crate::scenario::{Catalogue, DelayRange, DEFAULT_SLOW_DELAY, MAX_DELAY_SECS};

pub mod fault_free;

pub use fault_free::{ControlStream, Cycle, CycleStream};

/// One pick: what to inject next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    /// Scenario name, e.g. `SLOWDOWN`.
    pub scenario: String,
    /// Mode to write, e.g. `slow`.
    pub mode: String,
    /// Whole seconds, drawn uniformly from the scenario's inclusive range, or 0.
    pub delay: u64,
}

/// The ChaCha20 word stream every seeded draw is defined on (steps 2 and 3
/// of the module documentation), kept as where it stands: its stream seed
/// and how many words were drawn. A running generator buffers four blocks
/// (about 330 bytes), which a running engine would hold for each of its
/// targets, and a target draws a few words per cycle; so each draw sets up
/// a generator at the stream's position (a key schedule and one refill,
/// about a microsecond) and lets it go after.
#[derive(Debug, Clone, Copy)]
struct WordStream {
    stream_seed: u64,
    /// Words drawn so far: the position of the next one in the keystream.
    drawn: u64,
}

impl WordStream {
    /// The stream keyed from `stream_seed`, at its start.
    fn new(stream_seed: u64) -> Self {
        WordStream {
            stream_seed,
            drawn: 0,
        }
    }

    /// Runs `draws` on a generator standing where this stream stands, and
    /// moves the stream past the words it took.
    fn draw<T>(&mut self, draws: impl FnOnce(&mut Words) -> T) -> T {
        let mut words = Words(ChaCha20Rng::from_seed(chacha_key(self.stream_seed)));
        words.0.set_word_pos(u128::from(self.drawn));
        let drawn = draws(&mut words);
        // The position is below 2^64 words: at a word a nanosecond, that is
        // over five centuries of draws.
        self.drawn = u64::try_from(words.0.get_word_pos()).unwrap_or(u64::MAX);
        drawn
    }

    /// Two consecutive 32-bit words, the first one low.
    #[cfg(test)]
    fn next_u64(&mut self) -> u64 {
        self.draw(Words::next_u64)
    }

    /// Uniform in `min..=max` (see [`Words::uniform_inclusive`]).
    #[cfg(test)]
    fn uniform_inclusive(&mut self, min: u64, max: u64) -> u64 {
        self.draw(|words| words.uniform_inclusive(min, max))
    }

    /// A fraction in `[0, 1)` (see [`Words::fraction`]).
    fn fraction(&mut self) -> f64 {
        self.draw(Words::fraction)
    }
}

/// A ChaCha20 generator drawing from a [`WordStream`]'s position.
struct Words(ChaCha20Rng);

impl Words {
    /// Two consecutive 32-bit words, the first one low.
    fn next_u64(&mut self) -> u64 {
        let low = self.0.next_u32();
        let high = self.0.next_u32();
        u64::from(low) | (u64::from(high) << 32)
    }

    /// Uniform in `min..=max` by rejection (step 5); `min <= max`, as a
    /// [`DelayRange`] guarantees.
    fn uniform_inclusive(&mut self, min: u64, max: u64) -> u64 {
        let Some(span) = max.saturating_sub(min).checked_add(1) else {
            // The whole u64 range: every draw is already uniform.
            return self.next_u64();
        };
        // 2^64 mod span: draws below it would make small results likelier.
        let reject_below = span.wrapping_neg() % span;
        loop {
            let x = self.next_u64();
            if x >= reject_below {
                return min + x % span;
            }
        }
    }

    /// A fraction in `[0, 1)` from the top 53 bits of one draw (step 6).
    fn fraction(&mut self) -> f64 {
        const TWO_TO_MINUS_53: f64 = 1.0 / (1u64 << 53) as f64;
        (self.next_u64() >> 11) as f64 * TWO_TO_MINUS_53
    }
}

/// The ChaCha key of a stream: four SplitMix64 outputs from `stream_seed`,
/// little-endian (step 2).
fn chacha_key(stream_seed: u64) -> [u8; 32] {
    let mut key = [0u8; 32];
    for (k, chunk) in (0u64..).zip(key.chunks_exact_mut(8)) {
        let word = splitmix64(stream_seed.wrapping_add(k.wrapping_mul(SPLITMIX_GAMMA)));
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    key
}

/// The random stream of one target.
#[derive(Debug)]
pub struct PickStream {
    words: WordStream,
    /// Shared with the target's settings, not copied.
    catalogue: Arc<Catalogue>,
}

impl PickStream {
    /// The stream for `target` under `seed`.
    pub fn new(seed: u64, target: &str, catalogue: &Arc<Catalogue>) -> Self {
        PickStream {
            words: WordStream::new(stream_seed(seed, target)),
            catalogue: Arc::clone(catalogue),
        }
    }

    /// Draws the next scenario and, when it has a delay range, its delay.
    pub fn next_pick(&mut self) -> Pick {
        let catalogue = &self.catalogue;
        let (position, delay) = self.words.draw(|words| {
            let position = catalogue.weight_table().position(words.next_u64());
            // The table was built from exactly these scenarios, so every
            // position it returns is in bounds.
            let delay = match catalogue.scenarios()[position].delay {
                Some(range) => words.uniform_inclusive(range.min, range.max),
                None => 0,
            };
            (position, delay)
        });
        let scenario = &catalogue.scenarios()[position];
        Pick {
            scenario: scenario.name.clone(),
            mode: scenario.mode.clone(),
            delay,
        }
    }
}

/// The jitter stream of one target: fractions in `[0, 1)`, one per cycle
/// (skipped cycles included). Separate from the [`PickStream`], so turning
/// jitter on never changes which scenarios a seed picks.
#[derive(Debug)]
pub struct JitterStream {
    words: WordStream,
}

/// Mixed into the seed of jitter streams so they differ from pick streams.
const JITTER_SALT: u64 = 0x6a69_7474_6572_0001;

impl JitterStream {
    /// The jitter stream for `target` under `seed`.
    pub fn new(seed: u64, target: &str) -> Self {
        JitterStream {
            words: WordStream::new(stream_seed(seed ^ JITTER_SALT, target)),
        }
    }

    /// The next fraction, uniform in `[0, 1)`.
    pub fn next_fraction(&mut self) -> f64 {
        self.words.fraction()
    }
}

/// Mixes the run seed with a stable hash of the target name (FNV-1a, then
/// SplitMix64), so each target has its own independent stream. Stable
/// across runs, platforms and compiler versions, unlike `std`'s hasher.
pub fn stream_seed(seed: u64, target: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in target.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    splitmix64(seed ^ splitmix64(hash))
}

/// SplitMix64's increment (the golden ratio in 64-bit fixed point).
const SPLITMIX_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// One SplitMix64 step from state `z`: add the increment, then mix.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(SPLITMIX_GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One delay drawn uniformly from `range`, for a one-off manual injection
/// (`chaos-engine inject slow` without `--delay`).
pub fn draw_delay(range: DelayRange) -> u64 {
    rand::rng().random_range(range.min..=range.max)
}

/// The delay of a manual injection of `mode` into a target with
/// `catalogue`: `given` when allowed (never for `crash`/`config_error`, at
/// most [`MAX_DELAY_SECS`]); for `slow` without one, a draw from the
/// target's slow range; otherwise 0.
pub fn manual_delay(catalogue: &Catalogue, mode: &str, given: Option<u64>) -> Result<u64, String> {
    match given {
        Some(delay) if delay > 0 && (mode == modes::CRASH || mode == modes::CONFIG_ERROR) => {
            Err(format!("mode {mode} always writes delay 0"))
        }
        Some(delay) if delay > MAX_DELAY_SECS => Err(format!(
            "delay {delay} is above the limit of {MAX_DELAY_SECS} s (one day)"
        )),
        Some(delay) => Ok(delay),
        None if mode == modes::SLOW => {
            let range = catalogue
                .scenarios()
                .iter()
                .find(|s| s.mode == modes::SLOW)
                .and_then(|s| s.delay)
                .unwrap_or(DEFAULT_SLOW_DELAY);
            Ok(draw_delay(range))
        }
        None => Ok(0),
    }
}

/// A fresh random seed for runs without `--seed`; logged so a run can be replayed.
pub fn random_seed() -> u64 {
    rand::rng().random()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    /// The catalogue of `target-db` in the shipped `targets.yaml`.
    fn db_catalogue() -> Arc<Catalogue> {
        Arc::new(
            Catalogue::new(vec![
                Scenario {
                    name: "NETWORK_PARTITION".into(),
                    mode: "network_partition".into(),
                    weight: 2.0,
                    delay: None,
                    category: None,
                    fix: Vec::new(),
                },
                Scenario {
                    name: "CRASH".into(),
                    mode: "crash".into(),
                    weight: 1.0,
                    delay: None,
                    category: None,
                    fix: Vec::new(),
                },
                Scenario {
                    name: "SLOWDOWN".into(),
                    mode: "slow".into(),
                    weight: 1.0,
                    delay: Some(DelayRange { min: 5, max: 15 }),
                    category: None,
                    fix: Vec::new(),
                },
            ])
            .unwrap(),
        )
    }

    fn first_picks(seed: u64, target: &str, catalogue: &Arc<Catalogue>) -> Vec<String> {
        let mut stream = PickStream::new(seed, target, catalogue);
        (0..10)
            .map(|_| {
                let pick = stream.next_pick();
                format!("{} {}", pick.scenario, pick.delay)
            })
            .collect()
    }

    /// The generator is ChaCha20 itself: with the all-zero key and nonce,
    /// its first keystream bytes are the published test vector
    /// `76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28` (e.g.
    /// draft-agl-tls-chacha20poly1305-04, section 7, test vector 1).
    #[test]
    fn the_word_stream_is_chacha20() {
        let mut zero = Words(ChaCha20Rng::from_seed([0; 32]));
        assert_eq!(zero.next_u64(), 0x903d_f1a0_ade0_b876);
        assert_eq!(zero.next_u64(), 0x28bd_8653_e56a_5d40);
    }

    /// Golden values: any change to the sequence a seed gives (generator,
    /// key derivation, sampling) fails here. If it is on purpose, `preview`
    /// output in docs/commands.md and `tests/engine/seeds.rs` must change too.
    #[test]
    fn seed_42_gives_these_picks() {
        assert_eq!(stream_seed(42, "target-app"), 0xe4c0_2ddd_2034_b376);
        let default = Arc::new(Catalogue::default_catalogue());
        assert_eq!(
            first_picks(42, "target-app", &default),
            [
                "SLOWDOWN 30",
                "CRASH 0",
                "SLOWDOWN 15",
                "SLOWDOWN 29",
                "CRASH 0",
                "CRASH 0",
                "SLOWDOWN 30",
                "CONFIG_ERROR 0",
                "CRASH 0",
                "CRASH 0",
            ]
        );
        assert_eq!(
            first_picks(42, "target-db", &db_catalogue()),
            [
                "NETWORK_PARTITION 0",
                "SLOWDOWN 11",
                "NETWORK_PARTITION 0",
                "NETWORK_PARTITION 0",
                "NETWORK_PARTITION 0",
                "CRASH 0",
                "CRASH 0",
                "NETWORK_PARTITION 0",
                "SLOWDOWN 15",
                "SLOWDOWN 7",
            ]
        );
    }

    #[test]
    fn seed_42_gives_this_jitter() {
        let bits = |target| {
            let mut stream = JitterStream::new(42, target);
            [(); 3].map(|()| stream.next_fraction().to_bits())
        };
        // 0.3150257973483088, 0.726702504485019, 0.3870416154618651
        assert_eq!(
            bits("target-app"),
            [
                0x3fd4_2961_f640_77c4,
                0x3fe7_4125_9c55_e704,
                0x3fd8_c54a_3226_61ca
            ]
        );
        // 0.9555547174827758, 0.999958328818288, 0.9245032938163847
        assert_eq!(
            bits("target-db"),
            [
                0x3fee_93e7_7ca4_10b9,
                0x3fef_ffa8_9bf4_6543,
                0x3fed_9587_ee7f_8a75
            ]
        );
    }

    #[test]
    fn uniform_draws_reject_the_biased_low_zone() {
        // span 3: 2^64 mod 3 = 1, so only the draw 0 is rejected.
        let mut words = WordStream::new(1);
        for _ in 0..1000 {
            assert!((5..=7).contains(&words.uniform_inclusive(5, 7)));
        }
        assert_eq!(words.uniform_inclusive(9, 9), 9);
        let _whole_range = words.uniform_inclusive(0, u64::MAX);
    }

    #[test]
    fn jitter_streams_are_reproducible_per_target_and_in_range() {
        let draws = |seed, target| {
            let mut stream = JitterStream::new(seed, target);
            (0..50).map(|_| stream.next_fraction()).collect::<Vec<_>>()
        };
        assert_eq!(draws(7, "a"), draws(7, "a"));
        assert_ne!(draws(7, "a"), draws(7, "b"));
        assert_ne!(draws(7, "a"), draws(8, "a"));
        assert!(draws(7, "a").iter().all(|f| (0.0..1.0).contains(f)));
    }

    #[test]
    fn distribution_matches_default_weights_within_two_points() {
        let mut stream =
            PickStream::new(42, "target-app", &Arc::new(Catalogue::default_catalogue()));
        let mut counts = std::collections::HashMap::new();
        let picks = 10_000;
        for _ in 0..picks {
            *counts.entry(stream.next_pick().scenario).or_insert(0u32) += 1;
        }
        for (name, weight) in [("CRASH", 0.30), ("SLOWDOWN", 0.40), ("CONFIG_ERROR", 0.30)] {
            let share = f64::from(counts[name]) / f64::from(picks);
            assert!((share - weight).abs() < 0.02, "{name}: {share} vs {weight}");
        }
    }

    #[test]
    fn slow_delays_cover_the_inclusive_range_uniformly() {
        let mut stream = PickStream::new(7, "t", &Arc::new(Catalogue::default_catalogue()));
        let mut seen = std::collections::BTreeMap::new();
        for _ in 0..20_000 {
            let pick = stream.next_pick();
            if pick.mode == "slow" {
                assert!((10..=30).contains(&pick.delay), "{}", pick.delay);
                *seen.entry(pick.delay).or_insert(0u32) += 1;
            } else {
                assert_eq!(pick.delay, 0);
            }
        }
        assert_eq!(
            seen.keys().copied().collect::<Vec<_>>(),
            (10..=30).collect::<Vec<_>>()
        );
        let slow_total: u32 = seen.values().sum();
        let expected = f64::from(slow_total) / 21.0;
        for (delay, count) in seen {
            let ratio = f64::from(count) / expected;
            assert!(
                (0.8..1.2).contains(&ratio),
                "delay {delay}: {count} vs {expected}"
            );
        }
    }

    #[test]
    fn single_value_range_always_gives_that_value() {
        let catalogue = Arc::new(
            Catalogue::new(vec![Scenario {
                name: "S".into(),
                mode: "slow".into(),
                weight: 1.0,
                delay: Some(DelayRange { min: 1, max: 1 }),
                category: None,
                fix: Vec::new(),
            }])
            .unwrap(),
        );
        let mut stream = PickStream::new(1, "t", &catalogue);
        assert!((0..100).all(|_| stream.next_pick().delay == 1));
    }

    #[test]
    fn streams_depend_on_seed_and_target_only() {
        let catalogue = Arc::new(Catalogue::default_catalogue());
        let take = |seed, target| {
            let mut stream = PickStream::new(seed, target, &catalogue);
            (0..20).map(|_| stream.next_pick()).collect::<Vec<_>>()
        };
        assert_eq!(take(5, "a"), take(5, "a"));
        assert_ne!(take(5, "a"), take(5, "b"));
        assert_ne!(take(5, "a"), take(6, "a"));
    }

    #[test]
    fn zero_weight_scenarios_are_never_picked() {
        let catalogue = Arc::new(
            Catalogue::new(vec![
                Scenario {
                    name: "NEVER".into(),
                    mode: "crash".into(),
                    weight: 0.0,
                    delay: None,
                    category: None,
                    fix: Vec::new(),
                },
                Scenario {
                    name: "ALWAYS".into(),
                    mode: "config_error".into(),
                    weight: 2.0,
                    delay: None,
                    category: None,
                    fix: Vec::new(),
                },
            ])
            .unwrap(),
        );
        let mut stream = PickStream::new(3, "t", &catalogue);
        assert!((0..1000).all(|_| stream.next_pick().scenario == "ALWAYS"));
    }
}
