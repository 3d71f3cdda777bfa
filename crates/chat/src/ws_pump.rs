//! Between a WebSocket and a session: pings every [`ChatConfig::ping_interval`] and
//! closes a socket that sent nothing (not even a pong) for
//! [`ChatConfig::idle_timeout`] with [`close::IDLE`], so half-open clients are dropped.
//! The session sees its input end as for any disconnect: a customer keeps its place
//! for the resume window.
//!
//! [`ChatConfig::ping_interval`]: crate::ChatConfig::ping_interval
//! [`ChatConfig::idle_timeout`]: crate::ChatConfig::idle_timeout

use crate::conn::{Inbound, Outbound};
use crate::error::close;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_channel::mpsc;
use futures_util::{SinkExt, StreamExt};
use std::future::Future;
use std::time::Duration;
use tokio::time::{Instant, interval_at};

/// Runs `session` over `socket` with pings and the idle timeout; returns when both the
/// session and the socket are done.
pub(crate) async fn run<F, Fut>(
    socket: WebSocket,
    role: &'static str,
    ping: Duration,
    idle: Duration,
    session: F,
) where
    F: FnOnce(mpsc::Receiver<Inbound>, mpsc::Sender<Outbound>) -> Fut,
    Fut: Future<Output = ()>,
{
    let (in_tx, in_rx) = mpsc::channel::<Inbound>(8);
    let (out_tx, out_rx) = mpsc::channel::<Outbound>(32);
    let pump = pump(socket, role, ping, idle, in_tx, out_rx);
    futures_util::future::join(session(in_rx, out_tx), pump).await;
}

async fn pump(
    socket: WebSocket,
    role: &'static str,
    ping: Duration,
    idle: Duration,
    in_tx: mpsc::Sender<Inbound>,
    mut out_rx: mpsc::Receiver<Outbound>,
) {
    let (mut ws_tx, mut ws_rx) = socket.split();
    // `None` once the client's side is over (closed, gone, or dropped as idle): the
    // session then sees its input end.
    let mut input = Some(in_tx);
    let mut last_heard = Instant::now();
    let mut ticks = interval_at(Instant::now() + ping, ping);
    let mut writable = true;
    loop {
        tokio::select! {
            frame = ws_rx.next(), if input.is_some() => {
                let inbound = match frame {
                    Some(Ok(m)) => {
                        last_heard = Instant::now();
                        match m {
                            Message::Text(t) => Some(Inbound::Text(t.as_str().to_owned())),
                            Message::Binary(b) => Some(Inbound::Binary(b.len())),
                            Message::Ping(_) | Message::Pong(_) => continue,
                            Message::Close(_) => None,
                        }
                    }
                    _ => None,
                };
                match (inbound, input.as_mut()) {
                    (Some(i), Some(tx)) => {
                        if tx.send(i).await.is_err() {
                            input = None;
                        }
                    }
                    _ => input = None,
                }
            }
            out = out_rx.next() => match out {
                // The session is over.
                None => break,
                Some(_) if !writable => {}
                Some(o) => {
                    let m = match o {
                        Outbound::Text(t) => Message::Text(t.into()),
                        Outbound::Close(code, reason) => Message::Close(Some(CloseFrame {
                            code,
                            reason: reason.into(),
                        })),
                    };
                    if !send(&mut ws_tx, m, idle).await {
                        writable = false;
                        input = None;
                    }
                }
            },
            _ = ticks.tick(), if input.is_some() => {
                if last_heard.elapsed() >= idle {
                    tracing::info!(role, idle_secs = idle.as_secs(), "WebSocket idle: no pong; closing");
                    metrics::counter!("switchyard_ws_idle_closed_total", "role" => role).increment(1);
                    let bye = Message::Close(Some(CloseFrame {
                        code: close::IDLE,
                        reason: "idle timeout: no pong".into(),
                    }));
                    send(&mut ws_tx, bye, Duration::from_secs(1)).await;
                    writable = false;
                    input = None;
                } else if !send(&mut ws_tx, Message::Ping(Default::default()), idle).await {
                    writable = false;
                    input = None;
                }
            }
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), ws_tx.close()).await;
}

/// Sends one message; `false` when the socket failed or stayed full for `within` (a
/// client that stopped reading: its TCP window is closed).
async fn send(
    ws: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    m: Message,
    within: Duration,
) -> bool {
    matches!(tokio::time::timeout(within, ws.send(m)).await, Ok(Ok(())))
}
