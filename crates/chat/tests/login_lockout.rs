//! Web login lockout through the real sessions: after N wrong passwords the login is
//! refused without a check (even with the right password) and the socket closed 4401;
//! a source address sending bad supervisor tokens is locked the same way. (The lock
//! lifting and the back-off are unit-tested with injected time in `logins.rs`.)

mod common;

use common::World;
use serde_json::json;
use std::time::Duration;
use switchyard_chat::ChatConfig;
use switchyard_core::lockout::{LockoutPolicy, LoginPolicy};

fn config(account: u32, source: u32) -> ChatConfig {
    let lock = |n| LockoutPolicy::new(n, Duration::from_secs(600), Duration::from_secs(600));
    ChatConfig {
        lockout: LoginPolicy {
            account: lock(account),
            source: lock(source),
        },
        ..ChatConfig::default()
    }
}

#[tokio::test]
async fn wrong_passwords_lock_the_login_then_even_the_right_one_is_refused() {
    let w = World::new(config(3, 100)).await;
    for _ in 0..3 {
        let mut a = w.agent();
        a.send(json!({ "type": "login", "login": "bob", "password": "not-the-password" }));
        let e = a.expect("error").await;
        assert_eq!(e["code"], "unauthorized");
        assert_eq!(a.closed().await.0, 4401);
    }
    let mut a = w.agent();
    a.send(json!({ "type": "login", "login": "bob", "password": "s3cret-desk-pw" }));
    let e = a.expect("error").await;
    assert_eq!(e["code"], "unauthorized");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("too many failed logins"),
        "{e}"
    );
    assert_eq!(a.closed().await.0, 4401);
}

#[tokio::test]
async fn a_right_password_before_the_limit_resets_the_count() {
    let w = World::new(config(3, 100)).await;
    for _ in 0..3 {
        for _ in 0..2 {
            let mut a = w.agent();
            a.send(json!({ "type": "login", "login": "bob", "password": "not-the-password" }));
            assert_eq!(a.expect("error").await["code"], "unauthorized");
        }
        let mut a = w.agent();
        a.send(json!({ "type": "login", "login": "bob", "password": "s3cret-desk-pw" }));
        a.expect("welcome").await;
    }
}

#[tokio::test]
async fn bad_supervisor_tokens_lock_the_source_address() {
    let w = World::new(config(100, 2)).await;
    let ip = "198.51.100.9".parse().unwrap();
    for _ in 0..2 {
        let mut s = w.supervisor_from(ip);
        s.send(json!({ "type": "auth", "token": "sy_guess" }));
        assert_eq!(s.expect("error").await["code"], "unauthorized");
    }
    let mut s = w.supervisor_from(ip);
    s.send(json!({ "type": "auth", "token": w.supervisor_token }));
    let e = s.expect("error").await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("too many failed logins"),
        "{e}"
    );
    // The agent login from that address is refused too; another address is not.
    let mut a = w.agent_from(ip);
    a.send(json!({ "type": "login", "login": "bob", "password": "s3cret-desk-pw" }));
    assert_eq!(a.expect("error").await["code"], "unauthorized");
    let mut s = w.supervisor_from("198.51.100.10".parse().unwrap());
    s.send(json!({ "type": "auth", "token": w.supervisor_token }));
    s.expect("welcome").await;
}
