//! What the router tells the edges to do.

use std::time::Duration;
use switchyard_core::config::{OverflowAction, OverflowTrigger};
use switchyard_core::{
    AgentId, AgentStatus, Channel, InteractionId, OfferId, QueueId, RouterEvent,
};

/// Why an offer was withdrawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CancelReason {
    /// Another agent of a ringall fork answered.
    AnsweredElsewhere,
    /// The customer left.
    CustomerLeft,
    /// The interaction was moved, overflowed or transferred while ringing.
    Withdrawn,
    /// The agent logged out, was paused or removed.
    AgentGone,
    /// It rang for the queue's ring timeout without an answer.
    RingTimeout,
}

/// One command (or notification) for the edges.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Ring an agent: INVITE a SIP device, push an offer to the desktop.
    Offer {
        /// This offer.
        offer: OfferId,
        /// What is offered.
        interaction: InteractionId,
        /// To whom.
        agent: AgentId,
        /// From which queue.
        queue: QueueId,
        /// Its channel.
        channel: Channel,
        /// When the router itself will give up on it.
        ring_timeout: Duration,
    },
    /// Stop ringing (CANCEL, withdraw the desktop offer).
    CancelOffer {
        /// The offer.
        offer: OfferId,
        /// Its interaction.
        interaction: InteractionId,
        /// The agent it was ringing.
        agent: AgentId,
        /// Why.
        reason: CancelReason,
    },
    /// Connect: bridge the call, open the chat, or (callback) dial the customer now
    /// that the agent is on the line.
    Connect {
        /// The interaction.
        interaction: InteractionId,
        /// The agent.
        agent: AgentId,
        /// The queue it was answered from.
        queue: QueueId,
        /// Its channel.
        channel: Channel,
    },
    /// An overflow action for the edge to carry out: voicemail, announcement, menu or
    /// hang-up (the interaction has left the router), or callback (it stays in line as
    /// a callback; the edge confirms it to the customer and ends the call or chat).
    /// Moves to another queue are done inside the router and only reported as events.
    Overflow {
        /// The interaction.
        interaction: InteractionId,
        /// The queue it left.
        queue: QueueId,
        /// What fired.
        trigger: OverflowTrigger,
        /// What to do.
        action: OverflowAction,
    },
    /// Waiting positions or depth of this queue changed (push position updates).
    QueueChanged {
        /// The queue.
        queue: QueueId,
    },
    /// An agent's board state changed.
    AgentChanged {
        /// The agent.
        agent: AgentId,
        /// The new state.
        status: AgentStatus,
    },
    /// A decision, for the event log and queue_log.
    Event(RouterEvent),
}
