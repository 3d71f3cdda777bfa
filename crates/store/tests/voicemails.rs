//! Voicemail metadata (migration 0006) on both backends: insert, filters, heard, delete,
//! tenant isolation.

mod common;

use switchyard_store::{Error, NewVoicemail, Page, Store, VoicemailFilter};

const PAGE: Page = Page {
    limit: 10,
    offset: 0,
};

async fn exercise(store: Store) {
    store.migrate().await.unwrap();
    let a = store.create_tenant("a").await.unwrap();
    let b = store.create_tenant("b").await.unwrap();
    let mut ids = Vec::new();
    for (t, q, caller) in [(a.id, 1, "+331"), (a.id, 2, "+332"), (b.id, 1, "+441")] {
        let v = store
            .insert_voicemail(&NewVoicemail {
                tenant_id: t,
                queue_id: Some(q),
                interaction_id: Some(99),
                caller_id: caller.into(),
                file_name: format!("{t}/{caller}.wav"),
                duration_ms: 4200,
                size_bytes: 67_244,
                created_ms: 0,
            })
            .await
            .unwrap();
        assert!(v.created_ms > 0, "0 means now");
        assert_eq!(v.heard_ms, None);
        ids.push(v.id);
    }
    let all = store
        .list_voicemails(a.id, VoicemailFilter::default(), PAGE)
        .await
        .unwrap();
    let callers: Vec<_> = all.iter().map(|v| v.caller_id.as_str()).collect();
    assert_eq!(callers, ["+332", "+331"], "newest first, own tenant only");
    let q1 = VoicemailFilter {
        queue_id: Some(1),
        heard: None,
    };
    assert_eq!(
        store.list_voicemails(a.id, q1, PAGE).await.unwrap().len(),
        1
    );

    let heard = store
        .mark_voicemail_heard(a.id, ids[0], true)
        .await
        .unwrap();
    assert!(heard.heard_ms.is_some());
    let only = |heard| VoicemailFilter {
        queue_id: None,
        heard: Some(heard),
    };
    let new = store
        .list_voicemails(a.id, only(false), PAGE)
        .await
        .unwrap();
    assert_eq!(new.iter().map(|v| v.id).collect::<Vec<_>>(), [ids[1]]);
    let old = store.list_voicemails(a.id, only(true), PAGE).await.unwrap();
    assert_eq!(old.iter().map(|v| v.id).collect::<Vec<_>>(), [ids[0]]);
    let again = store
        .mark_voicemail_heard(a.id, ids[0], false)
        .await
        .unwrap();
    assert_eq!(again.heard_ms, None);

    // Another tenant's voicemail is not found, not touched.
    assert!(matches!(
        store.voicemail(a.id, ids[2]).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        store.mark_voicemail_heard(a.id, ids[2], true).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        store.delete_voicemail(a.id, ids[2]).await,
        Err(Error::NotFound)
    ));
    assert_eq!(
        store.voicemail(b.id, ids[2]).await.unwrap().caller_id,
        "+441"
    );

    store.delete_voicemail(a.id, ids[0]).await.unwrap();
    assert!(matches!(
        store.voicemail(a.id, ids[0]).await,
        Err(Error::NotFound)
    ));
    store.close().await;
}

#[tokio::test]
async fn sqlite_voicemails() {
    common::on_sqlite(exercise).await;
}

#[tokio::test]
async fn postgres_voicemails() {
    common::on_postgres("sy_voicemail", exercise).await;
}
