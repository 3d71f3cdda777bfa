//! Re-INVITEs inside an established call (RFC 3261 §14), for both legs: the one we send
//! to hold or resume the other side of a bridge ([`ReinviteClient`]), and the answer to
//! one an agent's phone sends ([`ReinviteServer`]; the caller's leg answers its own).

use crate::dialog::Dialog;
use crate::message::{Request, Response};
use crate::sdp::{Negotiated, SessionDescription};
use crate::transaction::{
    ClientEvent, ClientKey, InviteClient, InviteServer, ServerKey, Timer, TimerConfig, Timers,
    Transmit,
};
use crate::types::{Method, StatusCode};
use std::time::Duration;
use switchyard_core::Time;

/// A re-INVITE the peer sent, already answered (hold, resume, a new address or codec).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reoffer {
    /// The peer's offer (`None`: no usable SDP; answered with ours as it stands).
    pub offer: Option<SessionDescription>,
    /// What our answer settled (codec, where to send — `None` while held at 0.0.0.0 —
    /// and our direction); `None` when nothing was renegotiated.
    pub negotiated: Option<Negotiated>,
    /// The peer holds: its offer is sendonly, inactive or at 0.0.0.0.
    pub hold: bool,
    /// The peer held before this re-INVITE (`hold != was_hold`: a hold or a resume;
    /// equal: a refresh or a move, nothing to mirror).
    pub was_hold: bool,
}

/// How a re-INVITE we sent ended. Either way the call stays up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReinviteOutcome {
    /// 2xx (ACKed): the peer's answer.
    Answered(Option<SessionDescription>),
    /// Refused (491 glare, 488, ...) or unanswered (408); the session is as it was.
    Failed(StatusCode),
}

/// Our re-INVITE in a confirmed dialog, until its final response (and 2xx ACKs).
#[derive(Debug)]
pub(crate) struct ReinviteClient {
    tx: InviteClient,
    cseq: u32,
    ack_via: String,
    ack: Option<Vec<u8>>,
    ack_pending: bool,
    /// Our SDP before this offer, to go back to if it is refused.
    previous: SessionDescription,
    done: bool,
}

impl ReinviteClient {
    /// Sends `sdp` in a re-INVITE. `via` is a full Via value with a fresh branch; the ACK
    /// for a 2xx gets a branch derived from it. `previous` is our SDP before the change.
    pub(crate) fn start(
        now: Time,
        dialog: &mut Dialog,
        via: &str,
        contact: &str,
        sdp: &SessionDescription,
        previous: SessionDescription,
        config: TimerConfig,
    ) -> Option<ReinviteClient> {
        let req = dialog
            .request(Method::Invite, via)
            .header("Contact", format!("<{contact}>"))
            .body("application/sdp", sdp.to_bytes())
            .build()
            .ok()?;
        let cseq = req.head().cseq;
        let tx = InviteClient::new(now, req, config)?;
        Some(ReinviteClient {
            tx,
            cseq,
            ack_via: format!("{via}.ack"),
            ack: None,
            ack_pending: false,
            previous,
            done: false,
        })
    }

    /// Our SDP before this re-INVITE.
    pub(crate) fn previous(&self) -> &SessionDescription {
        &self.previous
    }

    /// Whether a response answers this re-INVITE.
    pub(crate) fn matches(&self, resp: &Response) -> bool {
        ClientKey::of_response(resp).as_ref() == Some(self.tx.key())
    }

    /// Still waiting for the final response (another re-INVITE now would be glare).
    pub(crate) fn is_pending(&self) -> bool {
        !self.done
    }

    /// A response to the re-INVITE; the outcome once, at the first final response.
    pub(crate) fn handle_response(
        &mut self,
        now: Time,
        resp: Response,
        dialog: &Dialog,
    ) -> Option<ReinviteOutcome> {
        let status = resp.status();
        let mut outcome = None;
        if status.is_success() {
            // §13.2.2.4: every 2xx is ACKed by us, retransmissions too.
            if self.ack.is_none() {
                self.ack = dialog
                    .ack(self.cseq, &self.ack_via)
                    .build()
                    .ok()
                    .map(|a| a.to_bytes());
            }
            if !self.done {
                outcome = Some(ReinviteOutcome::Answered(
                    SessionDescription::parse(resp.body()).ok(),
                ));
            }
        } else if status.is_final() && !self.done {
            outcome = Some(ReinviteOutcome::Failed(status));
        }
        let ack_again = status.is_success();
        self.tx.handle_message(now, resp);
        while self.tx.poll_event().is_some() {}
        if ack_again {
            self.ack_pending = true;
        }
        if outcome.is_some() {
            self.done = true;
        }
        outcome
    }

    /// Fires timers; a re-INVITE nobody answers fails with 408.
    pub(crate) fn handle_timeout(&mut self, now: Time) -> Option<ReinviteOutcome> {
        self.tx.handle_timeout(now);
        let mut outcome = None;
        while let Some(ev) = self.tx.poll_event() {
            if ev == ClientEvent::Timeout && !self.done {
                self.done = true;
                outcome = Some(ReinviteOutcome::Failed(StatusCode::REQUEST_TIMEOUT));
            }
        }
        outcome
    }

    pub(crate) fn poll_transmit(&mut self) -> Option<Transmit> {
        if std::mem::take(&mut self.ack_pending)
            && let Some(ack) = &self.ack
        {
            return Some(Transmit(ack.clone()));
        }
        self.tx.poll_transmit()
    }

    pub(crate) fn poll_timeout(&self) -> Option<Time> {
        self.tx.poll_timeout().map(|(t, _)| t)
    }

    pub(crate) fn is_terminated(&self) -> bool {
        self.tx.is_terminated()
    }
}

/// Our 200 to a re-INVITE from an agent's phone: retransmitted until its ACK (§13.3.1.4).
#[derive(Debug)]
pub(crate) struct ReinviteServer {
    tx: InviteServer,
    key: ServerKey,
    ok: Vec<u8>,
    cseq: u32,
    config: TimerConfig,
    interval: Duration,
    timers: Timers,
    resend: bool,
}

impl ReinviteServer {
    /// Answers `req` with `ok` (a 2xx built by the leg).
    pub(crate) fn new(
        now: Time,
        req: &Request,
        ok: Response,
        config: TimerConfig,
    ) -> Option<ReinviteServer> {
        let mut tx = InviteServer::new(req, config)?;
        let bytes = ok.to_bytes();
        tx.send_response(now, ok);
        let mut timers = Timers::default();
        if !req.head().top_via().transport.is_reliable() {
            timers.set(Timer::G, now + config.t1);
        }
        timers.set(Timer::H, now + config.transaction_timeout());
        Some(ReinviteServer {
            tx,
            key: ServerKey::of_request(req),
            ok: bytes,
            cseq: req.head().cseq,
            config,
            interval: config.t1,
            timers,
            resend: false,
        })
    }

    /// Whether `req` is this re-INVITE again (a retransmission).
    pub(crate) fn is_retransmission(&self, req: &Request) -> bool {
        req.method() == Method::Invite && ServerKey::of_request(req) == self.key
    }

    /// Waiting for the ACK of our 2xx (another re-INVITE now gets 491).
    pub(crate) fn awaiting_ack(&self) -> bool {
        self.timers.next().is_some()
    }

    /// The INVITE again (absorbed) or the ACK for our 2xx (stops retransmissions).
    pub(crate) fn handle_request(&mut self, now: Time, req: Request) {
        match req.method() {
            Method::Ack if req.head().cseq == self.cseq => self.timers.clear(),
            Method::Invite => self.tx.handle_message(now, req),
            _ => {}
        }
    }

    pub(crate) fn handle_timeout(&mut self, now: Time) {
        self.tx.handle_timeout(now);
        while self.tx.poll_event().is_some() {}
        while let Some(timer) = self.timers.pop_due(now) {
            match timer {
                Timer::G => {
                    self.resend = true;
                    self.interval = (self.interval * 2).min(self.config.t2);
                    self.timers.set(Timer::G, now + self.interval);
                }
                // No ACK: stop retransmitting; the call itself stays up.
                Timer::H => self.timers.clear(),
                _ => {}
            }
        }
    }

    pub(crate) fn poll_transmit(&mut self) -> Option<Transmit> {
        if std::mem::take(&mut self.resend) {
            return Some(Transmit(self.ok.clone()));
        }
        self.tx.poll_transmit()
    }

    pub(crate) fn poll_timeout(&self) -> Option<Time> {
        let own = self.timers.next().map(|(t, _)| t);
        let tx = self.tx.poll_timeout().map(|(t, _)| t);
        own.into_iter().chain(tx).min()
    }

    pub(crate) fn is_terminated(&self) -> bool {
        self.tx.is_terminated() && self.timers.next().is_none()
    }
}
