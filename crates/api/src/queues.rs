//! Queues (every router setting, numbers, schedule), their overflow chains, and schedules.

use crate::error::{ApiError, Result};
use crate::extract::{Body, Caller, IdPath, List, P, Paging, Q, TenantPath};
use crate::{AppState, names, sync};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use switchyard_core::QueueId;
use switchyard_core::config::{OverflowLink, QueueConfig};
use switchyard_core::schedule::Schedule;
use switchyard_router::Input;
use switchyard_store::{QueueRecord, ScheduleRecord};
use utoipa::{IntoParams, ToSchema};

/// A queue as written.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct QueueBody {
    /// Unique name in the tenant (queue_log name).
    pub name: String,
    /// Numbers that reach the queue (unique in the deployment).
    #[serde(default)]
    pub numbers: Vec<String>,
    /// Shared schedule; replaces `settings.schedule`.
    pub schedule_id: Option<i64>,
    /// Router settings (strategy, timeouts, limits, escalation, overflow, keys…);
    /// omitted fields take app_queue-like defaults.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub settings: QueueConfig,
}

/// Filters for the queue list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct QueueFilter {
    /// Name contains.
    pub name: Option<String>,
    /// Rows at most (1..=1000, default 100).
    pub limit: Option<i64>,
    /// Rows skipped.
    pub offset: Option<i64>,
}

/// Lists a tenant's queues.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/queues", tag = "queues", params(TenantPath, QueueFilter),
    responses((status = 200, body = List<QueueRecord>)))]
pub(crate) async fn list(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Q(f): Q<QueueFilter>,
) -> Result<Json<List<QueueRecord>>> {
    c.supervisor(p.tenant)?;
    let page = Paging {
        limit: f.limit,
        offset: f.offset,
    }
    .page()?;
    Ok(Json(List::new(
        s.store
            .list_queues(p.tenant, f.name.as_deref(), page)
            .await?,
        page,
    )))
}

/// Creates a queue; it is live at once.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/queues", tag = "queues", params(TenantPath), request_body = QueueBody,
    responses((status = 201, body = QueueRecord), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn create(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Body(b): Body<QueueBody>,
) -> Result<(StatusCode, Json<QueueRecord>)> {
    c.admin(p.tenant)?;
    names::check("name", &b.name)?;
    sync::check_queue(&s, p.tenant, &b.settings, &b.numbers).await?;
    let q = s
        .store
        .create_queue(p.tenant, &b.name, &b.numbers, b.schedule_id, &b.settings)
        .await
        .map_err(schedule_ref)?;
    if let Err(e) = sync::push_queue(&s, &q).await {
        // The router refused it: do not keep a queue that is not live.
        s.store.delete_queue(p.tenant, q.id).await?;
        return Err(e);
    }
    Ok((StatusCode::CREATED, Json(q)))
}

fn schedule_ref(e: switchyard_store::Error) -> ApiError {
    match e {
        switchyard_store::Error::InvalidReference(_) => {
            ApiError::invalid("schedule_id", "no such schedule in this tenant")
        }
        e => e.into(),
    }
}

/// One queue.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/queues/{id}", tag = "queues", params(IdPath),
    responses((status = 200, body = QueueRecord), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn get(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<Json<QueueRecord>> {
    c.supervisor(p.tenant)?;
    Ok(Json(s.store.queue(p.tenant, p.id).await?))
}

async fn replace(s: &AppState, tenant: i64, id: i64, b: &QueueBody) -> Result<QueueRecord> {
    sync::check_queue(s, tenant, &b.settings, &b.numbers).await?;
    let old = s.store.queue(tenant, id).await?;
    let q = s
        .store
        .update_queue(tenant, id, &b.name, &b.numbers, b.schedule_id, &b.settings)
        .await
        .map_err(schedule_ref)?;
    if let Err(e) = sync::push_queue(s, &q).await {
        s.store
            .update_queue(
                tenant,
                id,
                &old.name,
                &old.numbers,
                old.schedule_id,
                &old.settings,
            )
            .await?;
        return Err(e);
    }
    Ok(q)
}

/// Replaces a queue's settings; the running router applies them at once (waiting
/// customers keep their place).
#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/queues/{id}", tag = "queues", params(IdPath), request_body = QueueBody,
    responses((status = 200, body = QueueRecord), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn update(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
    Body(b): Body<QueueBody>,
) -> Result<Json<QueueRecord>> {
    c.admin(p.tenant)?;
    names::check("name", &b.name)?;
    Ok(Json(replace(&s, p.tenant, p.id, &b).await?))
}

/// Deletes a queue; its waiting customers overflow as if it had no agents.
#[utoipa::path(delete, path = "/api/v1/tenants/{tenant}/queues/{id}", tag = "queues", params(IdPath),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn delete(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<StatusCode> {
    c.admin(p.tenant)?;
    s.store.delete_queue(p.tenant, p.id).await?;
    sync::remove(&s, Input::RemoveQueue(QueueId(p.id as u64))).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A queue's overflow chain.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/queues/{id}/overflow", tag = "queues", params(IdPath),
    responses((status = 200, body = [Object]), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn get_overflow(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<Json<Vec<OverflowLink>>> {
    c.supervisor(p.tenant)?;
    Ok(Json(s.store.queue(p.tenant, p.id).await?.settings.overflow))
}

/// Replaces a queue's overflow chain (links tried in order; the first handling the
/// trigger is taken).
#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/queues/{id}/overflow", tag = "queues", params(IdPath), request_body = [Object],
    responses((status = 200, body = [Object]), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn put_overflow(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
    Body(chain): Body<Vec<OverflowLink>>,
) -> Result<Json<Vec<OverflowLink>>> {
    c.admin(p.tenant)?;
    let q = s.store.queue(p.tenant, p.id).await?;
    let mut settings = q.settings;
    settings.overflow = chain;
    let b = QueueBody {
        name: q.name,
        numbers: q.numbers,
        schedule_id: q.schedule_id,
        settings,
    };
    let q = replace(&s, p.tenant, p.id, &b).await.map_err(|e| match e {
        ApiError::Validation { field, detail } => ApiError::Validation {
            field: field.replacen("settings.overflow", "", 1),
            detail,
        },
        e => e,
    })?;
    Ok(Json(q.settings.overflow))
}

/// A schedule as written.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ScheduleBody {
    /// Unique name in the tenant.
    pub name: String,
    /// Opening hours: `{time_zone, weekly: [{days, open, close}], holidays: [{date, name}]}`.
    #[schema(value_type = Object)]
    pub schedule: Schedule,
}

fn check_schedule(b: &ScheduleBody) -> Result<()> {
    names::check("name", &b.name)?;
    b.schedule
        .compile()
        .map(drop)
        .map_err(|e| ApiError::invalid("schedule", e.to_string()))
}

/// Lists a tenant's schedules.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/schedules", tag = "schedules", params(TenantPath, Paging),
    responses((status = 200, body = List<ScheduleRecord>)))]
pub(crate) async fn list_schedules(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Q(pg): Q<Paging>,
) -> Result<Json<List<ScheduleRecord>>> {
    c.supervisor(p.tenant)?;
    let page = pg.page()?;
    Ok(Json(List::new(
        s.store.list_schedules(p.tenant, page).await?,
        page,
    )))
}

/// Creates a schedule.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/schedules", tag = "schedules", params(TenantPath), request_body = ScheduleBody,
    responses((status = 201, body = ScheduleRecord), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn create_schedule(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Body(b): Body<ScheduleBody>,
) -> Result<(StatusCode, Json<ScheduleRecord>)> {
    c.admin(p.tenant)?;
    check_schedule(&b)?;
    Ok((
        StatusCode::CREATED,
        Json(
            s.store
                .create_schedule(p.tenant, &b.name, &b.schedule)
                .await?,
        ),
    ))
}

/// One schedule.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/schedules/{id}", tag = "schedules", params(IdPath),
    responses((status = 200, body = ScheduleRecord), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn get_schedule(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<Json<ScheduleRecord>> {
    c.supervisor(p.tenant)?;
    Ok(Json(s.store.schedule(p.tenant, p.id).await?))
}

/// Replaces a schedule; queues using it pick it up at once.
#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/schedules/{id}", tag = "schedules", params(IdPath), request_body = ScheduleBody,
    responses((status = 200, body = ScheduleRecord), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn update_schedule(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
    Body(b): Body<ScheduleBody>,
) -> Result<Json<ScheduleRecord>> {
    c.admin(p.tenant)?;
    check_schedule(&b)?;
    let r = s
        .store
        .update_schedule(p.tenant, p.id, &b.name, &b.schedule)
        .await?;
    repush_users(&s, p.tenant, p.id).await?;
    Ok(Json(r))
}

async fn repush_users(s: &AppState, tenant: i64, schedule: i64) -> Result<()> {
    for q in s.store.queues_using_schedule(tenant, schedule).await? {
        let q = s.store.queue(tenant, q).await?;
        sync::push_queue(s, &q).await?;
    }
    Ok(())
}

/// Deletes a schedule; queues using it become always open.
#[utoipa::path(delete, path = "/api/v1/tenants/{tenant}/schedules/{id}", tag = "schedules", params(IdPath),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn delete_schedule(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<StatusCode> {
    c.admin(p.tenant)?;
    let users = s.store.queues_using_schedule(p.tenant, p.id).await?;
    s.store.delete_schedule(p.tenant, p.id).await?;
    for q in users {
        let q = s.store.queue(p.tenant, q).await?;
        sync::push_queue(&s, &q).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
