//! The registry of live sessions, and the chat transcripts.
//!
//! Sessions register here under the id the router speaks of (interaction for a
//! customer, agent for an agent, tenant for a supervisor) and get an mpsc receiver; the
//! dispatcher and the other sessions push to exactly the session concerned. A customer
//! slot outlives its socket for the resume grace period (`tx` is then `None`).

use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use switchyard_core::config::{OverflowAction, OverflowTrigger};
use switchyard_core::{AgentId, AgentStatus, Channel, InteractionId, OfferId, QueueId, TenantId};
use switchyard_router::{CancelReason, Estimate};
use tokio::sync::mpsc;

/// Pushes a session may queue before it counts as too slow (pushes are then dropped).
pub const SESSION_BUFFER: usize = 256;
const MAX_LINES: usize = 1000;

/// Who wrote a chat line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The customer.
    Customer,
    /// The agent.
    Agent,
    /// The server (joins, transfers).
    System,
}

/// One line of a chat transcript.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChatLine {
    /// Sequence number within the interaction (1, 2, …).
    pub seq: u64,
    /// Author.
    pub from: Party,
    /// Text.
    pub text: String,
    /// When, ms since the epoch.
    pub at_ms: u64,
    /// The sender's own id for the message, echoed in acks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// What reaches a customer session.
#[derive(Clone, Debug)]
pub enum CustomerPush {
    /// New position and estimate.
    Position(Estimate),
    /// An agent took the chat.
    Assigned(AgentId),
    /// A line from the agent (or the system).
    Line(ChatLine),
    /// The agent is typing or stopped.
    Typing(bool),
    /// The agent read up to this sequence number.
    Read(u64),
    /// The interaction left the queue to an overflow action.
    Overflow(OverflowTrigger, OverflowAction),
    /// The agent transferred the chat to another queue.
    Transferred(QueueId),
    /// A supervisor moved it to another queue (or it overflowed there).
    Moved(QueueId),
    /// It ended.
    Ended(Party),
    /// Another socket resumed this interaction.
    Replaced,
}

/// What reaches an agent session.
#[derive(Clone, Debug)]
pub enum AgentPush {
    /// An offer rings.
    Offer {
        /// Offer.
        offer: OfferId,
        /// Interaction.
        interaction: InteractionId,
        /// Queue.
        queue: QueueId,
        /// Channel.
        channel: Channel,
        /// Seconds it rings.
        ring_secs: u64,
    },
    /// An offer was withdrawn.
    OfferCancelled(OfferId, CancelReason),
    /// An interaction is now connected to this agent.
    Connected(InteractionId, QueueId, Channel),
    /// A line from the customer.
    Line(InteractionId, ChatLine),
    /// The customer's socket got the agent's line.
    Delivered(InteractionId, u64, Option<String>),
    /// The customer is typing or stopped.
    Typing(InteractionId, bool),
    /// The customer read up to this sequence number.
    Read(InteractionId, u64),
    /// The interaction ended (customer left, or completed).
    Ended(InteractionId, Party),
    /// Board state changed.
    Status(AgentStatus),
    /// The agent logged in elsewhere.
    Replaced,
}

/// An alarm for supervisors.
#[derive(Clone, Debug, Serialize)]
pub struct Alarm {
    /// The queue.
    pub queue: QueueId,
    /// What fired.
    pub trigger: OverflowTrigger,
    /// The interaction concerned.
    pub interaction: Option<InteractionId>,
    /// When, ms since the epoch.
    pub at_ms: u64,
}

#[derive(Debug)]
pub(crate) struct CustomerSlot {
    pub tx: Option<mpsc::Sender<CustomerPush>>,
    pub generation: u64,
    pub token: String,
    pub tenant: TenantId,
    pub name: String,
    /// A callback request: the socket may go away without the customer leaving.
    pub callback: bool,
    /// The estimate last pushed: unchanged estimates are not pushed again (a join at
    /// the tail of a deep queue then costs one push, not one per waiter).
    pub last_sent: Option<Estimate>,
}

#[derive(Debug, Default)]
struct Transcript {
    lines: Vec<ChatLine>,
    next: u64,
}

#[derive(Debug, Default)]
struct Inner {
    customers: HashMap<InteractionId, CustomerSlot>,
    by_token: HashMap<String, InteractionId>,
    agents: HashMap<AgentId, (u64, mpsc::Sender<AgentPush>)>,
    supervisors: HashMap<TenantId, Vec<(u64, mpsc::Sender<Alarm>)>>,
    chats: HashMap<InteractionId, AgentId>,
    offers: HashMap<OfferId, (AgentId, InteractionId)>,
    transcripts: HashMap<InteractionId, Transcript>,
    queue_tenant: HashMap<QueueId, TenantId>,
    queue_names: HashMap<QueueId, String>,
}

/// The registry. See the module documentation.
#[derive(Debug, Default)]
pub struct Hub {
    inner: Mutex<Inner>,
    next_session: AtomicU64,
}

fn push<T>(tx: &mpsc::Sender<T>, msg: T) -> bool {
    // A full buffer means a client that stopped reading: drop rather than grow.
    tx.try_send(msg).is_ok()
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain maps behind: keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh session id.
    pub fn session_id(&self) -> u64 {
        self.next_session.fetch_add(1, Ordering::Relaxed) + 1
    }
}

mod customers;
mod staff;
