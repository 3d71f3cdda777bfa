//! The voicemail resource without sockets: `app().oneshot()` over a temporary SQLite
//! store, with recordings written where the voice edge would put them.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use std::path::PathBuf;
use switchyard_api::{AppState, app};
use switchyard_engine::{Engine, Router};
use switchyard_store::{NewVoicemail, Role, Store};
use tower::ServiceExt;

struct Fixture {
    state: AppState,
    root: String,
    /// Supervisor of tenant `a`.
    sup_a: String,
    /// Supervisor of tenant `b`.
    sup_b: String,
    /// Agent of tenant `a`.
    agent_a: String,
    a: i64,
    b: i64,
    dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}/t.db", dir.path().display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let a = store.create_tenant("a").await.unwrap().id;
    let b = store.create_tenant("b").await.unwrap().id;
    let tok = |t: Option<i64>, r: Role| {
        let store = store.clone();
        async move { store.create_token(t, r, None, "t", None).await.unwrap().1 }
    };
    let root = tok(None, Role::Admin).await;
    let sup_a = tok(Some(a), Role::Supervisor).await;
    let sup_b = tok(Some(b), Role::Supervisor).await;
    let agent_a = tok(Some(a), Role::Agent).await;
    let (engine, _task) = Engine::spawn(Router::new(7), None);
    let state = AppState {
        store,
        engine,
        sounds_dir: dir.path().join("sounds"),
        voicemail_dir: dir.path().join("voicemail"),
    };
    Fixture {
        state,
        root,
        sup_a,
        sup_b,
        agent_a,
        a,
        b,
        dir,
    }
}

impl Fixture {
    /// Writes `bytes` as `<voicemail>/<tenant>/<name>` and stores its row.
    async fn voicemail(
        &self,
        tenant: i64,
        queue: i64,
        caller: &str,
        name: &str,
        bytes: &[u8],
    ) -> i64 {
        let file_name = format!("{tenant}/{name}");
        let path = self.state.voicemail_dir.join(&file_name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        self.row(tenant, queue, caller, &file_name, bytes.len() as i64)
            .await
    }

    async fn row(&self, tenant: i64, queue: i64, caller: &str, file_name: &str, size: i64) -> i64 {
        self.state
            .store
            .insert_voicemail(&NewVoicemail {
                tenant_id: tenant,
                queue_id: Some(queue),
                caller_id: caller.into(),
                file_name: file_name.into(),
                duration_ms: 2000,
                size_bytes: size,
                ..Default::default()
            })
            .await
            .unwrap()
            .id
    }

    fn path(&self, tenant: i64, name: &str) -> PathBuf {
        self.state.voicemail_dir.join(format!("{tenant}/{name}"))
    }
}

struct Res {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Res {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
    fn header(&self, h: header::HeaderName) -> Option<&str> {
        self.headers.get(h).map(|v| v.to_str().unwrap())
    }
}

async fn send(
    f: &Fixture,
    method: &str,
    uri: &str,
    token: Option<&str>,
    extra: &[(header::HeaderName, &str)],
    body: Option<&str>,
) -> Res {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    for (k, v) in extra {
        b = b.header(k, *v);
    }
    let req = match body {
        Some(s) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(s.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let res = app(f.state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Res {
        status,
        headers,
        bytes,
    }
}

fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn lists_newest_first_with_queue_heard_and_paging_filters() {
    let f = fixture().await;
    let a = f.a;
    let v1 = f.voicemail(a, 1, "+15550001", "1.wav", b"one").await;
    let v2 = f.voicemail(a, 2, "+15550002", "2.wav", b"two").await;
    let v3 = f.voicemail(a, 1, "+15550003", "3.wav", b"three").await;
    f.voicemail(f.b, 1, "+15559999", "b.wav", b"other tenant")
        .await;
    let sup = Some(f.sup_a.as_str());
    let list = |q: &'static str| {
        let f = &f;
        async move {
            let r = send(
                f,
                "GET",
                &format!("/api/v1/tenants/{a}/voicemails{q}"),
                sup,
                &[],
                None,
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.json());
            r.json()
        }
    };
    let all = list("").await;
    assert_eq!(ids(&all), vec![v3, v2, v1]);
    assert_eq!(all["items"][0]["caller_id"], "+15550003");
    assert_eq!(all["items"][0]["queue_id"], 1);
    assert_eq!(all["items"][0]["duration_ms"], 2000);
    assert_eq!(all["items"][0]["heard_ms"], Value::Null);
    assert_eq!(all["next_offset"], Value::Null);
    assert_eq!(ids(&list("?queue=1").await), vec![v3, v1]);
    assert_eq!(ids(&list("?queue=2").await), vec![v2]);
    assert_eq!(ids(&list("?heard=false").await), vec![v3, v2, v1]);
    assert!(ids(&list("?heard=true").await).is_empty());
    let p1 = list("?limit=2").await;
    assert_eq!(ids(&p1), vec![v3, v2]);
    assert_eq!(p1["next_offset"], 2);
    assert_eq!(ids(&list("?limit=2&offset=2").await), vec![v1]);

    for (q, field) in [
        ("?heard=maybe", "heard"),
        ("?limit=0", "limit"),
        ("?offset=-1", "offset"),
        ("?queue=x", "queue"),
    ] {
        let r = send(
            &f,
            "GET",
            &format!("/api/v1/tenants/{a}/voicemails{q}"),
            sup,
            &[],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert_eq!(
            r.header(header::CONTENT_TYPE),
            Some("application/problem+json")
        );
        assert_eq!(r.json()["field"], field, "{q}");
    }
}

#[tokio::test]
async fn audio_is_the_file_with_ranges_for_seeking() {
    let f = fixture().await;
    let a = f.a;
    let wav: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    let id = f.voicemail(a, 1, "+1555", "x.wav", &wav).await;
    let uri = format!("/api/v1/tenants/{a}/voicemails/{id}/audio");
    let sup = Some(f.sup_a.as_str());

    let r = send(&f, "GET", &uri, sup, &[], None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.bytes, wav);
    assert_eq!(r.header(header::CONTENT_TYPE), Some("audio/wav"));
    assert_eq!(r.header(header::CONTENT_LENGTH), Some("5000"));
    assert_eq!(r.header(header::ACCEPT_RANGES), Some("bytes"));

    let r = send(
        &f,
        "GET",
        &uri,
        sup,
        &[(header::RANGE, "bytes=100-199")],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.bytes, &wav[100..200]);
    assert_eq!(r.header(header::CONTENT_RANGE), Some("bytes 100-199/5000"));
    assert_eq!(r.header(header::CONTENT_LENGTH), Some("100"));

    let r = send(
        &f,
        "GET",
        &uri,
        sup,
        &[(header::RANGE, "bytes=4990-")],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.bytes, &wav[4990..]);
    assert_eq!(
        r.header(header::CONTENT_RANGE),
        Some("bytes 4990-4999/5000")
    );

    let r = send(&f, "GET", &uri, sup, &[(header::RANGE, "bytes=-10")], None).await;
    assert_eq!(r.bytes, &wav[4990..]);

    let r = send(
        &f,
        "GET",
        &uri,
        sup,
        &[(header::RANGE, "bytes=5000-")],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(r.header(header::CONTENT_RANGE), Some("bytes */5000"));

    // Several ranges: the whole file (allowed by RFC 9110).
    let r = send(
        &f,
        "GET",
        &uri,
        sup,
        &[(header::RANGE, "bytes=0-1,5-6")],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.bytes, wav);

    // The row without its file: 404, not a 500.
    std::fs::remove_file(f.path(a, "x.wav")).unwrap();
    let r = send(&f, "GET", &uri, sup, &[], None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("application/problem+json")
    );
}

#[tokio::test]
async fn heard_toggles_and_keeps_the_first_time() {
    let f = fixture().await;
    let a = f.a;
    let id = f.voicemail(a, 1, "+1555", "h.wav", b"h").await;
    let uri = format!("/api/v1/tenants/{a}/voicemails/{id}/heard");
    let sup = Some(f.sup_a.as_str());

    let r = send(&f, "PUT", &uri, sup, &[], Some(r#"{"heard": true}"#)).await;
    assert_eq!(r.status, StatusCode::OK);
    let first = r.json()["heard_ms"].as_i64().expect("heard_ms set");
    let got = send(
        &f,
        "GET",
        &format!("/api/v1/tenants/{a}/voicemails/{id}"),
        sup,
        &[],
        None,
    )
    .await;
    assert_eq!(got.json()["heard_ms"], first);
    let heard = send(
        &f,
        "GET",
        &format!("/api/v1/tenants/{a}/voicemails?heard=true"),
        sup,
        &[],
        None,
    )
    .await;
    assert_eq!(ids(&heard.json()), vec![id]);

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let r = send(&f, "PUT", &uri, sup, &[], Some(r#"{"heard": true}"#)).await;
    assert_eq!(
        r.json()["heard_ms"],
        first,
        "marking heard again keeps the first time"
    );

    let r = send(&f, "PUT", &uri, sup, &[], Some(r#"{"heard": false}"#)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["heard_ms"], Value::Null);
    let new = send(
        &f,
        "GET",
        &format!("/api/v1/tenants/{a}/voicemails?heard=false"),
        sup,
        &[],
        None,
    )
    .await;
    assert_eq!(ids(&new.json()), vec![id]);

    for body in [
        r#"{"heard": "yes"}"#,
        "{}",
        r#"{"heard": true, "x": 1}"#,
        "not json",
    ] {
        let r = send(&f, "PUT", &uri, sup, &[], Some(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            r.header(header::CONTENT_TYPE),
            Some("application/problem+json")
        );
    }
    let r = send(&f, "PUT", &uri, sup, &[], Some("{}")).await;
    assert_eq!(r.json()["field"], "heard");
    let r = send(
        &f,
        "PUT",
        &format!("/api/v1/tenants/{a}/voicemails/999/heard"),
        sup,
        &[],
        Some(r#"{"heard": true}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn delete_removes_the_row_and_the_file() {
    let f = fixture().await;
    let a = f.a;
    let id = f.voicemail(a, 1, "+1555", "d.wav", b"d").await;
    let sup = Some(f.sup_a.as_str());
    let uri = format!("/api/v1/tenants/{a}/voicemails/{id}");
    assert!(f.path(a, "d.wav").exists());
    let r = send(&f, "DELETE", &uri, sup, &[], None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(!f.path(a, "d.wav").exists(), "file removed");
    assert_eq!(
        send(&f, "GET", &uri, sup, &[], None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&f, "GET", &format!("{uri}/audio"), sup, &[], None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&f, "DELETE", &uri, sup, &[], None).await.status,
        StatusCode::NOT_FOUND
    );

    // A file already gone is fine.
    let gone = f
        .row(a, 1, "+1555", &format!("{a}/never-written.wav"), 10)
        .await;
    let r = send(
        &f,
        "DELETE",
        &format!("/api/v1/tenants/{a}/voicemails/{gone}"),
        sup,
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_file_name_never_escapes_the_voicemail_directory() {
    let f = fixture().await;
    let a = f.a;
    // `t.db` sits next to the voicemail directory: a crafted row must not serve or delete it.
    let db = f.dir.path().join("t.db");
    assert!(db.exists());
    let sup = Some(f.sup_a.as_str());
    for name in ["../t.db", "/etc/hostname"] {
        let id = f.row(a, 1, "+1555", name, 10).await;
        let uri = format!("/api/v1/tenants/{a}/voicemails/{id}");
        let r = send(&f, "GET", &format!("{uri}/audio"), sup, &[], None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}");
        let r = send(&f, "DELETE", &uri, sup, &[], None).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{name}");
    }
    assert!(db.exists(), "the database was not touched");
}

#[tokio::test]
async fn tenants_are_isolated_and_agents_refused() {
    let f = fixture().await;
    let (a, b) = (f.a, f.b);
    let id = f.voicemail(a, 1, "+1555", "i.wav", b"i").await;
    let heard = Some(r#"{"heard": true}"#);
    let paths = [
        ("GET", format!("/api/v1/tenants/{a}/voicemails"), None),
        ("GET", format!("/api/v1/tenants/{a}/voicemails/{id}"), None),
        (
            "GET",
            format!("/api/v1/tenants/{a}/voicemails/{id}/audio"),
            None,
        ),
        (
            "PUT",
            format!("/api/v1/tenants/{a}/voicemails/{id}/heard"),
            heard,
        ),
        (
            "DELETE",
            format!("/api/v1/tenants/{a}/voicemails/{id}"),
            None,
        ),
    ];
    for (m, uri, body) in &paths {
        let r = send(&f, m, uri, Some(&f.sup_b), &[], *body).await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{m} {uri} as b's supervisor"
        );
        let r = send(&f, m, uri, Some(&f.agent_a), &[], *body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{m} {uri} as a's agent");
        assert_eq!(
            r.header(header::CONTENT_TYPE),
            Some("application/problem+json")
        );
        let r = send(&f, m, uri, None, &[], *body).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{m} {uri} without a token"
        );
    }
    // a's id under b's tenant: not found, even for the deployment admin.
    for token in [&f.sup_b, &f.root] {
        let r = send(
            &f,
            "GET",
            &format!("/api/v1/tenants/{b}/voicemails/{id}"),
            Some(token),
            &[],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = send(
            &f,
            "DELETE",
            &format!("/api/v1/tenants/{b}/voicemails/{id}"),
            Some(token),
            &[],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    let r = send(
        &f,
        "GET",
        &format!("/api/v1/tenants/{b}/voicemails"),
        Some(&f.sup_b),
        &[],
        None,
    )
    .await;
    assert!(ids(&r.json()).is_empty());
    // Malformed ids are resources that do not exist (the API's convention).
    let r = send(
        &f,
        "GET",
        &format!("/api/v1/tenants/{a}/voicemails/abc"),
        Some(&f.sup_a),
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        Some("application/problem+json")
    );
    // Still there and untouched after all that.
    let r = send(
        &f,
        "GET",
        &format!("/api/v1/tenants/{a}/voicemails/{id}"),
        Some(&f.root),
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["heard_ms"], Value::Null);
    assert!(f.path(a, "i.wav").exists());
}

#[tokio::test]
async fn the_openapi_document_describes_voicemails() {
    let f = fixture().await;
    let r = send(&f, "GET", "/api/v1/openapi.json", None, &[], None).await;
    let doc = r.json();
    let paths = &doc["paths"];
    for p in [
        "/api/v1/tenants/{tenant}/voicemails",
        "/api/v1/tenants/{tenant}/voicemails/{id}",
        "/api/v1/tenants/{tenant}/voicemails/{id}/audio",
        "/api/v1/tenants/{tenant}/voicemails/{id}/heard",
    ] {
        assert!(paths[p].is_object(), "{p} missing");
    }
    assert!(paths["/api/v1/tenants/{tenant}/voicemails/{id}/heard"]["put"].is_object());
    assert!(paths["/api/v1/tenants/{tenant}/voicemails/{id}"]["delete"].is_object());
    assert!(doc["components"]["schemas"]["Voicemail"].is_object());
}
