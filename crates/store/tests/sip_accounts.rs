//! `all_sip_accounts`: every agent with both a SIP user name and password, across tenants,
//! in one query (what the voice edge's registrar reloads every few seconds).

use switchyard_store::{AgentWrite, Store, sip_ha1};

#[tokio::test]
async fn sqlite_all_sip_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}/s.db", dir.path().display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let a = store.create_tenant("a").await.unwrap();
    let b = store.create_tenant("b").await.unwrap();
    let agent = |name: &str, user: Option<&str>, pw: Option<&str>| AgentWrite {
        name: name.into(),
        sip_username: user.map(Into::into),
        sip_password: pw.map(Into::into),
        chat_login: None,
        ..AgentWrite::default()
    };
    let ann = store
        .create_agent(a.id, &agent("ann", Some("1001"), Some("pw1")))
        .await
        .unwrap();
    store
        .create_agent(a.id, &agent("chat-only", None, None))
        .await
        .unwrap();
    store
        .create_agent(a.id, &agent("no-password", Some("1002"), None))
        .await
        .unwrap();
    let bob = store
        .create_agent(b.id, &agent("bob", Some("2001"), Some("pw2")))
        .await
        .unwrap();
    assert_eq!(
        store.all_sip_accounts().await.unwrap(),
        vec![
            (
                ann.id,
                "1001".to_owned(),
                sip_ha1("1001", "switchyard", "pw1")
            ),
            (
                bob.id,
                "2001".to_owned(),
                sip_ha1("2001", "switchyard", "pw2")
            )
        ]
    );
    store.close().await;
}
