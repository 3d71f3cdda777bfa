//! Joining a queue (admission checks) and the overflow chain.

use crate::input::NewInteraction;
use crate::output::{CancelReason, Output};
use crate::state::{IState, Interaction};
use crate::{Error, Result, Router};
use std::time::Duration;
use switchyard_core::config::{EmptyWhen, OverflowAction, OverflowTrigger};
use switchyard_core::{Channel, EventKind, InteractionId, QueueId, Time};

/// How many overflow hops an interaction may take before the chain is cut (loops in a
/// misconfigured chain end in a hang-up, not a spin).
const MAX_HOPS: u8 = 8;

impl Router {
    pub(crate) fn join(&mut self, now: Time, ni: NewInteraction) -> Result<()> {
        let q = self
            .queues
            .get_mut(&ni.queue)
            .ok_or(Error::UnknownQueue(ni.queue))?;
        if q.cfg.tenant != ni.tenant {
            return Err(Error::TenantMismatch(q.cfg.tenant, ni.tenant));
        }
        if self.interactions.contains_key(&ni.id) {
            return Err(Error::DuplicateInteraction(ni.id));
        }
        // A caller who abandoned a moment ago takes the old place back.
        let resumed = match q.abandoned.remove(&ni.caller_id) {
            Some((arrived, until)) if until >= now && !ni.caller_id.is_empty() => Some(arrived),
            _ => None,
        };
        let arrived = ni.arrived.or(resumed).unwrap_or(now);
        let own = self.skills.reqs(&ni.skills);
        self.next_seq += 1;
        let it = Interaction {
            id: ni.id,
            tenant: ni.tenant,
            queue: ni.queue,
            channel: ni.channel,
            caller_id: ni.caller_id,
            priority: ni.priority,
            arrived,
            entered: now,
            seq: self.next_seq,
            own,
            skills: ni.skills,
            announced: None,
            dropped: Vec::new(),
            reqs: Default::default(),
            min_penalty: 0,
            max_penalty: u32::MAX,
            next_step: 0,
            state: IState::Waiting,
            excluded: Vec::new(),
            orig_position: 0,
            max_wait_timer: None,
            step_timer: None,
            used_links: Vec::new(),
            hops: 0,
            callback_attempts: 0,
            in_line: false,
            ring_started: None,
        };
        self.interactions.insert(ni.id, it);
        self.place(now, ni.id, ni.queue, true);
        Ok(())
    }

    /// Enters the interaction into `queue`, running the admission checks when `check`
    /// (schedule, depth, joinempty, agent cap) and following the chain when one fires.
    pub(crate) fn place(&mut self, now: Time, i: InteractionId, queue: QueueId, check: bool) {
        let q = &self.queues[&queue];
        let it = self.interactions.get_mut(&i).expect("known interaction");
        it.queue = queue;
        it.entered = now;
        it.next_step = 0;
        it.min_penalty = 0;
        it.max_penalty = q.cfg.max_penalty.unwrap_or(u32::MAX);
        it.dropped.clear();
        it.excluded.clear();
        it.state = IState::Waiting;
        let channel = it.channel;
        if check {
            if q.schedule.as_ref().is_some_and(|s| !s.is_open(now)) {
                return self.overflow(now, i, queue, OverflowTrigger::AfterHours);
            }
            let full = q
                .cfg
                .max_depth
                .is_some_and(|d| q.line.len() as u64 >= u64::from(d));
            if full && channel != Channel::Callback {
                self.event(now, Some(i), Some(queue), None, EventKind::Full);
                return self.overflow(now, i, queue, OverflowTrigger::MaxDepth);
            }
            if self.queue_empty(queue, &self.interactions[&i], q.cfg.join_empty) {
                self.event(now, Some(i), Some(queue), None, EventKind::JoinEmpty);
                return self.overflow(now, i, queue, OverflowTrigger::NoAgents);
            }
            if q.at_cap(None)
                && q.cfg
                    .overflow
                    .iter()
                    .any(|l| l.on.contains(&OverflowTrigger::AgentCap))
            {
                return self.overflow(now, i, queue, OverflowTrigger::AgentCap);
            }
        }
        let it = &self.interactions[&i];
        // Back in the line it already entered (a callback conversion): same entry,
        // no second ENTERQUEUE, same entry position.
        let reentry = it.announced == Some(queue);
        if !reentry {
            let kind = EventKind::EnterQueue {
                channel,
                caller_id: it.caller_id.clone(),
            };
            self.event(now, Some(i), Some(queue), None, kind);
            self.queues
                .get_mut(&queue)
                .expect("exists")
                .counters
                .entered += 1;
            self.interactions.get_mut(&i).expect("known").announced = Some(queue);
        }
        self.insert_line(i);
        if reentry {
            self.arm_max_wait(i);
            self.arm_step(i);
            return;
        }
        // Position at entry; a plain join lands at the end, so this is O(1) then.
        let q = &self.queues[&queue];
        let key = self.interactions[&i].key();
        let pos = if q.line.last() == Some(&key) {
            q.line.len() as u32
        } else {
            self.position_of(&self.interactions[&i])
        };
        self.interactions.get_mut(&i).expect("known").orig_position = pos;
        self.arm_max_wait(i);
        self.arm_step(i);
    }

    /// Sends the interaction (not in any line now) down `from`'s overflow chain.
    pub(crate) fn overflow(
        &mut self,
        now: Time,
        i: InteractionId,
        from: QueueId,
        trigger: OverflowTrigger,
    ) {
        let it = &self.interactions[&i];
        let q = &self.queues[&from];
        let link = q
            .cfg
            .overflow
            .iter()
            .enumerate()
            .find(|(idx, l)| l.on.contains(&trigger) && !it.used_links.contains(&(from, *idx)))
            .map(|(idx, l)| (idx, l.action.clone()));
        self.queues
            .get_mut(&from)
            .expect("exists")
            .counters
            .overflowed += 1;
        let Some((idx, action)) = link else {
            return match trigger {
                // No link for the cap: simply wait in line.
                OverflowTrigger::AgentCap => self.place(now, i, from, false),
                // No link: the default is to end it, logged like any overflow (so
                // reports and alarms see every limit that fired).
                _ => {
                    let action = OverflowAction::Hangup;
                    let kind = EventKind::Overflow {
                        trigger,
                        action: action.clone(),
                    };
                    self.event(now, Some(i), Some(from), None, kind);
                    self.finish(now, i, from, trigger, action)
                }
            };
        };
        self.interactions
            .get_mut(&i)
            .expect("known")
            .used_links
            .push((from, idx));
        self.event(
            now,
            Some(i),
            Some(from),
            None,
            EventKind::Overflow {
                trigger,
                action: action.clone(),
            },
        );
        self.take_action(now, i, from, trigger, action);
    }

    /// Carries out an overflow action (or a customer's choice) for an interaction that
    /// is not in any line now.
    pub(crate) fn take_action(
        &mut self,
        now: Time,
        i: InteractionId,
        from: QueueId,
        trigger: OverflowTrigger,
        action: OverflowAction,
    ) {
        match action {
            OverflowAction::Queue { queue } => {
                let ok = self
                    .queues
                    .get(&queue)
                    .is_some_and(|q2| q2.cfg.tenant == self.interactions[&i].tenant)
                    && queue != from
                    && self.interactions[&i].hops < MAX_HOPS;
                if ok {
                    self.interactions.get_mut(&i).expect("known").hops += 1;
                    self.place(now, i, queue, true);
                } else {
                    self.finish(now, i, from, trigger, OverflowAction::Hangup);
                }
            }
            OverflowAction::Callback if self.interactions[&i].channel != Channel::Callback => {
                let number = self.interactions[&i].caller_id.clone();
                self.interactions.get_mut(&i).expect("known").channel = Channel::Callback;
                self.event(
                    now,
                    Some(i),
                    Some(from),
                    None,
                    EventKind::CallbackRequest { number },
                );
                self.outputs.push_back(Output::Overflow {
                    interaction: i,
                    queue: from,
                    trigger,
                    action,
                });
                // Same queue, same wait: escalation already applied stays applied (a
                // fresh entry would replay its steps and overtake earlier arrivals).
                let it = &self.interactions[&i];
                let kept = (
                    it.entered,
                    it.next_step,
                    it.min_penalty,
                    it.max_penalty,
                    it.dropped.clone(),
                );
                self.place(now, i, from, false);
                self.rekey(i, move |_, it| {
                    (
                        it.entered,
                        it.next_step,
                        it.min_penalty,
                        it.max_penalty,
                        it.dropped,
                    ) = kept;
                });
                self.arm_step(i);
            }
            // A callback that overflows again simply keeps waiting.
            OverflowAction::Callback => self.place(now, i, from, false),
            other => self.finish(now, i, from, trigger, other),
        }
    }

    /// The interaction leaves the router to an action the edge carries out.
    pub(crate) fn finish(
        &mut self,
        _now: Time,
        i: InteractionId,
        from: QueueId,
        trigger: OverflowTrigger,
        action: OverflowAction,
    ) {
        self.forget(i);
        self.outputs.push_back(Output::Overflow {
            interaction: i,
            queue: from,
            trigger,
            action,
        });
    }

    /// Drops every trace of an interaction that left the line.
    pub(crate) fn forget(&mut self, i: InteractionId) {
        if let Some(it) = self.interactions.remove(&i) {
            self.timers.cancel(it.max_wait_timer);
            self.timers.cancel(it.step_timer);
        }
    }

    /// app_queue joinempty/leavewhenempty: is there nobody for this interaction?
    pub(crate) fn queue_empty(&self, queue: QueueId, it: &Interaction, when: EmptyWhen) -> bool {
        if when == EmptyWhen::Never {
            return false;
        }
        let q = &self.queues[&queue];
        let reqs = Self::compute_reqs(q, it);
        !q.members.keys().any(|a| {
            let a = &self.agents[a];
            a.online()
                && match when {
                    EmptyWhen::Never | EmptyWhen::NoneLoggedIn => true,
                    EmptyWhen::NoneQualified => a.has.meets(&reqs),
                    EmptyWhen::NoneUnpaused => a.has.meets(&reqs) && !a.paused_in(queue),
                }
        })
    }

    /// leavewhenempty: after staffing dropped, send on whoever nobody can serve now.
    pub(crate) fn check_leave_when_empty(&mut self, now: Time, queue: QueueId) {
        let Some(q) = self.queues.get(&queue) else {
            return;
        };
        let when = q.cfg.leave_when_empty;
        if when == EmptyWhen::Never {
            return;
        }
        let stranded: Vec<InteractionId> = q
            .line
            .iter()
            .map(|k| &self.interactions[&k.id])
            .filter(|it| it.channel != Channel::Callback && self.queue_empty(queue, it, when))
            .map(|it| it.id)
            .collect();
        for i in stranded {
            let it = &self.interactions[&i];
            let (orig, wait) = (it.orig_position, now.saturating_since(it.entered).as_secs());
            let position = self.leave_line(now, i, CancelReason::Withdrawn);
            let kind = EventKind::ExitEmpty {
                position,
                orig_position: orig,
                wait_secs: wait,
            };
            self.event(now, Some(i), Some(queue), None, kind);
            self.overflow(now, i, queue, OverflowTrigger::NoAgents);
        }
    }

    pub(crate) fn remember_abandon(
        &mut self,
        now: Time,
        queue: QueueId,
        caller_id: &str,
        arrived: Time,
    ) {
        let q = self.queues.get_mut(&queue).expect("exists");
        let Some(secs) = q.cfg.abandon_resume_secs else {
            return;
        };
        if caller_id.is_empty() {
            return;
        }
        // Amortised clean-up keeps the map bounded by recent abandons.
        if q.abandoned.len() >= 1024 {
            q.abandoned.retain(|_, (_, until)| *until >= now);
        }
        q.abandoned.insert(
            caller_id.to_string(),
            (arrived, now + Duration::from_secs(secs.into())),
        );
    }
}
