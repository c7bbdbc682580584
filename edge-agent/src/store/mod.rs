//! The terminal's local SQLite database: catalog replica, stock ledger, sales and
//! the outbox.
//!
//! One connection is the single writer, behind a mutex; callers on the async side
//! go through [`LocalStore::call`], which runs the work on the blocking pool. The
//! database runs in WAL mode with `synchronous=FULL`, so a committed sale survives
//! power loss before the call returns. It holds staff PIN hashes and the
//! store's sales, so it and its WAL and shared-memory files are readable only
//! by the agent's user.

pub mod add_ons;
pub mod assortment;
pub mod audit;
pub mod catalog;
pub mod categories;
pub mod credit;
pub mod customers;
pub mod documents;
pub mod e_receipts;
mod escrow;
pub mod feed;
pub mod handhelds;
pub mod held_bills;
pub mod item_state;
pub mod labels;
pub mod loyalty;
pub mod orders;
pub mod outbox;
pub mod pick_progress;
pub mod pricing;
pub mod print_jobs;
pub mod receiving;
pub mod returns;
pub mod sales;
pub mod search_index;
pub mod shifts;
pub mod snapshot;
pub mod staff;
pub mod stock_takes;
pub mod stock_watch;
pub mod store_profile;
pub mod transfers;

pub use feed::AppliedPage;
pub use outbox::{OutboxCounts, PendingFact};

use rusqlite::{Connection, OptionalExtension};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("local database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("local data is corrupt: {0}")]
    Corrupt(String),
    #[error("the local database task failed: {0}")]
    Task(String),
    #[error("local document error: {0}")]
    Document(String),
    /// A fact larger than the hub takes: refused when it is made, so no fact
    /// can sit in the queue that could never be uploaded.
    #[error("the {kind} is {bytes} bytes, over the {limit}-byte limit of one fact")]
    FactTooLarge {
        kind: &'static str,
        bytes: usize,
        limit: usize,
    },
    #[error("cannot make the local database private to this user: {0}")]
    Private(std::io::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Schema versions, applied in order; the version lives in `PRAGMA user_version`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/edge/0001_init.sql"),
    include_str!("../../../migrations/edge/0002_documents.sql"),
    include_str!("../../../migrations/edge/0003_print_jobs.sql"),
    include_str!("../../../migrations/edge/0004_product_search.sql"),
    include_str!("../../../migrations/edge/0005_variant_tax.sql"),
    include_str!("../../../migrations/edge/0006_shifts.sql"),
    include_str!("../../../migrations/edge/0007_returns.sql"),
    include_str!("../../../migrations/edge/0008_staff.sql"),
    include_str!("../../../migrations/edge/0009_audit_log.sql"),
    include_str!("../../../migrations/edge/0010_variant_modifiers.sql"),
    include_str!("../../../migrations/edge/0011_store_sales.sql"),
    include_str!("../../../migrations/edge/0012_catalog_placement.sql"),
    include_str!("../../../migrations/edge/0013_price_windows.sql"),
    include_str!("../../../migrations/edge/0014_fact_identity_and_quarantine.sql"),
    include_str!("../../../migrations/edge/0015_variant_unit.sql"),
    include_str!("../../../migrations/edge/0016_print_queue.sql"),
    include_str!("../../../migrations/edge/0017_label_jobs.sql"),
    include_str!("../../../migrations/edge/0018_store_orders.sql"),
    include_str!("../../../migrations/edge/0019_handhelds.sql"),
    include_str!("../../../migrations/edge/0020_e_receipts.sql"),
    include_str!("../../../migrations/edge/0021_search_kept_by_writer.sql"),
    include_str!("../../../migrations/edge/0022_items_at_store.sql"),
    include_str!("../../../migrations/edge/0023_receiving.sql"),
    include_str!("../../../migrations/edge/0024_batch_dates.sql"),
    include_str!("../../../migrations/edge/0025_credit.sql"),
    include_str!("../../../migrations/edge/0026_transfers.sql"),
    include_str!("../../../migrations/edge/0027_customer_messages.sql"),
    include_str!("../../../migrations/edge/0028_loyalty.sql"),
    include_str!("../../../migrations/edge/0029_search_vocabulary.sql"),
    include_str!("../../../migrations/edge/0030_add_on_hints.sql"),
    include_str!("../../../migrations/edge/0031_acked_order.sql"),
];

#[derive(Clone)]
pub struct LocalStore {
    conn: Arc<Mutex<Connection>>,
}

impl LocalStore {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> StoreResult<Self> {
        make_private(path).map_err(StoreError::Private)?;
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        Ok(LocalStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `work` with the connection on the blocking pool.
    pub async fn call<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Runs `work` with the connection on the current thread (tests, benchmarks).
    pub fn with_conn<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut guard = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut guard)
    }
}

/// Makes the database file 0600 before SQLite opens it, creating it empty if
/// it is new (SQLite takes an empty file for an empty database). SQLite gives
/// the `-wal` and `-shm` files it creates the database file's mode, so they
/// are 0600 too; ones left by an agent from before this are restricted here.
fn make_private(path: &Path) -> std::io::Result<()> {
    crate::private_files::options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        crate::private_files::restrict(Path::new(&name))?;
    }
    Ok(())
}

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let current: usize =
        conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "applied edge migration");
    }
    Ok(())
}

/// Runs `work` with commits that do not wait for the disk
/// (`synchronous=NORMAL`), then puts `FULL` back whatever happens. Only for
/// work that is redone from a durable mark if it is lost: a snapshot's
/// batches (a lost batch is applied again, and the commit that finishes the
/// snapshot is `FULL`, which makes every earlier WAL frame durable with it)
/// and the search index's rebuild steps (the step and its mark go together).
/// A sale is never committed this way.
pub(crate) fn without_waiting_for_disk<T>(
    conn: &mut Connection,
    work: impl FnOnce(&mut Connection) -> StoreResult<T>,
) -> StoreResult<T> {
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let done = work(conn);
    conn.pragma_update(None, "synchronous", "FULL")?;
    done
}

pub(crate) fn get_meta(conn: &Connection, key: &str) -> StoreResult<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

/// This installation's random id, made on first use (sent with enrollment so a
/// lost answer can be asked for again).
pub fn install_id(conn: &Connection) -> StoreResult<uuid::Uuid> {
    if let Some(id) = get_meta(conn, "install_id")? {
        return id
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("install id {id:?} is not a UUID")));
    }
    let id = uuid::Uuid::now_v7();
    set_meta(conn, "install_id", &id.to_string())?;
    Ok(id)
}

/// Adds a movement to the local ledger unless its id is known; returns whether it was new.
pub(crate) fn apply_movement(
    conn: &Connection,
    movement: &pos_shared::sync::MovementRecord,
    origin: &str,
) -> StoreResult<bool> {
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO movements (id, variant_id, delta_milli, reason, sale_id, origin, occurred_at_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![
            movement.movement_id.to_string(),
            movement.variant_id.to_string(),
            movement.delta.milli(),
            movement.reason.as_str(),
            movement.sale_id.map(|s| s.to_string()),
            origin,
            movement.occurred_at.unix_millis(),
        ],
    )?;
    if inserted == 1 {
        add_stock(conn, movement.variant_id, movement.delta)?;
    }
    Ok(inserted == 1)
}

/// Adds `delta` to the replica's stock of `variant`, checked: SQLite would
/// quietly turn an overflowing sum into a float. Sales and returns made here
/// are bounded and so are the hub's positions, so only a corrupt feed or
/// snapshot can overflow it, and that is refused rather than stored wrong.
/// The item's stock as this till knows it now, its own sales included.
pub(crate) fn on_hand(
    conn: &Connection,
    variant: pos_shared::VariantId,
) -> StoreResult<pos_shared::Qty> {
    // Cached: a snapshot asks for 100,000 positions.
    let milli: Option<i64> = conn
        .prepare_cached("SELECT on_hand_milli FROM stock WHERE variant_id = ?1")?
        .query_row([variant.to_string()], |r| r.get(0))
        .optional()?;
    Ok(pos_shared::Qty::from_milli(milli.unwrap_or(0)))
}

pub(crate) fn add_stock(
    conn: &Connection,
    variant: pos_shared::VariantId,
    delta: pos_shared::Qty,
) -> StoreResult<()> {
    let id = variant.to_string();
    let was = on_hand(conn, variant)?;
    let now = was.checked_add(delta).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "stock of {variant}: {delta} on top of {was} is beyond any quantity"
        ))
    })?;
    conn.prepare_cached(
        "INSERT INTO stock (variant_id, on_hand_milli) VALUES (?1, ?2) \
         ON CONFLICT (variant_id) DO UPDATE SET on_hand_milli = excluded.on_hand_milli",
    )?
    .execute(rusqlite::params![id, now.milli()])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_database_left_readable_by_others_is_made_private() {
        let dir = tempfile::tempdir().unwrap();
        use std::os::unix::fs::PermissionsExt;
        let path = dir.path().join("edge.db");
        // An agent from before this left the database and, still open, its
        // WAL and shared-memory files readable by anyone.
        let old = Connection::open(&path).unwrap();
        old.pragma_update(None, "journal_mode", "WAL").unwrap();
        old.execute_batch("CREATE TABLE early (x INTEGER); INSERT INTO early VALUES (1);")
            .unwrap();
        let files = ["edge.db", "edge.db-wal", "edge.db-shm"].map(|f| dir.path().join(f));
        for file in &files {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let store = LocalStore::open(&path).unwrap();
        for file in &files {
            let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
            assert_eq!(format!("{mode:o}"), "600", "{}", file.display());
        }
        let kept: i64 = store
            .with_conn(|c| Ok(c.query_row("SELECT x FROM early", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(kept, 1, "nothing was lost");
        drop(old);
    }

    #[test]
    fn a_replica_from_before_units_takes_a_new_snapshot() {
        let mut conn = Connection::open_in_memory().unwrap();
        // The schema as it was before units, following the feed at 42.
        let before_units = MIGRATIONS
            .iter()
            .position(|m| m.contains("ALTER TABLE variants ADD COLUMN unit"))
            .unwrap();
        for sql in &MIGRATIONS[..before_units] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", before_units as i64)
            .unwrap();
        set_meta(&conn, feed::CURSOR_KEY, "42").unwrap();
        set_meta(&conn, "snapshot_applied_seq", "42").unwrap();
        assert!(!snapshot::needs_snapshot(&conn).unwrap());

        migrate(&mut conn).unwrap();
        assert!(snapshot::needs_snapshot(&conn).unwrap());
        assert_eq!(feed::cursor(&conn).unwrap(), 0);
        let unit: Option<String> = conn
            .query_row("SELECT unit FROM variants LIMIT 1", [], |r| r.get(0))
            .optional()
            .unwrap()
            .flatten();
        assert_eq!(unit, None, "the column is there, empty");
    }
}
