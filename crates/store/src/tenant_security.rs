//! Per-tenant security settings: the priority-token signing key (generated on first
//! use, rotatable) and the callback dialling policy (stored as JSON, checked by
//! `switchyard_core::callback_policy`).

use crate::{Result, Store};
use rand::RngCore;
use sqlx::Row;

fn fresh_secret() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

impl Store {
    /// The tenant's token-signing key, created on first use.
    pub async fn token_secret(&self, tenant: i64) -> Result<Vec<u8>> {
        sqlx::query(
            "INSERT INTO tenant_security (tenant_id, token_secret) VALUES ($1, $2) \
             ON CONFLICT (tenant_id) DO NOTHING",
        )
        .bind(tenant)
        .bind(fresh_secret())
        .execute(&self.pool)
        .await?;
        let r = sqlx::query("SELECT token_secret FROM tenant_security WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_one(&self.pool)
            .await?;
        let hex_key: String = r.try_get("token_secret")?;
        Ok(hex_key.into_bytes())
    }

    /// Replaces the tenant's token-signing key: every token signed before is void.
    pub async fn rotate_token_secret(&self, tenant: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO tenant_security (tenant_id, token_secret) VALUES ($1, $2) \
             ON CONFLICT (tenant_id) DO UPDATE SET token_secret = excluded.token_secret",
        )
        .bind(tenant)
        .bind(fresh_secret())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The tenant's callback policy as stored (JSON), if one was set.
    pub async fn callback_policy(&self, tenant: i64) -> Result<Option<String>> {
        let r = sqlx::query("SELECT callback_policy FROM tenant_security WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match r {
            Some(r) => r.try_get::<Option<String>, _>("callback_policy")?,
            None => None,
        })
    }

    /// Sets the tenant's callback policy (JSON; `None` goes back to the defaults).
    pub async fn set_callback_policy(&self, tenant: i64, json: Option<&str>) -> Result<()> {
        sqlx::query(
            "INSERT INTO tenant_security (tenant_id, token_secret, callback_policy) \
             VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id) DO UPDATE SET callback_policy = excluded.callback_policy",
        )
        .bind(tenant)
        .bind(fresh_secret())
        .bind(json.map(str::to_string))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every stored callback policy: (tenant, JSON).
    pub async fn callback_policies(&self) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT tenant_id, callback_policy FROM tenant_security \
             WHERE callback_policy IS NOT NULL ORDER BY tenant_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("tenant_id")?, r.try_get("callback_policy")?)))
            .collect()
    }
}
