//! Layers for the whole HTTP edge (API, chat, pages): errors the stack answers by
//! itself (unknown route, 405, 413, 415, rejections) turned into problem documents, and
//! the access rule of the operational endpoints (`/metrics`, `/docs`, the OpenAPI
//! document).

use crate::AppState;
use crate::error::{ApiError, Problem};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use switchyard_store::Role;

/// A problem document with `status` and `detail`.
pub fn problem(status: StatusCode, detail: impl Into<String>) -> Response {
    let p = Problem {
        kind: "about:blank".into(),
        title: status.canonical_reason().unwrap_or("Error").into(),
        status: status.as_u16(),
        detail: detail.into(),
        field: None,
    };
    let mut res = (status, axum::Json(p)).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}

fn generic_detail(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 => "no such resource",
        405 => "method not allowed here (see the Allow header)",
        408 => "the request was not received in time",
        413 => "request body too large",
        415 => "unsupported media type",
        431 => "request headers too large",
        s if s >= 500 => "the server could not answer; retry later",
        _ => "bad request",
    }
}

/// Middleware: an error response without a JSON body (axum's own 404/405/413/415 and
/// extractor rejections) becomes an RFC 9457 problem document; its headers (`Allow`,
/// `Retry-After`) are kept.
pub async fn problem_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if json {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    // Client errors keep axum's explanation (which field, which media type); server
    // errors never say more than the status.
    let detail = if status.is_client_error() && !text.trim().is_empty() {
        text.trim().to_string()
    } else {
        generic_detail(status).to_string()
    };
    let mut out = problem(status, detail);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// Who may read the operational endpoints.
#[derive(Clone, Debug, Default)]
pub struct OpsAccess {
    /// Anyone (`--public-ops`).
    pub public: bool,
    /// A dedicated token for `/metrics` and `/docs` (`--ops-token`).
    pub token: Option<String>,
}

/// Whether `path` is an operational endpoint: `(guarded, metrics)`.
fn ops_path(path: &str) -> (bool, bool) {
    let metrics = path == "/metrics";
    let docs = path == "/docs" || path.starts_with("/docs/") || path == "/api/v1/openapi.json";
    (metrics || docs, metrics)
}

/// Middleware: unless public, `/metrics` needs the ops token or a deployment-wide admin
/// token; `/docs` and the OpenAPI document need the ops token or any API token.
/// `/healthz` and `/readyz` stay open.
pub async fn ops_guard(
    State((state, ops)): State<(AppState, OpsAccess)>,
    req: Request,
    next: Next,
) -> Response {
    let (guarded, metrics) = ops_path(req.uri().path());
    if !guarded || ops.public {
        return next.run(req).await;
    }
    let secret = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let Some(secret) = secret else {
        metrics::counter!("switchyard_ops_refused_total", "reason" => "no_token").increment(1);
        return ApiError::Unauthorized.into_response();
    };
    if let Some(t) = &ops.token
        && constant_time_eq(t.as_bytes(), secret.as_bytes())
    {
        return next.run(req).await;
    }
    match state.store.authenticate(secret).await {
        Ok(Some(t)) if !metrics || (t.role == Role::Admin && t.tenant_id.is_none()) => {
            next.run(req).await
        }
        Ok(Some(_)) => {
            metrics::counter!("switchyard_ops_refused_total", "reason" => "role").increment(1);
            ApiError::Forbidden.into_response()
        }
        Ok(None) => {
            metrics::counter!("switchyard_ops_refused_total", "reason" => "bad_token").increment(1);
            ApiError::Unauthorized.into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_paths() {
        assert_eq!(ops_path("/metrics"), (true, true));
        assert_eq!(ops_path("/docs/"), (true, false));
        assert_eq!(ops_path("/api/v1/openapi.json"), (true, false));
        assert_eq!(ops_path("/healthz"), (false, false));
        assert_eq!(ops_path("/readyz"), (false, false));
        assert_eq!(ops_path("/docsx"), (false, false));
    }

    #[test]
    fn constant_time_compare() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
