//! The HTTP server: hyper's HTTP/1.1 connections (with upgrades for the WebSockets)
//! under our own accept loop, so that slow and greedy clients are bounded:
//! a header read timeout (also the keep-alive idle timeout), a body deadline, head and
//! body size limits, connection caps in all and per source, and every error the stack
//! answers by itself as a problem document.

mod conns;
mod layers;
mod settings;

pub(crate) use settings::{HttpArgs, HttpLimits};

use anyhow::Result;
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tower::ServiceExt;

/// Wraps the application in the request limits and the problem-document layer.
pub(crate) fn with_limits(app: Router, l: &HttpLimits) -> Router {
    let limits = layers::RequestLimits {
        max_header_bytes: l.max_header_bytes,
        body_timeout: l.body_timeout,
    };
    app.layer(DefaultBodyLimit::max(l.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            limits,
            layers::limit_requests,
        ))
        .layer(axum::middleware::from_fn(switchyard_api::problem_errors))
}

/// Refused connections answered at once at most (more are just closed).
const MAX_REFUSING: usize = 256;

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests
/// finish (for at most 30 s).
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    l: &HttpLimits,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let conns = conns::Conns::new(l.max_connections, l.max_per_source);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(l.header_timeout)
        // hyper's own hard limit (a bare 431) sits above ours (a problem document).
        .max_buf_size((l.max_header_bytes * 2).max(8192));
    let builder = Arc::new(builder);
    let refusing = Arc::new(AtomicUsize::new(0));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut shutdown => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, go on.
                    tracing::warn!(error = %e, "accepting an HTTP connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let place = match conns.admit(peer.ip()) {
            Ok(p) => p,
            Err(why) => {
                metrics::counter!("switchyard_http_refused_total", "reason" => why.label())
                    .increment(1);
                tracing::debug!(%peer, cap = why.label(), "HTTP connection refused: over the cap");
                if refusing.fetch_add(1, Ordering::SeqCst) < MAX_REFUSING {
                    let refusing = refusing.clone();
                    tokio::spawn(async move {
                        conns::refuse(tcp, why).await;
                        refusing.fetch_sub(1, Ordering::SeqCst);
                    });
                } else {
                    refusing.fetch_sub(1, Ordering::SeqCst);
                }
                continue;
            }
        };
        let io = TokioIo::new(conns::Counted { tcp, _place: place });
        let app = app.clone();
        let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req.map(axum::body::Body::new))
        });
        let builder = builder.clone();
        let mut stop = stop_rx.clone();
        tasks.spawn(async move {
            let conn = builder.serve_connection(io, svc).with_upgrades();
            tokio::pin!(conn);
            let r = tokio::select! {
                r = conn.as_mut() => r,
                _ = async { let _ = stop.wait_for(|s| *s).await; } => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = r {
                tracing::debug!(%peer, error = %e, "HTTP connection ended with an error");
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(30), drain)
        .await
        .is_err()
    {
        tracing::warn!("HTTP requests still open 30 s after shutdown; closing them");
        tasks.abort_all();
    }
    Ok(())
}
