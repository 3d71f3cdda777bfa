//! Voicemails: what callers recorded when the queue sent them to voicemail. The voice
//! edge writes the WAV file under `<data-dir>/voicemail` and stores the metadata; here
//! supervisors list, play (with HTTP range requests), mark heard and delete them.
//!
//! Metrics: `switchyard_voicemails_heard_total{tenant}` (marked heard, new → heard) and
//! `switchyard_voicemails_deleted_total{tenant}`.

use crate::AppState;
use crate::error::{ApiError, Result};
use crate::extract::{Body, Caller, IdPath, List, P, Paging, Q, TenantPath};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::io::SeekFrom;
use std::path::{Component, Path, PathBuf};
use switchyard_store::{Voicemail, VoicemailFilter};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use utoipa::{IntoParams, ToSchema};

/// `?queue=&heard=&limit=&offset=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct VoicemailQuery {
    /// Only this queue's voicemails.
    pub queue: Option<i64>,
    /// `true`: only heard ones; `false`: only new ones; absent: all.
    pub heard: Option<bool>,
    /// Rows at most (1..=1000, default 100).
    pub limit: Option<i64>,
    /// Rows skipped (default 0).
    pub offset: Option<i64>,
}

/// Body of `PUT …/voicemails/{id}/heard`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HeardBody {
    /// `true`: heard (keeps the first time it was marked); `false`: new again.
    pub heard: bool,
}

/// The file of a voicemail, if its stored name stays inside `dir`: relative, plain
/// components only (no `..`, no root, no drive prefix).
pub(crate) fn file_path(dir: &Path, file_name: &str) -> Option<PathBuf> {
    let rel = Path::new(file_name);
    let plain = !file_name.is_empty()
        && !file_name.contains('\\')
        && rel.components().all(|c| matches!(c, Component::Normal(_)));
    plain.then(|| dir.join(rel))
}

/// Lists a tenant's voicemails, newest first.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/voicemails", tag = "voicemails",
    params(TenantPath, VoicemailQuery),
    responses((status = 200, body = List<Voicemail>), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub(crate) async fn list(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Q(q): Q<VoicemailQuery>,
) -> Result<Json<List<Voicemail>>> {
    c.supervisor(p.tenant)?;
    let page = Paging {
        limit: q.limit,
        offset: q.offset,
    }
    .page()?;
    let filter = VoicemailFilter {
        queue_id: q.queue,
        heard: q.heard,
    };
    let items = s.store.list_voicemails(p.tenant, filter, page).await?;
    Ok(Json(List::new(items, page)))
}

/// One voicemail's metadata.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/voicemails/{id}", tag = "voicemails", params(IdPath),
    responses((status = 200, body = Voicemail), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn get(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<Json<Voicemail>> {
    c.supervisor(p.tenant)?;
    Ok(Json(s.store.voicemail(p.tenant, p.id).await?))
}

/// The recording (`audio/wav`). Answers a single `Range: bytes=…` with 206 so players
/// can seek; other requests get the whole file.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/voicemails/{id}/audio", tag = "voicemails", params(IdPath),
    responses((status = 200, content_type = "audio/wav", body = Vec<u8>),
        (status = 206, content_type = "audio/wav", body = Vec<u8>, description = "the requested byte range"),
        (status = 404, body = crate::error::Problem),
        (status = 416, description = "the range lies outside the file")))]
pub(crate) async fn audio(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
    headers: HeaderMap,
) -> Result<Response> {
    c.supervisor(p.tenant)?;
    let rec = s.store.voicemail(p.tenant, p.id).await?;
    let Some(path) = file_path(&s.voicemail_dir, &rec.file_name) else {
        tracing::error!(id = rec.id, file = %rec.file_name, "voicemail file name escapes the voicemail directory");
        return Err(ApiError::NotFound);
    };
    let mut file = tokio::fs::File::open(&path).await.map_err(|e| {
        tracing::warn!(id = rec.id, path = %path.display(), error = %e, "voicemail file missing");
        ApiError::NotFound
    })?;
    let len = file.metadata().await.map_err(|_| ApiError::NotFound)?.len();
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(|v| parse_range(v, len));
    let (status, start, end) = match range {
        None | Some(Range::Ignore) => (StatusCode::OK, 0, len),
        Some(Range::Bytes(a, b)) => (StatusCode::PARTIAL_CONTENT, a, b + 1),
        Some(Range::Unsatisfiable) => {
            return Ok((
                StatusCode::RANGE_NOT_SATISFIABLE,
                [
                    (header::CONTENT_RANGE, format!("bytes */{len}")),
                    (header::ACCEPT_RANGES, "bytes".to_string()),
                ],
            )
                .into_response());
        }
    };
    let io = |e: std::io::Error| {
        tracing::error!(id = rec.id, error = %e, "reading a voicemail failed");
        ApiError::Unavailable
    };
    let mut bytes = vec![0u8; (end - start) as usize];
    file.seek(SeekFrom::Start(start)).await.map_err(io)?;
    file.read_exact(&mut bytes).await.map_err(io)?;
    let mut res = (status, bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"voicemail-{}.wav\"", rec.id))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{len}", end - 1))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    Ok(res)
}

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Range {
    /// Bytes `first..=last`, clamped to the file.
    Bytes(u64, u64),
    /// A byte range wholly past the end (or of an empty file): 416.
    Unsatisfiable,
    /// Not a single byte range we understand (other unit, several ranges, garbage):
    /// RFC 9110 lets us answer with the whole file.
    Ignore,
}

/// Parses `bytes=a-b`, `bytes=a-` and `bytes=-n` (suffix) against a file of `len` bytes.
pub(crate) fn parse_range(value: &str, len: u64) -> Range {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Range::Ignore;
    };
    if spec.contains(',') {
        return Range::Ignore;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Range::Ignore;
    };
    let num = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (a.trim().is_empty(), num(a), num(b)) {
        // Suffix: the last n bytes.
        (true, _, Some(n)) => {
            if n == 0 || len == 0 {
                Range::Unsatisfiable
            } else {
                Range::Bytes(len.saturating_sub(n), len - 1)
            }
        }
        (false, Some(first), None) if b.trim().is_empty() => {
            if first >= len {
                Range::Unsatisfiable
            } else {
                Range::Bytes(first, len - 1)
            }
        }
        (false, Some(first), Some(last)) if first <= last => {
            if first >= len {
                Range::Unsatisfiable
            } else {
                Range::Bytes(first, last.min(len - 1))
            }
        }
        _ => Range::Ignore,
    }
}

/// Marks a voicemail heard or new again.
#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/voicemails/{id}/heard", tag = "voicemails", params(IdPath),
    request_body = HeardBody,
    responses((status = 200, body = Voicemail), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub(crate) async fn set_heard(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
    Body(b): Body<HeardBody>,
) -> Result<Json<Voicemail>> {
    c.supervisor(p.tenant)?;
    let rec = s.store.voicemail(p.tenant, p.id).await?;
    if rec.heard_ms.is_some() == b.heard {
        // Already so: keep when it was first heard.
        return Ok(Json(rec));
    }
    let v = s
        .store
        .mark_voicemail_heard(p.tenant, p.id, b.heard)
        .await?;
    if b.heard {
        metrics::counter!("switchyard_voicemails_heard_total", "tenant" => p.tenant.to_string())
            .increment(1);
    }
    Ok(Json(v))
}

/// Deletes a voicemail and its file (a file already gone is fine).
#[utoipa::path(delete, path = "/api/v1/tenants/{tenant}/voicemails/{id}", tag = "voicemails", params(IdPath),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn delete(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<StatusCode> {
    c.supervisor(p.tenant)?;
    let rec = s.store.voicemail(p.tenant, p.id).await?;
    s.store.delete_voicemail(p.tenant, p.id).await?;
    metrics::counter!("switchyard_voicemails_deleted_total", "tenant" => p.tenant.to_string())
        .increment(1);
    match file_path(&s.voicemail_dir, &rec.file_name) {
        Some(path) => match tokio::fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(id = rec.id, path = %path.display(), error = %e, "voicemail file not removed")
            }
        },
        None => {
            tracing::error!(id = rec.id, file = %rec.file_name, "voicemail file name escapes the voicemail directory; file left alone")
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        use Range::*;
        assert_eq!(parse_range("bytes=0-99", 1000), Bytes(0, 99));
        assert_eq!(parse_range("bytes=500-", 1000), Bytes(500, 999));
        assert_eq!(parse_range("bytes=-100", 1000), Bytes(900, 999));
        assert_eq!(parse_range("bytes=-5000", 1000), Bytes(0, 999));
        assert_eq!(parse_range("bytes=990-2000", 1000), Bytes(990, 999));
        assert_eq!(parse_range("bytes=1000-", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=1000-1001", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), Unsatisfiable);
        assert_eq!(parse_range("bytes=5-1", 1000), Ignore);
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), Ignore);
        assert_eq!(parse_range("items=0-1", 1000), Ignore);
        assert_eq!(parse_range("bytes=a-b", 1000), Ignore);
        assert_eq!(parse_range("bytes=+1-2", 1000), Ignore);
        assert_eq!(parse_range("bytes=-", 1000), Ignore);
    }

    #[test]
    fn file_names_stay_inside_the_directory() {
        let d = Path::new("/data/voicemail");
        assert_eq!(
            file_path(d, "3/abc.wav"),
            Some(PathBuf::from("/data/voicemail/3/abc.wav"))
        );
        for bad in [
            "",
            "../x.wav",
            "3/../../x.wav",
            "/etc/passwd",
            "./3/x.wav",
            "3\\..\\x.wav",
        ] {
            assert_eq!(file_path(d, bad), None, "{bad}");
        }
    }
}
