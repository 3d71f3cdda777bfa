//! The caller's leg, UAS side.

use super::reinvite::{ReinviteClient, ReinviteOutcome, Reoffer};
use crate::dialog::Dialog;
use crate::dtmf::{DtmfDigit, digit_from_info};
use crate::message::{Request, Response};
use crate::sdp::hold::{is_hold, reanswer, with_direction};
use crate::sdp::{Direction, SessionDescription};
use crate::transaction::{
    ClientEvent, InviteServer, NonInviteClient, ServerKey, Timer, TimerConfig, Timers, Transmit,
};
use crate::types::{Method, StatusCode, Tag};
use std::collections::VecDeque;
use std::time::Duration;
use switchyard_core::Time;

/// Where the leg is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncomingState {
    /// INVITE received, 100 (and maybe 180) sent.
    Proceeding,
    /// 200 sent, waiting for the ACK.
    Answered,
    /// ACK received: media flows.
    Confirmed,
    /// Over.
    Ended,
}

/// Why the leg ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    /// The caller cancelled before the answer (an abandon while waiting).
    Cancelled,
    /// The caller sent BYE.
    RemoteHangup,
    /// We hung up (BYE sent).
    LocalHangup,
    /// We answered with a final error response.
    Rejected,
    /// Our 200 was never ACKed (§13.3.1.4: the dialog is torn down with BYE).
    NoAck,
}

/// What the leg tells the call logic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IncomingEvent {
    /// The caller ACKed our 200: the call is up.
    Confirmed,
    /// The caller re-INVITEd (hold, resume, a new address or codec); it was answered 200
    /// with our address kept and the direction mirrored. The bridge mirrors hold from here.
    Reoffer(Box<Reoffer>),
    /// A re-INVITE we sent ([`IncomingCall::reinvite`]) was answered or refused.
    ReinviteDone(ReinviteOutcome),
    /// A DTMF digit arrived by SIP INFO.
    Dtmf(DtmfDigit),
    /// The leg is over.
    Ended(EndReason),
}

/// One incoming call leg.
#[derive(Debug)]
pub struct IncomingCall {
    invite: Request,
    key: ServerKey,
    tx: InviteServer,
    config: TimerConfig,
    local_tag: Tag,
    contact: String,
    dialog: Option<Dialog>,
    state: IncomingState,
    ok: Option<Vec<u8>>,
    answer_sdp: Option<SessionDescription>,
    awaiting_ack: bool,
    ack_cseq: u32,
    reinvite: Option<InviteServer>,
    out_reinvite: Option<ReinviteClient>,
    /// The caller's last re-offer held.
    remote_hold: bool,
    interval: Duration,
    timers: Timers,
    bye: Option<NonInviteClient>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<IncomingEvent>,
}

impl IncomingCall {
    /// Takes an INVITE that started a new call. `local_tag` is our To-tag, `contact` our
    /// Contact URI. `None` for a non-INVITE.
    pub fn new(
        invite: Request,
        config: TimerConfig,
        local_tag: Tag,
        contact: String,
    ) -> Option<IncomingCall> {
        let tx = InviteServer::new(&invite, config)?;
        Some(IncomingCall {
            key: ServerKey::of_request(&invite),
            invite,
            tx,
            config,
            local_tag,
            contact,
            dialog: None,
            state: IncomingState::Proceeding,
            ok: None,
            answer_sdp: None,
            awaiting_ack: false,
            ack_cseq: 0,
            reinvite: None,
            out_reinvite: None,
            remote_hold: false,
            interval: config.t1,
            timers: Timers::default(),
            bye: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        })
    }

    /// The INVITE (caller ID, Request-URI, headers for skills and priority).
    pub fn invite(&self) -> &Request {
        &self.invite
    }

    /// The caller's SDP offer, if the INVITE carried one.
    pub fn offer(&self) -> Option<SessionDescription> {
        SessionDescription::parse(self.invite.body()).ok()
    }

    /// Where the leg is.
    pub fn state(&self) -> IncomingState {
        self.state
    }

    /// The key of the INVITE's server transaction (for routing retransmissions and CANCEL).
    pub fn key(&self) -> &ServerKey {
        &self.key
    }

    /// Whether an in-dialog request belongs to this leg.
    pub fn matches_dialog(&self, req: &Request) -> bool {
        self.dialog.as_ref().is_some_and(|d| d.matches(req))
    }

    fn respond(&mut self, now: Time, status: StatusCode, body: Option<&SessionDescription>) {
        self.respond_with(now, status, body, &[]);
    }

    fn respond_with(
        &mut self,
        now: Time,
        status: StatusCode,
        body: Option<&SessionDescription>,
        headers: &[(&str, String)],
    ) {
        let mut b = self.invite.reply(status).to_tag(&self.local_tag);
        for (name, value) in headers {
            b = b.header(name, value.clone());
        }
        if status != StatusCode::TRYING {
            b = b.header("Contact", format!("<{}>", self.contact));
        }
        if let Some(sdp) = body {
            b = b.body("application/sdp", sdp.to_bytes());
        }
        let Ok(resp) = b.build() else { return };
        if status.is_success() {
            self.ok = Some(resp.to_bytes());
        }
        if self.dialog.is_none() && status.code() > 100 && status.code() < 300 {
            self.dialog = Dialog::uas(&self.invite, self.local_tag.clone(), status);
        }
        self.tx.send_response(now, resp);
    }

    /// Sends 180 Ringing (or 183 with early media if `early_media` is given).
    pub fn ring(&mut self, now: Time, early_media: Option<&SessionDescription>) {
        if self.state == IncomingState::Proceeding {
            let status = if early_media.is_some() { 183 } else { 180 };
            self.respond(now, StatusCode::new(status).expect("valid"), early_media);
        }
    }

    /// Answers with our SDP: 200 OK, retransmitted until the ACK over unreliable transports.
    pub fn answer(&mut self, now: Time, sdp: &SessionDescription) {
        if self.state != IncomingState::Proceeding {
            return;
        }
        self.respond(now, StatusCode::OK, Some(sdp));
        if let Some(d) = &mut self.dialog {
            d.confirm();
        }
        self.state = IncomingState::Answered;
        self.answer_sdp = Some(sdp.clone());
        self.await_ack(now, self.invite.head().cseq);
    }

    /// Arms 2xx retransmission (G) and the ACK wait (H) for the 200 in `self.ok`, which
    /// answers the INVITE with CSeq `cseq` (its ACK carries the same number).
    fn await_ack(&mut self, now: Time, cseq: u32) {
        self.awaiting_ack = true;
        self.ack_cseq = cseq;
        self.interval = self.config.t1;
        if !self.invite.head().top_via().transport.is_reliable() {
            self.timers.set(Timer::G, now + self.interval);
        }
        self.timers
            .set(Timer::H, now + self.config.transaction_timeout());
    }

    /// A re-INVITE in the confirmed dialog: answered 200 with our address kept, the
    /// direction mirrored and the version bumped ([`reanswer`]); without a usable offer,
    /// with our SDP as it stands (RFC 3264 §8: unchanged, same version). 488 for an offer
    /// without G.711 (the session stays as it was); 491 while our previous 200 is still
    /// unacknowledged or our own re-INVITE is pending (glare).
    fn reinvited(&mut self, now: Time, req: Request) {
        let key = ServerKey::of_request(&req);
        if let Some(tx) = self.reinvite.as_mut().filter(|tx| *tx.key() == key) {
            return tx.handle_message(now, req);
        }
        let glare = self.out_reinvite.as_ref().is_some_and(|r| r.is_pending());
        if self.awaiting_ack || glare || self.state != IncomingState::Confirmed {
            return self.reply_direct(&req, StatusCode::REQUEST_PENDING);
        }
        let Some(dialog) = self.dialog.as_mut() else {
            return;
        };
        if let Err(status) = dialog.handle_request(&req) {
            return self.reply_direct(&req, status);
        }
        let offer = SessionDescription::parse(req.body()).ok();
        let (answer, negotiated) = match (&offer, &self.answer_sdp) {
            (Some(o), Some(previous)) => match reanswer(o, previous) {
                Ok((a, n)) => (Some(a), Some(n)),
                Err(_) => return self.reply_direct(&req, StatusCode::NOT_ACCEPTABLE_HERE),
            },
            (_, previous) => (previous.clone(), None),
        };
        let Some(mut tx) = InviteServer::new(&req, self.config) else {
            return;
        };
        let mut b = req
            .reply(StatusCode::OK)
            .header("Contact", format!("<{}>", self.contact));
        if let Some(sdp) = &answer {
            b = b.body("application/sdp", sdp.to_bytes());
        }
        let Ok(ok) = b.build() else { return };
        self.ok = Some(ok.to_bytes());
        self.answer_sdp = answer;
        tx.send_response(now, ok);
        self.reinvite = Some(tx);
        self.await_ack(now, req.head().cseq);
        let hold = offer.as_ref().is_some_and(is_hold);
        let was_hold = std::mem::replace(&mut self.remote_hold, hold);
        self.events
            .push_back(IncomingEvent::Reoffer(Box::new(Reoffer {
                offer,
                negotiated,
                hold,
                was_hold,
            })));
    }

    /// Sends a re-INVITE offering our SDP with `direction` (hold the caller: `SendOnly`;
    /// resume: `SendRecv`), `via` with a fresh branch. Reported as
    /// [`IncomingEvent::ReinviteDone`]. `false` (nothing sent) unless the call is up with
    /// no offer/answer in progress either way.
    pub fn reinvite(&mut self, now: Time, direction: Direction, via: &str) -> bool {
        let busy = self.awaiting_ack || self.out_reinvite.as_ref().is_some_and(|r| r.is_pending());
        let (Some(dialog), Some(previous)) = (self.dialog.as_mut(), self.answer_sdp.as_ref())
        else {
            return false;
        };
        if busy || self.state != IncomingState::Confirmed {
            return false;
        }
        let sdp = with_direction(previous, direction);
        let Some(client) = ReinviteClient::start(
            now,
            dialog,
            via,
            &self.contact,
            &sdp,
            previous.clone(),
            self.config,
        ) else {
            return false;
        };
        self.answer_sdp = Some(sdp);
        self.out_reinvite = Some(client);
        true
    }

    /// Refuses the call (404 unknown number, 486 busy, 488 no codec, 480 closed...).
    pub fn reject(&mut self, now: Time, status: StatusCode) {
        if self.state == IncomingState::Proceeding && status.code() >= 300 {
            self.respond(now, status, None);
            self.end(EndReason::Rejected);
        }
    }

    /// Refuses the call with extra headers (407 with Proxy-Authenticate, 503 with
    /// Retry-After).
    pub fn reject_with(&mut self, now: Time, status: StatusCode, headers: &[(&str, String)]) {
        if self.state == IncomingState::Proceeding && status.code() >= 300 {
            self.respond_with(now, status, None, headers);
            self.end(EndReason::Rejected);
        }
    }

    /// Hangs up: BYE once answered (`via` carries a fresh branch), else 480.
    pub fn hangup(&mut self, now: Time, via: &str) {
        match self.state {
            IncomingState::Proceeding => {
                self.respond(now, StatusCode::TEMPORARILY_UNAVAILABLE, None);
                self.end(EndReason::Rejected);
            }
            IncomingState::Answered | IncomingState::Confirmed => {
                let bye = self
                    .dialog
                    .as_mut()
                    .and_then(|d| d.request(Method::Bye, via).build().ok());
                self.bye = bye.and_then(|b| NonInviteClient::new(now, b, self.config));
                self.end(EndReason::LocalHangup);
            }
            IncomingState::Ended => {}
        }
    }

    fn end(&mut self, reason: EndReason) {
        self.state = IncomingState::Ended;
        self.awaiting_ack = false;
        self.timers.clear();
        self.events.push_back(IncomingEvent::Ended(reason));
    }

    fn reply_direct(&mut self, req: &Request, status: StatusCode) {
        if let Ok(r) = req.reply(status).build() {
            self.transmits.push_back(Transmit(r.to_bytes()));
        }
    }

    /// A request the endpoint routed here: INVITE/ACK retransmissions, CANCEL, or an
    /// in-dialog request (ACK for 2xx, BYE, INFO).
    pub fn handle_request(&mut self, now: Time, req: Request) {
        let same_tx = ServerKey::of_request(&req) == self.key;
        match req.method() {
            Method::Invite if same_tx => self.tx.handle_message(now, req),
            Method::Ack if same_tx && self.ok.is_none() => self.tx.handle_message(now, req),
            Method::Ack => {
                // Only the ACK for the pending 2xx counts (not one for a 491, say).
                if req.head().cseq != self.ack_cseq {
                    return;
                }
                if self.awaiting_ack {
                    self.awaiting_ack = false;
                    self.timers.clear();
                }
                if self.state == IncomingState::Answered {
                    self.state = IncomingState::Confirmed;
                    self.events.push_back(IncomingEvent::Confirmed);
                }
            }
            Method::Invite if self.matches_dialog(&req) => self.reinvited(now, req),
            Method::Cancel => {
                // §9.2: 200 to the CANCEL; only a call not yet answered is terminated.
                self.reply_direct(&req, StatusCode::OK);
                if self.state == IncomingState::Proceeding {
                    if let Ok(r) = self.tx.terminated_response() {
                        self.tx.send_response(now, r);
                    }
                    self.end(EndReason::Cancelled);
                }
            }
            Method::Bye | Method::Info => self.in_dialog(req),
            // UPDATE and other in-dialog methods: refuse the change and keep the session
            // as it is (RFC 3261 §14.2).
            _ => self.reply_direct(&req, StatusCode::NOT_ACCEPTABLE_HERE),
        }
    }

    fn in_dialog(&mut self, req: Request) {
        let Some(dialog) = self.dialog.as_mut() else {
            return self.reply_direct(&req, StatusCode::NO_TRANSACTION);
        };
        if let Err(status) = dialog.handle_request(&req) {
            return self.reply_direct(&req, status);
        }
        self.reply_direct(&req, StatusCode::OK);
        match req.method() {
            Method::Bye if self.state != IncomingState::Ended => self.end(EndReason::RemoteHangup),
            Method::Info => {
                let ct = req.header("Content-Type").concat();
                if let Some(d) = digit_from_info(&ct, req.body()) {
                    self.events.push_back(IncomingEvent::Dtmf(d));
                }
            }
            _ => {}
        }
    }

    /// A response to our BYE or our re-INVITE.
    pub fn handle_response(&mut self, now: Time, resp: Response) {
        if resp.head().cseq_method == Method::Invite {
            let (Some(client), Some(dialog)) = (self.out_reinvite.as_mut(), self.dialog.as_ref())
            else {
                return;
            };
            if !client.matches(&resp) {
                return;
            }
            if let Some(outcome) = client.handle_response(now, resp, dialog) {
                self.reinvite_done(outcome);
            }
        } else if let Some(bye) = &mut self.bye {
            bye.handle_message(now, resp);
        }
    }

    fn reinvite_done(&mut self, outcome: ReinviteOutcome) {
        if let (ReinviteOutcome::Failed(_), Some(client), Some(ours)) = (
            &outcome,
            self.out_reinvite.as_ref(),
            self.answer_sdp.as_mut(),
        ) {
            // Refused: back to the session as it was; the version stays ahead (§8).
            let version = ours.session_version;
            *ours = client.previous().clone();
            ours.session_version = version;
        }
        self.events.push_back(IncomingEvent::ReinviteDone(outcome));
    }

    /// Fires timers due at `now`: 2xx retransmission (G: T1 doubling to T2) and the ACK
    /// wait (H: 64*T1, then BYE as §13.3.1.4 requires; `via` for that BYE is derived from
    /// the INVITE's own Via host).
    pub fn handle_timeout(&mut self, now: Time) {
        self.tx.handle_timeout(now);
        if let Some(re) = &mut self.reinvite {
            re.handle_timeout(now);
            while re.poll_event().is_some() {}
        }
        if let Some(bye) = &mut self.bye {
            bye.handle_timeout(now);
        }
        if let Some(outcome) = self
            .out_reinvite
            .as_mut()
            .and_then(|r| r.handle_timeout(now))
        {
            self.reinvite_done(outcome);
        }
        while let Some(timer) = self.timers.pop_due(now) {
            match timer {
                Timer::G => {
                    if let Some(ok) = &self.ok {
                        self.transmits.push_back(Transmit(ok.clone()));
                    }
                    self.interval = (self.interval * 2).min(self.config.t2);
                    self.timers.set(Timer::G, now + self.interval);
                }
                Timer::H => {
                    let via = format!(
                        "SIP/2.0/UDP {};branch=z9hG4bK{}noack",
                        self.contact_host(),
                        self.local_tag
                    );
                    self.hangup(now, &via);
                    if let Some(IncomingEvent::Ended(r)) = self.events.back_mut() {
                        *r = EndReason::NoAck;
                    }
                }
                _ => {}
            }
        }
    }

    fn contact_host(&self) -> String {
        crate::uri::SipUri::parse(&self.contact)
            .map(|u| match u.port {
                Some(p) => format!("{}:{p}", u.host),
                None => u.host,
            })
            .unwrap_or_default()
    }

    /// Next bytes to send to the caller.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits
            .pop_front()
            .or_else(|| self.tx.poll_transmit())
            .or_else(|| self.reinvite.as_mut().and_then(InviteServer::poll_transmit))
            .or_else(|| {
                self.out_reinvite
                    .as_mut()
                    .and_then(ReinviteClient::poll_transmit)
            })
            .or_else(|| self.bye.as_mut().and_then(NonInviteClient::poll_transmit))
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next.
    pub fn poll_timeout(&self) -> Option<Time> {
        let own = self.timers.next().map(|(t, _)| t);
        let tx = self.tx.poll_timeout().map(|(t, _)| t);
        let bye = self
            .bye
            .as_ref()
            .and_then(|b| b.poll_timeout())
            .map(|(t, _)| t);
        let out = self
            .out_reinvite
            .as_ref()
            .and_then(ReinviteClient::poll_timeout);
        let re = self
            .reinvite
            .as_ref()
            .and_then(|r| r.poll_timeout())
            .map(|(t, _)| t);
        [own, tx, bye, out, re].into_iter().flatten().min()
    }

    /// Next event for the call logic.
    pub fn poll_event(&mut self) -> Option<IncomingEvent> {
        if let Some(bye) = &mut self.bye {
            while let Some(e) = bye.poll_event() {
                if matches!(e, ClientEvent::Terminated) {
                    break;
                }
            }
        }
        self.events.pop_front()
    }

    /// True when nothing is left to retransmit or absorb: the endpoint may drop the leg.
    pub fn is_finished(&self) -> bool {
        self.state == IncomingState::Ended
            && self.tx.is_terminated()
            && self
                .reinvite
                .as_ref()
                .is_none_or(InviteServer::is_terminated)
            && self.bye.as_ref().is_none_or(NonInviteClient::is_terminated)
            && self
                .out_reinvite
                .as_ref()
                .is_none_or(ReinviteClient::is_terminated)
    }
}

#[cfg(test)]
mod hold_tests;
#[cfg(test)]
mod tests;
