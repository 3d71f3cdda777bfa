//! The OpenAPI document, generated from the handlers' annotations.

use crate::{agents, callback_policy, interactions, live, queues, sounds, tenants, voicemails};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The OpenAPI description of the whole API (served at `/api/v1/openapi.json`).
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Switchyard admin API", description = "Tenants, tokens, queues, skills, agents, memberships, schedules, overflow chains, sounds, voicemails, live views, actions and event history. Authenticate with `Authorization: Bearer <token>`; errors are RFC 9457 problem documents."),
    paths(
        tenants::list, tenants::create, tenants::get, tenants::update, tenants::delete,
        tenants::list_tokens, tenants::create_token, tenants::delete_token,
        callback_policy::get, callback_policy::put,
        queues::list, queues::create, queues::get, queues::update, queues::delete,
        queues::get_overflow, queues::put_overflow,
        queues::list_schedules, queues::create_schedule, queues::get_schedule, queues::update_schedule, queues::delete_schedule,
        agents::list_skills, agents::create_skill, agents::get_skill, agents::update_skill, agents::delete_skill,
        agents::list, agents::create, agents::get, agents::update, agents::delete,
        agents::list_memberships, agents::upsert_membership, agents::delete_membership,
        live::login, live::logout, live::pause, live::unpause, live::end_wrap_up, live::claim,
        sounds::list, sounds::upload, sounds::get, sounds::delete, sounds::audio,
        voicemails::list, voicemails::get, voicemails::audio, voicemails::set_heard, voicemails::delete,
        live::queues, live::queue, live::waiting, live::agents,
        interactions::create, interactions::get, interactions::move_to, interactions::transfer, interactions::set_priority, interactions::hangup,
        interactions::events,
        crate::healthz, crate::readyz, crate::metrics,
    ),
    modifiers(&Bearer),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
