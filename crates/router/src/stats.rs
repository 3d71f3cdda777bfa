//! Read-only views: queue figures, the line, agents, estimated wait.

use crate::skills::Reqs;
use crate::state::{IState, Interaction};
use crate::view::{AgentView, Estimate, InteractionState, InteractionView, QueueStats};
use crate::{Error, Result, Router};
use std::time::Duration;
use switchyard_core::{AgentId, InteractionId, QueueId, Time};

/// Handle time assumed until a queue has measured one.
const DEFAULT_AHT_MS: f64 = 180_000.0;

impl Router {
    fn view(&self, it: &Interaction, position: Option<u32>) -> InteractionView {
        let (state, agent) = match it.state {
            IState::Waiting => (InteractionState::Waiting, None),
            IState::Ringing { .. } => (InteractionState::Ringing, None),
            IState::Retry { .. } => (InteractionState::Retrying, None),
            IState::Connected { agent, .. } => (InteractionState::Connected, Some(agent)),
        };
        InteractionView {
            id: it.id,
            tenant: it.tenant,
            queue: it.queue,
            channel: it.channel,
            caller_id: it.caller_id.clone(),
            skills: it.skills.clone(),
            priority: it.priority,
            arrived: it.arrived,
            entered: it.entered,
            state,
            position,
            agent,
        }
    }

    /// One interaction, with its position if it is in line.
    pub fn interaction(&self, i: InteractionId) -> Option<InteractionView> {
        let it = self.interactions.get(&i)?;
        Some(self.view(it, it.in_line.then(|| self.position_of(it))))
    }

    /// A queue's configuration (O(1); for names and settings without the stats scan).
    pub fn queue_config(&self, q: QueueId) -> Option<&switchyard_core::config::QueueConfig> {
        self.queues.get(&q).map(|q| &q.cfg)
    }

    /// An agent's configuration (O(1)).
    pub fn agent_config(&self, a: AgentId) -> Option<&switchyard_core::config::AgentConfig> {
        self.agents.get(&a).map(|a| &a.cfg)
    }

    /// One interaction without its position: O(1), for per-event bookkeeping.
    pub fn peek(&self, i: InteractionId) -> Option<InteractionView> {
        self.interactions.get(&i).map(|it| self.view(it, None))
    }

    /// The queue's line, in order, with positions.
    pub fn waiting(&self, q: QueueId) -> Result<Vec<InteractionView>> {
        let queue = self.queues.get(&q).ok_or(Error::UnknownQueue(q))?;
        Ok(queue
            .line
            .iter()
            .zip(1..)
            .map(|(k, pos)| self.view(&self.interactions[&k.id], Some(pos)))
            .collect())
    }

    /// Members logged in and unpaused who have the skills `reqs` asks for, and how many
    /// of them could take work now.
    fn staffing(&self, q: QueueId, reqs: &Reqs) -> (u32, u32) {
        let queue = &self.queues[&q];
        let mut staffed = 0;
        let mut free = 0;
        for a in queue.members.keys() {
            let agent = &self.agents[a];
            if agent.online() && !agent.paused_in(q) && agent.has.meets(reqs) {
                staffed += 1;
                if agent.offer.is_none()
                    && agent.active.is_empty()
                    && agent.wrap.iter().all(Option::is_none)
                {
                    free += 1;
                }
            }
        }
        (staffed, free)
    }

    fn eta(&self, q: QueueId, position: u32, reqs: &Reqs) -> Option<Duration> {
        self.eta_with(q, position, self.staffing(q, reqs))
    }

    fn eta_with(&self, q: QueueId, position: u32, (staffed, free): (u32, u32)) -> Option<Duration> {
        if staffed == 0 {
            return None;
        }
        if position <= free {
            return Some(Duration::ZERO);
        }
        // Each staffed agent frees up once per handle time on average; the customer at
        // `position` is served when `position - free` agents have freed up.
        let aht = self.queues[&q].counters.aht_ms.unwrap_or(DEFAULT_AHT_MS);
        let ms = f64::from(position - free) * aht / f64::from(staffed);
        Some(Duration::from_millis(ms as u64))
    }

    /// Position and estimated wait of a waiting interaction.
    pub fn estimate(&self, i: InteractionId) -> Option<Estimate> {
        let it = self.interactions.get(&i)?;
        if !it.in_line {
            return None;
        }
        let position = self.position_of(it);
        Some(Estimate {
            position,
            wait: self.eta(it.queue, position, &it.reqs),
        })
    }

    /// Position and estimated wait of everyone in a queue's line, in order, in one pass
    /// (for pushing position updates to thousands of waiters at once).
    pub fn estimates(&self, q: QueueId) -> Result<Vec<(InteractionId, Estimate)>> {
        let queue = self.queues.get(&q).ok_or(Error::UnknownQueue(q))?;
        // Staffing depends only on what the interaction requires: count it once per
        // distinct requirement set, not once per waiter.
        let mut staffing: std::collections::HashMap<&Reqs, (u32, u32)> = Default::default();
        Ok(queue
            .line
            .iter()
            .zip(1..)
            .map(|(k, position)| {
                let reqs = &self.interactions[&k.id].reqs;
                let st = *staffing
                    .entry(reqs)
                    .or_insert_with(|| self.staffing(q, reqs));
                (
                    k.id,
                    Estimate {
                        position,
                        wait: self.eta_with(q, position, st),
                    },
                )
            })
            .collect())
    }

    /// Live figures of a queue.
    pub fn queue_stats(&self, q: QueueId, now: Time) -> Result<QueueStats> {
        let queue = self.queues.get(&q).ok_or(Error::UnknownQueue(q))?;
        let c = &queue.counters;
        let oldest = queue.by_entry.first().map(|(t, _)| *t);
        let logged_in = queue
            .members
            .keys()
            .filter(|a| self.agents[*a].online())
            .count() as u32;
        // A customer joining now needs at least the queue's skills.
        let reqs = Reqs::build(queue.required.iter().copied(), &[]);
        let (_, free) = self.staffing(q, &reqs);
        let ended = c.answered + c.abandoned;
        let ratio = |num: u64, den: u64, none: f64| {
            if den == 0 {
                none
            } else {
                num as f64 / den as f64
            }
        };
        Ok(QueueStats {
            queue: q,
            tenant: queue.cfg.tenant,
            name: queue.cfg.name.clone(),
            waiting: queue.line.len() as u32,
            longest_wait_secs: oldest.map_or(0, |t| now.saturating_since(t).as_secs()),
            agents_logged_in: logged_in,
            agents_available: free,
            agents_busy: queue.engaged.len() as u32,
            entered: c.entered,
            answered: c.answered,
            answered_in_sla: c.answered_in_sla,
            abandoned: c.abandoned,
            overflowed: c.overflowed,
            offered: c.offered,
            service_level: ratio(c.answered_in_sla, ended, 1.0),
            abandon_rate: ratio(c.abandoned, ended, 0.0),
            avg_handle_secs: c.aht_ms.unwrap_or(0.0) / 1000.0,
            avg_wait_secs: ratio(c.wait_ms_answered, c.answered, 0.0) / 1000.0,
            estimated_wait_secs: self
                .eta(q, queue.line.len() as u32 + 1, &reqs)
                .map(|d| d.as_secs()),
        })
    }

    /// One agent on the status board.
    pub fn agent(&self, id: AgentId) -> Result<AgentView> {
        let a = self.agents.get(&id).ok_or(Error::UnknownAgent(id))?;
        let mut paused_in: Vec<_> = a.paused.iter().map(|(q, r)| (*q, r.clone())).collect();
        paused_in.sort_by_key(|(q, _)| *q);
        Ok(AgentView {
            id,
            tenant: a.cfg.tenant,
            name: a.cfg.name.clone(),
            status: a.status,
            status_since: a.status_since,
            logged_in: a.logged_in,
            reachable: a.reachable,
            paused_all: a.paused_all.clone(),
            paused_in,
            active: a.active.iter().map(|(i, _)| *i).collect(),
            ringing: a.offer.map(|o| self.offers[&o].interaction),
            handled: a.handled,
            missed_in_row: a
                .queues
                .iter()
                .filter_map(|q| self.queues[q].members.get(&id).map(|m| m.missed_in_row))
                .max()
                .unwrap_or(0),
        })
    }
}
