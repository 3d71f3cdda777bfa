//! The transaction layer of RFC 3261 §17 as four pure state machines.
//!
//! Each machine is driven like quinn-proto's `Connection`: feed it messages with
//! `handle_message(now, ..)` and expired timers with `handle_timeout(now)`, then drain
//! `poll_transmit()` (bytes to send to the peer), `poll_event()` (what the transaction user
//! must know) and `poll_timeout()` (when to call `handle_timeout` next). Nothing here reads
//! a clock or touches a socket; the driver owns both.
//!
//! Over unreliable transports requests (client side) and final responses to INVITE
//! (server side) are retransmitted with exponential back-off from T1 up to T2. Over
//! reliable transports nothing is retransmitted and timers D, I, J and K are zero.
//! RFC 6026's Accepted state is used for 2xx to INVITE on both sides.

mod client_invite;
mod client_non_invite;
mod key;
mod server_invite;
mod server_non_invite;

pub use client_invite::{InviteClient, InviteClientState};
pub use client_non_invite::{NonInviteClient, NonInviteClientState};
pub use key::{ClientKey, ServerKey};
pub use server_invite::{InviteServer, InviteServerState};
pub use server_non_invite::{NonInviteServer, NonInviteServerState};

use crate::message::{Request, Response};
use std::time::Duration;
use switchyard_core::Time;

/// The protocol timers (RFC 3261 Table 4, RFC 6026 L and M).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// INVITE client request retransmission.
    A,
    /// INVITE client transaction timeout.
    B,
    /// INVITE client wait for response retransmissions.
    D,
    /// Non-INVITE client request retransmission.
    E,
    /// Non-INVITE client transaction timeout.
    F,
    /// INVITE server response retransmission.
    G,
    /// INVITE server wait for ACK.
    H,
    /// INVITE server wait for ACK retransmissions.
    I,
    /// Non-INVITE server wait for request retransmissions.
    J,
    /// Non-INVITE client wait for response retransmissions.
    K,
    /// INVITE server wait in Accepted (RFC 6026).
    L,
    /// INVITE client wait in Accepted (RFC 6026).
    M,
}

/// Timer base values. The defaults are RFC 3261's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerConfig {
    /// RTT estimate, 500 ms.
    pub t1: Duration,
    /// Maximum retransmit interval for non-INVITE requests and INVITE responses, 4 s.
    pub t2: Duration,
    /// Maximum time a message stays in the network, 5 s.
    pub t4: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

impl TimerConfig {
    /// 64*T1: timers B, F, H, J, L, M.
    pub fn transaction_timeout(&self) -> Duration {
        self.t1 * 64
    }
}

/// What a client transaction tells its user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEvent {
    /// A response to pass up (provisional, final, or a 2xx retransmission in Accepted).
    Response(Box<Response>),
    /// No final response in time (timer B or F): treat as 408.
    Timeout,
    /// The transaction is over and can be forgotten.
    Terminated,
}

/// What a server transaction tells its user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerEvent {
    /// No ACK arrived for a non-2xx final response (timer H).
    AckTimeout,
    /// The transaction is over and can be forgotten.
    Terminated,
}

/// Bytes the driver must send to the transaction's peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit(pub Vec<u8>);

/// The few timers a transaction has armed at once, earliest first on poll.
#[derive(Clone, Debug, Default)]
pub(crate) struct Timers(Vec<(Time, Timer)>);

impl Timers {
    pub(crate) fn set(&mut self, timer: Timer, at: Time) {
        self.cancel(timer);
        self.0.push((at, timer));
    }

    pub(crate) fn cancel(&mut self, timer: Timer) {
        self.0.retain(|(_, t)| *t != timer);
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    pub(crate) fn next(&self) -> Option<(Time, Timer)> {
        self.0.iter().copied().min_by_key(|(at, _)| *at)
    }

    /// Removes and returns the earliest timer due at `now`.
    pub(crate) fn pop_due(&mut self, now: Time) -> Option<Timer> {
        let (at, timer) = self.next()?;
        (at <= now).then(|| {
            self.cancel(timer);
            timer
        })
    }
}

/// Either kind of request-carrying input a server transaction may see again.
pub(crate) fn is_ack(req: &Request) -> bool {
    req.method() == crate::types::Method::Ack
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::message::{Message, Request, Response};
    use crate::types::StatusCode;

    pub(crate) fn request(method: &str, transport: &str) -> Request {
        let text = format!(
            "{method} sip:agent@192.0.2.10 SIP/2.0\r\n\
             Via: SIP/2.0/{transport} 192.0.2.1:5060;branch=z9hG4bKtest1\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:caller@example.com>;tag=f1\r\n\
             To: <sip:agent@example.com>\r\n\
             Call-ID: call-1@example.com\r\n\
             CSeq: 1 {method}\r\n\
             Content-Length: 0\r\n\r\n"
        );
        match Message::parse(text.as_bytes()).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!(),
        }
    }

    pub(crate) fn response(req: &Request, code: u16) -> Response {
        req.reply(StatusCode::new(code).unwrap()).build().unwrap()
    }
}
