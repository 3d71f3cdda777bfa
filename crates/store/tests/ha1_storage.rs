//! SIP passwords are stored as HA1 only: after creating an agent, after updating one,
//! and after migrating a row that an older version left with a clear password, no column
//! of any agent row holds the clear password. Web passwords are Argon2id PHC strings.

mod common;

use sqlx::{Column, Row};
use switchyard_store::{AgentWrite, Store, sip_ha1};

const PW: &str = "Tr0ub4dor-sip";
const CHAT_PW: &str = "chat-secret-9";

/// Every text value in the agents table.
async fn all_agent_text(store: &Store) -> Vec<String> {
    let rows = sqlx::query("SELECT * FROM agents")
        .fetch_all(store.raw_pool())
        .await
        .unwrap();
    let mut out = Vec::new();
    for r in &rows {
        for c in r.columns() {
            if let Ok(Some(v)) = r.try_get::<Option<String>, _>(c.ordinal()) {
                out.push(v);
            }
        }
    }
    out
}

fn assert_no_clear_password(text: &[String], pw: &str) {
    assert!(
        text.iter().all(|v| !v.contains(pw)),
        "a clear password is stored: {text:?}"
    );
}

async fn exercise(store: Store) {
    let store = store.with_sip_realm("acme.test");
    store.migrate().await.unwrap();
    let t = store.create_tenant("acme").await.unwrap();
    let a = store
        .create_agent(
            t.id,
            &AgentWrite {
                name: "ann".into(),
                sip_username: Some("1001".into()),
                sip_password: Some(PW.into()),
                chat_login: Some("ann@acme".into()),
                chat_password: Some(CHAT_PW.into()),
                ..AgentWrite::default()
            },
        )
        .await
        .unwrap();
    assert!(a.has_sip_password && a.has_chat_password);
    let text = all_agent_text(&store).await;
    assert_no_clear_password(&text, PW);
    assert_no_clear_password(&text, CHAT_PW);
    let expected = sip_ha1("1001", "acme.test", PW);
    assert!(text.contains(&expected.md5) && text.contains(&expected.sha256));
    assert!(text.iter().any(|v| v.starts_with("$argon2id$")));
    assert_eq!(
        store.all_sip_accounts().await.unwrap(),
        vec![(a.id, "1001".to_owned(), expected.clone())]
    );
    assert_eq!(
        store.sip_credentials("1001").await.unwrap().unwrap().1,
        expected
    );
    assert!(
        store
            .chat_login("ann@acme", CHAT_PW)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .chat_login("ann@acme", "wrong-pass")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.chat_login("nobody", CHAT_PW).await.unwrap().is_none());

    // A row as an older version wrote it: clear password, no HA1.
    sqlx::query(
        "INSERT INTO agents (tenant_id, name, sip_username, sip_password, settings) \
         VALUES ($1, 'old', '1002', 'legacy-clear-pw', '{}')",
    )
    .bind(t.id)
    .execute(store.raw_pool())
    .await
    .unwrap();
    store.migrate().await.unwrap(); // what the server does at every start
    let text = all_agent_text(&store).await;
    assert_no_clear_password(&text, "legacy-clear-pw");
    let old = sip_ha1("1002", "acme.test", "legacy-clear-pw");
    let accounts = store.all_sip_accounts().await.unwrap();
    assert!(accounts.iter().any(|(_, u, h)| u == "1002" && *h == old));
    let cleared: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM agents WHERE sip_password IS NOT NULL")
            .fetch_one(store.raw_pool())
            .await
            .unwrap();
    assert_eq!(cleared, 0);

    // Renaming the SIP user without a new password drops the HA1 (it could never match).
    let renamed = store
        .update_agent(
            t.id,
            a.id,
            &AgentWrite {
                name: "ann".into(),
                sip_username: Some("1009".into()),
                chat_login: Some("ann@acme".into()),
                ..AgentWrite::default()
            },
        )
        .await
        .unwrap();
    assert!(!renamed.has_sip_password);
    // Same user name, no password: kept.
    let again = AgentWrite {
        name: "ann".into(),
        sip_username: Some("1009".into()),
        sip_password: Some("another-pass".into()),
        ..AgentWrite::default()
    };
    store.update_agent(t.id, a.id, &again).await.unwrap();
    let kept = AgentWrite {
        sip_password: None,
        ..again
    };
    assert!(
        store
            .update_agent(t.id, a.id, &kept)
            .await
            .unwrap()
            .has_sip_password
    );
    assert_no_clear_password(&all_agent_text(&store).await, "another-pass");

    // Another realm: the accounts are not served (and a warning is logged at start).
    let other = store.clone().with_sip_realm("other.test");
    assert!(other.all_sip_accounts().await.unwrap().is_empty());
    store.close().await;
}

#[tokio::test]
async fn sqlite_stores_ha1_only() {
    common::on_sqlite(exercise).await;
}

#[tokio::test]
async fn postgres_stores_ha1_only() {
    common::on_postgres("sy_ha1", exercise).await;
}
