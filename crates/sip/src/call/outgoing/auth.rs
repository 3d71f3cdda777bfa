//! Digest authentication of an outgoing leg's INVITE (RFC 3261 §22.2): a 401/407 is ACKed
//! by its transaction as any failure; if we hold credentials and have not yet answered the
//! challenge's realm, the INVITE goes again (same Call-ID and From tag, new branch,
//! CSeq + 1) with the answer. The superseded transactions stay alive until their timer D
//! so retransmitted challenges are ACKed again.

use super::OutgoingCall;
use crate::client_auth::{ChallengeKind, ClientChallenge, ClientCredentials};
use crate::digest::Algorithm;
use crate::message::{Message, Request, Response};
use crate::transaction::{ClientKey, InviteClient, Transmit};
use crate::types::{Method, StatusCode};
use switchyard_core::Time;

/// What a leg keeps for authentication.
#[derive(Debug, Default)]
pub(super) struct AuthState {
    pub(super) credentials: Option<ClientCredentials>,
    /// Realms answered so far, with the header that answers each (kept for later retries).
    answers: Vec<(ChallengeKind, String, String)>,
    attempts: u32,
    /// INVITE transactions superseded by a retry.
    old: Vec<InviteClient>,
}

impl AuthState {
    /// A response to a superseded INVITE: its transaction ACKs retransmitted finals.
    pub(super) fn absorb(&mut self, now: Time, resp: Response) {
        let key = ClientKey::of_response(&resp);
        if let Some(t) = self.old.iter_mut().find(|t| key.as_ref() == Some(t.key())) {
            t.handle_message(now, resp);
            while t.poll_event().is_some() {}
        }
    }

    pub(super) fn handle_timeout(&mut self, now: Time) {
        for t in &mut self.old {
            if t.poll_timeout().is_some_and(|(at, _)| at <= now) {
                t.handle_timeout(now);
                while t.poll_event().is_some() {}
            }
        }
        self.old.retain(|t| !t.is_terminated());
    }

    pub(super) fn poll_transmit(&mut self) -> Option<Transmit> {
        self.old.iter_mut().find_map(|t| t.poll_transmit())
    }

    pub(super) fn poll_timeout(&self) -> Option<Time> {
        self.old
            .iter()
            .filter_map(|t| t.poll_timeout().map(|(at, _)| at))
            .min()
    }

    pub(super) fn is_terminated(&self) -> bool {
        self.old.iter().all(|t| t.is_terminated())
    }
}

/// The INVITE again with a new top Via, CSeq and authorization headers (replacing any the
/// previous one had); everything else, body included, byte for byte.
fn reissue(
    invite: &Request,
    via: &str,
    cseq: u32,
    answers: &[(ChallengeKind, String, String)],
) -> Option<Request> {
    let bytes = invite.to_bytes();
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let mut text = format!("{}\r\n", lines.next()?);
    let mut via_done = false;
    for line in lines {
        let name = line.split(':').next().unwrap_or_default().trim();
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        if is("Via") || is("v") {
            // Only our own Via is on a request we originate.
            if !via_done {
                text.push_str(&format!("Via: {via}\r\n"));
                via_done = true;
            }
        } else if is("CSeq") {
            text.push_str(&format!("CSeq: {cseq} INVITE\r\n"));
        } else if !(is("Authorization") || is("Proxy-Authorization")) {
            text.push_str(line);
            text.push_str("\r\n");
        }
    }
    for (kind, _, value) in answers {
        text.push_str(&format!("{}: {value}\r\n", kind.answer_header()));
    }
    text.push_str("\r\n");
    let mut out = text.into_bytes();
    out.extend_from_slice(&bytes[end + 4..]);
    match Message::parse(&out) {
        Ok(Message::Request(r)) => Some(r),
        _ => None,
    }
}

impl OutgoingCall {
    /// Whether a response answers the INVITE we sent last (not a superseded one).
    pub(super) fn is_current(&self, resp: &Response) -> bool {
        ClientKey::of_response(resp).as_ref() == Some(self.tx.key())
    }

    /// For a 401/407 to the current INVITE that we can answer: the transaction of the
    /// INVITE to send next (installed with [`resend`](Self::resend)).
    pub(super) fn auth_retry(
        &mut self,
        now: Time,
        resp: &Response,
    ) -> Option<(Request, InviteClient)> {
        let status = resp.status();
        if status != StatusCode::UNAUTHORIZED && status != StatusCode::PROXY_AUTHENTICATION_REQUIRED
        {
            return None;
        }
        if !matches!(
            self.state,
            super::OutgoingState::Calling | super::OutgoingState::Ringing
        ) || self.cancel_wanted
            || self.cancel.is_some()
        {
            return None;
        }
        let creds = self.auth.credentials.clone()?;
        let fresh: Vec<ClientChallenge> = ClientChallenge::from_response(resp)
            .into_iter()
            .filter(|c| {
                !self
                    .auth
                    .answers
                    .iter()
                    .any(|(k, realm, _)| *k == c.kind && *realm == c.realm)
            })
            .collect();
        if fresh.is_empty() {
            return None;
        }
        self.auth.attempts += 1;
        let first = self
            .auth
            .old
            .first()
            .map(|t| t.key().branch.to_string())
            .or_else(|| self.invite.head().top_via().branch().map(|b| b.to_string()))
            .unwrap_or_default();
        let branch = format!("{first}-a{}", self.auth.attempts);
        let uri = self.invite.uri().to_owned();
        for c in fresh {
            let seed = format!(
                "{}|{branch}|{}",
                self.invite.head().call_id.as_str(),
                c.realm
            );
            let cnonce = Algorithm::Md5.hex(&seed)[..16].to_owned();
            let value = c.answer(&creds, Method::Invite.as_str(), &uri, 1, &cnonce);
            self.auth.answers.push((c.kind, c.realm, value));
        }
        let cseq = self.invite.head().cseq + 1;
        let via = format!("{};branch={branch}", self.via);
        let invite = reissue(&self.invite, &via, cseq, &self.auth.answers)?;
        let tx = InviteClient::new(now, invite.clone(), self.config)?;
        Some((invite, tx))
    }

    /// Switches to the retried INVITE's transaction, keeping the old one to absorb
    /// retransmissions. Provisional responses and CANCEL now concern the new INVITE.
    pub(super) fn resend(&mut self, (invite, tx): (Request, InviteClient)) {
        let old = std::mem::replace(&mut self.tx, tx);
        self.auth.old.push(old);
        self.invite = invite;
        self.heard = false;
        self.branches = 0;
    }
}
