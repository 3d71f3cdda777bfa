//! The event history and sound metadata.

use crate::error::{from_json, to_json};
use crate::{
    EventFilter, EventRecord, NewEvent, Page, Result, SoundRecord, Store, affected, now_ms,
};
use sqlx::Row;
use sqlx::any::AnyRow;

fn event(r: &AnyRow) -> Result<EventRecord> {
    let body: String = r.try_get("body")?;
    Ok(EventRecord {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        time_ms: r.try_get("time_ms")?,
        interaction_id: r.try_get("interaction_id")?,
        queue_id: r.try_get("queue_id")?,
        agent_id: r.try_get("agent_id")?,
        event: r.try_get("event")?,
        body: from_json("events.body", &body)?,
        queue_log: r.try_get("queue_log")?,
    })
}

/// Events per `INSERT` statement: 8 parameters each, well under both backends' limits.
const EVENT_ROWS: usize = 128;

/// `INSERT INTO events … VALUES (…), (…), …` with `$n` placeholders (both backends).
async fn insert_rows<'e, E>(db: E, events: &[NewEvent]) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    use std::fmt::Write;
    let mut sql = String::with_capacity(120 + events.len() * 48);
    sql.push_str(
        "INSERT INTO events (tenant_id, time_ms, interaction_id, queue_id, agent_id, event, body, queue_log) VALUES ",
    );
    for i in 0..events.len() {
        let n = i * 8;
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(
            sql,
            "{sep}(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5,
            n + 6,
            n + 7,
            n + 8
        );
    }
    // Built from constants and row numbers only.
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for e in events {
        let ev = &e.event;
        q = q
            .bind(e.tenant_id)
            .bind(ev.time.as_millis() as i64)
            .bind(ev.interaction.map(|i| i.0 as i64))
            .bind(ev.queue.map(|q| q.0 as i64))
            .bind(ev.agent.map(|a| a.0 as i64))
            .bind(ev.verb())
            .bind(to_json(ev))
            .bind(&e.queue_log);
    }
    q.execute(db).await?;
    Ok(())
}

const SOUND_COLS: &str =
    "id, tenant_id, name, file_name, sample_rate, duration_ms, size_bytes, created_ms";

fn sound(r: &AnyRow) -> Result<SoundRecord> {
    Ok(SoundRecord {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        name: r.try_get("name")?,
        file_name: r.try_get("file_name")?,
        sample_rate: r.try_get("sample_rate")?,
        duration_ms: r.try_get("duration_ms")?,
        size_bytes: r.try_get("size_bytes")?,
        created_ms: r.try_get("created_ms")?,
    })
}

impl Store {
    /// Appends events, all or nothing: one multi-row `INSERT` per [`EVENT_ROWS`] events
    /// (a batch of a busy second is one statement, one round trip to the database), in a
    /// transaction when there is more than one.
    pub async fn insert_events(&self, events: &[NewEvent]) -> Result<()> {
        let mut chunks = events.chunks(EVENT_ROWS);
        match (chunks.next(), chunks.len()) {
            (None, _) => Ok(()),
            (Some(only), 0) => {
                insert_rows(&self.pool, only).await?;
                Ok(())
            }
            (Some(first), _) => {
                let mut tx = self.pool.begin().await?;
                insert_rows(&mut *tx, first).await?;
                for chunk in chunks {
                    insert_rows(&mut *tx, chunk).await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    }

    /// Events matching `f`, oldest first.
    pub async fn list_events(&self, f: &EventFilter, page: Page) -> Result<Vec<EventRecord>> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, time_ms, interaction_id, queue_id, agent_id, event, body, queue_log \
             FROM events WHERE ($1 IS NULL OR tenant_id = $1) AND ($2 IS NULL OR queue_id = $2) \
             AND ($3 IS NULL OR agent_id = $3) AND ($4 IS NULL OR interaction_id = $4) \
             AND ($5 IS NULL OR event = $5) AND ($6 IS NULL OR time_ms >= $6) \
             AND ($7 IS NULL OR time_ms < $7) ORDER BY id LIMIT $8 OFFSET $9",
        )
        .bind(f.tenant_id)
        .bind(f.queue_id)
        .bind(f.agent_id)
        .bind(f.interaction_id)
        .bind(f.event.as_deref())
        .bind(f.from_ms)
        .bind(f.to_ms)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event).collect()
    }

    /// Records an uploaded sound (replacing one of the same name).
    pub async fn upsert_sound(
        &self,
        tenant_id: i64,
        name: &str,
        file_name: &str,
        sample_rate: i64,
        duration_ms: i64,
        size_bytes: i64,
    ) -> Result<SoundRecord> {
        let r = sqlx::query(sql!(
            "INSERT INTO sounds (tenant_id, name, file_name, sample_rate, duration_ms, size_bytes, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, name) DO UPDATE SET \
             file_name = excluded.file_name, sample_rate = excluded.sample_rate, \
             duration_ms = excluded.duration_ms, size_bytes = excluded.size_bytes, \
             created_ms = excluded.created_ms RETURNING {SOUND_COLS}"
        ))
        .bind(tenant_id)
        .bind(name)
        .bind(file_name)
        .bind(sample_rate)
        .bind(duration_ms)
        .bind(size_bytes)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        sound(&r)
    }

    /// A tenant's sounds.
    pub async fn list_sounds(&self, tenant_id: i64, page: Page) -> Result<Vec<SoundRecord>> {
        let rows = sqlx::query(sql!(
            "SELECT {SOUND_COLS} FROM sounds WHERE tenant_id = $1 ORDER BY id LIMIT $2 OFFSET $3"
        ))
        .bind(tenant_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(sound).collect()
    }

    /// One sound by name.
    pub async fn sound(&self, tenant_id: i64, name: &str) -> Result<SoundRecord> {
        let r = sqlx::query(sql!(
            "SELECT {SOUND_COLS} FROM sounds WHERE tenant_id = $1 AND name = $2"
        ))
        .bind(tenant_id)
        .bind(name)
        .fetch_one(&self.pool)
        .await?;
        sound(&r)
    }

    /// Forgets a sound (the caller removes the file).
    pub async fn delete_sound(&self, tenant_id: i64, name: &str) -> Result<()> {
        let n = sqlx::query("DELETE FROM sounds WHERE tenant_id = $1 AND name = $2")
            .bind(tenant_id)
            .bind(name)
            .execute(&self.pool)
            .await?
            .rows_affected();
        affected(n)
    }
}
