//! Callback numbers (issue 14 item 4): the tenant's dialling policy and the rate limits
//! on the real binary, over REST (422 naming the field) and the widget's WebSocket (an
//! error message the page shows), and config-as-code.

mod common;

use common::{Server, demo_id};
use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PUT: Method = Method::PUT;

async fn tenant_with_queue(s: &Server, name: &str) -> (i64, i64) {
    let t = s
        .call(POST, "/api/v1/tenants", Some(json!({ "name": name })), 201)
        .await["id"]
        .as_i64()
        .unwrap();
    let q = s
        .call(
            POST,
            &format!("/api/v1/tenants/{t}/queues"),
            Some(json!({"name": "q", "settings": {"pull_mode": true}})),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    (t, q)
}

async fn callback(s: &Server, t: i64, q: i64, number: &str) -> (u16, Value) {
    let r = s
        .req(
            POST,
            &format!("/api/v1/tenants/{t}/interactions"),
            Some(common::ADMIN),
            Some(json!({"queue_id": q, "channel": "callback", "caller_id": number})),
        )
        .await;
    let code = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    let v: Value = r.json().await.unwrap_or(Value::Null);
    if code == 422 {
        assert_eq!(ct.as_deref(), Some("application/problem+json"));
    }
    (code, v)
}

#[tokio::test]
async fn rest_callbacks_pass_the_tenant_policy() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &["--no-demo"]).await;
    let (t, q) = tenant_with_queue(&s, "acme").await;
    // Defaults: no country set, so anything in international form is refused.
    let (code, p) = callback(&s, t, q, "+1 555 123 4567").await;
    assert_eq!(code, 422, "{p}");
    assert_eq!(p["field"], "caller_id", "{p}");
    assert!(p["detail"].as_str().unwrap().contains("abroad"), "{p}");
    let policy = s
        .call(
            GET,
            &format!("/api/v1/tenants/{t}/callback-policy"),
            None,
            200,
        )
        .await;
    assert_eq!(policy["allow_international"], false);
    assert_eq!(policy["allow_premium"], false);
    // A US tenant.
    let set = s
        .call(
            PUT,
            &format!("/api/v1/tenants/{t}/callback-policy"),
            Some(json!({"country_code": "1"})),
            200,
        )
        .await;
    assert_eq!(set["min_digits"], 6, "defaults filled in: {set}");
    let (code, v) = callback(&s, t, q, "+1 555 123 4567").await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(v["caller_id"], "+15551234567", "normalised: {v}");
    for (number, why) in [
        ("+1 900 555 0100", "premium"),
        ("+44 20 7946 0000", "abroad"),
        ("+881 6 1234 5678", "abroad"),
        ("911", "too short"),
        ("call me", "not a phone number"),
    ] {
        let (code, p) = callback(&s, t, q, number).await;
        assert_eq!(code, 422, "{number}: {p}");
        assert_eq!(p["field"], "caller_id");
        assert!(p["detail"].as_str().unwrap().contains(why), "{number}: {p}");
    }
    // An allow-list.
    s.call(
        PUT,
        &format!("/api/v1/tenants/{t}/callback-policy"),
        Some(json!({"country_code": "1", "allowed_prefixes": ["+1555"]})),
        200,
    )
    .await;
    assert_eq!(callback(&s, t, q, "+1 555 222 3333").await.0, 201);
    let (code, p) = callback(&s, t, q, "+1 212 555 0100").await;
    assert_eq!(
        (code, p["detail"].as_str()),
        (422, Some("invalid caller_id: we cannot call this number"))
    );
    // Bad settings name their field.
    let r = s
        .call(
            PUT,
            &format!("/api/v1/tenants/{t}/callback-policy"),
            Some(json!({"country_code": "x1"})),
            422,
        )
        .await;
    assert_eq!(r["field"], "country_code", "{r}");
    let r = s
        .call(
            PUT,
            &format!("/api/v1/tenants/{t}/callback-policy"),
            Some(json!({"min_digits": 9, "max_digits": 4})),
            422,
        )
        .await;
    assert_eq!(r["field"], "min_digits", "{r}");
    // Voice and chat interactions are not callbacks: no number check.
    let r = s
        .req(
            POST,
            &format!("/api/v1/tenants/{t}/interactions"),
            Some(common::ADMIN),
            Some(json!({"queue_id": q, "channel": "chat", "caller_id": "Visitor"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    // The policy survives a restart (stored).
    s.stop().await;
    let s = Server::start(dir.path(), &["--no-demo"]).await;
    let p = s
        .call(
            GET,
            &format!("/api/v1/tenants/{t}/callback-policy"),
            None,
            200,
        )
        .await;
    assert_eq!(p["allowed_prefixes"], json!(["+1555"]), "{p}");
    let (code, _) = callback(&s, t, q, "+1 212 555 0100").await;
    assert_eq!(code, 422);
    s.stop().await;
}

#[tokio::test]
async fn callback_requests_are_rate_limited_per_number_and_per_source() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(
        dir.path(),
        &[
            "--no-demo",
            "--callback-limit-per-number",
            "2/3600",
            "--callback-limit-per-source",
            "4/3600",
        ],
    )
    .await;
    let (t, q) = tenant_with_queue(&s, "acme").await;
    s.call(
        PUT,
        &format!("/api/v1/tenants/{t}/callback-policy"),
        Some(json!({"country_code": "33"})),
        200,
    )
    .await;
    assert_eq!(callback(&s, t, q, "06 12 34 56 78").await.0, 201);
    assert_eq!(callback(&s, t, q, "+33 6 12 34 56 78").await.0, 201);
    let (code, p) = callback(&s, t, q, "0612345678").await;
    assert_eq!(code, 422, "the same number a third time: {p}");
    assert!(p["detail"].as_str().unwrap().contains("too many"), "{p}");
    // Four attempts so far from this token: the fifth is over the source limit, even
    // for a fresh number.
    let (code, p) = callback(&s, t, q, "0712345678").await;
    assert_eq!(code, 201, "{p}");
    let (code, p) = callback(&s, t, q, "0712345679").await;
    assert_eq!(code, 422, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("too many"), "{p}");
    let metrics = s.metrics().await;
    assert!(
        metrics.contains("switchyard_callbacks_refused_total{reason=\"number_rate\"}")
            && metrics.contains("switchyard_callbacks_refused_total{reason=\"source_rate\"}"),
        "{metrics}"
    );
    s.stop().await;
}

/// A customer's WebSocket that has joined `queue` (number) of `tenant`.
async fn widget(
    s: &Server,
    queue: &str,
    tenant: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("{}/ws/customer", s.base.replace("http://", "ws://"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    ws.send(Message::text(
        json!({"v": 1, "type": "join", "queue": queue, "tenant": tenant, "name": "Ann"})
            .to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(next(&mut ws, "joined").await["type"], "joined");
    ws
}

async fn next(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    want: &str,
) -> Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let m = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("no {want}"))
            .expect("socket open")
            .unwrap();
        if let Message::Text(t) = m {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == want || v["type"] == "error" {
                return v;
            }
        }
    }
}

#[tokio::test]
async fn the_widget_gets_a_clear_error_for_a_refused_number() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(
        dir.path(),
        &[
            "--demo-password",
            "test-demo-pw",
            "--callback-limit-per-source",
            "5/3600",
        ],
    )
    .await;
    let t = demo_id(&s).await;
    // The demo tenant's policy: North America only.
    let p = s
        .call(
            GET,
            &format!("/api/v1/tenants/{t}/callback-policy"),
            None,
            200,
        )
        .await;
    assert_eq!(p["country_code"], "1", "{p}");
    let mut ws = widget(&s, "500", "demo").await;
    for (number, why) in [
        ("+44 20 7946 0000", "we cannot call numbers abroad"),
        ("+1 900 555 0100", "we cannot call premium-rate numbers"),
    ] {
        ws.send(Message::text(
            json!({"v": 1, "type": "callback", "number": number}).to_string(),
        ))
        .await
        .unwrap();
        let e = next(&mut ws, "callback_scheduled").await;
        assert_eq!(e["type"], "error", "{number}: {e}");
        assert_eq!(e["code"], "refused", "{e}");
        assert_eq!(e["message"], format!("number: {why}"), "{e}");
    }
    ws.send(Message::text(
        json!({"v": 1, "type": "callback", "number": "+1 555 0100"}).to_string(),
    ))
    .await
    .unwrap();
    let ok = next(&mut ws, "callback_scheduled").await;
    assert_eq!(ok["type"], "callback_scheduled", "{ok}");
    assert_eq!(ok["number"], "+15550100");
    // Per source (this client's address): 3 attempts so far, 5 allowed.
    let mut ws2 = widget(&s, "500", "demo").await;
    ws2.send(Message::text(
        json!({"v": 1, "type": "callback", "number": "+1 555 0101"}).to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(
        next(&mut ws2, "callback_scheduled").await["type"],
        "callback_scheduled"
    );
    let mut ws3 = widget(&s, "500", "demo").await;
    ws3.send(Message::text(
        json!({"v": 1, "type": "callback", "number": "+1 555 0102"}).to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(
        next(&mut ws3, "callback_scheduled").await["type"],
        "callback_scheduled"
    );
    let mut ws4 = widget(&s, "500", "demo").await;
    ws4.send(Message::text(
        json!({"v": 1, "type": "callback", "number": "+1 555 0103"}).to_string(),
    ))
    .await
    .unwrap();
    let e = next(&mut ws4, "callback_scheduled").await;
    assert_eq!(e["type"], "error", "the sixth from this address: {e}");
    assert!(e["message"].as_str().unwrap().contains("too many"), "{e}");
    let log = s.stop().await;
    assert!(log.contains("callback number refused"), "logged");
}

#[tokio::test]
async fn the_policy_comes_from_config_as_code() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("acd.toml");
    std::fs::write(
        &cfg,
        "[[tenants]]\nname = \"fr\"\ncallback_policy = { country_code = \"33\", allowed_prefixes = [\"06\", \"07\"] }\n\
         [[tenants.queues]]\nname = \"q\"\nnumbers = [\"700\"]\n",
    )
    .unwrap();
    let s = Server::start(dir.path(), &["--config", cfg.to_str().unwrap()]).await;
    let t = s.call(GET, "/api/v1/tenants?name=fr", None, 200).await["items"][0]["id"]
        .as_i64()
        .unwrap();
    let q = s
        .call(GET, &format!("/api/v1/tenants/{t}/queues"), None, 200)
        .await["items"][0]["id"]
        .as_i64()
        .unwrap();
    let p = s
        .call(
            GET,
            &format!("/api/v1/tenants/{t}/callback-policy"),
            None,
            200,
        )
        .await;
    assert_eq!(p["allowed_prefixes"], json!(["06", "07"]), "{p}");
    assert_eq!(callback(&s, t, q, "06 12 34 56 78").await.0, 201);
    assert_eq!(callback(&s, t, q, "01 23 45 67 89").await.0, 422);
    s.stop().await;
    // A bad policy in the file stops the start with the field named.
    let dir2 = tempfile::tempdir().unwrap();
    let bad = dir2.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[tenants]]\nname = \"x\"\ncallback_policy = { country_code = \"abc\" }\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["serve", "--data-dir"])
        .arg(dir2.path())
        .args([
            "--http-listen",
            "127.0.0.1:0",
            "--sip-listen",
            "127.0.0.1:0",
            "--config",
        ])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("callback_policy.country_code"), "{err}");
}
