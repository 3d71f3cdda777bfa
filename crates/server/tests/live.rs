//! The real binary over HTTP: configuration changes reach the live router, actions,
//! event history, metrics and the queue_log file.

mod common;

use common::{Server, demo_id, eventually};
use reqwest::Method;
use serde_json::{Value, json};

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PUT: Method = Method::PUT;

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
    // The agent is offered the chat at once. (The web edge may fail the offer at once
    // too: erin has no agent desktop connected. Either way the offer was made.)
    let board = s.call(GET, &format!("{base}/live/agents"), None, 200).await;
    let erin = board
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == a)
        .unwrap()
        .clone();
    assert!(
        erin["status"] == "ringing" || erin["missed_in_row"].as_u64() >= Some(1),
        "{erin}"
    );
    let stats = s
        .call(GET, &format!("{base}/live/queues/{q}"), None, 200)
        .await;
    assert_eq!(stats["entered"], 1);
    assert!(stats["offered"].as_u64() >= Some(1), "{stats}");
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
    let m = s.metrics().await;
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
    assert!(
        m.contains(&format!(
            "switchyard_agents{{tenant=\"{t}\",state=\"offline\"}}"
        )),
        "agents by tenant and state:\n{m}"
    );
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
async fn pull_mode_agent_claims_and_hangs_up() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[]).await;
    let t = demo_id(&s).await;
    let base = format!("/api/v1/tenants/{t}");
    let q = s
        .call(
            POST,
            &format!("{base}/queues"),
            Some(json!({"name": "backoffice", "settings": {"pull_mode": true}})),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let a = s
        .call(
            POST,
            &format!("{base}/agents"),
            Some(json!({"name": "pat"})),
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
    let tok = s
        .call(
            POST,
            &format!("{base}/tokens"),
            Some(json!({"name": "pat", "role": "agent", "agent_id": a})),
            201,
        )
        .await;
    let pat = tok["secret"].as_str().unwrap().to_string();
    s.call_as(&pat, POST, &format!("{base}/agents/{a}/login"), None, 200)
        .await;
    let nothing = s
        .call_as(&pat, POST, &format!("{base}/agents/{a}/claim"), None, 200)
        .await;
    assert_eq!(nothing["interaction"], Value::Null);
    let i = s
        .call(
            POST,
            &format!("{base}/interactions"),
            Some(json!({"queue_id": q, "channel": "callback", "caller_id": "+15551234"})),
            201,
        )
        .await["id"]
        .as_u64()
        .unwrap();
    let detail = s
        .call(GET, &format!("{base}/interactions/{i}"), None, 200)
        .await;
    assert_eq!(detail["position"], 1, "{detail}");
    assert!(detail.get("estimated_wait_secs").is_some(), "{detail}");
    // Nobody is offered anything in pull mode.
    assert_eq!(
        s.call(GET, &format!("{base}/interactions/{i}"), None, 200)
            .await["state"],
        "waiting"
    );
    let got = s
        .call_as(
            &pat,
            POST,
            &format!("{base}/agents/{a}/claim"),
            Some(json!({"queue_id": q})),
            200,
        )
        .await;
    assert_eq!(got["interaction"], i);
    let v = s
        .call(GET, &format!("{base}/interactions/{i}"), None, 200)
        .await;
    assert_eq!(
        (v["state"].as_str(), v["agent"].as_i64()),
        (Some("connected"), Some(a))
    );
    // An agent cannot end someone else's interaction.
    let other = s
        .call(
            POST,
            &format!("{base}/tokens"),
            Some(json!({"name": "bob", "role": "agent", "agent_id": 2})),
            201,
        )
        .await["secret"]
        .as_str()
        .unwrap()
        .to_string();
    s.call_as(
        &other,
        POST,
        &format!("{base}/interactions/{i}/hangup"),
        None,
        403,
    )
    .await;
    // The agent transfers it to the demo sales queue: back in line, same arrival.
    let arrived = v["arrived"].clone();
    s.call_as(
        &pat,
        POST,
        &format!("{base}/interactions/{i}/transfer"),
        Some(json!({"queue_id": 1})),
        204,
    )
    .await;
    let moved = s
        .call(GET, &format!("{base}/interactions/{i}"), None, 200)
        .await;
    assert_eq!(
        (moved["queue"].as_i64(), &moved["arrived"]),
        (Some(1), &arrived),
        "{moved}"
    );
    assert_ne!(moved["state"], "connected");
    // The customer waiting in sales hangs up.
    s.call(POST, &format!("{base}/interactions/{i}/hangup"), None, 204)
        .await;
    let evs = eventually("transfer stored", || async {
        let v = s
            .call(
                GET,
                &format!("{base}/events?interaction_id={i}&type=TRANSFER"),
                None,
                200,
            )
            .await;
        (v["items"].as_array().unwrap().len() == 1).then_some(v)
    })
    .await;
    assert_eq!(evs["items"][0]["agent_id"], a);
    s.stop().await;
}

#[tokio::test]
async fn a_schedule_change_applies_to_the_live_queue() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[]).await;
    let t = demo_id(&s).await;
    let base = format!("/api/v1/tenants/{t}");
    let closed = json!({"name": "hours", "schedule": {"time_zone": "UTC", "weekly": []}});
    let sc = s
        .call(POST, &format!("{base}/schedules"), Some(closed), 201)
        .await["id"]
        .as_i64()
        .unwrap();
    let q = s
        .call(
            POST,
            &format!("{base}/queues"),
            Some(json!({"name": "night", "schedule_id": sc,
                "settings": {"overflow": [{"on": ["after_hours"], "action": {"type": "voicemail"}}]}})),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("{base}/interactions");
    let body = json!({"queue_id": q, "channel": "callback", "caller_id": "+15550199"});
    let join = || s.call(POST, &path, Some(body.clone()), 201);
    // Closed: the caller goes to voicemail instead of waiting.
    let first = join().await;
    assert_eq!(first, Value::Null, "refused at join: {first}");
    let ev = eventually("after-hours overflow", || async {
        let v = s
            .call(
                GET,
                &format!("{base}/events?queue_id={q}&type=OVERFLOW"),
                None,
                200,
            )
            .await;
        (v["items"].as_array().unwrap().len() == 1).then_some(v)
    })
    .await;
    assert_eq!(
        ev["items"][0]["body"]["kind"]["trigger"], "after_hours",
        "{ev}"
    );
    // Open around the clock from now on, without a restart.
    let open = json!({"name": "hours", "schedule": {"time_zone": "UTC",
        "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "open": "00:00", "close": "24:00"}]}});
    s.call(PUT, &format!("{base}/schedules/{sc}"), Some(open), 200)
        .await;
    let second = join().await;
    assert_eq!(second["queue"], q, "waits in line now: {second}");
    s.stop().await;
}

#[tokio::test]
async fn an_overflow_chain_set_over_the_api_moves_callers_live() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[]).await;
    let t = demo_id(&s).await;
    let base = format!("/api/v1/tenants/{t}");
    let small = s
        .call(
            POST,
            &format!("{base}/queues"),
            Some(json!({"name": "small", "settings": {"max_depth": 1}})),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let big = s
        .call(
            POST,
            &format!("{base}/queues"),
            Some(json!({"name": "big"})),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let chain = json!([{"on": ["max_depth"], "action": {"type": "queue", "queue": big}}]);
    s.call(
        PUT,
        &format!("{base}/queues/{small}/overflow"),
        Some(chain),
        200,
    )
    .await;
    let path = format!("{base}/interactions");
    let mut ids = Vec::new();
    for n in 0..2 {
        let body = json!({"queue_id": small, "channel": "chat", "caller_id": format!("v{n}")});
        let v = s.call(POST, &path, Some(body), 201).await;
        ids.push(v["id"].as_u64().unwrap());
    }
    let waiting = |q: i64| {
        let path = format!("{base}/live/queues/{q}/waiting");
        let s = &s;
        async move {
            let v = s.call(GET, &path, None, 200).await;
            v.as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_u64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(waiting(small).await, vec![ids[0]]);
    assert_eq!(
        waiting(big).await,
        vec![ids[1]],
        "the second caller overflowed to big"
    );
    s.stop().await;
}
