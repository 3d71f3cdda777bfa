//! Shared vocabulary of Switchyard.
//!
//! Everything here is plain data: identifiers, the injected notion of time, skills,
//! channels, presence, the configuration the router consumes, and the events it emits
//! (named as Asterisk's `queue_log` names them). No I/O, no clock reads, no async.

pub mod callback_policy;
pub mod channel;
pub mod config;
pub mod event;
pub mod ids;
pub mod lockout;
pub mod presence;
pub mod schedule;
pub mod skill;
pub mod time;

pub use channel::{Channel, MediaKind};
pub use event::{EventKind, RouterEvent};
pub use ids::{AgentId, InteractionId, OfferId, QueueId, TenantId};
pub use presence::{AgentStatus, PauseReason};
pub use skill::{Skill, SkillLevel, SkillReq};
pub use time::Time;
