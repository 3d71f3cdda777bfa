//! The store's error type, split by who is at fault.

/// Result with the store's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong talking to the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The row asked for does not exist (or belongs to another tenant).
    #[error("not found")]
    NotFound,
    /// A unique constraint was hit (a name or number already taken). Holds the
    /// offending column (`name`, `sip_username`, `chat_login`, `numbers`…), never the
    /// database's message.
    #[error("already exists: {0}")]
    Conflict(String),
    /// A reference points at a row that does not exist. Holds the referencing column
    /// when the database names it (`reference` otherwise), never the database's message.
    #[error("invalid reference: {0}")]
    InvalidReference(String),
    /// The database URL is not one we support.
    #[error("unsupported database URL (expected sqlite:… or postgres://…)")]
    UnsupportedUrl,
    /// The database is unreachable or failed (an outage: retry later).
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A JSON column could not be read back (a bug or a hand-edited row).
    #[error("corrupt JSON column {column}: {source}")]
    Corrupt {
        /// Which column.
        column: &'static str,
        /// The decode error.
        #[source]
        source: serde_json::Error,
    },
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Error::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                tracing::debug!(error = %db.message(), "unique violation");
                Error::Conflict(column_of(db.as_ref(), "name"))
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                tracing::debug!(error = %db.message(), "foreign key violation");
                Error::InvalidReference(column_of(db.as_ref(), "reference"))
            }
            _ => Error::Database(e),
        }
    }
}

/// The column a constraint violation is about, from PostgreSQL's constraint name
/// (`agents_sip_username_key`, `memberships_agent_id_fkey`) or SQLite's message
/// (`UNIQUE constraint failed: agents.tenant_id, agents.name`); `fallback` when neither
/// names one we know. Only known column names come out, so nothing of the database's
/// own text reaches a caller.
fn column_of(db: &dyn sqlx::error::DatabaseError, fallback: &str) -> String {
    const KNOWN: &[&str] = &[
        "name",
        "sip_username",
        "chat_login",
        "number",
        "token_sha256",
        "agent_id",
        "queue_id",
        "skill_id",
        "schedule_id",
        "tenant_id",
    ];
    let from_pg = db.constraint().and_then(|c| {
        let c = c
            .strip_suffix("_key")
            .or_else(|| c.strip_suffix("_fkey"))
            .or_else(|| c.strip_suffix("_pkey"))
            .unwrap_or(c);
        // The longest match: `agents_sip_username` ends with `name` too.
        KNOWN
            .iter()
            .filter(|k| c.ends_with(*k))
            .max_by_key(|k| k.len())
            .copied()
    });
    let from_sqlite = || {
        let m = db.message();
        let cols = m.split_once("failed: ")?.1;
        let last = cols.rsplit(',').next()?.trim();
        let col = last.rsplit('.').next()?;
        KNOWN.iter().find(|k| **k == col).copied()
    };
    let col = from_pg.or_else(from_sqlite).unwrap_or(fallback);
    match col {
        "number" => "numbers",
        "token_sha256" => "token",
        c => c,
    }
    .to_string()
}

/// Decodes a JSON column.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    column: &'static str,
    s: &str,
) -> Result<T> {
    serde_json::from_str(s).map_err(|source| Error::Corrupt { column, source })
}

/// Encodes a JSON column (our own types always serialize).
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}
