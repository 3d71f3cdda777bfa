//! Switchyard's REST admin API.
//!
//! [`app`] builds the axum router: everything under `/api/v1` (bearer-token auth,
//! tenant-scoped), the OpenAPI document at `/api/v1/openapi.json`, Swagger UI at
//! `/docs`, and `/healthz`, `/readyz`, `/metrics`. The API holds no state of its own:
//! configuration goes to the [`Store`] and, at once, to the live router through the
//! [`Engine`]; live views are read from the router.
//!
//! Permissions: a token without tenant (the bootstrap admin) manages every tenant; a
//! tenant admin manages its tenant; a supervisor reads it and takes live actions; an
//! agent token only drives its own agent's presence. Another tenant's resources answer
//! 404, as if they did not exist. Errors are RFC 9457 problem documents.

mod agents;
mod callback_policy;
mod edge;
mod error;
mod extract;
mod g711;
mod interactions;
mod live;
mod openapi;
mod queues;
mod schemas;
mod sounds;
mod sync;
mod tenants;
mod voicemails;

pub use edge::{OpsAccess, ops_guard, problem, problem_errors};
pub use error::{ApiError, Problem, Result};
pub use openapi::ApiDoc;
pub use sounds::{Prompt, convert as convert_wav};

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use std::path::PathBuf;
use switchyard_engine::Engine;
use switchyard_store::Store;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

/// What the handlers share.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Configuration and history.
    pub store: Store,
    /// The live router.
    pub engine: Engine,
    /// Where converted prompts are written (`<data-dir>/sounds`).
    pub sounds_dir: PathBuf,
    /// Where the voice edge writes voicemail recordings (`<data-dir>/voicemail`); a
    /// voicemail's `file_name` is relative to it.
    pub voicemail_dir: PathBuf,
}

/// Name checks shared by the resources.
pub(crate) mod names {
    use crate::error::{ApiError, Result};

    /// A name: 1–100 characters, no control characters, no `|` (queue_log separator).
    pub(crate) fn check(field: &str, v: &str) -> Result<()> {
        if v.trim().is_empty() || v.chars().count() > 100 {
            return Err(ApiError::invalid(field, "must be 1 to 100 characters"));
        }
        if v.chars().any(|c| c.is_control() || c == '|') {
            return Err(ApiError::invalid(
                field,
                "must not contain control characters or '|'",
            ));
        }
        Ok(())
    }
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let v1 = Router::new()
        .route("/tenants", get(tenants::list).post(tenants::create))
        .route(
            "/tenants/{tenant}",
            get(tenants::get)
                .put(tenants::update)
                .delete(tenants::delete),
        )
        .route(
            "/tenants/{tenant}/tokens",
            get(tenants::list_tokens).post(tenants::create_token),
        )
        .route(
            "/tenants/{tenant}/tokens/{id}",
            axum::routing::delete(tenants::delete_token),
        )
        .route(
            "/tenants/{tenant}/queues",
            get(queues::list).post(queues::create),
        )
        .route(
            "/tenants/{tenant}/queues/{id}",
            get(queues::get).put(queues::update).delete(queues::delete),
        )
        .route(
            "/tenants/{tenant}/queues/{id}/overflow",
            get(queues::get_overflow).put(queues::put_overflow),
        )
        .route(
            "/tenants/{tenant}/schedules",
            get(queues::list_schedules).post(queues::create_schedule),
        )
        .route(
            "/tenants/{tenant}/schedules/{id}",
            get(queues::get_schedule)
                .put(queues::update_schedule)
                .delete(queues::delete_schedule),
        )
        .route(
            "/tenants/{tenant}/callback-policy",
            get(callback_policy::get).put(callback_policy::put),
        )
        .route(
            "/tenants/{tenant}/skills",
            get(agents::list_skills).post(agents::create_skill),
        )
        .route(
            "/tenants/{tenant}/skills/{id}",
            get(agents::get_skill)
                .put(agents::update_skill)
                .delete(agents::delete_skill),
        )
        .route(
            "/tenants/{tenant}/agents",
            get(agents::list).post(agents::create),
        )
        .route(
            "/tenants/{tenant}/agents/{id}",
            get(agents::get).put(agents::update).delete(agents::delete),
        )
        .route("/tenants/{tenant}/agents/{id}/login", post(live::login))
        .route("/tenants/{tenant}/agents/{id}/logout", post(live::logout))
        .route("/tenants/{tenant}/agents/{id}/pause", post(live::pause))
        .route("/tenants/{tenant}/agents/{id}/unpause", post(live::unpause))
        .route(
            "/tenants/{tenant}/agents/{id}/end-wrap-up",
            post(live::end_wrap_up),
        )
        .route("/tenants/{tenant}/agents/{id}/claim", post(live::claim))
        .route(
            "/tenants/{tenant}/memberships",
            get(agents::list_memberships).post(agents::upsert_membership),
        )
        .route(
            "/tenants/{tenant}/memberships/{agent}/{queue}",
            axum::routing::delete(agents::delete_membership),
        )
        .route("/tenants/{tenant}/sounds", get(sounds::list))
        .route(
            "/tenants/{tenant}/sounds/{name}",
            put(sounds::upload)
                .get(sounds::get)
                .delete(sounds::delete)
                .layer(DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/tenants/{tenant}/sounds/{name}/audio", get(sounds::audio))
        .route("/tenants/{tenant}/voicemails", get(voicemails::list))
        .route(
            "/tenants/{tenant}/voicemails/{id}",
            get(voicemails::get).delete(voicemails::delete),
        )
        .route(
            "/tenants/{tenant}/voicemails/{id}/audio",
            get(voicemails::audio),
        )
        .route(
            "/tenants/{tenant}/voicemails/{id}/heard",
            put(voicemails::set_heard),
        )
        .route("/tenants/{tenant}/live/queues", get(live::queues))
        .route("/tenants/{tenant}/live/queues/{id}", get(live::queue))
        .route(
            "/tenants/{tenant}/live/queues/{id}/waiting",
            get(live::waiting),
        )
        .route("/tenants/{tenant}/live/agents", get(live::agents))
        .route("/tenants/{tenant}/interactions", post(interactions::create))
        .route(
            "/tenants/{tenant}/interactions/{id}",
            get(interactions::get),
        )
        .route(
            "/tenants/{tenant}/interactions/{id}/move",
            post(interactions::move_to),
        )
        .route(
            "/tenants/{tenant}/interactions/{id}/transfer",
            post(interactions::transfer),
        )
        .route(
            "/tenants/{tenant}/interactions/{id}/priority",
            post(interactions::set_priority),
        )
        .route(
            "/tenants/{tenant}/interactions/{id}/hangup",
            post(interactions::hangup),
        )
        .route("/tenants/{tenant}/events", get(interactions::events))
        .fallback(|| async { ApiError::NotFound });
    Router::new()
        .nest("/api/v1", v1)
        .with_state(state.clone())
        .merge(ops(state))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
            }),
        )
}

/// The operational endpoints: `/healthz`, `/readyz`, `/metrics`, `/docs` and
/// `/api/v1/openapi.json` (part of [`app`]; also served alone on `--ops-listen`).
pub fn ops(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
        .merge(SwaggerUi::new("/docs").url("/api/v1/openapi.json", ApiDoc::openapi()))
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = String)))]
pub(crate) async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers and the router task runs.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = String), (status = 503, body = Problem)))]
pub(crate) async fn readyz(State(s): State<AppState>) -> Result<&'static str> {
    s.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "not ready: database");
        ApiError::Unavailable
    })?;
    s.engine.call(|_, _| ()).await?;
    Ok("ready")
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, body = String)))]
pub(crate) async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    if s.engine.refresh_metrics().await.is_err() {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        switchyard_engine::metrics::render(),
    )
        .into_response()
}
