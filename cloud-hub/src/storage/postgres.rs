//! The PostgreSQL backend, for production.

use super::migrate::{self, run_migrations};
use super::sql::sql_storage;
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

pub struct PgStorage {
    pool: PgPool,
}

impl PgStorage {
    /// Connects to `url` (`postgres://…`) and applies pending migrations.
    pub async fn connect(url: &str) -> DbResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        run_migrations!(&pool, migrate::POSTGRES)?;
        Ok(PgStorage { pool })
    }
}

sql_storage!(PgStorage, sqlx::Postgres);
