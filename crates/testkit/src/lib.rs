//! Test kit: a simulated world around the router.
//!
//! [`World`] owns a [`Router`] and a simulated clock. Inputs are applied at the
//! world's `now`; [`World::advance_to`] walks the clock forward deadline by deadline,
//! exactly as the server's driver would, recording every output with its time. Nothing
//! here reads a clock or sleeps.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use switchyard_core::config::{AgentConfig, AgentSkill, Capacity, Membership, QueueConfig};
use switchyard_core::{
    AgentId, Channel, EventKind, InteractionId, OfferId, QueueId, RouterEvent, SkillReq, TenantId,
    Time,
};
use switchyard_router::{EndedBy, Input, NewInteraction, OfferFailure, Output, Router};

/// The tenant every world object belongs to unless stated otherwise.
pub const TENANT: TenantId = TenantId(1);

/// A router, a simulated clock and a record of everything the router said.
#[derive(Debug)]
pub struct World {
    /// The router under test.
    pub router: Router,
    /// Simulated now.
    pub now: Time,
    /// Every output, with the time it was produced.
    pub log: Vec<(Time, Output)>,
    /// Offers currently ringing, by agent.
    ringing: BTreeMap<AgentId, (OfferId, InteractionId)>,
    /// Connected interactions, by interaction.
    connected: BTreeMap<InteractionId, AgentId>,
    next_interaction: u64,
    next_queue: u64,
}

impl World {
    /// An empty world at time zero with the given RNG seed.
    pub fn new(seed: u64) -> Self {
        World {
            router: Router::new(seed),
            now: Time::ZERO,
            log: Vec::new(),
            ringing: BTreeMap::new(),
            connected: BTreeMap::new(),
            next_interaction: 0,
            next_queue: 1000,
        }
    }

    /// Applies an input now and records the outputs; panics on a router error.
    pub fn input(&mut self, input: Input) {
        let desc = format!("{input:?}");
        self.try_input(input)
            .unwrap_or_else(|e| panic!("{desc} failed: {e}"));
    }

    /// Applies an input now and records the outputs.
    pub fn try_input(&mut self, input: Input) -> switchyard_router::Result<()> {
        match &input {
            Input::Accept { offer } | Input::OfferFailed { offer, .. } => {
                self.ringing.retain(|_, (o, _)| o != offer);
            }
            _ => {}
        }
        let r = self.router.handle(self.now, input);
        self.drain();
        r
    }

    fn drain(&mut self) {
        while let Some(o) = self.router.poll_output() {
            match &o {
                Output::Offer {
                    offer,
                    interaction,
                    agent,
                    ..
                } => {
                    self.ringing.insert(*agent, (*offer, *interaction));
                }
                Output::CancelOffer { agent, offer, .. }
                    if self.ringing.get(agent).is_some_and(|(x, _)| x == offer) =>
                {
                    self.ringing.remove(agent);
                }
                Output::Connect {
                    interaction, agent, ..
                } => {
                    self.connected.insert(*interaction, *agent);
                }
                Output::Event(RouterEvent {
                    interaction: Some(i),
                    kind: EventKind::CompleteAgent { .. } | EventKind::CompleteCaller { .. },
                    ..
                }) => {
                    self.connected.remove(i);
                }
                _ => {}
            }
            self.log.push((self.now, o));
        }
    }

    /// Moves the clock to `t`, handling every deadline on the way at its own time.
    pub fn advance_to(&mut self, t: Time) {
        while let Some(d) = self.router.poll_timeout() {
            if d > t {
                break;
            }
            self.now = self.now.max(d);
            self.router.handle_timeout(self.now);
            self.drain();
        }
        self.now = self.now.max(t);
    }

    /// Moves the clock forward by `d`.
    pub fn advance(&mut self, d: Duration) {
        self.advance_to(self.now + d);
    }

    /// Moves the clock to `secs` seconds after the epoch.
    pub fn at(&mut self, secs: u64) {
        self.advance_to(Time::from_secs(secs));
    }

    /// Steps to the next deadline; false when there is none.
    pub fn progress(&mut self) -> bool {
        match self.router.poll_timeout() {
            Some(d) => {
                self.advance_to(d);
                true
            }
            None => false,
        }
    }

    /// Adds a queue with the given settings (id and tenant filled in when zero).
    pub fn queue(&mut self, mut cfg: QueueConfig) -> QueueId {
        if cfg.id.0 == 0 {
            self.next_queue += 1;
            cfg.id = QueueId(self.next_queue);
        }
        if cfg.tenant.0 == 0 {
            cfg.tenant = TENANT;
        }
        if cfg.name.is_empty() {
            cfg.name = format!("queue-{}", cfg.id.0);
        }
        let id = cfg.id;
        self.input(Input::UpsertQueue(cfg));
        id
    }

    /// Adds an agent with skills `(name, level)` and default capacity, logged out.
    pub fn agent(&mut self, id: u64, skills: &[(&str, u8)]) -> AgentId {
        self.agent_with(id, skills, Capacity::default())
    }

    /// Adds an agent with skills and a capacity, logged out.
    pub fn agent_with(&mut self, id: u64, skills: &[(&str, u8)], capacity: Capacity) -> AgentId {
        let a = AgentId(id);
        let skills = skills
            .iter()
            .map(|(s, l)| AgentSkill {
                skill: (*s).into(),
                level: *l,
            })
            .collect();
        self.input(Input::UpsertAgent(AgentConfig {
            id: a,
            tenant: TENANT,
            name: format!("Agent/{id}"),
            skills,
            capacity,
            wrap_up_secs: None,
        }));
        a
    }

    /// Makes the agent a member of the queue with a penalty.
    pub fn member(&mut self, a: AgentId, q: QueueId, penalty: u32) {
        self.input(Input::UpsertMember(Membership {
            agent: a,
            queue: q,
            penalty,
            weight: 1,
        }));
    }

    /// Logs the agent in.
    pub fn login(&mut self, a: AgentId) {
        self.input(Input::Login { agent: a });
    }

    /// A customer joins `q` on `channel` with extra skills and priority.
    pub fn join_with(
        &mut self,
        q: QueueId,
        channel: Channel,
        skills: &[&str],
        priority: i32,
    ) -> InteractionId {
        self.next_interaction += 1;
        let id = InteractionId(self.next_interaction);
        self.input(Input::Join(NewInteraction {
            id,
            tenant: TENANT,
            queue: q,
            channel,
            caller_id: format!("+1555000{:04}", self.next_interaction),
            skills: skills.iter().map(|s| SkillReq::any(*s)).collect(),
            priority,
            arrived: None,
        }));
        id
    }

    /// A voice caller joins `q`.
    pub fn call(&mut self, q: QueueId) -> InteractionId {
        self.join_with(q, Channel::Voice, &[], 0)
    }

    /// Agents ringing right now, in id order.
    pub fn ringing(&self) -> Vec<AgentId> {
        self.ringing.keys().copied().collect()
    }

    /// What is ringing this agent.
    pub fn ringing_for(&self, a: AgentId) -> Option<(OfferId, InteractionId)> {
        self.ringing.get(&a).copied()
    }

    /// The agent answers its ringing offer; panics if nothing rings it.
    pub fn answer(&mut self, a: AgentId) -> InteractionId {
        let (offer, i) = self
            .ringing_for(a)
            .unwrap_or_else(|| panic!("{a} is not ringing at {:?}", self.now));
        self.input(Input::Accept { offer });
        i
    }

    /// The agent rejects its ringing offer.
    pub fn reject(&mut self, a: AgentId) {
        let (offer, _) = self
            .ringing_for(a)
            .unwrap_or_else(|| panic!("{a} is not ringing"));
        self.input(Input::OfferFailed {
            offer,
            failure: OfferFailure::Rejected,
        });
    }

    /// The agent who has `i` hangs up.
    pub fn hang_up(&mut self, i: InteractionId) {
        self.input(Input::Complete {
            interaction: i,
            by: EndedBy::Agent,
        });
    }

    /// The agent connected to `i`, if any.
    pub fn agent_of(&self, i: InteractionId) -> Option<AgentId> {
        self.connected.get(&i).copied()
    }

    /// Puts the agent on a call from a private queue, so it is busy (app_queue "in use").
    pub fn make_busy(&mut self, a: AgentId) -> InteractionId {
        let q = self.queue(QueueConfig {
            ring_timeout_secs: 30,
            ..Default::default()
        });
        self.member(a, q, 0);
        let i = self.call(q);
        assert_eq!(
            self.ringing_for(a).map(|x| x.1),
            Some(i),
            "{a} should ring for its private call"
        );
        self.answer(a);
        i
    }

    /// Every event so far with its time in seconds, verb and agent.
    pub fn events(&self) -> Vec<(u64, &'static str, Option<AgentId>)> {
        self.log
            .iter()
            .filter_map(|(t, o)| match o {
                Output::Event(e) => Some((t.as_secs(), e.verb(), e.agent)),
                _ => None,
            })
            .collect()
    }

    /// Events of one interaction: (second, verb, agent).
    pub fn events_of(&self, i: InteractionId) -> Vec<(u64, &'static str, Option<AgentId>)> {
        self.log
            .iter()
            .filter_map(|(t, o)| match o {
                Output::Event(e) if e.interaction == Some(i) => {
                    Some((t.as_secs(), e.verb(), e.agent))
                }
                _ => None,
            })
            .collect()
    }

    /// Agents offered anything, in offer order.
    pub fn offer_order(&self) -> Vec<AgentId> {
        self.log
            .iter()
            .filter_map(|(_, o)| match o {
                Output::Offer { agent, .. } => Some(*agent),
                _ => None,
            })
            .collect()
    }

    /// Overflow outputs so far: (interaction, queue, action).
    pub fn overflows(&self) -> Vec<&Output> {
        self.log
            .iter()
            .map(|(_, o)| o)
            .filter(|o| matches!(o, Output::Overflow { .. }))
            .collect()
    }

    /// Samples who is ringing at every whole second from `from` to `to` inclusive.
    pub fn ring_timeline(&mut self, from: u64, to: u64) -> Vec<(u64, BTreeSet<AgentId>)> {
        (from..=to)
            .map(|s| {
                self.at(s);
                (s, self.ringing.keys().copied().collect())
            })
            .collect()
    }
}

/// Helpers for the behaviour tests (additive).
impl World {
    /// A customer joins `q` with skill requirements that may carry minimum levels.
    pub fn join_req(
        &mut self,
        q: QueueId,
        channel: Channel,
        skills: Vec<SkillReq>,
        priority: i32,
    ) -> InteractionId {
        self.next_interaction += 1;
        let id = InteractionId(self.next_interaction);
        self.input(Input::Join(NewInteraction {
            id,
            tenant: TENANT,
            queue: q,
            channel,
            caller_id: format!("+1555000{:04}", self.next_interaction),
            skills,
            priority,
            arrived: None,
        }));
        id
    }

    /// Every router event so far, with the time it was produced.
    pub fn router_events(&self) -> Vec<(Time, &RouterEvent)> {
        self.log
            .iter()
            .filter_map(|(t, o)| match o {
                Output::Event(e) => Some((*t, e)),
                _ => None,
            })
            .collect()
    }

    /// Events of one verb (queue_log name, e.g. "PAUSEALL"): (second, interaction, agent).
    pub fn events_named(&self, verb: &str) -> Vec<(u64, Option<InteractionId>, Option<AgentId>)> {
        self.router_events()
            .into_iter()
            .filter(|(_, e)| e.verb() == verb)
            .map(|(t, e)| (t.as_secs(), e.interaction, e.agent))
            .collect()
    }

    /// Offers so far: (time, agent, interaction, channel, ring timeout).
    pub fn offers(&self) -> Vec<(Time, AgentId, InteractionId, Channel, Duration)> {
        self.log
            .iter()
            .filter_map(|(t, o)| match o {
                Output::Offer {
                    agent,
                    interaction,
                    channel,
                    ring_timeout,
                    ..
                } => Some((*t, *agent, *interaction, *channel, *ring_timeout)),
                _ => None,
            })
            .collect()
    }

    /// Number of outputs recorded so far (to check that a failed input said nothing).
    pub fn output_count(&self) -> usize {
        self.log.len()
    }

    /// The queue_log lines of every event so far, with queue and agent names looked up
    /// in the router (objects removed since are written as NONE).
    pub fn queue_log(&self) -> Vec<String> {
        self.router_events()
            .into_iter()
            .map(|(_, e)| {
                let q = e
                    .queue
                    .and_then(|q| self.router.queue_stats(q, self.now).ok())
                    .map(|s| s.name);
                let a = e
                    .agent
                    .and_then(|a| self.router.agent(a).ok())
                    .map(|v| v.name);
                e.queue_log_line(q.as_deref(), a.as_deref())
            })
            .collect()
    }
}
