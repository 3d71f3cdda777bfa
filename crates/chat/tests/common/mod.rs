//! A chat edge over a real engine and a temp SQLite store, with sessions driven over
//! in-memory channels (no sockets).

#![allow(dead_code, unreachable_pub)]

use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use switchyard_chat::{ChatConfig, ChatState, Inbound, Outbound, Shared};
use switchyard_core::config::{AgentConfig, Membership, QueueConfig};
use switchyard_core::{AgentId, QueueId, TenantId};
use switchyard_engine::{Engine, Router};
use switchyard_router::Input;
use switchyard_store::{AgentWrite, Role, Store};

#[derive(Debug)]
pub struct World {
    pub chat: ChatState,
    pub engine: Engine,
    pub store: Store,
    pub tenant: TenantId,
    pub queues: [QueueId; 2],
    pub agent: AgentId,
    pub supervisor_token: String,
    _dir: tempfile::TempDir,
}

#[derive(Debug)]
pub struct Peer {
    pub tx: UnboundedSender<Inbound>,
    pub rx: UnboundedReceiver<Outbound>,
}

impl Peer {
    pub fn send(&self, mut v: Value) {
        v["v"] = json!(1);
        self.tx
            .unbounded_send(Inbound::Text(v.to_string()))
            .unwrap();
    }

    pub fn raw(&self, s: &str) {
        self.tx
            .unbounded_send(Inbound::Text(s.to_string()))
            .unwrap();
    }

    /// The next message of type `ty` (others skipped); panics after 5 s.
    pub async fn expect(&mut self, ty: &str) -> Value {
        let wait = async {
            loop {
                match self.rx.next().await {
                    Some(Outbound::Text(t)) => {
                        let v: Value = serde_json::from_str(&t).unwrap();
                        assert_eq!(v["v"], 1);
                        if v["type"] == ty {
                            return v;
                        }
                    }
                    Some(Outbound::Close(code, reason)) => {
                        panic!("closed {code} {reason} while waiting for {ty}")
                    }
                    None => panic!("session ended while waiting for {ty}"),
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(5), wait)
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {ty}"))
    }

    /// The next `position` message announcing `pos` (earlier ones skipped).
    pub async fn position(&mut self, pos: u64) {
        while self.expect("position").await["position"] != pos {}
    }

    /// The close frame, skipping messages.
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            match tokio::time::timeout(Duration::from_secs(5), self.rx.next()).await {
                Ok(Some(Outbound::Close(c, r))) => return (c, r),
                Ok(Some(Outbound::Text(_))) => {}
                Ok(None) => panic!("ended without a close frame"),
                Err(_) => panic!("no close within 5 s"),
            }
        }
    }
}

fn peer() -> (Peer, UnboundedReceiver<Inbound>, UnboundedSender<Outbound>) {
    let (in_tx, in_rx) = unbounded();
    let (out_tx, out_rx) = unbounded();
    (
        Peer {
            tx: in_tx,
            rx: out_rx,
        },
        in_rx,
        out_tx,
    )
}

impl World {
    pub async fn new(config: ChatConfig) -> World {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let t = store.create_tenant("acme").await.unwrap();
        let rec = store
            .create_agent(
                t.id,
                &AgentWrite {
                    name: "bob".into(),
                    chat_login: Some("bob".into()),
                    chat_password: Some("s3cret-desk-pw".into()),
                    ..AgentWrite::default()
                },
            )
            .await
            .unwrap();
        let (_, supervisor_token) = store
            .create_token(Some(t.id), Role::Supervisor, None, "sup", None)
            .await
            .unwrap();
        let tenant = TenantId(t.id as u64);
        let agent = AgentId(rec.id as u64);
        let queues = [QueueId(101), QueueId(102)];
        let (engine, _task) = Engine::spawn(Router::new(7), None);
        for (q, name) in queues.iter().zip(["sales", "support"]) {
            let cfg = QueueConfig {
                id: *q,
                tenant,
                name: name.into(),
                ..QueueConfig::default()
            };
            engine.handle(Input::UpsertQueue(cfg)).await.unwrap();
        }
        let cfg = AgentConfig {
            id: agent,
            tenant,
            name: "bob".into(),
            ..AgentConfig::default()
        };
        engine.handle(Input::UpsertAgent(cfg)).await.unwrap();
        let m = Membership {
            agent,
            queue: queues[0],
            penalty: 0,
            weight: 1,
        };
        engine.handle(Input::UpsertMember(m)).await.unwrap();
        let chat = ChatState::new(store.clone(), engine.clone(), config);
        World {
            chat,
            engine,
            store,
            tenant,
            queues,
            agent,
            supervisor_token,
            _dir: dir,
        }
    }

    fn shared(&self) -> Arc<Shared> {
        self.chat.0.clone()
    }

    pub fn customer(&self) -> Peer {
        let (p, i, o) = peer();
        tokio::spawn(switchyard_chat::customer::run(self.shared(), i, o));
        p
    }

    pub fn agent(&self) -> Peer {
        let (p, i, o) = peer();
        tokio::spawn(switchyard_chat::agent::run(self.shared(), i, o));
        p
    }

    /// An agent session from `ip` (failed logins count against the address too).
    pub fn agent_from(&self, ip: std::net::IpAddr) -> Peer {
        let (p, i, o) = peer();
        tokio::spawn(switchyard_chat::agent::run_from(
            self.shared(),
            Some(ip),
            i,
            o,
        ));
        p
    }

    /// A supervisor session from `ip`.
    pub fn supervisor_from(&self, ip: std::net::IpAddr) -> Peer {
        let (p, i, o) = peer();
        tokio::spawn(switchyard_chat::supervisor::run_from(
            self.shared(),
            Some(ip),
            i,
            o,
        ));
        p
    }

    pub fn supervisor(&self) -> Peer {
        let (p, i, o) = peer();
        tokio::spawn(switchyard_chat::supervisor::run(self.shared(), i, o));
        p
    }

    /// A customer who joined queue `k`; returns it with its `joined` message.
    pub async fn joined(&self, name: &str, k: usize) -> (Peer, Value) {
        let mut c = self.customer();
        c.send(json!({ "type": "join", "queue_id": self.queues[k].0, "name": name }));
        let j = c.expect("joined").await;
        (c, j)
    }
}
