//! Hold mirrored across a bridge: a leg's hold or resume (already answered by the SIP
//! leg) becomes a re-INVITE of the other leg, logged as HOLD / UNHOLD. The decision is
//! the switchboard's ([`crate::switchboard::HoldMirror`]); this only carries it out.

use super::Actor;
use switchyard_sip::call::{ReinviteOutcome, Reoffer};
use switchyard_sip::endpoint::CallHandle;

impl Actor {
    /// A caller or agent leg re-INVITEd and was answered.
    pub(super) fn on_reoffer(&mut self, leg: CallHandle, re: &Reoffer) {
        let Some(m) = self.sb.on_reoffer(leg, re) else {
            tracing::debug!(
                call = leg.0,
                hold = re.hold,
                was_hold = re.was_hold,
                "re-INVITE answered, nothing to mirror"
            );
            return;
        };
        let event = if m.hold { "HOLD" } else { "UNHOLD" };
        tracing::info!(
            interaction = %m.interaction,
            by = ?m.by,
            call = leg.0,
            other = m.other.0,
            event,
            "call {}", event
        );
        let (other, direction) = (m.other, m.direction);
        self.command(move |ep, now| {
            if !ep.reinvite(now, other, direction) {
                tracing::warn!(
                    call = other.0,
                    ?direction,
                    "could not re-INVITE the other leg (gone or mid offer/answer)"
                );
            }
        });
    }

    /// Our re-INVITE of a leg was answered or refused (the call stays up either way).
    pub(super) fn on_reinvite_done(&mut self, leg: CallHandle, outcome: &ReinviteOutcome) {
        match outcome {
            ReinviteOutcome::Answered(sdp) => {
                let direction = sdp
                    .as_ref()
                    .and_then(|s| s.media.first())
                    .map(|m| m.direction);
                tracing::info!(call = leg.0, ?direction, "re-INVITE answered");
            }
            ReinviteOutcome::Failed(status) => {
                tracing::warn!(call = leg.0, status = status.code(), "re-INVITE refused");
            }
        }
    }
}
