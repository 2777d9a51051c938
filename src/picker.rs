//! Reproducible weighted picks, one random stream per target.
//!
//! A stream's state depends only on the run seed and the target's name, so
//! the sequence of picks for a target is the same whatever the timing, the
//! other targets or the order in which they ask. `preview` and `run` both
//! draw from [`PickStream`]; the [`crate::actors::picker::WeightedPicker`]
//! actor owns the streams of a running engine.

use rand::distr::Distribution;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use chaos_state::modes;

use std::sync::Arc;

use crate::scenario::{Catalogue, DelayRange, DEFAULT_SLOW_DELAY, MAX_DELAY_SECS};

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

/// The random stream of one target.
#[derive(Debug)]
pub struct PickStream {
    rng: StdRng,
    /// Shared with the target's settings, not copied.
    catalogue: Arc<Catalogue>,
}

impl PickStream {
    /// The stream for `target` under `seed`.
    pub fn new(seed: u64, target: &str, catalogue: &Arc<Catalogue>) -> Self {
        PickStream {
            rng: StdRng::seed_from_u64(stream_seed(seed, target)),
            catalogue: Arc::clone(catalogue),
        }
    }

    /// Draws the next scenario and, when it has a delay range, its delay.
    pub fn next_pick(&mut self) -> Pick {
        let position = self.catalogue.weighted_index().sample(&mut self.rng);
        // The index was built from exactly these scenarios, so every
        // position it returns is in bounds.
        let scenario = &self.catalogue.scenarios()[position];
        let delay = match scenario.delay {
            Some(range) => self.rng.random_range(range.min..=range.max),
            None => 0,
        };
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
    rng: StdRng,
}

/// Mixed into the seed of jitter streams so they differ from pick streams.
const JITTER_SALT: u64 = 0x6a69_7474_6572_0001;

impl JitterStream {
    /// The jitter stream for `target` under `seed`.
    pub fn new(seed: u64, target: &str) -> Self {
        JitterStream {
            rng: StdRng::seed_from_u64(stream_seed(seed ^ JITTER_SALT, target)),
        }
    }

    /// The next fraction, uniform in `[0, 1)`.
    pub fn next_fraction(&mut self) -> f64 {
        self.rng.random::<f64>()
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

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
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
                },
                Scenario {
                    name: "ALWAYS".into(),
                    mode: "config_error".into(),
                    weight: 2.0,
                    delay: None,
                },
            ])
            .unwrap(),
        );
        let mut stream = PickStream::new(3, "t", &catalogue);
        assert!((0..1000).all(|_| stream.next_pick().scenario == "ALWAYS"));
    }
}
