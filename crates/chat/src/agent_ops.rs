//! What the agent session asks of the router and the store, and its permission checks.

use crate::Shared;
use crate::agent_msg::{ActiveChat, AgentOut, QueueInfo};
use crate::error::{Error, ErrorCode, Result};
use std::collections::HashSet;
use std::net::IpAddr;
use switchyard_core::{AgentId, AgentStatus, InteractionId, OfferId, QueueId, TenantId, Time};
use switchyard_engine::system_now;
use switchyard_router::{CancelReason, Input};
use switchyard_store::{AgentRecord, OfflineMessage, Page, Role};

fn unauthorized() -> Error {
    Error::peer(ErrorCode::Unauthorized, "wrong login, password or token")
}

/// Checks chat credentials or an agent-role token from `peer`, refusing without a
/// check while the login or the address is locked, and counting failures.
pub(crate) async fn authenticate(
    sh: &Shared,
    login: Option<String>,
    password: Option<String>,
    token: Option<String>,
    peer: Option<IpAddr>,
) -> Result<AgentRecord> {
    let now = system_now();
    // The login name counts only when a password is checked against it.
    let key = match (&login, &password) {
        (Some(l), Some(_)) => Some(l.clone()),
        _ => None,
    };
    if let Some(until) = sh.logins.locked_until(now, key.as_deref(), peer) {
        return Err(locked(now, until));
    }
    let r = check(sh, login, password, token).await;
    match &r {
        Ok(_) => sh.logins.success(key.as_deref(), peer),
        Err(e) if e.code() == ErrorCode::Unauthorized => {
            sh.logins.failure(now, key.as_deref(), peer)
        }
        Err(_) => {}
    }
    r
}

/// The refusal while locked (no password was checked).
pub(crate) fn locked(now: Time, until: Time) -> Error {
    let secs = until.saturating_since(now).as_secs().max(1);
    Error::peer(
        ErrorCode::Unauthorized,
        format!("too many failed logins: try again in {secs} s"),
    )
}

async fn check(
    sh: &Shared,
    login: Option<String>,
    password: Option<String>,
    token: Option<String>,
) -> Result<AgentRecord> {
    match (login, password, token) {
        (Some(l), Some(p), _) if l.len() <= 100 && p.len() <= 200 => {
            sh.store.chat_login(&l, &p).await?.ok_or_else(unauthorized)
        }
        (_, _, Some(t)) if t.len() <= 200 => {
            let tok = sh.store.authenticate(&t).await?.ok_or_else(unauthorized)?;
            match (tok.role, tok.tenant_id, tok.agent_id) {
                (Role::Agent, Some(tenant), Some(agent)) => sh
                    .store
                    .agent(tenant, agent)
                    .await
                    .map_err(|_| unauthorized()),
                _ => Err(Error::peer(ErrorCode::Unauthorized, "not an agent token")),
            }
        }
        _ => Err(Error::peer(
            ErrorCode::Unauthorized,
            "login needs login and password, or token",
        )),
    }
}

/// Makes the agent reachable and logged in; returns its board state.
pub(crate) async fn login(sh: &Shared, a: AgentId) -> Result<AgentStatus> {
    let status = sh
        .engine
        .call(move |r, now| {
            let view = r.agent(a)?;
            if !view.reachable {
                r.handle(
                    now,
                    Input::SetReachable {
                        agent: a,
                        reachable: true,
                    },
                )?;
            }
            if !view.logged_in {
                r.handle(now, Input::Login { agent: a })?;
            }
            r.agent(a).map(|v| v.status)
        })
        .await?
        .map_err(|_| Error::peer(ErrorCode::NotFound, "agent is not loaded in the router"))?;
    Ok(status)
}

/// The `welcome` message: logs the agent in and lists the tenant's queues.
pub(crate) async fn welcome(sh: &Shared, rec: &AgentRecord) -> Result<AgentOut> {
    let a = AgentId(rec.id as u64);
    let status = login(sh, a).await?;
    let page = Page {
        limit: 1000,
        offset: 0,
    };
    let member: HashSet<i64> = sh
        .store
        .list_memberships(rec.tenant_id, None, Some(rec.id), page)
        .await?
        .into_iter()
        .map(|m| m.queue_id)
        .collect();
    let queues = sh
        .store
        .list_queues(rec.tenant_id, None, page)
        .await?
        .into_iter()
        .map(|q| QueueInfo {
            id: QueueId(q.id as u64),
            member: member.contains(&q.id),
            name: q.name,
            pull_mode: q.settings.pull_mode,
        })
        .collect();
    let active = sh
        .engine
        .call(move |r, _| {
            let ids = r.agent(a).map(|v| v.active).unwrap_or_default();
            ids.into_iter()
                .filter_map(|i| r.interaction(i))
                .map(|v| {
                    let name = r
                        .queue_config(v.queue)
                        .map(|c| c.name.clone())
                        .unwrap_or_default();
                    (v, name)
                })
                .collect::<Vec<_>>()
        })
        .await?;
    let chats = active
        .into_iter()
        .map(|(v, queue_name)| {
            // The hub learns (again) who holds the chat: messages route to this agent.
            sh.hub.connected(v.id, a);
            ActiveChat {
                interaction: v.id,
                queue: v.queue,
                queue_name,
                channel: v.channel,
                customer: sh.hub.customer_name(v.id).unwrap_or(v.caller_id),
                history: sh.hub.transcript(v.id),
            }
        })
        .collect();
    Ok(AgentOut::Welcome {
        agent: a,
        name: rec.name.clone(),
        tenant: TenantId(rec.tenant_id as u64),
        queues,
        chat_capacity: rec.settings.capacity.chat,
        status,
        chats,
    })
}

/// The offer must ring this agent.
pub(crate) fn own_offer(sh: &Shared, a: AgentId, o: OfferId) -> Result<()> {
    match sh.hub.offer(o) {
        Some((owner, _)) if owner == a => Ok(()),
        _ => Err(Error::peer(ErrorCode::NotFound, "no such offer")),
    }
}

/// The chat must be connected to this agent.
pub(crate) fn own_chat(sh: &Shared, a: AgentId, i: InteractionId) -> Result<()> {
    match sh.hub.chat_agent(i) {
        Some(owner) if owner == a => Ok(()),
        _ => Err(Error::peer(ErrorCode::NotFound, "no such chat")),
    }
}

/// History is readable for the agent's chats and for interactions of its tenant.
pub(crate) async fn may_read(sh: &Shared, a: AgentId, i: InteractionId) -> Result<()> {
    if own_chat(sh, a, i).is_ok() {
        return Ok(());
    }
    let ok = sh
        .engine
        .call(move |r, _| {
            let t = r.agent(a).map(|v| v.tenant).ok();
            r.peek(i).is_some_and(|v| Some(v.tenant) == t)
        })
        .await?;
    if ok {
        Ok(())
    } else {
        Err(Error::peer(ErrorCode::NotFound, "no such interaction"))
    }
}

/// The target queue must exist in the agent's tenant.
pub(crate) async fn same_tenant_queue(sh: &Shared, t: TenantId, q: QueueId) -> Result<()> {
    let tenant = sh
        .engine
        .call(move |r, now| r.queue_stats(q, now).map(|s| s.tenant).ok())
        .await?;
    if tenant == Some(t) {
        Ok(())
    } else {
        Err(Error::peer(ErrorCode::NotFound, "no such queue"))
    }
}

/// Queue name and customer name of an interaction.
pub(crate) async fn describe(sh: &Shared, i: InteractionId, q: QueueId) -> (String, String) {
    // Offers are latency-critical: answer from the hub's caches when it can, without a
    // round trip through the router task (a queue rename shows at the next sample).
    let hub_name = sh.hub.customer_name(i);
    if let (Some(queue), Some(customer)) = (sh.hub.queue_name(q), hub_name.clone()) {
        return (queue, customer);
    }
    let (queue, customer, tenant) = sh
        .engine
        .call(move |r, now| {
            let stats = r.queue_stats(q, now).ok();
            let customer = hub_name
                .or_else(|| r.peek(i).map(|v| v.caller_id))
                .unwrap_or_default();
            let tenant = stats.as_ref().map(|s| s.tenant);
            (stats.map(|s| s.name).unwrap_or_default(), customer, tenant)
        })
        .await
        .unwrap_or_default();
    if let Some(t) = tenant {
        sh.hub.set_queue_info(q, t, &queue);
    }
    (queue, customer)
}

/// The break reason of a paused agent.
pub(crate) async fn pause_reason(sh: &Shared, a: AgentId) -> Option<String> {
    sh.engine
        .call(move |r, _| {
            r.agent(a)
                .ok()
                .and_then(|v| v.paused_all.map(|p| p.as_str().to_string()))
        })
        .await
        .ok()
        .flatten()
}

/// The tenant's offline messages, newest first.
pub(crate) async fn offline_messages(sh: &Shared, t: TenantId) -> Result<Vec<OfflineMessage>> {
    let page = Page {
        limit: 100,
        offset: 0,
    };
    Ok(sh.store.list_offline_messages(t.0 as i64, page).await?)
}

/// Wire name of a cancel reason.
pub(crate) fn cancel_reason(r: CancelReason) -> &'static str {
    match r {
        CancelReason::AnsweredElsewhere => "answered_elsewhere",
        CancelReason::CustomerLeft => "customer_left",
        CancelReason::Withdrawn => "withdrawn",
        CancelReason::AgentGone => "agent_gone",
        CancelReason::RingTimeout => "ring_timeout",
    }
}
