//! The PostgreSQL backend, for production.

use super::migrate::{self, run_migrations};
use super::sql::sql_storage;
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

pub struct PgStorage {
    pool: PgPool,
    feed_tx: tokio::sync::watch::Sender<u64>,
}

impl PgStorage {
    /// Connects to `url` (`postgres://…`), applies pending migrations and
    /// runs the data steps they left.
    pub async fn connect(url: &str) -> DbResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        run_migrations!(&pool, migrate::POSTGRES)?;
        let storage = PgStorage {
            pool,
            feed_tx: tokio::sync::watch::Sender::new(0),
        };
        storage.run_data_steps().await?;
        Ok(storage)
    }
}

sql_storage!(
    PgStorage,
    sqlx::Postgres,
    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
);

/// Creates database `name` on the server of `admin_url` and returns its URL.
/// Used to give each test, or a new environment, a database of its own.
pub async fn create_database(admin_url: &str, name: &str) -> DbResult<String> {
    use sqlx::Connection;
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(DbError::Conflict(format!(
            "database name {name:?} must be lower-case letters, digits and _"
        )));
    }
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let server = base.rsplit_once('/').map(|(s, _)| s).unwrap_or(base);
    Ok(format!("{server}/{name}{query}"))
}
