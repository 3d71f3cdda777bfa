//! Messages of the supervisor protocol (`/ws/supervisor`). See docs/protocol/chat.md.

use crate::dispatch::Sample;
use crate::hub::Alarm;
use serde::{Deserialize, Serialize};
use switchyard_core::{AgentId, AgentStatus, Channel, InteractionId, QueueId, TenantId};
use switchyard_router::InteractionState;
use switchyard_store::OfflineMessage;

/// Message types a supervisor may send.
pub const TYPES: &[&str] = &[
    "auth",
    "move",
    "pause_agent",
    "unpause_agent",
    "logout_agent",
    "offline_messages",
    "ping",
];

/// What a supervisor sends.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SupervisorIn {
    /// Authenticate with a supervisor or admin API token.
    Auth {
        /// The token.
        token: String,
        /// Tenant name or id (needed with a deployment-wide admin token).
        #[serde(default)]
        tenant: Option<String>,
    },
    /// Move a waiting customer to another queue (keeps the arrival time).
    Move {
        /// Interaction.
        interaction: InteractionId,
        /// Target queue.
        queue: QueueId,
    },
    /// Force a pause in every queue.
    PauseAgent {
        /// Agent.
        agent: AgentId,
        /// Reason.
        #[serde(default)]
        reason: Option<String>,
    },
    /// Lift a pause.
    UnpauseAgent {
        /// Agent.
        agent: AgentId,
    },
    /// Log an agent out.
    LogoutAgent {
        /// Agent.
        agent: AgentId,
    },
    /// The tenant's offline messages.
    OfflineMessages,
    /// Keep-alive.
    Ping,
}

/// One waiting interaction on the board.
#[derive(Clone, Debug, Serialize)]
pub struct Waiter {
    /// Interaction.
    pub interaction: InteractionId,
    /// Customer name or number.
    pub customer: String,
    /// Position.
    pub position: u32,
    /// Seconds since arrival.
    pub wait_secs: u64,
    /// Channel.
    pub channel: Channel,
    /// Waiting, ringing or retrying.
    pub state: InteractionState,
    /// Priority.
    pub priority: i32,
}

/// One queue on the board.
#[derive(Clone, Debug, Serialize)]
pub struct QueueBoard {
    /// Queue.
    pub id: QueueId,
    /// Name.
    pub name: String,
    /// Depth.
    pub waiting: u32,
    /// Longest current wait.
    pub longest_wait_secs: u64,
    /// Service level (0..=1).
    pub service_level: f64,
    /// Abandon rate (0..=1).
    pub abandon_rate: f64,
    /// Members logged in.
    pub agents_logged_in: u32,
    /// Members free.
    pub agents_available: u32,
    /// Members busy with this queue.
    pub agents_busy: u32,
    /// Answered so far.
    pub answered: u64,
    /// Abandoned so far.
    pub abandoned: u64,
    /// Estimated wait for a newcomer.
    pub estimated_wait_secs: Option<u64>,
    /// The first waiters in line (at most 50).
    pub line: Vec<Waiter>,
    /// Samples for the trend chart, oldest first.
    pub trend: Vec<Sample>,
}

/// One agent on the board.
#[derive(Clone, Debug, Serialize)]
pub struct AgentBoard {
    /// Agent.
    pub id: AgentId,
    /// Name.
    pub name: String,
    /// State.
    pub status: AgentStatus,
    /// Seconds in that state.
    pub since_secs: u64,
    /// Interactions in progress.
    pub active: usize,
    /// Break reason.
    pub reason: Option<String>,
}

/// What the server sends a supervisor.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SupervisorOut {
    /// Authenticated.
    Welcome {
        /// Tenant.
        tenant: TenantId,
        /// Its name.
        tenant_name: String,
    },
    /// The board (sent on change, at most 4 times a second, and every 2 s).
    Snapshot {
        /// When, ms since the epoch.
        at_ms: u64,
        /// Queues.
        queues: Vec<QueueBoard>,
        /// Agents.
        agents: Vec<AgentBoard>,
    },
    /// An alarm fired (max wait, max depth).
    Alarm {
        /// The alarm.
        #[serde(flatten)]
        alarm: Alarm,
        /// Queue name.
        queue_name: String,
    },
    /// An action was applied.
    Done {
        /// The action's type.
        action: &'static str,
    },
    /// Answer to `offline_messages`.
    OfflineMessages {
        /// Newest first.
        items: Vec<OfflineMessage>,
    },
    /// Answer to `ping`.
    Pong,
}
