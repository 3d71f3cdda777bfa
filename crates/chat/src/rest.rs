//! Small REST helpers of the chat edge: offline messages for agents and supervisors,
//! and priority tokens for the embedding site's back end.

use crate::ChatState;
use crate::token::{PriorityGrant, sign_priority};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use switchyard_core::QueueId;
use switchyard_engine::system_now;
use switchyard_store::{ApiToken, Page, Role};

fn problem(status: StatusCode, detail: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        json!({ "status": status.as_u16(), "title": status.canonical_reason(), "detail": detail })
            .to_string(),
    )
        .into_response()
}

async fn caller(s: &ChatState, headers: &HeaderMap) -> Result<ApiToken, Response> {
    let unauthorized = || problem(StatusCode::UNAUTHORIZED, "a bearer token is required");
    let secret = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 200)
        .ok_or_else(unauthorized)?;
    match s.0.store.authenticate(secret).await {
        Ok(Some(t)) => Ok(t),
        Ok(None) => Err(unauthorized()),
        Err(_) => Err(problem(StatusCode::SERVICE_UNAVAILABLE, "retry later")),
    }
}

/// `?tenant=&limit=&offset=`.
#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    tenant: Option<i64>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// `GET /chat/v1/offline-messages`: newest first; any role of the tenant.
pub(crate) async fn offline_messages(
    State(s): State<ChatState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let tok = match caller(&s, &headers).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let tenant = match (tok.tenant_id, q.tenant) {
        (Some(t), None) => t,
        (Some(t), Some(asked)) if t == asked => t,
        (None, Some(asked)) if tok.role == Role::Admin => asked,
        (None, None) => return problem(StatusCode::UNPROCESSABLE_ENTITY, "tenant is required"),
        _ => return problem(StatusCode::NOT_FOUND, "no such tenant"),
    };
    let limit = q.limit.unwrap_or(100);
    let offset = q.offset.unwrap_or(0);
    if !(1..=1000).contains(&limit) || offset < 0 {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit 1..=1000, offset >= 0",
        );
    }
    match s
        .0
        .store
        .list_offline_messages(tenant, Page { limit, offset })
        .await
    {
        Ok(items) => {
            Json(json!({ "items": items, "limit": limit, "offset": offset })).into_response()
        }
        Err(_) => problem(StatusCode::SERVICE_UNAVAILABLE, "retry later"),
    }
}

/// Body of `POST /chat/v1/priority-tokens`.
#[derive(Debug, Deserialize)]
pub(crate) struct TokenRequest {
    /// The queue the token is for (it is refused on any other).
    queue_id: u64,
    priority: i32,
    #[serde(default = "default_ttl")]
    ttl_secs: u64,
}

fn default_ttl() -> u64 {
    3600
}

/// `POST /chat/v1/priority-tokens`: a tenant admin (or the deployment admin) mints a
/// priority for the widget, signed with the queue's tenant's key and bound to the queue.
pub(crate) async fn priority_token(
    State(s): State<ChatState>,
    headers: HeaderMap,
    body: Result<Json<TokenRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let tok = match caller(&s, &headers).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    if tok.role != Role::Admin {
        return problem(StatusCode::FORBIDDEN, "admin only");
    }
    let Ok(Json(req)) = body else {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "body: {queue_id, priority, ttl_secs}",
        );
    };
    let q = QueueId(req.queue_id);
    let tenant = match s
        .0
        .engine
        .call(move |r, now| r.queue_stats(q, now).map(|st| st.tenant))
        .await
    {
        Ok(Ok(t)) => t,
        Ok(Err(_)) => return problem(StatusCode::NOT_FOUND, "queue_id: no such queue"),
        Err(_) => return problem(StatusCode::SERVICE_UNAVAILABLE, "retry later"),
    };
    if tok.tenant_id.is_some_and(|t| t as u64 != tenant.0) {
        return problem(StatusCode::NOT_FOUND, "queue_id: no such queue");
    }
    if !(1..=30 * 86_400).contains(&req.ttl_secs) || !(-1000..=1000).contains(&req.priority) {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "priority -1000..=1000, ttl 1s..30d",
        );
    }
    let expires = system_now().as_secs() + req.ttl_secs;
    let Ok(key) = s.0.store.token_secret(tenant.0 as i64).await else {
        return problem(StatusCode::SERVICE_UNAVAILABLE, "retry later");
    };
    let token = sign_priority(
        &key,
        PriorityGrant {
            tenant: tenant.0,
            queue: q.0,
            priority: req.priority,
            expires_secs: expires,
        },
    );
    Json(json!({ "token": token, "expires_secs": expires, "tenant_id": tenant.0, "queue_id": q.0 }))
        .into_response()
}

/// `?tenant=` of the key rotation.
#[derive(Debug, Deserialize)]
pub(crate) struct RotateQuery {
    tenant: Option<i64>,
}

/// `POST /chat/v1/token-secret/rotate`: a tenant admin replaces the tenant's
/// token-signing key; every priority token signed before is refused from now on.
pub(crate) async fn rotate_token_secret(
    State(s): State<ChatState>,
    headers: HeaderMap,
    Query(q): Query<RotateQuery>,
) -> Response {
    let tok = match caller(&s, &headers).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    if tok.role != Role::Admin {
        return problem(StatusCode::FORBIDDEN, "admin only");
    }
    let tenant = match (tok.tenant_id, q.tenant) {
        (Some(t), None) => t,
        (Some(t), Some(asked)) if t == asked => t,
        (None, Some(asked)) => asked,
        (None, None) => return problem(StatusCode::UNPROCESSABLE_ENTITY, "tenant is required"),
        _ => return problem(StatusCode::NOT_FOUND, "no such tenant"),
    };
    if s.0.store.tenant(tenant).await.is_err() {
        return problem(StatusCode::NOT_FOUND, "no such tenant");
    }
    match s.0.store.rotate_token_secret(tenant).await {
        Ok(()) => {
            tracing::info!(tenant, "priority-token key rotated");
            StatusCode::NO_CONTENT.into_response()
        }
        Err(_) => problem(StatusCode::SERVICE_UNAVAILABLE, "retry later"),
    }
}
