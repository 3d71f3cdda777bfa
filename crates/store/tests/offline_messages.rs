//! The chat widget's offline messages (migration 0005) on both backends.

mod common;

use switchyard_store::{NewOfflineMessage, Page, Store};

async fn exercise(store: Store) {
    store.migrate().await.unwrap();
    let a = store.create_tenant("a").await.unwrap();
    let b = store.create_tenant("b").await.unwrap();
    for (t, text) in [(a.id, "first"), (a.id, "second"), (b.id, "other tenant")] {
        let m = NewOfflineMessage {
            tenant_id: t,
            queue_id: Some(7),
            interaction_id: None,
            name: "Ann".into(),
            contact: "ann@example.com".into(),
            body: text.into(),
        };
        let saved = store.insert_offline_message(&m).await.unwrap();
        assert_eq!((saved.tenant_id, saved.body.as_str()), (t, text));
        assert!(saved.created_ms > 0);
    }
    let page = Page {
        limit: 10,
        offset: 0,
    };
    let list = store.list_offline_messages(a.id, page).await.unwrap();
    let bodies: Vec<_> = list.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["second", "first"], "newest first, own tenant only");
    assert_eq!(list[0].queue_id, Some(7));
    assert_eq!(list[0].interaction_id, None);
    let one = Page {
        limit: 1,
        offset: 1,
    };
    assert_eq!(
        store.list_offline_messages(a.id, one).await.unwrap()[0].body,
        "first"
    );
    store.close().await;
}

#[tokio::test]
async fn sqlite_offline_messages() {
    common::on_sqlite(exercise).await;
}

#[tokio::test]
async fn postgres_offline_messages() {
    common::on_postgres("sy_offline", exercise).await;
}
