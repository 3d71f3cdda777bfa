//! Live configuration changes: queues, agents, memberships.

use crate::state::{Agent, Counters, Member, Queue};
use crate::{Error, Result, Router};
use std::collections::{BTreeSet, HashMap};
use switchyard_core::config::{AgentConfig, Membership, OverflowTrigger, QueueConfig};
use switchyard_core::{AgentId, AgentStatus, EventKind, QueueId, Time};

impl Router {
    pub(crate) fn upsert_queue(&mut self, now: Time, cfg: QueueConfig) -> Result<()> {
        if cfg.ring_timeout_secs == 0 {
            return Err(Error::InvalidSetting {
                field: "ring_timeout_secs",
                why: "must be at least 1",
            });
        }
        if cfg.autopause.enabled && cfg.autopause.after_misses == 0 {
            return Err(Error::InvalidSetting {
                field: "autopause.after_misses",
                why: "must be at least 1",
            });
        }
        let schedule = cfg.schedule.as_ref().map(|s| s.compile()).transpose()?;
        let required = self.skills.reqs(&cfg.required_skills);
        let id = cfg.id;
        match self.queues.get_mut(&id) {
            Some(q) => {
                if q.cfg.tenant != cfg.tenant {
                    return Err(Error::TenantMismatch(q.cfg.tenant, cfg.tenant));
                }
                let rekey = q.required != required
                    || q.cfg.max_penalty != cfg.max_penalty
                    || q.cfg.escalation != cfg.escalation;
                let max_wait_changed = q.cfg.max_wait_secs != cfg.max_wait_secs;
                q.cfg = cfg;
                q.schedule = schedule;
                q.required = required;
                let members: Vec<AgentId> = q.members.keys().copied().collect();
                let line: Vec<_> = q.line.iter().map(|k| k.id).collect();
                for i in line {
                    if rekey {
                        self.rekey(i, |r, it| {
                            let cfg = &r.queues[&it.queue].cfg;
                            it.min_penalty = 0;
                            it.max_penalty = cfg.max_penalty.unwrap_or(u32::MAX);
                            // Steps already applied stay applied (their priority raise and
                            // skill drops are kept, not replayed); their window carries over.
                            it.next_step = it.next_step.min(cfg.escalation.len());
                            for step in &cfg.escalation[..it.next_step] {
                                if let Some(p) = step.min_penalty {
                                    it.min_penalty = p;
                                }
                                if let Some(p) = step.max_penalty {
                                    it.max_penalty = p;
                                }
                            }
                        });
                        self.arm_step(i);
                    }
                    if max_wait_changed {
                        self.arm_max_wait(i);
                    }
                }
                for a in members {
                    self.refresh_agent(now, a);
                }
                self.check_leave_when_empty(now, id);
                self.pending_queues.push(id);
            }
            None => {
                self.queues.insert(
                    id,
                    Queue {
                        cfg,
                        schedule,
                        required,
                        members: HashMap::new(),
                        line: BTreeSet::new(),
                        by_entry: BTreeSet::new(),
                        buckets: HashMap::new(),
                        avail: Default::default(),
                        engaged: HashMap::new(),
                        rr_last: None,
                        counters: Counters::default(),
                        abandoned: HashMap::new(),
                    },
                );
            }
        }
        Ok(())
    }

    pub(crate) fn remove_queue(&mut self, now: Time, id: QueueId) -> Result<()> {
        if !self.queues.contains_key(&id) {
            return Err(Error::UnknownQueue(id));
        }
        if self
            .interactions
            .values()
            .any(|i| i.queue == id && !i.in_line)
        {
            return Err(Error::InvalidState {
                what: "removing the queue",
                why: "interactions are connected",
            });
        }
        // The queue is going away: a link that keeps the waiter in it (a callback)
        // cannot apply; the rest of the chain (or a hang-up) does.
        let q = self.queues.get_mut(&id).expect("checked above");
        q.cfg
            .overflow
            .retain(|l| l.action != switchyard_core::config::OverflowAction::Callback);
        let members: Vec<AgentId> = q.members.keys().copied().collect();
        let line: Vec<_> = q.line.iter().map(|k| k.id).collect();
        for i in line {
            self.leave_line(now, i, crate::output::CancelReason::Withdrawn);
            self.overflow(now, i, id, OverflowTrigger::NoAgents);
        }
        for a in members {
            self.remove_member(now, a, id)?;
        }
        self.queues.remove(&id);
        Ok(())
    }

    pub(crate) fn upsert_agent(&mut self, now: Time, cfg: AgentConfig) -> Result<()> {
        let has = self.skills.has(&cfg.skills);
        let id = cfg.id;
        match self.agents.get_mut(&id) {
            Some(a) => {
                if a.cfg.tenant != cfg.tenant {
                    return Err(Error::TenantMismatch(a.cfg.tenant, cfg.tenant));
                }
                a.cfg = cfg;
                a.has = has;
                self.refresh_agent(now, id);
                // New skills may qualify it for work already waiting.
                self.pending_agents.push(id);
                let queues = self.agents[&id].queues.clone();
                for q in queues {
                    self.check_leave_when_empty(now, q);
                }
            }
            None => {
                self.agents.insert(
                    id,
                    Agent {
                        cfg,
                        has,
                        logged_in: false,
                        reachable: true,
                        login_at: now,
                        paused_all: None,
                        paused: HashMap::new(),
                        queues: Vec::new(),
                        offer: None,
                        active: Vec::new(),
                        wrap: [None, None],
                        resume_timer: None,
                        idle_since: now,
                        handled: 0,
                        status: AgentStatus::Offline,
                        status_since: now,
                        indexed: Vec::new(),
                    },
                );
            }
        }
        Ok(())
    }

    pub(crate) fn remove_agent(&mut self, now: Time, id: AgentId) -> Result<()> {
        let a = self.agents.get(&id).ok_or(Error::UnknownAgent(id))?;
        if !a.active.is_empty() {
            return Err(Error::InvalidState {
                what: "removing the agent",
                why: "it has interactions in progress",
            });
        }
        if a.logged_in {
            self.logout(now, id)?;
        }
        for q in self.agents[&id].queues.clone() {
            self.remove_member(now, id, q)?;
        }
        let a = self.agents.remove(&id).expect("checked above");
        self.timers.cancel(a.resume_timer);
        for t in a.wrap {
            self.timers.cancel(t);
        }
        Ok(())
    }

    pub(crate) fn upsert_member(&mut self, now: Time, m: Membership) -> Result<()> {
        let qt = self
            .queues
            .get(&m.queue)
            .ok_or(Error::UnknownQueue(m.queue))?
            .cfg
            .tenant;
        let at = self
            .agents
            .get(&m.agent)
            .ok_or(Error::UnknownAgent(m.agent))?
            .cfg
            .tenant;
        if qt != at {
            return Err(Error::TenantMismatch(qt, at));
        }
        self.next_seq += 1;
        let order = self.next_seq;
        let q = self.queues.get_mut(&m.queue).expect("checked above");
        let added = match q.members.get_mut(&m.agent) {
            Some(existing) => {
                existing.penalty = m.penalty;
                existing.weight = m.weight;
                false
            }
            None => {
                q.members.insert(
                    m.agent,
                    Member {
                        penalty: m.penalty,
                        weight: m.weight,
                        order,
                        calls: 0,
                        offers: 0,
                        talk_ms: 0,
                        last_offer_seq: 0,
                        missed_in_row: 0,
                    },
                );
                true
            }
        };
        if added {
            self.agents
                .get_mut(&m.agent)
                .expect("checked")
                .queues
                .push(m.queue);
            self.event(
                now,
                None,
                Some(m.queue),
                Some(m.agent),
                EventKind::AddMember,
            );
        }
        self.refresh_agent(now, m.agent);
        Ok(())
    }

    pub(crate) fn remove_member(
        &mut self,
        now: Time,
        agent: AgentId,
        queue: QueueId,
    ) -> Result<()> {
        let q = self.queues.get(&queue).ok_or(Error::UnknownQueue(queue))?;
        if !q.members.contains_key(&agent) {
            return Err(Error::NotMember { agent, queue });
        }
        if let Some(o) = self.agents[&agent].offer
            && self.offers[&o].queue == queue
        {
            self.withdraw_offer(now, o, crate::output::CancelReason::AgentGone);
        }
        self.unindex_agent(agent, Some(queue));
        let q = self.queues.get_mut(&queue).expect("checked");
        q.members.remove(&agent);
        let a = self.agents.get_mut(&agent).expect("members are agents");
        a.queues.retain(|x| *x != queue);
        a.paused.remove(&queue);
        self.event(now, None, Some(queue), Some(agent), EventKind::RemoveMember);
        self.refresh_agent(now, agent);
        self.check_leave_when_empty(now, queue);
        Ok(())
    }
}
