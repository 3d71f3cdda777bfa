//! HTTP Digest for SIP (RFC 2617, RFC 7616 algorithms, RFC 8760 for SIP): header values
//! and the response computation. Nonce issuing and checking live in `auth`.

use crate::error::Problem;
use crate::grammar::split_list;
use md5::Md5;
use sha2::{Digest as _, Sha256};
use std::fmt;

/// A digest algorithm. SIP endpoints must offer SHA-256 first and may also offer MD5
/// for older phones (RFC 8760 §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `MD5` (the default when a peer names none).
    Md5,
    /// `SHA-256`.
    Sha256,
}

impl Algorithm {
    /// The token on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    fn from_token(s: &str) -> Option<Algorithm> {
        match s.to_ascii_uppercase().as_str() {
            "MD5" => Some(Algorithm::Md5),
            "SHA-256" => Some(Algorithm::Sha256),
            _ => None,
        }
    }

    /// Lower-case hex of the hash of `data`.
    pub fn hex(self, data: &str) -> String {
        match self {
            Algorithm::Md5 => hex::encode(Md5::digest(data.as_bytes())),
            Algorithm::Sha256 => hex::encode(Sha256::digest(data.as_bytes())),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The inputs of a digest response with `qop=auth` (or none, RFC 2069 style, when
/// `cnonce`/`nc` are absent).
#[derive(Clone, Copy, Debug)]
pub struct DigestInput<'a> {
    /// Hash algorithm.
    pub algorithm: Algorithm,
    /// User name.
    pub username: &'a str,
    /// Realm.
    pub realm: &'a str,
    /// Password.
    pub password: &'a str,
    /// Request method (`REGISTER`; `GET` in the RFC 2617 example).
    pub method: &'a str,
    /// The digest-uri the client sent.
    pub uri: &'a str,
    /// Server nonce.
    pub nonce: &'a str,
    /// Nonce count as 8 hex digits and client nonce, for qop=auth.
    pub qop_auth: Option<(&'a str, &'a str)>,
}

/// The stored form of a SIP password: HA1 = H(user:realm:password) for each algorithm,
/// lower-case hex. It depends on the user name and the realm; it is as good as the
/// password for logging in to this realm, so it is kept as secret as one, but it does
/// not reveal the password itself and is useless in another realm.
#[derive(Clone, PartialEq, Eq)]
pub struct Ha1 {
    /// MD5 HA1 (32 hex digits).
    pub md5: String,
    /// SHA-256 HA1 (64 hex digits).
    pub sha256: String,
}

impl fmt::Debug for Ha1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ha1(..)")
    }
}

impl Ha1 {
    /// HA1 of both algorithms for a password.
    pub fn from_password(username: &str, realm: &str, password: &str) -> Ha1 {
        let a1 = format!("{username}:{realm}:{password}");
        Ha1 {
            md5: Algorithm::Md5.hex(&a1),
            sha256: Algorithm::Sha256.hex(&a1),
        }
    }

    /// The HA1 of one algorithm.
    pub fn get(&self, algorithm: Algorithm) -> &str {
        match algorithm {
            Algorithm::Md5 => &self.md5,
            Algorithm::Sha256 => &self.sha256,
        }
    }
}

impl DigestInput<'_> {
    /// The expected `response` value.
    pub fn response(&self) -> String {
        let ha1 = self.algorithm.hex(&format!(
            "{}:{}:{}",
            self.username, self.realm, self.password
        ));
        self.response_from_ha1(&ha1)
    }

    /// The expected `response` value from a stored HA1 (`password` is not used).
    pub fn response_from_ha1(&self, ha1: &str) -> String {
        let h = |s: &str| self.algorithm.hex(s);
        let ha2 = h(&format!("{}:{}", self.method, self.uri));
        match self.qop_auth {
            Some((nc, cnonce)) => h(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", self.nonce)),
            None => h(&format!("{ha1}:{}:{ha2}", self.nonce)),
        }
    }
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A `WWW-Authenticate: Digest ...` challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// Realm.
    pub realm: String,
    /// Server nonce.
    pub nonce: String,
    /// Algorithm.
    pub algorithm: Algorithm,
    /// The previous nonce expired but the credentials were right: retry without a prompt.
    pub stale: bool,
}

impl Challenge {
    /// The header value.
    pub fn to_header_value(&self) -> String {
        let stale = if self.stale { ", stale=true" } else { "" };
        format!(
            "Digest realm=\"{}\", nonce=\"{}\", algorithm={}, qop=\"auth\"{stale}",
            self.realm, self.nonce, self.algorithm
        )
    }
}

/// An `Authorization: Digest ...` header, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Realm.
    pub realm: String,
    /// Nonce echoed from the challenge.
    pub nonce: String,
    /// digest-uri.
    pub uri: String,
    /// The client's response hash (hex).
    pub response: String,
    /// Algorithm (MD5 when absent).
    pub algorithm: Algorithm,
    /// `qop=auth` with its nonce count and client nonce.
    pub qop_auth: Option<(u32, String)>,
}

impl Credentials {
    /// Parses a header value; `Ok(None)` for schemes other than Digest (RFC 4475 regaut01)
    /// and unknown algorithms, which are treated as absent credentials.
    pub fn parse(value: &str) -> Result<Option<Credentials>, Problem> {
        let bad = Problem::BadHeader("Authorization");
        let value = value.trim();
        let Some((scheme, rest)) = value.split_once([' ', '\t']) else {
            return Ok(None);
        };
        if !scheme.eq_ignore_ascii_case("Digest") {
            return Ok(None);
        }
        let mut fields = Vec::new();
        for item in split_list(rest, "Authorization")? {
            let (k, v) = item.split_once('=').ok_or(bad)?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            fields.push((k.trim().to_ascii_lowercase(), v.to_owned()));
        }
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let algorithm = match get("algorithm") {
            None => Algorithm::Md5,
            Some(a) => match Algorithm::from_token(&a) {
                Some(a) => a,
                None => return Ok(None),
            },
        };
        let qop_auth = match get("qop") {
            None => None,
            Some(q) if q.eq_ignore_ascii_case("auth") => {
                let nc = get("nc").ok_or(bad)?;
                let nc = u32::from_str_radix(&nc, 16).map_err(|_| bad)?;
                Some((nc, get("cnonce").ok_or(bad)?))
            }
            Some(_) => return Err(bad),
        };
        Ok(Some(Credentials {
            username: get("username").ok_or(bad)?,
            realm: get("realm").ok_or(bad)?,
            nonce: get("nonce").ok_or(bad)?,
            uri: get("uri").ok_or(bad)?,
            response: get("response").ok_or(bad)?.to_ascii_lowercase(),
            algorithm,
            qop_auth,
        }))
    }

    /// Builds the header value a client would send (used by tests and outbound registration).
    pub fn answer(
        challenge: &Challenge,
        username: &str,
        password: &str,
        method: &str,
        uri: &str,
        nc: u32,
        cnonce: &str,
    ) -> String {
        let nc_hex = format!("{nc:08x}");
        let response = DigestInput {
            algorithm: challenge.algorithm,
            username,
            realm: &challenge.realm,
            password,
            method,
            uri,
            nonce: &challenge.nonce,
            qop_auth: Some((&nc_hex, cnonce)),
        }
        .response();
        format!(
            "Digest username=\"{username}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", \
             response=\"{response}\", algorithm={}, qop=auth, nc={nc_hex}, cnonce=\"{cnonce}\"",
            challenge.realm, challenge.nonce, challenge.algorithm
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2617_section_3_5_example() {
        let input = DigestInput {
            algorithm: Algorithm::Md5,
            username: "Mufasa",
            realm: "testrealm@host.com",
            password: "Circle Of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            qop_auth: Some(("00000001", "0a4f113b")),
        };
        assert_eq!(input.response(), "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn rfc7616_section_3_9_1_examples() {
        let mut input = DigestInput {
            algorithm: Algorithm::Sha256,
            username: "Mufasa",
            realm: "http-auth@example.org",
            password: "Circle of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            qop_auth: Some(("00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")),
        };
        assert_eq!(
            input.response(),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
        input.algorithm = Algorithm::Md5;
        assert_eq!(input.response(), "8ca523f5e9506fed4657c9700eebdbec");
    }

    #[test]
    fn parses_authorization_and_ignores_unknown_schemes() {
        let v = r#"Digest username="Mufasa", realm="testrealm@host.com", nonce="abc", uri="sip:example.com", qop=auth, nc=0000000a, cnonce="0a4f113b", response="6629FAE49393A05397450978507C4EF1", algorithm=SHA-256"#;
        let c = Credentials::parse(v).unwrap().unwrap();
        assert_eq!(c.username, "Mufasa");
        assert_eq!(c.qop_auth, Some((10, "0a4f113b".to_owned())));
        assert_eq!(c.algorithm, Algorithm::Sha256);
        assert_eq!(c.response, "6629fae49393a05397450978507c4ef1");
        assert_eq!(
            Credentials::parse("NoOneKnowsThisScheme opaque-data=here").unwrap(),
            None
        );
    }

    #[test]
    fn constant_time_compare() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
