//! INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §7.2).

use super::{ClientEvent, ClientKey, Timer, TimerConfig, Timers, Transmit};
use crate::build::RequestBuilder;
use crate::grammar::split_list;
use crate::message::{Request, Response};
use crate::types::Method;
use std::collections::VecDeque;
use std::time::Duration;
use switchyard_core::Time;

/// States of Figure 5 plus RFC 6026's Accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InviteClientState {
    /// INVITE sent, nothing heard.
    Calling,
    /// A provisional response arrived.
    Proceeding,
    /// A non-2xx final arrived and was ACKed; absorbing retransmissions.
    Completed,
    /// A 2xx arrived; further 2xx are passed up for the dialog to ACK.
    Accepted,
    /// Done.
    Terminated,
}

/// An INVITE we sent, until its final response is settled.
#[derive(Debug)]
pub struct InviteClient {
    state: InviteClientState,
    key: ClientKey,
    request: Request,
    reliable: bool,
    config: TimerConfig,
    timer_a: Duration,
    ack: Option<Vec<u8>>,
    timers: Timers,
    transmits: VecDeque<Transmit>,
    events: VecDeque<ClientEvent>,
}

impl InviteClient {
    /// Starts the transaction: the INVITE is queued for sending, timers A (unreliable
    /// transports only) and B armed. `None` if the request is not an INVITE with a branch.
    pub fn new(now: Time, request: Request, config: TimerConfig) -> Option<InviteClient> {
        if request.method() != Method::Invite {
            return None;
        }
        let key = ClientKey::of_request(&request)?;
        let reliable = request.head().top_via().transport.is_reliable();
        let mut timers = Timers::default();
        if !reliable {
            timers.set(Timer::A, now + config.t1);
        }
        timers.set(Timer::B, now + config.transaction_timeout());
        let transmits = VecDeque::from([Transmit(request.to_bytes())]);
        Some(InviteClient {
            state: InviteClientState::Calling,
            key,
            request,
            reliable,
            config,
            timer_a: config.t1,
            ack: None,
            timers,
            transmits,
            events: VecDeque::new(),
        })
    }

    /// The key responses are matched with.
    pub fn key(&self) -> &ClientKey {
        &self.key
    }

    /// The current state.
    pub fn state(&self) -> InviteClientState {
        self.state
    }

    /// A response whose [`ClientKey`] matched this transaction.
    pub fn handle_message(&mut self, now: Time, response: Response) {
        use InviteClientState::*;
        let status = response.status();
        match self.state {
            Calling | Proceeding if status.is_provisional() => {
                self.state = Proceeding;
                self.timers.cancel(Timer::A);
                // Timer B only guards Calling; once the peer answers, the TU decides (CANCEL).
                self.timers.cancel(Timer::B);
                self.events
                    .push_back(ClientEvent::Response(Box::new(response)));
            }
            Calling | Proceeding if status.is_success() => {
                self.state = Accepted;
                self.timers.clear();
                self.timers
                    .set(Timer::M, now + self.config.transaction_timeout());
                self.events
                    .push_back(ClientEvent::Response(Box::new(response)));
            }
            Calling | Proceeding => {
                self.state = Completed;
                self.timers.clear();
                let ack = self.build_ack(&response);
                self.transmits.push_back(Transmit(ack.clone()));
                self.ack = Some(ack);
                let wait = if self.reliable {
                    Duration::ZERO
                } else {
                    Duration::from_secs(32)
                };
                self.timers.set(Timer::D, now + wait);
                self.events
                    .push_back(ClientEvent::Response(Box::new(response)));
            }
            Completed if status.is_final() => {
                // A retransmitted final: ACK again, do not bother the TU.
                if let Some(ack) = &self.ack {
                    self.transmits.push_back(Transmit(ack.clone()));
                }
            }
            Accepted if status.is_success() => {
                self.events
                    .push_back(ClientEvent::Response(Box::new(response)));
            }
            _ => {}
        }
        self.fire_zero_timers(now);
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Time) {
        while let Some(timer) = self.timers.pop_due(now) {
            match timer {
                Timer::A if self.state == InviteClientState::Calling => {
                    self.transmits.push_back(Transmit(self.request.to_bytes()));
                    // Timer A doubles without the T2 cap (§17.1.1.2).
                    self.timer_a *= 2;
                    self.timers.set(Timer::A, now + self.timer_a);
                }
                Timer::B if self.state == InviteClientState::Calling => {
                    self.events.push_back(ClientEvent::Timeout);
                    self.terminate();
                }
                Timer::D | Timer::M => self.terminate(),
                _ => {}
            }
        }
    }

    fn fire_zero_timers(&mut self, now: Time) {
        if self.timers.next().is_some_and(|(at, _)| at <= now) {
            self.handle_timeout(now);
        }
    }

    fn terminate(&mut self) {
        self.state = InviteClientState::Terminated;
        self.timers.clear();
        self.events.push_back(ClientEvent::Terminated);
    }

    /// §17.1.1.3: same Request-URI, Call-ID, From, CSeq number and top Via as the INVITE,
    /// To from the response (with its tag), Route copied.
    fn build_ack(&self, response: &Response) -> Vec<u8> {
        let req = &self.request;
        let via = req.header("Via").into_iter().next().unwrap_or_default();
        let top_via = split_list(&via, "Via")
            .ok()
            .and_then(|v| v.first().map(|s| s.to_string()));
        let mut b = RequestBuilder::new(Method::Ack, req.uri())
            .header("Via", top_via.unwrap_or(via.clone()))
            .header("From", req.header("From").concat())
            .header("To", response.header("To").concat())
            .header("Call-ID", req.head().call_id.as_str())
            .header("CSeq", format!("{} ACK", req.head().cseq));
        for route in req.header("Route") {
            b = b.header("Route", route);
        }
        b.build().map(|r| r.to_bytes()).unwrap_or_default()
    }

    /// True once the transaction is over and can be dropped.
    pub fn is_terminated(&self) -> bool {
        self.state == InviteClientState::Terminated
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
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;
    use crate::transaction::test_support::{request, response};

    fn ms(n: u64) -> Time {
        Time(1_000_000 + n)
    }

    fn drain(t: &mut InviteClient) -> usize {
        std::iter::from_fn(|| t.poll_transmit()).count()
    }

    #[test]
    fn udp_retransmits_on_timer_a_doubling_until_timer_b() {
        let mut t =
            InviteClient::new(ms(0), request("INVITE", "UDP"), TimerConfig::default()).unwrap();
        assert_eq!(drain(&mut t), 1);
        let mut fired_at = Vec::new();
        while let Some((at, timer)) = t.poll_timeout() {
            t.handle_timeout(at);
            if timer == Timer::A {
                assert_eq!(drain(&mut t), 1);
                fired_at.push(at.0 - ms(0).0);
            }
        }
        // A at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; B at 32 s.
        assert_eq!(fired_at, [500, 1500, 3500, 7500, 15_500, 31_500]);
        assert_eq!(t.poll_event(), Some(ClientEvent::Timeout));
        assert_eq!(t.poll_event(), Some(ClientEvent::Terminated));
        assert_eq!(t.state(), InviteClientState::Terminated);
    }

    #[test]
    fn provisional_stops_retransmission_and_timer_b() {
        let req = request("INVITE", "UDP");
        let mut t = InviteClient::new(ms(0), req.clone(), TimerConfig::default()).unwrap();
        drain(&mut t);
        t.handle_message(ms(100), response(&req, 180));
        assert_eq!(t.state(), InviteClientState::Proceeding);
        assert!(
            matches!(t.poll_event(), Some(ClientEvent::Response(r)) if r.status().code() == 180)
        );
        assert_eq!(t.poll_timeout(), None);
    }

    #[test]
    fn non_2xx_is_acked_and_retransmissions_absorbed_until_timer_d() {
        let req = request("INVITE", "UDP");
        let mut t = InviteClient::new(ms(0), req.clone(), TimerConfig::default()).unwrap();
        drain(&mut t);
        t.handle_message(ms(200), response(&req, 486));
        let ack = t.poll_transmit().expect("ACK sent");
        let Ok(Message::Request(ack)) = Message::parse(&ack.0) else {
            panic!()
        };
        assert_eq!(ack.method(), Method::Ack);
        assert_eq!(ack.head().cseq, 1);
        assert!(ack.head().to.tag().is_some());
        assert_eq!(ack.head().top_via().branch(), req.head().top_via().branch());
        assert!(matches!(t.poll_event(), Some(ClientEvent::Response(_))));
        t.handle_message(ms(700), response(&req, 486));
        assert!(t.poll_transmit().is_some(), "ACK retransmitted");
        assert_eq!(t.poll_event(), None, "retransmission not passed up");
        assert_eq!(t.poll_timeout(), Some((ms(200 + 32_000), Timer::D)));
        t.handle_timeout(ms(32_200));
        assert_eq!(t.poll_event(), Some(ClientEvent::Terminated));
    }

    #[test]
    fn reliable_transport_never_retransmits_and_timer_d_is_zero() {
        let req = request("INVITE", "TCP");
        let mut t = InviteClient::new(ms(0), req.clone(), TimerConfig::default()).unwrap();
        assert_eq!(drain(&mut t), 1);
        assert_eq!(t.poll_timeout(), Some((ms(32_000), Timer::B)));
        t.handle_message(ms(50), response(&req, 603));
        assert_eq!(drain(&mut t), 1, "only the ACK");
        assert_eq!(t.state(), InviteClientState::Terminated);
    }

    #[test]
    fn success_enters_accepted_passes_retransmitted_2xx_up_then_timer_m() {
        let req = request("INVITE", "UDP");
        let mut t = InviteClient::new(ms(0), req.clone(), TimerConfig::default()).unwrap();
        drain(&mut t);
        let ok = response(&req, 200);
        t.handle_message(ms(10), ok.clone());
        t.handle_message(ms(510), ok);
        assert_eq!(
            drain(&mut t),
            0,
            "the dialog, not the transaction, ACKs a 2xx"
        );
        assert!(matches!(t.poll_event(), Some(ClientEvent::Response(_))));
        assert!(matches!(t.poll_event(), Some(ClientEvent::Response(_))));
        assert_eq!(t.poll_timeout(), Some((ms(32_010), Timer::M)));
        t.handle_timeout(ms(32_010));
        assert_eq!(t.poll_event(), Some(ClientEvent::Terminated));
    }
}
