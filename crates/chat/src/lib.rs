//! Switchyard's web edge: the chat channel and the pages people use.
//!
//! - `/ws/customer`, `/ws/agent`, `/ws/supervisor`: JSON-over-WebSocket protocols
//!   (`{"v":1,"type":"…",…}`, documented in `docs/protocol/chat.md`). Each socket runs a
//!   session state machine ([`customer::run`], [`agent::run`], [`supervisor::run`])
//!   generic over a `Stream` of [`Inbound`] frames and a `Sink` of [`Outbound`] frames,
//!   so the sessions are tested over channels; [`ws`] is the thin axum adapter.
//! - `/widget.js` (embeddable customer widget), `/demo`, `/agent`, `/supervisor`:
//!   plain ES modules and CSS compiled into the binary, no build step.
//! - `/chat/v1/offline-messages`, `/chat/v1/priority-tokens` and
//!   `/chat/v1/token-secret/rotate`: small REST helpers.
//!
//! # Contract
//! The chat edge makes no routing decision. It turns client messages into router
//! [`Input`](switchyard_router::Input)s through the [`Engine`], and one dispatcher task
//! turns router outputs into pushes to the one session each concerns (by interaction
//! or agent id; supervisors by tenant). Positions are pushed from one
//! `Router::estimates(q)` pass per changed queue, at most once per
//! [`ChatConfig::position_interval`]. A customer whose socket drops keeps its place for
//! [`ChatConfig::resume_grace`]; only then is it `CustomerLeft`. Bad input is answered
//! with an `error` message or a close code; it never takes the server down.

pub mod agent;
pub mod agent_msg;
mod agent_ops;
mod assets;
pub mod conn;
pub mod customer;
pub mod customer_msg;
mod customer_ops;
pub mod dispatch;
pub mod error;
pub mod hub;
mod logins;
pub mod proto;
mod rest;
pub mod supervisor;
pub mod supervisor_msg;
pub mod token;
pub mod ws;
mod ws_pump;

pub use agent_msg::{AgentIn, AgentOut};
pub use conn::{Inbound, Limits, Outbound};
pub use customer_msg::{CustomerIn, CustomerOut};
pub use error::{Error, ErrorCode, Result};
pub use supervisor_msg::{SupervisorIn, SupervisorOut};

use dispatch::Sample;
use hub::Hub;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchyard_core::QueueId;
use switchyard_engine::Engine;
use switchyard_store::Store;
use tokio::sync::{Notify, watch};

/// Settings of the chat edge.
#[derive(Clone, Debug)]
pub struct ChatConfig {
    /// How long a disconnected customer keeps its place in line.
    pub resume_grace: Duration,
    /// Position updates of one queue are pushed at most this often.
    pub position_interval: Duration,
    /// Per-socket input limits.
    pub limits: Limits,
    /// Trend sampling period.
    pub trend_interval: Duration,
    /// Trend samples kept per queue.
    pub trend_samples: usize,
    /// Lockout of agent/supervisor logins after failures, per login and per source.
    pub lockout: switchyard_core::lockout::LoginPolicy,
    /// A WebSocket ping is sent to every socket this often.
    pub ping_interval: Duration,
    /// A socket that sent nothing (not even a pong) for this long is closed with
    /// [`error::close::IDLE`]; a customer so dropped keeps its place for
    /// [`ChatConfig::resume_grace`].
    pub idle_timeout: Duration,
}

impl Default for ChatConfig {
    fn default() -> Self {
        ChatConfig {
            resume_grace: Duration::from_secs(60),
            position_interval: Duration::from_millis(100),
            limits: Limits::default(),
            trend_interval: Duration::from_secs(10),
            trend_samples: 60,
            lockout: Default::default(),
            ping_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// State shared by the sessions and the background tasks.
#[derive(Debug)]
pub struct Shared {
    pub(crate) store: Store,
    pub(crate) engine: Engine,
    /// The session registry.
    pub hub: Hub,
    pub(crate) config: ChatConfig,
    pub(crate) dirty: Mutex<HashSet<QueueId>>,
    pub(crate) flush: Notify,
    pub(crate) trends: Mutex<HashMap<QueueId, VecDeque<Sample>>>,
    pub(crate) board: watch::Sender<u64>,
    /// Set when the router stops: every session closes with 1001 (going away).
    pub(crate) stopping: watch::Sender<bool>,
    /// Failed-login counts and locks.
    pub(crate) logins: logins::WebLogins,
}

/// A cloneable handle on the chat edge.
#[derive(Clone, Debug)]
pub struct ChatState(pub Arc<Shared>);

impl ChatState {
    /// Starts the chat edge: the dispatcher, the position pusher and the trend sampler
    /// (call inside a tokio runtime; they end when the engine stops).
    pub fn new(store: Store, engine: Engine, config: ChatConfig) -> Self {
        let rx = engine.subscribe();
        let logins = logins::WebLogins::new(config.lockout);
        let shared = Arc::new(Shared {
            logins,
            store,
            engine,
            hub: Hub::default(),
            config,
            dirty: Mutex::new(HashSet::new()),
            flush: Notify::new(),
            trends: Mutex::new(HashMap::new()),
            board: watch::Sender::new(0),
            stopping: watch::Sender::new(false),
        });
        tokio::spawn(dispatch::dispatcher(shared.clone(), rx));
        tokio::spawn(dispatch::positions(shared.clone()));
        tokio::spawn(dispatch::sampler(shared.clone()));
        ChatState(shared)
    }

    /// Closes every chat socket with 1001 (going away) so clients reconnect rather than
    /// see a reset, and gives the close frames a moment to leave. Call before stopping
    /// the engine.
    pub async fn shutdown(&self) {
        self.0.stopping.send_replace(true);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// The chat edge's HTTP routes (WebSockets, pages, REST helpers), to merge into the
/// server's application.
pub fn routes(state: ChatState) -> axum::Router {
    ws::routes(state)
}
