//! Re-INVITEs we send on either kind of leg: how a B2BUA mirrors one side's hold or
//! resume onto the other side of the bridge.

use super::Endpoint;
use super::calls::CallHandle;
use crate::registrar::CredentialStore;
use crate::sdp::Direction;
use switchyard_core::Time;

impl<S: CredentialStore> Endpoint<S> {
    /// Re-INVITEs a caller or agent leg with our SDP set to `direction`: `SendOnly` holds
    /// the peer (it hears nothing from us and should play its own music), `SendRecv`
    /// resumes. The outcome arrives as `CallEvent::ReinviteDone` or
    /// `OutgoingEvent::ReinviteDone`; a refusal (491 glare, 488) or no answer leaves the
    /// call up as it was. `false` if the leg is unknown, not up, or already in an
    /// offer/answer exchange.
    pub fn reinvite(&mut self, now: Time, call: CallHandle, direction: Direction) -> bool {
        let via = self.dialog_via(call);
        let sent = if let Some(leg) = self.legs.incoming_mut(call) {
            leg.reinvite(now, direction, &via)
        } else if let Some(leg) = self.legs.outgoing_mut(call) {
            leg.reinvite(now, direction)
        } else {
            false
        };
        self.drain(now);
        sent
    }
}
