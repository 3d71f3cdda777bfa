//! Incoming calls in the endpoint: routing requests to [`IncomingCall`] legs and the
//! call-control methods the server uses. Enabled by `EndpointConfig::accept_calls`.

use super::admission::CallOrigin;
use super::{Endpoint, EndpointEvent};
use crate::call::{IncomingCall, IncomingEvent};
use crate::message::Request;
use crate::registrar::CredentialStore;
use crate::sdp::SessionDescription;
use crate::types::{StatusCode, Tag, Transport};
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
    /// Who is calling, as admission found: a trunk, an agent's phone, or nobody known.
    pub origin: CallOrigin,
}

impl<S: CredentialStore> Endpoint<S> {
    pub(super) fn mint_id(&mut self) -> String {
        self.next_id += 1;
        format!("{:x}c{:x}", self.config.id_seed, self.next_id)
    }

    /// Starts a leg for a new INVITE (no To-tag) that admission let through, holds its
    /// slot in the caps, and reports it.
    pub(super) fn new_call(
        &mut self,
        from: SocketAddr,
        req: Request,
        origin: CallOrigin,
        trunk: Option<usize>,
    ) {
        let tag = Tag::new(format!("sy{}", self.mint_id()));
        let transport = req.head().top_via().transport.clone();
        let contact = self
            .local_contact(&transport)
            .map(|(_, c)| c)
            .unwrap_or_else(|| "sip:switchyard@".into());
        let Some(leg) = IncomingCall::new(req.clone(), self.config.timers, tag.clone(), contact)
        else {
            return;
        };
        self.next_call += 1;
        let call = CallHandle(self.next_call);
        let offer = leg.offer();
        self.legs.insert_incoming(call, from, leg, tag);
        self.caps.hold(call, from.ip(), trunk);
        let new = NewCall {
            call,
            invite: req,
            offer,
            origin,
        };
        self.events
            .push_back(EndpointEvent::IncomingCall(Box::new(new)));
    }

    /// Our Via sent-by and Contact URI for messages over `transport`: the TLS listener's
    /// address with `;transport=tls` over TLS, `;transport=tcp` over TCP.
    pub(super) fn local_contact(&self, transport: &Transport) -> Option<(SocketAddr, String)> {
        let (addr, param) = match transport {
            Transport::Tls => (
                self.config.advertised_tls.or(self.config.advertised)?,
                ";transport=tls",
            ),
            Transport::Tcp => (self.config.advertised?, ";transport=tcp"),
            _ => (self.config.advertised?, ""),
        };
        Some((addr, format!("sip:switchyard@{addr}{param}")))
    }

    /// A Via with a fresh branch for a request we send on an incoming leg, over the
    /// transport its INVITE came on (TLS: our SIPS address).
    pub(super) fn dialog_via(&mut self, call: CallHandle) -> String {
        let transport = match self.legs.incoming_mut(call) {
            Some(leg) => match &leg.invite().head().top_via().transport {
                t @ (Transport::Tcp | Transport::Tls) => t.clone(),
                _ => Transport::Udp,
            },
            None => Transport::Udp,
        };
        let host = self
            .local_contact(&transport)
            .map(|(a, _)| a.to_string())
            .unwrap_or_default();
        format!(
            "SIP/2.0/{transport} {host};branch=z9hG4bK{}",
            self.mint_id()
        )
    }

    fn with_call(
        &mut self,
        now: Time,
        call: CallHandle,
        f: impl FnOnce(&mut IncomingCall, String),
    ) -> bool {
        let via = self.dialog_via(call);
        let Some(leg) = self.legs.incoming_mut(call) else {
            return false;
        };
        f(leg, via);
        self.drain(now);
        true
    }

    /// 180 Ringing (or 183 with early media, e.g. to play music on hold before answering).
    /// Early media only toward trusted trunks: anyone else gets a plain 180, so nobody can
    /// have media sent to an address before the call is authenticated and answered.
    pub fn ring(
        &mut self,
        now: Time,
        call: CallHandle,
        early_media: Option<&SessionDescription>,
    ) -> bool {
        let early_media = early_media.filter(|_| self.caps.trusted(call));
        self.with_call(now, call, |leg, _| leg.ring(now, early_media))
    }

    /// Refuses an unauthenticated caller with 407 and a digest challenge (the server
    /// decided a phone should authenticate); its next INVITE carries credentials.
    pub fn challenge(&mut self, now: Time, call: CallHandle) -> bool {
        let headers = self.proxy_challenges(now, false);
        self.with_call(now, call, |leg, _| {
            leg.reject_with(now, StatusCode::PROXY_AUTHENTICATION_REQUIRED, &headers)
        })
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
        self.legs.incoming_count()
    }

    /// Live calls we placed to agents.
    pub fn outgoing_count(&self) -> usize {
        self.legs.outgoing_count()
    }
}

/// What a leg reported, for the server.
pub type CallEvent = IncomingEvent;
