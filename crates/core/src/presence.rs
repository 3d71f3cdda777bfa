//! Agent presence as people see it on the status board.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// Why an agent is paused ("lunch", "training", "auto-pause: 3 missed offers").
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PauseReason(pub Arc<str>);

impl PauseReason {
    /// Makes a reason from text.
    pub fn new(text: impl AsRef<str>) -> Self {
        PauseReason(Arc::from(text.as_ref()))
    }

    /// The reason text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PauseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The status-board state of an agent, derived by the router.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    /// Not logged in (or no reachable device).
    Offline,
    /// Logged in and able to take work.
    Available,
    /// Being offered an interaction right now.
    Ringing,
    /// Handling at least one interaction.
    Busy,
    /// In after-call work.
    WrapUp,
    /// Paused (break, lunch, auto-pause…).
    Break,
}

impl AgentStatus {
    /// Stable lowercase name.
    pub const fn as_str(self) -> &'static str {
        match self {
            AgentStatus::Offline => "offline",
            AgentStatus::Available => "available",
            AgentStatus::Ringing => "ringing",
            AgentStatus::Busy => "busy",
            AgentStatus::WrapUp => "wrap_up",
            AgentStatus::Break => "break",
        }
    }
}

impl fmt::Display for AgentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
