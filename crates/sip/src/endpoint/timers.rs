//! The endpoint's timer queue: every transaction or leg that has a timer is in a min-heap
//! at its deadline, so firing timers costs O(due · log n) instead of polling every live
//! transaction and leg (which the SIP driver did up to 100 times a second).
//!
//! Entries are pushed whenever a transaction or leg is drained (every change to one goes
//! through a drain) and are never updated in place: an entry whose deadline has since
//! moved or whose owner is gone is skipped when it comes up. Because stale entries pile
//! up between their pushing and their time, the owner rebuilds the heap from its live
//! entries when it grows past [`Timers::needs_rebuild`].

use super::calls::CallHandle;
use crate::transaction::{ClientKey, ServerKey};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use switchyard_core::Time;

/// Whose timer an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Due {
    Server(ServerKey),
    Client(ClientKey),
    Leg(CallHandle),
}

#[derive(Debug)]
struct Entry {
    at: Time,
    seq: u64,
    due: Due,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// A min-heap of deadlines (ties in push order).
#[derive(Debug, Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<Entry>>,
    seq: u64,
}

impl Timers {
    /// Remembers that `due` has a timer at `at` (nothing when `at` is `None`).
    pub(crate) fn schedule(&mut self, at: Option<Time>, due: impl FnOnce() -> Due) {
        if let Some(at) = at {
            self.seq += 1;
            self.heap.push(Reverse(Entry {
                at,
                seq: self.seq,
                due: due(),
            }));
        }
    }

    /// The earliest deadline (possibly a stale one: waking for it is harmless).
    pub(crate) fn next(&self) -> Option<Time> {
        self.heap.peek().map(|Reverse(e)| e.at)
    }

    /// The next entry whose time has come, if any; the owner checks it is still due.
    pub(crate) fn pop_due(&mut self, now: Time) -> Option<Due> {
        if self.next()? <= now {
            self.heap.pop().map(|Reverse(e)| e.due)
        } else {
            None
        }
    }

    /// Whether stale entries outnumber `live` timer owners enough to rebuild.
    pub(crate) fn needs_rebuild(&self, live: usize) -> bool {
        self.heap.len() > 2 * live + 1024
    }

    /// Forgets every entry (before scheduling the live ones again).
    pub(crate) fn clear(&mut self) {
        self.heap.clear();
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_deadline_order_and_only_when_due() {
        let mut t = Timers::default();
        t.schedule(Some(Time(30)), || Due::Leg(CallHandle(3)));
        t.schedule(Some(Time(10)), || Due::Leg(CallHandle(1)));
        t.schedule(None, || Due::Leg(CallHandle(9)));
        t.schedule(Some(Time(10)), || Due::Leg(CallHandle(2)));
        assert_eq!(t.len(), 3);
        assert_eq!(t.next(), Some(Time(10)));
        assert_eq!(t.pop_due(Time(9)), None);
        assert_eq!(t.pop_due(Time(20)), Some(Due::Leg(CallHandle(1))));
        assert_eq!(t.pop_due(Time(20)), Some(Due::Leg(CallHandle(2))));
        assert_eq!(t.pop_due(Time(20)), None);
        assert_eq!(t.next(), Some(Time(30)));
        assert_eq!(t.pop_due(Time(30)), Some(Due::Leg(CallHandle(3))));
        assert_eq!(t.next(), None);
        assert!(!t.needs_rebuild(0));
    }
}
