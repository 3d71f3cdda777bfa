//! PostgreSQL mode against the local server, config as code, and the CLI subcommands.

mod common;

use common::{Server, demo_id};
use reqwest::Method;
use serde_json::json;
use sqlx::Executor;
use std::process::Command;

fn pg_base() -> String {
    std::env::var("SWITCHYARD_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A fresh database on the local PostgreSQL, dropped at the end.
struct PgDb {
    admin: sqlx::PgPool,
    name: String,
}

impl PgDb {
    async fn create() -> PgDb {
        let admin = sqlx::PgPool::connect(&format!("{}/test", pg_base()))
            .await
            .expect("the local PostgreSQL (127.0.0.1:5432, user postgres, database test) must be running; ./scripts/test.sh starts it");
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!(
            "switchyard_it_{}_{}",
            std::process::id(),
            nanos % 1_000_000_000
        );
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        PgDb { admin, name }
    }

    fn url(&self) -> String {
        format!("{}/{}", pg_base(), self.name)
    }

    async fn drop_db(self) {
        self.admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE {} WITH (FORCE)",
                self.name
            )))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn postgres_mode_seeds_serves_and_survives_restart() {
    let db = PgDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let url = db.url();
    let s = Server::start(dir.path(), &["--database-url", &url]).await;
    let t = demo_id(&s).await;
    assert!(
        !dir.path().join("switchyard.db").exists(),
        "no SQLite file in PostgreSQL mode"
    );
    let q = s
        .call(
            Method::POST,
            &format!("/api/v1/tenants/{t}/queues"),
            Some(json!({"name": "pg-queue", "numbers": ["900"]})),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    s.call(
        Method::POST,
        &format!("/api/v1/tenants/{t}/agents/1/login"),
        None,
        200,
    )
    .await;
    s.call(
        Method::POST,
        &format!("/api/v1/tenants/{t}/queues"),
        Some(json!({"name": "dup", "numbers": ["900"]})),
        409,
    )
    .await;
    s.stop().await;

    let s = Server::start(dir.path(), &["--database-url", &url]).await;
    assert_eq!(
        s.call(
            Method::GET,
            &format!("/api/v1/tenants/{t}/queues/{q}"),
            None,
            200
        )
        .await["name"],
        "pg-queue"
    );
    assert_eq!(
        s.call(
            Method::GET,
            &format!("/api/v1/tenants/{t}/live/queues/{q}"),
            None,
            200
        )
        .await["name"],
        "pg-queue"
    );
    let ev = s
        .call(
            Method::GET,
            &format!("/api/v1/tenants/{t}/events?type=AGENTLOGIN"),
            None,
            200,
        )
        .await;
    assert_eq!(
        ev["items"].as_array().unwrap().len(),
        1,
        "history is in PostgreSQL"
    );
    s.stop().await;
    db.drop_db().await;
}

const CONFIG: &str = r#"
[server]
log_format = "json"

[[tenants]]
name = "coded"
skills = [{ name = "lang:de" }]

[[tenants.schedules]]
name = "weekdays"
time_zone = "Europe/Berlin"
weekly = [{ days = ["mon", "tue", "wed", "thu", "fri"], open = "09:00", close = "17:00" }]

[[tenants.queues]]
name = "first"
numbers = ["800"]
schedule = "weekdays"
settings = { strategy = "linear", required_skills = [{ skill = "lang:de" }] }
overflow = [{ on = ["max_wait"], action = { type = "queue", queue = "second" } }]

[[tenants.queues]]
name = "second"
numbers = ["801"]

[[tenants.agents]]
name = "hans"
sip_username = "2001"
sip_password = "sip-pw-cabb"
skills = [{ skill = "lang:de", level = 3 }]
queues = [{ queue = "first", penalty = 0 }, { queue = "second", penalty = 2 }]
"#;

#[tokio::test]
async fn config_file_is_applied_idempotently() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("switchyard.toml");
    std::fs::write(&file, CONFIG).unwrap();
    let f = file.to_str().unwrap();
    for round in 0..2 {
        let s = Server::start(dir.path(), &["--config", f]).await;
        let tenants = s.call(Method::GET, "/api/v1/tenants", None, 200).await;
        let items = tenants["items"].as_array().unwrap();
        assert_eq!(
            items.len(),
            1,
            "no demo tenant when the file declares tenants (round {round})"
        );
        let t = items[0]["id"].as_i64().unwrap();
        let queues = s
            .call(
                Method::GET,
                &format!("/api/v1/tenants/{t}/queues"),
                None,
                200,
            )
            .await;
        let qs = queues["items"].as_array().unwrap();
        assert_eq!(qs.len(), 2, "round {round}");
        let second = qs.iter().find(|q| q["name"] == "second").unwrap()["id"].clone();
        let first = qs.iter().find(|q| q["name"] == "first").unwrap();
        assert_eq!(first["settings"]["overflow"][0]["action"]["queue"], second);
        assert!(first["schedule_id"].is_i64());
        let ms = s
            .call(
                Method::GET,
                &format!("/api/v1/tenants/{t}/memberships"),
                None,
                200,
            )
            .await;
        assert_eq!(ms["items"].as_array().unwrap().len(), 2, "round {round}");
        let live = s
            .call(
                Method::GET,
                &format!("/api/v1/tenants/{t}/live/agents"),
                None,
                200,
            )
            .await;
        assert_eq!(live[0]["name"], "hans");
        let log = s.stop().await;
        assert!(
            log.lines()
                .any(|l| l.starts_with('{') && l.contains("\"level\"")),
            "json logs from [server]: {log}"
        );
    }
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_switchyard"))
}

#[test]
fn help_explains_every_option() {
    let out = bin().args(["serve", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for opt in [
        "--config",
        "--data-dir",
        "--http-listen",
        "--sip-listen",
        "--database-url",
        "--redis-url",
        "--log-format",
        "--admin-token",
    ] {
        assert!(help.contains(opt), "{opt} missing from help:\n{help}");
    }
    for env in [
        "SWITCHYARD_CONFIG",
        "SWITCHYARD_DATA_DIR",
        "SWITCHYARD_HTTP_LISTEN",
        "SWITCHYARD_SIP_LISTEN",
        "SWITCHYARD_DATABASE_URL",
        "SWITCHYARD_REDIS_URL",
        "SWITCHYARD_LOG_FORMAT",
        "SWITCHYARD_ADMIN_TOKEN",
    ] {
        assert!(help.contains(env), "{env} missing from help:\n{help}");
    }
    let top = String::from_utf8(bin().arg("--help").output().unwrap().stdout).unwrap();
    for cmd in ["serve", "migrate", "token", "config"] {
        assert!(top.contains(cmd), "{cmd} missing:\n{top}");
    }
    let bad = bin()
        .args(["serve", "--sip-listen", "not-an-address"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let bad = bin()
        .args(["serve", "--log-format", "xml"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

#[tokio::test]
async fn migrate_token_create_and_config_check() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = bin().args(["migrate", "--data-dir", d]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(dir.path().join("switchyard.db").exists());
    let out = bin()
        .args(["token", "create", "--data-dir", d, "--name", "ops"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let secret = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(secret.starts_with("sy_"));
    let out = bin()
        .args(["token", "create", "--data-dir", d, "--tenant", "nope"])
        .output()
        .unwrap();
    assert!(!out.status.success());

    let file = dir.path().join("c.toml");
    std::fs::write(&file, CONFIG).unwrap();
    let out = bin()
        .args(["config", "check", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    std::fs::write(
        &file,
        CONFIG.replace("queue = \"second\" }", "queue = \"missing\" }"),
    )
    .unwrap();
    let out = bin()
        .args(["config", "check", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing"));

    // The CLI-made token works against the server started on the same data dir.
    let s = Server::start(dir.path(), &["--no-demo"]).await;
    s.call_as(
        &secret,
        Method::POST,
        "/api/v1/tenants",
        Some(json!({"name": "cli"})),
        201,
    )
    .await;
    let out = bin()
        .args([
            "token",
            "create",
            "--data-dir",
            d,
            "--tenant",
            "cli",
            "--role",
            "supervisor",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let sup = String::from_utf8(out.stdout).unwrap().trim().to_string();
    s.call_as(&sup, Method::GET, "/api/v1/tenants", None, 200)
        .await;
    s.stop().await;
}

#[tokio::test]
async fn every_serve_option_can_come_from_the_environment_and_sigint_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let token = "env-admin-token-0123456789";
    let mut child = bin()
        .arg("serve")
        .env("SWITCHYARD_DATA_DIR", dir.path())
        .env("SWITCHYARD_HTTP_LISTEN", "127.0.0.1:0")
        .env("SWITCHYARD_SIP_LISTEN", "127.0.0.1:0")
        .env("SWITCHYARD_ADMIN_TOKEN", token)
        .env("SWITCHYARD_LOG_FORMAT", "json")
        .env("SWITCHYARD_NO_DEMO", "true")
        .env_remove("SWITCHYARD_DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The kernel picks the port; the banner on stdout says which.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(url) = line.trim().strip_prefix("REST API") {
                let _ = tx.send(url.trim().trim_end_matches("/api/v1").to_string());
            }
        }
    });
    let base = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("start-up banner");
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..300 {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
            ready = r.status().is_success();
            if ready {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "server from environment did not come up");
    let r = http
        .get(format!("{base}/api/v1/tenants"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(
        v["items"].as_array().unwrap().is_empty(),
        "SWITCHYARD_NO_DEMO honoured"
    );
    assert!(
        dir.path().join("switchyard.db").exists(),
        "SWITCHYARD_DATA_DIR honoured"
    );
    let st = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let out = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        let mut err = String::new();
        use std::io::Read;
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (status, err)
    })
    .await
    .unwrap();
    assert!(out.0.success(), "{}", out.1);
    assert!(
        out.1.lines().all(|l| l.starts_with('{')),
        "json logs: {}",
        out.1
    );
    assert!(
        out.1.contains("\"sip_listen\":\"127.0.0.1:0\""),
        "sip listen from env: {}",
        out.1
    );
    assert!(out.1.contains("bye"), "clean shutdown: {}", out.1);
}

#[test]
fn the_readme_config_example_is_valid() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let start = readme
        .find("```toml\n")
        .expect("a TOML example in the README")
        + "```toml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("example.toml");
    std::fs::write(&file, &readme[start..end]).unwrap();
    let out = bin().args(["config", "check"]).arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Configuration as the API shows it, without ids, for comparing deployments.
async fn config_of(s: &Server) -> serde_json::Value {
    let t = demo_id(s).await;
    let get = |what: &'static str| {
        let path = format!("/api/v1/tenants/{t}/{what}");
        async move { s.call(Method::GET, &path, None, 200).await["items"].clone() }
    };
    let queues = get("queues").await;
    let qname = |id: &serde_json::Value| {
        queues
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["id"] == *id)
            .unwrap()["name"]
            .clone()
    };
    let mut out = json!({});
    out["queues"] = queues
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            let mut s = q["settings"].clone();
            s["id"] = json!(null);
            if let Some(chain) = s["overflow"].as_array_mut() {
                for l in chain {
                    if l["action"]["type"] == "queue" {
                        l["action"]["queue"] = qname(&l["action"]["queue"]);
                    }
                }
            }
            json!({"name": q["name"], "numbers": q["numbers"], "scheduled": q["schedule_id"].is_i64(), "settings": s})
        })
        .collect();
    let agents = get("agents").await;
    out["agents"] = agents
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let mut s = a["settings"].clone();
            s["id"] = json!(null);
            json!({"name": a["name"], "sip": a["sip_username"], "chat": a["chat_login"], "sip_pw": a["has_sip_password"], "settings": s})
        })
        .collect();
    let aname = |id: &serde_json::Value| {
        agents
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == *id)
            .unwrap()["name"]
            .clone()
    };
    let mut members: Vec<serde_json::Value> = get("memberships")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            json!([
                aname(&m["agent_id"]),
                qname(&m["queue_id"]),
                m["penalty"],
                m["weight"]
            ])
        })
        .collect();
    members.sort_by_key(|m| m.to_string());
    out["memberships"] = json!(members);
    out["schedules"] = get("schedules")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!({"name": s["name"], "schedule": s["schedule"]}))
        .collect();
    out["skills"] = get("skills")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!([s["name"], s["description"]]))
        .collect();
    out
}

#[tokio::test]
async fn config_export_round_trips_through_config_apply() {
    let a = tempfile::tempdir().unwrap();
    let s = Server::start(a.path(), &[]).await;
    let t = demo_id(&s).await;
    // Something beyond the seed: a tuned queue with a chain naming another queue.
    s.call(
        Method::POST,
        &format!("/api/v1/tenants/{t}/queues"),
        Some(json!({"name": "vip", "numbers": ["599"], "settings": {"strategy": "weighted_random", "max_depth": 3,
            "escalation": [{"after_secs": 10, "raise_priority": 2}],
            "overflow": [{"on": ["max_depth"], "action": {"type": "queue", "queue": 1}}]}})),
        201,
    )
    .await;
    // A tenant setting: anonymous SIP calls allowed.
    let tenant = s
        .call(Method::GET, &format!("/api/v1/tenants/{t}"), None, 200)
        .await;
    let body = json!({"name": tenant["name"], "allow_anonymous_calls": true});
    s.call(
        Method::PUT,
        &format!("/api/v1/tenants/{t}"),
        Some(body),
        200,
    )
    .await;
    let before = config_of(&s).await;
    s.stop().await;
    let out = bin()
        .args(["config", "export", "--with-secrets", "--data-dir"])
        .arg(a.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b = tempfile::tempdir().unwrap();
    let file = b.path().join("exported.toml");
    std::fs::write(&file, &out.stdout).unwrap();
    let s = Server::start(b.path(), &["--config", file.to_str().unwrap()]).await;
    let after = config_of(&s).await;
    let applied = s.call(Method::GET, "/api/v1/tenants", None, 200).await;
    assert_eq!(
        applied["items"][0]["allow_anonymous_calls"], true,
        "allow_anonymous_calls exported and applied: {applied}"
    );
    s.stop().await;
    assert_eq!(
        before,
        after,
        "export + apply reproduces the configuration:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
