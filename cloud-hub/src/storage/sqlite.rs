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

impl SqliteStorage {
    /// One row's parameters for a multi-row `VALUES` whose parameters are
    /// all such rows, in order: anonymous (`?`), which sqlx binds by
    /// position without asking SQLite their names.
    fn param_row(_offset: usize, n: usize) -> String {
        format!("({})", vec!["?"; n].join(", "))
    }
}

// One connection, in a transaction: reads are consistent already. A
// thousand parameters a statement: sqlx binds a numbered parameter by asking
// SQLite its name, which SQLite finds by walking the statement's list of
// names, so binding n numbered parameters takes n²/2 steps (at 12,000 a third
// of a backlog's upload). Multi-row inserts use anonymous ones
// (`param_row`), which cost nothing of the kind; the rest stay short. The
// upload benchmarks ran fastest near a thousand (against 250 and 4,000).
sql_storage!(
    SqliteStorage,
    sqlx::Sqlite,
    "SELECT 1",
    crate::storage::sql::Writers::OneAtATime,
    1_000
);
