//! Messages of the customer protocol (`/ws/customer`). See docs/protocol/chat.md.

use crate::hub::{ChatLine, Party};
use serde::{Deserialize, Serialize};
use switchyard_core::config::OverflowTrigger;
use switchyard_core::{InteractionId, QueueId};

/// Message types a customer may send.
pub const TYPES: &[&str] = &[
    "join",
    "resume",
    "message",
    "typing",
    "read",
    "callback",
    "offline_message",
    "leave",
    "ping",
];

/// What a customer sends.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CustomerIn {
    /// Join a queue, by one of its numbers or its id.
    Join {
        /// A number of the queue (as dialled), e.g. "500".
        #[serde(default)]
        queue: Option<String>,
        /// Or the queue id.
        #[serde(default)]
        queue_id: Option<u64>,
        /// Tenant name or id, checked against the queue's when given.
        #[serde(default)]
        tenant: Option<String>,
        /// Display name.
        name: String,
        /// Extra skills the chat needs, e.g. `["lang:fr"]`.
        #[serde(default)]
        skills: Vec<String>,
        /// A priority token signed by the site's back end.
        #[serde(default)]
        priority_token: Option<String>,
    },
    /// Take back a place in line after a reconnect or a page reload.
    Resume {
        /// The `resume_token` of `joined`.
        token: String,
    },
    /// A chat message (before assignment it waits in the transcript).
    Message {
        /// Text, up to 2000 characters.
        text: String,
        /// The client's own id, echoed in `ack`.
        #[serde(default)]
        client_id: Option<String>,
    },
    /// Typing started or stopped.
    Typing {
        /// Typing or not.
        on: bool,
    },
    /// Read everything up to `seq`.
    Read {
        /// Sequence number.
        seq: u64,
    },
    /// Call me back instead (keeps the place in line).
    Callback {
        /// Phone number.
        number: String,
    },
    /// Leave a message when nobody can chat (after an `offline`).
    OfflineMessage {
        /// Name.
        name: String,
        /// E-mail or phone.
        contact: String,
        /// Message.
        text: String,
    },
    /// Leave the queue or end the chat.
    Leave,
    /// Keep-alive.
    Ping,
}

/// Where the interaction is, in `joined`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinedState {
    /// In line.
    Waiting,
    /// Chatting with an agent.
    Connected,
    /// Waiting for a callback.
    Callback,
    /// No longer in the router (overflowed, ended).
    Ended,
}

/// Delivery state of a customer's message, in `ack`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Stored in the transcript; the agent will see it in the history.
    Sent,
    /// Pushed to the agent's desktop.
    Delivered,
}

/// What the server sends a customer.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CustomerOut {
    /// Joined or resumed.
    Joined {
        /// The interaction.
        interaction: InteractionId,
        /// Token for `resume`.
        resume_token: String,
        /// How long a disconnected customer keeps the place, seconds.
        resume_grace_secs: u64,
        /// Queue.
        queue: QueueId,
        /// Queue name.
        queue_name: String,
        /// State.
        state: JoinedState,
        /// Position in line.
        position: Option<u32>,
        /// Estimated wait, seconds.
        eta_secs: Option<u64>,
        /// Connected agent's name.
        agent_name: Option<String>,
        /// Transcript so far.
        history: Vec<ChatLine>,
    },
    /// Position changed.
    Position {
        /// 1-based.
        position: u32,
        /// Seconds (absent when nobody is staffed).
        eta_secs: Option<u64>,
    },
    /// An agent took the chat.
    Assigned {
        /// Agent name.
        agent_name: String,
    },
    /// A line of the chat.
    Message {
        /// The line.
        #[serde(flatten)]
        line: ChatLine,
    },
    /// A customer message was accepted.
    Ack {
        /// Its sequence number.
        seq: u64,
        /// The client's id.
        client_id: Option<String>,
        /// Delivery state.
        state: Delivery,
    },
    /// The agent read up to `seq`.
    Read {
        /// Sequence number.
        seq: u64,
    },
    /// The agent is typing.
    Typing {
        /// Typing or not.
        on: bool,
    },
    /// The callback request was taken; the place in line is kept.
    CallbackScheduled {
        /// Number to call.
        number: String,
    },
    /// The agent transferred the chat; waiting again in another queue.
    Transferred {
        /// New queue.
        queue: QueueId,
        /// Its name.
        queue_name: String,
    },
    /// Moved to another queue (supervisor or overflow), keeping the arrival time.
    Moved {
        /// New queue.
        queue: QueueId,
        /// Its name.
        queue_name: String,
    },
    /// Nobody can take the chat: offer the message form.
    Offline {
        /// Why.
        reason: OverflowTrigger,
    },
    /// The offline message was stored.
    OfflineSaved {
        /// Its id.
        id: i64,
    },
    /// The chat ended.
    Ended {
        /// Who ended it.
        by: Party,
    },
    /// Answer to `ping`.
    Pong,
}
