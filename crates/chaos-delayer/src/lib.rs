//! chaos-delayer: a user-space stand-in for `tc netem`, for kernels without
//! `sch_netem`.
//!
//! An iptables rule sends packets to an NFQUEUE
//! (`iptables -A OUTPUT -j NFQUEUE --queue-num 7 --queue-bypass`); the
//! `chaos-delayer` binary binds that queue and gives every packet a
//! [`fate::Fate`]: dropped (verdict DROP), or held until its release time and
//! then accepted, possibly with one payload byte flipped (corrupt) and
//! possibly followed by a copy (duplicate). Packets leave in release-time
//! order ([`schedule::Schedule`]); NFQUEUE takes verdicts out of arrival
//! order, by packet id, so a packet held longer never blocks the ones after it.
//!
//! This library is the pure part, testable without root or a kernel queue:
//!
//! - [`params`]: the command line's values (`300ms`, `10%`) and their checks.
//! - [`rng`]: the seeded generator every decision comes from.
//! - [`fate`]: what happens to one packet, and the release-time distribution.
//! - [`packet`]: the IP header walk behind corrupt and duplicate.
//! - [`schedule`]: the held packets, earliest release first.
//! - [`stats`]: the counters printed on exit.

pub mod fate;
pub mod packet;
pub mod params;
pub mod rng;
pub mod schedule;
pub mod stats;
