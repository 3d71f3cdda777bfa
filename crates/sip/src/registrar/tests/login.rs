//! Digest against HA1 with both algorithms, and lockout with back-off (time injected).

use super::*;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

const PHONE: &str = "<sip:1001@192.0.2.7>";

fn from(last: u8) -> Option<SocketAddr> {
    Some(SocketAddr::new(
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, last)),
        5060,
    ))
}

fn policy(account: u32, source: u32) -> LoginPolicy {
    LoginPolicy {
        account: LockoutPolicy::new(account, secs(30), secs(100)),
        source: LockoutPolicy::new(source, secs(30), secs(100)),
    }
}

fn registrar_with(lockout: LoginPolicy) -> Registrar {
    let config = RegistrarConfig {
        realm: "example.com".into(),
        lockout,
        ..RegistrarConfig::default()
    };
    Registrar::new(config, b"test secret")
}

/// One REGISTER from `src`, answering the last challenge the phone saw.
fn send(r: &mut Registrar, p: &mut Phone, now: Time, src: Option<SocketAddr>) -> u16 {
    let resp = r
        .handle_register(now, &p.register(&[PHONE], None), src, &Store)
        .unwrap();
    if resp.status() == StatusCode::UNAUTHORIZED {
        p.learn(&resp);
    }
    resp.status().code()
}

use switchyard_core::lockout::LockoutPolicy;

#[test]
fn md5_and_sha256_both_register_against_the_stored_ha1() {
    for algorithm in [Algorithm::Md5, Algorithm::Sha256] {
        let mut r = registrar();
        let mut p = Phone::new("1001", "secret");
        p.algorithm = algorithm;
        let resp = register(&mut r, &mut p, T0, &[PHONE], None);
        assert_eq!(resp.status(), StatusCode::OK, "{algorithm}");
        let mut bad = Phone::new("1001", "wrong");
        bad.algorithm = algorithm;
        let resp = register(&mut r, &mut bad, T0, &[PHONE], None);
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{algorithm}");
    }
}

#[test]
fn an_account_is_locked_after_n_failures_and_the_lock_lifts() {
    let mut r = registrar_with(policy(3, 0));
    let mut p = Phone::new("1001", "wrong");
    assert_eq!(send(&mut r, &mut p, T0, from(7)), 401);
    let codes: Vec<u16> = (0..3).map(|_| send(&mut r, &mut p, T0, from(7))).collect();
    assert_eq!(codes, [401, 401, 403]);
    assert_eq!(r.locked(T0), 1);
    // Locked: the right password from another address is refused without a check, and
    // a REGISTER without credentials gets 401 (a challenge) but does not unlock.
    let mut good = Phone::new("1001", "secret");
    assert_eq!(send(&mut r, &mut good, T0 + secs(1), from(8)), 401);
    assert_eq!(send(&mut r, &mut good, T0 + secs(2), from(8)), 403);
    assert!(r.contacts("sip:1001@example.com", T0).is_empty());
    // 30 s later the lock has lifted.
    let mut good = Phone::new("1001", "secret");
    assert_eq!(send(&mut r, &mut good, T0 + secs(30), from(8)), 401);
    assert_eq!(send(&mut r, &mut good, T0 + secs(30), from(8)), 200);
    assert_eq!(r.locked(T0 + secs(30)), 0);
}

#[test]
fn a_new_challenge_does_not_reset_the_count() {
    let mut r = registrar_with(policy(3, 0));
    let mut codes = Vec::new();
    for _ in 0..3 {
        // Each guess on a fresh phone: it first fetches a new challenge.
        let mut p = Phone::new("1001", "wrong");
        send(&mut r, &mut p, T0, from(7));
        codes.push(send(&mut r, &mut p, T0, from(7)));
    }
    assert_eq!(codes, [401, 401, 403]);
}

#[test]
fn the_back_off_doubles_after_each_lock() {
    let mut r = registrar_with(policy(2, 0));
    let mut now = T0;
    for expected in [30, 60, 100, 100] {
        let mut p = Phone::new("1001", "wrong");
        send(&mut r, &mut p, now, from(7));
        assert_eq!(send(&mut r, &mut p, now, from(7)), 401);
        assert_eq!(send(&mut r, &mut p, now, from(7)), 403);
        let mut good = Phone::new("1001", "secret");
        send(&mut r, &mut good, now + secs(expected - 1), from(9));
        assert_eq!(
            send(&mut r, &mut good, now + secs(expected - 1), from(9)),
            403,
            "still locked just before {expected} s"
        );
        now = now + secs(expected);
    }
}

#[test]
fn a_source_guessing_many_accounts_is_locked() {
    let mut r = registrar_with(policy(100, 4));
    let mut codes = Vec::new();
    for user in ["2001", "2002", "2003", "2004", "1001"] {
        let mut p = Phone::new(user, "guess");
        send(&mut r, &mut p, T0, from(66));
        codes.push(send(&mut r, &mut p, T0, from(66)));
    }
    assert_eq!(codes, [401, 401, 401, 403, 403]);
    // Others are not affected; the source is after its lock.
    let mut good = Phone::new("1001", "secret");
    send(&mut r, &mut good, T0, from(7));
    assert_eq!(send(&mut r, &mut good, T0, from(7)), 200);
    let mut p = Phone::new("1001", "secret");
    p.cseq = 10; // same Call-ID as the first phone: a later CSeq
    send(&mut r, &mut p, T0 + secs(30), from(66));
    assert_eq!(send(&mut r, &mut p, T0 + secs(30), from(66)), 200);
}

#[test]
fn the_verify_api_answers_ok_locked_and_bad_for_other_methods() {
    let mut r = registrar_with(policy(2, 0));
    let ch = |r: &mut Registrar| {
        let v = r.challenge_values(T0, false);
        let nonce = v[0]
            .split("nonce=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        Challenge {
            realm: "example.com".into(),
            nonce,
            algorithm: Algorithm::Sha256,
            stale: false,
        }
    };
    let creds = |c: &Challenge, pw: &str| {
        let v = Credentials::answer(c, "1001", pw, "INVITE", "sip:500@example.com", 1, "cn");
        Credentials::parse(&v).unwrap().unwrap()
    };
    let ip = from(5).map(|s| s.ip());
    let c = ch(&mut r);
    assert_eq!(
        r.authenticate(T0, Method::Invite, Some(&creds(&c, "secret")), ip, &Store),
        Login::Ok {
            username: "1001".into(),
            agent: AgentId(1)
        }
    );
    assert_eq!(
        r.authenticate(T0, Method::Invite, None, ip, &Store),
        Login::Challenge { stale: false }
    );
    let c = ch(&mut r);
    assert!(matches!(
        r.authenticate(T0, Method::Invite, Some(&creds(&c, "x")), ip, &Store),
        Login::Bad {
            locked_now: false,
            ..
        }
    ));
    let c = ch(&mut r);
    assert!(matches!(
        r.authenticate(T0, Method::Invite, Some(&creds(&c, "y")), ip, &Store),
        Login::Bad {
            locked_now: true,
            ..
        }
    ));
    let c = ch(&mut r);
    assert_eq!(
        r.authenticate(T0, Method::Invite, Some(&creds(&c, "secret")), ip, &Store),
        Login::Locked {
            until: T0 + secs(30)
        }
    );
}
