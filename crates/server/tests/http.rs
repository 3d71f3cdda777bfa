//! The real binary over HTTP: demo tenant, CRUD on every resource, error cases, live
//! changes reaching the router, restart, queue_log, OpenAPI.

mod common;

use common::{ADMIN, Server, demo_id, eventually};
use reqwest::Method;
use serde_json::{Value, json};

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PUT: Method = Method::PUT;
const DELETE: Method = Method::DELETE;

#[tokio::test]
async fn demo_tenant_is_seeded_and_served() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[]).await;
    let t = demo_id(&s).await;
    let queues = s
        .call(GET, &format!("/api/v1/tenants/{t}/queues"), None, 200)
        .await;
    let mut numbers: Vec<String> = queues["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|q| {
            q["numbers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_string())
        })
        .collect();
    numbers.sort();
    assert_eq!(numbers, ["500", "501"]);
    let sales = &queues["items"][0];
    assert_eq!(sales["name"], "sales");
    assert!(
        !sales["settings"]["overflow"].as_array().unwrap().is_empty(),
        "overflow chain"
    );
    let agents = s
        .call(GET, &format!("/api/v1/tenants/{t}/agents"), None, 200)
        .await;
    let agents = agents["items"].as_array().unwrap();
    assert_eq!(agents.len(), 4);
    assert!(
        agents
            .iter()
            .all(|a| a["has_sip_password"] == true && a["has_chat_password"] == true)
    );
    assert!(
        agents.iter().all(|a| a.get("sip_password").is_none()),
        "secrets never returned"
    );
    let sched = s
        .call(GET, &format!("/api/v1/tenants/{t}/schedules"), None, 200)
        .await;
    assert_eq!(sched["items"].as_array().unwrap().len(), 1);
    let live = s
        .call(GET, &format!("/api/v1/tenants/{t}/live/queues"), None, 200)
        .await;
    assert_eq!(
        live.as_array().unwrap().len(),
        2,
        "both queues are in the router"
    );
    let board = s
        .call(GET, &format!("/api/v1/tenants/{t}/live/agents"), None, 200)
        .await;
    assert_eq!(board.as_array().unwrap().len(), 4);
    let log = s.stop().await;
    assert!(log.contains("admin token   test-admin-token"), "{log}");
    assert!(log.contains("1001 / demo-1001"), "{log}");
    assert!(log.contains("SIP edge is not enabled"), "{log}");
}

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
    assert_eq!(s.call(GET, &base, None, 200).await["name"], "acme-corp");

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
    s.call(DELETE, &base, None, 204).await;
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

#[tokio::test]
async fn auth_scoping_and_validation_errors() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[]).await;
    let demo = demo_id(&s).await;
    // 401: missing and wrong tokens, as problem documents
    let r = s.req(GET, "/api/v1/tenants", None, None).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["status"], 401);
    assert_eq!(
        s.req(GET, "/api/v1/tenants", Some("sy_wrong"), None)
            .await
            .status(),
        401
    );

    // a second tenant with its own admin and agent tokens
    let other = s
        .call(POST, "/api/v1/tenants", Some(json!({"name": "other"})), 201)
        .await["id"]
        .as_i64()
        .unwrap();
    let other_admin = s
        .call(
            POST,
            &format!("/api/v1/tenants/{other}/tokens"),
            Some(json!({"name": "a", "role": "admin"})),
            201,
        )
        .await["secret"]
        .as_str()
        .unwrap()
        .to_string();
    // 404 for another tenant's resources, even ones that exist
    s.call_as(
        &other_admin,
        GET,
        &format!("/api/v1/tenants/{demo}/queues"),
        None,
        404,
    )
    .await;
    s.call_as(
        &other_admin,
        GET,
        &format!("/api/v1/tenants/{demo}/queues/1"),
        None,
        404,
    )
    .await;
    s.call_as(
        &other_admin,
        GET,
        &format!("/api/v1/tenants/{demo}/live/agents"),
        None,
        404,
    )
    .await;
    let mine = s
        .call_as(&other_admin, GET, "/api/v1/tenants", None, 200)
        .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    s.call_as(
        &other_admin,
        POST,
        "/api/v1/tenants",
        Some(json!({"name": "x"})),
        403,
    )
    .await;
    // a queue id of the demo tenant under the other tenant's path is 404 too
    s.call_as(
        &other_admin,
        GET,
        &format!("/api/v1/tenants/{other}/queues/1"),
        None,
        404,
    )
    .await;
    s.call(
        GET,
        &format!("/api/v1/tenants/{demo}/queues/999999"),
        None,
        404,
    )
    .await;
    s.call(
        GET,
        &format!("/api/v1/tenants/{demo}/queues/abc"),
        None,
        404,
    )
    .await;

    // 422 with the offending field
    let p = s
        .call(
            POST,
            &format!("/api/v1/tenants/{demo}/queues"),
            Some(json!({"name": "x", "settings": {"ring_timeout_secs": "soon"}})),
            422,
        )
        .await;
    assert_eq!(p["field"], "settings.ring_timeout_secs");
    let p = s
        .call(
            POST,
            &format!("/api/v1/tenants/{demo}/queues"),
            Some(json!({"name": "x", "settings": {"strategy": "psychic"}})),
            422,
        )
        .await;
    assert_eq!(p["field"], "settings.strategy");
    let p = s
        .call(
            POST,
            &format!("/api/v1/tenants/{demo}/queues"),
            Some(json!({"numbers": ["1"]})),
            422,
        )
        .await;
    assert_eq!(p["field"], "name");
    let p = s
        .call(
            POST,
            &format!("/api/v1/tenants/{demo}/queues"),
            Some(json!({"name": "x", "settings": {"required_skills": [{"skill": "nope"}]}})),
            422,
        )
        .await;
    assert_eq!(p["field"], "settings.required_skills[0].skill");
    let p = s
        .call(
            POST,
            &format!("/api/v1/tenants/{demo}/queues"),
            Some(json!({"name": "x", "numbers": ["bad number!"]})),
            422,
        )
        .await;
    assert_eq!(p["field"], "numbers[0]");
    let p = s
        .call(
            POST,
            &format!("/api/v1/tenants/{demo}/schedules"),
            Some(json!({"name": "x", "schedule": {"time_zone": "Mars/Olympus", "weekly": []}})),
            422,
        )
        .await;
    assert_eq!(p["field"], "schedule");
    let p = s
        .call(
            GET,
            &format!("/api/v1/tenants/{demo}/queues?limit=0"),
            None,
            422,
        )
        .await;
    assert_eq!(p["field"], "limit");
    let p = s
        .call(
            GET,
            &format!("/api/v1/tenants/{demo}/events?from_ms=yesterday"),
            None,
            422,
        )
        .await;
    assert_eq!(p["field"], "from_ms");
    let p = s
        .call(
            POST,
            &format!("/api/v1/tenants/{demo}/memberships"),
            Some(json!({"agent_id": 999, "queue_id": 1})),
            422,
        )
        .await;
    assert_eq!(p["field"], "agent_id");
    // 409: a number already in use
    s.call(
        POST,
        &format!("/api/v1/tenants/{demo}/queues"),
        Some(json!({"name": "dup", "numbers": ["500"]})),
        409,
    )
    .await;

    // roles: supervisor reads and acts but does not configure; agent only itself
    let sup = s
        .call(
            POST,
            &format!("/api/v1/tenants/{demo}/tokens"),
            Some(json!({"name": "s", "role": "supervisor"})),
            201,
        )
        .await["secret"]
        .as_str()
        .unwrap()
        .to_string();
    s.call_as(
        &sup,
        POST,
        &format!("/api/v1/tenants/{demo}/skills"),
        Some(json!({"name": "x"})),
        403,
    )
    .await;
    s.call_as(
        &sup,
        POST,
        &format!("/api/v1/tenants/{demo}/agents/1/pause"),
        Some(json!({"reason": "coaching"})),
        200,
    )
    .await;
    let p = s
        .call(
            POST,
            &format!("/api/v1/tenants/{demo}/tokens"),
            Some(json!({"name": "ag", "role": "agent"})),
            422,
        )
        .await;
    assert_eq!(p["field"], "agent_id");
    let ag = s
        .call(
            POST,
            &format!("/api/v1/tenants/{demo}/tokens"),
            Some(json!({"name": "ag", "role": "agent", "agent_id": 2})),
            201,
        )
        .await["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let v = s
        .call_as(
            &ag,
            POST,
            &format!("/api/v1/tenants/{demo}/agents/2/login"),
            None,
            200,
        )
        .await;
    assert_eq!(v["logged_in"], true);
    s.call_as(
        &ag,
        POST,
        &format!("/api/v1/tenants/{demo}/agents/2/pause"),
        Some(json!({"reason": "lunch"})),
        200,
    )
    .await;
    s.call_as(
        &ag,
        POST,
        &format!("/api/v1/tenants/{demo}/agents/1/pause"),
        Some(json!({"reason": "lunch"})),
        403,
    )
    .await;
    s.call_as(
        &ag,
        GET,
        &format!("/api/v1/tenants/{demo}/queues"),
        None,
        403,
    )
    .await;
    s.call_as(
        &ag,
        GET,
        &format!("/api/v1/tenants/{demo}/agents/2"),
        None,
        200,
    )
    .await;
    s.stop().await;
}

#[tokio::test]
async fn live_changes_reach_the_router_and_events_are_logged() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[]).await;
    let t = demo_id(&s).await;
    let base = format!("/api/v1/tenants/{t}");
    let q = s
        .call(
            POST,
            &format!("{base}/queues"),
            Some(json!({"name": "vip", "numbers": ["700"], "settings": {"ring_timeout_secs": 30}})),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let a = s
        .call(
            POST,
            &format!("{base}/agents"),
            Some(json!({"name": "erin"})),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    s.call(
        POST,
        &format!("{base}/memberships"),
        Some(json!({"agent_id": a, "queue_id": q})),
        200,
    )
    .await;
    let stats = s
        .call(GET, &format!("{base}/live/queues/{q}"), None, 200)
        .await;
    assert_eq!(stats["agents_logged_in"], 0);
    s.call(POST, &format!("{base}/agents/{a}/login"), None, 200)
        .await;
    let stats = s
        .call(GET, &format!("{base}/live/queues/{q}"), None, 200)
        .await;
    assert_eq!(stats["agents_logged_in"], 1, "{stats}");
    assert_eq!(stats["agents_available"], 1, "{stats}");

    let i = s
        .call(
            POST,
            &format!("{base}/interactions"),
            Some(json!({"queue_id": q, "channel": "chat", "caller_id": "Visitor 42"})),
            201,
        )
        .await;
    let iid = i["id"].as_u64().unwrap();
    // The agent is offered the chat at once.
    let board = s.call(GET, &format!("{base}/live/agents"), None, 200).await;
    let erin = board
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == a)
        .unwrap()
        .clone();
    assert_eq!(erin["status"], "ringing", "{erin}");
    let stats = s
        .call(GET, &format!("{base}/live/queues/{q}"), None, 200)
        .await;
    assert_eq!(stats["entered"], 1);
    assert_eq!(stats["offered"], 1);
    // A live settings change keeps the interaction in line.
    s.call(PUT, &format!("{base}/queues/{q}"), Some(json!({"name": "vip", "numbers": ["700"], "settings": {"ring_timeout_secs": 25, "strategy": "linear"}})), 200).await;
    assert_eq!(
        s.call(GET, &format!("{base}/live/queues/{q}/waiting"), None, 200)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    s.call(
        POST,
        &format!("{base}/interactions/{iid}/priority"),
        Some(json!({"priority": 5})),
        204,
    )
    .await;
    assert_eq!(
        s.call(GET, &format!("{base}/interactions/{iid}"), None, 200)
            .await["priority"],
        5
    );
    // Supervisor moves it to the demo sales queue, then hangs it up.
    s.call(
        POST,
        &format!("{base}/interactions/{iid}/move"),
        Some(json!({"queue_id": 1})),
        204,
    )
    .await;
    assert_eq!(
        s.call(GET, &format!("{base}/interactions/{iid}"), None, 200)
            .await["queue"],
        1
    );
    s.call(
        POST,
        &format!("{base}/interactions/{iid}/hangup"),
        None,
        204,
    )
    .await;
    s.call(GET, &format!("{base}/interactions/{iid}"), None, 404)
        .await;
    s.call(
        POST,
        &format!("{base}/agents/{a}/pause"),
        Some(json!({"reason": "lunch"})),
        200,
    )
    .await;
    s.call(POST, &format!("{base}/agents/{a}/unpause"), None, 200)
        .await;
    s.call(POST, &format!("{base}/agents/{a}/logout"), None, 200)
        .await;

    // History, with filters.
    let evs = eventually("events stored", || async {
        let v = s
            .call(
                GET,
                &format!("{base}/events?interaction_id={iid}"),
                None,
                200,
            )
            .await;
        let names: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_string())
            .collect();
        names.iter().any(|n| n == "ABANDON").then_some(names)
    })
    .await;
    assert_eq!(evs[0], "ENTERQUEUE", "{evs:?}");
    assert!(
        evs.contains(&"OFFER".to_string()) && evs.contains(&"MOVE".to_string()),
        "{evs:?}"
    );
    let enter = s
        .call(
            GET,
            &format!("{base}/events?type=ENTERQUEUE&queue_id={q}"),
            None,
            200,
        )
        .await;
    assert_eq!(enter["items"].as_array().unwrap().len(), 1);
    let login = s
        .call(
            GET,
            &format!("{base}/events?agent_id={a}&type=agentlogin"),
            None,
            200,
        )
        .await;
    assert_eq!(login["items"].as_array().unwrap().len(), 1);
    let none = s
        .call(GET, &format!("{base}/events?to_ms=1000"), None, 200)
        .await;
    assert!(none["items"].as_array().unwrap().is_empty());

    // Metrics reflect it.
    let m = s
        .http
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "switchyard_queue_waiting",
        "switchyard_queue_longest_wait_seconds",
        "switchyard_offers_total",
        "switchyard_abandoned_total",
        "switchyard_agents",
        "switchyard_queue_service_level",
        "switchyard_routing_decision_seconds_bucket",
    ] {
        assert!(m.contains(name), "{name} missing in\n{m}");
    }
    s.stop().await;

    // queue_log: Asterisk layout, epoch|callid|queue|agent|EVENT|data…
    let log = std::fs::read_to_string(dir.path().join("queue_log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    let enter = lines
        .iter()
        .find(|l| l.contains("|ENTERQUEUE|"))
        .expect("ENTERQUEUE line");
    let f: Vec<&str> = enter.split('|').collect();
    assert!(f[0].parse::<u64>().unwrap() > 1_600_000_000, "{enter}");
    assert_eq!(f[1], iid.to_string());
    assert_eq!((f[2], f[3], f[4]), ("vip", "NONE", "ENTERQUEUE"));
    assert_eq!(f[6], "Visitor 42");
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with("|NONE|NONE|erin|AGENTLOGIN")),
        "{log}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("|{iid}|sales|NONE|ABANDON|"))),
        "{log}"
    );
    assert!(
        lines.iter().any(|l| l.contains("|erin|PAUSEALL|lunch")),
        "{log}"
    );
}

#[tokio::test]
async fn restart_keeps_configuration_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[]).await;
    let t = demo_id(&s).await;
    let q = s
        .call(
            POST,
            &format!("/api/v1/tenants/{t}/queues"),
            Some(json!({"name": "persist", "numbers": ["777"]})),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    s.call(
        POST,
        &format!("/api/v1/tenants/{t}/agents/1/login"),
        None,
        200,
    )
    .await;
    eventually("login event", || async {
        let v = s
            .call(
                GET,
                &format!("/api/v1/tenants/{t}/events?type=AGENTLOGIN"),
                None,
                200,
            )
            .await;
        (!v["items"].as_array().unwrap().is_empty()).then_some(())
    })
    .await;
    s.stop().await;

    let s = Server::start(dir.path(), &[]).await;
    assert_eq!(demo_id(&s).await, t);
    assert_eq!(
        s.call(GET, "/api/v1/tenants", None, 200).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "demo not seeded twice"
    );
    assert_eq!(
        s.call(GET, &format!("/api/v1/tenants/{t}/queues/{q}"), None, 200)
            .await["numbers"],
        json!(["777"])
    );
    assert_eq!(
        s.call(
            GET,
            &format!("/api/v1/tenants/{t}/live/queues/{q}"),
            None,
            200
        )
        .await["name"],
        "persist"
    );
    let v = s
        .call(
            GET,
            &format!("/api/v1/tenants/{t}/events?type=AGENTLOGIN"),
            None,
            200,
        )
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn openapi_lists_every_route_and_docs_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[]).await;
    let doc: Value = s
        .http
        .get(format!("{}/api/v1/openapi.json", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let expected: &[(&str, &[&str])] = &[
        ("/api/v1/tenants", &["get", "post"]),
        ("/api/v1/tenants/{tenant}", &["get", "put", "delete"]),
        ("/api/v1/tenants/{tenant}/tokens", &["get", "post"]),
        ("/api/v1/tenants/{tenant}/tokens/{id}", &["delete"]),
        ("/api/v1/tenants/{tenant}/queues", &["get", "post"]),
        (
            "/api/v1/tenants/{tenant}/queues/{id}",
            &["get", "put", "delete"],
        ),
        (
            "/api/v1/tenants/{tenant}/queues/{id}/overflow",
            &["get", "put"],
        ),
        ("/api/v1/tenants/{tenant}/schedules", &["get", "post"]),
        (
            "/api/v1/tenants/{tenant}/schedules/{id}",
            &["get", "put", "delete"],
        ),
        ("/api/v1/tenants/{tenant}/skills", &["get", "post"]),
        (
            "/api/v1/tenants/{tenant}/skills/{id}",
            &["get", "put", "delete"],
        ),
        ("/api/v1/tenants/{tenant}/agents", &["get", "post"]),
        (
            "/api/v1/tenants/{tenant}/agents/{id}",
            &["get", "put", "delete"],
        ),
        ("/api/v1/tenants/{tenant}/agents/{id}/login", &["post"]),
        ("/api/v1/tenants/{tenant}/agents/{id}/logout", &["post"]),
        ("/api/v1/tenants/{tenant}/agents/{id}/pause", &["post"]),
        ("/api/v1/tenants/{tenant}/agents/{id}/unpause", &["post"]),
        (
            "/api/v1/tenants/{tenant}/agents/{id}/end-wrap-up",
            &["post"],
        ),
        ("/api/v1/tenants/{tenant}/memberships", &["get", "post"]),
        (
            "/api/v1/tenants/{tenant}/memberships/{agent}/{queue}",
            &["delete"],
        ),
        ("/api/v1/tenants/{tenant}/sounds", &["get"]),
        (
            "/api/v1/tenants/{tenant}/sounds/{name}",
            &["get", "put", "delete"],
        ),
        ("/api/v1/tenants/{tenant}/sounds/{name}/audio", &["get"]),
        ("/api/v1/tenants/{tenant}/live/queues", &["get"]),
        ("/api/v1/tenants/{tenant}/live/queues/{id}", &["get"]),
        (
            "/api/v1/tenants/{tenant}/live/queues/{id}/waiting",
            &["get"],
        ),
        ("/api/v1/tenants/{tenant}/live/agents", &["get"]),
        ("/api/v1/tenants/{tenant}/interactions", &["post"]),
        ("/api/v1/tenants/{tenant}/interactions/{id}", &["get"]),
        ("/api/v1/tenants/{tenant}/interactions/{id}/move", &["post"]),
        (
            "/api/v1/tenants/{tenant}/interactions/{id}/priority",
            &["post"],
        ),
        (
            "/api/v1/tenants/{tenant}/interactions/{id}/hangup",
            &["post"],
        ),
        ("/api/v1/tenants/{tenant}/events", &["get"]),
        ("/healthz", &["get"]),
        ("/readyz", &["get"]),
        ("/metrics", &["get"]),
    ];
    for (path, methods) in expected {
        let item = paths
            .get(*path)
            .unwrap_or_else(|| panic!("{path} missing from the OpenAPI document"));
        for m in *methods {
            assert!(item.get(*m).is_some(), "{m} {path} missing");
        }
    }
    assert_eq!(
        paths.len(),
        expected.len(),
        "undocumented or unexpected paths: {:?}",
        paths.keys().collect::<Vec<_>>()
    );
    // Every documented path answers (not the fallback 404 of an unknown route).
    for (path, _) in expected {
        let p = path
            .replace("{tenant}", "1")
            .replace("{id}", "1")
            .replace("{agent}", "1")
            .replace("{queue}", "1")
            .replace("{name}", "x");
        let r = s.req(Method::OPTIONS, &p, Some(ADMIN), None).await;
        assert_ne!(r.status(), 404, "{path} not routed");
    }
    let docs = s
        .http
        .get(format!("{}/docs/", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), 200);
    assert!(
        docs.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("swagger")
    );
    s.stop().await;
}
