//! The router's error type. Every variant is a misuse by the caller (an unknown id, an
//! input that does not fit the current state); "no agent" or "queue full" are not
//! errors but outputs.

use switchyard_core::schedule::ScheduleError;
use switchyard_core::{AgentId, InteractionId, OfferId, QueueId, TenantId};

/// Result with the router's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An input the router could not apply. The router's state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No such queue.
    #[error("unknown queue {0}")]
    UnknownQueue(QueueId),
    /// No such agent.
    #[error("unknown agent {0}")]
    UnknownAgent(AgentId),
    /// No such interaction (or it already ended).
    #[error("unknown interaction {0}")]
    UnknownInteraction(InteractionId),
    /// No such offer (or it already ended).
    #[error("unknown offer {0}")]
    UnknownOffer(OfferId),
    /// An interaction with this id is already in the router.
    #[error("interaction {0} already exists")]
    DuplicateInteraction(InteractionId),
    /// Two objects of different tenants were put together.
    #[error("tenant mismatch: {0} vs {1}")]
    TenantMismatch(TenantId, TenantId),
    /// The agent is not a member of the queue.
    #[error("agent {agent} is not a member of queue {queue}")]
    NotMember {
        /// The agent.
        agent: AgentId,
        /// The queue.
        queue: QueueId,
    },
    /// The input does not fit the object's current state.
    #[error("{what} is not possible now: {why}")]
    InvalidState {
        /// What was asked.
        what: &'static str,
        /// Why not.
        why: &'static str,
    },
    /// The queue's schedule is invalid.
    #[error("invalid schedule: {0}")]
    Schedule(#[from] ScheduleError),
    /// A setting is out of range.
    #[error("invalid setting {field}: {why}")]
    InvalidSetting {
        /// Which field.
        field: &'static str,
        /// Why.
        why: &'static str,
    },
}
