//! Voicemail metadata: what the voice edge recorded (the WAV file lives under the data
//! directory; `file_name` is relative to `<data-dir>/voicemail`). Listed, played, marked
//! heard and deleted over REST and on the supervisor page.

use crate::{Page, Result, Store, affected, now_ms};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

/// One stored voicemail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Voicemail {
    /// Id (insertion order).
    pub id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// The queue the caller was in (or tried to reach).
    pub queue_id: Option<i64>,
    /// The voice interaction it came from.
    pub interaction_id: Option<i64>,
    /// The caller's number as presented.
    pub caller_id: String,
    /// The WAV file, relative to `<data-dir>/voicemail`.
    pub file_name: String,
    /// Length of the recording.
    pub duration_ms: i64,
    /// Size of the WAV file.
    pub size_bytes: i64,
    /// When the recording started, ms since the epoch.
    pub created_ms: i64,
    /// When someone marked it heard (`None`: new).
    pub heard_ms: Option<i64>,
}

/// A voicemail to store (its file is complete and renamed into place).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewVoicemail {
    /// Tenant.
    pub tenant_id: i64,
    /// Queue.
    pub queue_id: Option<i64>,
    /// Interaction.
    pub interaction_id: Option<i64>,
    /// Caller ID.
    pub caller_id: String,
    /// File, relative to `<data-dir>/voicemail`.
    pub file_name: String,
    /// Length.
    pub duration_ms: i64,
    /// Size.
    pub size_bytes: i64,
    /// When the recording started, ms since the epoch (0: now).
    pub created_ms: i64,
}

/// Which voicemails to list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VoicemailFilter {
    /// Only this queue's.
    pub queue_id: Option<i64>,
    /// Only heard (`true`) or only new (`false`) ones.
    pub heard: Option<bool>,
}

fn row(r: &AnyRow) -> Result<Voicemail> {
    Ok(Voicemail {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        queue_id: r.try_get("queue_id")?,
        interaction_id: r.try_get("interaction_id")?,
        caller_id: r.try_get("caller_id")?,
        file_name: r.try_get("file_name")?,
        duration_ms: r.try_get("duration_ms")?,
        size_bytes: r.try_get("size_bytes")?,
        created_ms: r.try_get("created_ms")?,
        heard_ms: r.try_get("heard_ms")?,
    })
}

const COLS: &str = "id, tenant_id, queue_id, interaction_id, caller_id, file_name, \
                    duration_ms, size_bytes, created_ms, heard_ms";

impl Store {
    /// Stores a voicemail's metadata and returns it.
    pub async fn insert_voicemail(&self, m: &NewVoicemail) -> Result<Voicemail> {
        let created = if m.created_ms > 0 {
            m.created_ms
        } else {
            now_ms()
        };
        let r = sqlx::query(sql!(
            "INSERT INTO voicemails (tenant_id, queue_id, interaction_id, caller_id, file_name, \
             duration_ms, size_bytes, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             RETURNING {COLS}"
        ))
        .bind(m.tenant_id)
        .bind(m.queue_id)
        .bind(m.interaction_id)
        .bind(&m.caller_id)
        .bind(&m.file_name)
        .bind(m.duration_ms)
        .bind(m.size_bytes)
        .bind(created)
        .fetch_one(&self.pool)
        .await?;
        row(&r)
    }

    /// A tenant's voicemails, newest first.
    pub async fn list_voicemails(
        &self,
        tenant_id: i64,
        f: VoicemailFilter,
        page: Page,
    ) -> Result<Vec<Voicemail>> {
        // -1 / NULL sentinels keep one statement for every filter combination.
        let heard: i64 = match f.heard {
            None => -1,
            Some(false) => 0,
            Some(true) => 1,
        };
        let rows = sqlx::query(sql!(
            "SELECT {COLS} FROM voicemails WHERE tenant_id = $1 \
             AND ($2 < 0 OR queue_id = $2) \
             AND ($3 < 0 OR ($3 = 0 AND heard_ms IS NULL) OR ($3 = 1 AND heard_ms IS NOT NULL)) \
             ORDER BY id DESC LIMIT $4 OFFSET $5"
        ))
        .bind(tenant_id)
        .bind(f.queue_id.unwrap_or(-1))
        .bind(heard)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row).collect()
    }

    /// One voicemail of the tenant.
    pub async fn voicemail(&self, tenant_id: i64, id: i64) -> Result<Voicemail> {
        let r = sqlx::query(sql!(
            "SELECT {COLS} FROM voicemails WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        row(&r)
    }

    /// Marks a voicemail heard (now) or new again.
    pub async fn mark_voicemail_heard(
        &self,
        tenant_id: i64,
        id: i64,
        heard: bool,
    ) -> Result<Voicemail> {
        let at: Option<i64> = heard.then(now_ms);
        let r = sqlx::query(sql!(
            "UPDATE voicemails SET heard_ms = $3 WHERE tenant_id = $1 AND id = $2 RETURNING {COLS}"
        ))
        .bind(tenant_id)
        .bind(id)
        .bind(at)
        .fetch_one(&self.pool)
        .await?;
        row(&r)
    }

    /// Forgets a voicemail (the caller removes the file).
    pub async fn delete_voicemail(&self, tenant_id: i64, id: i64) -> Result<()> {
        let n = sqlx::query("DELETE FROM voicemails WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        affected(n)
    }
}
