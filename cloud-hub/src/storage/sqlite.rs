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
    settled: crate::storage::MovementsSettled,
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
            settled: Default::default(),
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

/// A chunk of a tenant's variants after a SKU, as one JSON array of
/// [`crate::storage::sql::PackedVariant`]s (ids as hex). By SKU, because its
/// index is the tenant's variants in order: by id each chunk sorted them all.
const PACKED_VARIANTS: &str = "SELECT json_group_array(json_array(hex(v.id), hex(v.product_id), v.name, v.sku, v.gtin, \
     v.price_minor, v.currency, v.tax_rate_bp, v.tax_inclusive, v.hsn, v.modifiers, b.name, hex(v.category_id), \
     v.synonyms, v.extra_barcodes, v.quick_key, v.details)) \
     FROM (SELECT * FROM variants WHERE tenant_id = $1 AND deleted_at_ms IS NULL AND sku > $2 ORDER BY sku LIMIT $3) v \
     LEFT JOIN brands b ON b.id = v.brand_id";

/// A chunk of a store's positions after a variant id, less what the
/// terminal moved itself, as one JSON array of `[variant id (hex), on hand (milli)]`.
const PACKED_POSITIONS: &str = "SELECT json_group_array(json_array(hex(variant_id), on_hand)) FROM ( \
     SELECT p.variant_id, p.on_hand_milli - COALESCE((SELECT SUM(m.delta_milli) FROM stock_movements m \
       WHERE m.tenant_id = p.tenant_id AND m.store_id = p.store_id AND m.terminal_id = $3 AND m.variant_id = p.variant_id), 0) AS on_hand \
     FROM stock_positions p WHERE p.tenant_id = $1 AND p.store_id = $2 AND p.variant_id > $4 ORDER BY p.variant_id LIMIT $5)";

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
    crate::storage::sql::SnapshotRows::Packed {
        variants: PACKED_VARIANTS,
        positions: PACKED_POSITIONS,
    },
    crate::storage::sql::Writers::OneAtATime,
    1_000
);
