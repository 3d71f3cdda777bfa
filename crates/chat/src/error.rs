//! The chat edge's error type, split by who is at fault, and the codes the protocol
//! reports them with.

use serde::Serialize;

/// Result with the chat edge's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong handling one client message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The peer sent something malformed or not allowed (its fault: an `error` message).
    #[error("{message}")]
    Peer {
        /// Machine-readable code.
        code: ErrorCode,
        /// Human-readable explanation (never internals).
        message: String,
    },
    /// The router refused the input (e.g. the interaction already left).
    #[error("refused: {0}")]
    Refused(#[from] switchyard_router::Error),
    /// The routing engine stopped (shutting down): retry later.
    #[error("the routing engine is not running")]
    Stopped,
    /// The store failed (an outage: retry later).
    #[error("storage unavailable")]
    Store(#[source] switchyard_store::Error),
}

impl Error {
    /// A peer error with a code and message.
    pub fn peer(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::Peer {
            code,
            message: message.into(),
        }
    }

    /// The code reported to the peer.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Peer { code, .. } => *code,
            Error::Refused(_) => ErrorCode::Refused,
            Error::Stopped | Error::Store(_) => ErrorCode::Unavailable,
        }
    }

    /// The message reported to the peer: outages say nothing about internals.
    pub fn public_message(&self) -> String {
        match self {
            Error::Peer { message, .. } => message.clone(),
            Error::Refused(e) => e.to_string(),
            Error::Stopped | Error::Store(_) => "temporarily unavailable, retry later".into(),
        }
    }
}

impl From<switchyard_engine::Error> for Error {
    fn from(e: switchyard_engine::Error) -> Self {
        match e {
            switchyard_engine::Error::Stopped => Error::Stopped,
            switchyard_engine::Error::Router(r) => Error::Refused(r),
        }
    }
}

impl From<switchyard_store::Error> for Error {
    fn from(e: switchyard_store::Error) -> Self {
        match e {
            switchyard_store::Error::NotFound => Error::peer(ErrorCode::NotFound, "not found"),
            other => {
                tracing::warn!(error = %other, "chat: store failure");
                Error::Store(other)
            }
        }
    }
}

/// Error codes of the `error` message (see docs/protocol/chat.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not a JSON object.
    BadJson,
    /// `v` is missing or not 1.
    UnsupportedVersion,
    /// `type` is missing or not a message of this protocol.
    UnknownType,
    /// A known type with missing or invalid fields.
    BadMessage,
    /// A binary frame (the protocol is text only).
    BinaryNotSupported,
    /// Too many messages: this one was dropped.
    RateLimited,
    /// The first message must be `join`/`resume` (customer), `login` (agent), `auth` (supervisor).
    NotReady,
    /// Wrong credentials or token.
    Unauthorized,
    /// Not allowed for this identity.
    Forbidden,
    /// The queue, interaction, offer or agent does not exist (or is not yours).
    NotFound,
    /// The router refused the action in the current state.
    Refused,
    /// The server is shutting down or storage is down; retry later.
    Unavailable,
}

/// WebSocket close codes used by the server.
pub mod close {
    /// Normal end (leave, logout).
    pub const NORMAL: u16 = 1000;
    /// Flooding after repeated rate-limit errors, or a binary frame flood.
    pub const POLICY: u16 = 1008;
    /// A frame larger than the limit.
    pub const TOO_BIG: u16 = 1009;
    /// Server shutting down.
    pub const GOING_AWAY: u16 = 1001;
    /// Authentication failed.
    pub const UNAUTHORIZED: u16 = 4401;
    /// No identifying first message in time.
    pub const HANDSHAKE_TIMEOUT: u16 = 4408;
    /// The same agent logged in elsewhere.
    pub const REPLACED: u16 = 4409;
    /// Nothing received (not even a pong) within the idle timeout.
    pub const IDLE: u16 = 4000;
}
