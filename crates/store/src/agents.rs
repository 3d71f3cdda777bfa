//! Agents, skills and memberships.

use crate::error::{from_json, to_json};
use crate::secret::{hash_password, verify_password};
use crate::{
    AgentRecord, AgentWrite, MembershipRecord, Page, Result, SkillRecord, Store, affected,
};
use sqlx::Row;
use sqlx::any::AnyRow;
use switchyard_core::config::AgentConfig;
use switchyard_core::{AgentId, TenantId};

const AGENT_COLS: &str = "id, tenant_id, name, sip_username, sip_password, chat_login, \
                          chat_password_hash, settings";

fn agent(r: &AnyRow) -> Result<AgentRecord> {
    let id: i64 = r.try_get("id")?;
    let tenant_id: i64 = r.try_get("tenant_id")?;
    let name: String = r.try_get("name")?;
    let settings: String = r.try_get("settings")?;
    let mut settings: AgentConfig = from_json("agents.settings", &settings)?;
    settings.id = AgentId(id as u64);
    settings.tenant = TenantId(tenant_id as u64);
    settings.name = name.clone();
    let sip_password: Option<String> = r.try_get("sip_password")?;
    let chat_hash: Option<String> = r.try_get("chat_password_hash")?;
    Ok(AgentRecord {
        id,
        tenant_id,
        name,
        sip_username: r.try_get("sip_username")?,
        has_sip_password: sip_password.is_some(),
        chat_login: r.try_get("chat_login")?,
        has_chat_password: chat_hash.is_some(),
        settings,
    })
}

fn skill(r: &AnyRow) -> Result<SkillRecord> {
    Ok(SkillRecord {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
    })
}

fn membership(r: &AnyRow) -> Result<MembershipRecord> {
    Ok(MembershipRecord {
        tenant_id: r.try_get("tenant_id")?,
        agent_id: r.try_get("agent_id")?,
        queue_id: r.try_get("queue_id")?,
        penalty: r.try_get("penalty")?,
        weight: r.try_get("weight")?,
    })
}

impl Store {
    /// Creates a skill.
    pub async fn create_skill(
        &self,
        tenant_id: i64,
        name: &str,
        description: &str,
    ) -> Result<SkillRecord> {
        let r = sqlx::query(
            "INSERT INTO skills (tenant_id, name, description) VALUES ($1, $2, $3) \
             RETURNING id, tenant_id, name, description",
        )
        .bind(tenant_id)
        .bind(name)
        .bind(description)
        .fetch_one(&self.pool)
        .await?;
        skill(&r)
    }

    /// A tenant's skills.
    pub async fn list_skills(&self, tenant_id: i64, page: Page) -> Result<Vec<SkillRecord>> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, name, description FROM skills WHERE tenant_id = $1 \
             ORDER BY id LIMIT $2 OFFSET $3",
        )
        .bind(tenant_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(skill).collect()
    }

    /// One skill.
    pub async fn skill(&self, tenant_id: i64, id: i64) -> Result<SkillRecord> {
        let r = sqlx::query(
            "SELECT id, tenant_id, name, description FROM skills WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        skill(&r)
    }

    /// Whether a tenant declared a skill of this name.
    pub async fn skill_exists(&self, tenant_id: i64, name: &str) -> Result<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM skills WHERE tenant_id = $1 AND name = $2")
                .bind(tenant_id)
                .bind(name)
                .fetch_one(&self.pool)
                .await?;
        Ok(n > 0)
    }

    /// Updates a skill.
    pub async fn update_skill(
        &self,
        tenant_id: i64,
        id: i64,
        name: &str,
        description: &str,
    ) -> Result<SkillRecord> {
        let n = sqlx::query(
            "UPDATE skills SET name = $1, description = $2 WHERE tenant_id = $3 AND id = $4",
        )
        .bind(name)
        .bind(description)
        .bind(tenant_id)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        affected(n)?;
        self.skill(tenant_id, id).await
    }

    /// Deletes a skill.
    pub async fn delete_skill(&self, tenant_id: i64, id: i64) -> Result<()> {
        let n = sqlx::query("DELETE FROM skills WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        affected(n)
    }

    /// Creates an agent.
    pub async fn create_agent(&self, tenant_id: i64, a: &AgentWrite) -> Result<AgentRecord> {
        let r = sqlx::query(sql!(
            "INSERT INTO agents (tenant_id, name, sip_username, sip_password, chat_login, \
             chat_password_hash, settings) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {AGENT_COLS}"
        ))
        .bind(tenant_id)
        .bind(&a.name)
        .bind(&a.sip_username)
        .bind(&a.sip_password)
        .bind(&a.chat_login)
        .bind(a.chat_password.as_deref().map(hash_password))
        .bind(to_json(&a.settings))
        .fetch_one(&self.pool)
        .await?;
        agent(&r)
    }

    /// Replaces an agent; passwords left `None` are kept.
    pub async fn update_agent(
        &self,
        tenant_id: i64,
        id: i64,
        a: &AgentWrite,
    ) -> Result<AgentRecord> {
        let n = sqlx::query(
            "UPDATE agents SET name = $1, sip_username = $2, sip_password = COALESCE($3, sip_password), \
             chat_login = $4, chat_password_hash = COALESCE($5, chat_password_hash), settings = $6 \
             WHERE tenant_id = $7 AND id = $8",
        )
        .bind(&a.name)
        .bind(&a.sip_username)
        .bind(&a.sip_password)
        .bind(&a.chat_login)
        .bind(a.chat_password.as_deref().map(hash_password))
        .bind(to_json(&a.settings))
        .bind(tenant_id)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        affected(n)?;
        self.agent(tenant_id, id).await
    }

    /// One agent.
    pub async fn agent(&self, tenant_id: i64, id: i64) -> Result<AgentRecord> {
        let r = sqlx::query(sql!(
            "SELECT {AGENT_COLS} FROM agents WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        agent(&r)
    }

    /// A tenant's agents, optionally filtered by a name substring.
    pub async fn list_agents(
        &self,
        tenant_id: i64,
        name: Option<&str>,
        page: Page,
    ) -> Result<Vec<AgentRecord>> {
        let rows = sqlx::query(sql!(
            "SELECT {AGENT_COLS} FROM agents WHERE tenant_id = $1 AND ($2 = '' OR name LIKE $3) \
             ORDER BY id LIMIT $4 OFFSET $5"
        ))
        .bind(tenant_id)
        .bind(name.unwrap_or(""))
        .bind(format!("%{}%", name.unwrap_or("")))
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(agent).collect()
    }

    /// Every agent of every tenant (loading the router at start).
    pub async fn all_agents(&self) -> Result<Vec<AgentRecord>> {
        let rows = sqlx::query(sql!("SELECT {AGENT_COLS} FROM agents ORDER BY id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(agent).collect()
    }

    /// Deletes an agent (memberships and its tokens go with it).
    pub async fn delete_agent(&self, tenant_id: i64, id: i64) -> Result<()> {
        let n = sqlx::query("DELETE FROM agents WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        affected(n)
    }

    /// The agent with this SIP username and its clear-text password (for digest auth).
    pub async fn sip_credentials(&self, username: &str) -> Result<Option<(AgentRecord, String)>> {
        let r = sqlx::query(sql!(
            "SELECT {AGENT_COLS} FROM agents WHERE sip_username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = r else { return Ok(None) };
        let pw: Option<String> = r.try_get("sip_password")?;
        pw.map(|pw| agent(&r).map(|a| (a, pw))).transpose()
    }

    /// Every agent with a SIP user name and password: `(agent id, user name, password)`,
    /// in one query (the voice edge's registrar reads them all every few seconds).
    pub async fn all_sip_accounts(&self) -> Result<Vec<(i64, String, String)>> {
        let rows = sqlx::query(
            "SELECT id, sip_username, sip_password FROM agents \
             WHERE sip_username IS NOT NULL AND sip_password IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("sip_username")?,
                    r.try_get("sip_password")?,
                ))
            })
            .collect()
    }

    /// The agent whose chat login and password match.
    pub async fn chat_login(&self, login: &str, password: &str) -> Result<Option<AgentRecord>> {
        let r = sqlx::query(sql!(
            "SELECT {AGENT_COLS} FROM agents WHERE chat_login = $1"
        ))
        .bind(login)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = r else { return Ok(None) };
        let hash: Option<String> = r.try_get("chat_password_hash")?;
        match hash {
            Some(h) if verify_password(&h, password) => Ok(Some(agent(&r)?)),
            _ => Ok(None),
        }
    }

    /// Adds or updates a membership (both ends must belong to the tenant).
    pub async fn upsert_membership(&self, m: &MembershipRecord) -> Result<MembershipRecord> {
        self.agent(m.tenant_id, m.agent_id).await?;
        self.queue(m.tenant_id, m.queue_id).await?;
        sqlx::query(
            "INSERT INTO memberships (tenant_id, agent_id, queue_id, penalty, weight) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (agent_id, queue_id) \
             DO UPDATE SET penalty = excluded.penalty, weight = excluded.weight",
        )
        .bind(m.tenant_id)
        .bind(m.agent_id)
        .bind(m.queue_id)
        .bind(m.penalty)
        .bind(m.weight)
        .execute(&self.pool)
        .await?;
        Ok(*m)
    }

    /// A tenant's memberships, optionally of one queue and/or one agent.
    pub async fn list_memberships(
        &self,
        tenant_id: i64,
        queue_id: Option<i64>,
        agent_id: Option<i64>,
        page: Page,
    ) -> Result<Vec<MembershipRecord>> {
        let rows = sqlx::query(
            "SELECT tenant_id, agent_id, queue_id, penalty, weight FROM memberships \
             WHERE tenant_id = $1 AND ($2 IS NULL OR queue_id = $2) AND ($3 IS NULL OR agent_id = $3) \
             ORDER BY queue_id, agent_id LIMIT $4 OFFSET $5",
        )
        .bind(tenant_id)
        .bind(queue_id)
        .bind(agent_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(membership).collect()
    }

    /// Every membership (loading the router at start).
    pub async fn all_memberships(&self) -> Result<Vec<MembershipRecord>> {
        let rows =
            sqlx::query("SELECT tenant_id, agent_id, queue_id, penalty, weight FROM memberships")
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(membership).collect()
    }

    /// Removes a membership.
    pub async fn delete_membership(
        &self,
        tenant_id: i64,
        agent_id: i64,
        queue_id: i64,
    ) -> Result<()> {
        let n = sqlx::query(
            "DELETE FROM memberships WHERE tenant_id = $1 AND agent_id = $2 AND queue_id = $3",
        )
        .bind(tenant_id)
        .bind(agent_id)
        .bind(queue_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        affected(n)
    }
}
