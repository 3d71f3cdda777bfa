//! Call legs: the user-agent behaviour on top of transactions and dialogs.
//!
//! [`IncomingCall`] is the caller's leg as the B2BUA's UAS: it rings, answers with SDP,
//! retransmits the 2xx until the ACK (RFC 3261 §13.3.1.4), and ends on CANCEL, BYE or our
//! hangup. Like everything in the core it is driven with `now` and drained with `poll_*`.
//! [`OutgoingCall`] is the agent's leg as the B2BUA's UAC: it rings the device, ACKs the
//! answer, cancels on ring timeout or when another agent won, and hangs up with BYE.

//! Both legs answer re-INVITEs (hold, resume, a moved address) with our address kept and
//! the direction mirrored ([`Reoffer`]), and send their own to hold or resume the other
//! side of a bridge ([`ReinviteOutcome`]).

mod incoming;
mod outgoing;
mod reinvite;

pub use incoming::{EndReason, IncomingCall, IncomingEvent, IncomingState};
pub use outgoing::{OutgoingCall, OutgoingEvent, OutgoingState};
pub use reinvite::{ReinviteOutcome, Reoffer};
