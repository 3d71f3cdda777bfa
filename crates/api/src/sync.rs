//! Keeping the live router in step with the stored configuration, and input checks
//! shared by the configuration handlers.

use crate::AppState;
use crate::error::{ApiError, Result};
use switchyard_core::config::{Membership, QueueConfig};
use switchyard_core::{AgentId, QueueId, SkillReq};
use switchyard_router::Input;
use switchyard_store::{AgentRecord, MembershipRecord, QueueRecord};

/// Pushes a stored queue (schedule resolved) into the router.
pub(crate) async fn push_queue(s: &AppState, q: &QueueRecord) -> Result<()> {
    let cfg = s.store.router_queue(q).await?;
    s.engine.handle(Input::UpsertQueue(cfg)).await?;
    Ok(())
}

/// Pushes a stored agent into the router.
pub(crate) async fn push_agent(s: &AppState, a: &AgentRecord) -> Result<()> {
    s.engine
        .handle(Input::UpsertAgent(a.settings.clone()))
        .await?;
    Ok(())
}

/// Pushes a stored membership into the router.
pub(crate) async fn push_member(s: &AppState, m: &MembershipRecord) -> Result<()> {
    let m = Membership {
        agent: AgentId(m.agent_id as u64),
        queue: QueueId(m.queue_id as u64),
        penalty: m.penalty as u32,
        weight: m.weight as u32,
    };
    s.engine.handle(Input::UpsertMember(m)).await?;
    Ok(())
}

/// Removal that tolerates the router not knowing the object (it may have been refused).
pub(crate) async fn remove(s: &AppState, input: Input) -> Result<()> {
    match s.engine.handle(input).await {
        Ok(()) | Err(switchyard_engine::Error::Router(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Every skill named must be declared in the tenant's skill list.
pub(crate) async fn check_skills<'a>(
    s: &AppState,
    tenant: i64,
    field: &str,
    skills: impl Iterator<Item = &'a str>,
) -> Result<()> {
    for (i, name) in skills.enumerate() {
        if !s.store.skill_exists(tenant, name).await? {
            return Err(ApiError::invalid(
                format!("{field}[{i}].skill"),
                format!("unknown skill {name:?}: declare it under /skills first"),
            ));
        }
    }
    Ok(())
}

/// Checks a queue's settings before they are stored.
pub(crate) async fn check_queue(
    s: &AppState,
    tenant: i64,
    settings: &QueueConfig,
    numbers: &[String],
) -> Result<()> {
    for (i, n) in numbers.iter().enumerate() {
        let ok = !n.is_empty()
            && n.len() <= 32
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+*#-_.".contains(c));
        if !ok {
            return Err(ApiError::invalid(
                format!("numbers[{i}]"),
                "1-32 digits, letters or + * # - _ .",
            ));
        }
    }
    if let Some(sched) = &settings.schedule {
        sched
            .compile()
            .map_err(|e| ApiError::invalid("settings.schedule", e.to_string()))?;
    }
    if settings.ring_timeout_secs == 0 {
        return Err(ApiError::invalid(
            "settings.ring_timeout_secs",
            "must be at least 1",
        ));
    }
    check_skills(
        s,
        tenant,
        "settings.required_skills",
        settings
            .required_skills
            .iter()
            .map(|r: &SkillReq| r.skill.as_str()),
    )
    .await?;
    for (i, link) in settings.overflow.iter().enumerate() {
        if let switchyard_core::config::OverflowAction::Queue { queue } = &link.action
            && s.store.queue(tenant, queue.0 as i64).await.is_err()
        {
            return Err(ApiError::invalid(
                format!("settings.overflow[{i}].action.queue"),
                "no such queue in this tenant",
            ));
        }
    }
    Ok(())
}
