//! The registrar (RFC 3261 §10.3) for agents' SIP devices, with digest authentication.
//!
//! Pure like the rest of the core: [`Registrar::handle_register`] takes `now`, the
//! REGISTER and the credential store, and returns the response to send. Bindings expire by
//! [`Registrar::handle_timeout`] at the instant [`Registrar::poll_timeout`] names, and every
//! change in an agent's reachability comes out of [`Registrar::poll_event`].

mod bindings;
mod login;

pub use bindings::{Binding, RegistrarEvent};
pub use login::{Login, LoginPolicy, Logins};

use crate::auth::Authenticator;
use crate::digest::{Algorithm, Credentials, Ha1};
use crate::error::Result;
use crate::grammar::{NameAddr, split_list};
use crate::message::{Request, Response};
use crate::types::{Method, StatusCode, Transport};
use crate::uri::SipUri;
use bindings::Bindings;
use std::net::SocketAddr;
use std::time::Duration;
use switchyard_core::{AgentId, Time};

/// An agent's SIP account, as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The agent this account belongs to.
    pub agent: AgentId,
    /// HA1 of the SIP password for MD5 and SHA-256 (the store holds no clear password).
    pub ha1: Ha1,
}

/// Where agents' SIP credentials live; the server implements it over the store.
pub trait CredentialStore {
    /// The account for a SIP user name (the user part of the agent's AOR).
    fn account(&self, username: &str) -> Option<Account>;
}

/// Registrar policy.
#[derive(Clone, Debug)]
pub struct RegistrarConfig {
    /// Digest realm, usually the SIP domain.
    pub realm: String,
    /// Shortest registration accepted (423 below it), seconds.
    pub min_expires: u32,
    /// Longest registration granted (longer requests are shortened), seconds.
    pub max_expires: u32,
    /// Granted when the REGISTER names no expiry, seconds.
    pub default_expires: u32,
    /// Lockout after wrong responses, per account and per source address: 401 until
    /// then, 403 without checking while locked.
    pub lockout: LoginPolicy,
    /// How long a nonce stays fresh.
    pub nonce_lifetime: Duration,
    /// Digest algorithms offered, most preferred first. RFC 8760 wants SHA-256 first;
    /// clients that take the first challenge and only know MD5 (SIPp 3.6.1, old phones)
    /// need MD5 first.
    pub algorithms: Vec<Algorithm>,
}

impl Default for RegistrarConfig {
    fn default() -> Self {
        RegistrarConfig {
            realm: "switchyard".into(),
            min_expires: 60,
            max_expires: 3600,
            default_expires: 3600,
            lockout: LoginPolicy::default(),
            nonce_lifetime: Duration::from_secs(300),
            algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
        }
    }
}

/// A registered (or static) contact handed to the B2BUA.
pub type Contact = Binding;

/// The registrar.
#[derive(Debug)]
pub struct Registrar {
    config: RegistrarConfig,
    logins: Logins,
    bindings: Bindings,
}

impl Registrar {
    /// A registrar whose nonces are keyed by `secret` (share it between nodes).
    pub fn new(config: RegistrarConfig, secret: &[u8]) -> Registrar {
        let auth = Authenticator::new(config.realm.clone(), secret, config.nonce_lifetime);
        let logins = Logins::new(auth, config.lockout);
        Registrar {
            config,
            logins,
            bindings: Bindings::default(),
        }
    }

    /// Configures a fixed device: `contact` is always a target for `aor`, which makes the
    /// agent reachable without registering.
    pub fn add_static(&mut self, now: Time, agent: AgentId, aor: &str, contact: &str) {
        let aor = SipUri::parse(aor).map_or_else(|| aor.to_owned(), |u| u.aor());
        self.bindings.link(&aor, agent);
        let binding = Binding {
            uri: contact.to_owned(),
            expires_at: None,
            call_id: String::new(),
            cseq: 0,
            source: None,
            transport: Transport::Udp,
            alive: true,
        };
        self.bindings.upsert(&aor, binding);
        self.bindings.refresh(&aor, now);
    }

    /// The contacts of an AOR (`sip:user@domain`) that can take calls now: unexpired and
    /// answering qualify; static ones included.
    pub fn contacts(&self, aor: &str, now: Time) -> Vec<Contact> {
        let aor = SipUri::parse(aor).map_or_else(|| aor.to_owned(), |u| u.aor());
        self.bindings
            .get(&aor, now)
            .into_iter()
            .filter(|b| b.alive)
            .collect()
    }

    /// Every unexpired binding with its AOR, alive or not (what qualify probes).
    pub fn all_bindings(&self, now: Time) -> Vec<(String, Binding)> {
        self.bindings.all(now)
    }

    /// The AORs whose user part is `user` (an agent's SIP user name) and that have
    /// bindings, in order; O(their number), however many phones are registered. Their
    /// live contacts are [`Registrar::contacts`].
    pub fn aors_of_user(&self, user: &str) -> Vec<String> {
        self.bindings.aors_of_user(user)
    }

    /// Records a qualify result; an agent whose last live contact stops answering becomes
    /// unreachable (and reachable again when one answers).
    pub fn set_alive(&mut self, now: Time, aor: &str, uri: &str, alive: bool) {
        if self.bindings.set_alive(aor, uri, alive) {
            self.bindings.refresh(aor, now);
        }
    }

    /// Handles a REGISTER that came from `source` and returns the response to send.
    pub fn handle_register(
        &mut self,
        now: Time,
        req: &Request,
        source: Option<SocketAddr>,
        store: &dyn CredentialStore,
    ) -> Result<Response> {
        if req.method() != Method::Register {
            return req.reply(StatusCode::METHOD_NOT_ALLOWED).build();
        }
        let creds = req
            .header("Authorization")
            .iter()
            .filter_map(|v| Credentials::parse(v).ok().flatten())
            .find(|c| c.realm == self.config.realm);
        let ip = source.map(|s| s.ip());
        match self
            .logins
            .authenticate(now, Method::Register, creds.as_ref(), ip, store)
        {
            Login::Ok { username, agent } => self.register(now, req, source, &username, agent),
            Login::Challenge { stale } => self.challenge(now, req, stale),
            Login::Bad {
                locked_now: false, ..
            } => self.challenge(now, req, false),
            Login::Bad {
                locked_now: true, ..
            }
            | Login::Locked { .. } => req.reply(StatusCode::FORBIDDEN).build(),
        }
    }

    /// Checks digest credentials for another request (an INVITE answered with 407):
    /// the same accounts, nonces and lockout as REGISTER.
    pub fn authenticate(
        &mut self,
        now: Time,
        method: Method,
        creds: Option<&Credentials>,
        source: Option<std::net::IpAddr>,
        store: &dyn CredentialStore,
    ) -> Login {
        self.logins.authenticate(now, method, creds, source, store)
    }

    /// Challenge header values (for `WWW-Authenticate` or `Proxy-Authenticate`), one per
    /// configured algorithm, sharing a fresh nonce.
    pub fn challenge_values(&mut self, now: Time, stale: bool) -> Vec<String> {
        self.logins
            .challenge_values(now, stale, &self.config.algorithms)
    }

    /// Accounts and source addresses locked at `now`.
    pub fn locked(&self, now: Time) -> usize {
        self.logins.locked(now)
    }

    fn challenge(&mut self, now: Time, req: &Request, stale: bool) -> Result<Response> {
        let mut b = req.reply(StatusCode::UNAUTHORIZED);
        for v in self.challenge_values(now, stale) {
            b = b.header("WWW-Authenticate", v);
        }
        b.build()
    }

    fn register(
        &mut self,
        now: Time,
        req: &Request,
        source: Option<SocketAddr>,
        username: &str,
        agent: AgentId,
    ) -> Result<Response> {
        let Some(aor) = SipUri::parse(&req.head().to.uri) else {
            return req.reply(StatusCode::UNSUPPORTED_URI_SCHEME).build();
        };
        // An account may only bind its own AOR.
        if aor.user.as_deref() != Some(username) {
            return req.reply(StatusCode::FORBIDDEN).build();
        }
        let aor = aor.aor();
        self.bindings.link(&aor, agent);
        let header_expires = req.header("Expires").first().map(|v| self.parse_expires(v));
        let mut contacts = Vec::new();
        for value in req.header("Contact") {
            contacts.extend(
                split_list(&value, "Contact")
                    .unwrap_or_default()
                    .into_iter()
                    .map(str::to_owned),
            );
        }
        let (call_id, cseq) = (req.head().call_id.as_str().to_owned(), req.head().cseq);
        let transport = req.head().top_via().transport.clone();
        if contacts.iter().any(|c| c == "*") {
            // §10.3 step 6: "*" only alone and with Expires: 0.
            if contacts.len() != 1 || header_expires != Some(0) {
                return req.reply(StatusCode::BAD_REQUEST).build();
            }
            self.bindings.remove(&aor, None);
        } else {
            let mut updates = Vec::new();
            for c in &contacts {
                let Ok(na) = NameAddr::parse(c, "Contact") else {
                    return req.reply(StatusCode::BAD_REQUEST).build();
                };
                let expires = na
                    .params
                    .value("expires")
                    .map(|v| self.parse_expires(v))
                    .or(header_expires)
                    .unwrap_or(self.config.default_expires);
                if expires != 0 && expires < self.config.min_expires {
                    return req
                        .reply(StatusCode::INTERVAL_TOO_BRIEF)
                        .header("Min-Expires", self.config.min_expires.to_string())
                        .build();
                }
                if let Some(old) = self.bindings.find(&aor, &na.uri) {
                    // §10.3 step 7: an older REGISTER of the same Call-ID arrived late.
                    if old.call_id == call_id && cseq <= old.cseq {
                        return req.reply(StatusCode::SERVER_ERROR).build();
                    }
                }
                updates.push((na.uri, expires.min(self.config.max_expires)));
            }
            for (uri, expires) in updates {
                if expires == 0 {
                    self.bindings.remove(&aor, Some(&uri));
                } else {
                    let expires_at = Some(now + Duration::from_secs(expires.into()));
                    let binding = Binding {
                        uri,
                        expires_at,
                        call_id: call_id.clone(),
                        cseq,
                        source,
                        transport: transport.clone(),
                        alive: true,
                    };
                    self.bindings.upsert(&aor, binding);
                }
            }
        }
        self.bindings.refresh(&aor, now);
        let mut ok = req.reply(StatusCode::OK);
        for b in self.bindings.get(&aor, now) {
            let contact = match b.expires_at {
                Some(at) => format!("<{}>;expires={}", b.uri, at.saturating_since(now).as_secs()),
                None => format!("<{}>", b.uri),
            };
            ok = ok.header("Contact", contact);
        }
        ok.build()
    }

    /// Expiry values beyond 2^32-1 (RFC 4475 scalar02) fall back to the default.
    fn parse_expires(&self, v: &str) -> u32 {
        v.trim()
            .parse::<u32>()
            .unwrap_or(self.config.default_expires)
    }

    /// Lapses bindings due at `now`.
    pub fn handle_timeout(&mut self, now: Time) {
        self.bindings.expire(now);
    }

    /// When the next binding lapses.
    pub fn poll_timeout(&self) -> Option<Time> {
        self.bindings.next_expiry()
    }

    /// Next reachability change.
    pub fn poll_event(&mut self) -> Option<RegistrarEvent> {
        self.bindings.events.pop_front()
    }
}

#[cfg(test)]
mod tests;
