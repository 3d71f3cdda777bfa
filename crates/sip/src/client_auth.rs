//! Client side of digest authentication (RFC 3261 §22.2–22.3, RFC 2617, RFC 8760): parse
//! the `WWW-Authenticate` / `Proxy-Authenticate` challenges of a 401/407 and compute the
//! `Authorization` / `Proxy-Authorization` value for the retried request.
//!
//! Used by outgoing calls through a trunk that challenges INVITEs
//! ([`crate::endpoint::Endpoint::place_call_with`]). Both `qop=auth` (with `cnonce` and
//! `nc`) and challenges without `qop` (RFC 2069 style) are answered; `opaque` is echoed.
//! Only `Digest` with MD5 or SHA-256 is understood; other schemes, `auth-int`-only
//! challenges and other algorithms are ignored (the call then fails with the status).

use crate::digest::{Algorithm, DigestInput};
use crate::grammar::split_list;
use crate::message::Response;
use crate::types::StatusCode;

/// A user name and password for a trunk or proxy that challenges our requests.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// The user name (often the trunk account or the DID).
    pub username: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for ClientCredentials {
    // Never print the password in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Which header carried the challenge, and so which header answers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeKind {
    /// `WWW-Authenticate` in a 401, answered with `Authorization`.
    Www,
    /// `Proxy-Authenticate` in a 407, answered with `Proxy-Authorization`.
    Proxy,
}

impl ChallengeKind {
    /// The header that carries the challenge.
    pub fn challenge_header(self) -> &'static str {
        match self {
            ChallengeKind::Www => "WWW-Authenticate",
            ChallengeKind::Proxy => "Proxy-Authenticate",
        }
    }

    /// The header that carries our answer.
    pub fn answer_header(self) -> &'static str {
        match self {
            ChallengeKind::Www => "Authorization",
            ChallengeKind::Proxy => "Proxy-Authorization",
        }
    }
}

/// One digest challenge as a client reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientChallenge {
    /// 401 or 407.
    pub kind: ChallengeKind,
    /// Realm.
    pub realm: String,
    /// Server nonce.
    pub nonce: String,
    /// Algorithm (MD5 when the challenge names none).
    pub algorithm: Algorithm,
    /// Opaque value to echo.
    pub opaque: Option<String>,
    /// The server offered `qop=auth`: answer with `cnonce` and `nc`.
    pub qop_auth: bool,
    /// `stale=true`.
    pub stale: bool,
}

fn unquote(v: &str) -> &str {
    let v = v.trim();
    v.strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v)
}

impl ClientChallenge {
    /// Parses one header value. `None` for other schemes, unknown algorithms, a missing
    /// realm or nonce, or a `qop` list that does not contain `auth`.
    pub fn parse(kind: ChallengeKind, value: &str) -> Option<ClientChallenge> {
        let value = value.trim();
        let (scheme, rest) = value.split_once([' ', '\t'])?;
        if !scheme.eq_ignore_ascii_case("Digest") {
            return None;
        }
        let mut fields = Vec::new();
        for item in split_list(rest, "WWW-Authenticate").ok()? {
            let Some((k, v)) = item.split_once('=') else {
                continue;
            };
            fields.push((k.trim().to_ascii_lowercase(), unquote(v).to_owned()));
        }
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let algorithm = match get("algorithm") {
            None => Algorithm::Md5,
            Some(a) if a.eq_ignore_ascii_case("MD5") => Algorithm::Md5,
            Some(a) if a.eq_ignore_ascii_case("SHA-256") => Algorithm::Sha256,
            Some(_) => return None,
        };
        let qop_auth = match get("qop") {
            None => false,
            Some(q) if q.split(',').any(|o| o.trim().eq_ignore_ascii_case("auth")) => true,
            Some(_) => return None,
        };
        Some(ClientChallenge {
            kind,
            realm: get("realm")?,
            nonce: get("nonce")?,
            algorithm,
            opaque: get("opaque"),
            qop_auth,
            stale: get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
        })
    }

    /// The challenges of a 401 or 407 we can answer, one per realm: where a realm offers
    /// several algorithms (RFC 8760 §2.4), SHA-256 is preferred over MD5. Empty for other
    /// statuses or when nothing is usable.
    pub fn from_response(resp: &Response) -> Vec<ClientChallenge> {
        let kind = match resp.status() {
            StatusCode::UNAUTHORIZED => ChallengeKind::Www,
            StatusCode::PROXY_AUTHENTICATION_REQUIRED => ChallengeKind::Proxy,
            _ => return Vec::new(),
        };
        let mut best: Vec<ClientChallenge> = Vec::new();
        for value in resp.header(kind.challenge_header()) {
            let Some(c) = ClientChallenge::parse(kind, &value) else {
                continue;
            };
            match best.iter_mut().find(|b| b.realm == c.realm) {
                Some(b) if b.algorithm == Algorithm::Md5 && c.algorithm == Algorithm::Sha256 => {
                    *b = c
                }
                Some(_) => {}
                None => best.push(c),
            }
        }
        best
    }

    /// The answer header value for a request with `method` to `uri`. `cnonce` is our
    /// client nonce and `nc` the count of requests sent with this nonce (1 for the first);
    /// both are left out when the server offered no `qop`.
    pub fn answer(
        &self,
        creds: &ClientCredentials,
        method: &str,
        uri: &str,
        nc: u32,
        cnonce: &str,
    ) -> String {
        let nc_hex = format!("{nc:08x}");
        let response = DigestInput {
            algorithm: self.algorithm,
            username: &creds.username,
            realm: &self.realm,
            password: &creds.password,
            method,
            uri,
            nonce: &self.nonce,
            qop_auth: self.qop_auth.then_some((nc_hex.as_str(), cnonce)),
        }
        .response();
        let mut v = format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", \
             response=\"{response}\", algorithm={}",
            creds.username, self.realm, self.nonce, self.algorithm
        );
        if self.qop_auth {
            v.push_str(&format!(", qop=auth, nc={nc_hex}, cnonce=\"{cnonce}\""));
        }
        if let Some(o) = &self.opaque {
            v.push_str(&format!(", opaque=\"{o}\""));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Authenticator, Verdict};
    use crate::digest::Credentials;
    use crate::types::Method;
    use std::time::Duration;
    use switchyard_core::Time;

    const T0: Time = Time(1_700_000_000_000);

    fn creds() -> ClientCredentials {
        ClientCredentials {
            username: "trunk1".into(),
            password: "s3cret".into(),
        }
    }

    #[test]
    fn parses_qop_lists_opaque_stale_and_default_algorithm() {
        let c = ClientChallenge::parse(
            ChallengeKind::Proxy,
            r#"Digest realm="trunk.example", nonce="n1", qop="auth,auth-int", opaque="op, aque", stale=TRUE"#,
        )
        .unwrap();
        assert_eq!(c.realm, "trunk.example");
        assert_eq!(c.algorithm, Algorithm::Md5);
        assert!(c.qop_auth && c.stale);
        assert_eq!(c.opaque.as_deref(), Some("op, aque"));
        assert!(ClientChallenge::parse(ChallengeKind::Www, "Basic realm=\"x\"").is_none());
        assert!(
            ClientChallenge::parse(
                ChallengeKind::Www,
                r#"Digest realm="x", nonce="n", qop="auth-int""#
            )
            .is_none()
        );
        assert!(
            ClientChallenge::parse(
                ChallengeKind::Www,
                r#"Digest realm="x", nonce="n", algorithm=SHA-512-256"#
            )
            .is_none()
        );
        assert!(ClientChallenge::parse(ChallengeKind::Www, r#"Digest nonce="n""#).is_none());
    }

    #[test]
    fn answers_verify_with_our_own_authenticator_for_both_algorithms() {
        let mut server = Authenticator::new("trunk.example", b"k", Duration::from_secs(60));
        for alg in [Algorithm::Sha256, Algorithm::Md5] {
            let ch = server
                .challenges(T0, false, &[alg])
                .remove(0)
                .to_header_value();
            let c = ClientChallenge::parse(ChallengeKind::Www, &ch).unwrap();
            assert_eq!(c.algorithm, alg);
            let v = c.answer(&creds(), "INVITE", "sip:+15550100@192.0.2.9", 1, "abc123");
            let parsed = Credentials::parse(&v).unwrap().unwrap();
            assert_eq!(
                server.verify(
                    T0,
                    Method::Invite,
                    Some(&parsed),
                    Some(&crate::digest::Ha1::from_password(
                        "trunk1",
                        "trunk.example",
                        "s3cret"
                    ))
                ),
                Verdict::Authorized {
                    username: "trunk1".into()
                }
            );
            let wrong = c.answer(
                &ClientCredentials {
                    password: "nope".into(),
                    ..creds()
                },
                "INVITE",
                "sip:+15550100@192.0.2.9",
                1,
                "abc123",
            );
            let parsed = Credentials::parse(&wrong).unwrap().unwrap();
            assert!(matches!(
                server.verify(
                    T0,
                    Method::Invite,
                    Some(&parsed),
                    Some(&crate::digest::Ha1::from_password(
                        "trunk1",
                        "trunk.example",
                        "s3cret"
                    ))
                ),
                Verdict::WrongCredentials { .. }
            ));
        }
    }

    #[test]
    fn without_qop_the_answer_is_rfc2069_style() {
        let c = ClientChallenge::parse(
            ChallengeKind::Www,
            r#"Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        )
        .unwrap();
        let v = c.answer(
            &ClientCredentials {
                username: "Mufasa".into(),
                password: "CircleOfLife".into(),
            },
            "GET",
            "/dir/index.html",
            1,
            "ignored",
        );
        // RFC 2069 §2.4 example (the corrected value of its erratum).
        assert!(
            v.contains("response=\"1949323746fe6a43ef61f9606e7febea\""),
            "{v}"
        );
        assert!(!v.contains("qop") && !v.contains("cnonce"));
        assert!(v.ends_with("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""));
    }
}
