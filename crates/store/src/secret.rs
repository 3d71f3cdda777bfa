//! Token and password hashing. Tokens are random 256-bit secrets, so one SHA-256 is
//! enough to store them; chat passwords are salted and stretched.

use rand::RngCore;
use sha2::{Digest, Sha256};

const ROUNDS: u32 = 20_000;

/// A fresh random API token, `sy_` + 64 hex digits.
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    format!("sy_{}", hex::encode(b))
}

/// The stored form of a token: hex SHA-256.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn stretch(salt: &[u8], password: &str) -> [u8; 32] {
    let mut h: [u8; 32] = Sha256::new()
        .chain_update(salt)
        .chain_update(password.as_bytes())
        .finalize()
        .into();
    for _ in 0..ROUNDS {
        h = Sha256::new()
            .chain_update(salt)
            .chain_update(h)
            .finalize()
            .into();
    }
    h
}

/// Hashes a password as `sha256i$<salt hex>$<hash hex>`.
pub(crate) fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    format!(
        "sha256i${}${}",
        hex::encode(salt),
        hex::encode(stretch(&salt, password))
    )
}

/// Checks a password against its stored hash.
pub fn verify_password(stored: &str, password: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some("sha256i"), Some(salt), Some(hash), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(salt) = hex::decode(salt) else {
        return false;
    };
    // Not constant-time; the hash is stretched and salted, which is what matters here.
    hex::encode(stretch(&salt, password)) == hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_tokens_differ() {
        let h = hash_password("s3cret");
        assert!(verify_password(&h, "s3cret"));
        assert!(!verify_password(&h, "s3cret!"));
        assert!(!verify_password("garbage", "s3cret"));
        assert_ne!(new_token(), new_token());
        assert_eq!(hash_token("a").len(), 64);
    }
}
