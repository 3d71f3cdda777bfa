//! The thin axum adapter: upgrades (frame and message size limits), hands each socket
//! to [`ws_pump`] (pings, idle timeout, [`Inbound`](crate::Inbound) /
//! [`Outbound`](crate::Outbound) frames), and mounts the pages and REST helpers.

use crate::conn::{Inbound, Outbound};
use crate::{ChatState, agent, assets, customer, rest, supervisor, ws_pump};
use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post};
use futures_channel::mpsc;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};

/// Frames above this are refused by the WebSocket layer itself; frames between the
/// protocol limit and this get a proper 1009 close from the session.
const TRANSPORT_LIMIT: usize = 1024 * 1024;

/// Every route of the chat edge.
pub(crate) fn routes(state: ChatState) -> Router {
    Router::new()
        .route("/ws/customer", get(ws_customer))
        .route("/ws/agent", get(ws_agent))
        .route("/ws/supervisor", get(ws_supervisor))
        .route("/widget.js", get(assets::widget))
        .route("/demo", get(assets::demo))
        .route("/agent", get(assets::agent_page))
        .route("/supervisor", get(assets::supervisor_page))
        .route("/chat/assets/{name}", get(assets::asset))
        .route("/chat/v1/offline-messages", get(rest::offline_messages))
        .route("/chat/v1/priority-tokens", post(rest::priority_token))
        .route(
            "/chat/v1/token-secret/rotate",
            post(rest::rotate_token_secret),
        )
        .with_state(state)
}

fn upgrade(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    // Small buffers: tungstenite's 128 KiB default read buffer per socket would cost
    // over 600 MiB at 5,000 waiters; messages here are a few hundred bytes.
    ws.max_message_size(TRANSPORT_LIMIT)
        .max_frame_size(TRANSPORT_LIMIT)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
}

/// The client's address, as the HTTP edge records it (`ConnectInfo<SocketAddr>` in the
/// request's extensions); `None` when served without it (unit tests).
pub(crate) struct PeerIp(pub(crate) Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Upgrades with the socket limits and runs `session` behind the pump's pings and idle
/// timeout: the one path every role's socket takes.
fn serve<F, Fut>(ws: WebSocketUpgrade, s: &ChatState, role: &'static str, session: F) -> Response
where
    F: FnOnce(mpsc::Receiver<Inbound>, mpsc::Sender<Outbound>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (ping, idle) = (s.0.config.ping_interval, s.0.config.idle_timeout);
    upgrade(ws).on_upgrade(move |socket| ws_pump::run(socket, role, ping, idle, session))
}

async fn ws_customer(
    State(s): State<ChatState>,
    PeerIp(peer): PeerIp,
    ws: WebSocketUpgrade,
) -> Response {
    let source = peer.map(|ip| ip.to_string());
    let shared = s.0.clone();
    serve(ws, &s, "customer", move |rx, tx| {
        customer::run_from(shared, source, rx, tx)
    })
}

async fn ws_agent(
    State(s): State<ChatState>,
    PeerIp(peer): PeerIp,
    ws: WebSocketUpgrade,
) -> Response {
    let shared = s.0.clone();
    serve(ws, &s, "agent", move |rx, tx| {
        agent::run_from(shared, peer, rx, tx)
    })
}

async fn ws_supervisor(
    State(s): State<ChatState>,
    PeerIp(peer): PeerIp,
    ws: WebSocketUpgrade,
) -> Response {
    let shared = s.0.clone();
    serve(ws, &s, "supervisor", move |rx, tx| {
        supervisor::run_from(shared, peer, rx, tx)
    })
}
