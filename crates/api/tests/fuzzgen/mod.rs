//! Shared by the REST fuzz tests: a fixture over a temporary SQLite store and a real
//! router task, the checked `oneshot` call (never a 5xx; errors are problem documents),
//! and bodies generated from the OpenAPI request schemas, then mutated.

#![allow(dead_code, unreachable_pub)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use rand::Rng;
use rand::rngs::SmallRng;
use serde_json::{Map, Value, json};
use switchyard_api::{AppState, app};
use switchyard_engine::{Engine, Router};
use switchyard_store::{Role, Store};
use tower::ServiceExt;

pub fn cases(default: u32) -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub struct Fixture {
    pub state: AppState,
    pub root: String,
    pub tenant: i64,
    pub ids: Vec<i64>,
    _dir: tempfile::TempDir,
}

pub async fn call(
    f: &Fixture,
    method: &str,
    uri: &str,
    ct: Option<&str>,
    body: Vec<u8>,
) -> Result<(StatusCode, Value), String> {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {}", f.root));
    if let Some(ct) = ct {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    let req = b.body(Body::from(body)).map_err(|e| e.to_string())?;
    let res = app(f.state.clone())
        .oneshot(req)
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status();
    let ctype = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = res
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if status.is_server_error() {
        return Err(format!(
            "{method} {uri} -> {status}: {}",
            String::from_utf8_lossy(&bytes)
        ));
    }
    if status.is_client_error()
        && (ctype != "application/problem+json" || v["status"] != status.as_u16())
    {
        return Err(format!(
            "{method} {uri} -> {status} is not a problem document ({ctype}): {}",
            String::from_utf8_lossy(&bytes)
        ));
    }
    Ok((status, v))
}

pub async fn fixture() -> Fixture {
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
    let mut f = Fixture {
        state,
        root,
        tenant: 0,
        ids: Vec::new(),
        _dir: dir,
    };
    let ok = |r: Result<(StatusCode, Value), String>| r.unwrap().1["id"].as_i64().unwrap();
    let body = |v: Value| v.to_string().into_bytes();
    let json_ct = Some("application/json");
    f.tenant = ok(call(
        &f,
        "POST",
        "/api/v1/tenants",
        json_ct,
        body(json!({"name": "acme"})),
    )
    .await);
    let t = f.tenant;
    let q = ok(call(
        &f,
        "POST",
        &format!("/api/v1/tenants/{t}/queues"),
        json_ct,
        body(json!({"name": "sales", "numbers": ["500"]})),
    )
    .await);
    let a = ok(call(
        &f,
        "POST",
        &format!("/api/v1/tenants/{t}/agents"),
        json_ct,
        body(json!({"name": "bob"})),
    )
    .await);
    let s = ok(call(
        &f,
        "POST",
        &format!("/api/v1/tenants/{t}/skills"),
        json_ct,
        body(json!({"name": "lang:fr"})),
    )
    .await);
    f.ids = vec![q, a, s, 1, 2];
    f
}

/// The POST and PUT routes and their JSON request schemas, from the OpenAPI document.
pub fn routes(doc: &Value) -> Vec<(String, String, Option<Value>)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["post", "put"] {
            if let Some(op) = item.get(method) {
                let schema = op["requestBody"]["content"]["application/json"]["schema"].clone();
                out.push((
                    method.to_uppercase(),
                    path.clone(),
                    (!schema.is_null()).then_some(schema),
                ));
            }
        }
    }
    out.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    out
}

pub fn resolve<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or_default();
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => s,
    }
}

pub fn random_value(rng: &mut SmallRng, depth: u32) -> Value {
    match rng.random_range(0..12) {
        0 => Value::Null,
        1 => json!(rng.random::<bool>()),
        2 => json!(rng.random::<i64>()),
        3 => json!(rng.random_range(-2i64..5)),
        4 => json!(u64::MAX),
        5 => json!(rng.random::<f64>() * 1e300),
        6 => json!("x".repeat(rng.random_range(0..5000))),
        7 => json!(["\u{0}", "|", "\u{202e}", "é", ""][rng.random_range(0..5)]),
        8 if depth < 3 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        9 if depth < 3 => {
            let mut m = Map::new();
            for i in 0..rng.random_range(0..4) {
                m.insert(format!("k{i}"), random_value(rng, depth + 1));
            }
            Value::Object(m)
        }
        10 => json!("2026-12-04T10:00:00Z"),
        _ => json!(
            [
                "500",
                "mon-fri 09:00-17:00",
                "admin",
                "supervisor",
                "lang:fr",
                "voicemail",
                "queue"
            ][rng.random_range(0..7)]
        ),
    }
}

/// An instance of `schema`, mostly valid.
pub fn instance(doc: &Value, schema: &Value, rng: &mut SmallRng, depth: u32) -> Value {
    let s = resolve(doc, schema);
    if depth > 6 || rng.random_range(0..40) == 0 {
        return random_value(rng, depth);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = s
            .get(key)
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
        {
            return instance(doc, &alts[rng.random_range(0..alts.len())], rng, depth + 1);
        }
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        let mut m = Map::new();
        for part in all {
            if let Value::Object(o) = instance(doc, part, rng, depth + 1) {
                m.extend(o);
            }
        }
        return Value::Object(m);
    }
    if let Some(e) = s
        .get("enum")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
    {
        return e[rng.random_range(0..e.len())].clone();
    }
    let ty = match &s["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) if !ts.is_empty() => ts[rng.random_range(0..ts.len())]
            .as_str()
            .unwrap_or("null")
            .to_owned(),
        _ if s.get("properties").is_some() => "object".into(),
        _ => return random_value(rng, depth),
    };
    match ty.as_str() {
        "object" => {
            let required: Vec<&str> = s["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut m = Map::new();
            if let Some(props) = s["properties"].as_object() {
                for (k, p) in props {
                    if required.contains(&k.as_str()) || rng.random_bool(0.6) {
                        m.insert(k.clone(), instance(doc, p, rng, depth + 1));
                    }
                }
            }
            Value::Object(m)
        }
        "array" => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| instance(doc, &s["items"], rng, depth + 1))
                .collect(),
        ),
        "string" => match rng.random_range(0..6) {
            0 => json!(""),
            1 => json!("x".repeat(rng.random_range(90..120))),
            _ => json!(
                [
                    "bob",
                    "500",
                    "lang:fr",
                    "09:00",
                    "+15550100",
                    "a b",
                    "mon-fri 09:00-17:00"
                ][rng.random_range(0..7)]
            ),
        },
        "integer" => match rng.random_range(0..5) {
            0 => json!(rng.random::<i64>()),
            1 => json!(-1),
            _ => json!(rng.random_range(0..120)),
        },
        "number" => json!(rng.random_range(-1.0..100.0)),
        "boolean" => json!(rng.random::<bool>()),
        _ => Value::Null,
    }
}

/// Structure-aware mutations of a generated body.
pub fn mutate(rng: &mut SmallRng, v: &mut Value) {
    if let Value::Object(m) = v {
        let keys: Vec<String> = m.keys().cloned().collect();
        match rng.random_range(0..4) {
            0 if !keys.is_empty() => {
                m.remove(&keys[rng.random_range(0..keys.len())]);
            }
            1 if !keys.is_empty() => {
                let k = keys[rng.random_range(0..keys.len())].clone();
                m.insert(k, random_value(rng, 0));
            }
            2 => {
                m.insert("unexpected".into(), random_value(rng, 0));
            }
            _ => {
                let k = keys.get(rng.random_range(0..keys.len().max(1)));
                if let Some(inner) = k.and_then(|k| m.get_mut(k)) {
                    mutate(rng, inner);
                }
            }
        }
    } else if let Value::Array(a) = v {
        if a.is_empty() || rng.random_bool(0.3) {
            a.push(random_value(rng, 0));
        } else {
            let i = rng.random_range(0..a.len());
            mutate(rng, &mut a[i]);
        }
    } else {
        *v = random_value(rng, 0);
    }
}

pub fn path_of(f: &Fixture, template: &str, rng: &mut SmallRng) -> String {
    let pick = |rng: &mut SmallRng, own: i64| -> String {
        match rng.random_range(0..10) {
            0 => ["0", "-1", "abc", "99999999999999999999", "1.5", "%00"][rng.random_range(0..6)]
                .into(),
            1 => rng.random::<u32>().to_string(),
            _ => own.to_string(),
        }
    };
    let mut out = String::new();
    for seg in template.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        match seg {
            "{tenant}" => out.push_str(&pick(rng, f.tenant)),
            "{name}" => out.push_str(
                ["hello", "a.b", "..", "x%2Fy", &"n".repeat(200)][rng.random_range(0..5)],
            ),
            s if s.starts_with('{') => {
                let id = f.ids[rng.random_range(0..f.ids.len())];
                out.push_str(&pick(rng, id));
            }
            s => out.push_str(s),
        }
    }
    out
}
