//! Switchyard's configuration and event history.
//!
//! One [`Store`] over sqlx's `Any` driver speaks to either an embedded SQLite file
//! (`sqlite:///path/switchyard.db`) or PostgreSQL (`postgres://…`). The schema lives in
//! `migrations/sqlite` and `migrations/postgres` (same tables, dialect spellings only).
//! Queries are runtime-checked and use `$n` placeholders, which both backends accept,
//! so the code path is the same for both. Runtime queue state is not stored here: it
//! lives in the router's memory.
//!
//! The store holds no business rules: it checks uniqueness and references, nothing else.

// Queries built from constant column lists only (never from user input): safe to
// assert as such for sqlx's injection guard.
macro_rules! sql {
    ($($t:tt)*) => { sqlx::AssertSqlSafe(format!($($t)*)) };
}

mod agents;
mod error;
mod events;
mod model;
mod offline;
mod queues;
mod secret;
mod tenant_security;
mod tenants;
mod voicemail;

pub use error::{Error, Result};
pub use model::*;
pub use offline::{NewOfflineMessage, OfflineMessage};
pub use secret::{
    MIN_PASSWORD_LEN, PasswordCheck, check_password_policy, hash_password, hash_token, new_token,
    sip_ha1, verify_password,
};
pub use voicemail::{NewVoicemail, Voicemail, VoicemailFilter};

use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use std::time::{SystemTime, UNIX_EPOCH};

/// Which database a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A handle on the configuration and history database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    sip_realm: std::sync::Arc<str>,
}

/// The SIP digest realm a store hashes passwords for unless told otherwise.
pub const DEFAULT_SIP_REALM: &str = "switchyard";

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

impl Store {
    /// Connects to `url` (`sqlite:…` creates the file if missing; `postgres://…`).
    pub async fn connect(url: &str) -> Result<Store> {
        install_default_drivers();
        let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let sep = if rest.contains('?') { '&' } else { '?' };
            let url = if rest.contains("mode=") {
                url.to_string()
            } else {
                format!("{url}{sep}mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(Error::UnsupportedUrl);
        };
        let max = match backend {
            // One writer at a time anyway; a few readers.
            Backend::Sqlite => 4,
            Backend::Postgres => 10,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            // A ping before every query is a round trip to SQLite's worker thread for a
            // file that cannot go away; PostgreSQL connections can, so they keep it.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        use sqlx::Executor;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        // With WAL, NORMAL syncs at checkpoints rather than every commit:
                        // a killed process loses nothing; a power cut can lose the last
                        // commits (SQLite's recommended setting for WAL).
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        if backend == Backend::Sqlite {
            // WAL: readers do not block the event writer; persists in the file.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        Ok(Store {
            pool,
            backend,
            sip_realm: DEFAULT_SIP_REALM.into(),
        })
    }

    /// The same store hashing SIP passwords for `realm` (part of every HA1: changing it
    /// means setting every SIP password again).
    pub fn with_sip_realm(mut self, realm: &str) -> Store {
        self.sip_realm = realm.into();
        self
    }

    /// The connection pool, for tests that inspect raw rows (what is really stored).
    #[doc(hidden)]
    pub fn raw_pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The SIP digest realm HA1 values are computed for.
    pub fn sip_realm(&self) -> &str {
        &self.sip_realm
    }

    /// Applies pending migrations, then replaces any clear SIP password (left by a
    /// version before HA1 storage) by its HA1 for this store's realm and erases it.
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        let n = self.hash_clear_sip_passwords().await?;
        if n > 0 {
            tracing::info!(
                accounts = n,
                realm = %self.sip_realm,
                "clear SIP passwords replaced by their HA1 and erased"
            );
        }
        let other = self.sip_accounts_in_other_realms().await?;
        if other > 0 {
            tracing::warn!(
                accounts = other,
                realm = %self.sip_realm,
                "SIP accounts hashed for another realm cannot register: set their passwords again"
            );
        }
        Ok(())
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks the database answers (readiness probe).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection, waiting for running queries.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Whether the store holds no tenant yet (a fresh install).
    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tenants")
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 0)
    }
}

/// Wall-clock milliseconds, for creation stamps (the store is an I/O edge).
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Maps "no row changed" to [`Error::NotFound`].
pub(crate) fn affected(n: u64) -> Result<()> {
    if n == 0 { Err(Error::NotFound) } else { Ok(()) }
}
