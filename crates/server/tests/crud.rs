//! The real binary over HTTP: create, read, update, delete every resource.

mod common;

use common::{ADMIN, Server};
use reqwest::Method;
use serde_json::{Value, json};

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PUT: Method = Method::PUT;
const DELETE: Method = Method::DELETE;

#[tokio::test]
async fn crud_on_every_resource() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &["--no-demo"]).await;
    let t = s
        .call(POST, "/api/v1/tenants", Some(json!({"name": "acme"})), 201)
        .await["id"]
        .as_i64()
        .unwrap();
    let base = format!("/api/v1/tenants/{t}");
    s.call(PUT, &base, Some(json!({"name": "acme-corp"})), 200)
        .await;
    let tenant = s.call(GET, &base, None, 200).await;
    assert_eq!(tenant["name"], "acme-corp");
    assert_eq!(tenant["allow_anonymous_calls"], false, "off by default");
    // Anonymous SIP calls: set, kept when a PUT leaves it out, cleared.
    let body = json!({"name": "acme-corp", "allow_anonymous_calls": true});
    assert_eq!(
        s.call(PUT, &base, Some(body), 200).await["allow_anonymous_calls"],
        true
    );
    s.call(PUT, &base, Some(json!({"name": "acme-corp"})), 200)
        .await;
    assert_eq!(
        s.call(GET, &base, None, 200).await["allow_anonymous_calls"],
        true
    );
    let body = json!({"name": "acme-corp", "allow_anonymous_calls": false});
    assert_eq!(
        s.call(PUT, &base, Some(body), 200).await["allow_anonymous_calls"],
        false
    );

    // skills
    let sk = s
        .call(
            POST,
            &format!("{base}/skills"),
            Some(json!({"name": "lang:en"})),
            201,
        )
        .await;
    let sk_id = sk["id"].as_i64().unwrap();
    s.call(
        PUT,
        &format!("{base}/skills/{sk_id}"),
        Some(json!({"name": "lang:en", "description": "English"})),
        200,
    )
    .await;
    assert_eq!(
        s.call(GET, &format!("{base}/skills/{sk_id}"), None, 200)
            .await["description"],
        "English"
    );
    let tmp = s
        .call(
            POST,
            &format!("{base}/skills"),
            Some(json!({"name": "tmp"})),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    s.call(DELETE, &format!("{base}/skills/{tmp}"), None, 204)
        .await;
    assert_eq!(
        s.call(GET, &format!("{base}/skills"), None, 200).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // schedules
    let sched = json!({"name": "office", "schedule": {"time_zone": "Europe/Paris",
        "weekly": [{"days": ["mon","tue","wed","thu","fri"], "open": "08:00", "close": "18:00"}],
        "holidays": [{"date": "2030-01-01", "name": "New Year"}]}});
    let sc = s
        .call(POST, &format!("{base}/schedules"), Some(sched.clone()), 201)
        .await["id"]
        .as_i64()
        .unwrap();
    let mut sched2 = sched.clone();
    sched2["schedule"]["weekly"][0]["close"] = json!("19:00");
    s.call(PUT, &format!("{base}/schedules/{sc}"), Some(sched2), 200)
        .await;
    assert_eq!(
        s.call(GET, &format!("{base}/schedules/{sc}"), None, 200)
            .await["schedule"]["weekly"][0]["close"],
        "19:00"
    );

    // queues with every kind of setting
    let q = s
        .call(POST, &format!("{base}/queues"), Some(json!({"name": "billing", "numbers": ["600", "+3314000"], "schedule_id": sc,
            "settings": {"strategy": "ring_all", "ring_timeout_secs": 12, "wrap_up_secs": 5, "max_depth": 10,
                "required_skills": [{"skill": "lang:en"}], "autopause": {"enabled": true, "after_misses": 2},
                "escalation": [{"after_secs": 30, "max_penalty": 5}], "keys": [{"digit": "1", "action": {"type": "callback"}}]}})), 201)
        .await;
    let qid = q["id"].as_i64().unwrap();
    assert_eq!(q["settings"]["strategy"], "ring_all");
    let q2 = s
        .call(
            POST,
            &format!("{base}/queues"),
            Some(json!({"name": "fallback", "numbers": ["601"]})),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let upd = s
        .call(PUT, &format!("{base}/queues/{qid}"), Some(json!({"name": "billing", "numbers": ["600"], "settings": {"strategy": "least_calls", "ring_timeout_secs": 20}})), 200)
        .await;
    assert_eq!(upd["settings"]["strategy"], "least_calls");
    assert_eq!(upd["numbers"], json!(["600"]));
    let live = s
        .call(GET, &format!("{base}/live/queues/{qid}"), None, 200)
        .await;
    assert_eq!(live["name"], "billing");
    let list = s
        .call(GET, &format!("{base}/queues?name=bill"), None, 200)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let page = s
        .call(GET, &format!("{base}/queues?limit=1&offset=1"), None, 200)
        .await;
    assert_eq!(page["items"][0]["id"], q2);

    // overflow chains
    let chain = json!([{"on": ["max_wait", "max_depth"], "action": {"type": "queue", "queue": q2}},
                       {"on": ["after_hours"], "action": {"type": "voicemail"}}]);
    assert_eq!(
        s.call(
            PUT,
            &format!("{base}/queues/{qid}/overflow"),
            Some(chain.clone()),
            200
        )
        .await,
        chain
    );
    assert_eq!(
        s.call(GET, &format!("{base}/queues/{qid}/overflow"), None, 200)
            .await,
        chain
    );

    // agents and memberships
    let a = s
        .call(POST, &format!("{base}/agents"), Some(json!({"name": "zoe", "sip_username": "acme-2001", "sip_password": "secret-1",
            "chat_login": "zoe@acme", "chat_password": "secret-2", "skills": [{"skill": "lang:en", "level": 4}],
            "capacity": {"voice": 1, "chat": 2, "voice_blocks_chat": true}})), 201)
        .await;
    let aid = a["id"].as_i64().unwrap();
    let a = s
        .call(
            PUT,
            &format!("{base}/agents/{aid}"),
            Some(json!({"name": "zoe", "sip_username": "acme-2001", "wrap_up_secs": 3})),
            200,
        )
        .await;
    assert_eq!(a["has_sip_password"], true, "password kept when omitted");
    assert_eq!(a["settings"]["wrap_up_secs"], 3);
    let m = s
        .call(
            POST,
            &format!("{base}/memberships"),
            Some(json!({"agent_id": aid, "queue_id": qid, "penalty": 2})),
            200,
        )
        .await;
    assert_eq!(m["penalty"], 2);
    s.call(
        POST,
        &format!("{base}/memberships"),
        Some(json!({"agent_id": aid, "queue_id": q2})),
        200,
    )
    .await;
    let ms = s
        .call(
            GET,
            &format!("{base}/memberships?queue_id={qid}"),
            None,
            200,
        )
        .await;
    assert_eq!(ms["items"].as_array().unwrap().len(), 1);
    s.call(DELETE, &format!("{base}/memberships/{aid}/{q2}"), None, 204)
        .await;
    assert_eq!(
        s.call(GET, &format!("{base}/memberships"), None, 200).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // tokens
    let tok = s
        .call(
            POST,
            &format!("{base}/tokens"),
            Some(json!({"name": "wallboard", "role": "supervisor"})),
            201,
        )
        .await;
    let secret = tok["secret"].as_str().unwrap().to_string();
    let tid = tok["token"]["id"].as_i64().unwrap();
    s.call_as(&secret, GET, &format!("{base}/queues"), None, 200)
        .await;
    assert_eq!(
        s.call(GET, &format!("{base}/tokens"), None, 200).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    s.call(DELETE, &format!("{base}/tokens/{tid}"), None, 204)
        .await;
    s.call_as(&secret, GET, &format!("{base}/queues"), None, 401)
        .await;

    // sounds: a 44.1 kHz stereo WAV becomes 8 kHz mono 16-bit
    let wav = make_wav(44_100, 2, 44_100 / 2);
    let r = s
        .http
        .put(format!("{}{base}/sounds/welcome", s.base))
        .bearer_auth(ADMIN)
        .body(wav)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let snd: Value = r.json().await.unwrap();
    assert_eq!(snd["sample_rate"], 8000);
    assert!(
        (490..=510).contains(&snd["duration_ms"].as_i64().unwrap()),
        "{snd}"
    );
    let audio = s
        .http
        .get(format!("{}{base}/sounds/welcome/audio", s.base))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let rd = hound::WavReader::new(std::io::Cursor::new(audio.to_vec())).unwrap();
    assert_eq!(
        (
            rd.spec().sample_rate,
            rd.spec().channels,
            rd.spec().bits_per_sample
        ),
        (8000, 1, 16)
    );
    assert!(dir.path().join(format!("sounds/{t}/welcome.wav")).exists());
    let r = s
        .http
        .put(format!("{}{base}/sounds/bad", s.base))
        .bearer_auth(ADMIN)
        .body("not a wav")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        s.call(GET, &format!("{base}/sounds"), None, 200).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    s.call(DELETE, &format!("{base}/sounds/welcome"), None, 204)
        .await;
    s.call(GET, &format!("{base}/sounds/welcome"), None, 404)
        .await;

    // deletes
    s.call(DELETE, &format!("{base}/agents/{aid}"), None, 204)
        .await;
    s.call(GET, &format!("{base}/agents/{aid}"), None, 404)
        .await;
    s.call(DELETE, &format!("{base}/queues/{q2}"), None, 204)
        .await;
    s.call(GET, &format!("{base}/live/queues/{q2}"), None, 404)
        .await;
    s.call(DELETE, &format!("{base}/schedules/{sc}"), None, 204)
        .await;
    assert_eq!(
        s.call(GET, &format!("{base}/queues/{qid}"), None, 200)
            .await["schedule_id"],
        Value::Null
    );
    assert!(dir.path().join(format!("sounds/{t}")).exists());
    s.call(DELETE, &base, None, 204).await;
    assert!(
        !dir.path().join(format!("sounds/{t}")).exists(),
        "prompts deleted with the tenant"
    );
    s.call(GET, &base, None, 404).await;
    s.stop().await;
}

fn make_wav(rate: u32, channels: u16, frames: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::new(std::io::Cursor::new(&mut out), spec).unwrap();
    for i in 0..frames {
        let v = ((i as f32 * 440.0 * std::f32::consts::TAU / rate as f32).sin() * 12000.0) as i16;
        for _ in 0..channels {
            w.write_sample(v).unwrap();
        }
    }
    w.finalize().unwrap();
    out
}
