//! How a customer reached us.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The channel of an interaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A phone call (SIP) waiting on the line.
    Voice,
    /// A web chat over WebSocket.
    Chat,
    /// A callback request: the customer is not on the line; the agent is connected
    /// first, then the customer is dialled.
    Callback,
}

impl Channel {
    /// All channels, for iteration.
    pub const ALL: [Channel; 3] = [Channel::Voice, Channel::Chat, Channel::Callback];

    /// Which agent capacity this channel consumes.
    pub const fn media(self) -> MediaKind {
        match self {
            Channel::Voice | Channel::Callback => MediaKind::Voice,
            Channel::Chat => MediaKind::Chat,
        }
    }

    /// Stable lowercase name (used in APIs and logs).
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Chat => "chat",
            Channel::Callback => "callback",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of agent capacity an interaction occupies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A voice leg (calls and callbacks).
    Voice,
    /// A chat session.
    Chat,
}
