//! Tenants and API tokens.

use crate::error::{ApiError, Result};
use crate::extract::{Body, Caller, IdPath, List, P, Paging, Q, TenantPath};
use crate::{AppState, names};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use switchyard_core::{AgentId, QueueId};
use switchyard_router::Input;
use switchyard_store::{ApiToken, Role, Tenant};
use utoipa::{IntoParams, ToSchema};

/// Creating or renaming a tenant.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct TenantBody {
    /// Unique name.
    pub name: String,
    /// Accept calls from unauthenticated SIP sources (neither a configured inbound trunk
    /// nor an agent's phone) to this tenant's numbers; otherwise they get 403. Left
    /// unchanged when absent; new tenants start with false.
    #[serde(default)]
    pub allow_anonymous_calls: Option<bool>,
}

/// Filters for the tenant list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TenantFilter {
    /// Name contains.
    pub name: Option<String>,
    /// Rows at most (1..=1000, default 100).
    pub limit: Option<i64>,
    /// Rows skipped.
    pub offset: Option<i64>,
}

/// Lists tenants (deployment admin: all; others: their own).
#[utoipa::path(get, path = "/api/v1/tenants", tag = "tenants", params(TenantFilter),
    responses((status = 200, body = List<Tenant>), (status = 401, body = crate::error::Problem)))]
pub(crate) async fn list(
    State(s): State<AppState>,
    c: Caller,
    Q(f): Q<TenantFilter>,
) -> Result<Json<List<Tenant>>> {
    let page = Paging {
        limit: f.limit,
        offset: f.offset,
    }
    .page()?;
    if c.is_root() {
        let items = s.store.list_tenants(f.name.as_deref(), page).await?;
        return Ok(Json(List::new(items, page)));
    }
    let own = match c.0.tenant_id {
        Some(t) => vec![s.store.tenant(t).await?],
        None => vec![],
    };
    Ok(Json(List::new(own, page)))
}

/// Creates a tenant (deployment admin only).
#[utoipa::path(post, path = "/api/v1/tenants", tag = "tenants", request_body = TenantBody,
    responses((status = 201, body = Tenant), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn create(
    State(s): State<AppState>,
    c: Caller,
    Body(b): Body<TenantBody>,
) -> Result<(StatusCode, Json<Tenant>)> {
    c.root()?;
    names::check("name", &b.name)?;
    let mut t = s.store.create_tenant(&b.name).await?;
    if let Some(allow) = b.allow_anonymous_calls {
        t = s.store.set_allow_anonymous_calls(t.id, allow).await?;
    }
    Ok((StatusCode::CREATED, Json(t)))
}

/// One tenant.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}", tag = "tenants", params(TenantPath),
    responses((status = 200, body = Tenant), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn get(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
) -> Result<Json<Tenant>> {
    c.supervisor(p.tenant)?;
    Ok(Json(s.store.tenant(p.tenant).await?))
}

/// Renames a tenant (and sets `allow_anonymous_calls` when given).
#[utoipa::path(put, path = "/api/v1/tenants/{tenant}", tag = "tenants", params(TenantPath), request_body = TenantBody,
    responses((status = 200, body = Tenant), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn update(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Body(b): Body<TenantBody>,
) -> Result<Json<Tenant>> {
    c.admin(p.tenant)?;
    names::check("name", &b.name)?;
    let mut t = s.store.rename_tenant(p.tenant, &b.name).await?;
    if let Some(allow) = b.allow_anonymous_calls {
        t = s.store.set_allow_anonymous_calls(p.tenant, allow).await?;
    }
    Ok(Json(t))
}

/// Deletes a tenant with all its configuration (deployment admin only).
#[utoipa::path(delete, path = "/api/v1/tenants/{tenant}", tag = "tenants", params(TenantPath),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn delete(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
) -> Result<StatusCode> {
    c.root()?;
    s.store.tenant(p.tenant).await?;
    let all = switchyard_store::Page {
        limit: i64::MAX,
        offset: 0,
    };
    let queues = s.store.list_queues(p.tenant, None, all).await?;
    let agents = s.store.list_agents(p.tenant, None, all).await?;
    s.store.delete_tenant(p.tenant).await?;
    // Its prompts and voicemails go with it (best effort: the rows are gone already).
    let _ = tokio::fs::remove_dir_all(s.sounds_dir.join(p.tenant.to_string())).await;
    let _ = tokio::fs::remove_dir_all(s.voicemail_dir.join(p.tenant.to_string())).await;
    for q in queues {
        let _ = s
            .engine
            .handle(Input::RemoveQueue(QueueId(q.id as u64)))
            .await;
    }
    for a in agents {
        let _ = s
            .engine
            .handle(Input::RemoveAgent(AgentId(a.id as u64)))
            .await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Creating a token.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct TokenBody {
    /// Label.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Required for the agent role: the agent the token speaks for.
    pub agent_id: Option<i64>,
}

/// A new token with its secret (shown only once).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct NewToken {
    /// The token.
    pub token: ApiToken,
    /// The bearer secret.
    pub secret: String,
}

/// Lists a tenant's tokens.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/tokens", tag = "tokens", params(TenantPath, Paging),
    responses((status = 200, body = List<ApiToken>)))]
pub(crate) async fn list_tokens(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Q(pg): Q<Paging>,
) -> Result<Json<List<ApiToken>>> {
    c.admin(p.tenant)?;
    let page = pg.page()?;
    Ok(Json(List::new(
        s.store.list_tokens(Some(p.tenant), page).await?,
        page,
    )))
}

/// Creates a token for the tenant.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/tokens", tag = "tokens", params(TenantPath), request_body = TokenBody,
    responses((status = 201, body = NewToken), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn create_token(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Body(b): Body<TokenBody>,
) -> Result<(StatusCode, Json<NewToken>)> {
    c.admin(p.tenant)?;
    names::check("name", &b.name)?;
    match (b.role, b.agent_id) {
        (Role::Agent, None) => {
            return Err(ApiError::invalid("agent_id", "required for the agent role"));
        }
        (Role::Agent, Some(a)) => {
            s.store
                .agent(p.tenant, a)
                .await
                .map_err(|_| ApiError::invalid("agent_id", "no such agent in this tenant"))?;
        }
        (_, Some(_)) => {
            return Err(ApiError::invalid(
                "agent_id",
                "only agent tokens name an agent",
            ));
        }
        (_, None) => {}
    }
    let (token, secret) = s
        .store
        .create_token(Some(p.tenant), b.role, b.agent_id, &b.name, None)
        .await?;
    Ok((StatusCode::CREATED, Json(NewToken { token, secret })))
}

/// Revokes a token.
#[utoipa::path(delete, path = "/api/v1/tenants/{tenant}/tokens/{id}", tag = "tokens", params(IdPath),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn delete_token(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<StatusCode> {
    c.admin(p.tenant)?;
    s.store.delete_token(Some(p.tenant), p.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
