//! Read-only views of the router's state, for the REST API, dashboards and widgets.

use serde::Serialize;
use std::time::Duration;
use switchyard_core::{
    AgentId, AgentStatus, Channel, InteractionId, PauseReason, QueueId, TenantId, Time,
};

/// Where an interaction is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InteractionState {
    /// In line, nobody ringing.
    Waiting,
    /// In line, being offered to one or more agents.
    Ringing,
    /// In line, pausing between offer rounds (retry delay) or callback attempts.
    Retrying,
    /// Connected to an agent.
    Connected,
}

/// One interaction as seen from outside.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InteractionView {
    /// Its id.
    pub id: InteractionId,
    /// Its tenant.
    pub tenant: TenantId,
    /// The queue it is in (or was answered from).
    pub queue: QueueId,
    /// Voice, chat or callback.
    pub channel: Channel,
    /// Caller ID / chat name / callback number.
    pub caller_id: String,
    /// Skills the interaction asked for on top of its queue's.
    pub skills: Vec<switchyard_core::SkillReq>,
    /// Current priority.
    pub priority: i32,
    /// Original arrival (kept across moves and overflows).
    pub arrived: Time,
    /// When it entered the current queue.
    pub entered: Time,
    /// Its state.
    pub state: InteractionState,
    /// 1-based position in line while waiting.
    pub position: Option<u32>,
    /// The connected agent.
    pub agent: Option<AgentId>,
}

/// Live figures of one queue.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueueStats {
    /// The queue.
    pub queue: QueueId,
    /// Its tenant.
    pub tenant: TenantId,
    /// Its name.
    pub name: String,
    /// Interactions in line (waiting, ringing or retrying).
    pub waiting: u32,
    /// Longest current wait.
    pub longest_wait_secs: u64,
    /// Members logged in.
    pub agents_logged_in: u32,
    /// Members able to take an interaction right now.
    pub agents_available: u32,
    /// Members handling or being offered this queue's interactions.
    pub agents_busy: u32,
    /// Interactions that joined.
    pub entered: u64,
    /// Interactions answered.
    pub answered: u64,
    /// Answered within the service-level threshold.
    pub answered_in_sla: u64,
    /// Customers who left while waiting.
    pub abandoned: u64,
    /// Sent down the overflow chain (including refusals at join).
    pub overflowed: u64,
    /// Offers made.
    pub offered: u64,
    /// Share of answered+abandoned answered within the threshold (1.0 with no traffic).
    pub service_level: f64,
    /// Share of ended-waiting that abandoned.
    pub abandon_rate: f64,
    /// Measured average handle time (talk + wrap-up), seconds.
    pub avg_handle_secs: f64,
    /// Average wait of answered interactions, seconds.
    pub avg_wait_secs: f64,
    /// Estimated wait for a customer joining now (None: nobody staffed).
    pub estimated_wait_secs: Option<u64>,
}

/// One agent on the status board.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgentView {
    /// The agent.
    pub id: AgentId,
    /// Its tenant.
    pub tenant: TenantId,
    /// Its name.
    pub name: String,
    /// Board state.
    pub status: AgentStatus,
    /// Since when the agent is in that state.
    pub status_since: Time,
    /// Logged in.
    pub logged_in: bool,
    /// Device reachable.
    pub reachable: bool,
    /// Paused in all queues, with the reason.
    pub paused_all: Option<PauseReason>,
    /// Queues paused individually, with reasons.
    pub paused_in: Vec<(QueueId, PauseReason)>,
    /// Interactions in progress.
    pub active: Vec<InteractionId>,
    /// The interaction ringing the agent, if any.
    pub ringing: Option<InteractionId>,
    /// Handled since start.
    pub handled: u64,
    /// Offers missed in a row.
    pub missed_in_row: u32,
}

/// An estimate of the wait ahead of one interaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Estimate {
    /// 1-based position in line.
    pub position: u32,
    /// Estimated time until an agent takes it (None: nobody staffed).
    pub wait: Option<Duration>,
}
