//! What the edges tell the router.

use switchyard_core::config::{AgentConfig, Membership, QueueConfig};
use switchyard_core::{
    AgentId, Channel, InteractionId, OfferId, PauseReason, QueueId, SkillReq, TenantId, Time,
};

/// A customer contact arriving in a queue.
#[derive(Clone, Debug, PartialEq)]
pub struct NewInteraction {
    /// Minted by the edge; unique across the deployment.
    pub id: InteractionId,
    /// Owning tenant (must match the queue's).
    pub tenant: TenantId,
    /// The queue to join.
    pub queue: QueueId,
    /// Voice, chat or callback.
    pub channel: Channel,
    /// Caller ID, chat name, or callback number.
    pub caller_id: String,
    /// Skills this interaction needs on top of the queue's.
    pub skills: Vec<SkillReq>,
    /// Higher goes first. 0 is normal.
    pub priority: i32,
    /// Original arrival time when it is re-joining (a resumed chat, a caller taking back
    /// an abandoned place); None means "now".
    pub arrived: Option<Time>,
}

/// Why an offer failed without being accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OfferFailure {
    /// It rang and nobody answered (the edge timed out first, or 408/480).
    NoAnswer,
    /// The agent rejected it (a reject button, 486 Busy Here, 603 Decline).
    Rejected,
    /// The agent's device could not be reached.
    Unreachable,
}

/// Who ended a connected interaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EndedBy {
    /// The agent hung up / closed the chat.
    Agent,
    /// The customer hung up / left the chat.
    Customer,
}

/// One input to the router. Every input is handled at a given [`Time`].
// Queue upserts are rare and the enum lives for one call: boxing the config would
// change every caller for no measurable gain.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// Adds a queue or changes its settings (live: waiting interactions stay).
    UpsertQueue(QueueConfig),
    /// Removes a queue; its waiting interactions overflow as if it had no agents.
    RemoveQueue(QueueId),
    /// Adds an agent or changes its settings.
    UpsertAgent(AgentConfig),
    /// Removes an agent (logged out first).
    RemoveAgent(AgentId),
    /// Adds a membership or changes its penalty/weight.
    UpsertMember(Membership),
    /// Removes a membership.
    RemoveMember {
        /// The agent.
        agent: AgentId,
        /// The queue.
        queue: QueueId,
    },
    /// The agent logs in (and becomes available unless paused).
    Login {
        /// The agent.
        agent: AgentId,
    },
    /// The agent logs out; offers ringing it are withdrawn.
    Logout {
        /// The agent.
        agent: AgentId,
    },
    /// Pauses the agent in one queue or (None) in all of them.
    Pause {
        /// The agent.
        agent: AgentId,
        /// One queue, or all.
        queue: Option<QueueId>,
        /// Why.
        reason: PauseReason,
    },
    /// Unpauses the agent in one queue or (None) in all of them.
    Unpause {
        /// The agent.
        agent: AgentId,
        /// One queue, or all.
        queue: Option<QueueId>,
    },
    /// The agent's device became reachable or not (SIP registration, WebSocket up).
    SetReachable {
        /// The agent.
        agent: AgentId,
        /// Reachable or not.
        reachable: bool,
    },
    /// A customer joins a queue.
    Join(NewInteraction),
    /// The customer left (hung up, closed the chat): an abandon if waiting or ringing,
    /// a COMPLETECALLER if connected.
    CustomerLeft {
        /// The interaction.
        interaction: InteractionId,
    },
    /// The agent accepted an offer.
    Accept {
        /// The offer.
        offer: OfferId,
    },
    /// The offer failed (no answer, rejected, unreachable).
    OfferFailed {
        /// The offer.
        offer: OfferId,
        /// How.
        failure: OfferFailure,
    },
    /// A connected interaction ended; the agent goes to wrap-up.
    Complete {
        /// The interaction.
        interaction: InteractionId,
        /// Who ended it.
        by: EndedBy,
    },
    /// The agent finished wrap-up early.
    EndWrapUp {
        /// The agent.
        agent: AgentId,
    },
    /// Pull mode: the agent claims the best waiting interaction (of one queue, or any).
    Claim {
        /// The agent.
        agent: AgentId,
        /// Restrict to one queue.
        queue: Option<QueueId>,
    },
    /// Supervisor: move a waiting interaction to another queue, keeping its arrival.
    Move {
        /// The interaction.
        interaction: InteractionId,
        /// Target queue.
        to: QueueId,
    },
    /// Agent: transfer a connected interaction to another queue (it waits there with
    /// its original arrival time; the agent goes to wrap-up).
    Transfer {
        /// The interaction.
        interaction: InteractionId,
        /// Target queue.
        to: QueueId,
    },
    /// Supervisor or escalation from outside: set the priority of a waiting interaction.
    SetPriority {
        /// The interaction.
        interaction: InteractionId,
        /// New priority.
        priority: i32,
    },
    /// A waiting caller pressed a key (RFC 4733 / SIP INFO / widget button).
    Key {
        /// The interaction.
        interaction: InteractionId,
        /// The digit.
        digit: char,
    },
    /// The customer asked to be called back at `number`: the interaction becomes a
    /// callback and keeps its place in line.
    RequestCallback {
        /// The interaction.
        interaction: InteractionId,
        /// Number to dial.
        number: String,
    },
    /// A callback's outbound call to the customer failed (busy, no answer); it is
    /// retried per the queue's callback policy, keeping its place.
    CallbackFailed {
        /// The interaction.
        interaction: InteractionId,
    },
}
