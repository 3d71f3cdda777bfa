//! `GET/PUT /tenants/{tenant}/callback-policy`: which numbers the tenant's callbacks
//! may dial (toll-fraud protection; checked by `switchyard_core::callback_policy` on
//! every path that creates or dials a callback).

use crate::AppState;
use crate::error::{ApiError, Result};
use crate::extract::{Body, Caller, P, TenantPath};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use switchyard_core::TenantId;
use switchyard_core::callback_policy::CallbackPolicy;
use utoipa::ToSchema;

/// A tenant's callback dialling policy. Omitted fields take their defaults; by
/// default only national numbers of 6 to 15 digits are called.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[allow(dead_code)] // the schema of `CallbackPolicy` (in switchyard-core) for OpenAPI
pub(crate) struct CallbackPolicyDoc {
    /// The tenant's country calling code, digits (`"33"`, `"1"`); null: only numbers
    /// written in national form are domestic.
    pub country_code: Option<String>,
    /// When not empty, numbers must start with one of these (`"+336"`, `"06"`, `"01X2"`:
    /// `X` is any digit). Default: empty (any domestic number).
    pub allowed_prefixes: Vec<String>,
    /// Premium-rate prefixes; null: the built-in list (national premium ranges of
    /// common countries, international premium and satellite codes).
    pub premium_prefixes: Option<Vec<String>>,
    /// Fewest digits (default 6).
    pub min_digits: u32,
    /// Most digits (default 15).
    pub max_digits: u32,
    /// Dial numbers outside the tenant's country (default false).
    pub allow_international: bool,
    /// Dial premium-rate numbers (default false).
    pub allow_premium: bool,
}

/// The tenant's callback policy (the defaults when none was set).
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/callback-policy", tag = "tenants", params(TenantPath),
    responses((status = 200, body = CallbackPolicyDoc), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn get(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
) -> Result<Json<CallbackPolicy>> {
    c.supervisor(p.tenant)?;
    s.store.tenant(p.tenant).await?;
    Ok(Json(s.engine.callbacks().policy(TenantId(p.tenant as u64))))
}

/// Replaces the tenant's callback policy; it applies to the next callback request and
/// to every callback not yet dialled.
#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/callback-policy", tag = "tenants", params(TenantPath), request_body = CallbackPolicyDoc,
    responses((status = 200, body = CallbackPolicyDoc), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn put(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Body(b): Body<CallbackPolicy>,
) -> Result<Json<CallbackPolicy>> {
    c.admin(p.tenant)?;
    s.store.tenant(p.tenant).await?;
    b.validate()
        .map_err(|(field, why)| ApiError::invalid(field, why))?;
    let json = serde_json::to_string(&b).map_err(|_| ApiError::Unavailable)?;
    s.store.set_callback_policy(p.tenant, Some(&json)).await?;
    s.engine
        .callbacks()
        .set_policy(TenantId(p.tenant as u64), Some(b.clone()));
    tracing::info!(tenant = p.tenant, "callback policy set");
    Ok(Json(b))
}
