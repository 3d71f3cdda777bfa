//! Agents, skills and memberships.

use crate::error::{from_json, to_json};
use crate::secret::{PasswordCheck, hash_password_blocking, sip_ha1, verify_password_blocking};
use crate::{
    AgentRecord, AgentWrite, MembershipRecord, Page, Result, SipHa1, SkillRecord, Store, affected,
};
use sqlx::Row;
use sqlx::any::AnyRow;
use switchyard_core::config::AgentConfig;
use switchyard_core::{AgentId, TenantId};

const AGENT_COLS: &str = "id, tenant_id, name, sip_username, sip_ha1_md5, chat_login, \
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
    let sip_ha1: Option<String> = r.try_get("sip_ha1_md5")?;
    let chat_hash: Option<String> = r.try_get("chat_password_hash")?;
    Ok(AgentRecord {
        id,
        tenant_id,
        name,
        sip_username: r.try_get("sip_username")?,
        has_sip_password: sip_ha1.is_some(),
        chat_login: r.try_get("chat_login")?,
        has_chat_password: chat_hash.is_some(),
        settings,
    })
}

/// The HA1 columns of a row, when set.
fn ha1_cols(r: &AnyRow) -> Result<Option<SipHa1>> {
    let md5: Option<String> = r.try_get("sip_ha1_md5")?;
    let sha256: Option<String> = r.try_get("sip_ha1_sha256")?;
    let realm: Option<String> = r.try_get("sip_ha1_realm")?;
    Ok(match (md5, sha256, realm) {
        (Some(md5), Some(sha256), Some(realm)) => Some(SipHa1 { md5, sha256, realm }),
        _ => None,
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

    /// The HA1 to store for a write: given, or computed from the password and the user
    /// name (without a user name there is nothing to compute it for).
    fn ha1_of(&self, a: &AgentWrite) -> Option<SipHa1> {
        if let Some(h) = &a.sip_ha1 {
            return Some(h.clone());
        }
        match (&a.sip_username, &a.sip_password) {
            (Some(u), Some(p)) => Some(sip_ha1(u, &self.sip_realm, p)),
            _ => None,
        }
    }

    /// Creates an agent.
    pub async fn create_agent(&self, tenant_id: i64, a: &AgentWrite) -> Result<AgentRecord> {
        let ha1 = self.ha1_of(a);
        let chat_hash = hash_password_blocking(a.chat_password.clone()).await;
        let r = sqlx::query(sql!(
            "INSERT INTO agents (tenant_id, name, sip_username, sip_ha1_md5, sip_ha1_sha256, \
             sip_ha1_realm, chat_login, chat_password_hash, settings) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {AGENT_COLS}"
        ))
        .bind(tenant_id)
        .bind(&a.name)
        .bind(&a.sip_username)
        .bind(ha1.as_ref().map(|h| h.md5.clone()))
        .bind(ha1.as_ref().map(|h| h.sha256.clone()))
        .bind(ha1.as_ref().map(|h| h.realm.clone()))
        .bind(&a.chat_login)
        .bind(chat_hash)
        .bind(to_json(&a.settings))
        .fetch_one(&self.pool)
        .await?;
        agent(&r)
    }

    /// Replaces an agent; passwords left `None` are kept, except that the stored SIP HA1
    /// is dropped when the SIP user name changes without a new password (HA1 includes
    /// the user name: the old one could never match again).
    pub async fn update_agent(
        &self,
        tenant_id: i64,
        id: i64,
        a: &AgentWrite,
    ) -> Result<AgentRecord> {
        let ha1 = self.ha1_of(a);
        let chat_hash = hash_password_blocking(a.chat_password.clone()).await;
        let n = sqlx::query(
            "UPDATE agents SET name = $1, sip_username = $2, \
             sip_ha1_md5 = COALESCE($3, CASE WHEN sip_username = $2 THEN sip_ha1_md5 END), \
             sip_ha1_sha256 = COALESCE($4, CASE WHEN sip_username = $2 THEN sip_ha1_sha256 END), \
             sip_ha1_realm = COALESCE($5, CASE WHEN sip_username = $2 THEN sip_ha1_realm END), \
             sip_password = NULL, \
             chat_login = $6, chat_password_hash = COALESCE($7, chat_password_hash), settings = $8 \
             WHERE tenant_id = $9 AND id = $10",
        )
        .bind(&a.name)
        .bind(&a.sip_username)
        .bind(ha1.as_ref().map(|h| h.md5.clone()))
        .bind(ha1.as_ref().map(|h| h.sha256.clone()))
        .bind(ha1.as_ref().map(|h| h.realm.clone()))
        .bind(&a.chat_login)
        .bind(chat_hash)
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

    /// The agent with this SIP username and its stored HA1 (for the config export).
    pub async fn sip_credentials(&self, username: &str) -> Result<Option<(AgentRecord, SipHa1)>> {
        let r = sqlx::query(sql!(
            "SELECT {AGENT_COLS}, sip_ha1_sha256, sip_ha1_realm FROM agents WHERE sip_username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = r else { return Ok(None) };
        let ha1 = ha1_cols(&r)?;
        ha1.map(|h| agent(&r).map(|a| (a, h))).transpose()
    }

    /// Every agent with a SIP user name and an HA1 for this store's realm:
    /// `(agent id, user name, HA1)`, in one query (the voice edge's registrar reads them
    /// all every few seconds).
    pub async fn all_sip_accounts(&self) -> Result<Vec<(i64, String, SipHa1)>> {
        let rows = sqlx::query(
            "SELECT id, sip_username, sip_ha1_md5, sip_ha1_sha256, sip_ha1_realm FROM agents \
             WHERE sip_username IS NOT NULL AND sip_ha1_md5 IS NOT NULL AND sip_ha1_realm = $1 \
             ORDER BY id",
        )
        .bind(&*self.sip_realm)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .filter_map(|r| {
                let id: Result<i64> = r.try_get("id").map_err(Into::into);
                let user: Result<String> = r.try_get("sip_username").map_err(Into::into);
                match (id, user, ha1_cols(r)) {
                    (Ok(id), Ok(user), Ok(Some(h))) => Some(Ok((id, user, h))),
                    (Ok(_), Ok(_), Ok(None)) => None,
                    (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => Some(Err(e)),
                }
            })
            .collect()
    }

    /// Replaces clear SIP passwords (from before HA1 storage) by their HA1 for this
    /// store's realm, and erases them; a password without a user name is just erased
    /// (HA1 needs one; such an account could not register anyway). Returns how many.
    pub(crate) async fn hash_clear_sip_passwords(&self) -> Result<usize> {
        let rows = sqlx::query(
            "SELECT id, sip_username, sip_password FROM agents WHERE sip_password IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let user: Option<String> = r.try_get("sip_username")?;
            let pw: String = r.try_get("sip_password")?;
            let ha1 = user.as_deref().map(|u| sip_ha1(u, &self.sip_realm, &pw));
            sqlx::query(
                "UPDATE agents SET sip_ha1_md5 = $1, sip_ha1_sha256 = $2, sip_ha1_realm = $3, \
                 sip_password = NULL WHERE id = $4",
            )
            .bind(ha1.as_ref().map(|h| h.md5.clone()))
            .bind(ha1.as_ref().map(|h| h.sha256.clone()))
            .bind(ha1.as_ref().map(|h| h.realm.clone()))
            .bind(id)
            .execute(&self.pool)
            .await?;
        }
        Ok(rows.len())
    }

    /// SIP accounts whose HA1 was computed for another realm than this store's.
    pub(crate) async fn sip_accounts_in_other_realms(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM agents WHERE sip_ha1_md5 IS NOT NULL AND sip_ha1_realm <> $1",
        )
        .bind(&*self.sip_realm)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The agent whose chat login and password match. The Argon2 check runs on the
    /// blocking pool; an unknown login costs the same time as a wrong password. A
    /// password hashed by the retired pre-Argon2 scheme never matches (logged: the
    /// admin must set it again).
    pub async fn chat_login(&self, login: &str, password: &str) -> Result<Option<AgentRecord>> {
        let r = sqlx::query(sql!(
            "SELECT {AGENT_COLS} FROM agents WHERE chat_login = $1"
        ))
        .bind(login)
        .fetch_optional(&self.pool)
        .await?;
        let hash: Option<String> = match &r {
            Some(r) => r.try_get("chat_password_hash")?,
            None => None,
        };
        match verify_password_blocking(hash, password.to_owned()).await {
            PasswordCheck::Match => r.as_ref().map(agent).transpose(),
            PasswordCheck::Mismatch => Ok(None),
            PasswordCheck::Retired => {
                tracing::warn!(
                    login,
                    "chat login refused: the stored password uses the retired SHA-256 scheme; \
                     set the agent's chat_password again (REST or config file)"
                );
                Ok(None)
            }
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
