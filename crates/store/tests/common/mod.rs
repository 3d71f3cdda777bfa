//! Fresh databases for the store's backend tests: a temporary SQLite file, or a new
//! PostgreSQL database on the local server (`SWITCHYARD_TEST_PG`, default
//! `postgres://postgres@127.0.0.1:5432`) dropped afterwards. A missing PostgreSQL fails
//! the test: it never skips.

use std::future::Future;
use switchyard_store::Store;

/// Runs `f` on a store over a new SQLite file.
pub(crate) async fn on_sqlite<F, Fut>(f: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/s.db", dir.path().display());
    f(Store::connect(&url).await.unwrap()).await;
}

/// Runs `f` on a store over a new PostgreSQL database named after `prefix`, then drops it.
pub(crate) async fn on_postgres<F, Fut>(prefix: &str, f: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    use sqlx::Executor;
    let base =
        std::env::var("SWITCHYARD_TEST_PG").unwrap_or("postgres://postgres@127.0.0.1:5432".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
        % 1_000_000_000;
    let db = format!("{prefix}_{}_{nanos}", std::process::id());
    let admin = sqlx::PgPool::connect(&format!("{base}/test"))
        .await
        .expect("local PostgreSQL must run");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .await
        .unwrap();
    f(Store::connect(&format!("{base}/{db}")).await.unwrap()).await;
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {db} WITH (FORCE)"
        )))
        .await
        .unwrap();
}
