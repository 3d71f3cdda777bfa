//! The agent session: log in, presence, offers, several chats, wrap-up, take next,
//! transfer, history. Generic over the transport (see [`crate::conn`]).

use crate::Shared;
use crate::agent_msg::{AgentIn, AgentOut, Presence, TYPES};
use crate::agent_ops as ops;
use crate::conn::{Conn, HANDSHAKE_TIMEOUT, Inbound, Outbound, Recv};
use crate::error::{Error, ErrorCode, Result, close};
use crate::hub::{AgentPush, CustomerPush, Party, SESSION_BUFFER};
use crate::proto::{decode, text_field};
use futures_util::{Sink, Stream};
use std::net::IpAddr;
use std::sync::Arc;
use switchyard_core::{AgentId, PauseReason, TenantId};
use switchyard_engine::system_now;
use switchyard_router::{EndedBy, Input, OfferFailure};
use tokio::sync::mpsc;

#[derive(Clone, Copy, Debug)]
struct Me {
    agent: AgentId,
    tenant: TenantId,
    session: u64,
}

struct Session<S, K> {
    shared: Arc<Shared>,
    conn: Conn<S, K>,
    tx: mpsc::Sender<AgentPush>,
    me: Option<Me>,
    peer: Option<IpAddr>,
}

/// Runs one agent session until the client goes away.
pub async fn run<S, K>(shared: Arc<Shared>, stream: S, sink: K)
where
    S: Stream<Item = Inbound> + Unpin,
    K: Sink<Outbound> + Unpin,
{
    run_from(shared, None, stream, sink).await
}

/// [`run`] for a client at `peer` (failed logins also count against the address).
pub async fn run_from<S, K>(shared: Arc<Shared>, peer: Option<IpAddr>, stream: S, sink: K)
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
        me: None,
        peer,
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
            _ = &mut handshake, if s.me.is_none() => {
                s.conn.close(close::HANDSHAKE_TIMEOUT, "send login first").await;
            }
        }
        if s.conn.is_closed() {
            break;
        }
    }
    if let Some(me) = s.me
        && s.shared.hub.remove_agent(me.agent, me.session)
    {
        // The desktop is gone: no more offers until it is back.
        let _ = s
            .shared
            .engine
            .handle(Input::SetReachable {
                agent: me.agent,
                reachable: false,
            })
            .await;
    }
}

impl<S, K> Session<S, K>
where
    S: Stream<Item = Inbound> + Unpin,
    K: Sink<Outbound> + Unpin,
{
    async fn on_text(&mut self, text: &str) {
        let msg = match decode::<AgentIn>(text, TYPES) {
            Ok(m) => m,
            Err(e) => return self.conn.send_error(&e, None).await,
        };
        if let Err(e) = self.handle(msg).await {
            if e.code() == ErrorCode::Unauthorized {
                self.conn.send_error(&e, Some("login")).await;
                self.conn.close(close::UNAUTHORIZED, "login failed").await;
            } else {
                self.conn.send_error(&e, None).await;
            }
        }
    }

    async fn handle(&mut self, msg: AgentIn) -> Result<()> {
        let sh = self.shared.clone();
        let me = match (&msg, self.me) {
            (AgentIn::Ping, _) => {
                self.conn.send(&AgentOut::Pong).await;
                return Ok(());
            }
            (
                AgentIn::Login {
                    login,
                    password,
                    token,
                },
                None,
            ) => {
                let rec = ops::authenticate(
                    &sh,
                    login.clone(),
                    password.clone(),
                    token.clone(),
                    self.peer,
                )
                .await?;
                let agent = AgentId(rec.id as u64);
                let tenant = TenantId(rec.tenant_id as u64);
                let session = sh.hub.add_agent(agent, self.tx.clone());
                self.me = Some(Me {
                    agent,
                    tenant,
                    session,
                });
                let welcome = ops::welcome(&sh, &rec).await?;
                self.conn.send(&welcome).await;
                return Ok(());
            }
            (AgentIn::Login { .. }, Some(_)) => {
                return Err(Error::peer(ErrorCode::BadMessage, "already logged in"));
            }
            (_, None) => return Err(Error::peer(ErrorCode::NotReady, "send login first")),
            (_, Some(me)) => me,
        };
        let a = me.agent;
        match msg {
            AgentIn::Presence { status, reason } => {
                let input = match status {
                    Presence::Available => {
                        ops::login(&sh, a).await?;
                        Input::Unpause {
                            agent: a,
                            queue: None,
                        }
                    }
                    Presence::Break => {
                        let reason = match reason {
                            Some(r) => text_field("reason", &r, 64, false)?,
                            None => "break".into(),
                        };
                        Input::Pause {
                            agent: a,
                            queue: None,
                            reason: PauseReason::new(reason),
                        }
                    }
                    Presence::Offline => Input::Logout { agent: a },
                };
                sh.engine.handle(input).await?;
            }
            AgentIn::Accept { offer } => {
                ops::own_offer(&sh, a, offer)?;
                sh.engine.handle(Input::Accept { offer }).await?;
            }
            AgentIn::Reject { offer } => {
                ops::own_offer(&sh, a, offer)?;
                let failure = OfferFailure::Rejected;
                sh.engine
                    .handle(Input::OfferFailed { offer, failure })
                    .await?;
            }
            AgentIn::Message {
                interaction,
                text,
                client_id,
            } => {
                ops::own_chat(&sh, a, interaction)?;
                let text = text_field("text", &text, 2000, true)?;
                let client_id = client_id.map(|c| c.chars().take(64).collect());
                let now = system_now().as_millis();
                let (line, _) = sh.hub.say(interaction, Party::Agent, text, now, client_id);
                self.conn
                    .send(&AgentOut::Ack {
                        interaction,
                        seq: line.seq,
                        client_id: line.client_id,
                    })
                    .await;
            }
            AgentIn::Typing { interaction, on } => {
                ops::own_chat(&sh, a, interaction)?;
                sh.hub.to_customer(interaction, CustomerPush::Typing(on));
            }
            AgentIn::Read { interaction, seq } => {
                ops::own_chat(&sh, a, interaction)?;
                sh.hub.to_customer(interaction, CustomerPush::Read(seq));
            }
            AgentIn::Complete { interaction } => {
                ops::own_chat(&sh, a, interaction)?;
                let by = EndedBy::Agent;
                sh.engine
                    .handle(Input::Complete { interaction, by })
                    .await?;
            }
            AgentIn::EndWrapUp => sh.engine.handle(Input::EndWrapUp { agent: a }).await?,
            AgentIn::TakeNext { queue } => {
                let got = sh
                    .engine
                    .call(move |r, now| r.claim(now, a, queue))
                    .await??;
                match got {
                    Some(interaction) => self.conn.send(&AgentOut::Claimed { interaction }).await,
                    None => return Err(Error::peer(ErrorCode::NotFound, "nobody is waiting")),
                }
            }
            AgentIn::Transfer { interaction, queue } => {
                ops::own_chat(&sh, a, interaction)?;
                ops::same_tenant_queue(&sh, me.tenant, queue).await?;
                sh.engine
                    .handle(Input::Transfer {
                        interaction,
                        to: queue,
                    })
                    .await?;
            }
            AgentIn::History { interaction } => {
                ops::may_read(&sh, a, interaction).await?;
                let messages = sh.hub.transcript(interaction);
                self.conn
                    .send(&AgentOut::History {
                        interaction,
                        messages,
                    })
                    .await;
            }
            AgentIn::OfflineMessages => {
                let items = ops::offline_messages(&sh, me.tenant).await?;
                self.conn.send(&AgentOut::OfflineMessages { items }).await;
            }
            AgentIn::Login { .. } | AgentIn::Ping => {}
        }
        Ok(())
    }

    async fn on_push(&mut self, p: AgentPush) {
        let sh = self.shared.clone();
        let Some(me) = self.me else { return };
        let msg = match p {
            AgentPush::Offer {
                offer,
                interaction,
                queue,
                channel,
                ring_secs,
            } => {
                let (queue_name, customer) = ops::describe(&sh, interaction, queue).await;
                AgentOut::Offer {
                    offer,
                    interaction,
                    queue,
                    queue_name,
                    channel,
                    customer,
                    ring_secs,
                    history: sh.hub.transcript(interaction),
                }
            }
            AgentPush::OfferCancelled(offer, reason) => AgentOut::OfferCancelled {
                offer,
                reason: ops::cancel_reason(reason).into(),
            },
            AgentPush::Connected(interaction, queue, channel) => {
                let (queue_name, customer) = ops::describe(&sh, interaction, queue).await;
                AgentOut::ChatStarted {
                    interaction,
                    queue,
                    queue_name,
                    channel,
                    customer,
                    history: sh.hub.transcript(interaction),
                }
            }
            AgentPush::Line(interaction, line) => AgentOut::Message { interaction, line },
            AgentPush::Delivered(interaction, seq, client_id) => AgentOut::Delivered {
                interaction,
                seq,
                client_id,
            },
            AgentPush::Typing(interaction, on) => AgentOut::Typing { interaction, on },
            AgentPush::Read(interaction, seq) => AgentOut::Read { interaction, seq },
            AgentPush::Ended(interaction, by) => AgentOut::ChatEnded { interaction, by },
            AgentPush::Status(status) => AgentOut::Status {
                status,
                reason: ops::pause_reason(&sh, me.agent).await,
            },
            AgentPush::Replaced => {
                self.me = None;
                self.conn
                    .close(close::REPLACED, "logged in elsewhere")
                    .await;
                return;
            }
        };
        self.conn.send(&msg).await;
    }
}
