//! Offline messages: what a chat customer leaves when nobody can take the chat
//! (after hours, overflow to voicemail). Listed by agents and supervisors.

use crate::{Page, Result, Store, now_ms};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

/// One stored offline message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OfflineMessage {
    /// Id (insertion order).
    pub id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// The queue the customer tried to reach.
    pub queue_id: Option<i64>,
    /// The chat interaction it came from, if it had joined.
    pub interaction_id: Option<i64>,
    /// The customer's name.
    pub name: String,
    /// How to reach the customer (e-mail or phone), as typed.
    pub contact: String,
    /// The message.
    pub body: String,
    /// When it was left, ms since the epoch.
    pub created_ms: i64,
}

/// An offline message to store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewOfflineMessage {
    /// Tenant.
    pub tenant_id: i64,
    /// Queue.
    pub queue_id: Option<i64>,
    /// Interaction.
    pub interaction_id: Option<i64>,
    /// Name.
    pub name: String,
    /// Contact.
    pub contact: String,
    /// Message.
    pub body: String,
}

fn row(r: &AnyRow) -> Result<OfflineMessage> {
    Ok(OfflineMessage {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        queue_id: r.try_get("queue_id")?,
        interaction_id: r.try_get("interaction_id")?,
        name: r.try_get("name")?,
        contact: r.try_get("contact")?,
        body: r.try_get("body")?,
        created_ms: r.try_get("created_ms")?,
    })
}

const COLS: &str = "id, tenant_id, queue_id, interaction_id, name, contact, body, created_ms";

impl Store {
    /// Stores an offline message and returns it.
    pub async fn insert_offline_message(&self, m: &NewOfflineMessage) -> Result<OfflineMessage> {
        let r = sqlx::query(sql!(
            "INSERT INTO offline_messages (tenant_id, queue_id, interaction_id, name, contact, body, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLS}"
        ))
        .bind(m.tenant_id)
        .bind(m.queue_id)
        .bind(m.interaction_id)
        .bind(&m.name)
        .bind(&m.contact)
        .bind(&m.body)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        row(&r)
    }

    /// A tenant's offline messages, newest first.
    pub async fn list_offline_messages(
        &self,
        tenant_id: i64,
        page: Page,
    ) -> Result<Vec<OfflineMessage>> {
        let rows = sqlx::query(sql!(
            "SELECT {COLS} FROM offline_messages WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(tenant_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row).collect()
    }
}
