//! The thin axum adapter: upgrades, maps WebSocket messages to [`Inbound`] /
//! [`Outbound`] frames, and mounts the pages and REST helpers.

use crate::conn::{Inbound, Outbound};
use crate::{ChatState, agent, assets, customer, rest, supervisor};
use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post};
use futures_util::{Sink, SinkExt, Stream, StreamExt, future::ready};
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

fn inbound(
    ws: futures_util::stream::SplitStream<WebSocket>,
) -> impl Stream<Item = Inbound> + Unpin {
    ws.take_while(|r| ready(matches!(r, Ok(m) if !matches!(m, Message::Close(_)))))
        .filter_map(|r| {
            ready(match r {
                Ok(Message::Text(t)) => Some(Inbound::Text(t.as_str().to_owned())),
                Ok(Message::Binary(b)) => Some(Inbound::Binary(b.len())),
                _ => None,
            })
        })
        .boxed()
}

fn outbound(
    ws: futures_util::stream::SplitSink<WebSocket, Message>,
) -> impl Sink<Outbound> + Unpin {
    ws.with(|o: Outbound| {
        ready(Ok::<_, axum::Error>(match o {
            Outbound::Text(t) => Message::Text(t.into()),
            Outbound::Close(code, reason) => Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })),
        }))
    })
}

fn upgrade(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    // Small buffers: tungstenite's 128 KiB default read buffer per socket would cost
    // over 600 MiB at 5,000 waiters; messages here are a few hundred bytes.
    ws.max_message_size(TRANSPORT_LIMIT)
        .max_frame_size(TRANSPORT_LIMIT)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
}

async fn ws_customer(
    State(s): State<ChatState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    ws: WebSocketUpgrade,
) -> Response {
    let source = peer.map(|p| p.0.0.ip().to_string());
    upgrade(ws).on_upgrade(move |socket| async move {
        let (sink, stream) = socket.split();
        customer::run_from(s.0, source, inbound(stream), outbound(sink)).await;
    })
}

/// The client's address, when the server was started with connect info
/// (`into_make_service_with_connect_info::<SocketAddr>`); `None` otherwise.
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

async fn ws_agent(
    State(s): State<ChatState>,
    PeerIp(peer): PeerIp,
    ws: WebSocketUpgrade,
) -> Response {
    upgrade(ws).on_upgrade(move |socket| async move {
        let (sink, stream) = socket.split();
        agent::run_from(s.0, peer, inbound(stream), outbound(sink)).await;
    })
}

async fn ws_supervisor(
    State(s): State<ChatState>,
    PeerIp(peer): PeerIp,
    ws: WebSocketUpgrade,
) -> Response {
    upgrade(ws).on_upgrade(move |socket| async move {
        let (sink, stream) = socket.split();
        supervisor::run_from(s.0, peer, inbound(stream), outbound(sink)).await;
    })
}
