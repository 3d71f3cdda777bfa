//! Offers: ringing agents, answers, misses, withdrawals, and connecting.

use crate::input::OfferFailure;
use crate::output::{CancelReason, Output};
use crate::state::{IState, Offer};
use crate::timers::Timer;
use crate::{Error, Result, Router};
use std::time::Duration;
use switchyard_core::{AgentId, EventKind, InteractionId, OfferId, QueueId, Time};

impl Router {
    pub(crate) fn make_offers(&mut self, now: Time, i: InteractionId, agents: &[AgentId]) {
        let it = &self.interactions[&i];
        let (qid, channel) = (it.queue, it.channel);
        let ring_secs = self.queues[&qid].cfg.ring_timeout_secs;
        let ring_timeout = Duration::from_secs(ring_secs.into());
        let mut ids = Vec::with_capacity(agents.len());
        for &a in agents {
            self.next_offer += 1;
            self.next_seq += 1;
            let offer = OfferId(self.next_offer);
            let timer = self.timers.arm(now + ring_timeout, Timer::Ring(offer));
            self.offers.insert(
                offer,
                Offer {
                    interaction: i,
                    agent: a,
                    queue: qid,
                    started: now,
                    timer,
                },
            );
            self.agents.get_mut(&a).expect("candidate").offer = Some(offer);
            let q = self.queues.get_mut(&qid).expect("exists");
            let m = q.members.get_mut(&a).expect("candidate is a member");
            m.offers += 1;
            m.last_offer_seq = self.next_seq;
            q.rr_last = Some(m.order);
            q.counters.offered += 1;
            *q.engaged.entry(a).or_insert(0) += 1;
            ids.push(offer);
            self.outputs.push_back(Output::Offer {
                offer,
                interaction: i,
                agent: a,
                queue: qid,
                channel,
                ring_timeout,
            });
            self.event(
                now,
                Some(i),
                Some(qid),
                Some(a),
                EventKind::Offer {
                    ring_timeout_secs: ring_secs,
                },
            );
        }
        self.set_state(
            i,
            IState::Ringing {
                offers: ids,
                since: now,
            },
        );
        self.interactions.get_mut(&i).expect("known").ring_started = Some(now);
        for &a in agents {
            self.refresh_agent(now, a);
        }
    }

    /// One fewer offer or interaction of `q` held by `a`; a queue at its cap may route again.
    pub(crate) fn disengage(&mut self, q: QueueId, a: AgentId) {
        let Some(queue) = self.queues.get_mut(&q) else {
            return;
        };
        let was_capped = queue.at_cap(None);
        if let Some(n) = queue.engaged.get_mut(&a) {
            *n -= 1;
            if *n == 0 {
                queue.engaged.remove(&a);
            }
        }
        if was_capped && !queue.at_cap(None) {
            self.pending_queues.push(q);
        }
    }

    fn take_offer(&mut self, o: OfferId) -> Result<Offer> {
        let offer = self.offers.remove(&o).ok_or(Error::UnknownOffer(o))?;
        self.timers.cancel(Some(offer.timer));
        if let Some(a) = self.agents.get_mut(&offer.agent) {
            a.offer = None;
        }
        self.disengage(offer.queue, offer.agent);
        if let Some(it) = self.interactions.get_mut(&offer.interaction)
            && let IState::Ringing { offers, .. } = &mut it.state
        {
            offers.retain(|x| *x != o);
        }
        Ok(offer)
    }

    fn ringing_left(&self, i: InteractionId) -> usize {
        match &self.interactions[&i].state {
            IState::Ringing { offers, .. } => offers.len(),
            _ => 0,
        }
    }

    /// Stops an offer that will not be answered (another leg won, the customer left,
    /// the agent went away).
    pub(crate) fn withdraw_offer(&mut self, now: Time, o: OfferId, reason: CancelReason) {
        let Ok(offer) = self.take_offer(o) else {
            return;
        };
        let i = offer.interaction;
        let ring_ms = now.saturating_since(offer.started).as_millis() as u64;
        self.event(
            now,
            Some(i),
            Some(offer.queue),
            Some(offer.agent),
            EventKind::RingCanceled { ring_ms },
        );
        self.outputs.push_back(Output::CancelOffer {
            offer: o,
            interaction: i,
            agent: offer.agent,
            reason,
        });
        if reason == CancelReason::AgentGone && self.ringing_left(i) == 0 {
            // Nobody else is ringing: back to routable at once.
            self.set_state(i, IState::Waiting);
        }
        self.refresh_agent(now, offer.agent);
    }

    /// The offer was not answered: no answer (ring timeout), rejected, or unreachable.
    pub(crate) fn offer_failed(
        &mut self,
        now: Time,
        o: OfferId,
        failure: OfferFailure,
        timed_out: bool,
    ) -> Result<()> {
        let offer = self.take_offer(o)?;
        let (i, a, qid) = (offer.interaction, offer.agent, offer.queue);
        let ring_ms = now.saturating_since(offer.started).as_millis() as u64;
        self.event(
            now,
            Some(i),
            Some(qid),
            Some(a),
            EventKind::RingNoAnswer { ring_ms },
        );
        if timed_out {
            self.outputs.push_back(Output::CancelOffer {
                offer: o,
                interaction: i,
                agent: a,
                reason: CancelReason::RingTimeout,
            });
        }
        let q = self.queues.get_mut(&qid).expect("exists");
        let lazy = q.cfg.lazymembers;
        let ap = &q.cfg.autopause;
        let counts = match failure {
            OfferFailure::NoAnswer => true,
            OfferFailure::Rejected => ap.count_rejects,
            OfferFailure::Unreachable => ap.count_unreachable,
        };
        let mut pause_after = None;
        if let Some(m) = q.members.get_mut(&a)
            && counts
        {
            m.missed_in_row += 1;
            if ap.enabled && m.missed_in_row >= ap.after_misses {
                pause_after = Some(m.missed_in_row);
                m.missed_in_row = 0;
            }
        }
        if lazy
            && let Some(it) = self.interactions.get_mut(&i)
            && !it.excluded.contains(&a)
        {
            it.excluded.push(a);
        }
        if self.ringing_left(i) == 0
            && matches!(self.interactions[&i].state, IState::Ringing { .. })
        {
            self.round_over(now, i);
        }
        if let Some(misses) = pause_after {
            self.auto_pause(now, a, qid, misses);
        }
        self.refresh_agent(now, a);
        Ok(())
    }

    /// Every leg of an offer round failed: wait the retry delay, then route again.
    fn round_over(&mut self, now: Time, i: InteractionId) {
        let secs = self.queues[&self.interactions[&i].queue].cfg.retry_secs;
        if secs == 0 {
            self.set_state(i, IState::Waiting);
        } else {
            let until = now + Duration::from_secs(secs.into());
            let timer = self.timers.arm(until, Timer::Retry(i));
            self.set_state(i, IState::Retry { until, timer });
        }
    }

    pub(crate) fn retry_over(&mut self, _now: Time, i: InteractionId) {
        if matches!(
            self.interactions.get(&i).map(|it| &it.state),
            Some(IState::Retry { .. })
        ) {
            self.set_state(i, IState::Waiting);
        }
    }

    pub(crate) fn accept(&mut self, now: Time, o: OfferId) -> Result<()> {
        let offer = self.offers.get(&o).ok_or(Error::UnknownOffer(o))?;
        let i = offer.interaction;
        // The accepted leg stays engaged: it becomes the connection.
        let offer = self.offers.remove(&o).expect("checked");
        self.timers.cancel(Some(offer.timer));
        self.agents
            .get_mut(&offer.agent)
            .expect("offered agent")
            .offer = None;
        let siblings = match &self.interactions[&i].state {
            IState::Ringing { offers, .. } => offers.iter().copied().filter(|x| *x != o).collect(),
            _ => Vec::new(),
        };
        for s in siblings {
            self.withdraw_offer(now, s, CancelReason::AnsweredElsewhere);
        }
        self.connect(now, i, offer.agent, offer.started);
        Ok(())
    }

    /// Pull mode: the agent took the interaction itself; no ringing.
    pub(crate) fn connect_claimed(&mut self, now: Time, i: InteractionId, a: AgentId) {
        let q = self.interactions[&i].queue;
        *self
            .queues
            .get_mut(&q)
            .expect("exists")
            .engaged
            .entry(a)
            .or_insert(0) += 1;
        self.connect(now, i, a, now);
    }

    fn connect(&mut self, now: Time, i: InteractionId, a: AgentId, ring_started: Time) {
        // Leave the line without touching offers (already settled) or the engagement.
        let it = self.interactions.get_mut(&i).expect("known");
        self.timers.cancel(it.max_wait_timer.take());
        self.timers.cancel(it.step_timer.take());
        let (qid, channel, media) = (it.queue, it.channel, it.channel.media());
        let q = self.queues.get_mut(&qid).expect("exists");
        q.line.remove(&it.key());
        q.by_entry.remove(&(it.entered, it.id));
        if it.state == IState::Waiting {
            Router::unbucket(q, it); // claimed straight from the line
        }
        it.in_line = false;
        it.announced = None; // this stay in line is over
        let hold = now.saturating_since(it.entered);
        it.state = IState::Connected { agent: a, at: now };
        q.counters.answered += 1;
        q.counters.wait_ms_answered += hold.as_millis() as u64;
        if hold.as_secs() <= u64::from(q.cfg.service_level_secs) {
            q.counters.answered_in_sla += 1;
        }
        if let Some(m) = q.members.get_mut(&a) {
            m.missed_in_row = 0;
        }
        let agent = self.agents.get_mut(&a).expect("known agent");
        agent.active.push((i, media));
        let ring_secs = now.saturating_since(ring_started).as_secs();
        let kind = EventKind::Connect {
            hold_secs: hold.as_secs(),
            bridged: i,
            ring_secs,
        };
        self.event(now, Some(i), Some(qid), Some(a), kind);
        self.outputs.push_back(Output::Connect {
            interaction: i,
            agent: a,
            queue: qid,
            channel,
        });
        self.queue_changed(qid);
        self.refresh_agent(now, a);
    }
}
