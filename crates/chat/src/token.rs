//! Signed priority (widget) tokens and resume tokens.
//!
//! A priority token lets the embedding site raise a customer's priority without the
//! customer being able to forge it. It is bound to one tenant and one queue and expires:
//! `v2.<tenant>.<queue>.<priority>.<expiry unix secs>.<hex HMAC-SHA256>`, the MAC over
//! everything before it, keyed with the **tenant's** signing key (generated per tenant,
//! stored in the database, rotatable with `POST /chat/v1/token-secret/rotate`). A token
//! minted for one tenant or queue is refused on any other, and rotating the key voids
//! every token signed before. The site's back end asks `POST /chat/v1/priority-tokens`
//! (tenant admin) and puts the token in the widget tag.

use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const VERSION: &str = "v2";

fn mac(secret: &[u8], body: &str) -> HmacSha256 {
    let mut m = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    m.update(body.as_bytes());
    m
}

/// What a priority token grants, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriorityGrant {
    /// The tenant it was minted for.
    pub tenant: u64,
    /// The queue it was minted for.
    pub queue: u64,
    /// The priority it raises the customer to.
    pub priority: i32,
    /// Unix seconds after which it is refused.
    pub expires_secs: u64,
}

/// Mints a priority token under the tenant's signing key.
pub fn sign_priority(secret: &[u8], g: PriorityGrant) -> String {
    let body = format!(
        "{VERSION}.{}.{}.{}.{}",
        g.tenant, g.queue, g.priority, g.expires_secs
    );
    let tag = mac(secret, &body).finalize().into_bytes();
    format!("{body}.{}", hex::encode(tag))
}

/// Why a priority token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenProblem {
    /// Not `v2.<tenant>.<queue>.<priority>.<expiry>.<mac>`.
    Malformed,
    /// The MAC does not match this tenant's key (forged, another tenant's, or signed
    /// before the key was rotated).
    BadSignature,
    /// Minted for another tenant.
    WrongTenant,
    /// Minted for another queue.
    WrongQueue,
    /// Past its expiry.
    Expired,
}

/// Checks a priority token presented to `tenant`'s `queue` at `now_secs`, under that
/// tenant's key, and returns its priority. The MAC is compared in constant time.
pub fn verify_priority(
    secret: &[u8],
    token: &str,
    tenant: u64,
    queue: u64,
    now_secs: u64,
) -> Result<i32, TokenProblem> {
    let token = token.trim();
    if token.len() > 200 {
        return Err(TokenProblem::Malformed);
    }
    let (body, tag) = token.rsplit_once('.').ok_or(TokenProblem::Malformed)?;
    let parts: Vec<&str> = body.split('.').collect();
    let [VERSION, t, q, p, exp] = parts[..] else {
        return Err(TokenProblem::Malformed);
    };
    let bad = |_| TokenProblem::Malformed;
    let (t, q): (u64, u64) = (t.parse().map_err(bad)?, q.parse().map_err(bad)?);
    let priority: i32 = p.parse().map_err(bad)?;
    let expires: u64 = exp.parse().map_err(bad)?;
    let given = hex::decode(tag).map_err(|_| TokenProblem::Malformed)?;
    mac(secret, body)
        .verify_slice(&given)
        .map_err(|_| TokenProblem::BadSignature)?;
    if t != tenant {
        return Err(TokenProblem::WrongTenant);
    }
    if q != queue {
        return Err(TokenProblem::WrongQueue);
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

#[cfg(test)]
mod tests {
    use super::*;

    const G: PriorityGrant = PriorityGrant {
        tenant: 7,
        queue: 70,
        priority: 5,
        expires_secs: 1000,
    };

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let tag = mac(b"Jefe", "what do ya want for nothing?")
            .finalize()
            .into_bytes();
        assert_eq!(
            hex::encode(tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_token_verifies_only_for_its_tenant_queue_and_time() {
        let t = sign_priority(b"k", G);
        assert_eq!(verify_priority(b"k", &t, 7, 70, 999), Ok(5));
        assert_eq!(
            verify_priority(b"k", &t, 7, 70, 1001),
            Err(TokenProblem::Expired)
        );
        assert_eq!(
            verify_priority(b"k", &t, 8, 70, 1),
            Err(TokenProblem::WrongTenant)
        );
        assert_eq!(
            verify_priority(b"k", &t, 7, 71, 1),
            Err(TokenProblem::WrongQueue)
        );
        // Another tenant's key (or a rotated one): the signature fails first.
        assert_eq!(
            verify_priority(b"other", &t, 7, 70, 1),
            Err(TokenProblem::BadSignature)
        );
    }

    #[test]
    fn tampering_is_refused() {
        let t = sign_priority(b"k", G);
        for forged in [
            t.replacen(".5.", ".9.", 1),
            t.replacen("v2.7.", "v2.8.", 1),
            t.replacen(".70.", ".71.", 1),
            t.replacen(".1000.", ".9999.", 1),
        ] {
            assert_ne!(forged, t);
            assert_eq!(
                verify_priority(b"k", &forged, 7, 70, 1),
                Err(TokenProblem::BadSignature),
                "{forged}"
            );
        }
        let short = &t[..t.len() - 2];
        assert_eq!(
            verify_priority(b"k", short, 7, 70, 1),
            Err(TokenProblem::BadSignature)
        );
        for junk in [
            "nope",
            "1.2.ff",
            "v1.7.70.5.1000.00",
            "v2.7.70.x.1000.00",
            "",
        ] {
            assert_eq!(
                verify_priority(b"k", junk, 7, 70, 1),
                Err(TokenProblem::Malformed),
                "{junk}"
            );
        }
        assert_ne!(resume_token(), resume_token());
    }
}
