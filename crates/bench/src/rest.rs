//! Setup over the REST admin API: a tenant of its own with queues, agents (chat
//! credentials) and memberships, deleted again at the end.

use crate::error::{Error, Result};
use serde_json::{Value, json};

/// What the run created.
#[derive(Debug)]
pub(crate) struct Setup {
    pub tenant: i64,
    /// The deep queues the waiters join.
    pub queues: Vec<i64>,
    /// A queue served only by the idle agent (join-with-idle-agent pickup).
    pub idle_queue: i64,
    /// Chat logins of the deep agents.
    pub agents: Vec<String>,
    /// Chat login of the idle agent.
    pub idle_agent: String,
    pub password: String,
}

#[derive(Debug)]
pub(crate) struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    pub(crate) fn new(base: &str, token: &str) -> Self {
        Api {
            http: reqwest::Client::new(),
            base: format!("{}/api/v1", base.trim_end_matches('/')),
            token: token.to_string(),
        }
    }

    async fn call(
        &self,
        step: &'static str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        if !status.is_success() {
            return Err(Error::Setup {
                step,
                status: status.as_u16(),
                body: text,
            });
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn post(&self, step: &'static str, path: &str, body: Value) -> Result<i64> {
        let v = self
            .call(step, reqwest::Method::POST, path, Some(body))
            .await?;
        Ok(v["id"].as_i64().unwrap_or_default())
    }

    /// Creates the tenant, `queues` deep queues, `agents` deep agents and the idle pair.
    pub(crate) async fn setup(&self, run: &str, queues: usize, agents: usize) -> Result<Setup> {
        let t = self
            .post("create tenant", "/tenants", json!({ "name": run }))
            .await?;
        let settings =
            json!({ "strategy": "longest_idle", "wrap_up_secs": 0, "ring_timeout_secs": 30 });
        let mut qs = Vec::new();
        for k in 0..queues {
            let body = json!({ "name": format!("q{k}"), "settings": settings });
            qs.push(
                self.post("create queue", &format!("/tenants/{t}/queues"), body)
                    .await?,
            );
        }
        let body = json!({ "name": "idle", "settings": settings });
        let idle_queue = self
            .post("create queue", &format!("/tenants/{t}/queues"), body)
            .await?;
        let password = "bench-password".to_string();
        let agent = |name: String| {
            json!({ "name": name, "chat_login": format!("{run}-{name}"), "chat_password": password,
                    "capacity": { "voice": 1, "chat": 1, "voice_blocks_chat": true } })
        };
        let mut logins = Vec::new();
        for k in 0..agents {
            let name = format!("a{k}");
            let id = self
                .post(
                    "create agent",
                    &format!("/tenants/{t}/agents"),
                    agent(name.clone()),
                )
                .await?;
            for q in &qs {
                let m = json!({ "agent_id": id, "queue_id": q, "penalty": 0 });
                self.post("add member", &format!("/tenants/{t}/memberships"), m)
                    .await?;
            }
            logins.push(format!("{run}-{name}"));
        }
        let id = self
            .post(
                "create agent",
                &format!("/tenants/{t}/agents"),
                agent("idle".into()),
            )
            .await?;
        let m = json!({ "agent_id": id, "queue_id": idle_queue, "penalty": 0 });
        self.post("add member", &format!("/tenants/{t}/memberships"), m)
            .await?;
        Ok(Setup {
            tenant: t,
            queues: qs,
            idle_queue,
            agents: logins,
            idle_agent: format!("{run}-idle"),
            password,
        })
    }

    /// Deletes the run's tenant (and with it its queues and agents).
    pub(crate) async fn teardown(&self, tenant: i64) -> Result<()> {
        self.call(
            "delete tenant",
            reqwest::Method::DELETE,
            &format!("/tenants/{tenant}"),
            None,
        )
        .await
        .map(drop)
    }

    /// The server's resident memory from `/metrics`, when it exports it.
    pub(crate) async fn metrics_rss(&self) -> Option<u64> {
        let base = self.base.trim_end_matches("/api/v1");
        let text = self
            .http
            .get(format!("{base}/metrics"))
            .bearer_auth(&self.token)
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        text.lines()
            .find(|l| l.starts_with("process_resident_memory_bytes "))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|v| v as u64)
    }
}
