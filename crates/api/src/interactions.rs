//! Interactions created and handled over the API (a web form's callback request, a
//! supervisor's move or hang-up), and the event history.

use crate::AppState;
use crate::error::{ApiError, Result};
use crate::extract::{Body, Caller, IdPath, List, P, Paging, Q, TenantPath};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use switchyard_core::{Channel, InteractionId, QueueId, SkillReq, TenantId};
use switchyard_router::{EndedBy, Input, InteractionState, InteractionView, NewInteraction};
use switchyard_store::{EventFilter, EventRecord};
use utoipa::{IntoParams, ToSchema};

/// A customer contact created over the API (a web form's callback request, a test).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct InteractionBody {
    /// The queue to join.
    pub queue_id: i64,
    /// `voice`, `chat` or `callback`.
    #[schema(value_type = String)]
    pub channel: Channel,
    /// Caller ID, chat name or callback number.
    pub caller_id: String,
    /// Higher goes first.
    #[serde(default)]
    pub priority: i32,
    /// Extra skills: `[{skill, min_level}]`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub skills: Vec<SkillReq>,
}

/// Puts a new interaction in a queue.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/interactions", tag = "interactions", params(TenantPath), request_body = InteractionBody,
    responses((status = 201, body = crate::schemas::InteractionViewDoc, description = "the interaction; null when it was refused at join (full, nobody there, closed: see the events)"), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn create(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Body(b): Body<InteractionBody>,
) -> Result<(StatusCode, Json<Option<InteractionView>>)> {
    c.supervisor(p.tenant)?;
    s.store
        .queue(p.tenant, b.queue_id)
        .await
        .map_err(|_| ApiError::invalid("queue_id", "no such queue in this tenant"))?;
    let tenant = TenantId(p.tenant as u64);
    // A callback passes the tenant's dialling policy and the rate limits (per number,
    // per API token), like the widget's and the phone menu's.
    let caller_id = if b.channel == Channel::Callback {
        let source = format!("token:{}", c.0.id);
        s.engine
            .callbacks()
            .admit(
                tenant,
                &b.caller_id,
                Some(&source),
                switchyard_engine::system_now(),
            )
            .map_err(|why| ApiError::invalid("caller_id", why.message()))?
    } else {
        b.caller_id
    };
    let id = s.engine.mint_interaction_id();
    let ni = NewInteraction {
        id,
        tenant,
        queue: QueueId(b.queue_id as u64),
        channel: b.channel,
        caller_id,
        skills: b.skills,
        priority: b.priority,
        arrived: None,
    };
    // None: refused at join (full, nobody there, closed) — the events say why.
    let view = s
        .engine
        .call(move |r, now| r.handle(now, Input::Join(ni)).map(|()| r.interaction(id)))
        .await?
        .map_err(switchyard_engine::Error::from)?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn interaction_in(s: &AppState, tenant: i64, id: i64) -> Result<InteractionView> {
    let i = InteractionId(id as u64);
    match s.engine.call(move |r, _| r.interaction(i)).await? {
        Some(v) if v.tenant == TenantId(tenant as u64) => Ok(v),
        _ => Err(ApiError::NotFound),
    }
}

/// One live interaction with its estimated wait.
#[derive(Debug, serde::Serialize)]
pub(crate) struct InteractionDetail {
    /// The interaction as the router sees it.
    #[serde(flatten)]
    pub view: InteractionView,
    /// Estimated seconds until an agent takes it, while it waits (None: nobody staffed
    /// or not waiting).
    pub estimated_wait_secs: Option<u64>,
}

/// One live interaction.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/interactions/{id}", tag = "interactions", params(IdPath),
    responses((status = 200, body = crate::schemas::InteractionDetailDoc), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn get(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<Json<InteractionDetail>> {
    c.supervisor(p.tenant)?;
    let view = interaction_in(&s, p.tenant, p.id).await?;
    let i = InteractionId(p.id as u64);
    let estimate = s.engine.call(move |r, _| r.estimate(i)).await?;
    Ok(Json(InteractionDetail {
        view,
        estimated_wait_secs: estimate.and_then(|e| e.wait).map(|w| w.as_secs()),
    }))
}

/// Moving an interaction.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct MoveBody {
    /// Target queue (same tenant).
    pub queue_id: i64,
}

/// Changing a priority.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct PriorityBody {
    /// New priority (higher goes first).
    pub priority: i32,
}

async fn interaction_action(
    s: &AppState,
    c: &Caller,
    tenant: i64,
    id: i64,
    input: Input,
) -> Result<StatusCode> {
    c.supervisor(tenant)?;
    interaction_in(s, tenant, id).await?;
    s.engine.handle(input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Moves a waiting interaction to another queue, keeping its arrival time.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/interactions/{id}/move", tag = "interactions", params(IdPath), request_body = MoveBody,
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn move_to(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
    Body(b): Body<MoveBody>,
) -> Result<StatusCode> {
    c.supervisor(p.tenant)?;
    s.store
        .queue(p.tenant, b.queue_id)
        .await
        .map_err(|_| ApiError::invalid("queue_id", "no such queue in this tenant"))?;
    let input = Input::Move {
        interaction: InteractionId(p.id as u64),
        to: QueueId(b.queue_id as u64),
    };
    interaction_action(&s, &c, p.tenant, p.id, input).await
}

/// Transfers a connected interaction to another queue: it waits there with its original
/// arrival time and the agent goes to wrap-up. The connected agent may do it itself.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/interactions/{id}/transfer", tag = "interactions", params(IdPath), request_body = MoveBody,
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn transfer(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
    Body(b): Body<MoveBody>,
) -> Result<StatusCode> {
    let v = interaction_in(&s, p.tenant, p.id).await?;
    let agent = v.agent.map(|a| a.0 as i64).unwrap_or(-1);
    c.agent_or_supervisor(p.tenant, agent)?;
    s.store
        .queue(p.tenant, b.queue_id)
        .await
        .map_err(|_| ApiError::invalid("queue_id", "no such queue in this tenant"))?;
    let input = Input::Transfer {
        interaction: InteractionId(p.id as u64),
        to: QueueId(b.queue_id as u64),
    };
    s.engine.handle(input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the priority of a waiting interaction.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/interactions/{id}/priority", tag = "interactions", params(IdPath), request_body = PriorityBody,
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn set_priority(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
    Body(b): Body<PriorityBody>,
) -> Result<StatusCode> {
    let input = Input::SetPriority {
        interaction: InteractionId(p.id as u64),
        priority: b.priority,
    };
    interaction_action(&s, &c, p.tenant, p.id, input).await
}

/// Hangs up an interaction: a waiting one leaves the queue, a connected one ends (the
/// connected agent may do it itself).
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/interactions/{id}/hangup", tag = "interactions", params(IdPath),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn hangup(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<StatusCode> {
    let v = interaction_in(&s, p.tenant, p.id).await?;
    // A supervisor may end anything; an agent only what it is connected to.
    c.agent_or_supervisor(p.tenant, v.agent.map(|a| a.0 as i64).unwrap_or(-1))?;
    let interaction = InteractionId(p.id as u64);
    let input = match v.state {
        InteractionState::Connected => Input::Complete {
            interaction,
            by: EndedBy::Agent,
        },
        _ => Input::CustomerLeft { interaction },
    };
    s.engine.handle(input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Event history filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EventQuery {
    /// Queue id.
    pub queue_id: Option<i64>,
    /// Agent id.
    pub agent_id: Option<i64>,
    /// Interaction id.
    pub interaction_id: Option<i64>,
    /// queue_log verb, e.g. `CONNECT`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// From, ms since the epoch (inclusive).
    pub from_ms: Option<i64>,
    /// To, ms since the epoch (exclusive).
    pub to_ms: Option<i64>,
    /// Rows at most (1..=1000, default 100).
    pub limit: Option<i64>,
    /// Rows skipped.
    pub offset: Option<i64>,
}

/// The stored event history, oldest first.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/events", tag = "events", params(TenantPath, EventQuery),
    responses((status = 200, body = List<EventRecord>)))]
pub(crate) async fn events(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Q(q): Q<EventQuery>,
) -> Result<Json<List<EventRecord>>> {
    c.supervisor(p.tenant)?;
    let page = Paging {
        limit: q.limit,
        offset: q.offset,
    }
    .page()?;
    let f = EventFilter {
        tenant_id: Some(p.tenant),
        queue_id: q.queue_id,
        agent_id: q.agent_id,
        interaction_id: q.interaction_id,
        event: q.kind.map(|k| k.to_ascii_uppercase()),
        from_ms: q.from_ms,
        to_ms: q.to_ms,
    };
    Ok(Json(List::new(s.store.list_events(&f, page).await?, page)))
}
