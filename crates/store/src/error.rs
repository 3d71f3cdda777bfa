//! The store's error type, split by who is at fault.

/// Result with the store's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong talking to the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The row asked for does not exist (or belongs to another tenant).
    #[error("not found")]
    NotFound,
    /// A unique constraint was hit (a name or number already taken).
    #[error("already exists: {0}")]
    Conflict(String),
    /// A reference points at a row that does not exist.
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
                Error::Conflict(db.message().to_string())
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                Error::InvalidReference(db.message().to_string())
            }
            _ => Error::Database(e),
        }
    }
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
