//! Queues (with their numbers) and schedules.

use crate::error::{from_json, to_json};
use crate::{Error, Page, QueueRecord, Result, ScheduleRecord, Store, affected};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use switchyard_core::config::QueueConfig;
use switchyard_core::schedule::Schedule;
use switchyard_core::{QueueId, TenantId};

fn schedule(r: &AnyRow) -> Result<ScheduleRecord> {
    let body: String = r.try_get("body")?;
    Ok(ScheduleRecord {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        name: r.try_get("name")?,
        schedule: from_json("schedules.body", &body)?,
    })
}

/// Stamps the record's identity into its settings so they always agree.
fn normalise(id: i64, tenant_id: i64, name: &str, mut s: QueueConfig) -> QueueConfig {
    s.id = QueueId(id as u64);
    s.tenant = TenantId(tenant_id as u64);
    s.name = name.to_string();
    s
}

impl Store {
    /// Creates a schedule.
    pub async fn create_schedule(
        &self,
        tenant_id: i64,
        name: &str,
        s: &Schedule,
    ) -> Result<ScheduleRecord> {
        let r = sqlx::query(
            "INSERT INTO schedules (tenant_id, name, body) VALUES ($1, $2, $3) \
             RETURNING id, tenant_id, name, body",
        )
        .bind(tenant_id)
        .bind(name)
        .bind(to_json(s))
        .fetch_one(&self.pool)
        .await?;
        schedule(&r)
    }

    /// Schedules of a tenant.
    pub async fn list_schedules(&self, tenant_id: i64, page: Page) -> Result<Vec<ScheduleRecord>> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, name, body FROM schedules WHERE tenant_id = $1 \
             ORDER BY id LIMIT $2 OFFSET $3",
        )
        .bind(tenant_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(schedule).collect()
    }

    /// One schedule of a tenant.
    pub async fn schedule(&self, tenant_id: i64, id: i64) -> Result<ScheduleRecord> {
        let r = sqlx::query(
            "SELECT id, tenant_id, name, body FROM schedules WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        schedule(&r)
    }

    /// Replaces a schedule.
    pub async fn update_schedule(
        &self,
        tenant_id: i64,
        id: i64,
        name: &str,
        s: &Schedule,
    ) -> Result<ScheduleRecord> {
        let n = sqlx::query(
            "UPDATE schedules SET name = $1, body = $2 WHERE tenant_id = $3 AND id = $4",
        )
        .bind(name)
        .bind(to_json(s))
        .bind(tenant_id)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        affected(n)?;
        self.schedule(tenant_id, id).await
    }

    /// Deletes a schedule (queues using it become always open).
    pub async fn delete_schedule(&self, tenant_id: i64, id: i64) -> Result<()> {
        let n = sqlx::query("DELETE FROM schedules WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        affected(n)
    }

    async fn queue_row(&self, r: &AnyRow) -> Result<QueueRecord> {
        let id: i64 = r.try_get("id")?;
        let tenant_id: i64 = r.try_get("tenant_id")?;
        let name: String = r.try_get("name")?;
        let settings: String = r.try_get("settings")?;
        let settings = from_json("queues.settings", &settings)?;
        let numbers: Vec<String> = sqlx::query_scalar(
            "SELECT number FROM queue_numbers WHERE queue_id = $1 ORDER BY number",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(QueueRecord {
            id,
            tenant_id,
            settings: normalise(id, tenant_id, &name, settings),
            name,
            numbers,
            schedule_id: r.try_get("schedule_id")?,
        })
    }

    async fn set_numbers(
        tx: &mut Transaction<'_, Any>,
        tenant_id: i64,
        id: i64,
        numbers: &[String],
    ) -> Result<()> {
        sqlx::query("DELETE FROM queue_numbers WHERE queue_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        for n in numbers {
            sqlx::query(
                "INSERT INTO queue_numbers (number, tenant_id, queue_id) VALUES ($1, $2, $3)",
            )
            .bind(n)
            .bind(tenant_id)
            .bind(id)
            .execute(&mut **tx)
            .await
            .map_err(|e| match Error::from(e) {
                Error::Conflict(_) => Error::Conflict("numbers".into()),
                other => other,
            })?;
        }
        Ok(())
    }

    async fn check_schedule(&self, tenant_id: i64, schedule_id: Option<i64>) -> Result<()> {
        if let Some(s) = schedule_id {
            match self.schedule(tenant_id, s).await {
                Err(Error::NotFound) => {
                    return Err(Error::InvalidReference("schedule_id".into()));
                }
                r => {
                    r?;
                }
            }
        }
        Ok(())
    }

    /// Creates a queue.
    pub async fn create_queue(
        &self,
        tenant_id: i64,
        name: &str,
        numbers: &[String],
        schedule_id: Option<i64>,
        settings: &QueueConfig,
    ) -> Result<QueueRecord> {
        self.check_schedule(tenant_id, schedule_id).await?;
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO queues (tenant_id, name, schedule_id, settings) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(tenant_id)
        .bind(name)
        .bind(schedule_id)
        .bind(to_json(settings))
        .fetch_one(&mut *tx)
        .await?;
        Self::set_numbers(&mut tx, tenant_id, id, numbers).await?;
        tx.commit().await?;
        self.queue(tenant_id, id).await
    }

    /// Replaces a queue's name, numbers, schedule and settings.
    pub async fn update_queue(
        &self,
        tenant_id: i64,
        id: i64,
        name: &str,
        numbers: &[String],
        schedule_id: Option<i64>,
        settings: &QueueConfig,
    ) -> Result<QueueRecord> {
        self.check_schedule(tenant_id, schedule_id).await?;
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(
            "UPDATE queues SET name = $1, schedule_id = $2, settings = $3 WHERE tenant_id = $4 AND id = $5",
        )
        .bind(name)
        .bind(schedule_id)
        .bind(to_json(settings))
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        affected(n)?;
        Self::set_numbers(&mut tx, tenant_id, id, numbers).await?;
        tx.commit().await?;
        self.queue(tenant_id, id).await
    }

    /// One queue of a tenant.
    pub async fn queue(&self, tenant_id: i64, id: i64) -> Result<QueueRecord> {
        let r = sqlx::query(
            "SELECT id, tenant_id, name, schedule_id, settings FROM queues WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        self.queue_row(&r).await
    }

    /// A tenant's queues, optionally filtered by a name substring.
    pub async fn list_queues(
        &self,
        tenant_id: i64,
        name: Option<&str>,
        page: Page,
    ) -> Result<Vec<QueueRecord>> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, name, schedule_id, settings FROM queues \
             WHERE tenant_id = $1 AND ($2 = '' OR name LIKE $3) ORDER BY id LIMIT $4 OFFSET $5",
        )
        .bind(tenant_id)
        .bind(name.unwrap_or(""))
        .bind(format!("%{}%", name.unwrap_or("")))
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.queue_row(r).await?);
        }
        Ok(out)
    }

    /// Every queue of every tenant (loading the router at start).
    pub async fn all_queues(&self) -> Result<Vec<QueueRecord>> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, name, schedule_id, settings FROM queues ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.queue_row(r).await?);
        }
        Ok(out)
    }

    /// Ids of the queues using a schedule (to push them again when it changes).
    pub async fn queues_using_schedule(
        &self,
        tenant_id: i64,
        schedule_id: i64,
    ) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM queues WHERE tenant_id = $1 AND schedule_id = $2")
                .bind(tenant_id)
                .bind(schedule_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The queue a dialled number reaches (for the SIP edge).
    pub async fn queue_by_number(&self, number: &str) -> Result<Option<QueueRecord>> {
        let r = sqlx::query(
            "SELECT q.id, q.tenant_id, q.name, q.schedule_id, q.settings FROM queues q \
             JOIN queue_numbers n ON n.queue_id = q.id WHERE n.number = $1",
        )
        .bind(number)
        .fetch_optional(&self.pool)
        .await?;
        match r {
            Some(r) => Ok(Some(self.queue_row(&r).await?)),
            None => Ok(None),
        }
    }

    /// Deletes a queue (its numbers and memberships go with it).
    pub async fn delete_queue(&self, tenant_id: i64, id: i64) -> Result<()> {
        let n = sqlx::query("DELETE FROM queues WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        affected(n)
    }

    /// The queue's settings as the router needs them: identity stamped in, the shared
    /// schedule (if any) resolved in place of the inline one.
    pub async fn router_queue(&self, q: &QueueRecord) -> Result<QueueConfig> {
        let mut c = q.settings.clone();
        if let Some(s) = q.schedule_id {
            c.schedule = Some(self.schedule(q.tenant_id, s).await?.schedule);
        }
        Ok(c)
    }
}
