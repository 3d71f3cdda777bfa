//! What the customer session asks of the router and the store.

use crate::Shared;
use crate::customer_msg::JoinedState;
use crate::error::{Error, ErrorCode, Result};
use crate::proto::text_field;
use switchyard_core::{AgentId, Channel, InteractionId, QueueId, SkillReq, TenantId};
use switchyard_engine::system_now;
use switchyard_router::{
    EndedBy, Estimate, Input, InteractionState, InteractionView, NewInteraction,
};
use switchyard_store::NewOfflineMessage;

/// Finds the queue by number or id, and checks the tenant when one is named.
pub(crate) async fn resolve_queue(
    sh: &Shared,
    number: Option<String>,
    id: Option<u64>,
    tenant: Option<String>,
) -> Result<(QueueId, TenantId)> {
    let not_found = || Error::peer(ErrorCode::NotFound, "no such queue");
    let (q, t) = match (number, id) {
        (Some(n), _) => {
            let n = text_field("queue", &n, 64, false)?;
            let rec = sh.store.queue_by_number(&n).await?.ok_or_else(not_found)?;
            (QueueId(rec.id as u64), TenantId(rec.tenant_id as u64))
        }
        (None, Some(id)) => {
            let q = QueueId(id);
            let t = sh
                .engine
                .call(move |r, now| r.queue_stats(q, now).map(|s| s.tenant))
                .await?
                .map_err(|_| not_found())?;
            (q, t)
        }
        (None, None) => {
            return Err(Error::peer(
                ErrorCode::BadMessage,
                "join needs queue or queue_id",
            ));
        }
    };
    if let Some(name) = tenant.filter(|s| !s.trim().is_empty()) {
        let matches = match name.trim().parse::<u64>() {
            Ok(id) => id == t.0,
            Err(_) => sh
                .store
                .tenant_by_name(name.trim())
                .await?
                .is_some_and(|rec| rec.id as u64 == t.0),
        };
        if !matches {
            return Err(not_found());
        }
    }
    Ok((q, t))
}

/// Parses the customer's extra skills.
pub(crate) fn skills(names: &[String]) -> Result<Vec<SkillReq>> {
    if names.len() > 10 {
        return Err(Error::peer(ErrorCode::BadMessage, "at most 10 skills"));
    }
    names
        .iter()
        .map(|s| text_field("skills", s, 64, false).map(|s| SkillReq::any(s.as_str())))
        .collect()
}

/// Checks a phone number: digits with optional `+`, spaces, dashes, dots, parentheses.
pub(crate) fn phone_number(n: &str) -> Result<String> {
    let n = n.trim();
    let digits = n.chars().filter(char::is_ascii_digit).count();
    let ok = (3..=20).contains(&digits)
        && n.len() <= 32
        && n.chars()
            .enumerate()
            .all(|(k, c)| c.is_ascii_digit() || " -.()".contains(c) || (k == 0 && c == '+'));
    if ok {
        Ok(n.to_string())
    } else {
        Err(Error::peer(
            ErrorCode::BadMessage,
            "number: not a phone number",
        ))
    }
}

/// The priority a widget's signed token grants on `tenant`'s `queue` (its tenant's key;
/// refused when forged, expired, or minted for another tenant or queue).
pub(crate) async fn priority(
    sh: &Shared,
    tok: &str,
    tenant: TenantId,
    queue: QueueId,
) -> Result<i32> {
    let key = sh.store.token_secret(tenant.0 as i64).await?;
    crate::token::verify_priority(&key, tok, tenant.0, queue.0, system_now().as_secs()).map_err(
        |p| {
            metrics::counter!("switchyard_priority_tokens_refused_total", "why" => format!("{p:?}"))
                .increment(1);
            tracing::info!(tenant = tenant.0, queue = queue.0, why = ?p, "priority token refused");
            Error::peer(ErrorCode::BadMessage, format!("priority_token: {p:?}"))
        },
    )
}

/// Puts the chat in line.
pub(crate) async fn join(
    sh: &Shared,
    id: InteractionId,
    tenant: TenantId,
    queue: QueueId,
    name: String,
    skills: Vec<SkillReq>,
    priority: i32,
) -> Result<()> {
    sh.engine
        .handle(Input::Join(NewInteraction {
            id,
            tenant,
            queue,
            channel: Channel::Chat,
            caller_id: name,
            skills,
            priority,
            arrived: None,
        }))
        .await?;
    Ok(())
}

/// The customer leaves: an abandon while in line, the end of the chat when connected.
pub(crate) async fn leave(sh: &Shared, i: InteractionId) -> Result<()> {
    sh.engine
        .call(move |r, now| match r.peek(i).map(|v| v.state) {
            Some(InteractionState::Connected) => r.handle(
                now,
                Input::Complete {
                    interaction: i,
                    by: EndedBy::Customer,
                },
            ),
            Some(_) => r.handle(now, Input::CustomerLeft { interaction: i }),
            None => Ok(()),
        })
        .await??;
    Ok(())
}

/// An interaction as the widget needs it.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub view: InteractionView,
    pub estimate: Option<Estimate>,
    pub queue_name: String,
    pub agent_name: Option<String>,
}

impl Snapshot {
    pub(crate) fn state(&self, callback: bool) -> JoinedState {
        match self.view.state {
            InteractionState::Connected => JoinedState::Connected,
            _ if callback || self.view.channel == Channel::Callback => JoinedState::Callback,
            _ => JoinedState::Waiting,
        }
    }
}

/// Reads the interaction, its estimate, queue name and agent name in one call.
pub(crate) async fn snapshot(sh: &Shared, i: InteractionId) -> Result<Option<Snapshot>> {
    Ok(sh
        .engine
        .call(move |r, _| {
            let view = r.interaction(i)?;
            let queue_name = r
                .queue_config(view.queue)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            let agent_name = view.agent.and_then(|a| r.agent(a).ok()).map(|a| a.name);
            Some(Snapshot {
                estimate: r.estimate(i),
                view,
                queue_name,
                agent_name,
            })
        })
        .await?)
}

/// The agent's display name.
pub(crate) async fn agent_name(sh: &Shared, a: AgentId) -> String {
    sh.engine
        .call(move |r, _| r.agent(a).map(|v| v.name).unwrap_or_default())
        .await
        .unwrap_or_default()
}

/// The queue the interaction is in now, with its name.
pub(crate) async fn current_queue(sh: &Shared, i: InteractionId) -> (QueueId, String) {
    sh.engine
        .call(move |r, now| {
            let q = r.peek(i).map(|v| v.queue).unwrap_or_default();
            let name = r.queue_stats(q, now).map(|s| s.name).unwrap_or_default();
            (q, name)
        })
        .await
        .unwrap_or_default()
}

/// Stores an offline message.
pub(crate) async fn save_offline(
    sh: &Shared,
    tenant: TenantId,
    queue: QueueId,
    i: InteractionId,
    name: &str,
    contact: &str,
    text: &str,
) -> Result<i64> {
    let m = NewOfflineMessage {
        tenant_id: tenant.0 as i64,
        queue_id: Some(queue.0 as i64),
        interaction_id: Some(i.0 as i64),
        name: text_field("name", name, 100, false)?,
        contact: text_field("contact", contact, 200, false)?,
        body: text_field("text", text, 4000, true)?,
    };
    Ok(sh.store.insert_offline_message(&m).await?.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers() {
        assert!(phone_number("+33 1 23 45 67 89").is_ok());
        assert!(phone_number("(555) 123-4567").is_ok());
        assert!(phone_number("12").is_err());
        assert!(phone_number("call me").is_err());
        assert!(phone_number("1+2345").is_err());
    }

    #[test]
    fn skills_are_bounded() {
        assert_eq!(skills(&["lang:fr".into()]).unwrap().len(), 1);
        assert!(skills(&vec!["x".to_string(); 11]).is_err());
        assert!(skills(&[String::new()]).is_err());
    }
}
