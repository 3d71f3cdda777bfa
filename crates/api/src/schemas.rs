//! OpenAPI schemas of the router's live views. The handlers return the router's own
//! types (serialized as they are); these structs only describe them in the document.
//! A test compares their properties with real responses, so they cannot drift.

#![allow(dead_code)] // documentation only: never constructed

use utoipa::ToSchema;

/// Live figures of one queue.
#[derive(Debug, ToSchema)]
#[schema(as = QueueStats)]
pub(crate) struct QueueStatsDoc {
    /// Queue id.
    queue: u64,
    /// Tenant id.
    tenant: u64,
    /// Queue name.
    name: String,
    /// Interactions in line (waiting, ringing or retrying).
    waiting: u32,
    /// Longest current wait, seconds.
    longest_wait_secs: u64,
    /// Members logged in.
    agents_logged_in: u32,
    /// Members able to take an interaction now.
    agents_available: u32,
    /// Members handling or being offered this queue's interactions.
    agents_busy: u32,
    /// Interactions that joined.
    entered: u64,
    /// Interactions answered.
    answered: u64,
    /// Answered within the service-level threshold.
    answered_in_sla: u64,
    /// Customers who left while waiting.
    abandoned: u64,
    /// Sent down the overflow chain (including refusals at join).
    overflowed: u64,
    /// Offers made.
    offered: u64,
    /// Share answered within the threshold (1.0 with no traffic).
    service_level: f64,
    /// Share of ended waits that abandoned.
    abandon_rate: f64,
    /// Measured average handle time, seconds.
    avg_handle_secs: f64,
    /// Average wait of answered interactions, seconds.
    avg_wait_secs: f64,
    /// Estimated wait for a customer joining now (null: nobody staffed).
    estimated_wait_secs: Option<u64>,
}

/// One agent on the status board.
#[derive(Debug, ToSchema)]
#[schema(as = AgentView)]
pub(crate) struct AgentViewDoc {
    /// Agent id.
    id: u64,
    /// Tenant id.
    tenant: u64,
    /// Name.
    name: String,
    /// `offline`, `available`, `ringing`, `busy`, `wrap_up` or `break`.
    status: String,
    /// Since when (ms since the epoch).
    status_since: u64,
    /// Logged in.
    logged_in: bool,
    /// Device reachable.
    reachable: bool,
    /// Pause reason when paused in every queue.
    paused_all: Option<String>,
    /// `[queue id, reason]` pairs of per-queue pauses.
    paused_in: Vec<Vec<serde_json::Value>>,
    /// Interactions in progress.
    active: Vec<u64>,
    /// The interaction ringing the agent.
    ringing: Option<u64>,
    /// Handled since start.
    handled: u64,
    /// Offers missed in a row.
    missed_in_row: u32,
}

/// One interaction in the router.
#[derive(Debug, ToSchema)]
#[schema(as = InteractionView)]
pub(crate) struct InteractionViewDoc {
    /// Interaction id.
    id: u64,
    /// Tenant id.
    tenant: u64,
    /// The queue it is in (or was answered from).
    queue: u64,
    /// `voice`, `chat` or `callback`.
    channel: String,
    /// Caller ID, chat name or callback number.
    caller_id: String,
    /// Its own skills `[{skill, min_level}]`.
    skills: Vec<serde_json::Value>,
    /// Priority (higher first).
    priority: i32,
    /// Original arrival, ms since the epoch (kept across moves).
    arrived: u64,
    /// Entry into the current queue, ms since the epoch.
    entered: u64,
    /// `waiting`, `ringing`, `retrying` or `connected`.
    state: String,
    /// 1-based place in line while waiting.
    position: Option<u32>,
    /// The connected agent.
    agent: Option<u64>,
}

/// An interaction with its estimated wait.
#[derive(Debug, ToSchema)]
#[schema(as = InteractionDetail)]
pub(crate) struct InteractionDetailDoc {
    /// Interaction id.
    id: u64,
    /// Tenant id.
    tenant: u64,
    /// The queue it is in (or was answered from).
    queue: u64,
    /// `voice`, `chat` or `callback`.
    channel: String,
    /// Caller ID, chat name or callback number.
    caller_id: String,
    /// Its own skills.
    skills: Vec<serde_json::Value>,
    /// Priority.
    priority: i32,
    /// Original arrival, ms since the epoch.
    arrived: u64,
    /// Entry into the current queue, ms since the epoch.
    entered: u64,
    /// `waiting`, `ringing`, `retrying` or `connected`.
    state: String,
    /// 1-based place in line while waiting.
    position: Option<u32>,
    /// The connected agent.
    agent: Option<u64>,
    /// Estimated seconds until an agent takes it (null: nobody staffed or not waiting).
    estimated_wait_secs: Option<u64>,
}
