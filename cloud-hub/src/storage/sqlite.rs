//! The embedded SQLite backend: the default when no database URL is given.
//!
//! SQLite allows one writer at a time, so the pool holds a single connection and
//! requests take turns; WAL and `synchronous=FULL` make each commit durable.

use super::migrate::{self, run_migrations};
use super::sql::sql_storage;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStorage {
    pool: SqlitePool,
    feed_tx: tokio::sync::watch::Sender<u64>,
}

impl SqliteStorage {
    /// Opens (creating if missing) and migrates the database at `url`
    /// (`sqlite://path`), and runs the data steps the migrations left.
    pub async fn connect(url: &str) -> DbResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        run_migrations!(&pool, migrate::SQLITE)?;
        let storage = SqliteStorage {
            pool,
            feed_tx: tokio::sync::watch::Sender::new(0),
        };
        storage.run_data_steps().await?;
        Ok(storage)
    }
}

// One connection, in a transaction: reads are consistent already. 250
// parameters a statement: sqlx binds each by asking SQLite its name, which
// SQLite finds by walking the statement's list of names, so binding n
// parameters takes n²/2 steps (at 12,000 a third of a backlog's upload),
// while each statement costs a trip to the connection's thread; the upload
// benchmarks ran fastest near 250.
sql_storage!(
    SqliteStorage,
    sqlx::Sqlite,
    "SELECT 1",
    crate::storage::sql::Writers::OneAtATime,
    250
);
