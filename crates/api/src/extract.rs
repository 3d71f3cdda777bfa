//! Extractors whose failures are problem documents with the offending field, and the
//! caller's identity with its permission checks.

use crate::AppState;
use crate::error::{ApiError, Result};
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use switchyard_store::{ApiToken, Page, Role};
use utoipa::{IntoParams, ToSchema};

/// A JSON body; decoding errors become 422 naming the field.
#[derive(Debug)]
pub(crate) struct Body<T>(pub T);

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        ApiError::invalid(field_of(&path, &inner), inner)
    })
}

/// The JSON path of a decoding error; a missing field is reported by serde at its
/// parent, so its name is taken from the message.
fn field_of(path: &str, message: &str) -> String {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next());
    match (path, missing) {
        (".", Some(f)) => f.to_string(),
        (p, Some(f)) => format!("{p}.{f}"),
        (".", None) => "body".to_string(),
        (p, None) => p.to_string(),
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(body_error)?;
        parse(&bytes).map(Body)
    }
}

/// A body that could not be read: too large (413) or cut off.
fn body_error(e: axum::extract::rejection::BytesRejection) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge
    } else {
        ApiError::invalid("body", e.body_text())
    }
}

/// An optional JSON body: an empty body is `None`.
impl<T: DeserializeOwned, S: Send + Sync> OptionalFromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>> {
        let bytes = <axum::body::Bytes as FromRequest<S>>::from_request(req, state)
            .await
            .map_err(body_error)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        parse(&bytes).map(|v| Some(Body(v)))
    }
}

/// Query parameters; decoding errors become 422 naming the parameter.
#[derive(Debug)]
pub(crate) struct Q<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize(de).map(Q).map_err(|e| {
            let path = e.path().to_string();
            ApiError::invalid(
                if path == "." { "query".into() } else { path },
                e.into_inner().to_string(),
            )
        })
    }
}

/// Path parameters; a malformed id is simply a resource that does not exist.
#[derive(Debug)]
pub(crate) struct P<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for P<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| P(p.0))
            .map_err(|_| ApiError::NotFound)
    }
}

/// `?limit=&offset=` paging (limit 1..=1000, default 100).
#[derive(Clone, Copy, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Paging {
    /// Rows at most (1..=1000, default 100).
    pub limit: Option<i64>,
    /// Rows skipped (default 0).
    pub offset: Option<i64>,
}

impl Paging {
    /// Checks the bounds.
    pub(crate) fn page(self) -> Result<Page> {
        let limit = self.limit.unwrap_or(100);
        let offset = self.offset.unwrap_or(0);
        if !(1..=1000).contains(&limit) {
            return Err(ApiError::invalid("limit", "must be between 1 and 1000"));
        }
        if offset < 0 {
            return Err(ApiError::invalid("offset", "must not be negative"));
        }
        Ok(Page { limit, offset })
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct List<T> {
    /// The rows.
    pub items: Vec<T>,
    /// The limit applied.
    pub limit: i64,
    /// The offset applied.
    pub offset: i64,
    /// Offset of the next page, when this one was full.
    pub next_offset: Option<i64>,
}

impl<T> List<T> {
    /// Wraps rows fetched with `page`.
    pub(crate) fn new(items: Vec<T>, page: Page) -> Self {
        let next_offset = (items.len() as i64 == page.limit).then_some(page.offset + page.limit);
        List {
            items,
            limit: page.limit,
            offset: page.offset,
            next_offset,
        }
    }
}

/// The authenticated caller.
#[derive(Clone, Debug)]
pub(crate) struct Caller(pub ApiToken);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(ApiError::Unauthorized)?;
        let secret = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(ApiError::Unauthorized)?;
        let caller = match state.store.authenticate(secret).await? {
            Some(t) => Caller(t),
            None => return Err(ApiError::Unauthorized),
        };
        // A tenant-scoped token dies with its tenant; a deployment-wide admin asking
        // for a deleted (or never created) tenant's resources gets 404 too, not an empty
        // list or the history left behind.
        if caller.is_root()
            && let Ok(params) = axum::extract::RawPathParams::from_request_parts(parts, state).await
            && let Some((_, t)) = params.iter().find(|(k, _)| *k == "tenant")
        {
            let id: i64 = t.parse().map_err(|_| ApiError::NotFound)?;
            state.store.tenant(id).await?;
        }
        Ok(caller)
    }
}

impl Caller {
    /// A deployment-wide admin (no tenant scope).
    pub(crate) fn is_root(&self) -> bool {
        self.0.role == Role::Admin && self.0.tenant_id.is_none()
    }

    /// Whether the caller may see tenant `t` at all; otherwise the tenant "does not exist".
    fn sees(&self, t: i64) -> Result<()> {
        if self.is_root() || self.0.tenant_id == Some(t) {
            Ok(())
        } else {
            Err(ApiError::NotFound)
        }
    }

    /// Admin of tenant `t` (configuration changes).
    pub(crate) fn admin(&self, t: i64) -> Result<()> {
        self.sees(t)?;
        match self.0.role {
            Role::Admin => Ok(()),
            _ => Err(ApiError::Forbidden),
        }
    }

    /// Admin or supervisor of tenant `t` (reading, live actions).
    pub(crate) fn supervisor(&self, t: i64) -> Result<()> {
        self.sees(t)?;
        match self.0.role {
            Role::Admin | Role::Supervisor => Ok(()),
            Role::Agent => Err(ApiError::Forbidden),
        }
    }

    /// Admin or supervisor of `t`, or the agent `agent` itself (own presence).
    pub(crate) fn agent_or_supervisor(&self, t: i64, agent: i64) -> Result<()> {
        self.sees(t)?;
        match self.0.role {
            Role::Admin | Role::Supervisor => Ok(()),
            Role::Agent if self.0.agent_id == Some(agent) => Ok(()),
            Role::Agent => Err(ApiError::Forbidden),
        }
    }

    /// Deployment-wide admin only.
    pub(crate) fn root(&self) -> Result<()> {
        if self.is_root() {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

/// `{tenant}` in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct TenantPath {
    /// Tenant id.
    pub tenant: i64,
}

/// `{tenant}/…/{id}` in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct IdPath {
    /// Tenant id.
    pub tenant: i64,
    /// Resource id.
    pub id: i64,
}
