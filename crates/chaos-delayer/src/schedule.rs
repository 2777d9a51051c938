//! The held packets, earliest release first.
//!
//! A min-heap on `(release time, arrival sequence)`: packets with the same
//! release time leave in arrival order, and a packet held longer than the
//! ones that came after it does not hold them back (NFQUEUE takes verdicts
//! by packet id, in any order).

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

struct Entry<T> {
    release_at: Instant,
    seq: u64,
    item: T,
}

impl<T> Entry<T> {
    fn key(&self) -> (Instant, u64) {
        (self.release_at, self.seq)
    }
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl<T> Eq for Entry<T> {}

impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// One released item and how late it came out.
#[derive(Debug, PartialEq, Eq)]
pub struct Released<T> {
    /// The item.
    pub item: T,
    /// How long after its release time it was taken out.
    pub lateness: Duration,
}

/// Items waiting for their release time.
pub struct Schedule<T> {
    heap: BinaryHeap<Reverse<Entry<T>>>,
    next_seq: u64,
}

impl<T> Default for Schedule<T> {
    fn default() -> Self {
        Schedule {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<T> Schedule<T> {
    /// An empty schedule.
    pub fn new() -> Self {
        Self::default()
    }

    /// Holds `item` until `release_at`.
    pub fn push(&mut self, release_at: Instant, item: T) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Reverse(Entry {
            release_at,
            seq,
            item,
        }));
    }

    /// How many items are held.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The earliest release time, if anything is held.
    pub fn next_release(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse(e)| e.release_at)
    }

    /// The earliest item whose release time is at or before `now`.
    pub fn pop_due(&mut self, now: Instant) -> Option<Released<T>> {
        if self.next_release()? > now {
            return None;
        }
        self.heap.pop().map(|Reverse(e)| Released {
            lateness: now.saturating_duration_since(e.release_at),
            item: e.item,
        })
    }

    /// Every item, earliest first, whatever its release time (on exit).
    pub fn drain_all(&mut self) -> Vec<T> {
        let mut items = Vec::with_capacity(self.heap.len());
        while let Some(Reverse(e)) = self.heap.pop() {
            items.push(e.item);
        }
        items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn items_leave_in_release_order_not_arrival_order() {
        let t0 = Instant::now();
        let mut s = Schedule::new();
        s.push(t0 + 300 * MS, "a");
        s.push(t0 + 100 * MS, "b");
        s.push(t0 + 200 * MS, "c");
        assert_eq!(s.len(), 3);
        assert_eq!(s.next_release(), Some(t0 + 100 * MS));
        assert_eq!(s.pop_due(t0 + 50 * MS), None);
        // "a" arrived first but is due last: it blocks nothing.
        let out = s.pop_due(t0 + 150 * MS);
        assert_eq!(
            out,
            Some(Released {
                item: "b",
                lateness: 50 * MS
            })
        );
        assert_eq!(s.pop_due(t0 + 150 * MS), None);
        assert_eq!(s.pop_due(t0 + 400 * MS).map(|r| r.item), Some("c"));
        assert_eq!(s.pop_due(t0 + 400 * MS).map(|r| r.item), Some("a"));
        assert!(s.is_empty());
        assert_eq!(s.next_release(), None);
    }

    #[test]
    fn equal_release_times_keep_arrival_order() {
        let t = Instant::now();
        let mut s = Schedule::new();
        for i in 0..100 {
            s.push(t, i);
        }
        let out: Vec<i32> = std::iter::from_fn(|| s.pop_due(t).map(|r| r.item)).collect();
        assert_eq!(out, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn drain_all_takes_everything_earliest_first() {
        let t0 = Instant::now();
        let mut s = Schedule::new();
        s.push(t0 + 2 * MS, 2);
        s.push(t0 + MS, 1);
        s.push(t0 + 3 * MS, 3);
        assert_eq!(s.drain_all(), vec![1, 2, 3]);
        assert!(s.is_empty());
    }
}
