//! Agents (credentials, skills, capacity), skills and memberships.

use crate::error::{ApiError, Result};
use crate::extract::{Body, Caller, IdPath, List, P, Paging, Q, TenantPath};
use crate::{AppState, names, sync};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use switchyard_core::config::{AgentConfig, AgentSkill, Capacity};
use switchyard_core::{AgentId, QueueId};
use switchyard_router::Input;
use switchyard_store::{
    AgentRecord, AgentWrite, MembershipRecord, SkillRecord, check_password_policy,
};
use utoipa::{IntoParams, ToSchema};

/// An agent as written. Passwords left out keep their stored value on update.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct AgentBody {
    /// Display name (queue_log agent name), unique in the tenant.
    pub name: String,
    /// SIP digest username, unique in the deployment.
    pub sip_username: Option<String>,
    /// SIP digest password: at least 8 characters, not containing the user name. Stored
    /// only as HA1 (MD5 and SHA-256) for the deployment's realm; never returned.
    pub sip_password: Option<String>,
    /// Agent desktop / chat login, unique in the deployment.
    pub chat_login: Option<String>,
    /// Agent desktop / chat password: at least 8 characters, not containing the login.
    /// Stored as an Argon2id hash; never returned.
    pub chat_password: Option<String>,
    /// Skills with levels: `[{skill, level}]`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub skills: Vec<AgentSkill>,
    /// `{voice, chat, voice_blocks_chat}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub capacity: Capacity,
    /// Overrides the queues' wrap-up time.
    pub wrap_up_secs: Option<u32>,
}

async fn write(s: &AppState, tenant: i64, b: AgentBody) -> Result<AgentWrite> {
    names::check("name", &b.name)?;
    for (field, v) in [
        ("sip_username", &b.sip_username),
        ("chat_login", &b.chat_login),
    ] {
        if let Some(v) = v {
            names::check(field, v)?;
        }
    }
    // Password policy: at least 8 characters, not (nor containing) the user name.
    for (field, pw, user) in [
        ("sip_password", &b.sip_password, &b.sip_username),
        ("chat_password", &b.chat_password, &b.chat_login),
    ] {
        if let Some(pw) = pw {
            check_password_policy(pw, user.as_deref()).map_err(|d| ApiError::invalid(field, d))?;
        }
    }
    if b.sip_password.is_some() && b.sip_username.is_none() {
        return Err(ApiError::invalid(
            "sip_password",
            "needs sip_username (the password is stored as a digest of both)",
        ));
    }
    if b.capacity.voice == 0 && b.capacity.chat == 0 {
        return Err(ApiError::invalid(
            "capacity",
            "an agent must be able to take something",
        ));
    }
    sync::check_skills(
        s,
        tenant,
        "skills",
        b.skills.iter().map(|k| k.skill.as_str()),
    )
    .await?;
    Ok(AgentWrite {
        name: b.name,
        sip_username: b.sip_username,
        sip_password: b.sip_password,
        sip_ha1: None,
        chat_login: b.chat_login,
        chat_password: b.chat_password,
        settings: AgentConfig {
            skills: b.skills,
            capacity: b.capacity,
            wrap_up_secs: b.wrap_up_secs,
            ..AgentConfig::default()
        },
    })
}

/// Filters for the agent list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AgentFilter {
    /// Name contains.
    pub name: Option<String>,
    /// Rows at most (1..=1000, default 100).
    pub limit: Option<i64>,
    /// Rows skipped.
    pub offset: Option<i64>,
}

/// Lists a tenant's agents.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/agents", tag = "agents", params(TenantPath, AgentFilter),
    responses((status = 200, body = List<AgentRecord>)))]
pub(crate) async fn list(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Q(f): Q<AgentFilter>,
) -> Result<Json<List<AgentRecord>>> {
    c.supervisor(p.tenant)?;
    let page = Paging {
        limit: f.limit,
        offset: f.offset,
    }
    .page()?;
    Ok(Json(List::new(
        s.store
            .list_agents(p.tenant, f.name.as_deref(), page)
            .await?,
        page,
    )))
}

/// Creates an agent (logged out until it logs in).
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/agents", tag = "agents", params(TenantPath), request_body = AgentBody,
    responses((status = 201, body = AgentRecord), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn create(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Body(b): Body<AgentBody>,
) -> Result<(StatusCode, Json<AgentRecord>)> {
    c.admin(p.tenant)?;
    let w = write(&s, p.tenant, b).await?;
    let a = s.store.create_agent(p.tenant, &w).await?;
    if let Err(e) = sync::push_agent(&s, &a).await {
        s.store.delete_agent(p.tenant, a.id).await?;
        return Err(e);
    }
    Ok((StatusCode::CREATED, Json(a)))
}

/// One agent (an agent token may read itself).
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/agents/{id}", tag = "agents", params(IdPath),
    responses((status = 200, body = AgentRecord), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn get(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<Json<AgentRecord>> {
    c.agent_or_supervisor(p.tenant, p.id)?;
    Ok(Json(s.store.agent(p.tenant, p.id).await?))
}

/// Replaces an agent; the router applies it live.
#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/agents/{id}", tag = "agents", params(IdPath), request_body = AgentBody,
    responses((status = 200, body = AgentRecord), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn update(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
    Body(b): Body<AgentBody>,
) -> Result<Json<AgentRecord>> {
    c.admin(p.tenant)?;
    let w = write(&s, p.tenant, b).await?;
    let old = s.store.agent(p.tenant, p.id).await?;
    if old.has_sip_password && old.sip_username != w.sip_username && w.sip_password.is_none() {
        return Err(ApiError::invalid(
            "sip_password",
            "changing sip_username needs the SIP password again (it is stored as a digest \
             of user name, realm and password)",
        ));
    }
    let a = s.store.update_agent(p.tenant, p.id, &w).await?;
    if let Err(e) = sync::push_agent(&s, &a).await {
        let back = AgentWrite {
            name: old.name,
            sip_username: old.sip_username,
            chat_login: old.chat_login,
            settings: old.settings,
            ..AgentWrite::default()
        };
        s.store.update_agent(p.tenant, p.id, &back).await?;
        return Err(e);
    }
    Ok(Json(a))
}

/// Deletes an agent (logged out first).
#[utoipa::path(delete, path = "/api/v1/tenants/{tenant}/agents/{id}", tag = "agents", params(IdPath),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn delete(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<StatusCode> {
    c.admin(p.tenant)?;
    s.store.delete_agent(p.tenant, p.id).await?;
    sync::remove(&s, Input::RemoveAgent(AgentId(p.id as u64))).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A skill as written.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct SkillBody {
    /// Name, e.g. `lang:fr`.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
}

/// Lists a tenant's skills.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/skills", tag = "skills", params(TenantPath, Paging),
    responses((status = 200, body = List<SkillRecord>)))]
pub(crate) async fn list_skills(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Q(pg): Q<Paging>,
) -> Result<Json<List<SkillRecord>>> {
    c.supervisor(p.tenant)?;
    let page = pg.page()?;
    Ok(Json(List::new(
        s.store.list_skills(p.tenant, page).await?,
        page,
    )))
}

/// Declares a skill.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/skills", tag = "skills", params(TenantPath), request_body = SkillBody,
    responses((status = 201, body = SkillRecord), (status = 409, body = crate::error::Problem)))]
pub(crate) async fn create_skill(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Body(b): Body<SkillBody>,
) -> Result<(StatusCode, Json<SkillRecord>)> {
    c.admin(p.tenant)?;
    names::check("name", &b.name)?;
    Ok((
        StatusCode::CREATED,
        Json(
            s.store
                .create_skill(p.tenant, &b.name, &b.description)
                .await?,
        ),
    ))
}

/// One skill.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/skills/{id}", tag = "skills", params(IdPath),
    responses((status = 200, body = SkillRecord), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn get_skill(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<Json<SkillRecord>> {
    c.supervisor(p.tenant)?;
    Ok(Json(s.store.skill(p.tenant, p.id).await?))
}

/// Updates a skill's description (renaming is refused while agents or queues use it).
#[utoipa::path(put, path = "/api/v1/tenants/{tenant}/skills/{id}", tag = "skills", params(IdPath), request_body = SkillBody,
    responses((status = 200, body = SkillRecord), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn update_skill(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
    Body(b): Body<SkillBody>,
) -> Result<Json<SkillRecord>> {
    c.admin(p.tenant)?;
    names::check("name", &b.name)?;
    let old = s.store.skill(p.tenant, p.id).await?;
    if old.name != b.name && skill_in_use(&s, p.tenant, &old.name).await? {
        return Err(ApiError::Conflict(format!(
            "skill {:?} is in use by agents or queues",
            old.name
        )));
    }
    Ok(Json(
        s.store
            .update_skill(p.tenant, p.id, &b.name, &b.description)
            .await?,
    ))
}

async fn skill_in_use(s: &AppState, tenant: i64, name: &str) -> Result<bool> {
    let all = switchyard_store::Page {
        limit: i64::MAX,
        offset: 0,
    };
    let agents = s.store.list_agents(tenant, None, all).await?;
    let queues = s.store.list_queues(tenant, None, all).await?;
    Ok(agents
        .iter()
        .any(|a| a.settings.skills.iter().any(|k| k.skill.as_str() == name))
        || queues.iter().any(|q| {
            q.settings
                .required_skills
                .iter()
                .any(|r| r.skill.as_str() == name)
        }))
}

/// Deletes a skill no agent or queue uses.
#[utoipa::path(delete, path = "/api/v1/tenants/{tenant}/skills/{id}", tag = "skills", params(IdPath),
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub(crate) async fn delete_skill(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<IdPath>,
) -> Result<StatusCode> {
    c.admin(p.tenant)?;
    let old = s.store.skill(p.tenant, p.id).await?;
    if skill_in_use(&s, p.tenant, &old.name).await? {
        return Err(ApiError::Conflict(format!(
            "skill {:?} is in use by agents or queues",
            old.name
        )));
    }
    s.store.delete_skill(p.tenant, p.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A membership as written.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct MembershipBody {
    /// The agent.
    pub agent_id: i64,
    /// The queue.
    pub queue_id: i64,
    /// Penalty group (lower is tried first).
    #[serde(default)]
    pub penalty: u32,
    /// Weight for weighted random (default 1).
    #[serde(default = "one")]
    pub weight: u32,
}

fn one() -> u32 {
    1
}

/// Filters for the membership list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct MembershipFilter {
    /// Only this queue.
    pub queue_id: Option<i64>,
    /// Only this agent.
    pub agent_id: Option<i64>,
    /// Rows at most (1..=1000, default 100).
    pub limit: Option<i64>,
    /// Rows skipped.
    pub offset: Option<i64>,
}

/// Lists memberships.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/memberships", tag = "memberships", params(TenantPath, MembershipFilter),
    responses((status = 200, body = List<MembershipRecord>)))]
pub(crate) async fn list_memberships(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Q(f): Q<MembershipFilter>,
) -> Result<Json<List<MembershipRecord>>> {
    c.supervisor(p.tenant)?;
    let page = Paging {
        limit: f.limit,
        offset: f.offset,
    }
    .page()?;
    let items = s
        .store
        .list_memberships(p.tenant, f.queue_id, f.agent_id, page)
        .await?;
    Ok(Json(List::new(items, page)))
}

/// Adds an agent to a queue, or changes its penalty/weight; live at once.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/memberships", tag = "memberships", params(TenantPath), request_body = MembershipBody,
    responses((status = 200, body = MembershipRecord), (status = 422, body = crate::error::Problem)))]
pub(crate) async fn upsert_membership(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<TenantPath>,
    Body(b): Body<MembershipBody>,
) -> Result<Json<MembershipRecord>> {
    c.admin(p.tenant)?;
    if b.weight == 0 {
        return Err(ApiError::invalid("weight", "must be at least 1"));
    }
    s.store
        .agent(p.tenant, b.agent_id)
        .await
        .map_err(|_| ApiError::invalid("agent_id", "no such agent in this tenant"))?;
    s.store
        .queue(p.tenant, b.queue_id)
        .await
        .map_err(|_| ApiError::invalid("queue_id", "no such queue in this tenant"))?;
    let m = MembershipRecord {
        tenant_id: p.tenant,
        agent_id: b.agent_id,
        queue_id: b.queue_id,
        penalty: b.penalty as i64,
        weight: b.weight as i64,
    };
    let m = s.store.upsert_membership(&m).await?;
    sync::push_member(&s, &m).await?;
    Ok(Json(m))
}

/// `{tenant}/memberships/{agent}/{queue}` in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct MemberPath {
    /// Tenant id.
    pub tenant: i64,
    /// Agent id.
    pub agent: i64,
    /// Queue id.
    pub queue: i64,
}

/// Removes an agent from a queue.
#[utoipa::path(delete, path = "/api/v1/tenants/{tenant}/memberships/{agent}/{queue}", tag = "memberships", params(MemberPath),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn delete_membership(
    State(s): State<AppState>,
    c: Caller,
    P(p): P<MemberPath>,
) -> Result<StatusCode> {
    c.admin(p.tenant)?;
    s.store
        .delete_membership(p.tenant, p.agent, p.queue)
        .await?;
    sync::remove(
        &s,
        Input::RemoveMember {
            agent: AgentId(p.agent as u64),
            queue: QueueId(p.queue as u64),
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
