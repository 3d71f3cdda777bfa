//! The supervisor session: a live board of the tenant's queues and agents, alarms as
//! they fire, and live actions (move, force pause, log out).

use crate::Shared;
use crate::conn::{Conn, HANDSHAKE_TIMEOUT, Inbound, Outbound, Recv};
use crate::error::{Error, ErrorCode, Result, close};
use crate::hub::{Alarm, SESSION_BUFFER};
use crate::proto::{decode, text_field};
use crate::supervisor_msg::{AgentBoard, QueueBoard, SupervisorIn, SupervisorOut, TYPES, Waiter};
use futures_util::{Sink, Stream};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use switchyard_core::{AgentId, InteractionId, PauseReason, QueueId, TenantId};
use switchyard_engine::system_now;
use switchyard_router::Input;
use switchyard_store::{Page, Role};
use tokio::sync::mpsc;
use tokio::time::Instant;

const LINE_SHOWN: usize = 50;
const MIN_GAP: Duration = Duration::from_millis(250);
const REFRESH: Duration = Duration::from_secs(2);

/// Runs one supervisor session until the client goes away.
pub async fn run<S, K>(shared: Arc<Shared>, stream: S, sink: K)
where
    S: Stream<Item = Inbound> + Unpin,
    K: Sink<Outbound> + Unpin,
{
    run_from(shared, None, stream, sink).await
}

/// [`run`] for a client at `peer` (failed token checks count against the address).
pub async fn run_from<S, K>(shared: Arc<Shared>, peer: Option<IpAddr>, stream: S, sink: K)
where
    S: Stream<Item = Inbound> + Unpin,
    K: Sink<Outbound> + Unpin,
{
    let mut conn = Conn::new(stream, sink, shared.config.limits);
    let (tx, mut alarms) = mpsc::channel::<Alarm>(SESSION_BUFFER);
    let mut board = shared.board.subscribe();
    let mut stopping = shared.stopping.subscribe();
    let mut tenant: Option<(TenantId, u64)> = None;
    let mut tick = tokio::time::interval(MIN_GAP);
    let mut dirty = true;
    let mut last = Instant::now();
    let handshake = tokio::time::sleep(HANDSHAKE_TIMEOUT);
    tokio::pin!(handshake);
    loop {
        tokio::select! {
            r = conn.recv() => match r {
                Recv::Closed => break,
                Recv::Text(t) => {
                    let res = match decode::<SupervisorIn>(&t, TYPES) {
                        Ok(msg) => handle(&shared, &mut conn, &mut tenant, &tx, msg, peer).await,
                        Err(e) => Err(e),
                    };
                    match res {
                        Err(e) if e.code() == ErrorCode::Unauthorized => {
                            conn.send_error(&e, Some("auth")).await;
                            conn.close(close::UNAUTHORIZED, "authentication failed").await;
                        }
                        Err(e) => conn.send_error(&e, None).await,
                        Ok(()) => dirty = true,
                    }
                }
            },
            Some(alarm) = alarms.recv() => {
                let q = alarm.queue;
                let queue_name = shared
                    .engine
                    .call(move |r, now| r.queue_stats(q, now).map(|s| s.name).unwrap_or_default())
                    .await
                    .unwrap_or_default();
                conn.send(&SupervisorOut::Alarm { alarm, queue_name }).await;
            }
            Ok(()) = board.changed() => dirty = true,
            Ok(()) = stopping.changed() => {
                conn.close(close::GOING_AWAY, "server shutting down").await;
            }
            _ = tick.tick() => {
                if let Some((t, _)) = tenant
                    && (dirty || last.elapsed() >= REFRESH)
                {
                    dirty = false;
                    last = Instant::now();
                    match snapshot(&shared, t).await {
                        Ok(s) => conn.send(&s).await,
                        Err(_) => break,
                    }
                }
            }
            _ = &mut handshake, if tenant.is_none() => {
                conn.close(close::HANDSHAKE_TIMEOUT, "send auth first").await;
            }
        }
        if conn.is_closed() {
            break;
        }
    }
    if let Some((t, id)) = tenant {
        shared.hub.remove_supervisor(t, id);
    }
}

async fn handle<S, K>(
    sh: &Arc<Shared>,
    conn: &mut Conn<S, K>,
    tenant: &mut Option<(TenantId, u64)>,
    tx: &mpsc::Sender<Alarm>,
    msg: SupervisorIn,
    peer: Option<IpAddr>,
) -> Result<()>
where
    S: Stream<Item = Inbound> + Unpin,
    K: Sink<Outbound> + Unpin,
{
    let t = match (&msg, *tenant) {
        (SupervisorIn::Ping, _) => {
            conn.send(&SupervisorOut::Pong).await;
            return Ok(());
        }
        (
            SupervisorIn::Auth {
                token,
                tenant: name,
            },
            None,
        ) => {
            let now = system_now();
            if let Some(until) = sh.logins.locked_until(now, None, peer) {
                return Err(crate::agent_ops::locked(now, until));
            }
            let r = authenticate(sh, token, name.as_deref()).await;
            match &r {
                Ok(_) => sh.logins.success(None, peer),
                Err(e) if e.code() == ErrorCode::Unauthorized => sh.logins.failure(now, None, peer),
                Err(_) => {}
            }
            let (t, tenant_name) = r?;
            *tenant = Some((t, sh.hub.add_supervisor(t, tx.clone())));
            conn.send(&SupervisorOut::Welcome {
                tenant: t,
                tenant_name,
            })
            .await;
            return Ok(());
        }
        (SupervisorIn::Auth { .. }, Some(_)) => {
            return Err(Error::peer(ErrorCode::BadMessage, "already authenticated"));
        }
        (_, None) => return Err(Error::peer(ErrorCode::NotReady, "send auth first")),
        (_, Some((t, _))) => t,
    };
    let (action, input) = match msg {
        SupervisorIn::Move { interaction, queue } => {
            owns_interaction(sh, t, interaction, queue).await?;
            (
                "move",
                Input::Move {
                    interaction,
                    to: queue,
                },
            )
        }
        SupervisorIn::PauseAgent { agent, reason } => {
            owns_agent(sh, t, agent).await?;
            let reason = match reason {
                Some(r) => text_field("reason", &r, 64, false)?,
                None => "supervisor".into(),
            };
            let reason = PauseReason::new(reason);
            (
                "pause_agent",
                Input::Pause {
                    agent,
                    queue: None,
                    reason,
                },
            )
        }
        SupervisorIn::UnpauseAgent { agent } => {
            owns_agent(sh, t, agent).await?;
            ("unpause_agent", Input::Unpause { agent, queue: None })
        }
        SupervisorIn::LogoutAgent { agent } => {
            owns_agent(sh, t, agent).await?;
            ("logout_agent", Input::Logout { agent })
        }
        SupervisorIn::OfflineMessages => {
            let page = Page {
                limit: 100,
                offset: 0,
            };
            let items = sh.store.list_offline_messages(t.0 as i64, page).await?;
            conn.send(&SupervisorOut::OfflineMessages { items }).await;
            return Ok(());
        }
        SupervisorIn::Auth { .. } | SupervisorIn::Ping => return Ok(()),
    };
    sh.engine.handle(input).await?;
    conn.send(&SupervisorOut::Done { action }).await;
    Ok(())
}

async fn authenticate(
    sh: &Shared,
    token: &str,
    tenant: Option<&str>,
) -> Result<(TenantId, String)> {
    let denied = || Error::peer(ErrorCode::Unauthorized, "invalid token");
    if token.len() > 200 {
        return Err(denied());
    }
    let tok = sh.store.authenticate(token).await?.ok_or_else(denied)?;
    if !matches!(tok.role, Role::Admin | Role::Supervisor) {
        return Err(Error::peer(
            ErrorCode::Unauthorized,
            "needs a supervisor or admin token",
        ));
    }
    let rec = match (
        tok.tenant_id,
        tenant.map(str::trim).filter(|s| !s.is_empty()),
    ) {
        (Some(id), _) => sh.store.tenant(id).await?,
        (None, Some(name)) => match name.parse::<i64>() {
            Ok(id) => sh.store.tenant(id).await?,
            Err(_) => sh
                .store
                .tenant_by_name(name)
                .await?
                .ok_or_else(|| Error::peer(ErrorCode::NotFound, "no such tenant"))?,
        },
        (None, None) => {
            return Err(Error::peer(
                ErrorCode::BadMessage,
                "tenant is required with this token",
            ));
        }
    };
    Ok((TenantId(rec.id as u64), rec.name))
}

async fn owns_interaction(sh: &Shared, t: TenantId, i: InteractionId, q: QueueId) -> Result<()> {
    let ok = sh
        .engine
        .call(move |r, now| {
            r.peek(i).is_some_and(|v| v.tenant == t)
                && r.queue_stats(q, now).is_ok_and(|s| s.tenant == t)
        })
        .await?;
    ok.then_some(())
        .ok_or_else(|| Error::peer(ErrorCode::NotFound, "no such interaction or queue"))
}

async fn owns_agent(sh: &Shared, t: TenantId, a: AgentId) -> Result<()> {
    let ok = sh
        .engine
        .call(move |r, _| r.agent(a).is_ok_and(|v| v.tenant == t))
        .await?;
    ok.then_some(())
        .ok_or_else(|| Error::peer(ErrorCode::NotFound, "no such agent"))
}

/// The tenant's board, read from the router in one call.
async fn snapshot(sh: &Shared, t: TenantId) -> Result<SupervisorOut> {
    let (mut queues, mut agents) = sh
        .engine
        .call(move |r, now| {
            let queues: Vec<QueueBoard> = r
                .queue_ids()
                .filter_map(|q| r.queue_stats(q, now).ok())
                .filter(|s| s.tenant == t)
                .map(|s| {
                    let line = r
                        .waiting(s.queue)
                        .unwrap_or_default()
                        .into_iter()
                        .take(LINE_SHOWN)
                        .map(|v| Waiter {
                            interaction: v.id,
                            customer: v.caller_id,
                            position: v.position.unwrap_or(0),
                            wait_secs: now.saturating_since(v.arrived).as_secs(),
                            channel: v.channel,
                            state: v.state,
                            priority: v.priority,
                        })
                        .collect();
                    QueueBoard {
                        id: s.queue,
                        name: s.name,
                        waiting: s.waiting,
                        longest_wait_secs: s.longest_wait_secs,
                        service_level: s.service_level,
                        abandon_rate: s.abandon_rate,
                        agents_logged_in: s.agents_logged_in,
                        agents_available: s.agents_available,
                        agents_busy: s.agents_busy,
                        answered: s.answered,
                        abandoned: s.abandoned,
                        estimated_wait_secs: s.estimated_wait_secs,
                        line,
                        trend: Vec::new(),
                    }
                })
                .collect();
            let agents: Vec<AgentBoard> = r
                .agent_ids()
                .filter_map(|a| r.agent(a).ok())
                .filter(|v| v.tenant == t)
                .map(|v| AgentBoard {
                    id: v.id,
                    name: v.name,
                    status: v.status,
                    since_secs: now.saturating_since(v.status_since).as_secs(),
                    active: v.active.len(),
                    reason: v.paused_all.map(|p| p.as_str().to_string()),
                })
                .collect();
            (queues, agents)
        })
        .await?;
    queues.sort_by_key(|q| q.id);
    agents.sort_by(|a, b| a.name.cmp(&b.name));
    let trends = sh.trends.lock().unwrap_or_else(|e| e.into_inner());
    for q in &mut queues {
        if let Some(ring) = trends.get(&q.id) {
            q.trend = ring.iter().copied().collect();
        }
    }
    Ok(SupervisorOut::Snapshot {
        at_ms: system_now().as_millis(),
        queues,
        agents,
    })
}
