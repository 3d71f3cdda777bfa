//! Deadlines, ordered. Owners keep the key of each timer they arm so they can cancel it;
//! everything is O(log n) and nothing is scanned.

use std::collections::BTreeMap;
use switchyard_core::{AgentId, InteractionId, MediaKind, OfferId, QueueId, Time};

/// What a deadline is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timer {
    /// An offer rang for the ring timeout.
    Ring(OfferId),
    /// An interaction's retry delay is over.
    Retry(InteractionId),
    /// An interaction reached the queue's max wait.
    MaxWait(InteractionId),
    /// An interaction reached its next escalation step.
    Escalate(InteractionId),
    /// An agent's wrap-up for one kind of media is over.
    WrapUp(AgentId, MediaKind),
    /// An auto-paused agent is resumed.
    AutoResume(AgentId, Option<QueueId>),
}

/// Handle of an armed timer.
pub(crate) type TimerKey = (Time, u64);

#[derive(Debug, Default)]
pub(crate) struct Timers {
    due: BTreeMap<TimerKey, Timer>,
    next: u64,
}

impl Timers {
    pub(crate) fn arm(&mut self, at: Time, t: Timer) -> TimerKey {
        self.next += 1;
        let key = (at, self.next);
        self.due.insert(key, t);
        key
    }

    pub(crate) fn cancel(&mut self, key: Option<TimerKey>) {
        if let Some(k) = key {
            self.due.remove(&k);
        }
    }

    pub(crate) fn next_deadline(&self) -> Option<Time> {
        self.due.keys().next().map(|k| k.0)
    }

    /// Removes and returns the earliest timer due at or before `now`.
    pub(crate) fn pop_due(&mut self, now: Time) -> Option<Timer> {
        let (&key, _) = self.due.iter().next()?;
        if key.0 > now {
            return None;
        }
        self.due.remove(&key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_deadline_order_and_honours_cancel() {
        let mut t = Timers::default();
        let a = t.arm(Time(30), Timer::Retry(InteractionId(1)));
        t.arm(Time(10), Timer::Retry(InteractionId(2)));
        t.arm(Time(20), Timer::Retry(InteractionId(3)));
        t.cancel(Some(a));
        assert_eq!(t.next_deadline(), Some(Time(10)));
        assert_eq!(t.pop_due(Time(5)), None);
        assert_eq!(t.pop_due(Time(25)), Some(Timer::Retry(InteractionId(2))));
        assert_eq!(t.pop_due(Time(25)), Some(Timer::Retry(InteractionId(3))));
        assert_eq!(t.pop_due(Time(100)), None);
        assert_eq!(t.next_deadline(), None);
    }
}
