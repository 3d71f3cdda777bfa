//! Messages of the agent protocol (`/ws/agent`). See docs/protocol/chat.md.

use crate::hub::{ChatLine, Party};
use serde::{Deserialize, Serialize};
use switchyard_core::{AgentId, AgentStatus, Channel, InteractionId, OfferId, QueueId, TenantId};
use switchyard_store::OfflineMessage;

/// Message types an agent may send.
pub const TYPES: &[&str] = &[
    "login",
    "presence",
    "accept",
    "reject",
    "message",
    "typing",
    "read",
    "complete",
    "end_wrap_up",
    "take_next",
    "transfer",
    "history",
    "offline_messages",
    "ping",
];

/// Presence an agent can choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Logged in, unpaused.
    Available,
    /// Paused in every queue, with a reason.
    Break,
    /// Logged out (the socket stays open).
    Offline,
}

/// What an agent sends.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentIn {
    /// Log in with chat credentials, or with an agent-role API token.
    Login {
        /// Chat login.
        #[serde(default)]
        login: Option<String>,
        /// Chat password.
        #[serde(default)]
        password: Option<String>,
        /// Or an agent API token.
        #[serde(default)]
        token: Option<String>,
    },
    /// Change presence.
    Presence {
        /// New presence.
        status: Presence,
        /// Reason of a break.
        #[serde(default)]
        reason: Option<String>,
    },
    /// Accept an offer.
    Accept {
        /// Offer.
        offer: OfferId,
    },
    /// Reject an offer (counts as a miss when the queue says so).
    Reject {
        /// Offer.
        offer: OfferId,
    },
    /// Send a chat message.
    Message {
        /// Chat.
        interaction: InteractionId,
        /// Text, up to 2000 characters.
        text: String,
        /// The client's id, echoed in `ack` and `delivered`.
        #[serde(default)]
        client_id: Option<String>,
    },
    /// Typing indicator.
    Typing {
        /// Chat.
        interaction: InteractionId,
        /// Typing or not.
        on: bool,
    },
    /// Read up to `seq`.
    Read {
        /// Chat.
        interaction: InteractionId,
        /// Sequence number.
        seq: u64,
    },
    /// End the chat (the agent goes to wrap-up).
    Complete {
        /// Chat.
        interaction: InteractionId,
    },
    /// Finish wrap-up now.
    EndWrapUp,
    /// Pull mode: take the next waiting interaction.
    TakeNext {
        /// Restrict to one queue.
        #[serde(default)]
        queue: Option<QueueId>,
    },
    /// Transfer the chat to another queue.
    Transfer {
        /// Chat.
        interaction: InteractionId,
        /// Target queue.
        queue: QueueId,
    },
    /// The transcript of an interaction offered to or handled by this agent.
    History {
        /// Interaction.
        interaction: InteractionId,
    },
    /// The tenant's offline messages.
    OfflineMessages,
    /// Keep-alive.
    Ping,
}

/// A queue as listed to an agent.
#[derive(Clone, Debug, Serialize)]
pub struct QueueInfo {
    /// Id.
    pub id: QueueId,
    /// Name.
    pub name: String,
    /// Agents take work themselves.
    pub pull_mode: bool,
    /// The agent is a member.
    pub member: bool,
}

/// A connected interaction listed in `welcome`.
#[derive(Clone, Debug, Serialize)]
pub struct ActiveChat {
    /// Interaction.
    pub interaction: InteractionId,
    /// Queue.
    pub queue: QueueId,
    /// Queue name.
    pub queue_name: String,
    /// Channel.
    pub channel: Channel,
    /// Customer name or number.
    pub customer: String,
    /// Transcript so far.
    pub history: Vec<ChatLine>,
}

/// What the server sends an agent.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentOut {
    /// Logged in.
    Welcome {
        /// Agent id.
        agent: AgentId,
        /// Name.
        name: String,
        /// Tenant.
        tenant: TenantId,
        /// The tenant's queues (transfer targets), with membership.
        queues: Vec<QueueInfo>,
        /// Chats at once.
        chat_capacity: u8,
        /// Board state.
        status: AgentStatus,
        /// Interactions already connected to the agent (after a reload or reconnect).
        chats: Vec<ActiveChat>,
    },
    /// Board state changed.
    Status {
        /// State.
        status: AgentStatus,
        /// Break reason.
        reason: Option<String>,
    },
    /// An offer rings.
    Offer {
        /// Offer.
        offer: OfferId,
        /// Interaction.
        interaction: InteractionId,
        /// Queue.
        queue: QueueId,
        /// Queue name.
        queue_name: String,
        /// Channel.
        channel: Channel,
        /// Customer name or number.
        customer: String,
        /// Seconds before it counts as missed.
        ring_secs: u64,
        /// Transcript so far (messages typed while waiting).
        history: Vec<ChatLine>,
    },
    /// The offer was withdrawn.
    OfferCancelled {
        /// Offer.
        offer: OfferId,
        /// Why.
        reason: String,
    },
    /// A chat (or call) is now yours.
    ChatStarted {
        /// Interaction.
        interaction: InteractionId,
        /// Queue.
        queue: QueueId,
        /// Queue name.
        queue_name: String,
        /// Channel.
        channel: Channel,
        /// Customer name or number.
        customer: String,
        /// Transcript so far.
        history: Vec<ChatLine>,
    },
    /// A message from the customer.
    Message {
        /// Chat.
        interaction: InteractionId,
        /// The line.
        #[serde(flatten)]
        line: ChatLine,
    },
    /// Your message was stored.
    Ack {
        /// Chat.
        interaction: InteractionId,
        /// Its sequence number.
        seq: u64,
        /// Your id for it.
        client_id: Option<String>,
    },
    /// The customer's widget got your message.
    Delivered {
        /// Chat.
        interaction: InteractionId,
        /// Sequence number.
        seq: u64,
        /// Your id for it.
        client_id: Option<String>,
    },
    /// The customer read up to `seq`.
    Read {
        /// Chat.
        interaction: InteractionId,
        /// Sequence number.
        seq: u64,
    },
    /// Customer typing indicator.
    Typing {
        /// Chat.
        interaction: InteractionId,
        /// Typing or not.
        on: bool,
    },
    /// The chat ended.
    ChatEnded {
        /// Chat.
        interaction: InteractionId,
        /// Who ended it (agent also for a transfer).
        by: Party,
    },
    /// Answer to `history`.
    History {
        /// Interaction.
        interaction: InteractionId,
        /// Lines.
        messages: Vec<ChatLine>,
    },
    /// Answer to `take_next`.
    Claimed {
        /// The interaction now yours.
        interaction: InteractionId,
    },
    /// Answer to `offline_messages`.
    OfflineMessages {
        /// Newest first.
        items: Vec<OfflineMessage>,
    },
    /// Answer to `ping`.
    Pong,
}
