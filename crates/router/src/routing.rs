//! Matching: which agent(s) an interaction is offered to, and which interaction a free
//! agent takes. Both directions use indexes, never a scan of all waiters.

use crate::state::{AvailKey, IState, WaitKey, media_index};
use crate::{Error, Result, Router};
use rand::Rng;
use switchyard_core::config::Strategy;
use switchyard_core::{AgentId, InteractionId, QueueId, Time};

impl Router {
    /// Does the work queued up while handling an input: routes interactions that became
    /// routable, lets agents that became free take work, refills queues whose cap freed.
    pub(crate) fn dispatch(&mut self, now: Time) {
        loop {
            if let Some(i) = self.pending_interactions.pop() {
                self.route_interaction(now, i);
            } else if let Some(a) = self.pending_agents.pop() {
                self.agent_takes_work(now, a);
            } else if let Some(q) = self.pending_queues.pop() {
                self.route_queue(now, q);
            } else {
                break;
            }
        }
    }

    /// Offers a routable interaction to the best available member(s). Returns whether
    /// an offer went out.
    pub(crate) fn route_interaction(&mut self, now: Time, i: InteractionId) -> bool {
        let Some(it) = self.interactions.get(&i) else {
            return false;
        };
        if it.state != IState::Waiting || !it.in_line {
            return false;
        }
        let q = &self.queues[&it.queue];
        if q.cfg.pull_mode {
            return false;
        }
        // At its cap the queue may still use the agents it already keeps busy (the cap
        // counts agents, not interactions); only they are looked at, so this stays cheap.
        let media = it.channel.media();
        if q.at_cap(None)
            && !q.engaged.keys().any(|a| {
                self.agents
                    .get(a)
                    .is_some_and(|a| a.can_take(media, q.cfg.ring_in_use))
            })
        {
            return false;
        }
        let mut picked = self.candidates(i, true);
        if picked.is_empty() && !self.interactions[&i].excluded.is_empty() {
            // lazymembers: everyone available was tried this cycle; start a new cycle,
            // which tries the lowest penalty group (and the lazy members) again.
            picked = self.candidates(i, false);
            if !picked.is_empty() {
                self.interactions
                    .get_mut(&i)
                    .expect("known")
                    .excluded
                    .clear();
            }
        }
        if picked.is_empty() {
            return false;
        }
        self.make_offers(now, i, &picked);
        true
    }

    /// The member(s) the queue's strategy offers this interaction to, from the lowest
    /// penalty group that has an available, qualified (and, with `lazy`, not excluded)
    /// member within the interaction's penalty window.
    fn candidates(&mut self, i: InteractionId, lazy: bool) -> Vec<AgentId> {
        let it = &self.interactions[&i];
        let q = &self.queues[&it.queue];
        let strategy = q.cfg.strategy;
        let from = AvailKey {
            penalty: it.min_penalty,
            metric: 0,
            order: 0,
            agent: AgentId(0),
        };
        let mut group: Vec<&AvailKey> = Vec::new();
        for key in q.avail[media_index(it.channel.media())].range(from..) {
            if key.penalty > it.max_penalty
                || group.first().is_some_and(|g| g.penalty != key.penalty)
            {
                break;
            }
            if lazy && it.excluded.contains(&key.agent) {
                continue;
            }
            if q.at_cap(Some(key.agent)) || !self.agents[&key.agent].has.meets(&it.reqs) {
                continue;
            }
            group.push(key);
            let whole_group = matches!(
                strategy,
                Strategy::RingAll
                    | Strategy::Random
                    | Strategy::WeightedRandom
                    | Strategy::RrMemory
            );
            if !whole_group {
                break; // the index is in the strategy's order: the first one wins
            }
        }
        if group.is_empty() {
            return Vec::new();
        }
        match strategy {
            Strategy::RingAll => {
                // With a busy-agent cap, ring no more new agents than the cap has room
                // for, so a won fork never takes the queue over its cap.
                let room = q.cfg.max_busy_agents.map_or(usize::MAX, |cap| {
                    (cap as usize).saturating_sub(q.engaged.len())
                });
                let (engaged, fresh): (Vec<&AvailKey>, Vec<&AvailKey>) =
                    group.iter().partition(|k| q.engaged.contains_key(&k.agent));
                engaged
                    .iter()
                    .chain(fresh.iter().take(room))
                    .map(|k| k.agent)
                    .collect()
            }
            Strategy::Random => {
                let n = self.rng.random_range(0..group.len());
                vec![group[n].agent]
            }
            Strategy::WeightedRandom => {
                let weights: Vec<u64> = group
                    .iter()
                    .map(|k| u64::from(q.members[&k.agent].weight.max(1)))
                    .collect();
                let mut roll = self.rng.random_range(0..weights.iter().sum::<u64>());
                let mut pick = group[0].agent;
                for (k, w) in group.iter().zip(&weights) {
                    if roll < *w {
                        pick = k.agent;
                        break;
                    }
                    roll -= w;
                }
                vec![pick]
            }
            Strategy::RrMemory => {
                // Member order, starting after the member offered last.
                let last = q.rr_last.unwrap_or(0);
                let next = group.iter().find(|k| k.order > last).unwrap_or(&group[0]);
                vec![next.agent]
            }
            _ => vec![group[0].agent],
        }
    }

    /// A free agent takes the first eligible interaction across its queues: highest
    /// priority, then longest waiting. Loops while the agent can take more.
    pub(crate) fn agent_takes_work(&mut self, now: Time, a: AgentId) {
        // One offer at a time per agent, so this ends after at most a few rounds.
        for _ in 0..4 {
            let Some(i) = self.best_waiting_for(a, |_, pull| !pull) else {
                return;
            };
            if !self.route_interaction(now, i) {
                return;
            }
        }
    }

    /// The best routable interaction agent `a` could serve from the queues `wanted`
    /// accepts: highest priority, then earliest arrival, across all of them.
    pub(crate) fn best_waiting_for(
        &self,
        a: AgentId,
        wanted: impl Fn(QueueId, bool) -> bool,
    ) -> Option<InteractionId> {
        let agent = self.agents.get(&a)?;
        let mut best: Option<WaitKey> = None;
        for &qid in &agent.queues {
            let q = &self.queues[&qid];
            if !wanted(qid, q.cfg.pull_mode) || agent.paused_in(qid) || q.at_cap(Some(a)) {
                continue;
            }
            let penalty = q.members[&a].penalty;
            for (bucket, set) in &q.buckets {
                if penalty < bucket.min_penalty
                    || penalty > bucket.max_penalty
                    || !agent.can_take(bucket.media, q.cfg.ring_in_use)
                    || !agent.has.meets(&bucket.reqs)
                {
                    continue;
                }
                if let Some(head) = set.first()
                    && best.is_none_or(|b| *head < b)
                {
                    best = Some(*head);
                }
            }
        }
        best.map(|k| k.id)
    }

    /// A queue whose cap freed (or whose settings changed): route the heads of its
    /// buckets until no more offers go out.
    pub(crate) fn route_queue(&mut self, now: Time, qid: QueueId) {
        let Some(q) = self.queues.get(&qid) else {
            return;
        };
        let heads: Vec<InteractionId> = q
            .buckets
            .values()
            .filter_map(|s| s.first().map(|k| k.id))
            .collect();
        for i in heads {
            let mut next = Some(i);
            while let Some(i) = next {
                if !self.route_interaction(now, i) {
                    break;
                }
                let it = &self.interactions[&i];
                let q = &self.queues[&qid];
                next = q
                    .buckets
                    .get(&it.bucket())
                    .and_then(|s| s.first())
                    .map(|k| k.id);
            }
        }
    }

    /// Pull mode: connect the best waiting interaction of the agent's pull-mode queues
    /// (or of `only`) directly to it.
    pub(crate) fn do_claim(
        &mut self,
        now: Time,
        a: AgentId,
        only: Option<QueueId>,
    ) -> Result<Option<InteractionId>> {
        let agent = self.agents.get(&a).ok_or(Error::UnknownAgent(a))?;
        if !agent.online() {
            return Err(Error::InvalidState {
                what: "claiming",
                why: "the agent is not logged in",
            });
        }
        if let Some(q) = only
            && !agent.queues.contains(&q)
        {
            return Err(Error::NotMember { agent: a, queue: q });
        }
        let wanted = |qid: QueueId, pull: bool| only.map_or(pull, |o| o == qid);
        let Some(i) = self.best_waiting_for(a, wanted) else {
            return Ok(None);
        };
        self.connect_claimed(now, i, a);
        Ok(Some(i))
    }
}
