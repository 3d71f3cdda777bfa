//! Server side of digest authentication: stateless nonces that expire, nonce-count
//! replay protection, and the verdict on a request's credentials.
//!
//! A nonce is `hex(issued_ms) hex(serial) hex(mac)` where mac is HMAC-SHA-256 over the
//! first two and the realm under a server secret. Any node holding the secret can check
//! it without shared state; only the nonce-count high-water marks are node-local.

use crate::digest::{Algorithm, Challenge, Credentials, DigestInput, Ha1, constant_time_eq};
use crate::types::Method;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::time::Duration;
use switchyard_core::Time;

/// HMAC-SHA-256 (RFC 2104) with the `hmac` crate.
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// The outcome of checking a request's credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Credentials are right, the nonce fresh and its count new.
    Authorized {
        /// The authenticated user name.
        username: String,
    },
    /// No usable credentials (none, other scheme, foreign or forged nonce): challenge.
    /// `stale` when the credentials were right but the nonce expired.
    Challenge {
        /// Set `stale=true` in the challenge.
        stale: bool,
    },
    /// A response that does not match the password (or an unknown user).
    WrongCredentials {
        /// The user name the client claimed.
        username: String,
    },
    /// A nonce count not above the last one seen for this nonce: a replay.
    Replay,
}

/// Issues challenges and checks credentials for one realm.
#[derive(Debug)]
pub struct Authenticator {
    realm: String,
    secret: Vec<u8>,
    lifetime: Duration,
    serial: u32,
    counts: HashMap<String, (Time, u32)>,
}

impl Authenticator {
    /// `secret` should be random and shared by all nodes; `lifetime` is how long a nonce
    /// stays fresh (RFC 8760 leaves it to the server; a few minutes is usual).
    pub fn new(realm: impl Into<String>, secret: &[u8], lifetime: Duration) -> Authenticator {
        Authenticator {
            realm: realm.into(),
            secret: secret.to_vec(),
            lifetime,
            serial: 0,
            counts: HashMap::new(),
        }
    }

    /// The realm.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    fn mac(&self, issued: u64, serial: u32) -> String {
        let msg = format!("{issued:016x}{serial:08x}{}", self.realm);
        hex::encode(&hmac_sha256(&self.secret, msg.as_bytes())[..16])
    }

    /// A fresh nonce.
    pub fn nonce(&mut self, now: Time) -> String {
        self.serial = self.serial.wrapping_add(1);
        let issued = now.as_millis();
        format!(
            "{issued:016x}{:08x}{}",
            self.serial,
            self.mac(issued, self.serial)
        )
    }

    /// The challenges for a 401, one per algorithm in preference order (RFC 8760 §2.4
    /// wants SHA-256 before MD5), all with the same nonce.
    pub fn challenges(
        &mut self,
        now: Time,
        stale: bool,
        algorithms: &[Algorithm],
    ) -> Vec<Challenge> {
        let nonce = self.nonce(now);
        algorithms
            .iter()
            .copied()
            .map(|algorithm| Challenge {
                realm: self.realm.clone(),
                nonce: nonce.clone(),
                algorithm,
                stale,
            })
            .collect()
    }

    /// When the nonce was issued, if we issued it.
    fn issued(&self, nonce: &str) -> Option<Time> {
        if nonce.len() != 16 + 8 + 32 || !nonce.is_ascii() {
            return None;
        }
        let issued = u64::from_str_radix(&nonce[..16], 16).ok()?;
        let serial = u32::from_str_radix(&nonce[16..24], 16).ok()?;
        constant_time_eq(self.mac(issued, serial).as_bytes(), &nonce.as_bytes()[24..])
            .then_some(Time(issued))
    }

    /// Checks `creds` for a request with `method`; `ha1` is the stored HA1 pair of
    /// `creds.username` (`None` for an unknown user, which reads as wrong credentials).
    pub fn verify(
        &mut self,
        now: Time,
        method: Method,
        creds: Option<&Credentials>,
        ha1: Option<&Ha1>,
    ) -> Verdict {
        let Some(creds) = creds else {
            return Verdict::Challenge { stale: false };
        };
        let Some(issued) = self.issued(&creds.nonce) else {
            return Verdict::Challenge { stale: false };
        };
        // We always offer qop=auth; without it there is no nonce count to stop replays.
        let Some((nc, cnonce)) = &creds.qop_auth else {
            return Verdict::Challenge { stale: false };
        };
        // Nodes' clocks may differ a little: a nonce from a peer node slightly ahead is fine.
        if creds.realm != self.realm || issued > now + Duration::from_secs(5) {
            return Verdict::Challenge { stale: false };
        }
        let wrong = Verdict::WrongCredentials {
            username: creds.username.clone(),
        };
        let Some(ha1) = ha1 else {
            return wrong;
        };
        let nc_hex = format!("{nc:08x}");
        let expected = DigestInput {
            algorithm: creds.algorithm,
            username: &creds.username,
            realm: &self.realm,
            password: "",
            method: method.as_str(),
            uri: &creds.uri,
            nonce: &creds.nonce,
            qop_auth: Some((&nc_hex, cnonce)),
        }
        .response_from_ha1(ha1.get(creds.algorithm));
        if !constant_time_eq(expected.as_bytes(), creds.response.as_bytes()) {
            return wrong;
        }
        if now.saturating_since(issued) > self.lifetime {
            return Verdict::Challenge { stale: true };
        }
        self.prune(now);
        let last = self
            .counts
            .entry(creds.nonce.clone())
            .or_insert((issued, 0));
        if *nc <= last.1 {
            return Verdict::Replay;
        }
        last.1 = *nc;
        Verdict::Authorized {
            username: creds.username.clone(),
        }
    }

    fn prune(&mut self, now: Time) {
        let lifetime = self.lifetime;
        self.counts
            .retain(|_, (issued, _)| now.saturating_since(*issued) <= lifetime);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Time = Time(1_700_000_000_000);
    const BOTH: [Algorithm; 2] = [Algorithm::Sha256, Algorithm::Md5];

    fn creds(ch: &Challenge, password: &str, nc: u32) -> Credentials {
        let v = Credentials::answer(
            ch,
            "1001",
            password,
            "REGISTER",
            "sip:example.com",
            nc,
            "c0ffee",
        );
        Credentials::parse(&v).unwrap().unwrap()
    }

    fn ha1(password: &str) -> Ha1 {
        Ha1::from_password("1001", "example.com", password)
    }

    fn auth() -> Authenticator {
        Authenticator::new("example.com", b"server secret", Duration::from_secs(300))
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn both_algorithms_authorize_and_replays_are_refused() {
        let mut a = auth();
        for alg in [Algorithm::Sha256, Algorithm::Md5] {
            // Both challenges of one 401 share a nonce; each round takes a new 401.
            let ch = a
                .challenges(T0, false, &BOTH)
                .into_iter()
                .find(|c| c.algorithm == alg)
                .unwrap();
            let c = creds(&ch, "secret", 1);
            let ok = a.verify(T0, Method::Register, Some(&c), Some(&ha1("secret")));
            assert_eq!(
                ok,
                Verdict::Authorized {
                    username: "1001".into()
                },
                "{}",
                ch.algorithm
            );
            assert_eq!(
                a.verify(T0, Method::Register, Some(&c), Some(&ha1("secret"))),
                Verdict::Replay
            );
            let c2 = creds(&ch, "secret", 2);
            assert!(matches!(
                a.verify(T0, Method::Register, Some(&c2), Some(&ha1("secret"))),
                Verdict::Authorized { .. }
            ));
        }
    }

    #[test]
    fn wrong_password_unknown_user_and_forged_nonce() {
        let mut a = auth();
        let ch = a.challenges(T0, false, &BOTH).remove(0);
        let c = creds(&ch, "guess", 1);
        assert!(matches!(
            a.verify(T0, Method::Register, Some(&c), Some(&ha1("secret"))),
            Verdict::WrongCredentials { .. }
        ));
        assert!(matches!(
            a.verify(T0, Method::Register, Some(&c), None),
            Verdict::WrongCredentials { .. }
        ));
        let mut forged = ch.clone();
        forged
            .nonce
            .replace_range(30..31, if &ch.nonce[30..31] == "0" { "1" } else { "0" });
        let c = creds(&forged, "secret", 1);
        assert_eq!(
            a.verify(T0, Method::Register, Some(&c), Some(&ha1("secret"))),
            Verdict::Challenge { stale: false }
        );
        let other =
            Authenticator::new("example.com", b"other secret", Duration::from_secs(300)).nonce(T0);
        assert!(a.issued(&other).is_none());
    }

    #[test]
    fn expired_nonce_with_right_password_is_stale() {
        let mut a = auth();
        let ch = a.challenges(T0, false, &BOTH).remove(0);
        let c = creds(&ch, "secret", 1);
        let later = T0 + Duration::from_secs(301);
        assert_eq!(
            a.verify(later, Method::Register, Some(&c), Some(&ha1("secret"))),
            Verdict::Challenge { stale: true }
        );
        let ch = a.challenges(later, true, &BOTH).remove(0);
        assert!(ch.to_header_value().ends_with("stale=true"));
    }
}
