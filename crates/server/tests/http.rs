//! The real binary over HTTP: demo tenant, restart, OpenAPI.

mod common;

use common::{ADMIN, Server, demo_id, eventually};
use reqwest::Method;
use serde_json::{Value, json};

const GET: Method = Method::GET;
const POST: Method = Method::POST;

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
    assert!(
        !log.contains(common::ADMIN),
        "a given admin token is not echoed: {log}"
    );
    assert!(
        log.contains("alice   1001 / "),
        "generated demo passwords printed: {log}"
    );
    assert!(log.contains("SIP edge listening"), "{log}");
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
    // Events produced right before SIGTERM are flushed, not lost.
    s.call(
        POST,
        &format!("/api/v1/tenants/{t}/agents/1/pause"),
        Some(json!({"reason": "last-words"})),
        200,
    )
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
    let v = s
        .call(
            GET,
            &format!("/api/v1/tenants/{t}/events?type=PAUSEALL"),
            None,
            200,
        )
        .await;
    let all = s
        .call(GET, &format!("/api/v1/tenants/{t}/events"), None, 200)
        .await;
    let log = std::fs::read_to_string(dir.path().join("queue_log")).unwrap();
    assert_eq!(
        v["items"][0]["body"]["kind"]["reason"], "last-words",
        "{all}\n{log}"
    );
    // Loading the router at start is not a change: no second round of ADDMEMBER.
    let adds = log.lines().filter(|l| l.ends_with("|ADDMEMBER")).count();
    assert_eq!(adds, 0, "{log}");
    let log = std::fs::read_to_string(dir.path().join("queue_log")).unwrap();
    assert!(
        log.lines()
            .any(|l| l.ends_with("|alice|PAUSEALL|last-words")),
        "{log}"
    );
    s.stop().await;
}

#[tokio::test]
async fn openapi_lists_every_route_and_docs_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[]).await;
    let doc: Value = s
        .http
        .get(format!("{}/api/v1/openapi.json", s.base))
        .bearer_auth(common::ADMIN)
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
        ("/api/v1/tenants/{tenant}/agents/{id}/claim", &["post"]),
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
            "/api/v1/tenants/{tenant}/interactions/{id}/transfer",
            &["post"],
        ),
        (
            "/api/v1/tenants/{tenant}/interactions/{id}/priority",
            &["post"],
        ),
        (
            "/api/v1/tenants/{tenant}/interactions/{id}/hangup",
            &["post"],
        ),
        ("/api/v1/tenants/{tenant}/events", &["get"]),
        ("/api/v1/tenants/{tenant}/callback-policy", &["get", "put"]),
        ("/api/v1/tenants/{tenant}/voicemails", &["get"]),
        (
            "/api/v1/tenants/{tenant}/voicemails/{id}",
            &["get", "delete"],
        ),
        ("/api/v1/tenants/{tenant}/voicemails/{id}/audio", &["get"]),
        ("/api/v1/tenants/{tenant}/voicemails/{id}/heard", &["put"]),
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
    // The documented live views match what the server really sends.
    let t = demo_id(&s).await;
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let schema = |name: &str| -> Vec<String> {
        let mut k: Vec<String> = doc["components"]["schemas"][name]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("schema {name} missing"))
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    };
    let stats = s
        .call(GET, &format!("/api/v1/tenants/{t}/live/queues"), None, 200)
        .await;
    assert_eq!(keys(&stats[0]), schema("QueueStats"));
    let board = s
        .call(GET, &format!("/api/v1/tenants/{t}/live/agents"), None, 200)
        .await;
    assert_eq!(keys(&board[0]), schema("AgentView"));
    let i = s
        .call(
            POST,
            &format!("/api/v1/tenants/{t}/interactions"),
            Some(json!({"queue_id": 2, "channel": "chat", "caller_id": "doc"})),
            201,
        )
        .await;
    assert_eq!(keys(&i), schema("InteractionView"));
    let detail = s
        .call(
            GET,
            &format!("/api/v1/tenants/{t}/interactions/{}", i["id"]),
            None,
            200,
        )
        .await;
    assert_eq!(keys(&detail), schema("InteractionDetail"));
    let docs = s
        .http
        .get(format!("{}/docs/", s.base))
        .bearer_auth(common::ADMIN)
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
