//! What happens to one packet, decided from the seeded [`Rng`].
//!
//! Every packet takes the same five draws, in this order, whatever they
//! decide: loss, duplicate, corrupt, the release offset, the corrupted
//! byte. So the decisions are independent of each other (raising `--loss`
//! does not change which of the surviving packets are duplicated), and a
//! run is reproduced exactly by the same `--seed` over the same packets.
//!
//! # The release time
//!
//! A kept packet is released at `arrival + offset`, where `offset` is drawn
//! uniformly, to the nanosecond, from `[delay - jitter, delay + jitter]` and
//! then clamped at 0 ([`release_offset`]). While `jitter <= delay` that is a
//! plain uniform distribution with mean `delay`; a `jitter` larger than
//! `delay` puts the mass of the negative part, `(jitter - delay) / (2 *
//! jitter)`, at 0 (those packets go at once), so the mean is then above
//! `delay`. netem's default jitter is also uniform (with no `distribution`
//! table) but its offsets may reorder packets just the same: a packet whose
//! draw is shorter than its predecessor's overtakes it.

use std::time::Duration;

use crate::packet;
use crate::params::Params;
use crate::rng::Rng;

/// The decision for one packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Verdict DROP at once.
    Drop,
    /// Held for `after`, then accepted.
    Hold {
        /// How long after its arrival the packet is released.
        after: Duration,
        /// Whether a copy follows it when it is released.
        duplicate: bool,
        /// The offset in the IP packet of the byte to flip, if corrupted.
        corrupt_at: Option<usize>,
    },
}

/// Draws a release offset: uniform in `[delay - jitter, delay + jitter]`,
/// clamped at 0 (see the module's documentation).
pub fn release_offset(delay: Duration, jitter: Duration, rng: &mut Rng) -> Duration {
    let draw = rng.up_to(u64::try_from(jitter.as_nanos().saturating_mul(2)).unwrap_or(u64::MAX));
    offset_of_draw(delay, jitter, draw)
}

/// The offset for a draw in `[0, 2 * jitter]` (nanoseconds):
/// `delay - jitter + draw`, clamped at 0.
fn offset_of_draw(delay: Duration, jitter: Duration, draw: u64) -> Duration {
    let low = delay.as_nanos() as i128 - jitter.as_nanos() as i128;
    let nanos = (low + i128::from(draw)).max(0);
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// Decides the fate of each packet in turn.
#[derive(Debug, Clone)]
pub struct Decider {
    params: Params,
    rng: Rng,
}

impl Decider {
    /// A decider for `params` whose draws come from `seed`.
    pub fn new(params: Params, seed: u64) -> Self {
        Decider {
            params,
            rng: Rng::new(seed),
        }
    }

    /// The parameters it decides by.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The fate of the next packet, whose IP packet (header included) is
    /// `ip_packet`. A packet with no byte beyond its IP header cannot be
    /// corrupted, and is kept intact.
    pub fn decide(&mut self, ip_packet: &[u8]) -> Fate {
        let p = &self.params;
        let lose = self.rng.next_f64() < p.loss.fraction();
        let duplicate = self.rng.next_f64() < p.duplicate.fraction();
        let corrupt = self.rng.next_f64() < p.corrupt.fraction();
        let after = release_offset(p.delay, p.jitter, &mut self.rng);
        let byte_draw = self.rng.next_u64();
        if lose {
            return Fate::Drop;
        }
        let corrupt_at = if corrupt {
            packet::corruptible_range(ip_packet).map(|range| {
                let span = (range.end - range.start) as u64;
                range.start + (byte_draw % span) as usize
            })
        } else {
            None
        };
        Fate::Hold {
            after,
            duplicate,
            corrupt_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Percent;

    const MS: Duration = Duration::from_millis(1);

    fn ipv4(payload_len: usize) -> Vec<u8> {
        let mut p = vec![0u8; 20 + payload_len];
        p[0] = 0x45;
        p
    }

    #[test]
    fn no_jitter_is_exactly_the_delay() {
        let mut rng = Rng::new(1);
        for _ in 0..100 {
            assert_eq!(release_offset(300 * MS, Duration::ZERO, &mut rng), 300 * MS);
        }
        assert_eq!(
            release_offset(Duration::ZERO, Duration::ZERO, &mut rng),
            Duration::ZERO
        );
    }

    #[test]
    fn jitter_is_uniform_around_the_delay() {
        let mut rng = Rng::new(9);
        let draws: Vec<Duration> = (0..20_000)
            .map(|_| release_offset(300 * MS, 20 * MS, &mut rng))
            .collect();
        assert!(draws.iter().all(|d| (280 * MS..=320 * MS).contains(d)));
        let mean = draws.iter().sum::<Duration>() / draws.len() as u32;
        assert!((299 * MS..301 * MS).contains(&mean), "{mean:?}");
        // Each quarter of the interval gets about a quarter of the draws.
        for q in 0..4u32 {
            let lo = 280 * MS + q * 10 * MS;
            let n = draws
                .iter()
                .filter(|d| (lo..lo + 10 * MS).contains(d))
                .count();
            assert!((4_600..5_400).contains(&n), "quarter {q}: {n}");
        }
    }

    #[test]
    fn the_ends_and_the_clamp() {
        assert_eq!(offset_of_draw(300 * MS, 20 * MS, 0), 280 * MS);
        assert_eq!(
            offset_of_draw(300 * MS, 20 * MS, (40 * MS).as_nanos() as u64),
            320 * MS
        );
        // jitter > delay: the negative part is clamped at 0.
        assert_eq!(offset_of_draw(10 * MS, 30 * MS, 0), Duration::ZERO);
        assert_eq!(
            offset_of_draw(10 * MS, 30 * MS, (20 * MS).as_nanos() as u64),
            Duration::ZERO
        );
        assert_eq!(
            offset_of_draw(10 * MS, 30 * MS, (25 * MS).as_nanos() as u64),
            5 * MS
        );
        let mut rng = Rng::new(5);
        let zeros = (0..10_000)
            .filter(|_| release_offset(10 * MS, 30 * MS, &mut rng).is_zero())
            .count();
        // (30 - 10) / 60 of the mass is at 0.
        assert!((3_100..3_600).contains(&zeros), "{zeros}");
    }

    fn params(loss: f64, duplicate: f64, corrupt: f64) -> Params {
        Params {
            delay: 100 * MS,
            jitter: 10 * MS,
            loss: Percent::from_fraction(loss).unwrap_or_default(),
            duplicate: Percent::from_fraction(duplicate).unwrap_or_default(),
            corrupt: Percent::from_fraction(corrupt).unwrap_or_default(),
        }
    }

    fn run(decider: &mut Decider, n: usize, len: usize) -> Vec<Fate> {
        let packet = ipv4(len);
        (0..n).map(|_| decider.decide(&packet)).collect()
    }

    #[test]
    fn the_same_seed_decides_the_same() {
        let a = run(&mut Decider::new(params(0.1, 0.05, 0.01), 77), 1_000, 100);
        let b = run(&mut Decider::new(params(0.1, 0.05, 0.01), 77), 1_000, 100);
        let c = run(&mut Decider::new(params(0.1, 0.05, 0.01), 78), 1_000, 100);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn rates_match_the_parameters() {
        let fates = run(&mut Decider::new(params(0.1, 0.05, 0.02), 1), 20_000, 100);
        let drops = fates.iter().filter(|f| **f == Fate::Drop).count();
        let dups = fates
            .iter()
            .filter(|f| {
                matches!(
                    f,
                    Fate::Hold {
                        duplicate: true,
                        ..
                    }
                )
            })
            .count();
        let corrupt = fates
            .iter()
            .filter(|f| {
                matches!(
                    f,
                    Fate::Hold {
                        corrupt_at: Some(_),
                        ..
                    }
                )
            })
            .count();
        assert!((1_800..2_200).contains(&drops), "{drops}");
        // Of the 90% kept.
        assert!((750..1_050).contains(&dups), "{dups}");
        assert!((270..450).contains(&corrupt), "{corrupt}");
        for fate in &fates {
            if let Fate::Hold {
                after, corrupt_at, ..
            } = fate
            {
                assert!((90 * MS..=110 * MS).contains(after));
                if let Some(at) = corrupt_at {
                    assert!((20..120).contains(at), "{at}");
                }
            }
        }
    }

    #[test]
    fn decisions_are_independent_of_each_other() {
        // The same seed with and without loss: the kept packets' other
        // decisions are the same.
        let lossy = run(&mut Decider::new(params(0.5, 0.3, 0.3), 11), 500, 50);
        let clean = run(&mut Decider::new(params(0.0, 0.3, 0.3), 11), 500, 50);
        for (l, c) in lossy.iter().zip(&clean) {
            if *l != Fate::Drop {
                assert_eq!(l, c);
            }
        }
    }

    #[test]
    fn nothing_set_keeps_every_packet_intact_and_at_once() {
        let fates = run(&mut Decider::new(Params::none(), 3), 100, 10);
        assert!(fates.iter().all(|f| *f
            == Fate::Hold {
                after: Duration::ZERO,
                duplicate: false,
                corrupt_at: None
            }));
    }

    #[test]
    fn a_header_only_packet_is_not_corrupted() {
        let mut d = Decider::new(params(0.0, 0.0, 1.0), 3);
        assert!(matches!(
            d.decide(&ipv4(0)),
            Fate::Hold {
                corrupt_at: None,
                ..
            }
        ));
        assert!(matches!(
            d.decide(&ipv4(1)),
            Fate::Hold {
                corrupt_at: Some(20),
                ..
            }
        ));
    }
}
