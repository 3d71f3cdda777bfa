//! What happens to an interaction after it joined: answered calls ending, customers
//! leaving, moves, transfers, keys, callbacks, priority, escalation and max wait.

use crate::input::EndedBy;
use crate::output::CancelReason;
use crate::state::IState;
use crate::timers::Timer;
use crate::{Error, Result, Router};
use std::time::Duration;
use switchyard_core::config::{OverflowAction, OverflowTrigger};
use switchyard_core::{AgentId, Channel, EventKind, InteractionId, QueueId, Time};

/// What releasing an agent from a connected interaction reports.
struct Released {
    agent: AgentId,
    queue: QueueId,
    orig_position: u32,
    hold_secs: u64,
    call_secs: u64,
}

/// Weight of the newest handle time in the moving average.
const AHT_ALPHA: f64 = 0.2;

impl Router {
    fn in_line(&self, i: InteractionId, what: &'static str) -> Result<()> {
        let it = self
            .interactions
            .get(&i)
            .ok_or(Error::UnknownInteraction(i))?;
        if it.in_line {
            Ok(())
        } else {
            Err(Error::InvalidState {
                what,
                why: "the interaction is not waiting",
            })
        }
    }

    fn connected(&self, i: InteractionId, what: &'static str) -> Result<(AgentId, Time)> {
        let it = self
            .interactions
            .get(&i)
            .ok_or(Error::UnknownInteraction(i))?;
        match it.state {
            IState::Connected { agent, at } => Ok((agent, at)),
            _ => Err(Error::InvalidState {
                what,
                why: "the interaction is not connected",
            }),
        }
    }

    fn target_queue(&self, i: InteractionId, to: QueueId) -> Result<()> {
        let q = self.queues.get(&to).ok_or(Error::UnknownQueue(to))?;
        let t = self.interactions[&i].tenant;
        if q.cfg.tenant != t {
            return Err(Error::UnknownQueue(to)); // another tenant's queue does not exist for us
        }
        Ok(())
    }

    pub(crate) fn customer_left(&mut self, now: Time, i: InteractionId) -> Result<()> {
        let it = self
            .interactions
            .get(&i)
            .ok_or(Error::UnknownInteraction(i))?;
        if matches!(it.state, IState::Connected { .. }) {
            return self.complete(now, i, EndedBy::Customer);
        }
        let (q, orig, wait, arrived) = (
            it.queue,
            it.orig_position,
            now.saturating_since(it.entered),
            it.arrived,
        );
        let caller = (it.channel != Channel::Callback).then(|| it.caller_id.clone());
        let position = self.leave_line(now, i, CancelReason::CustomerLeft);
        let kind = EventKind::Abandon {
            position,
            orig_position: orig,
            wait_secs: wait.as_secs(),
        };
        self.event(now, Some(i), Some(q), None, kind);
        self.queues.get_mut(&q).expect("exists").counters.abandoned += 1;
        if let Some(c) = caller {
            self.remember_abandon(now, q, &c, arrived);
        }
        self.forget(i);
        Ok(())
    }

    /// Frees the agent of a connected interaction; returns who and how long, for the
    /// COMPLETE/TRANSFER event.
    fn release(&mut self, now: Time, i: InteractionId, handled: bool) -> Released {
        let it = &self.interactions[&i];
        let IState::Connected { agent: a, at } = it.state else {
            unreachable!("release of a connected interaction")
        };
        let (qid, media) = (it.queue, it.channel.media());
        let (orig_position, hold_secs) =
            (it.orig_position, at.saturating_since(it.entered).as_secs());
        let talk = now.saturating_since(at);
        let agent = self.agents.get_mut(&a).expect("connected agent");
        agent.active.retain(|(x, _)| *x != i);
        let wrap = agent.cfg.wrap_up_secs;
        if handled {
            agent.handled += 1;
            agent.idle_since = now;
            let q = self.queues.get_mut(&qid).expect("exists");
            let wrap = wrap.unwrap_or(q.cfg.wrap_up_secs);
            if let Some(m) = q.members.get_mut(&a) {
                m.calls += 1;
                m.talk_ms += talk.as_millis() as u64;
            }
            let sample = (talk.as_millis() as u64 + u64::from(wrap) * 1000) as f64;
            let c = &mut q.counters;
            c.aht_ms = Some(
                c.aht_ms
                    .map_or(sample, |avg| avg + AHT_ALPHA * (sample - avg)),
            );
            self.start_wrap_up(now, a, media, wrap);
        }
        self.disengage(qid, a);
        Released {
            agent: a,
            queue: qid,
            orig_position,
            hold_secs,
            call_secs: talk.as_secs(),
        }
    }

    pub(crate) fn complete(&mut self, now: Time, i: InteractionId, by: EndedBy) -> Result<()> {
        self.connected(i, "completing")?;
        let r = self.release(now, i, true);
        let (hold_secs, call_secs, orig_position) = (r.hold_secs, r.call_secs, r.orig_position);
        let kind = match by {
            EndedBy::Agent => EventKind::CompleteAgent {
                hold_secs,
                call_secs,
                orig_position,
            },
            EndedBy::Customer => EventKind::CompleteCaller {
                hold_secs,
                call_secs,
                orig_position,
            },
        };
        self.event(now, Some(i), Some(r.queue), Some(r.agent), kind);
        self.forget(i);
        self.refresh_agent(now, r.agent);
        Ok(())
    }

    pub(crate) fn transfer(&mut self, now: Time, i: InteractionId, to: QueueId) -> Result<()> {
        self.connected(i, "transferring")?;
        self.target_queue(i, to)?;
        let r = self.release(now, i, true);
        let target = self.queues[&to].cfg.name.clone();
        let kind = EventKind::Transfer {
            target,
            hold_secs: r.hold_secs,
            call_secs: r.call_secs,
            orig_position: r.orig_position,
        };
        self.event(now, Some(i), Some(r.queue), Some(r.agent), kind);
        self.interactions.get_mut(&i).expect("known").state = IState::Waiting;
        self.place(now, i, to, true);
        self.refresh_agent(now, r.agent);
        Ok(())
    }

    pub(crate) fn move_interaction(
        &mut self,
        now: Time,
        i: InteractionId,
        to: QueueId,
    ) -> Result<()> {
        self.in_line(i, "moving")?;
        self.target_queue(i, to)?;
        let from = self.interactions[&i].queue;
        if from == to {
            return Ok(());
        }
        self.leave_line(now, i, CancelReason::Withdrawn);
        self.event(now, Some(i), Some(from), None, EventKind::Move { to });
        // A supervisor's move is deliberate: no admission checks in the target.
        self.place(now, i, to, false);
        Ok(())
    }

    pub(crate) fn set_priority(
        &mut self,
        now: Time,
        i: InteractionId,
        priority: i32,
    ) -> Result<()> {
        self.in_line(i, "changing priority")?;
        self.rekey(i, |_, it| it.priority = priority);
        let q = self.interactions[&i].queue;
        self.event(
            now,
            Some(i),
            Some(q),
            None,
            EventKind::Priority { priority },
        );
        Ok(())
    }

    pub(crate) fn key(&mut self, now: Time, i: InteractionId, digit: char) -> Result<()> {
        self.in_line(i, "pressing a key")?;
        let it = &self.interactions[&i];
        let q = it.queue;
        let Some(action) = self.queues[&q]
            .cfg
            .keys
            .iter()
            .find(|k| k.digit == digit)
            .map(|k| k.action.clone())
        else {
            return Ok(()); // keys without a meaning are ignored, as app_queue does
        };
        if action == OverflowAction::Callback {
            let number = it.caller_id.clone();
            return self.request_callback(now, i, number);
        }
        let (orig, wait) = (it.orig_position, now.saturating_since(it.entered).as_secs());
        let position = self.leave_line(now, i, CancelReason::Withdrawn);
        let kind = EventKind::ExitWithKey {
            key: digit,
            position,
            orig_position: orig,
            wait_secs: wait,
        };
        self.event(now, Some(i), Some(q), None, kind);
        self.take_action(now, i, q, OverflowTrigger::CustomerChoice, action);
        Ok(())
    }

    /// The interaction becomes a callback at the same place in line.
    pub(crate) fn request_callback(
        &mut self,
        now: Time,
        i: InteractionId,
        number: String,
    ) -> Result<()> {
        self.in_line(i, "requesting a callback")?;
        if number.is_empty() {
            return Err(Error::InvalidSetting {
                field: "number",
                why: "a callback needs a number",
            });
        }
        let q = self.interactions[&i].queue;
        self.leave_line(now, i, CancelReason::Withdrawn);
        let it = self.interactions.get_mut(&i).expect("known");
        it.channel = Channel::Callback;
        it.caller_id = number.clone();
        self.event(
            now,
            Some(i),
            Some(q),
            None,
            EventKind::CallbackRequest { number },
        );
        // Same arrival and sequence: the same place in line.
        self.insert_line(i);
        self.arm_step(i);
        Ok(())
    }

    pub(crate) fn callback_failed(&mut self, now: Time, i: InteractionId) -> Result<()> {
        self.connected(i, "failing a callback")?;
        if self.interactions[&i].channel != Channel::Callback {
            return Err(Error::InvalidState {
                what: "failing a callback",
                why: "the interaction is not a callback",
            });
        }
        let a = self.release(now, i, false).agent;
        let it = self.interactions.get_mut(&i).expect("known");
        it.callback_attempts += 1;
        let q = it.queue;
        let policy = self.queues[&q].cfg.callback;
        let attempt = it.callback_attempts;
        let will_retry = attempt < policy.max_attempts;
        self.event(
            now,
            Some(i),
            Some(q),
            Some(a),
            EventKind::CallbackFailed {
                attempt,
                will_retry,
            },
        );
        if will_retry {
            let until = now + Duration::from_secs(policy.retry_secs.into());
            let timer = self.timers.arm(until, Timer::Retry(i));
            self.interactions.get_mut(&i).expect("known").state = IState::Retry { until, timer };
            self.insert_line(i);
        } else {
            self.forget(i);
        }
        self.refresh_agent(now, a);
        Ok(())
    }

    pub(crate) fn max_wait(&mut self, now: Time, i: InteractionId) {
        let Some(it) = self.interactions.get_mut(&i) else {
            return;
        };
        it.max_wait_timer = None; // this very timer fired
        if !it.in_line {
            return;
        }
        let (q, orig, wait) = (
            it.queue,
            it.orig_position,
            now.saturating_since(it.entered).as_secs(),
        );
        let position = self.leave_line(now, i, CancelReason::Withdrawn);
        let kind = EventKind::ExitWithTimeout {
            position,
            orig_position: orig,
            wait_secs: wait,
        };
        self.event(now, Some(i), Some(q), None, kind);
        self.overflow(now, i, q, OverflowTrigger::MaxWait);
    }

    pub(crate) fn escalate(&mut self, now: Time, i: InteractionId) {
        let Some(it) = self.interactions.get_mut(&i) else {
            return;
        };
        it.step_timer = None; // this very timer fired
        let q = it.queue;
        let idx = it.next_step;
        let Some(step) = self.queues[&q].cfg.escalation.get(idx).cloned() else {
            return;
        };
        let before = it.priority;
        self.rekey(i, |r, it| {
            if let Some(p) = step.min_penalty {
                it.min_penalty = p;
            }
            if let Some(p) = step.max_penalty {
                it.max_penalty = p;
            }
            it.dropped
                .extend(step.drop_skills.iter().filter_map(|s| r.skills.get(s)));
            it.priority = it.priority.saturating_add(step.raise_priority);
            it.next_step = idx + 1;
            // A new window or fewer skills means new candidates: a fresh lazymembers cycle.
            it.excluded.clear();
        });
        self.event(
            now,
            Some(i),
            Some(q),
            None,
            EventKind::Escalate { step: idx as u32 },
        );
        let after = self.interactions[&i].priority;
        if after != before {
            self.event(
                now,
                Some(i),
                Some(q),
                None,
                EventKind::Priority { priority: after },
            );
        }
        self.arm_step(i);
    }
}
