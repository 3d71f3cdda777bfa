//! Starts the real `switchyard` binary on free ports with a temporary data dir and
//! talks to it over HTTP.
#![allow(dead_code, unreachable_pub)]

use reqwest::{Client, Method, Response};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub const ADMIN: &str = "test-admin-token-0123456789";

/// A running server.
pub struct Server {
    child: Option<Child>,
    pub base: String,
    pub data_dir: PathBuf,
    pub http: Client,
    log: PathBuf,
}

static STARTS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl Server {
    /// The Prometheus text of `/metrics`, read with the admin token (it needs one).
    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.base))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Starts the binary on `data_dir` with extra arguments. Ports are chosen by the
    /// kernel (`:0`) and read back from the start-up banner, so parallel tests never race
    /// for a port.
    pub async fn start(data_dir: &Path, extra: &[&str]) -> Server {
        let n = STARTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let log = data_dir.join(format!("server-{}-{n}.log", std::process::id()));
        let out = std::fs::File::create(&log).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .arg("serve")
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--http-listen")
            .arg("127.0.0.1:0")
            .arg("--sip-listen")
            .arg("127.0.0.1:0")
            .arg("--admin-token")
            .arg(ADMIN)
            .args(extra)
            .env("RUST_LOG", "info,sqlx=warn")
            // Test callers place calls from 127.0.0.1: a trusted trunk (issue 14).
            .env("SWITCHYARD_SIP_TRUNKS_IN", "127.0.0.1")
            .env_remove("SWITCHYARD_DATABASE_URL")
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start switchyard");
        let deadline = Instant::now() + Duration::from_secs(60);
        let text = || std::fs::read_to_string(&log).unwrap_or_default();
        let base = loop {
            if let Some(url) = text().lines().find_map(|l| {
                l.trim()
                    .strip_prefix("REST API")
                    .map(|r| r.trim().to_string())
            }) {
                break url.trim_end_matches("/api/v1").to_string();
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("server exited ({status}) before serving:\n{}", text());
            }
            assert!(Instant::now() < deadline, "no start-up banner:\n{}", text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let s = Server {
            child: Some(child),
            base,
            data_dir: data_dir.to_path_buf(),
            http: Client::new(),
            log,
        };
        loop {
            if let Ok(r) = s.http.get(format!("{}/readyz", s.base)).send().await
                && r.status().is_success()
            {
                return s;
            }
            if Instant::now() > deadline {
                panic!("server did not become ready:\n{}", s.log_text());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The server's stdout+stderr so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub async fn stop(mut self) -> String {
        let mut child = self.child.take().unwrap();
        let st = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(st.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(
                    status.success(),
                    "exit status {status}:\n{}",
                    self.log_text()
                );
                return self.log_text();
            }
            assert!(
                Instant::now() < deadline,
                "no exit after SIGTERM:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A request with a token.
    pub async fn req(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut r = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        r.send().await.unwrap()
    }

    /// Admin request expecting `status`, returning the JSON body (Null if empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        self.call_as(ADMIN, method, path, body, status).await
    }

    /// Request with `token` expecting `status`.
    pub async fn call_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let r = self.req(method.clone(), path, Some(token), body).await;
        let got = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert_eq!(got, status, "{method} {path} -> {got}: {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The demo tenant's id.
pub async fn demo_id(s: &Server) -> i64 {
    let v = s
        .call(Method::GET, "/api/v1/tenants?name=demo", None, 200)
        .await;
    v["items"][0]["id"].as_i64().expect("demo tenant")
}

/// Polls `f` until it returns Some, for up to 10 s.
pub async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
