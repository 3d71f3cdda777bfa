//! Live views (queue stats, agent board, waiting line) and presence actions on agents.

use crate::AppState;
use crate::error::Result;
use crate::extract::{Body, Caller, IdPath, P, TenantPath};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchyard_core::{AgentId, InteractionId, PauseReason, QueueId, TenantId};
use switchyard_router::{AgentView, Input, InteractionView, QueueStats};
use utoipa::ToSchema;

/// Live figures of every queue of the tenant.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/live/queues", tag = "live", params(TenantPath),
    responses((status = 200, body = [crate::schemas::QueueStatsDoc])))]
pub(crate) async fn queues(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
) -> Result<Json<Vec<QueueStats>>> {
    c.supervisor(p.tenant)?;
    // The live router knows the tenant's queues: no store round trip.
    let t = TenantId(p.tenant as u64);
    let stats = s
        .engine
        .call(move |r, now| {
            let mut ids: Vec<QueueId> = r
                .queue_ids()
                .filter(|q| r.queue_config(*q).is_some_and(|c| c.tenant == t))
                .collect();
            ids.sort_unstable();
            ids.into_iter()
                .filter_map(|q| r.queue_stats(q, now).ok())
                .collect()
        })
        .await?;
    Ok(Json(stats))
}

/// Live figures of one queue.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/live/queues/{id}", tag = "live", params(IdPath),
    responses((status = 200, body = crate::schemas::QueueStatsDoc), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn queue(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<Json<QueueStats>> {
    c.supervisor(p.tenant)?;
    s.store.queue(p.tenant, p.id).await?;
    let q = QueueId(p.id as u64);
    Ok(Json(
        s.engine
            .call(move |r, now| r.queue_stats(q, now))
            .await?
            .map_err(switchyard_engine::Error::from)?,
    ))
}

/// The line of a queue, in order.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/live/queues/{id}/waiting", tag = "live", params(IdPath),
    responses((status = 200, body = [crate::schemas::InteractionViewDoc]), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn waiting(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<Json<Vec<InteractionView>>> {
    c.supervisor(p.tenant)?;
    s.store.queue(p.tenant, p.id).await?;
    let q = QueueId(p.id as u64);
    Ok(Json(
        s.engine
            .call(move |r, _| r.waiting(q))
            .await?
            .map_err(switchyard_engine::Error::from)?,
    ))
}

/// The agent status board.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/live/agents", tag = "live", params(TenantPath),
    responses((status = 200, body = [crate::schemas::AgentViewDoc])))]
pub(crate) async fn agents(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
) -> Result<Json<Vec<AgentView>>> {
    c.supervisor(p.tenant)?;
    let t = TenantId(p.tenant as u64);
    Ok(Json(
        s.engine
            .call(move |r, _| {
                let mut ids: Vec<AgentId> = r
                    .agent_ids()
                    .filter(|a| r.agent_config(*a).is_some_and(|c| c.tenant == t))
                    .collect();
                ids.sort_unstable();
                ids.into_iter().filter_map(|a| r.agent(a).ok()).collect()
            })
            .await?,
    ))
}

/// Logging in.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct LoginBody {
    /// Whether the agent's device is reachable now (default true: the desktop is open).
    /// SIP registrations set this themselves.
    pub reachable: Option<bool>,
}

/// Pausing.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct PauseBody {
    /// Why ("lunch", "training").
    pub reason: String,
    /// Only this queue (default: all queues).
    pub queue_id: Option<i64>,
}

/// Unpausing.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct UnpauseBody {
    /// Only this queue (default: all queues).
    pub queue_id: Option<i64>,
}

async fn agent_action(
    s: &AppState,
    c: &Caller,
    tenant: i64,
    agent: i64,
    input: Input,
) -> Result<Json<AgentView>> {
    c.agent_or_supervisor(tenant, agent)?;
    s.store.agent(tenant, agent).await?;
    let a = AgentId(agent as u64);
    let view = s
        .engine
        .call(move |r, now| {
            r.handle(now, input)?;
            r.agent(a)
        })
        .await?
        .map_err(switchyard_engine::Error::from)?;
    Ok(Json(view))
}

/// Logs an agent in.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/agents/{id}/login", tag = "actions", params(IdPath), request_body = LoginBody,
    responses((status = 200, body = crate::schemas::AgentViewDoc), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn login(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
    body: Option<Body<LoginBody>>,
) -> Result<Json<AgentView>> {
    let reachable = body.and_then(|b| b.0.reachable).unwrap_or(true);
    let a = AgentId(p.id as u64);
    let _ = agent_action(&s, &c, p.tenant, p.id, Input::Login { agent: a }).await?;
    agent_action(
        &s,
        &c,
        p.tenant,
        p.id,
        Input::SetReachable {
            agent: a,
            reachable,
        },
    )
    .await
}

/// Logs an agent out (ringing offers are withdrawn).
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/agents/{id}/logout", tag = "actions", params(IdPath),
    responses((status = 200, body = crate::schemas::AgentViewDoc), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn logout(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<Json<AgentView>> {
    agent_action(
        &s,
        &c,
        p.tenant,
        p.id,
        Input::Logout {
            agent: AgentId(p.id as u64),
        },
    )
    .await
}

/// Pauses an agent in one queue or all.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/agents/{id}/pause", tag = "actions", params(IdPath), request_body = PauseBody,
    responses((status = 200, body = crate::schemas::AgentViewDoc), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn pause(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
    Body(b): Body<PauseBody>,
) -> Result<Json<AgentView>> {
    crate::names::check("reason", &b.reason)?;
    let input = Input::Pause {
        agent: AgentId(p.id as u64),
        queue: b.queue_id.map(|q| QueueId(q as u64)),
        reason: PauseReason::new(&b.reason),
    };
    agent_action(&s, &c, p.tenant, p.id, input).await
}

/// Unpauses an agent in one queue or all.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/agents/{id}/unpause", tag = "actions", params(IdPath), request_body = UnpauseBody,
    responses((status = 200, body = crate::schemas::AgentViewDoc), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn unpause(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
    body: Option<Body<UnpauseBody>>,
) -> Result<Json<AgentView>> {
    let queue = body.and_then(|b| b.0.queue_id).map(|q| QueueId(q as u64));
    agent_action(
        &s,
        &c,
        p.tenant,
        p.id,
        Input::Unpause {
            agent: AgentId(p.id as u64),
            queue,
        },
    )
    .await
}

/// Ends an agent's wrap-up early.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/agents/{id}/end-wrap-up", tag = "actions", params(IdPath),
    responses((status = 200, body = crate::schemas::AgentViewDoc), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn end_wrap_up(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<Json<AgentView>> {
    agent_action(
        &s,
        &c,
        p.tenant,
        p.id,
        Input::EndWrapUp {
            agent: AgentId(p.id as u64),
        },
    )
    .await
}

/// Claiming (pull mode).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct ClaimBody {
    /// Only from this queue (default: any of the agent's pull-mode queues).
    pub queue_id: Option<i64>,
}

/// What a claim got.
#[derive(Debug, serde::Serialize, ToSchema)]
pub(crate) struct Claimed {
    /// The interaction now connected to the agent; None when nothing was waiting.
    pub interaction: Option<u64>,
}

/// Pull mode: the agent takes the best waiting interaction itself.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/agents/{id}/claim", tag = "actions", params(IdPath), request_body = ClaimBody,
    responses((status = 200, body = Claimed), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub(crate) async fn claim(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
    body: Option<Body<ClaimBody>>,
) -> Result<Json<Claimed>> {
    c.agent_or_supervisor(p.tenant, p.id)?;
    s.store.agent(p.tenant, p.id).await?;
    let queue = body.and_then(|b| b.0.queue_id).map(|q| QueueId(q as u64));
    let a = AgentId(p.id as u64);
    let got = s
        .engine
        .call(move |r, now| r.claim(now, a, queue))
        .await?
        .map_err(switchyard_engine::Error::from)?;
    Ok(Json(Claimed {
        interaction: got.map(|i: InteractionId| i.0),
    }))
}
