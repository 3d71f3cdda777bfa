//! The Switchyard router: a pure state machine for skills-based queueing.
//!
//! Feed it [`Input`]s with [`Router::handle`], drain [`Output`]s with
//! [`Router::poll_output`], and call [`Router::handle_timeout`] when the time from
//! [`Router::poll_timeout`] is reached. It never reads a clock, touches a socket or
//! spawns a task; randomness comes from a seeded RNG.

pub mod error;
pub mod input;
pub mod output;
pub mod view;

pub use error::{Error, Result};
pub use input::{EndedBy, Input, NewInteraction, OfferFailure};
pub use output::{CancelReason, Output};
pub use view::{AgentView, Estimate, InteractionState, InteractionView, QueueStats};
