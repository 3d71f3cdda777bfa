//! A new INVITE through admission ([`super::admission`]): caps first (503 with
//! Retry-After), then the caller's origin — trunk (with its digest when configured),
//! agent's phone (Proxy-Authorization), or unauthenticated for the server to decide.

use super::admission::{CallOrigin, Refusal};
use super::{Endpoint, EndpointEvent, ServerTx};
use crate::auth::Verdict;
use crate::digest::{Credentials, Ha1};
use crate::message::Request;
use crate::registrar::{CredentialStore, Login};
use crate::transaction::{InviteServer, ServerKey};
use crate::types::StatusCode;
use crate::uri::SipUri;
use std::net::SocketAddr;
use switchyard_core::Time;

impl<S: CredentialStore> Endpoint<S> {
    /// Admits a new INVITE as a call ([`EndpointEvent::IncomingCall`]) or refuses it.
    pub(super) fn admit(&mut self, now: Time, from: SocketAddr, key: ServerKey, req: Request) {
        let cfg = &self.config.admission;
        let trunk = cfg.trunk_of(from.ip());
        if let Err(reason) = self.caps.check(cfg, from.ip(), trunk, now) {
            let retry = match reason {
                Refusal::SourceRate | Refusal::GlobalRate => 1,
                _ => cfg.retry_after_secs,
            };
            let headers = [("Retry-After", retry.to_string())];
            let status = StatusCode::SERVICE_UNAVAILABLE;
            return self.refuse(now, from, key, &req, reason, status, &headers);
        }
        let creds = req
            .header("Proxy-Authorization")
            .iter()
            .filter_map(|v| Credentials::parse(v).ok().flatten())
            .find(|c| c.realm == self.invite_auth.realm());
        let origin = if let Some(t) = trunk.map(|i| &self.config.admission.trunks[i]) {
            let origin = CallOrigin::Trunk {
                name: t.name.clone(),
                tenants: t.tenants.clone(),
            };
            match &t.credentials {
                None => origin,
                Some((user, password)) => {
                    let ha1 = creds
                        .as_ref()
                        .filter(|c| &c.username == user)
                        .map(|_| Ha1::from_password(user, self.invite_auth.realm(), password));
                    let verdict =
                        self.invite_auth
                            .verify(now, req.method(), creds.as_ref(), ha1.as_ref());
                    match verdict {
                        Verdict::Authorized { .. } => origin,
                        v => return self.deny(now, from, key, &req, v),
                    }
                }
            }
        } else if creds.is_some() {
            // The agents' accounts, nonces and lockout are the registrar's: a password
            // guessed over INVITE counts against the same account and source as REGISTER.
            let login = self.registrar.authenticate(
                now,
                req.method(),
                creds.as_ref(),
                Some(from.ip()),
                &self.store,
            );
            match login {
                Login::Ok { username, agent } => CallOrigin::Endpoint { username, agent },
                Login::Challenge { stale } => {
                    return self.deny(now, from, key, &req, Verdict::Challenge { stale });
                }
                Login::Locked { .. } => {
                    let status = StatusCode::FORBIDDEN;
                    return self.refuse(now, from, key, &req, Refusal::BadCredentials, status, &[]);
                }
                Login::Bad { username, .. } => {
                    let v = Verdict::WrongCredentials { username };
                    return self.deny(now, from, key, &req, v);
                }
            }
        } else {
            let user = SipUri::parse(&req.head().from.uri).and_then(|u| u.user);
            CallOrigin::Unauthenticated {
                challengeable: user.is_some_and(|u| self.store.account(&u).is_some()),
            }
        };
        self.new_call(from, req, origin, trunk);
    }

    /// 403 for wrong credentials, else (none, stale, replayed) a new 407 challenge.
    fn deny(&mut self, now: Time, from: SocketAddr, key: ServerKey, req: &Request, v: Verdict) {
        match v {
            Verdict::WrongCredentials { username } => {
                tracing::info!(%from, username, "INVITE with wrong digest credentials");
                let status = StatusCode::FORBIDDEN;
                self.refuse(now, from, key, req, Refusal::BadCredentials, status, &[]);
            }
            Verdict::Challenge { stale } => {
                let headers = self.proxy_challenges(now, stale);
                let status = StatusCode::PROXY_AUTHENTICATION_REQUIRED;
                self.refuse(now, from, key, req, Refusal::Challenged, status, &headers);
            }
            Verdict::Replay | Verdict::Authorized { .. } => {
                let headers = self.proxy_challenges(now, false);
                let status = StatusCode::PROXY_AUTHENTICATION_REQUIRED;
                self.refuse(now, from, key, req, Refusal::Challenged, status, &headers);
            }
        }
    }

    /// `Proxy-Authenticate` headers, one per configured algorithm, sharing one nonce.
    pub(super) fn proxy_challenges(
        &mut self,
        now: Time,
        stale: bool,
    ) -> Vec<(&'static str, String)> {
        self.invite_auth
            .challenges(now, stale, &self.config.registrar.algorithms)
            .into_iter()
            .map(|c| ("Proxy-Authenticate", c.to_header_value()))
            .collect()
    }

    /// Answers the INVITE with a final `status` in its own server transaction (no leg,
    /// no media) and reports the refusal.
    #[allow(clippy::too_many_arguments)]
    fn refuse(
        &mut self,
        now: Time,
        from: SocketAddr,
        key: ServerKey,
        req: &Request,
        reason: Refusal,
        status: StatusCode,
        headers: &[(&str, String)],
    ) {
        self.events
            .push_back(EndpointEvent::CallRefused { from, reason });
        let Some(mut t) = InviteServer::new(req, self.config.timers) else {
            return;
        };
        let mut b = req.reply(status);
        for (name, value) in headers {
            b = b.header(name, value.clone());
        }
        if let Ok(resp) = b.build() {
            t.send_response(now, resp);
        }
        self.add_server(key, (from, ServerTx::Invite(Box::new(t))));
    }
}
