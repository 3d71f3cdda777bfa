//! Where waiting records live: memory (embedded) or Redis (production).

use crate::{Error, Result, WaitingRecord};
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use switchyard_core::{InteractionId, QueueId, TenantId};

/// The runtime store.
#[derive(Clone)]
pub enum RuntimeStore {
    /// In this process only (embedded mode).
    Memory(Arc<Mutex<BTreeMap<InteractionId, WaitingRecord>>>),
    /// Redis: `{prefix}:q:{tenant}:{queue}` sorted sets (score: arrival ms; member: id),
    /// `{prefix}:i:{id}` JSON records, `{prefix}:queues` the set of sorted-set keys.
    Redis {
        /// The connection (reconnects by itself).
        conn: ConnectionManager,
        /// Key prefix, so several deployments (or tests) can share one Redis.
        prefix: String,
    },
}

impl std::fmt::Debug for RuntimeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuntimeStore::Memory(m) => write!(
                f,
                "RuntimeStore::Memory({} waiting)",
                m.lock().map(|m| m.len()).unwrap_or(0)
            ),
            RuntimeStore::Redis { prefix, .. } => write!(f, "RuntimeStore::Redis({prefix})"),
        }
    }
}

impl RuntimeStore {
    /// An in-memory store.
    pub fn memory() -> RuntimeStore {
        RuntimeStore::Memory(Arc::default())
    }

    /// Connects to Redis at `url` (e.g. `redis://127.0.0.1:6379`), keys under `prefix`.
    pub async fn redis(url: &str, prefix: &str) -> Result<RuntimeStore> {
        if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
            return Err(Error::Url(url.to_string()));
        }
        let client = redis::Client::open(url)?;
        let conn = ConnectionManager::new(client).await?;
        Ok(RuntimeStore::Redis {
            conn,
            prefix: prefix.to_string(),
        })
    }

    fn queue_key(prefix: &str, tenant: TenantId, queue: QueueId) -> String {
        format!("{prefix}:q:{}:{}", tenant.0, queue.0)
    }

    fn record_key(prefix: &str, id: InteractionId) -> String {
        format!("{prefix}:i:{}", id.0)
    }

    /// Stores (or updates: a move, a priority change) a waiting interaction.
    pub async fn put(&self, rec: &WaitingRecord) -> Result<()> {
        match self {
            RuntimeStore::Memory(m) => {
                m.lock().expect("runtime map").insert(rec.id, rec.clone());
                Ok(())
            }
            RuntimeStore::Redis { conn, prefix } => {
                let mut c = conn.clone();
                let rkey = Self::record_key(prefix, rec.id);
                // A move leaves the old queue's set: find it from the stored record.
                let old: Option<String> = c.get(&rkey).await?;
                let old_qkey = old
                    .and_then(|j| serde_json::from_str::<WaitingRecord>(&j).ok())
                    .map(|o| Self::queue_key(prefix, o.tenant, o.queue));
                let qkey = Self::queue_key(prefix, rec.tenant, rec.queue);
                let json = serde_json::to_string(rec).expect("records serialise");
                let mut pipe = redis::pipe();
                pipe.atomic();
                if let Some(old) = old_qkey.filter(|k| *k != qkey) {
                    pipe.zrem(old, rec.id.0).ignore();
                }
                pipe.set(&rkey, json).ignore();
                pipe.zadd(&qkey, rec.id.0, rec.arrived.as_millis() as f64)
                    .ignore();
                pipe.sadd(format!("{prefix}:queues"), &qkey).ignore();
                pipe.query_async::<()>(&mut c).await?;
                Ok(())
            }
        }
    }

    /// Forgets an interaction that left the line.
    pub async fn remove(&self, id: InteractionId) -> Result<()> {
        match self {
            RuntimeStore::Memory(m) => {
                m.lock().expect("runtime map").remove(&id);
                Ok(())
            }
            RuntimeStore::Redis { conn, prefix } => {
                let mut c = conn.clone();
                let rkey = Self::record_key(prefix, id);
                let old: Option<String> = c.get(&rkey).await?;
                let Some(old) = old else { return Ok(()) };
                let mut pipe = redis::pipe();
                pipe.atomic();
                if let Ok(o) = serde_json::from_str::<WaitingRecord>(&old) {
                    pipe.zrem(Self::queue_key(prefix, o.tenant, o.queue), id.0)
                        .ignore();
                }
                pipe.del(&rkey).ignore();
                pipe.query_async::<()>(&mut c).await?;
                Ok(())
            }
        }
    }

    /// Everyone waiting, in order of arrival (per queue), skipping corrupt records.
    pub async fn all(&self) -> Result<Vec<WaitingRecord>> {
        match self {
            RuntimeStore::Memory(m) => {
                let mut v: Vec<_> = m.lock().expect("runtime map").values().cloned().collect();
                v.sort_by_key(|r| (r.arrived, r.id));
                Ok(v)
            }
            RuntimeStore::Redis { conn, prefix } => {
                let mut c = conn.clone();
                let queues: Vec<String> = c.smembers(format!("{prefix}:queues")).await?;
                let mut out = Vec::new();
                for q in queues {
                    let ids: Vec<u64> = c.zrange(&q, 0, -1).await?;
                    for id in ids {
                        let key = Self::record_key(prefix, InteractionId(id));
                        let json: Option<String> = c.get(&key).await?;
                        match json.map(|j| serde_json::from_str::<WaitingRecord>(&j)) {
                            Some(Ok(r)) => out.push(r),
                            Some(Err(source)) => {
                                tracing::warn!(error = %Error::Corrupt { key, source }, "skipping runtime record");
                            }
                            None => {} // removed between the two reads
                        }
                    }
                }
                out.sort_by_key(|r| (r.arrived, r.id));
                Ok(out)
            }
        }
    }
}
