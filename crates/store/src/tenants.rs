//! Tenants and API tokens.

use crate::secret::{hash_token, new_token};
use crate::{ApiToken, Error, Page, Result, Role, Store, Tenant, affected, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;

fn tenant(r: &AnyRow) -> Result<Tenant> {
    Ok(Tenant {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        created_ms: r.try_get("created_ms")?,
        allow_anonymous_calls: r.try_get::<i64, _>("allow_anonymous_calls")? != 0,
    })
}

fn token(r: &AnyRow) -> Result<ApiToken> {
    let role: String = r.try_get("role")?;
    Ok(ApiToken {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        role: Role::parse(&role).ok_or_else(|| Error::Conflict(format!("bad role {role}")))?,
        agent_id: r.try_get("agent_id")?,
        name: r.try_get("name")?,
        created_ms: r.try_get("created_ms")?,
    })
}

const TOKEN_COLS: &str = "id, tenant_id, role, agent_id, name, created_ms";

impl Store {
    /// Creates a tenant.
    pub async fn create_tenant(&self, name: &str) -> Result<Tenant> {
        let r = sqlx::query(
            "INSERT INTO tenants (name, created_ms) VALUES ($1, $2) \
             RETURNING id, name, created_ms, allow_anonymous_calls",
        )
        .bind(name)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        tenant(&r)
    }

    /// Lists tenants by id, optionally only those whose name contains `name`.
    pub async fn list_tenants(&self, name: Option<&str>, page: Page) -> Result<Vec<Tenant>> {
        let rows = sqlx::query(
            "SELECT id, name, created_ms, allow_anonymous_calls FROM tenants \
             WHERE ($1 = '' OR name LIKE $2) ORDER BY id LIMIT $3 OFFSET $4",
        )
        .bind(name.unwrap_or(""))
        .bind(format!("%{}%", name.unwrap_or("")))
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(tenant).collect()
    }

    /// One tenant.
    pub async fn tenant(&self, id: i64) -> Result<Tenant> {
        let r = sqlx::query(
            "SELECT id, name, created_ms, allow_anonymous_calls FROM tenants WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        tenant(&r)
    }

    /// A tenant by name.
    pub async fn tenant_by_name(&self, name: &str) -> Result<Option<Tenant>> {
        let r = sqlx::query(
            "SELECT id, name, created_ms, allow_anonymous_calls FROM tenants WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(tenant).transpose()
    }

    /// Renames a tenant.
    pub async fn rename_tenant(&self, id: i64, name: &str) -> Result<Tenant> {
        let n = sqlx::query("UPDATE tenants SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        affected(n)?;
        self.tenant(id).await
    }

    /// Allows or refuses calls from unauthenticated SIP sources to the tenant's numbers.
    pub async fn set_allow_anonymous_calls(&self, id: i64, allow: bool) -> Result<Tenant> {
        let n = sqlx::query("UPDATE tenants SET allow_anonymous_calls = $1 WHERE id = $2")
            .bind(i64::from(allow))
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        affected(n)?;
        self.tenant(id).await
    }

    /// Deletes a tenant and everything it owns (history rows stay, unattached).
    pub async fn delete_tenant(&self, id: i64) -> Result<()> {
        let n = sqlx::query("DELETE FROM tenants WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        affected(n)
    }

    /// Creates a token and returns it with its secret (shown once). `secret` lets
    /// automation choose it (the bootstrap `--admin-token`); None generates one.
    pub async fn create_token(
        &self,
        tenant_id: Option<i64>,
        role: Role,
        agent_id: Option<i64>,
        name: &str,
        secret: Option<&str>,
    ) -> Result<(ApiToken, String)> {
        let secret = secret.map(str::to_string).unwrap_or_else(new_token);
        let r = sqlx::query(sql!(
            "INSERT INTO api_tokens (tenant_id, role, agent_id, name, token_sha256, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {TOKEN_COLS}"
        ))
        .bind(tenant_id)
        .bind(role.as_str())
        .bind(agent_id)
        .bind(name)
        .bind(hash_token(&secret))
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok((token(&r)?, secret))
    }

    /// Finds the token with this secret.
    pub async fn authenticate(&self, secret: &str) -> Result<Option<ApiToken>> {
        let r = sqlx::query(sql!(
            "SELECT {TOKEN_COLS} FROM api_tokens WHERE token_sha256 = $1"
        ))
        .bind(hash_token(secret))
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(token).transpose()
    }

    /// Tokens of a tenant (None: deployment-wide tokens).
    pub async fn list_tokens(&self, tenant_id: Option<i64>, page: Page) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(sql!(
            "SELECT {TOKEN_COLS} FROM api_tokens \
             WHERE (tenant_id = $1) OR ($1 IS NULL AND tenant_id IS NULL) \
             ORDER BY id LIMIT $2 OFFSET $3"
        ))
        .bind(tenant_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token).collect()
    }

    /// Revokes a token of a tenant.
    pub async fn delete_token(&self, tenant_id: Option<i64>, id: i64) -> Result<()> {
        let n = sqlx::query(
            "DELETE FROM api_tokens WHERE id = $1 \
             AND ((tenant_id = $2) OR ($2 IS NULL AND tenant_id IS NULL))",
        )
        .bind(id)
        .bind(tenant_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        affected(n)
    }

    /// Whether a token with this exact secret exists (bootstrap idempotence).
    pub async fn token_exists(&self, secret: &str) -> Result<bool> {
        Ok(self.authenticate(secret).await?.is_some())
    }
}
