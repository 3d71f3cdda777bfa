//! The real binary over HTTP: 401, 403, 404 across tenants, 409, 422 with fields.

mod common;

use common::{Server, demo_id};
use reqwest::Method;
use serde_json::{Value, json};

const GET: Method = Method::GET;
const POST: Method = Method::POST;

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
