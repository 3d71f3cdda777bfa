//! The event writer's batches: many events in one call land whole and in order, on both
//! backends (several multi-row statements in one transaction).

mod common;

use switchyard_core::{EventKind, InteractionId, QueueId, RouterEvent, Time};
use switchyard_store::*;

async fn batches(store: Store) {
    store.migrate().await.unwrap();
    let t = store.create_tenant("acme").await.unwrap();
    store.insert_events(&[]).await.unwrap();
    // 300 events: three statements (128 + 128 + 44 rows), with NULLs mixed in.
    let events: Vec<NewEvent> = (0..300u64)
        .map(|i| NewEvent {
            tenant_id: Some(t.id),
            event: RouterEvent {
                time: Time(1_700_000_000_000 + i),
                interaction: Some(InteractionId(i)),
                queue: (i % 3 != 0).then_some(QueueId(5)),
                agent: None,
                kind: EventKind::Full,
            },
            queue_log: format!("line {i}"),
        })
        .collect();
    store.insert_events(&events).await.unwrap();
    store.insert_events(&events[..1]).await.unwrap();
    let f = EventFilter {
        tenant_id: Some(t.id),
        ..Default::default()
    };
    let page = Page {
        limit: 1000,
        offset: 0,
    };
    let got = store.list_events(&f, page).await.unwrap();
    assert_eq!(got.len(), 301);
    for (i, e) in got.iter().take(300).enumerate() {
        assert_eq!(e.queue_log, format!("line {i}"));
        assert_eq!(e.time_ms, 1_700_000_000_000 + i as i64);
        assert_eq!(e.interaction_id, Some(i as i64));
        assert_eq!(e.queue_id, (i % 3 != 0).then_some(5));
        assert_eq!(e.event, "FULL");
    }
    assert_eq!(got[300].queue_log, "line 0");
}

#[tokio::test]
async fn sqlite_event_batches() {
    common::on_sqlite(batches).await;
}

#[tokio::test]
async fn postgres_event_batches() {
    common::on_postgres("sy_batches", batches).await;
}
