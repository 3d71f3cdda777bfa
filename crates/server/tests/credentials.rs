//! Credentials through the real binary: the password policy answers 422 naming the
//! field; an agent's desktop login is checked against its Argon2id hash; after N wrong
//! passwords the login is locked (even the right password is refused) and the lock
//! lifts after the configured time; no password reaches the log.

mod common;

use common::Server;
use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// One `/ws/agent` login; returns the first answer (`welcome` or `error`).
async fn login(s: &Server, login: &str, password: &str) -> Value {
    let url = format!("{}/ws/agent", s.base.replacen("http://", "ws://", 1));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let msg = json!({"v": 1, "type": "login", "login": login, "password": password});
    ws.send(Message::text(msg.to_string())).await.unwrap();
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("an answer to login")
            .expect("socket open")
            .unwrap();
        if let Message::Text(t) = m {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "welcome" || v["type"] == "error" {
                return v;
            }
        }
    }
}

#[tokio::test]
async fn policy_argon2_login_and_lockout_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(
        dir.path(),
        &[
            "--no-demo",
            "--auth-max-failures",
            "3",
            "--auth-lockout-secs",
            "2",
        ],
    )
    .await;
    let t = s
        .call(
            Method::POST,
            "/api/v1/tenants",
            Some(json!({"name": "acme"})),
            201,
        )
        .await;
    let base = format!("/api/v1/tenants/{}/agents", t["id"]);
    // Policy: too short, containing the user name, equal to the login: 422 naming the field.
    for (body, field) in [
        (
            json!({"name": "zoe", "sip_username": "2001", "sip_password": "short"}),
            "sip_password",
        ),
        (
            json!({"name": "zoe", "sip_username": "2001", "sip_password": "pw-2001-x"}),
            "sip_password",
        ),
        (
            json!({"name": "zoe", "chat_login": "zoe@acme", "chat_password": "ZOE-secret"}),
            "chat_password",
        ),
        (
            json!({"name": "zoe", "chat_login": "zoe@acme", "chat_password": "zoe@acme"}),
            "chat_password",
        ),
    ] {
        let r = s
            .req(Method::POST, &base, Some(common::ADMIN), Some(body))
            .await;
        assert_eq!(r.status().as_u16(), 422);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["field"], field, "{p}");
    }
    let a = s
        .call(
            Method::POST,
            &base,
            Some(json!({"name": "zoe", "sip_username": "2001",
            "sip_password": "Valid-sip-pass", "chat_login": "zoe@acme",
            "chat_password": "Valid-desk-pass"})),
            201,
        )
        .await;
    assert!(a.get("sip_password").is_none() && a.get("chat_password").is_none());
    // Renaming the SIP user without the password again: 422 (the HA1 includes the name).
    let r = s
        .req(
            Method::PUT,
            &format!("{base}/{}", a["id"]),
            Some(common::ADMIN),
            Some(json!({"name": "zoe", "sip_username": "2002", "chat_login": "zoe@acme"})),
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);

    // Argon2id verification of a real login.
    assert_eq!(
        login(&s, "zoe@acme", "Valid-desk-pass").await["type"],
        "welcome"
    );
    // Three wrong passwords lock the login; then even the right one is refused.
    for _ in 0..3 {
        let e = login(&s, "zoe@acme", "Wrong-desk-pass").await;
        assert_eq!(e["code"], "unauthorized", "{e}");
    }
    let e = login(&s, "zoe@acme", "Valid-desk-pass").await;
    assert!(
        e["message"]
            .as_str()
            .unwrap_or("")
            .contains("too many failed logins"),
        "{e}"
    );
    // The lock lifts after its time (2 s here).
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        login(&s, "zoe@acme", "Valid-desk-pass").await["type"],
        "welcome"
    );

    let metrics = s.metrics().await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("switchyard_auth_lockouts_total{")
                && l.contains("edge=\"web\"")
                && l.contains("key=\"account\"")
                && l.ends_with(" 1")),
        "{metrics}"
    );
    let log = s.stop().await;
    assert!(log.contains("web login locked"), "{log}");
    for secret in [
        "Valid-sip-pass",
        "Valid-desk-pass",
        "Wrong-desk-pass",
        "pw-2001-x",
    ] {
        assert!(!log.contains(secret), "{secret} in the log");
    }
}
