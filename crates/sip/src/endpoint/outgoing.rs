//! Outgoing calls in the endpoint: INVITEs to agents' registered devices and to numbers
//! at a trunk as [`OutgoingCall`] legs, routing their responses and in-dialog requests.

use super::Endpoint;
use super::calls::CallHandle;
use super::qualify::destination;
use crate::build::RequestBuilder;
use crate::call::OutgoingCall;
use crate::client_auth::ClientCredentials;
use crate::error::Error;
use crate::registrar::{Binding, CredentialStore};
use crate::sdp::SessionDescription;
use crate::types::{Method, Transport};
use std::net::SocketAddr;
use switchyard_core::Time;

/// Where a call we place goes: the Request-URI, the To header and the address the
/// INVITE (and its ACK, CANCEL and BYE) are sent to. No DNS: the next hop is an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallTarget {
    /// Request-URI, e.g. `sip:+15550100@203.0.113.9:5060`.
    pub uri: String,
    /// To header value without tag, e.g. `<sip:+15550100@203.0.113.9:5060>`.
    pub to: String,
    /// Where to send (the trunk, or the agent's device).
    pub next_hop: SocketAddr,
    /// The transport named in our Via.
    pub transport: Transport,
}

impl CallTarget {
    /// A number at a trunk: `sip:<number>@<trunk>` sent to `trunk` over UDP. The number
    /// may hold digits, letters and `+ - _ . ! ~ * ' ( )` (RFC 3261 user characters that
    /// need no escaping); anything else is refused rather than sent mangled.
    pub fn trunk(number: &str, trunk: SocketAddr) -> Result<CallTarget, Error> {
        let ok = |c: char| c.is_ascii_alphanumeric() || "+-_.!~*'()".contains(c);
        if number.is_empty() || !number.chars().all(ok) {
            return Err(Error::ApiMisuse(
                "a number to dial must be non-empty and hold only digits, letters and +-_.!~*'()",
            ));
        }
        let uri = format!("sip:{number}@{trunk}");
        Ok(CallTarget {
            to: format!("<{uri}>"),
            uri,
            next_hop: trunk,
            transport: Transport::Udp,
        })
    }

    /// An agent's registered contact (what [`Endpoint::place_call`] dials): the contact
    /// URI as Request-URI, the AOR in To. `None` if the contact has no usable address.
    pub fn contact(aor: &str, contact: &Binding) -> Option<CallTarget> {
        Some(CallTarget {
            uri: contact.uri.clone(),
            to: format!("<{aor}>"),
            next_hop: destination(contact)?,
            transport: contact.transport.clone(),
        })
    }
}

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
        let target = CallTarget::contact(aor, contact)?;
        self.place_call_with(now, &target, from, offer, None)
    }

    /// Places a call to any [`CallTarget`], e.g. a customer's number through an outbound
    /// trunk (`CallTarget::trunk("+15550100", trunk_addr)`). With `credentials`, a 401 or
    /// 407 to the INVITE is answered once per realm (digest MD5 or SHA-256, with or without
    /// `qop=auth`) by re-sending the INVITE with CSeq + 1; an unanswerable or repeated
    /// challenge ends the leg with `OutgoingEvent::Failed(401 | 407)`, as does any
    /// challenge without credentials. Events arrive as [`EndpointEvent::Outgoing`]
    /// (`Ringing`, `Answered(sdp)`, `Failed(status)`, `Ended`) exactly as for agent legs;
    /// [`cancel_call`](Self::cancel_call) CANCELs the INVITE in flight (the retried one
    /// after a challenge) or BYEs an answered call. `from` is the From name-addr without
    /// tag (our caller ID at the trunk). `None` without an advertised address or if the
    /// INVITE cannot be built from these values.
    ///
    /// [`EndpointEvent::Outgoing`]: super::EndpointEvent::Outgoing
    pub fn place_call_with(
        &mut self,
        now: Time,
        target: &CallTarget,
        from: &str,
        offer: &SessionDescription,
        credentials: Option<ClientCredentials>,
    ) -> Option<CallHandle> {
        let (local, contact) = self.local_contact(&target.transport)?;
        let id = self.mint_id();
        let via = format!("SIP/2.0/{} {local}", target.transport.as_str());
        let invite = RequestBuilder::new(Method::Invite, target.uri.clone())
            .header("Via", format!("{via};branch=z9hG4bK{id}"))
            .header("From", format!("{from};tag=sy{id}"))
            .header("To", target.to.clone())
            .header("Call-ID", format!("{id}@switchyard"))
            .header("CSeq", "1 INVITE")
            .header("Contact", format!("<{contact}>"))
            .body("application/sdp", offer.to_bytes())
            .build()
            .ok()?;
        let mut leg = OutgoingCall::new(now, invite, via, self.config.timers)?;
        if let Some(c) = credentials {
            leg = leg.with_credentials(c);
        }
        self.next_call += 1;
        let call = CallHandle(self.next_call);
        self.legs.insert_outgoing(call, target.next_hop, leg);
        self.drain(now);
        Some(call)
    }

    /// Stops ringing an agent (ring timeout, another agent answered): CANCEL, or BYE if
    /// it already answered.
    pub fn cancel_call(&mut self, now: Time, call: CallHandle) -> bool {
        let Some(leg) = self.legs.outgoing_mut(call) else {
            return false;
        };
        leg.hangup(now);
        self.drain(now);
        true
    }
}
