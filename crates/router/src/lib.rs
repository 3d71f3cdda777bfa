//! The Switchyard router: a pure state machine for skills-based queueing.
//!
//! Feed it [`Input`]s with [`Router::handle`], drain [`Output`]s with
//! [`Router::poll_output`], and call [`Router::handle_timeout`] when the time from
//! [`Router::poll_timeout`] is reached. It never reads a clock, touches a socket or
//! spawns a task; randomness comes from a seeded RNG.
//!
//! # Contract
//! - Every decision is made when an input or a deadline is handled, with the state of
//!   that moment: an agent holds at most one offer at a time and never more
//!   interactions of a kind than its capacity; an interaction is connected at most once.
//! - Queues order interactions by priority, then original arrival. An agent who becomes
//!   free takes the first eligible interaction across all its queues; an interaction
//!   that becomes routable is offered to the lowest penalty group with an available,
//!   qualified member, in the queue strategy's order.
//! - The cost of a decision does not grow with the number of waiting interactions:
//!   waiters are indexed by what it takes to serve them, available members by the
//!   strategy's metric, deadlines by time.
//! - "No agent", "queue full" or "closed" are outputs (events, overflows), not errors;
//!   [`Error`] means the caller misused the API and nothing changed.

mod admission;
mod config_ops;
pub mod error;
pub mod input;
mod lifecycle;
mod line;
mod offers;
pub mod output;
mod presence;
mod routing;
mod skills;
mod state;
mod stats;
mod timers;
pub mod view;

pub use error::{Error, Result};
pub use input::{EndedBy, Input, NewInteraction, OfferFailure};
pub use output::{CancelReason, Output};
pub use view::{AgentView, Estimate, InteractionState, InteractionView, QueueStats};

use rand::SeedableRng;
use rand::rngs::SmallRng;
use skills::SkillTable;
use state::{Agent, Interaction, Offer, Queue};
use std::collections::{HashMap, VecDeque};
use switchyard_core::{AgentId, EventKind, InteractionId, OfferId, QueueId, RouterEvent, Time};
use timers::{Timer, Timers};

/// The router. See the crate documentation for its contract.
#[derive(Debug)]
pub struct Router {
    queues: HashMap<QueueId, Queue>,
    agents: HashMap<AgentId, Agent>,
    interactions: HashMap<InteractionId, Interaction>,
    offers: HashMap<OfferId, Offer>,
    skills: SkillTable,
    timers: Timers,
    outputs: VecDeque<Output>,
    rng: SmallRng,
    next_offer: u64,
    next_seq: u64,
    // Work found while handling one input, done before the input returns.
    pending_interactions: Vec<InteractionId>,
    pending_agents: Vec<AgentId>,
    pending_queues: Vec<QueueId>,
}

impl Router {
    /// A router with no configuration; `seed` drives the random strategies.
    pub fn new(seed: u64) -> Self {
        Router {
            queues: HashMap::new(),
            agents: HashMap::new(),
            interactions: HashMap::new(),
            offers: HashMap::new(),
            skills: SkillTable::default(),
            timers: Timers::default(),
            outputs: VecDeque::new(),
            rng: SmallRng::seed_from_u64(seed),
            next_offer: 0,
            next_seq: 0,
            pending_interactions: Vec::new(),
            pending_agents: Vec::new(),
            pending_queues: Vec::new(),
        }
    }

    /// Applies one input at `now`. On error nothing changed and no output was queued.
    pub fn handle(&mut self, now: Time, input: Input) -> Result<()> {
        self.apply(now, input)?;
        self.dispatch(now);
        Ok(())
    }

    /// Pull mode: the agent claims the best waiting interaction of its pull-mode queues
    /// (or of `queue`). Returns the interaction now connected to it, if there was one.
    pub fn claim(
        &mut self,
        now: Time,
        agent: AgentId,
        queue: Option<QueueId>,
    ) -> Result<Option<InteractionId>> {
        let got = self.do_claim(now, agent, queue)?;
        self.dispatch(now);
        Ok(got)
    }

    fn apply(&mut self, now: Time, input: Input) -> Result<()> {
        match input {
            Input::UpsertQueue(cfg) => self.upsert_queue(now, cfg),
            Input::RemoveQueue(q) => self.remove_queue(now, q),
            Input::UpsertAgent(cfg) => self.upsert_agent(now, cfg),
            Input::RemoveAgent(a) => self.remove_agent(now, a),
            Input::UpsertMember(m) => self.upsert_member(now, m),
            Input::RemoveMember { agent, queue } => self.remove_member(now, agent, queue),
            Input::Login { agent } => self.login(now, agent),
            Input::Logout { agent } => self.logout(now, agent),
            Input::Pause {
                agent,
                queue,
                reason,
            } => self.pause(now, agent, queue, reason),
            Input::Unpause { agent, queue } => self.unpause(now, agent, queue, None),
            Input::SetReachable { agent, reachable } => self.set_reachable(now, agent, reachable),
            Input::Join(ni) => self.join(now, ni),
            Input::CustomerLeft { interaction } => self.customer_left(now, interaction),
            Input::Accept { offer } => self.accept(now, offer),
            Input::OfferFailed { offer, failure } => self.offer_failed(now, offer, failure, false),
            Input::Complete { interaction, by } => self.complete(now, interaction, by),
            Input::EndWrapUp { agent } => self.end_wrap_up(now, agent),
            Input::Claim { agent, queue } => self.do_claim(now, agent, queue).map(drop),
            Input::Move { interaction, to } => self.move_interaction(now, interaction, to),
            Input::Transfer { interaction, to } => self.transfer(now, interaction, to),
            Input::SetPriority {
                interaction,
                priority,
            } => self.set_priority(now, interaction, priority),
            Input::Key { interaction, digit } => self.key(now, interaction, digit),
            Input::RequestCallback {
                interaction,
                number,
            } => self.request_callback(now, interaction, number),
            Input::CallbackFailed { interaction } => self.callback_failed(now, interaction),
        }
    }

    /// Handles every deadline due at or before `now`.
    pub fn handle_timeout(&mut self, now: Time) {
        while let Some(t) = self.timers.pop_due(now) {
            match t {
                Timer::Ring(offer) => {
                    // The offer may have been answered in the same instant; then the
                    // timer was cancelled and we never get here.
                    let _ = self.offer_failed(now, offer, OfferFailure::NoAnswer, true);
                }
                Timer::Retry(i) => self.retry_over(now, i),
                Timer::MaxWait(i) => self.max_wait(now, i),
                Timer::Escalate(i) => self.escalate(now, i),
                Timer::WrapUp(a, m) => self.wrap_over(now, a, m),
                Timer::AutoResume(a, q) => {
                    let _ = self.unpause(now, a, q, Some("auto-resume"));
                }
            }
            self.dispatch(now);
        }
    }

    /// The next deadline, if any: call [`Router::handle_timeout`] then.
    pub fn poll_timeout(&self) -> Option<Time> {
        self.timers.next_deadline()
    }

    /// The next output, if any. Drain until `None` after every input.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// The ids of every queue.
    pub fn queue_ids(&self) -> impl Iterator<Item = QueueId> + '_ {
        self.queues.keys().copied()
    }

    /// The ids of every agent.
    pub fn agent_ids(&self) -> impl Iterator<Item = AgentId> + '_ {
        self.agents.keys().copied()
    }

    /// Number of interactions the router holds (waiting or connected).
    pub fn interaction_count(&self) -> usize {
        self.interactions.len()
    }

    fn event(
        &mut self,
        now: Time,
        i: Option<InteractionId>,
        q: Option<QueueId>,
        a: Option<AgentId>,
        kind: EventKind,
    ) {
        self.outputs.push_back(Output::Event(RouterEvent {
            time: now,
            interaction: i,
            queue: q,
            agent: a,
            kind,
        }));
    }

    fn queue_changed(&mut self, q: QueueId) {
        if !matches!(self.outputs.back(), Some(Output::QueueChanged { queue }) if *queue == q) {
            self.outputs.push_back(Output::QueueChanged { queue: q });
        }
    }
}
