//! INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §7.1).

use super::{ServerEvent, ServerKey, Timer, TimerConfig, Timers, Transmit, is_ack};
use crate::message::{Request, Response};
use crate::types::{Method, StatusCode};
use std::collections::VecDeque;
use std::time::Duration;
use switchyard_core::Time;

/// States of Figure 7 plus RFC 6026's Accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InviteServerState {
    /// 100 Trying sent; provisional responses may follow.
    Proceeding,
    /// A non-2xx final was sent; retransmitting it until the ACK.
    Completed,
    /// The ACK arrived; absorbing ACK retransmissions.
    Confirmed,
    /// A 2xx was sent; INVITE retransmissions are absorbed.
    Accepted,
    /// Done.
    Terminated,
}

/// An INVITE we received, until our final response is settled.
#[derive(Debug)]
pub struct InviteServer {
    state: InviteServerState,
    key: ServerKey,
    reliable: bool,
    config: TimerConfig,
    timer_g: Duration,
    last_response: Vec<u8>,
    request: Request,
    timers: Timers,
    transmits: VecDeque<Transmit>,
    events: VecDeque<ServerEvent>,
}

impl InviteServer {
    /// Creates the transaction and queues 100 Trying at once (§17.2.1 allows waiting
    /// 200 ms for the TU; answering at once stops the caller's timer A soonest).
    pub fn new(request: &Request, config: TimerConfig) -> Option<InviteServer> {
        if request.method() != Method::Invite {
            return None;
        }
        let trying = request.reply(StatusCode::TRYING).build().ok()?.to_bytes();
        Some(InviteServer {
            state: InviteServerState::Proceeding,
            key: ServerKey::of_request(request),
            reliable: request.head().top_via().transport.is_reliable(),
            config,
            timer_g: config.t1,
            transmits: VecDeque::from([Transmit(trying.clone())]),
            last_response: trying,
            request: request.clone(),
            timers: Timers::default(),
            events: VecDeque::new(),
        })
    }

    /// The key requests (INVITE retransmissions and the ACK) are matched with.
    pub fn key(&self) -> &ServerKey {
        &self.key
    }

    /// The INVITE this transaction answers.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The 487 Request Terminated a CANCEL calls for (§9.2).
    pub fn terminated_response(&self) -> crate::Result<Response> {
        self.request.reply(StatusCode::REQUEST_TERMINATED).build()
    }

    /// The current state.
    pub fn state(&self) -> InviteServerState {
        self.state
    }

    /// An INVITE retransmission or the ACK for a non-2xx final response.
    /// Neither reaches the transaction user: retransmissions are answered here, the
    /// ACK is absorbed (§17.2.1).
    pub fn handle_message(&mut self, now: Time, request: Request) {
        use InviteServerState::*;
        match (self.state, is_ack(&request)) {
            (Proceeding | Completed, false) => {
                self.transmits
                    .push_back(Transmit(self.last_response.clone()));
            }
            (Completed, true) => {
                self.state = Confirmed;
                self.timers.cancel(Timer::G);
                self.timers.cancel(Timer::H);
                let wait = if self.reliable {
                    Duration::ZERO
                } else {
                    self.config.t4
                };
                self.timers.set(Timer::I, now + wait);
                self.handle_timeout(now);
            }
            _ => {}
        }
    }

    /// The transaction user's response. In Accepted, 2xx retransmissions by the TU pass.
    pub fn send_response(&mut self, now: Time, response: Response) {
        use InviteServerState::*;
        let status = response.status();
        let bytes = response.to_bytes();
        match self.state {
            Proceeding => {
                self.transmits.push_back(Transmit(bytes.clone()));
                self.last_response = bytes;
                if status.is_success() {
                    self.state = Accepted;
                    self.timers
                        .set(Timer::L, now + self.config.transaction_timeout());
                } else if status.is_final() {
                    self.state = Completed;
                    if !self.reliable {
                        self.timers.set(Timer::G, now + self.timer_g);
                    }
                    self.timers
                        .set(Timer::H, now + self.config.transaction_timeout());
                }
            }
            Accepted if status.is_success() => self.transmits.push_back(Transmit(bytes)),
            _ => {}
        }
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Time) {
        use InviteServerState::*;
        while let Some(timer) = self.timers.pop_due(now) {
            match (timer, self.state) {
                (Timer::G, Completed) => {
                    self.transmits
                        .push_back(Transmit(self.last_response.clone()));
                    self.timer_g = (self.timer_g * 2).min(self.config.t2);
                    self.timers.set(Timer::G, now + self.timer_g);
                }
                (Timer::H, Completed) => {
                    self.events.push_back(ServerEvent::AckTimeout);
                    self.terminate();
                }
                (Timer::I, Confirmed) | (Timer::L, Accepted) => self.terminate(),
                _ => {}
            }
        }
    }

    fn terminate(&mut self) {
        self.state = InviteServerState::Terminated;
        self.timers.clear();
        self.events.push_back(ServerEvent::Terminated);
    }

    /// True once the transaction is over and can be dropped.
    pub fn is_terminated(&self) -> bool {
        self.state == InviteServerState::Terminated
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
    use crate::message::Message;
    use crate::transaction::test_support::{request, response};

    fn ms(n: u64) -> Time {
        Time(7_000_000 + n)
    }

    fn status_of(t: &Transmit) -> u16 {
        match Message::parse(&t.0).unwrap() {
            Message::Response(r) => r.status().code(),
            Message::Request(_) => 0,
        }
    }

    #[test]
    fn sends_100_trying_and_answers_retransmissions_with_the_last_provisional() {
        let req = request("INVITE", "UDP");
        let mut t = InviteServer::new(&req, TimerConfig::default()).unwrap();
        assert_eq!(status_of(&t.poll_transmit().unwrap()), 100);
        t.send_response(ms(5), response(&req, 180));
        assert_eq!(status_of(&t.poll_transmit().unwrap()), 180);
        t.handle_message(ms(500), req.clone());
        assert_eq!(status_of(&t.poll_transmit().unwrap()), 180);
    }

    #[test]
    fn non_2xx_retransmitted_on_g_up_to_t2_until_h() {
        let req = request("INVITE", "UDP");
        let mut t = InviteServer::new(&req, TimerConfig::default()).unwrap();
        t.poll_transmit();
        t.send_response(ms(0), response(&req, 486));
        assert_eq!(status_of(&t.poll_transmit().unwrap()), 486);
        let mut g = Vec::new();
        while let Some((at, timer)) = t.poll_timeout() {
            t.handle_timeout(at);
            if timer == Timer::G {
                assert_eq!(status_of(&t.poll_transmit().unwrap()), 486);
                g.push(at.0 - ms(0).0);
            }
        }
        assert_eq!(&g[..5], [500, 1500, 3500, 7500, 11_500]);
        assert_eq!(*g.last().unwrap(), 31_500);
        assert_eq!(t.poll_event(), Some(ServerEvent::AckTimeout));
        assert_eq!(t.poll_event(), Some(ServerEvent::Terminated));
    }

    #[test]
    fn ack_is_absorbed_and_timer_i_ends_it() {
        let req = request("INVITE", "UDP");
        let mut t = InviteServer::new(&req, TimerConfig::default()).unwrap();
        t.poll_transmit();
        t.send_response(ms(0), response(&req, 404));
        t.poll_transmit();
        let ack = request("ACK", "UDP");
        assert_eq!(ServerKey::of_request(&ack), *t.key());
        t.handle_message(ms(300), ack.clone());
        assert_eq!(t.state(), InviteServerState::Confirmed);
        t.handle_message(ms(400), ack);
        assert!(t.poll_transmit().is_none());
        assert_eq!(t.poll_event(), None, "the ACK never reaches the TU");
        assert_eq!(t.poll_timeout(), Some((ms(5300), Timer::I)));
        t.handle_timeout(ms(5300));
        assert_eq!(t.poll_event(), Some(ServerEvent::Terminated));
    }

    #[test]
    fn reliable_has_no_g_and_zero_i() {
        let req = request("INVITE", "TCP");
        let mut t = InviteServer::new(&req, TimerConfig::default()).unwrap();
        t.poll_transmit();
        t.send_response(ms(0), response(&req, 603));
        t.poll_transmit();
        assert_eq!(t.poll_timeout(), Some((ms(32_000), Timer::H)));
        t.handle_message(ms(20), request("ACK", "TCP"));
        assert_eq!(t.state(), InviteServerState::Terminated);
    }

    #[test]
    fn success_goes_to_accepted_and_absorbs_invite_retransmissions() {
        let req = request("INVITE", "UDP");
        let mut t = InviteServer::new(&req, TimerConfig::default()).unwrap();
        t.poll_transmit();
        t.send_response(ms(0), response(&req, 200));
        t.poll_transmit();
        t.handle_message(ms(500), req.clone());
        assert!(t.poll_transmit().is_none());
        t.send_response(ms(500), response(&req, 200));
        assert!(
            t.poll_transmit().is_some(),
            "TU's 2xx retransmission passes"
        );
        assert_eq!(t.poll_timeout(), Some((ms(32_000), Timer::L)));
    }
}
