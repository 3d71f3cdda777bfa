//! Hold mirrored across a bridge: a leg's hold or resume (already answered by the SIP
//! leg) becomes a re-INVITE of the other leg, logged as HOLD / UNHOLD. The decision is
//! the switchboard's ([`crate::switchboard::HoldMirror`]); this only carries it out.

use super::Actor;
use crate::media::Leg;
use crate::rtp::MediaCmd;
use switchyard_sip::call::{ReinviteOutcome, Reoffer};
use switchyard_sip::endpoint::CallHandle;
use switchyard_sip::sdp::{self, Codec, LocalMedia, SessionDescription};

impl Actor {
    /// A caller or agent leg re-INVITEd and was answered.
    pub(super) fn on_reoffer(&mut self, leg: CallHandle, re: &Reoffer) {
        if let Some(n) = &re.negotiated {
            self.renegotiated(leg, Leg::from(n));
        }
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
                if let Some(l) = sdp.as_ref().and_then(|s| self.leg_of_answer(leg, s)) {
                    self.renegotiated(leg, l);
                }
            }
            ReinviteOutcome::Failed(status) => {
                tracing::warn!(call = leg.0, status = status.code(), "re-INVITE refused");
            }
        }
    }
}

impl Actor {
    /// The peer's answer to our re-INVITE, read against what we offered on that leg.
    fn leg_of_answer(&self, leg: CallHandle, answer: &SessionDescription) -> Option<Leg> {
        let local = match self.agents.get(&leg) {
            Some(m) => m.local.clone(),
            // A caller's leg: only the codecs matter for reading an answer.
            None => LocalMedia {
                addr: self.media_ip,
                port: 0,
                codecs: vec![Codec::Pcmu, Codec::Pcma],
                telephone_event_pt: 101,
                session_id: 0,
                session_version: 0,
            },
        };
        sdp::read_answer(&local, answer).ok().map(|n| Leg::from(&n))
    }

    /// A leg's media changed (codec, payload types, address): the caller's media task
    /// relays with the new values; an agent leg's are kept for a later bridge too.
    fn renegotiated(&mut self, leg: CallHandle, new: Leg) {
        if let Some(tx) = self.callers.get(&leg) {
            let _ = tx.send(MediaCmd::Renegotiated {
                agent: false,
                leg: new,
            });
            return;
        }
        if let Some(m) = self.agents.get_mut(&leg) {
            m.leg = Some(new);
        }
        if let Some((caller, _, _)) = self.sb.bridged_with(leg)
            && let Some(tx) = self.callers.get(&caller)
        {
            let _ = tx.send(MediaCmd::Renegotiated {
                agent: true,
                leg: new,
            });
        }
    }
}
