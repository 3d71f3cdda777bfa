//! Digest logins against stored HA1 values, with lockout per account and per source
//! address (see `switchyard_core::lockout`). Shared by REGISTER and, through
//! [`Logins::authenticate`], by any other request that must be authenticated (INVITE
//! with a 407 challenge): one verdict, ok / challenge / locked / bad.

use super::CredentialStore;
use crate::auth::{Authenticator, Verdict};
use crate::digest::{Algorithm, Credentials};
use crate::types::Method;
use std::net::IpAddr;
use std::time::Duration;
pub use switchyard_core::lockout::LoginPolicy;
use switchyard_core::lockout::{FailureOutcome, Lockout};
use switchyard_core::{AgentId, Time};

/// The outcome of [`Logins::authenticate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Login {
    /// Right credentials, fresh nonce, new count.
    Ok {
        /// The user name.
        username: String,
        /// Its agent.
        agent: AgentId,
    },
    /// No usable credentials (none, foreign or expired nonce, replay): send a challenge.
    Challenge {
        /// `stale=true`: right credentials on an expired nonce.
        stale: bool,
    },
    /// The account or the source is locked: refuse without checking anything.
    Locked {
        /// When the lock lifts.
        until: Time,
    },
    /// Wrong credentials (or an unknown user), counted; `locked_now` when this failure
    /// locked the account or the source.
    Bad {
        /// The user name the client claimed.
        username: String,
        /// This failure started a lock.
        locked_now: bool,
    },
}

/// Nonces, their counts and the lockout tables of one realm.
#[derive(Debug)]
pub struct Logins {
    pub(crate) auth: Authenticator,
    accounts: Lockout,
    sources: Lockout,
    last_prune: Time,
}

fn source_key(ip: IpAddr) -> String {
    // An IPv4-mapped IPv6 address is the same source as the IPv4 one.
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

impl Logins {
    /// Logins checked by `auth` under `policy`.
    pub fn new(auth: Authenticator, policy: LoginPolicy) -> Logins {
        Logins {
            auth,
            accounts: Lockout::new(policy.account),
            sources: Lockout::new(policy.source),
            last_prune: Time::ZERO,
        }
    }

    /// Checks a request's digest credentials (already picked for our realm) from
    /// `source` against the HA1 of the account they name.
    pub fn authenticate(
        &mut self,
        now: Time,
        method: Method,
        creds: Option<&Credentials>,
        source: Option<IpAddr>,
        store: &dyn CredentialStore,
    ) -> Login {
        self.prune(now);
        let Some(creds) = creds else {
            // Fetching a challenge neither counts nor resets anything.
            return Login::Challenge { stale: false };
        };
        let src = source.map(source_key);
        let locked = src
            .as_deref()
            .and_then(|k| self.sources.locked_until(now, k))
            .into_iter()
            .chain(self.accounts.locked_until(now, &creds.username))
            .max();
        if let Some(until) = locked {
            metrics::counter!("switchyard_auth_refused_locked_total", "edge" => "sip").increment(1);
            tracing::debug!(user = %creds.username, source = ?src, until_ms = until.as_millis(),
                "SIP login refused: locked");
            return Login::Locked { until };
        }
        let account = store.account(&creds.username);
        match self
            .auth
            .verify(now, method, Some(creds), account.as_ref().map(|a| &a.ha1))
        {
            Verdict::Authorized { username } => {
                self.accounts.success(&username);
                if let Some(k) = &src {
                    self.sources.success(k);
                }
                let agent = account.map(|a| a.agent).unwrap_or(AgentId(0));
                Login::Ok { username, agent }
            }
            Verdict::Challenge { stale } => Login::Challenge { stale },
            Verdict::Replay => Login::Challenge { stale: false },
            Verdict::WrongCredentials { username } => {
                metrics::counter!("switchyard_auth_failures_total", "edge" => "sip").increment(1);
                let mut locked_now = false;
                if let FailureOutcome::Locked { for_, .. } = self.accounts.failure(now, &username) {
                    locked_now = true;
                    metrics::counter!("switchyard_auth_lockouts_total", "edge" => "sip", "key" => "account")
                        .increment(1);
                    tracing::warn!(user = %username, source = ?src, lock_secs = for_.as_secs(),
                        "SIP account locked after repeated failed digest logins");
                }
                if let Some(k) = &src
                    && let FailureOutcome::Locked { for_, .. } = self.sources.failure(now, k)
                {
                    locked_now = true;
                    metrics::counter!("switchyard_auth_lockouts_total", "edge" => "sip", "key" => "source")
                        .increment(1);
                    tracing::warn!(source = %k, user = %username, lock_secs = for_.as_secs(),
                        "SIP source address locked after repeated failed digest logins");
                }
                if locked_now {
                    self.publish(now);
                } else {
                    tracing::info!(user = %username, source = ?src, "SIP digest login failed");
                }
                Login::Bad {
                    username,
                    locked_now,
                }
            }
        }
    }

    /// `WWW-Authenticate` / `Proxy-Authenticate` values for a fresh challenge, one per
    /// algorithm in `algorithms` order, sharing one nonce.
    pub fn challenge_values(
        &mut self,
        now: Time,
        stale: bool,
        algorithms: &[Algorithm],
    ) -> Vec<String> {
        self.auth
            .challenges(now, stale, algorithms)
            .iter()
            .map(|c| c.to_header_value())
            .collect()
    }

    /// Accounts and sources locked at `now`.
    pub fn locked(&self, now: Time) -> usize {
        self.accounts.locked(now) + self.sources.locked(now)
    }

    /// Forgets quiet entries (at most every 10 s) and refreshes the gauge.
    fn prune(&mut self, now: Time) {
        if now.saturating_since(self.last_prune) < Duration::from_secs(10) {
            return;
        }
        self.last_prune = now;
        self.accounts.prune(now);
        self.sources.prune(now);
        self.publish(now);
    }

    fn publish(&self, now: Time) {
        metrics::gauge!("switchyard_auth_locked", "edge" => "sip").set(self.locked(now) as f64);
    }
}
