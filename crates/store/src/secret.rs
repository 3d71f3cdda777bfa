//! Token and password hashing, and the password policy.
//!
//! - API tokens are random 256-bit secrets: one SHA-256 is enough to store them.
//! - Web (chat / agent desktop) passwords: Argon2id PHC strings (`argon2` crate, its
//!   default parameters: 19 MiB, 2 passes), verified in constant time. Slow on purpose:
//!   callers hash and verify on the blocking pool ([`hash_password_blocking`],
//!   [`verify_password_blocking`]).
//! - SIP passwords: HA1 = H(user:realm:password) for MD5 and SHA-256 ([`sip_ha1`]);
//!   digest needs nothing else, and no clear password is stored.

use crate::SipHa1;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use md5::Md5;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

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

/// Shortest password accepted for SIP and web logins.
pub const MIN_PASSWORD_LEN: usize = 8;

/// The password policy for SIP and web logins: at least [`MIN_PASSWORD_LEN`]
/// characters, and neither equal to nor containing (ignoring case) the user name (nor,
/// for a login like `bob@acme`, its part before `@`). The error says what is wrong.
pub fn check_password_policy(password: &str, user: Option<&str>) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(format!("at least {MIN_PASSWORD_LEN} characters"));
    }
    let pw = password.to_lowercase();
    let Some(user) = user.map(str::to_lowercase).filter(|u| !u.is_empty()) else {
        return Ok(());
    };
    let local = user.split('@').next().unwrap_or("").to_owned();
    for name in [user.as_str(), local.as_str()] {
        // A 1-2 character name would forbid most passwords; equality still applies.
        if pw == name || (name.chars().count() >= 3 && pw.contains(name)) {
            return Err("must not contain the user name".into());
        }
    }
    Ok(())
}

/// HA1 of a SIP password for both digest algorithms, in `realm`.
pub fn sip_ha1(username: &str, realm: &str, password: &str) -> SipHa1 {
    let a1 = format!("{username}:{realm}:{password}");
    SipHa1 {
        md5: hex::encode(Md5::digest(a1.as_bytes())),
        sha256: hex::encode(Sha256::digest(a1.as_bytes())),
        realm: realm.to_owned(),
    }
}

/// Hashes a web password as an Argon2id PHC string (`$argon2id$v=19$...`). Slow: call it
/// off async workers ([`hash_password_blocking`]).
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        // Only fails on parameters or lengths out of Argon2's range, which the
        // defaults and a 16-byte salt are not.
        .unwrap_or_default()
}

/// How a stored web password hash answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordCheck {
    /// The password matches.
    Match,
    /// It does not (or nothing is stored).
    Mismatch,
    /// The hash is of a retired kind (the pre-Argon2 `sha256i$` loop): it is never
    /// checked; the admin must set the password again.
    Retired,
}

/// Checks a password against its stored PHC string, in constant time (the `argon2`
/// crate compares outputs with `subtle`). Slow: call it off async workers.
pub fn verify_password(stored: &str, password: &str) -> PasswordCheck {
    if stored.starts_with("sha256i$") {
        return PasswordCheck::Retired;
    }
    match PasswordHash::new(stored) {
        Ok(h)
            if Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok() =>
        {
            PasswordCheck::Match
        }
        _ => PasswordCheck::Mismatch,
    }
}

/// A hash of a random password, verified against when a login is unknown so that an
/// unknown login takes as long as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&new_token()))
}

/// [`verify_password`] on tokio's blocking pool; `None` (unknown login) spends the
/// same time on a dummy hash and mismatches.
pub(crate) async fn verify_password_blocking(
    stored: Option<String>,
    password: String,
) -> PasswordCheck {
    let job = tokio::task::spawn_blocking(move || match stored {
        Some(h) => verify_password(&h, &password),
        None => {
            verify_password(dummy_hash(), &password);
            PasswordCheck::Mismatch
        }
    });
    job.await.unwrap_or(PasswordCheck::Mismatch)
}

/// [`hash_password`] on tokio's blocking pool.
pub(crate) async fn hash_password_blocking(password: Option<String>) -> Option<String> {
    let password = password?;
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_hashes_verify_and_differ_by_salt() {
        let h = hash_password("correct horse");
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert_eq!(verify_password(&h, "correct horse"), PasswordCheck::Match);
        assert_eq!(
            verify_password(&h, "correct horse!"),
            PasswordCheck::Mismatch
        );
        assert_eq!(verify_password("garbage", "x"), PasswordCheck::Mismatch);
        assert_ne!(hash_password("correct horse"), h, "salted");
        assert_ne!(new_token(), new_token());
        assert_eq!(hash_token("a").len(), 64);
    }

    #[test]
    fn retired_sha256_loop_hashes_are_never_accepted() {
        // A hash written by the old home-made KDF: refused whatever the password.
        let old = format!("sha256i${}${}", "00".repeat(16), "11".repeat(32));
        assert_eq!(verify_password(&old, "anything"), PasswordCheck::Retired);
    }

    #[test]
    fn policy_wants_8_characters_and_not_the_user_name() {
        assert!(check_password_policy("short", None).is_err());
        assert!(check_password_policy("long enough", None).is_ok());
        assert!(check_password_policy("x-1001-pass", Some("1001")).is_err());
        assert!(check_password_policy("my-BOB-secret", Some("bob@acme")).is_err());
        assert!(check_password_policy("bob@acme", Some("Bob@Acme")).is_err());
        assert!(check_password_policy("a-long-pass", Some("zz")).is_ok());
        assert!(check_password_policy("zz", Some("zz")).is_err());
        assert!(check_password_policy("sip-pw-baab", Some("1001")).is_ok());
    }

    #[test]
    fn ha1_matches_rfc2617_example() {
        // RFC 2617 §3.5: Mufasa / testrealm@host.com / Circle Of Life.
        let h = sip_ha1("Mufasa", "testrealm@host.com", "Circle Of Life");
        assert_eq!(h.md5, "939e7578ed9e3c518a452acee763bce9");
        assert_eq!(h.sha256.len(), 64);
    }

    #[tokio::test]
    async fn blocking_pool_helpers_agree() {
        let h = hash_password_blocking(Some("long password".into()))
            .await
            .unwrap();
        assert_eq!(
            verify_password_blocking(Some(h), "long password".into()).await,
            PasswordCheck::Match
        );
        assert_eq!(
            verify_password_blocking(None, "long password".into()).await,
            PasswordCheck::Mismatch
        );
    }
}
