//! The line of each queue and its routable buckets: insert, remove, re-key.

use crate::Router;
use crate::output::CancelReason;
use crate::skills::Reqs;
use crate::state::{IState, Interaction, Queue};
use crate::timers::Timer;
use std::time::Duration;
use switchyard_core::{InteractionId, Time};

impl Router {
    /// Recomputes what an agent must have to serve the interaction in its queue.
    pub(crate) fn compute_reqs(q: &Queue, it: &Interaction) -> Reqs {
        Reqs::build(q.required.iter().chain(it.own.iter()).copied(), &it.dropped)
    }

    /// Puts the interaction in its queue's line (state as it is) and makes it routable
    /// if it is waiting.
    pub(crate) fn insert_line(&mut self, i: InteractionId) {
        let it = self.interactions.get_mut(&i).expect("known interaction");
        let q = self
            .queues
            .get_mut(&it.queue)
            .expect("queue of interaction");
        it.in_line = true;
        it.reqs = Self::compute_reqs(q, it);
        q.line.insert(it.key());
        q.by_entry.insert((it.entered, it.id));
        if it.state == IState::Waiting {
            q.buckets.entry(it.bucket()).or_default().insert(it.key());
            self.pending_interactions.push(i);
        }
        let qid = it.queue;
        self.queue_changed(qid);
    }

    pub(crate) fn unbucket(q: &mut Queue, it: &Interaction) {
        let b = it.bucket();
        if let Some(set) = q.buckets.get_mut(&b) {
            set.remove(&it.key());
            if set.is_empty() {
                q.buckets.remove(&b);
            }
        }
    }

    /// Changes the state, keeping bucket membership in step.
    pub(crate) fn set_state(&mut self, i: InteractionId, state: IState) {
        let it = self.interactions.get_mut(&i).expect("known interaction");
        let q = self
            .queues
            .get_mut(&it.queue)
            .expect("queue of interaction");
        let was_waiting = it.state == IState::Waiting;
        let now_waiting = state == IState::Waiting;
        if it.in_line && was_waiting && !now_waiting {
            Self::unbucket(q, it);
        }
        it.state = state;
        if it.in_line && now_waiting && !was_waiting {
            q.buckets.entry(it.bucket()).or_default().insert(it.key());
            self.pending_interactions.push(i);
        }
    }

    /// Changes what orders or groups the interaction (priority, skills, penalty window)
    /// without losing its place: the arrival time and join sequence stay.
    pub(crate) fn rekey(&mut self, i: InteractionId, f: impl FnOnce(&Router, &mut Interaction)) {
        let Some(mut it) = self.interactions.remove(&i) else {
            return;
        };
        if it.in_line {
            let q = self
                .queues
                .get_mut(&it.queue)
                .expect("queue of interaction");
            q.line.remove(&it.key());
            q.by_entry.remove(&(it.entered, it.id));
            if it.state == IState::Waiting {
                Self::unbucket(q, &it);
            }
        }
        f(self, &mut it);
        self.interactions.insert(i, it);
        if self.interactions[&i].in_line {
            self.insert_line(i);
        }
    }

    /// 1-based position in line (O(position): used for exits and views, not routing).
    pub(crate) fn position_of(&self, it: &Interaction) -> u32 {
        let q = &self.queues[&it.queue];
        q.line.range(..it.key()).count() as u32 + 1
    }

    /// Takes the interaction out of its line: offers withdrawn, timers cancelled.
    /// Returns its position just before leaving.
    pub(crate) fn leave_line(&mut self, now: Time, i: InteractionId, reason: CancelReason) -> u32 {
        let it = &self.interactions[&i];
        if !it.in_line {
            return 0;
        }
        let pos = self.position_of(it);
        if let IState::Ringing { offers, .. } = &it.state {
            for o in offers.clone() {
                self.withdraw_offer(now, o, reason);
            }
        }
        let it = self.interactions.get_mut(&i).expect("known");
        if let IState::Retry { timer, .. } = it.state {
            self.timers.cancel(Some(timer));
        }
        self.timers.cancel(it.max_wait_timer.take());
        self.timers.cancel(it.step_timer.take());
        let q = self
            .queues
            .get_mut(&it.queue)
            .expect("queue of interaction");
        q.line.remove(&it.key());
        // The entry-time index feeds "longest wait": a customer who left is not waiting.
        q.by_entry.remove(&(it.entered, it.id));
        if it.state == IState::Waiting {
            Self::unbucket(q, it);
        }
        it.in_line = false;
        it.state = IState::Waiting;
        let qid = it.queue;
        self.queue_changed(qid);
        pos
    }

    /// Arms (or re-arms) the max-wait deadline, counted from entering the queue.
    /// Callbacks are not on the line, so they have none.
    pub(crate) fn arm_max_wait(&mut self, i: InteractionId) {
        let it = self.interactions.get_mut(&i).expect("known");
        self.timers.cancel(it.max_wait_timer.take());
        let q = &self.queues[&it.queue];
        if let (Some(secs), false) = (
            q.cfg.max_wait_secs,
            it.channel == switchyard_core::Channel::Callback,
        ) {
            let at = it.entered + Duration::from_secs(secs.into());
            it.max_wait_timer = Some(self.timers.arm(at, Timer::MaxWait(i)));
        }
    }

    /// Arms the deadline of the next escalation step, if there is one.
    pub(crate) fn arm_step(&mut self, i: InteractionId) {
        let it = self.interactions.get_mut(&i).expect("known");
        self.timers.cancel(it.step_timer.take());
        let q = &self.queues[&it.queue];
        if let Some(step) = q.cfg.escalation.get(it.next_step) {
            let at = it.entered + Duration::from_secs(step.after_secs.into());
            it.step_timer = Some(self.timers.arm(at, Timer::Escalate(i)));
        }
    }
}
