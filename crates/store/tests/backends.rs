//! The same store operations against SQLite (temp file) and the local PostgreSQL.

mod common;

use switchyard_core::config::{AgentConfig, QueueConfig};
use switchyard_core::schedule::{Day, Schedule, WeeklyHours};
use switchyard_store::*;

async fn exercise(store: Store) {
    store.migrate().await.unwrap();
    store.migrate().await.unwrap(); // idempotent
    store.ping().await.unwrap();
    assert!(store.is_empty().await.unwrap());
    let t = store.create_tenant("acme").await.unwrap();
    assert!(
        !t.allow_anonymous_calls,
        "anonymous calls are off by default"
    );
    let on = store.set_allow_anonymous_calls(t.id, true).await.unwrap();
    assert!(on.allow_anonymous_calls);
    assert!(store.tenant(t.id).await.unwrap().allow_anonymous_calls);
    let t = store.set_allow_anonymous_calls(t.id, false).await.unwrap();
    assert!(!t.allow_anonymous_calls);
    // The conflict names the column, never the database's text (both backends).
    assert!(matches!(
        store.create_tenant("acme").await,
        Err(Error::Conflict(f)) if f == "name"
    ));
    let (tok, secret) = store
        .create_token(Some(t.id), Role::Supervisor, None, "sup", None)
        .await
        .unwrap();
    assert_eq!(
        store.authenticate(&secret).await.unwrap(),
        Some(tok.clone())
    );
    assert_eq!(store.authenticate("nope").await.unwrap(), None);
    let (_, fixed) = store
        .create_token(None, Role::Admin, None, "boot", Some("fixed-secret"))
        .await
        .unwrap();
    assert_eq!(fixed, "fixed-secret");
    assert_eq!(
        store
            .list_tokens(None, Page::default())
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .list_tokens(Some(t.id), Page::default())
            .await
            .unwrap()
            .len(),
        1
    );

    let sched = Schedule {
        time_zone: "Europe/Paris".into(),
        weekly: vec![WeeklyHours {
            days: vec![Day::Mon],
            open: "09:00".into(),
            close: "17:00".into(),
        }],
        holidays: vec![],
    };
    let s = store.create_schedule(t.id, "office", &sched).await.unwrap();
    let q = store
        .create_queue(
            t.id,
            "sales",
            &["500".into()],
            Some(s.id),
            &QueueConfig::default(),
        )
        .await
        .unwrap();
    assert_eq!(q.numbers, vec!["500".to_string()]);
    assert_eq!(q.settings.name, "sales");
    assert!(matches!(
        store
            .create_queue(
                t.id,
                "other",
                &["500".into()],
                None,
                &QueueConfig::default()
            )
            .await,
        Err(Error::Conflict(f)) if f == "numbers"
    ));
    assert!(matches!(
        store
            .create_queue(t.id, "sales", &[], None, &QueueConfig::default())
            .await,
        Err(Error::Conflict(f)) if f == "name"
    ));
    assert!(matches!(
        store
            .create_queue(t.id, "bad", &[], Some(9999), &QueueConfig::default())
            .await,
        Err(Error::InvalidReference(f)) if f == "schedule_id"
    ));
    assert_eq!(
        store.queue_by_number("500").await.unwrap().unwrap().id,
        q.id
    );
    let rq = store.router_queue(&q).await.unwrap();
    assert_eq!(rq.schedule, Some(sched));

    let a = store
        .create_agent(
            t.id,
            &AgentWrite {
                name: "alice".into(),
                sip_username: Some("alice".into()),
                sip_password: Some("pw".into()),
                chat_login: Some("alice@acme".into()),
                chat_password: Some("chatpw".into()),
                settings: AgentConfig::default(),
                sip_ha1: None,
            },
        )
        .await
        .unwrap();
    assert!(a.has_sip_password && a.has_chat_password);
    // Each unique column is named as such (PostgreSQL's `agents_sip_username_key` ends
    // with `name` too).
    for (name, sip, chat, column) in [
        ("alice", "bob", "bob@acme", "name"),
        ("bob", "alice", "bob@acme", "sip_username"),
        ("bob", "bob", "alice@acme", "chat_login"),
    ] {
        let w = AgentWrite {
            name: name.into(),
            sip_username: Some(sip.into()),
            sip_password: Some("sip-secret-9".into()),
            sip_ha1: None,
            chat_login: Some(chat.into()),
            chat_password: Some("chat-secret-9".into()),
            settings: AgentConfig::default(),
        };
        match store.create_agent(t.id, &w).await {
            Err(Error::Conflict(f)) => assert_eq!(f, column),
            other => panic!("{column}: {other:?}"),
        }
    }
    assert_eq!(
        store.sip_credentials("alice").await.unwrap().unwrap().1,
        switchyard_store::sip_ha1("alice", "switchyard", "pw")
    );
    assert!(
        store
            .chat_login("alice@acme", "chatpw")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .chat_login("alice@acme", "wrong")
            .await
            .unwrap()
            .is_none()
    );
    let m = MembershipRecord {
        tenant_id: t.id,
        agent_id: a.id,
        queue_id: q.id,
        penalty: 2,
        weight: 1,
    };
    store.upsert_membership(&m).await.unwrap();
    store
        .upsert_membership(&MembershipRecord { penalty: 3, ..m })
        .await
        .unwrap();
    let ms = store
        .list_memberships(t.id, Some(q.id), None, Page::default())
        .await
        .unwrap();
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0].penalty, 3);
    assert_eq!(
        store
            .list_memberships(t.id, None, Some(a.id + 100), Page::default())
            .await
            .unwrap()
            .len(),
        0
    );

    let ev = switchyard_core::RouterEvent {
        time: switchyard_core::Time(1_700_000_000_000),
        interaction: Some(switchyard_core::InteractionId(7)),
        queue: Some(switchyard_core::QueueId(q.id as u64)),
        agent: None,
        kind: switchyard_core::EventKind::Full,
    };
    store
        .insert_events(&[NewEvent {
            tenant_id: Some(t.id),
            event: ev,
            queue_log: "x".into(),
        }])
        .await
        .unwrap();
    let f = EventFilter {
        tenant_id: Some(t.id),
        event: Some("FULL".into()),
        ..Default::default()
    };
    assert_eq!(
        store.list_events(&f, Page::default()).await.unwrap().len(),
        1
    );
    let f = EventFilter {
        tenant_id: Some(t.id),
        from_ms: Some(1_800_000_000_000),
        ..Default::default()
    };
    assert_eq!(
        store.list_events(&f, Page::default()).await.unwrap().len(),
        0
    );

    store.delete_queue(t.id, q.id).await.unwrap();
    assert!(matches!(
        store.queue(t.id, q.id).await,
        Err(Error::NotFound)
    ));
    assert_eq!(
        store
            .list_memberships(t.id, None, None, Page::default())
            .await
            .unwrap()
            .len(),
        0
    );
    store.close().await;
}

#[tokio::test]
async fn sqlite_backend() {
    common::on_sqlite(exercise).await;
}

#[tokio::test]
async fn postgres_backend() {
    common::on_postgres("sy_store", exercise).await;
}
