//! The API layer without sockets: `app().oneshot()` over a temporary SQLite store and
//! a real router task.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use switchyard_api::{AppState, app, convert_wav};
use switchyard_engine::{Engine, Router};
use switchyard_store::{Role, Store};
use tower::ServiceExt;

struct Fixture {
    state: AppState,
    root: String,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}/t.db", dir.path().display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let (_, root) = store
        .create_token(None, Role::Admin, None, "root", None)
        .await
        .unwrap();
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
        _dir: dir,
    }
}

async fn send(
    f: &Fixture,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Option<String>, Value) {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let res = app(f.state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, ct, v)
}

#[tokio::test]
async fn unauthenticated_requests_get_a_problem_401() {
    let f = fixture().await;
    for token in [None, Some("wrong"), Some("")] {
        let (st, ct, v) = send(&f, "GET", "/api/v1/tenants", token, None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        assert_eq!(ct.as_deref(), Some("application/problem+json"));
        assert_eq!(v["status"], 401);
        assert_eq!(v["title"], "Unauthorized");
    }
    let (st, _, _) = send(&f, "GET", "/healthz", None, None).await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn tenants_are_isolated_and_queues_go_live() {
    let f = fixture().await;
    let root = Some(f.root.as_str());
    let (st, _, a) = send(
        &f,
        "POST",
        "/api/v1/tenants",
        root,
        Some(json!({"name": "a"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let (_, _, b) = send(
        &f,
        "POST",
        "/api/v1/tenants",
        root,
        Some(json!({"name": "b"})),
    )
    .await;
    let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    let (st, _, q) = send(
        &f,
        "POST",
        &format!("/api/v1/tenants/{a}/queues"),
        root,
        Some(json!({"name": "q", "numbers": ["100"]})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let qid = q["id"].as_i64().unwrap();
    let (st, _, stats) = send(
        &f,
        "GET",
        &format!("/api/v1/tenants/{a}/live/queues/{qid}"),
        root,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(stats["waiting"], 0);
    let (_, _, tok) = send(
        &f,
        "POST",
        &format!("/api/v1/tenants/{b}/tokens"),
        root,
        Some(json!({"name": "b", "role": "admin"})),
    )
    .await;
    let b_admin = tok["secret"].as_str().unwrap().to_string();
    let (st, _, _) = send(
        &f,
        "GET",
        &format!("/api/v1/tenants/{a}/queues/{qid}"),
        Some(&b_admin),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _, _) = send(
        &f,
        "GET",
        &format!("/api/v1/tenants/{b}/queues/{qid}"),
        Some(&b_admin),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _, _) = send(
        &f,
        "DELETE",
        &format!("/api/v1/tenants/{a}/queues/{qid}"),
        root,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _, _) = send(
        &f,
        "GET",
        &format!("/api/v1/tenants/{a}/live/queues/{qid}"),
        root,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    let f = fixture().await;
    let root = Some(f.root.as_str());
    let (_, _, t) = send(
        &f,
        "POST",
        "/api/v1/tenants",
        root,
        Some(json!({"name": "a"})),
    )
    .await;
    let t = t["id"].as_i64().unwrap();
    let cases = [
        (
            json!({"name": "q", "settings": {"ring_timeout_secs": 0}}),
            "settings.ring_timeout_secs",
        ),
        (
            json!({"name": "q", "settings": {"autopause": {"after_misses": "x"}}}),
            "settings.autopause.after_misses",
        ),
        (
            json!({"name": "q", "settings": {"overflow": [{"on": ["max_wait"], "action": {"type": "queue", "queue": 42}}]}}),
            "settings.overflow[0].action.queue",
        ),
        (json!({"name": "", "numbers": []}), "name"),
        (json!({"name": "a|b"}), "name"),
        (json!("just a string"), "body"),
    ];
    for (body, field) in cases {
        let (st, ct, v) = send(
            &f,
            "POST",
            &format!("/api/v1/tenants/{t}/queues"),
            root,
            Some(body.clone()),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert_eq!(ct.as_deref(), Some("application/problem+json"));
        assert_eq!(v["field"], field, "{body}: {v}");
    }
}

#[tokio::test]
async fn store_outage_is_a_503_without_internals() {
    let f = fixture().await;
    let root = f.root.clone();
    f.state.store.close().await;
    let (st, ct, v) = send(&f, "GET", "/readyz", None, None).await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ct.as_deref(), Some("application/problem+json"));
    assert!(
        !v.to_string().to_lowercase().contains("sqlite") && !v.to_string().contains("pool"),
        "{v}"
    );
    let (st, _, v) = send(&f, "GET", "/api/v1/tenants", Some(&root), None).await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(v["detail"], "service unavailable");
}

fn wav(spec: hound::WavSpec, frames: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = hound::WavWriter::new(std::io::Cursor::new(&mut out), spec).unwrap();
    for i in 0..frames {
        for _ in 0..spec.channels {
            match (spec.sample_format, spec.bits_per_sample) {
                (hound::SampleFormat::Float, _) => {
                    w.write_sample(((i as f32) * 0.05).sin() * 0.5).unwrap()
                }
                (_, 8) => w.write_sample(((i % 50) as i8) - 25).unwrap(),
                (_, 16) => w.write_sample(((i % 100) as i16 - 50) * 200).unwrap(),
                (_, b) => w.write_sample(((i % 100) as i32 - 50) << (b - 8)).unwrap(),
            }
        }
    }
    w.finalize().unwrap();
    out
}

#[test]
fn wav_conversion_accepts_common_formats_and_rejects_others() {
    use hound::{SampleFormat::*, WavSpec};
    for (rate, ch, bits, fmt) in [
        (8000, 1, 16, Int),
        (16000, 1, 16, Int),
        (44100, 2, 16, Int),
        (48000, 2, 24, Int),
        (22050, 1, 8, Int),
        (48000, 1, 32, Float),
        (11025, 2, 32, Int),
    ] {
        let spec = WavSpec {
            channels: ch,
            sample_rate: rate,
            bits_per_sample: bits,
            sample_format: fmt,
        };
        let p = convert_wav(&wav(spec, rate as usize))
            .unwrap_or_else(|e| panic!("{rate}/{ch}/{bits}: {e}"));
        assert!(
            (990..=1000).contains(&p.duration_ms),
            "{rate}: {}",
            p.duration_ms
        );
        let r = hound::WavReader::new(std::io::Cursor::new(p.wav)).unwrap();
        assert_eq!(
            r.spec(),
            WavSpec {
                channels: 1,
                sample_rate: 8000,
                bits_per_sample: 16,
                sample_format: Int
            }
        );
        assert_eq!(r.duration() as usize, 8000 * p.duration_ms as usize / 1000);
    }
    assert!(convert_wav(b"RIFF....WAVEjunk").is_err());
    assert!(convert_wav(b"ID3\x03mp3 data").is_err());
    let empty = wav(
        WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: Int,
        },
        0,
    );
    assert!(convert_wav(&empty).is_err());
}

fn g711_wav(tag: u16, rate: u32, data: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(4 + 8 + 18 + 8 + data.len() as u32).to_le_bytes());
    b.extend_from_slice(b"WAVE");
    b.extend_from_slice(b"fmt ");
    b.extend_from_slice(&18u32.to_le_bytes());
    b.extend_from_slice(&tag.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes()); // mono
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes()); // byte rate
    b.extend_from_slice(&1u16.to_le_bytes()); // block align
    b.extend_from_slice(&8u16.to_le_bytes()); // bits
    b.extend_from_slice(&0u16.to_le_bytes()); // cbSize
    b.extend_from_slice(b"data");
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(data);
    b
}

#[test]
fn telephony_g711_wavs_are_accepted() {
    // Half a second of a loud square wave in µ-law (0x80 = +32124, 0x00 = -32124).
    let ulaw: Vec<u8> = (0..4000)
        .map(|i| if (i / 20) % 2 == 0 { 0x80 } else { 0x00 })
        .collect();
    let p = convert_wav(&g711_wav(7, 8000, &ulaw)).unwrap();
    assert_eq!(p.duration_ms, 500);
    let mut r = hound::WavReader::new(std::io::Cursor::new(p.wav)).unwrap();
    assert_eq!(
        (
            r.spec().sample_rate,
            r.spec().channels,
            r.spec().bits_per_sample
        ),
        (8000, 1, 16)
    );
    let peak = r
        .samples::<i16>()
        .map(|s| s.unwrap().unsigned_abs())
        .max()
        .unwrap();
    assert!(peak > 30_000, "decoded, not silence: {peak}");
    // A-law at 16 kHz is resampled to 8 kHz.
    let alaw = vec![0xD5u8; 16000];
    let p = convert_wav(&g711_wav(6, 16000, &alaw)).unwrap();
    assert_eq!(p.duration_ms, 1000);
    // A G.711 header with the wrong sample size is refused.
    let mut bad = g711_wav(7, 8000, &ulaw);
    bad[34] = 16;
    assert!(convert_wav(&bad).is_err());
}
