//! Incoming calls in the endpoint: routing requests to [`IncomingCall`] legs and the
//! call-control methods the server uses. Enabled by `EndpointConfig::accept_calls`.

use super::{Datagram, Endpoint, EndpointEvent};
use crate::call::{IncomingCall, IncomingEvent};
use crate::message::{Request, Response};
use crate::registrar::CredentialStore;
use crate::sdp::SessionDescription;
use crate::transaction::ServerKey;
use crate::types::{Method, StatusCode, Tag};
use std::net::SocketAddr;
use switchyard_core::Time;

/// An incoming call's handle in one endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallHandle(pub u64);

/// What the server learns about a new call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCall {
    /// The handle for ring/answer/reject/hangup.
    pub call: CallHandle,
    /// The INVITE: Request-URI (the dialled number), From (caller ID), headers, offer.
    pub invite: Request,
    /// The parsed SDP offer (`None`: no or unusable offer; answer 488 or offer in the 200).
    pub offer: Option<SessionDescription>,
}

impl<S: CredentialStore> Endpoint<S> {
    pub(super) fn mint_id(&mut self) -> String {
        self.next_id += 1;
        format!("{:x}c{:x}", self.config.id_seed, self.next_id)
    }

    /// Routes a request to the leg it belongs to; returns it back if none claims it.
    pub(super) fn route_to_call(&mut self, now: Time, req: Request) -> Option<Request> {
        let key = ServerKey::of_request(&req);
        let cancelled = ServerKey::cancelled_invite(&req);
        let leg = self.calls.values_mut().find(|(_, leg)| {
            *leg.key() == key || cancelled.as_ref() == Some(leg.key()) || leg.matches_dialog(&req)
        });
        match leg {
            Some((_, leg)) => {
                leg.handle_request(now, req);
                None
            }
            None => Some(req),
        }
    }

    /// Starts a leg for a new INVITE (no To-tag) and reports it.
    pub(super) fn new_call(&mut self, from: SocketAddr, req: Request) {
        let tag = Tag::new(format!("sy{}", self.mint_id()));
        let host = self
            .config
            .advertised
            .map(|a| a.to_string())
            .unwrap_or_default();
        let contact = format!("sip:switchyard@{host}");
        let Some(leg) = IncomingCall::new(req.clone(), self.config.timers, tag, contact) else {
            return;
        };
        self.next_call += 1;
        let call = CallHandle(self.next_call);
        let offer = leg.offer();
        self.calls.insert(call, (from, leg));
        let new = NewCall {
            call,
            invite: req,
            offer,
        };
        self.events
            .push_back(EndpointEvent::IncomingCall(Box::new(new)));
    }

    /// Responses to our BYEs.
    pub(super) fn route_response_to_call(&mut self, now: Time, resp: &Response) {
        if resp.head().cseq_method != Method::Bye {
            return;
        }
        for (_, leg) in self.calls.values_mut() {
            if leg.invite().head().call_id == resp.head().call_id {
                leg.handle_response(now, resp.clone());
            }
        }
    }

    pub(super) fn drain_calls(&mut self) {
        let mut finished = Vec::new();
        for (call, (peer, leg)) in &mut self.calls {
            self.out.extend(
                std::iter::from_fn(|| leg.poll_transmit()).map(|t| Datagram {
                    to: *peer,
                    bytes: t.0,
                }),
            );
            while let Some(event) = leg.poll_event() {
                self.events
                    .push_back(EndpointEvent::Call { call: *call, event });
            }
            if leg.is_finished() {
                finished.push(*call);
            }
        }
        for call in finished {
            self.calls.remove(&call);
        }
    }

    pub(super) fn calls_timeout(&mut self, now: Time) {
        for (_, leg) in self.calls.values_mut() {
            if leg.poll_timeout().is_some_and(|t| t <= now) {
                leg.handle_timeout(now);
            }
        }
    }

    pub(super) fn calls_next_timeout(&self) -> Option<Time> {
        self.calls
            .values()
            .filter_map(|(_, leg)| leg.poll_timeout())
            .min()
    }

    fn with_call(
        &mut self,
        now: Time,
        call: CallHandle,
        f: impl FnOnce(&mut IncomingCall, String),
    ) -> bool {
        let via_host = self
            .config
            .advertised
            .map(|a| a.to_string())
            .unwrap_or_default();
        let via = format!("SIP/2.0/UDP {via_host};branch=z9hG4bK{}", self.mint_id());
        let Some((_, leg)) = self.calls.get_mut(&call) else {
            return false;
        };
        f(leg, via);
        self.drain(now);
        true
    }

    /// 180 Ringing (or 183 with early media, e.g. to play music on hold before answering).
    pub fn ring(
        &mut self,
        now: Time,
        call: CallHandle,
        early_media: Option<&SessionDescription>,
    ) -> bool {
        self.with_call(now, call, |leg, _| leg.ring(now, early_media))
    }

    /// 200 OK with our SDP answer.
    pub fn answer(&mut self, now: Time, call: CallHandle, sdp: &SessionDescription) -> bool {
        self.with_call(now, call, |leg, _| leg.answer(now, sdp))
    }

    /// A final refusal (404, 480, 486, 488...).
    pub fn reject(&mut self, now: Time, call: CallHandle, status: StatusCode) -> bool {
        self.with_call(now, call, |leg, _| leg.reject(now, status))
    }

    /// Ends the call from our side (BYE, or 480 before the answer).
    pub fn hangup(&mut self, now: Time, call: CallHandle) -> bool {
        self.with_call(now, call, |leg, via| leg.hangup(now, &via))
    }

    /// Live incoming calls.
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }
}

/// What a leg reported, for the server.
pub type CallEvent = IncomingEvent;
