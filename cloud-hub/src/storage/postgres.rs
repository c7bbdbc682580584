//! The PostgreSQL backend, for production.
//!
//! Several hub processes may share one database: each listens on channel
//! `pos_feed` (notified at commit by the trigger of migration 0044 whenever a
//! tenant's feed moves) so a commit in any process wakes the long-polls,
//! event streams and senders of all of them.

use super::migrate::{self, run_migrations};
use super::sql::sql_storage;
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

pub struct PgStorage {
    pool: PgPool,
    feed_tx: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
    settled: crate::storage::MovementsSettled,
    /// Dropped with the storage, which ends its listener.
    _listening: tokio::sync::oneshot::Sender<()>,
}

impl PgStorage {
    /// Connects to `url` (`postgres://…`), applies pending migrations and
    /// runs the data steps they left.
    pub async fn connect(url: &str) -> DbResult<Self> {
        // No JIT compilation: the hub's statements are short, and a view
        // whose subqueries the planner prices per row (though a CASE runs
        // few of them) spent two seconds compiling to save a tenth of one.
        let options = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(url)?
            .options([("jit", "off")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        // Hub processes started together (a service manager bringing up
        // several) take turns: one migrates, the others find it done.
        let mut turn = pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock(hashtext('pos_hub_migrations'))")
            .execute(&mut *turn)
            .await?;
        let migrated = run_migrations!(&pool, migrate::POSTGRES);
        sqlx::query("SELECT pg_advisory_unlock(hashtext('pos_hub_migrations'))")
            .execute(&mut *turn)
            .await?;
        drop(turn);
        migrated?;
        crate::storage::sql::movement_alone::define(&pool).await?;
        let feed_tx = std::sync::Arc::new(tokio::sync::watch::Sender::new(0));
        let (listening, stop) = tokio::sync::oneshot::channel();
        tokio::spawn(hear_commits(pool.clone(), feed_tx.clone(), stop));
        let storage = PgStorage {
            pool,
            feed_tx,
            settled: Default::default(),
            _listening: listening,
        };
        storage.run_data_steps().await?;
        Ok(storage)
    }
}

/// Signals `feed` whenever any process commits a change to a feed, until
/// `stop` resolves. A lost connection is made again, and signalled once
/// more: notifications sent while it was down are gone.
async fn hear_commits(
    pool: PgPool,
    feed: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut stop => return,
            e = listen(&pool, &feed) => {
                tracing::warn!(error = %e, "listening for other hub processes' commits failed; trying again");
            }
        }
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// Listens on `pos_feed`, signalling `feed` once listening and at every
/// notification, until an error.
async fn listen(pool: &PgPool, feed: &tokio::sync::watch::Sender<u64>) -> sqlx::Error {
    let mut listener = match sqlx::postgres::PgListener::connect_with(pool).await {
        Ok(l) => l,
        Err(e) => return e,
    };
    if let Err(e) = listener.listen("pos_feed").await {
        return e;
    }
    loop {
        feed.send_modify(|g| *g = g.wrapping_add(1));
        // `Ok(None)`: the connection dropped and is made again on the next
        // call, but what was sent meanwhile is lost: signalled all the same.
        if let Err(e) = listener.try_recv().await {
            return e;
        }
    }
}

impl PgStorage {
    /// One row's parameters for a multi-row `VALUES`.
    fn param_row(offset: usize, n: usize) -> String {
        crate::storage::sql::param_row(offset, n)
    }
}

sql_storage!(
    PgStorage,
    sqlx::Postgres,
    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
    crate::storage::sql::SnapshotRows::Streamed,
    crate::storage::sql::Writers::SideBySide,
    // Well under the protocol's 65,535 parameters a statement.
    20_000
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
