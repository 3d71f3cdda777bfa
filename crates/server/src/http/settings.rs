//! The HTTP and WebSocket edge's limits: command line (`HttpArgs`, flattened into
//! `serve`), environment and the config file's `[server]` keys, resolved to
//! [`HttpLimits`].

use crate::config::ServerSection;
use anyhow::{Result, bail};
use clap::Args;
use std::net::SocketAddr;
use std::time::Duration;

/// `serve` options of the HTTP and WebSocket edge (each also `SWITCHYARD_…` and a
/// `[server]` key of the same name with `_` for `-`).
#[derive(Debug, Clone, Args)]
pub(crate) struct HttpArgs {
    /// Seconds a client has to send a request's headers; also how long an idle
    /// keep-alive connection is kept. Slower clients are disconnected. [default: 10]
    #[arg(long, env = "SWITCHYARD_HTTP_HEADER_TIMEOUT_SECS", value_name = "SECS")]
    pub(crate) http_header_timeout_secs: Option<u64>,
    /// Seconds a client has to send a whole request body once its headers are in; an
    /// unfinished body is answered 408 and the connection closed. [default: 30]
    #[arg(long, env = "SWITCHYARD_HTTP_BODY_TIMEOUT_SECS", value_name = "SECS")]
    pub(crate) http_body_timeout_secs: Option<u64>,
    /// Open HTTP/WebSocket connections at most, in all; excess connections are answered
    /// 503 and closed. 0: no cap. [default: 10000]
    #[arg(long, env = "SWITCHYARD_HTTP_MAX_CONNECTIONS", value_name = "N")]
    pub(crate) http_max_connections: Option<usize>,
    /// Open HTTP/WebSocket connections at most from one source address (a whole
    /// office behind NAT counts once: size it for your largest site; a load test from
    /// one host needs more). Excess is answered 429 and closed. 0: no cap. [default: 1000]
    #[arg(
        long,
        env = "SWITCHYARD_HTTP_MAX_CONNECTIONS_PER_SOURCE",
        value_name = "N"
    )]
    pub(crate) http_max_connections_per_source: Option<usize>,
    /// Largest request head (request line and headers), bytes; larger gets 431.
    /// [default: 16384]
    #[arg(long, env = "SWITCHYARD_HTTP_MAX_HEADER_BYTES", value_name = "BYTES")]
    pub(crate) http_max_header_bytes: Option<usize>,
    /// Largest JSON request body, bytes (sound uploads have their own 64 MiB limit);
    /// larger gets 413. [default: 65536]
    #[arg(long, env = "SWITCHYARD_HTTP_MAX_BODY_BYTES", value_name = "BYTES")]
    pub(crate) http_max_body_bytes: Option<usize>,
    /// Seconds between WebSocket pings to every chat socket (customers, agents,
    /// supervisors). [default: 20]
    #[arg(long, env = "SWITCHYARD_WS_PING_SECS", value_name = "SECS")]
    pub(crate) ws_ping_secs: Option<u64>,
    /// Seconds without any frame (pong or message) after which a WebSocket is closed
    /// (4000, "idle timeout: no pong"); a customer dropped so keeps its place for the resume
    /// window. [default: 60]
    #[arg(long, env = "SWITCHYARD_WS_IDLE_TIMEOUT_SECS", value_name = "SECS")]
    pub(crate) ws_idle_timeout_secs: Option<u64>,
    /// Serve `/metrics`, `/docs` and `/api/v1/openapi.json` to anyone. By default they
    /// need a bearer token: a deployment-wide admin token or the --ops-token (any API
    /// token also opens `/docs`).
    #[arg(long, env = "SWITCHYARD_PUBLIC_OPS")]
    pub(crate) public_ops: bool,
    /// A token for `/metrics` and `/docs` only (for Prometheus' `authorization`);
    /// at least 16 characters.
    #[arg(
        long,
        env = "SWITCHYARD_OPS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub(crate) ops_token: Option<String>,
    /// Also serve `/metrics`, `/docs`, `/api/v1/openapi.json`, `/healthz` and `/readyz`
    /// without a token on this address (bind it to a private network).
    #[arg(long, env = "SWITCHYARD_OPS_LISTEN", value_name = "ADDR")]
    pub(crate) ops_listen: Option<SocketAddr>,
}

/// The resolved limits.
#[derive(Clone, Debug)]
pub(crate) struct HttpLimits {
    pub(crate) header_timeout: Duration,
    pub(crate) body_timeout: Duration,
    /// 0: no cap.
    pub(crate) max_connections: usize,
    /// 0: no cap.
    pub(crate) max_per_source: usize,
    pub(crate) max_header_bytes: usize,
    pub(crate) max_body_bytes: usize,
    pub(crate) ws_ping: Duration,
    pub(crate) ws_idle: Duration,
    pub(crate) public_ops: bool,
    pub(crate) ops_token: Option<String>,
    pub(crate) ops_listen: Option<SocketAddr>,
}

fn secs(flag: &str, v: u64) -> Result<Duration> {
    if v == 0 {
        bail!("--{flag} must be at least 1");
    }
    Ok(Duration::from_secs(v))
}

impl HttpLimits {
    /// Command line / environment first, then `[server]`, then defaults.
    pub(crate) fn resolve(a: &HttpArgs, s: &ServerSection) -> Result<HttpLimits> {
        let header_timeout = secs(
            "http-header-timeout-secs",
            a.http_header_timeout_secs
                .or(s.http_header_timeout_secs)
                .unwrap_or(10),
        )?;
        let body_timeout = secs(
            "http-body-timeout-secs",
            a.http_body_timeout_secs
                .or(s.http_body_timeout_secs)
                .unwrap_or(30),
        )?;
        let max_header_bytes = a
            .http_max_header_bytes
            .or(s.http_max_header_bytes)
            .unwrap_or(16 * 1024);
        if !(1024..=1024 * 1024).contains(&max_header_bytes) {
            bail!("--http-max-header-bytes must be between 1024 and 1048576");
        }
        let max_body_bytes = a
            .http_max_body_bytes
            .or(s.http_max_body_bytes)
            .unwrap_or(64 * 1024);
        if max_body_bytes < 1024 {
            bail!("--http-max-body-bytes must be at least 1024");
        }
        let ws_ping = secs(
            "ws-ping-secs",
            a.ws_ping_secs.or(s.ws_ping_secs).unwrap_or(20),
        )?;
        let ws_idle = secs(
            "ws-idle-timeout-secs",
            a.ws_idle_timeout_secs
                .or(s.ws_idle_timeout_secs)
                .unwrap_or(60),
        )?;
        if ws_idle <= ws_ping {
            bail!("--ws-idle-timeout-secs must be longer than --ws-ping-secs");
        }
        let ops_token = a
            .ops_token
            .clone()
            .or(s.ops_token.clone())
            .filter(|t| !t.is_empty());
        if let Some(t) = &ops_token
            && t.len() < 16
        {
            bail!("--ops-token must be at least 16 characters");
        }
        Ok(HttpLimits {
            header_timeout,
            body_timeout,
            max_connections: a
                .http_max_connections
                .or(s.http_max_connections)
                .unwrap_or(10_000),
            max_per_source: a
                .http_max_connections_per_source
                .or(s.http_max_connections_per_source)
                .unwrap_or(1000),
            max_header_bytes,
            max_body_bytes,
            ws_ping,
            ws_idle,
            public_ops: a.public_ops || s.public_ops.unwrap_or(false),
            ops_token,
            ops_listen: a.ops_listen.or(s.ops_listen),
        })
    }
}
