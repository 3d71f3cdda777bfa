//! The customer session: join (or resume), wait with live position, chat, call me
//! back, leave, offline message. Generic over the transport (see [`crate::conn`]).

use crate::Shared;
use crate::conn::{Conn, HANDSHAKE_TIMEOUT, Inbound, Outbound, Recv};
use crate::customer_msg::{CustomerIn, CustomerOut, Delivery, JoinedState, TYPES};
use crate::error::{Error, ErrorCode, Result, close};
use crate::hub::{AgentPush, CustomerPush, Party, SESSION_BUFFER};
use crate::proto::{decode, text_field};
use crate::{customer_ops as ops, token};

mod push;
use futures_util::{Sink, Stream};
use std::sync::Arc;
use switchyard_core::{InteractionId, QueueId, TenantId};
use switchyard_engine::system_now;
use tokio::sync::mpsc;

/// Where the session is.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// Nothing sent yet.
    Idle,
    /// In the router (waiting, connected or waiting for a callback).
    Joined {
        i: InteractionId,
        generation: u64,
        tenant: TenantId,
        queue: QueueId,
    },
    /// Out of the router, offered the message form.
    Offline {
        i: InteractionId,
        tenant: TenantId,
        queue: QueueId,
        saved: u32,
    },
    /// Over.
    Ended,
}

struct Session<S, K> {
    shared: Arc<Shared>,
    conn: Conn<S, K>,
    tx: mpsc::Sender<CustomerPush>,
    phase: Phase,
    /// The client's address, for the per-source callback rate limit.
    source: Option<String>,
}

/// Runs one customer session until the client goes away or the chat ends.
pub async fn run<S, K>(shared: Arc<Shared>, stream: S, sink: K)
where
    S: Stream<Item = Inbound> + Unpin,
    K: Sink<Outbound> + Unpin,
{
    run_from(shared, None, stream, sink).await
}

/// [`run`] for a client at `source` (its IP address: callback requests are rate
/// limited per source).
pub async fn run_from<S, K>(shared: Arc<Shared>, source: Option<String>, stream: S, sink: K)
where
    S: Stream<Item = Inbound> + Unpin,
    K: Sink<Outbound> + Unpin,
{
    let (tx, mut rx) = mpsc::channel(SESSION_BUFFER);
    let mut stopping = shared.stopping.subscribe();
    let conn = Conn::new(stream, sink, shared.config.limits);
    let mut s = Session {
        shared,
        conn,
        tx,
        phase: Phase::Idle,
        source,
    };
    let handshake = tokio::time::sleep(HANDSHAKE_TIMEOUT);
    tokio::pin!(handshake);
    loop {
        tokio::select! {
            r = s.conn.recv() => match r {
                Recv::Closed => break,
                Recv::Text(t) => s.on_text(&t).await,
            },
            Some(p) = rx.recv() => s.on_push(p).await,
            Ok(()) = stopping.changed() => {
                s.conn.close(close::GOING_AWAY, "server shutting down").await;
            }
            _ = &mut handshake, if matches!(s.phase, Phase::Idle) => {
                s.conn.close(close::HANDSHAKE_TIMEOUT, "send join or resume first").await;
            }
        }
        if s.conn.is_closed() {
            break;
        }
    }
    s.gone();
}

impl<S, K> Session<S, K>
where
    S: Stream<Item = Inbound> + Unpin,
    K: Sink<Outbound> + Unpin,
{
    async fn on_text(&mut self, text: &str) {
        let msg = match decode::<CustomerIn>(text, TYPES) {
            Ok(m) => m,
            Err(e) => return self.conn.send_error(&e, None).await,
        };
        if let Err(e) = self.handle(msg).await {
            self.conn.send_error(&e, None).await;
        }
    }

    async fn handle(&mut self, msg: CustomerIn) -> Result<()> {
        let sh = self.shared.clone();
        match (msg, self.phase) {
            (CustomerIn::Ping, _) => self.conn.send(&CustomerOut::Pong).await,
            (
                CustomerIn::Join {
                    queue,
                    queue_id,
                    tenant,
                    name,
                    skills,
                    priority_token,
                },
                Phase::Idle,
            ) => {
                let name = text_field("name", &name, 100, false)?;
                let (q, t) = ops::resolve_queue(&sh, queue, queue_id, tenant).await?;
                let skills = ops::skills(&skills)?;
                let priority = match priority_token {
                    Some(tok) => ops::priority(&sh, &tok, t, q).await?,
                    None => 0,
                };
                let i = sh.engine.mint_interaction_id();
                let tok = token::resume_token();
                let generation = sh
                    .hub
                    .add_customer(i, t, name.clone(), tok, self.tx.clone());
                if let Err(e) = ops::join(&sh, i, t, q, name, skills, priority).await {
                    sh.hub.remove_customer(i);
                    return Err(e);
                }
                self.phase = Phase::Joined {
                    i,
                    generation,
                    tenant: t,
                    queue: q,
                };
                self.send_joined(i).await?;
            }
            (CustomerIn::Resume { token }, Phase::Idle) => {
                let Some((i, generation, tenant, _)) = sh.hub.attach(&token, self.tx.clone())
                else {
                    return Err(Error::peer(
                        ErrorCode::NotFound,
                        "unknown or expired resume token",
                    ));
                };
                let queue = ops::snapshot(&sh, i).await?.map(|s| s.view.queue);
                self.phase = Phase::Joined {
                    i,
                    generation,
                    tenant,
                    queue: queue.unwrap_or_default(),
                };
                self.send_joined(i).await?;
            }
            (CustomerIn::Join { .. } | CustomerIn::Resume { .. }, _) => {
                return Err(Error::peer(ErrorCode::BadMessage, "already joined"));
            }
            (_, Phase::Idle) => {
                return Err(Error::peer(
                    ErrorCode::NotReady,
                    "send join or resume first",
                ));
            }
            (CustomerIn::Message { text, client_id }, Phase::Joined { i, .. }) => {
                let text = text_field("text", &text, 2000, true)?;
                let client_id = client_id.map(|c| c.chars().take(64).collect());
                let (line, delivered) = sh.hub.say(
                    i,
                    Party::Customer,
                    text,
                    system_now().as_millis(),
                    client_id,
                );
                let state = if delivered {
                    Delivery::Delivered
                } else {
                    Delivery::Sent
                };
                self.conn
                    .send(&CustomerOut::Ack {
                        seq: line.seq,
                        client_id: line.client_id,
                        state,
                    })
                    .await;
            }
            (CustomerIn::Typing { on }, Phase::Joined { i, .. }) => {
                if let Some(a) = sh.hub.chat_agent(i) {
                    sh.hub.to_agent(a, AgentPush::Typing(i, on));
                }
            }
            (CustomerIn::Read { seq }, Phase::Joined { i, .. }) => {
                if let Some(a) = sh.hub.chat_agent(i) {
                    sh.hub.to_agent(a, AgentPush::Read(i, seq));
                }
            }
            (CustomerIn::Callback { number }, Phase::Joined { i, tenant, .. }) => {
                let number = ops::phone_number(&number)?;
                // The tenant's dialling policy and the rate limits: the same check as
                // REST and the phone menu, before anything can be dialled.
                let number = sh
                    .engine
                    .callbacks()
                    .admit(tenant, &number, self.source.as_deref(), system_now())
                    .map_err(|why| {
                        Error::peer(ErrorCode::Refused, format!("number: {}", why.message()))
                    })?;
                sh.engine
                    .handle(switchyard_router::Input::RequestCallback {
                        interaction: i,
                        number: number.clone(),
                    })
                    .await?;
                sh.hub.set_callback(i);
                self.conn
                    .send(&CustomerOut::CallbackScheduled { number })
                    .await;
            }
            (CustomerIn::Leave, Phase::Joined { i, .. }) => {
                ops::leave(&sh, i).await?;
                sh.hub.remove_customer(i);
                self.phase = Phase::Ended;
                self.conn
                    .send(&CustomerOut::Ended {
                        by: Party::Customer,
                    })
                    .await;
                self.conn.close(close::NORMAL, "left").await;
            }
            (
                CustomerIn::OfflineMessage {
                    name,
                    contact,
                    text,
                },
                Phase::Offline {
                    i,
                    tenant,
                    queue,
                    saved,
                },
            ) => {
                if saved >= 3 {
                    return Err(Error::peer(ErrorCode::Refused, "message already left"));
                }
                let id = ops::save_offline(&sh, tenant, queue, i, &name, &contact, &text).await?;
                self.phase = Phase::Offline {
                    i,
                    tenant,
                    queue,
                    saved: saved + 1,
                };
                self.conn.send(&CustomerOut::OfflineSaved { id }).await;
            }
            (CustomerIn::OfflineMessage { .. }, _) => {
                return Err(Error::peer(
                    ErrorCode::Refused,
                    "agents are available: chat instead",
                ));
            }
            (CustomerIn::Leave, _) => self.conn.close(close::NORMAL, "left").await,
            (_, _) => return Err(Error::peer(ErrorCode::Refused, "the chat is over")),
        }
        Ok(())
    }

    async fn send_joined(&mut self, i: InteractionId) -> Result<()> {
        let sh = &self.shared;
        let snap = ops::snapshot(sh, i).await?;
        let token = sh.hub.resume_token_of(i).unwrap_or_default();
        let history = sh.hub.transcript(i);
        let msg = match snap {
            Some(s) => CustomerOut::Joined {
                state: s.state(sh.hub.is_callback(i)),
                interaction: i,
                resume_token: token,
                resume_grace_secs: sh.config.resume_grace.as_secs(),
                queue: s.view.queue,
                queue_name: s.queue_name,
                position: s.estimate.map(|e| e.position),
                eta_secs: s.estimate.and_then(|e| e.wait).map(|w| w.as_secs()),
                agent_name: s.agent_name,
                history,
            },
            None => CustomerOut::Joined {
                interaction: i,
                resume_token: token,
                resume_grace_secs: sh.config.resume_grace.as_secs(),
                queue: QueueId::default(),
                queue_name: String::new(),
                state: JoinedState::Ended,
                position: None,
                eta_secs: None,
                agent_name: None,
                history,
            },
        };
        self.conn.send(&msg).await;
        Ok(())
    }
}
