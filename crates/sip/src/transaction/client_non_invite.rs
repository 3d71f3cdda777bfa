//! Non-INVITE client transaction (RFC 3261 §17.1.2): REGISTER, OPTIONS, BYE, CANCEL...

use super::{ClientEvent, ClientKey, Timer, TimerConfig, Timers, Transmit};
use crate::message::{Request, Response};
use crate::types::Method;
use std::collections::VecDeque;
use std::time::Duration;
use switchyard_core::Time;

/// States of Figure 6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonInviteClientState {
    /// Request sent, nothing heard.
    Trying,
    /// A provisional response arrived.
    Proceeding,
    /// A final response arrived; absorbing retransmissions.
    Completed,
    /// Done.
    Terminated,
}

/// A non-INVITE request we sent, until its final response is settled.
#[derive(Debug)]
pub struct NonInviteClient {
    state: NonInviteClientState,
    key: ClientKey,
    request: Request,
    reliable: bool,
    config: TimerConfig,
    timer_e: Duration,
    timers: Timers,
    transmits: VecDeque<Transmit>,
    events: VecDeque<ClientEvent>,
}

impl NonInviteClient {
    /// Starts the transaction: the request is queued, timers E (unreliable only) and F
    /// armed. `None` for INVITE and ACK (ACK has no transaction) or without a branch.
    pub fn new(now: Time, request: Request, config: TimerConfig) -> Option<NonInviteClient> {
        if matches!(request.method(), Method::Invite | Method::Ack) {
            return None;
        }
        let key = ClientKey::of_request(&request)?;
        let reliable = request.head().top_via().transport.is_reliable();
        let mut timers = Timers::default();
        if !reliable {
            timers.set(Timer::E, now + config.t1);
        }
        timers.set(Timer::F, now + config.transaction_timeout());
        Some(NonInviteClient {
            state: NonInviteClientState::Trying,
            key,
            transmits: VecDeque::from([Transmit(request.to_bytes())]),
            request,
            reliable,
            config,
            timer_e: config.t1,
            timers,
            events: VecDeque::new(),
        })
    }

    /// The key responses are matched with.
    pub fn key(&self) -> &ClientKey {
        &self.key
    }

    /// The current state.
    pub fn state(&self) -> NonInviteClientState {
        self.state
    }

    /// A response whose [`ClientKey`] matched this transaction.
    pub fn handle_message(&mut self, now: Time, response: Response) {
        use NonInviteClientState::*;
        match self.state {
            Trying | Proceeding if response.status().is_provisional() => {
                self.state = Proceeding;
                self.events
                    .push_back(ClientEvent::Response(Box::new(response)));
            }
            Trying | Proceeding => {
                self.state = Completed;
                self.timers.clear();
                let wait = if self.reliable {
                    Duration::ZERO
                } else {
                    self.config.t4
                };
                self.timers.set(Timer::K, now + wait);
                self.events
                    .push_back(ClientEvent::Response(Box::new(response)));
                if self.reliable {
                    self.handle_timeout(now);
                }
            }
            // Completed: retransmitted finals are absorbed.
            Completed | Terminated => {}
        }
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Time) {
        use NonInviteClientState::*;
        while let Some(timer) = self.timers.pop_due(now) {
            match (timer, self.state) {
                (Timer::E, Trying | Proceeding) => {
                    self.transmits.push_back(Transmit(self.request.to_bytes()));
                    // Trying: double up to T2. Proceeding: every T2 (§17.1.2.2).
                    self.timer_e = if self.state == Trying {
                        (self.timer_e * 2).min(self.config.t2)
                    } else {
                        self.config.t2
                    };
                    self.timers.set(Timer::E, now + self.timer_e);
                }
                (Timer::F, Trying | Proceeding) => {
                    self.events.push_back(ClientEvent::Timeout);
                    self.terminate();
                }
                (Timer::K, Completed) => self.terminate(),
                _ => {}
            }
        }
    }

    fn terminate(&mut self) {
        self.state = NonInviteClientState::Terminated;
        self.timers.clear();
        self.events.push_back(ClientEvent::Terminated);
    }

    /// True once the transaction is over and can be dropped.
    pub fn is_terminated(&self) -> bool {
        self.state == NonInviteClientState::Terminated
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
    use crate::transaction::test_support::{request, response};

    fn ms(n: u64) -> Time {
        Time(5_000_000 + n)
    }

    fn retransmission_times(t: &mut NonInviteClient) -> Vec<u64> {
        let mut out = Vec::new();
        while let Some((at, timer)) = t.poll_timeout() {
            t.handle_timeout(at);
            if timer == Timer::E {
                assert!(t.poll_transmit().is_some());
                out.push(at.0 - ms(0).0);
            }
        }
        out
    }

    #[test]
    fn timer_e_doubles_to_t2_then_f_times_out() {
        let mut t =
            NonInviteClient::new(ms(0), request("OPTIONS", "UDP"), TimerConfig::default()).unwrap();
        assert!(t.poll_transmit().is_some());
        let times = retransmission_times(&mut t);
        // 0.5, 1.5, 3.5, 7.5 then every 4 s up to F at 32 s.
        assert_eq!(&times[..6], [500, 1500, 3500, 7500, 11_500, 15_500]);
        assert_eq!(*times.last().unwrap(), 31_500);
        assert_eq!(t.poll_event(), Some(ClientEvent::Timeout));
        assert_eq!(t.poll_event(), Some(ClientEvent::Terminated));
    }

    #[test]
    fn proceeding_retransmits_every_t2() {
        let req = request("REGISTER", "UDP");
        let mut t = NonInviteClient::new(ms(0), req.clone(), TimerConfig::default()).unwrap();
        t.poll_transmit();
        t.handle_message(ms(100), response(&req, 100));
        assert_eq!(t.state(), NonInviteClientState::Proceeding);
        // E still armed at 500 ms; after it fires the interval is T2.
        t.handle_timeout(ms(500));
        assert_eq!(t.poll_timeout(), Some((ms(4500), Timer::E)));
    }

    #[test]
    fn final_response_then_timer_k_over_udp() {
        let req = request("BYE", "UDP");
        let mut t = NonInviteClient::new(ms(0), req.clone(), TimerConfig::default()).unwrap();
        t.poll_transmit();
        t.handle_message(ms(40), response(&req, 200));
        t.handle_message(ms(90), response(&req, 200));
        assert!(matches!(t.poll_event(), Some(ClientEvent::Response(_))));
        assert_eq!(t.poll_event(), None, "retransmitted final absorbed");
        assert_eq!(t.poll_timeout(), Some((ms(5040), Timer::K)));
        t.handle_timeout(ms(5040));
        assert_eq!(t.state(), NonInviteClientState::Terminated);
    }

    #[test]
    fn reliable_transport_no_retransmit_and_k_zero() {
        let req = request("OPTIONS", "TCP");
        let mut t = NonInviteClient::new(ms(0), req.clone(), TimerConfig::default()).unwrap();
        t.poll_transmit();
        assert_eq!(t.poll_timeout(), Some((ms(32_000), Timer::F)));
        t.handle_message(ms(10), response(&req, 200));
        assert_eq!(t.state(), NonInviteClientState::Terminated);
        assert!(t.poll_transmit().is_none());
    }
}
