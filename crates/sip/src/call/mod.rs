//! Call legs: the user-agent behaviour on top of transactions and dialogs.
//!
//! [`IncomingCall`] is the caller's leg as the B2BUA's UAS: it rings, answers with SDP,
//! retransmits the 2xx until the ACK (RFC 3261 §13.3.1.4), and ends on CANCEL, BYE or our
//! hangup. Like everything in the core it is driven with `now` and drained with `poll_*`.
//! The agent's leg (the UAC side) comes with the call wiring.

mod incoming;

pub use incoming::{EndReason, IncomingCall, IncomingEvent, IncomingState};
