//! API errors as RFC 9457 `application/problem+json`. Internals never leak: outages
//! and bugs are logged here and answered with a generic 503 or 500.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Result with the API's error.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// Everything a handler can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Missing or unknown bearer token.
    #[error("missing or invalid bearer token")]
    Unauthorized,
    /// The token's role may not do this.
    #[error("this token's role may not do that")]
    Forbidden,
    /// No such resource in the caller's scope (another tenant's resource included).
    #[error("not found")]
    NotFound,
    /// The request is well-formed but a field is invalid.
    #[error("invalid {field}: {detail}")]
    Validation {
        /// The offending field (JSON path such as `settings.ring_timeout_secs`).
        field: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The request conflicts with existing data or the live state.
    #[error("{0}")]
    Conflict(String),
    /// The request body is over the route's limit.
    #[error("request body too large")]
    TooLarge,
    /// A dependency is down (database, routing engine); retry later.
    #[error("service unavailable")]
    Unavailable,
    /// A bug; details are in the server log only.
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// A validation error on `field`.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        ApiError::Validation {
            field: field.into(),
            detail: detail.into(),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Problem type URI (`about:blank`: the status says it all).
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary (the HTTP reason phrase).
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Human-readable explanation.
    pub detail: String,
    /// For 422: the offending field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let problem = Problem {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: self.to_string(),
            field: match &self {
                ApiError::Validation { field, .. } => Some(field.clone()),
                _ => None,
            },
        };
        let mut res = (status, axum::Json(problem)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

impl From<switchyard_store::Error> for ApiError {
    fn from(e: switchyard_store::Error) -> Self {
        use switchyard_store::Error as E;
        match e {
            E::NotFound => ApiError::NotFound,
            // The store names only the column; the database's own text stays there.
            E::Conflict(field) => ApiError::Conflict(format!(
                "{field}: this value is already in use; choose another"
            )),
            E::InvalidReference(field) => {
                ApiError::invalid(field, "refers to a resource that does not exist")
            }
            E::Database(e) => {
                tracing::error!(error = %e, "database unavailable");
                ApiError::Unavailable
            }
            e => {
                tracing::error!(error = %e, "store failure");
                ApiError::Internal
            }
        }
    }
}

impl From<switchyard_engine::Error> for ApiError {
    fn from(e: switchyard_engine::Error) -> Self {
        use switchyard_router::Error as R;
        match e {
            switchyard_engine::Error::Stopped => ApiError::Unavailable,
            switchyard_engine::Error::Router(r) => match r {
                R::UnknownQueue(_)
                | R::UnknownAgent(_)
                | R::UnknownInteraction(_)
                | R::UnknownOffer(_) => ApiError::NotFound,
                R::InvalidSetting { field, why } => {
                    ApiError::invalid(format!("settings.{field}"), why)
                }
                R::Schedule(s) => ApiError::invalid("schedule", s.to_string()),
                R::TenantMismatch(..) => ApiError::invalid("tenant", r.to_string()),
                #[allow(unreachable_patterns)]
                other => ApiError::Conflict(other.to_string()),
            },
        }
    }
}
