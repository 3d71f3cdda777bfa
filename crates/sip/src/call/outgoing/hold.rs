//! Re-INVITEs on an agent's leg once answered: the phone's hold/resume answered with our
//! address kept and the direction mirrored, and ours to hold or resume the phone when
//! the caller does.

use super::{OutgoingCall, OutgoingEvent, OutgoingState};
use crate::call::reinvite::{ReinviteClient, ReinviteOutcome, ReinviteServer, Reoffer};
use crate::message::{Request, Response};
use crate::sdp::hold::{is_hold, reanswer, with_direction};
use crate::sdp::{Direction, SessionDescription};
use crate::transaction::Transmit;
use crate::types::StatusCode;
use switchyard_core::Time;

impl OutgoingCall {
    fn offer_pending(&self) -> bool {
        self.out_reinvite.as_ref().is_some_and(|r| r.is_pending())
            || self.in_reinvite.as_ref().is_some_and(|r| r.awaiting_ack())
    }

    fn our_contact(&self) -> String {
        let c = self.invite.header("Contact").concat();
        let c = c.trim();
        c.strip_prefix('<')
            .and_then(|c| c.split_once('>'))
            .map_or(c, |(uri, _)| uri)
            .to_owned()
    }

    /// A re-INVITE from the device (the dialog already checked its CSeq): 200 with our
    /// mirrored answer, 488 for an offer without G.711, 491 while an offer/answer of ours
    /// is in progress (glare).
    pub(super) fn reinvited(&mut self, now: Time, req: Request) {
        let reply = |status| {
            req.reply(status)
                .build()
                .ok()
                .map(|r| Transmit(r.to_bytes()))
        };
        if self.state != OutgoingState::Answered || self.offer_pending() {
            self.transmits.extend(reply(StatusCode::REQUEST_PENDING));
            return;
        }
        let offer = SessionDescription::parse(req.body()).ok();
        let (answer, negotiated) = match (&offer, &self.local_sdp) {
            (Some(o), Some(previous)) => match reanswer(o, previous) {
                Ok((a, n)) => (Some(a), Some(n)),
                Err(_) => {
                    self.transmits
                        .extend(reply(StatusCode::NOT_ACCEPTABLE_HERE));
                    return;
                }
            },
            (_, previous) => (previous.clone(), None),
        };
        let mut b = req
            .reply(StatusCode::OK)
            .header("Contact", format!("<{}>", self.our_contact()));
        if let Some(sdp) = &answer {
            b = b.body("application/sdp", sdp.to_bytes());
        }
        let Some(server) = b
            .build()
            .ok()
            .and_then(|ok| ReinviteServer::new(now, &req, ok, self.config))
        else {
            return;
        };
        self.in_reinvite = Some(server);
        self.local_sdp = answer;
        let hold = offer.as_ref().is_some_and(is_hold);
        let was_hold = std::mem::replace(&mut self.remote_hold, hold);
        self.events
            .push_back(OutgoingEvent::Reoffer(Box::new(Reoffer {
                offer,
                negotiated,
                hold,
                was_hold,
            })));
    }

    /// Sends a re-INVITE offering our SDP with `direction` (hold the agent's phone:
    /// `SendOnly`; resume: `SendRecv`). Reported as [`OutgoingEvent::ReinviteDone`].
    /// `false` (nothing sent) unless the leg is answered with no offer/answer in progress.
    pub fn reinvite(&mut self, now: Time, direction: Direction) -> bool {
        if self.state != OutgoingState::Answered || self.offer_pending() {
            return false;
        }
        let Some(previous) = self.local_sdp.clone() else {
            return false;
        };
        let via = self.next_via();
        let contact = self.our_contact();
        let sdp = with_direction(&previous, direction);
        let Some(dialog) = self.dialog.as_mut() else {
            return false;
        };
        let Some(client) =
            ReinviteClient::start(now, dialog, &via, &contact, &sdp, previous, self.config)
        else {
            return false;
        };
        self.local_sdp = Some(sdp);
        self.out_reinvite = Some(client);
        true
    }

    pub(super) fn reinvite_response(&mut self, now: Time, resp: Response) {
        let (Some(client), Some(dialog)) = (self.out_reinvite.as_mut(), self.dialog.as_ref())
        else {
            return;
        };
        if let Some(outcome) = client.handle_response(now, resp, dialog) {
            self.reinvite_done(outcome);
        }
    }

    pub(super) fn reinvite_timeout(&mut self, now: Time) {
        if let Some(r) = self.in_reinvite.as_mut() {
            r.handle_timeout(now);
        }
        if let Some(outcome) = self
            .out_reinvite
            .as_mut()
            .and_then(|r| r.handle_timeout(now))
        {
            self.reinvite_done(outcome);
        }
    }

    fn reinvite_done(&mut self, outcome: ReinviteOutcome) {
        if let (ReinviteOutcome::Failed(_), Some(client), Some(ours)) = (
            &outcome,
            self.out_reinvite.as_ref(),
            self.local_sdp.as_mut(),
        ) {
            // Refused: back to the session as it was; the version stays ahead (RFC 3264 §8).
            let version = ours.session_version;
            *ours = client.previous().clone();
            ours.session_version = version;
        }
        self.events.push_back(OutgoingEvent::ReinviteDone(outcome));
    }
}
