//! The agent's leg, UAC side: our INVITE to an agent's device, until it is answered,
//! refused, times out, is cancelled (ring timeout, ringall losers) or hung up.

use super::EndReason;
use super::reinvite::{ReinviteClient, ReinviteOutcome, ReinviteServer, Reoffer};
use crate::build::RequestBuilder;
use crate::client_auth::ClientCredentials;
use crate::dialog::Dialog;
use crate::dtmf::{DtmfDigit, digit_from_info};
use crate::grammar::split_list;
use crate::message::{Request, Response};
use crate::sdp::SessionDescription;
use crate::transaction::{ClientEvent, InviteClient, NonInviteClient, TimerConfig, Transmit};
use crate::types::{Method, StatusCode};
use std::collections::VecDeque;
use switchyard_core::Time;

/// Where the leg is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutgoingState {
    /// INVITE sent, no provisional response yet.
    Calling,
    /// The device rings (1xx received).
    Ringing,
    /// 2xx received and ACKed.
    Answered,
    /// Over.
    Ended,
}

/// What the leg tells the call logic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutgoingEvent {
    /// The device rings.
    Ringing,
    /// The agent answered; the SDP answer for the bridge.
    Answered(Option<SessionDescription>),
    /// The device refused (486 busy and 603 decline count as rejects) or did not answer
    /// in time (408 for timer B).
    Failed(StatusCode),
    /// The leg ended after it was up, or was cancelled.
    Ended(EndReason),
    /// A DTMF digit by SIP INFO.
    Dtmf(DtmfDigit),
    /// The device re-INVITEd (hold, resume, a new address or codec); answered 200 with
    /// our address kept and the direction mirrored.
    Reoffer(Box<Reoffer>),
    /// A re-INVITE we sent ([`OutgoingCall::reinvite`]) was answered or refused.
    ReinviteDone(ReinviteOutcome),
}

/// One outgoing call leg.
#[derive(Debug)]
pub struct OutgoingCall {
    invite: Request,
    tx: InviteClient,
    config: TimerConfig,
    via: String,
    branches: u32,
    state: OutgoingState,
    dialog: Option<Dialog>,
    ack: Option<Vec<u8>>,
    heard: bool,
    cancel_wanted: bool,
    cancel: Option<NonInviteClient>,
    bye: Option<NonInviteClient>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<OutgoingEvent>,
    auth: auth::AuthState,
    /// Our current SDP on this leg (the offer, then re-INVITE offers and answers).
    local_sdp: Option<SessionDescription>,
    out_reinvite: Option<ReinviteClient>,
    in_reinvite: Option<ReinviteServer>,
    /// The device's last re-offer held.
    remote_hold: bool,
}

impl OutgoingCall {
    /// Sends `invite` (built with our SDP offer). `via` is our Via without branch, e.g.
    /// `SIP/2.0/UDP 192.0.2.1:5060`; ACK, CANCEL and BYE reuse it with derived branches.
    pub fn new(
        now: Time,
        invite: Request,
        via: impl Into<String>,
        config: TimerConfig,
    ) -> Option<OutgoingCall> {
        let tx = InviteClient::new(now, invite.clone(), config)?;
        let local_sdp = SessionDescription::parse(invite.body()).ok();
        Some(OutgoingCall {
            local_sdp,
            out_reinvite: None,
            in_reinvite: None,
            remote_hold: false,
            invite,
            tx,
            config,
            via: via.into(),
            branches: 0,
            state: OutgoingState::Calling,
            dialog: None,
            ack: None,
            heard: false,
            cancel_wanted: false,
            cancel: None,
            bye: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            auth: auth::AuthState::default(),
        })
    }

    /// Answers digest challenges (401/407) to the INVITE with `credentials`: the INVITE is
    /// sent again with the same Call-ID and From tag, a new branch, CSeq + 1 and an
    /// `Authorization` / `Proxy-Authorization` header. Each realm is answered once; a
    /// further challenge for it fails the leg with its status.
    pub fn with_credentials(mut self, credentials: ClientCredentials) -> OutgoingCall {
        self.auth.credentials = Some(credentials);
        self
    }

    /// The INVITE we sent (the latest one, after an authentication retry).
    pub fn invite(&self) -> &Request {
        &self.invite
    }

    /// Where the leg is.
    pub fn state(&self) -> OutgoingState {
        self.state
    }

    /// Whether an in-dialog request from the device belongs to this leg.
    pub fn matches_dialog(&self, req: &Request) -> bool {
        self.dialog.as_ref().is_some_and(|d| d.matches(req))
    }

    fn next_via(&mut self) -> String {
        self.branches += 1;
        let base = self
            .invite
            .head()
            .top_via()
            .branch()
            .map(|b| b.to_string())
            .unwrap_or_default();
        format!("{};branch={base}.{}", self.via, self.branches)
    }

    /// Gives up on a ringing leg (ring timeout, another agent answered). §9.1: the CANCEL
    /// waits for a provisional response; a 2xx that crosses it is ACKed and hung up.
    pub fn cancel(&mut self, now: Time) {
        match self.state {
            OutgoingState::Calling | OutgoingState::Ringing if self.cancel.is_some() => {}
            OutgoingState::Calling if !self.heard => self.cancel_wanted = true,
            OutgoingState::Calling | OutgoingState::Ringing => {
                self.cancel_wanted = true;
                self.send_cancel(now);
            }
            _ => {}
        }
    }

    fn send_cancel(&mut self, now: Time) {
        let inv = &self.invite;
        let top_via = inv.header("Via").into_iter().next().unwrap_or_default();
        let top_via = split_list(&top_via, "Via")
            .ok()
            .and_then(|v| v.first().map(|s| s.to_string()));
        let mut b = RequestBuilder::new(Method::Cancel, inv.uri())
            .header("Via", top_via.unwrap_or_default())
            .header("From", inv.header("From").concat())
            .header("To", inv.header("To").concat())
            .header("Call-ID", inv.head().call_id.as_str())
            .header("CSeq", format!("{} CANCEL", inv.head().cseq));
        for r in inv.header("Route") {
            b = b.header("Route", r);
        }
        self.cancel = b
            .build()
            .ok()
            .and_then(|c| NonInviteClient::new(now, c, self.config));
    }

    /// Ends the leg: BYE once answered, CANCEL before.
    pub fn hangup(&mut self, now: Time) {
        match self.state {
            OutgoingState::Answered => self.bye(now, EndReason::LocalHangup),
            OutgoingState::Calling | OutgoingState::Ringing => self.cancel(now),
            OutgoingState::Ended => {}
        }
    }

    fn bye(&mut self, now: Time, reason: EndReason) {
        let via = self.next_via();
        let bye = self
            .dialog
            .as_mut()
            .and_then(|d| d.request(Method::Bye, &via).build().ok());
        self.bye = bye.and_then(|b| NonInviteClient::new(now, b, self.config));
        self.end(reason);
    }

    fn end(&mut self, reason: EndReason) {
        if self.state != OutgoingState::Ended {
            self.state = OutgoingState::Ended;
            self.events.push_back(OutgoingEvent::Ended(reason));
        }
    }

    /// A response from the device: to the INVITE, a re-INVITE, our CANCEL or our BYE.
    pub fn handle_response(&mut self, now: Time, resp: Response) {
        if self.out_reinvite.as_ref().is_some_and(|r| r.matches(&resp)) {
            return self.reinvite_response(now, resp);
        }
        match resp.head().cseq_method {
            Method::Invite => {
                if !self.is_current(&resp) {
                    // A retransmission for an INVITE we already re-sent with credentials.
                    self.auth.absorb(now, resp);
                    return;
                }
                let retry = self.auth_retry(now, &resp);
                if retry.is_none() {
                    self.on_invite_response(now, &resp);
                }
                self.tx.handle_message(now, resp);
                self.drain_tx();
                if let Some(tx) = retry {
                    self.resend(tx);
                }
            }
            Method::Cancel => {
                if let Some(c) = &mut self.cancel {
                    c.handle_message(now, resp);
                }
            }
            Method::Bye => {
                if let Some(b) = &mut self.bye {
                    b.handle_message(now, resp);
                }
            }
            _ => {}
        }
    }

    fn on_invite_response(&mut self, now: Time, resp: &Response) {
        let status = resp.status();
        if status.is_success() {
            if self.dialog.is_none() {
                self.dialog = Dialog::uac(&self.invite, resp);
            }
            // §13.2.2.4: every 2xx (retransmissions too) is ACKed by us, not the transaction.
            if self.ack.is_none() {
                let via = self.next_via();
                let cseq = self.invite.head().cseq;
                self.ack = self
                    .dialog
                    .as_ref()
                    .and_then(|d| d.ack(cseq, &via).build().ok())
                    .map(|a| a.to_bytes());
            }
            if let Some(ack) = &self.ack {
                self.transmits.push_back(Transmit(ack.clone()));
            }
            match self.state {
                OutgoingState::Calling | OutgoingState::Ringing
                    if self.cancel_wanted || self.cancel.is_some() =>
                {
                    // Answered while we were cancelling (a ringall loser): hang it up.
                    self.state = OutgoingState::Answered;
                    self.bye(now, EndReason::Cancelled);
                }
                OutgoingState::Calling | OutgoingState::Ringing => {
                    self.state = OutgoingState::Answered;
                    let sdp = SessionDescription::parse(resp.body()).ok();
                    self.events.push_back(OutgoingEvent::Answered(sdp));
                }
                _ => {}
            }
        } else if status.is_provisional() {
            self.heard = true;
            if status != StatusCode::TRYING && self.state == OutgoingState::Calling {
                self.state = OutgoingState::Ringing;
                self.events.push_back(OutgoingEvent::Ringing);
            }
            // §9.1: a CANCEL waits for any provisional response, 100 included.
            if self.cancel_wanted && self.cancel.is_none() {
                self.send_cancel(now);
            }
        } else if status.is_final()
            && matches!(self.state, OutgoingState::Calling | OutgoingState::Ringing)
        {
            self.state = OutgoingState::Ended;
            let event = if self.cancel.is_some() || self.cancel_wanted {
                OutgoingEvent::Ended(EndReason::Cancelled)
            } else {
                OutgoingEvent::Failed(status)
            };
            self.events.push_back(event);
        }
    }

    fn drain_tx(&mut self) {
        while let Some(ev) = self.tx.poll_event() {
            if ev == ClientEvent::Timeout
                && matches!(self.state, OutgoingState::Calling | OutgoingState::Ringing)
            {
                self.state = OutgoingState::Ended;
                let event = if self.cancel_wanted || self.cancel.is_some() {
                    OutgoingEvent::Ended(EndReason::Cancelled)
                } else {
                    OutgoingEvent::Failed(StatusCode::REQUEST_TIMEOUT)
                };
                self.events.push_back(event);
            }
        }
    }

    /// A request from the device inside the dialog (BYE, INFO, re-INVITE and its ACK).
    pub fn handle_request(&mut self, now: Time, req: Request) {
        if let Some(r) = self.in_reinvite.as_mut()
            && (r.is_retransmission(&req) || req.method() == Method::Ack)
        {
            return r.handle_request(now, req);
        }
        let reply = |status| {
            req.reply(status)
                .build()
                .ok()
                .map(|r| Transmit(r.to_bytes()))
        };
        let Some(dialog) = self.dialog.as_mut() else {
            self.transmits.extend(reply(StatusCode::NO_TRANSACTION));
            return;
        };
        if req.method() == Method::Ack {
            return;
        }
        if let Err(status) = dialog.handle_request(&req) {
            self.transmits.extend(reply(status));
            return;
        }
        match req.method() {
            Method::Bye => {
                self.transmits.extend(reply(StatusCode::OK));
                self.end(EndReason::RemoteHangup);
            }
            Method::Info => {
                self.transmits.extend(reply(StatusCode::OK));
                let ct = req.header("Content-Type").concat();
                if let Some(d) = digit_from_info(&ct, req.body()) {
                    self.events.push_back(OutgoingEvent::Dtmf(d));
                }
            }
            Method::Invite => self.reinvited(now, req),
            _ => self
                .transmits
                .extend(reply(StatusCode::NOT_ACCEPTABLE_HERE)),
        }
    }

    /// Fires timers due at `now`.
    pub fn handle_timeout(&mut self, now: Time) {
        self.auth.handle_timeout(now);
        self.reinvite_timeout(now);
        self.tx.handle_timeout(now);
        self.drain_tx();
        for c in [&mut self.cancel, &mut self.bye].into_iter().flatten() {
            c.handle_timeout(now);
            while c.poll_event().is_some() {}
        }
    }

    /// Next bytes to send to the device.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        if let Some(t) = self
            .transmits
            .pop_front()
            .or_else(|| self.auth.poll_transmit())
            .or_else(|| self.tx.poll_transmit())
            .or_else(|| self.in_reinvite.as_mut().and_then(|r| r.poll_transmit()))
            .or_else(|| self.out_reinvite.as_mut().and_then(|r| r.poll_transmit()))
        {
            return Some(t);
        }
        [&mut self.cancel, &mut self.bye]
            .into_iter()
            .flatten()
            .find_map(|c| c.poll_transmit())
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next.
    pub fn poll_timeout(&self) -> Option<Time> {
        let tx = self.tx.poll_timeout().map(|(t, _)| t);
        let others = [&self.cancel, &self.bye]
            .into_iter()
            .flatten()
            .filter_map(|c| c.poll_timeout())
            .map(|(t, _)| t);
        tx.into_iter()
            .chain(others)
            .chain(self.auth.poll_timeout())
            .chain(self.in_reinvite.as_ref().and_then(|r| r.poll_timeout()))
            .chain(self.out_reinvite.as_ref().and_then(|r| r.poll_timeout()))
            .min()
    }

    /// Next event for the call logic.
    pub fn poll_event(&mut self) -> Option<OutgoingEvent> {
        self.events.pop_front()
    }

    /// True when nothing is left to send or absorb.
    pub fn is_finished(&self) -> bool {
        self.state == OutgoingState::Ended
            && self.tx.is_terminated()
            && self.auth.is_terminated()
            && self.in_reinvite.as_ref().is_none_or(|r| r.is_terminated())
            && self.out_reinvite.as_ref().is_none_or(|r| r.is_terminated())
            && [&self.cancel, &self.bye]
                .into_iter()
                .flatten()
                .all(|c| c.is_terminated())
    }
}

mod auth;
#[cfg(test)]
mod auth_tests;
mod hold;
#[cfg(test)]
mod hold_tests;
#[cfg(test)]
mod tests;
