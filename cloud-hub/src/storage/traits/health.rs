//! Whether the database answers, and how its connection pool is used: what
//! the readiness probe and the metrics read; SQL in `sql/health.rs`.

use crate::storage::DbResult;

/// The connection pool at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    /// Connections open, idle or lent out.
    pub open: u32,
    /// Open connections no request holds.
    pub idle: u32,
    /// The most the pool will open.
    pub max: u32,
}

/// How HQ's new single stock movements were recorded since the storage
/// opened (replays and refusals are not counted): in one call on their own
/// (PostgreSQL, `sql/movement_alone.rs`), or in a transaction (SQLite
/// always; PostgreSQL when the item's standing moved between the read and
/// the locks, or its stock is batch-tracked). Many recorded in transactions
/// on PostgreSQL means writers contend for the same items.
#[derive(Debug, Default)]
pub struct MovementsSettled {
    pub alone: std::sync::atomic::AtomicU64,
    pub in_transaction: std::sync::atomic::AtomicU64,
}

#[async_trait::async_trait]
pub trait HealthStorage: Send + Sync {
    /// A round trip to the database (a connection taken from the pool and a
    /// read of a table), so readiness means requests can be served.
    async fn ping(&self) -> DbResult<()>;
    /// The pool's connections now.
    fn pool_use(&self) -> PoolUse;
    /// HQ's single movements so far: (settled alone, in a transaction).
    fn movements_settled(&self) -> (u64, u64);
}
