//! Voicemails through the real binary over HTTP: the server creates
//! `<data-dir>/voicemail`, serves a recording written there (whole and by range), marks it
//! heard, deletes row and file, refuses agent tokens, and deleting a tenant removes its
//! recordings.

mod common;

use common::{Server, demo_id};
use reqwest::Method;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE};
use serde_json::json;
use switchyard_store::{NewVoicemail, Store};

fn tone(secs: u32) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
    for i in 0..8000 * secs {
        let x = (i as f32 * 440.0 * std::f32::consts::TAU / 8000.0).sin();
        w.write_sample((x * 8000.0) as i16).unwrap();
    }
    w.finalize().unwrap();
    out.into_inner()
}

#[tokio::test]
async fn voicemails_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[]).await;
    let vm_dir = dir.path().join("voicemail");
    assert!(vm_dir.is_dir(), "the server creates <data-dir>/voicemail");
    let demo = demo_id(&s).await;

    // What the voice edge does: the file, then the row.
    let wav = tone(2);
    std::fs::create_dir_all(vm_dir.join(demo.to_string())).unwrap();
    let file = vm_dir.join(format!("{demo}/call-1.wav"));
    std::fs::write(&file, &wav).unwrap();
    let store = Store::connect(&format!(
        "sqlite://{}",
        dir.path().join("switchyard.db").display()
    ))
    .await
    .unwrap();
    let vm = store
        .insert_voicemail(&NewVoicemail {
            tenant_id: demo,
            queue_id: Some(1),
            caller_id: "+15550100".into(),
            file_name: format!("{demo}/call-1.wav"),
            duration_ms: 2000,
            size_bytes: wav.len() as i64,
            ..Default::default()
        })
        .await
        .unwrap();
    store.close().await;
    let base = format!("/api/v1/tenants/{demo}/voicemails");

    let list = s
        .call(Method::GET, &format!("{base}?heard=false"), None, 200)
        .await;
    assert_eq!(list["items"][0]["id"], vm.id);
    assert_eq!(list["items"][0]["caller_id"], "+15550100");

    let audio = format!("{}{base}/{}/audio", s.base, vm.id);
    let auth = format!("Bearer {}", common::ADMIN);
    let r = s
        .http
        .get(&audio)
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()[CONTENT_TYPE], "audio/wav");
    assert_eq!(r.headers()[CONTENT_LENGTH], wav.len().to_string().as_str());
    assert_eq!(r.bytes().await.unwrap().as_ref(), wav.as_slice());
    let r = s
        .http
        .get(&audio)
        .header("authorization", &auth)
        .header(RANGE, "bytes=44-1043")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()[CONTENT_RANGE],
        format!("bytes 44-1043/{}", wav.len()).as_str()
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), &wav[44..1044]);

    // An agent's token is refused.
    let tok = s
        .call(
            Method::POST,
            &format!("/api/v1/tenants/{demo}/tokens"),
            Some(json!({"name": "alice", "role": "agent", "agent_id": 1})),
            201,
        )
        .await;
    let agent = tok["secret"].as_str().unwrap();
    s.call_as(agent, Method::GET, &base, None, 403).await;
    s.call_as(
        agent,
        Method::DELETE,
        &format!("{base}/{}", vm.id),
        None,
        403,
    )
    .await;

    let v = s
        .call(
            Method::PUT,
            &format!("{base}/{}/heard", vm.id),
            Some(json!({"heard": true})),
            200,
        )
        .await;
    assert!(v["heard_ms"].as_i64().unwrap() > 0);
    s.call(
        Method::PUT,
        &format!("{base}/{}/heard", vm.id),
        Some(json!({"heard": "yes"})),
        422,
    )
    .await;

    s.call(Method::DELETE, &format!("{base}/{}", vm.id), None, 204)
        .await;
    assert!(!file.exists(), "the recording is deleted with its row");
    s.call(Method::GET, &format!("{base}/{}", vm.id), None, 404)
        .await;

    let metrics = s.metrics().await;
    for line in [
        format!("switchyard_voicemails_heard_total{{tenant=\"{demo}\"}} 1"),
        format!("switchyard_voicemails_deleted_total{{tenant=\"{demo}\"}} 1"),
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }

    // A deleted tenant's recordings go with it.
    let t = s
        .call(
            Method::POST,
            "/api/v1/tenants",
            Some(json!({"name": "gone"})),
            201,
        )
        .await;
    let gone = t["id"].as_i64().unwrap();
    let gone_dir = vm_dir.join(gone.to_string());
    std::fs::create_dir_all(&gone_dir).unwrap();
    std::fs::write(gone_dir.join("x.wav"), &wav).unwrap();
    s.call(
        Method::DELETE,
        &format!("/api/v1/tenants/{gone}"),
        None,
        204,
    )
    .await;
    assert!(!gone_dir.exists(), "tenant's voicemail directory removed");
    s.stop().await;
}
