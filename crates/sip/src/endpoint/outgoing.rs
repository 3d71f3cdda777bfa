//! Outgoing calls in the endpoint: INVITEs to agents' registered devices as
//! [`OutgoingCall`] legs, routing their responses and in-dialog requests.

use super::calls::CallHandle;
use super::qualify::destination;
use super::{Datagram, Endpoint, EndpointEvent};
use crate::build::RequestBuilder;
use crate::call::OutgoingCall;
use crate::message::{Request, Response};
use crate::registrar::{Binding, CredentialStore};
use crate::sdp::SessionDescription;
use crate::types::Method;
use switchyard_core::Time;

impl<S: CredentialStore> Endpoint<S> {
    /// Calls an agent's device (a contact from `registrar_mut().contacts(aor, now)`) with
    /// our SDP offer. `from` is the From name-addr without tag, e.g. the caller's number as
    /// `"+15550100" <sip:+15550100@switchyard.test>`. `None` if the contact has no address
    /// we can send to or we have no advertised address.
    pub fn place_call(
        &mut self,
        now: Time,
        aor: &str,
        contact: &Binding,
        from: &str,
        offer: &SessionDescription,
    ) -> Option<CallHandle> {
        let to = destination(contact)?;
        let local = self.config.advertised?;
        let id = self.mint_id();
        let via = format!("SIP/2.0/{} {local}", contact.transport);
        let invite = RequestBuilder::new(Method::Invite, contact.uri.clone())
            .header("Via", format!("{via};branch=z9hG4bK{id}"))
            .header("From", format!("{from};tag=sy{id}"))
            .header("To", format!("<{aor}>"))
            .header("Call-ID", format!("{id}@switchyard"))
            .header("CSeq", "1 INVITE")
            .header("Contact", format!("<sip:switchyard@{local}>"))
            .body("application/sdp", offer.to_bytes())
            .build()
            .ok()?;
        let leg = OutgoingCall::new(now, invite, via, self.config.timers)?;
        self.next_call += 1;
        let call = CallHandle(self.next_call);
        self.outgoing.insert(call, (to, leg));
        self.drain(now);
        Some(call)
    }

    /// Routes a response to the outgoing leg whose INVITE it answers (same Call-ID and
    /// From-tag); returns it back otherwise.
    pub(super) fn route_response_to_outgoing(
        &mut self,
        now: Time,
        resp: Response,
    ) -> Option<Response> {
        let leg = self.outgoing.values_mut().find(|(_, leg)| {
            let h = leg.invite().head();
            h.call_id == resp.head().call_id && h.from.tag() == resp.head().from.tag()
        });
        match leg {
            Some((_, leg)) => {
                leg.handle_response(now, resp);
                None
            }
            None => Some(resp),
        }
    }

    /// Routes an in-dialog request from an agent's device; returns it back otherwise.
    pub(super) fn route_request_to_outgoing(&mut self, now: Time, req: Request) -> Option<Request> {
        match self
            .outgoing
            .values_mut()
            .find(|(_, leg)| leg.matches_dialog(&req))
        {
            Some((_, leg)) => {
                leg.handle_request(now, req);
                None
            }
            None => Some(req),
        }
    }

    pub(super) fn drain_outgoing(&mut self) {
        let mut finished = Vec::new();
        for (call, (peer, leg)) in &mut self.outgoing {
            self.out.extend(
                std::iter::from_fn(|| leg.poll_transmit()).map(|t| Datagram {
                    to: *peer,
                    bytes: t.0,
                }),
            );
            while let Some(event) = leg.poll_event() {
                self.events
                    .push_back(EndpointEvent::Outgoing { call: *call, event });
            }
            if leg.is_finished() {
                finished.push(*call);
            }
        }
        for call in finished {
            self.outgoing.remove(&call);
        }
    }

    pub(super) fn outgoing_timeout(&mut self, now: Time) {
        for (_, leg) in self.outgoing.values_mut() {
            if leg.poll_timeout().is_some_and(|t| t <= now) {
                leg.handle_timeout(now);
            }
        }
    }

    pub(super) fn outgoing_next_timeout(&self) -> Option<Time> {
        self.outgoing
            .values()
            .filter_map(|(_, leg)| leg.poll_timeout())
            .min()
    }

    /// Stops ringing an agent (ring timeout, another agent answered): CANCEL, or BYE if
    /// it already answered.
    pub fn cancel_call(&mut self, now: Time, call: CallHandle) -> bool {
        let Some((_, leg)) = self.outgoing.get_mut(&call) else {
            return false;
        };
        leg.hangup(now);
        self.drain(now);
        true
    }
}
