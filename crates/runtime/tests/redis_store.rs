//! The runtime store against a real Redis (127.0.0.1:6379, or SWITCHYARD_TEST_REDIS).
//! No Redis is a failure, not a skip: `scripts/test.sh` starts one.

use switchyard_core::{Channel, InteractionId, QueueId, SkillReq, TenantId, Time};
use switchyard_runtime::{Change, Persister, RuntimeStore, WaitingRecord};

fn url() -> String {
    std::env::var("SWITCHYARD_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn prefix(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("switchyard-test:{name}:{}:{nanos}", std::process::id())
}

fn rec(id: u64, queue: u64, arrived: u64) -> WaitingRecord {
    WaitingRecord {
        id: InteractionId(id),
        tenant: TenantId(1),
        queue: QueueId(queue),
        channel: if id.is_multiple_of(2) {
            Channel::Chat
        } else {
            Channel::Callback
        },
        caller_id: format!("+1555{id:04}"),
        skills: vec![SkillReq::at_least("lang:fr", 3)],
        priority: 0,
        arrived: Time(arrived),
    }
}

async fn cleanup(prefix: &str) {
    let client = redis::Client::open(url()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(&mut c)
        .await
        .unwrap();
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(keys)
            .query_async(&mut c)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn records_round_trip_in_arrival_order() {
    let p = prefix("roundtrip");
    let store = RuntimeStore::redis(&url(), &p)
        .await
        .expect("Redis must be running for the tests");
    for r in [rec(3, 1, 300), rec(1, 1, 100), rec(2, 2, 200)] {
        store.put(&r).await.unwrap();
    }
    let all = store.all().await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.id.0).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(all[0], rec(1, 1, 100), "every field survives");
    store.remove(InteractionId(2)).await.unwrap();
    store.remove(InteractionId(99)).await.unwrap(); // unknown: nothing to do
    assert_eq!(store.all().await.unwrap().len(), 2);
    cleanup(&p).await;
}

#[tokio::test]
async fn a_move_leaves_the_old_queue() {
    let p = prefix("move");
    let store = RuntimeStore::redis(&url(), &p).await.unwrap();
    store.put(&rec(7, 1, 700)).await.unwrap();
    let mut moved = rec(7, 2, 700);
    moved.priority = 5;
    store.put(&moved).await.unwrap();
    assert_eq!(
        store.all().await.unwrap(),
        vec![moved],
        "listed once, in its new queue"
    );
    let client = redis::Client::open(url()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let old: u64 = redis::cmd("ZCARD")
        .arg(format!("{p}:q:1:1"))
        .query_async(&mut c)
        .await
        .unwrap();
    let new: u64 = redis::cmd("ZCARD")
        .arg(format!("{p}:q:1:2"))
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!((old, new), (0, 1));
    cleanup(&p).await;
}

#[tokio::test]
async fn the_persister_applies_changes_in_order() {
    let p = prefix("persister");
    let store = RuntimeStore::redis(&url(), &p).await.unwrap();
    let (tx, persister) = Persister::spawn(store.clone());
    for i in 1..=50 {
        tx.send(Change::Put(rec(i, 1 + i % 3, i * 10))).unwrap();
    }
    for i in (1..=50).filter(|i| i % 5 == 0) {
        tx.send(Change::Remove(InteractionId(i))).unwrap();
    }
    drop(tx);
    persister.finish().await;
    let ids: Vec<u64> = store.all().await.unwrap().iter().map(|r| r.id.0).collect();
    assert_eq!(ids, (1..=50).filter(|i| i % 5 != 0).collect::<Vec<_>>());
    cleanup(&p).await;
}

#[tokio::test]
async fn corrupt_records_are_skipped_not_fatal() {
    let p = prefix("corrupt");
    let store = RuntimeStore::redis(&url(), &p).await.unwrap();
    store.put(&rec(1, 1, 100)).await.unwrap();
    store.put(&rec(2, 1, 200)).await.unwrap();
    let client = redis::Client::open(url()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("SET")
        .arg(format!("{p}:i:2"))
        .arg("{not json")
        .query_async(&mut c)
        .await
        .unwrap();
    let all = store.all().await.unwrap();
    assert_eq!(all.iter().map(|r| r.id.0).collect::<Vec<_>>(), vec![1]);
    cleanup(&p).await;
}

#[tokio::test]
async fn bad_urls_are_refused() {
    let err = RuntimeStore::redis("http://127.0.0.1:6379", "x")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("invalid redis url"), "{err}");
}

#[tokio::test]
async fn memory_store_behaves_the_same() {
    let store = RuntimeStore::memory();
    for r in [rec(3, 1, 300), rec(1, 1, 100)] {
        store.put(&r).await.unwrap();
    }
    store.remove(InteractionId(3)).await.unwrap();
    assert_eq!(store.all().await.unwrap(), vec![rec(1, 1, 100)]);
}
