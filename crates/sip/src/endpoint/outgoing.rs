//! Outgoing calls in the endpoint: INVITEs to agents' registered devices as
//! [`OutgoingCall`] legs, routing their responses and in-dialog requests.

use super::Endpoint;
use super::calls::CallHandle;
use super::qualify::destination;
use crate::build::RequestBuilder;
use crate::call::OutgoingCall;
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
        self.legs.insert_outgoing(call, to, leg);
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
