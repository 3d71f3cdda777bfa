//! Signed priority tokens and resume tokens.
//!
//! A priority token lets the embedding site raise a customer's priority without the
//! customer being able to forge it: `<priority>.<expiry unix secs>.<hex HMAC-SHA256>`
//! over `<priority>.<expiry>` with the server's chat secret. The site's back end mints
//! it (or asks `POST /chat/v1/priority-tokens`) and puts it in the widget tag.

use rand::RngCore;
use sha2::{Digest, Sha256};

const BLOCK: usize = 64;

/// HMAC-SHA256 (RFC 2104) of `msg` under `key`.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize()
        .into()
}

/// Mints a priority token valid until `expires_secs` (Unix seconds).
pub fn sign_priority(secret: &[u8], priority: i32, expires_secs: u64) -> String {
    let body = format!("{priority}.{expires_secs}");
    let mac = hmac_sha256(secret, body.as_bytes());
    format!("{body}.{}", hex::encode(mac))
}

/// Why a priority token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenProblem {
    /// Not `<priority>.<expiry>.<mac>`.
    Malformed,
    /// The MAC does not match.
    BadSignature,
    /// Past its expiry.
    Expired,
}

/// Checks a priority token at `now_secs` and returns its priority.
pub fn verify_priority(secret: &[u8], token: &str, now_secs: u64) -> Result<i32, TokenProblem> {
    let mut parts = token.trim().splitn(3, '.');
    let (Some(p), Some(exp), Some(mac)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(TokenProblem::Malformed);
    };
    let priority: i32 = p.parse().map_err(|_| TokenProblem::Malformed)?;
    let expires: u64 = exp.parse().map_err(|_| TokenProblem::Malformed)?;
    let given = hex::decode(mac).map_err(|_| TokenProblem::Malformed)?;
    let want = hmac_sha256(secret, format!("{p}.{exp}").as_bytes());
    // Constant-time comparison: the MAC is a secret-derived value.
    if given.len() != want.len() || given.iter().zip(want).fold(0u8, |a, (x, y)| a | (x ^ y)) != 0 {
        return Err(TokenProblem::BadSignature);
    }
    if now_secs > expires {
        return Err(TokenProblem::Expired);
    }
    Ok(priority)
}

/// A fresh unguessable resume token (128 random bits, hex).
pub fn resume_token() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// A fresh random secret for signing when none is configured.
pub fn random_secret() -> Vec<u8> {
    let mut b = vec![0u8; 32];
    rand::rng().fill_bytes(&mut b);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn priority_tokens_verify_and_resist_forgery() {
        let t = sign_priority(b"k", 5, 1000);
        assert_eq!(verify_priority(b"k", &t, 999), Ok(5));
        assert_eq!(verify_priority(b"k", &t, 1001), Err(TokenProblem::Expired));
        assert_eq!(
            verify_priority(b"other", &t, 1),
            Err(TokenProblem::BadSignature)
        );
        let forged = t.replacen("5.", "9.", 1);
        assert_eq!(
            verify_priority(b"k", &forged, 1),
            Err(TokenProblem::BadSignature)
        );
        assert_eq!(
            verify_priority(b"k", "nope", 1),
            Err(TokenProblem::Malformed)
        );
        assert_ne!(resume_token(), resume_token());
    }
}
