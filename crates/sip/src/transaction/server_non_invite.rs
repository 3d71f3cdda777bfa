//! Non-INVITE server transaction (RFC 3261 §17.2.2).

use super::{ServerEvent, ServerKey, Timer, TimerConfig, Timers, Transmit};
use crate::message::{Request, Response};
use crate::types::Method;
use std::collections::VecDeque;
use std::time::Duration;
use switchyard_core::Time;

/// States of Figure 8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonInviteServerState {
    /// Request received, no response yet.
    Trying,
    /// A provisional response was sent.
    Proceeding,
    /// A final response was sent; answering retransmissions with it.
    Completed,
    /// Done.
    Terminated,
}

/// A non-INVITE request we received, until our final response is settled.
#[derive(Debug)]
pub struct NonInviteServer {
    state: NonInviteServerState,
    key: ServerKey,
    reliable: bool,
    config: TimerConfig,
    last_response: Option<Vec<u8>>,
    timers: Timers,
    transmits: VecDeque<Transmit>,
    events: VecDeque<ServerEvent>,
}

impl NonInviteServer {
    /// Creates the transaction for a new request (not INVITE, not ACK).
    pub fn new(request: &Request, config: TimerConfig) -> Option<NonInviteServer> {
        if matches!(request.method(), Method::Invite | Method::Ack) {
            return None;
        }
        Some(NonInviteServer {
            state: NonInviteServerState::Trying,
            key: ServerKey::of_request(request),
            reliable: request.head().top_via().transport.is_reliable(),
            config,
            last_response: None,
            timers: Timers::default(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        })
    }

    /// The key requests are matched with.
    pub fn key(&self) -> &ServerKey {
        &self.key
    }

    /// The current state.
    pub fn state(&self) -> NonInviteServerState {
        self.state
    }

    /// A retransmission of the request: answered with the last response, if any.
    pub fn handle_message(&mut self, _now: Time, _request: Request) {
        let answering = matches!(
            self.state,
            NonInviteServerState::Proceeding | NonInviteServerState::Completed
        );
        if let (true, Some(last)) = (answering, &self.last_response) {
            self.transmits.push_back(Transmit(last.clone()));
        }
    }

    /// The transaction user's response. Ignored once a final response was sent.
    pub fn send_response(&mut self, now: Time, response: Response) {
        use NonInviteServerState::*;
        if !matches!(self.state, Trying | Proceeding) {
            return;
        }
        let bytes = response.to_bytes();
        self.transmits.push_back(Transmit(bytes.clone()));
        self.last_response = Some(bytes);
        if response.status().is_provisional() {
            self.state = Proceeding;
            return;
        }
        self.state = Completed;
        let wait = if self.reliable {
            Duration::ZERO
        } else {
            self.config.transaction_timeout()
        };
        self.timers.set(Timer::J, now + wait);
        if self.reliable {
            self.handle_timeout(now);
        }
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Time) {
        while let Some(timer) = self.timers.pop_due(now) {
            if timer == Timer::J {
                self.state = NonInviteServerState::Terminated;
                self.events.push_back(ServerEvent::Terminated);
            }
        }
    }

    /// True once the transaction is over and can be dropped.
    pub fn is_terminated(&self) -> bool {
        self.state == NonInviteServerState::Terminated
    }

    /// Next bytes to send to the peer.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next, and for which timer.
    pub fn poll_timeout(&self) -> Option<(Time, Timer)> {
        self.timers.next()
    }

    /// Next event for the transaction user.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transaction::test_support::{request, response};

    fn ms(n: u64) -> Time {
        Time(9_000_000 + n)
    }

    #[test]
    fn retransmissions_get_the_last_response_until_timer_j() {
        let req = request("REGISTER", "UDP");
        let mut t = NonInviteServer::new(&req, TimerConfig::default()).unwrap();
        t.handle_message(ms(0), req.clone());
        assert!(
            t.poll_transmit().is_none(),
            "Trying: retransmissions discarded"
        );
        t.send_response(ms(10), response(&req, 200));
        assert!(t.poll_transmit().is_some());
        t.handle_message(ms(500), req.clone());
        assert!(t.poll_transmit().is_some(), "final re-sent");
        assert_eq!(t.poll_timeout(), Some((ms(32_010), Timer::J)));
        t.handle_timeout(ms(32_010));
        assert_eq!(t.poll_event(), Some(ServerEvent::Terminated));
    }

    #[test]
    fn reliable_terminates_at_once() {
        let req = request("OPTIONS", "TCP");
        let mut t = NonInviteServer::new(&req, TimerConfig::default()).unwrap();
        t.send_response(ms(0), response(&req, 200));
        assert_eq!(t.state(), NonInviteServerState::Terminated);
    }
}
