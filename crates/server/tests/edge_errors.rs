//! Errors the HTTP stack answers by itself (unknown route, 405, 413, 431) as problem
//! documents; the operational endpoints behind a token by default; no database text
//! in conflicts; a deleted tenant's resources answer 404.

mod common;

use common::{ADMIN, Server, demo_id};
use reqwest::{Method, Response};
use serde_json::{Value, json};

async fn problem(r: Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status, "{:?}", r.headers());
    assert_eq!(
        r.headers()["content-type"],
        "application/problem+json",
        "status {status}"
    );
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["status"], status, "{p}");
    assert!(p["title"].is_string() && p["detail"].is_string(), "{p}");
    p
}

#[tokio::test]
async fn stack_errors_are_problem_documents() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &["--http-max-body-bytes", "4096"]).await;
    let h = &s.http;
    // Unknown routes, inside and outside the API.
    for path in ["/nope", "/api/v1/nope", "/ws/nope"] {
        problem(
            h.get(format!("{}{path}", s.base)).send().await.unwrap(),
            404,
        )
        .await;
    }
    // 405 keeps its Allow header.
    let r = h
        .delete(format!("{}/healthz", s.base))
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("allow"), "{:?}", r.headers());
    problem(r, 405).await;
    // 413: a JSON body over --http-max-body-bytes.
    let big = json!({ "name": "x".repeat(10_000) });
    let r = h
        .post(format!("{}/api/v1/tenants", s.base))
        .bearer_auth(ADMIN)
        .json(&big)
        .send()
        .await
        .unwrap();
    problem(r, 413).await;
    // 431: headers over --http-max-header-bytes (16 KiB by default).
    let r = h
        .get(format!("{}/healthz", s.base))
        .header("x-big", "y".repeat(20_000))
        .send()
        .await
        .unwrap();
    problem(r, 431).await;
    // A WebSocket route without an upgrade.
    problem(
        h.get(format!("{}/ws/customer", s.base))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    // Requests go on being served.
    assert_eq!(
        h.get(format!("{}/healthz", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    s.stop().await;
}

#[tokio::test]
async fn ops_endpoints_need_a_token_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let ops_token = "ops-token-0123456789abcdef";
    let s = Server::start(dir.path(), &["--ops-token", ops_token]).await;
    let demo = demo_id(&s).await;
    let h = &s.http;
    let get = |path: &str, token: Option<&str>| {
        let mut r = h.get(format!("{}{path}", s.base));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    for path in ["/metrics", "/docs/", "/api/v1/openapi.json"] {
        let r = get(path, None).await.unwrap();
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        problem(r, 401).await;
        problem(get(path, Some("sy_wrong")).await.unwrap(), 401).await;
        assert_eq!(
            get(path, Some(ADMIN)).await.unwrap().status(),
            200,
            "{path}"
        );
        assert_eq!(
            get(path, Some(ops_token)).await.unwrap().status(),
            200,
            "{path}"
        );
    }
    // A tenant's supervisor reads the docs, not the deployment's metrics.
    let sup = s
        .call(
            Method::POST,
            &format!("/api/v1/tenants/{demo}/tokens"),
            Some(json!({"name": "s", "role": "supervisor"})),
            201,
        )
        .await["secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(get("/docs/", Some(&sup)).await.unwrap().status(), 200);
    problem(get("/metrics", Some(&sup)).await.unwrap(), 403).await;
    // Health stays open.
    for path in ["/healthz", "/readyz"] {
        assert_eq!(get(path, None).await.unwrap().status(), 200);
    }
    let m = get("/metrics", Some(ADMIN))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("switchyard_ops_refused_total"), "{m}");
    s.stop().await;
}

#[tokio::test]
async fn public_ops_and_ops_listen_open_them() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &["--public-ops"]).await;
    for path in ["/metrics", "/docs/", "/api/v1/openapi.json"] {
        let r = s
            .http
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    s.stop().await;

    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ops = format!("127.0.0.1:{port}");
    let s = Server::start(dir.path(), &["--ops-listen", &ops]).await;
    for path in ["/metrics", "/docs/", "/api/v1/openapi.json", "/readyz"] {
        let r = s
            .http
            .get(format!("http://{ops}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path} on --ops-listen");
    }
    // Only the operational endpoints are there; the main address still wants a token.
    let r = s
        .http
        .get(format!("http://{ops}/api/v1/tenants"))
        .send()
        .await
        .unwrap();
    problem(r, 404).await;
    let r = s
        .http
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap();
    problem(r, 401).await;
    s.stop().await;
}

#[tokio::test]
async fn conflicts_name_the_field_and_nothing_of_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[]).await;
    let demo = demo_id(&s).await;
    let leaks = [
        "constraint",
        "unique",
        "sqlite",
        "sql",
        "tenant_id",
        "queue_numbers",
        "_key",
    ];
    let check = |p: &Value| {
        let text = p.to_string().to_lowercase();
        for l in leaks {
            assert!(!text.contains(l), "{l:?} in {p}");
        }
    };
    let p = s
        .call(
            Method::POST,
            "/api/v1/tenants",
            Some(json!({"name": "demo"})),
            409,
        )
        .await;
    check(&p);
    assert!(p["detail"].as_str().unwrap().starts_with("name:"), "{p}");
    let p = s
        .call(
            Method::POST,
            &format!("/api/v1/tenants/{demo}/queues"),
            Some(json!({"name": "sales"})),
            409,
        )
        .await;
    check(&p);
    let p = s
        .call(
            Method::POST,
            &format!("/api/v1/tenants/{demo}/queues"),
            Some(json!({"name": "dup", "numbers": ["500"]})),
            409,
        )
        .await;
    check(&p);
    assert!(p["detail"].as_str().unwrap().starts_with("numbers:"), "{p}");
    // Another tenant's agent holding a SIP user name: the conflict names the field only.
    let other = s
        .call(
            Method::POST,
            "/api/v1/tenants",
            Some(json!({"name": "other"})),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let agents = s
        .call(
            Method::GET,
            &format!("/api/v1/tenants/{demo}/agents"),
            None,
            200,
        )
        .await;
    let sip = agents["items"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|a| a["sip_username"].as_str())
        .unwrap()
        .to_string();
    let p = s
        .call(
            Method::POST,
            &format!("/api/v1/tenants/{other}/agents"),
            Some(json!({"name": "x", "sip_username": sip, "sip_password": "a-long-password-1"})),
            409,
        )
        .await;
    check(&p);
    assert!(
        p["detail"].as_str().unwrap().starts_with("sip_username:"),
        "{p}"
    );
    assert!(!p.to_string().contains(&format!("\"{demo}\"")), "{p}");
    s.stop().await;
}

#[tokio::test]
async fn a_deleted_tenants_resources_answer_404() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &[]).await;
    let t = s
        .call(
            Method::POST,
            "/api/v1/tenants",
            Some(json!({"name": "gone"})),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let q = s
        .call(
            Method::POST,
            &format!("/api/v1/tenants/{t}/queues"),
            Some(json!({"name": "q"})),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let tok = s
        .call(
            Method::POST,
            &format!("/api/v1/tenants/{t}/tokens"),
            Some(json!({"name": "a", "role": "admin"})),
            201,
        )
        .await["secret"]
        .as_str()
        .unwrap()
        .to_string();
    s.call(
        Method::GET,
        &format!("/api/v1/tenants/{t}/queues/{q}"),
        None,
        200,
    )
    .await;
    s.call(Method::DELETE, &format!("/api/v1/tenants/{t}"), None, 204)
        .await;
    for path in [
        format!("/api/v1/tenants/{t}"),
        format!("/api/v1/tenants/{t}/queues"),
        format!("/api/v1/tenants/{t}/queues/{q}"),
        format!("/api/v1/tenants/{t}/agents"),
        format!("/api/v1/tenants/{t}/events"),
        format!("/api/v1/tenants/{t}/live/queues"),
    ] {
        let p = s.call(Method::GET, &path, None, 404).await;
        assert_eq!(p["status"], 404, "{path}: {p}");
    }
    // Its own tokens died with it.
    s.call_as(
        &tok,
        Method::GET,
        &format!("/api/v1/tenants/{t}/queues"),
        None,
        401,
    )
    .await;
    s.stop().await;
}
