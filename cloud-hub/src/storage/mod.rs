//! The hub's storage: the database code only (the rules and records it takes
//! and gives are `crate::domain`'s).
//!
//! The interface is one async trait per concept (`traits/`: catalog, prices,
//! ledger, stores, reservations, access, feed, facts, …); [`Storage`] is their
//! union and [`DynStorage`] what the HTTP layer and the background tasks hold
//! (`use crate::storage::prelude::*` brings every trait's methods into scope).
//! `sqlite` (the embedded default) and `postgres` (production) implement every
//! trait. Both run the same SQL text (`sql/`, one file per concept, each
//! implementing its trait), written to the common subset of the two dialects
//! and expanded per backend by the `sql_storage!` macro, while each backend owns
//! its connection setup and its migrations (`migrate.rs`). Every method takes
//! the caller's tenant and filters on it; there is no unscoped read.
//!
//! Every change a terminal must see (catalog, price, stock) is appended to the
//! tenant's change feed in the same transaction that makes it.

mod migrate;
pub mod postgres;
mod sql;
mod sqlite;
mod traits;

pub use postgres::PgStorage;
pub use sqlite::SqliteStorage;

use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The named thing does not exist for this tenant.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The named thing was deleted: it is kept for the records but takes
    /// nothing new.
    #[error("{0} was deleted")]
    Deleted(&'static str),
    /// A uniqueness rule was broken; the string names the rule.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error(transparent)]
    Other(#[from] sqlx::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The feed no longer holds changes after this cursor: bootstrap again.
    #[error("changes after {since} have been pruned (the feed starts after {floor}); take a new snapshot")]
    CursorExpired { since: u64, floor: u64 },
    /// The cursor is past every change this hub has: its database is older
    /// than what the terminal applied (restored from a copy). Bootstrap again.
    #[error("the feed ends at {head}, before {since}: this hub's data is older than the till's (restored from an earlier copy?); take a new snapshot")]
    CursorAhead { since: u64, head: u64 },
    /// The change at the cursor is not the one the terminal applied: this
    /// database was restored from an older copy and has given that number to
    /// another change since. Bootstrap again.
    #[error("the change at {since} is not the one this till applied: this hub's data is not the history the till followed (restored from an earlier copy?); take a new snapshot")]
    FeedDiverged { since: u64 },
    /// An event reader's place is not in the history it read: this
    /// database was restored from an older copy (its events end before the
    /// place, or the event there bears another mark). `resume_after` is the
    /// last event from before what the reader read, when its mark tells.
    #[error("{detail}")]
    EventsDiverged {
        field: &'static str,
        detail: String,
        resume_after: Option<u64>,
    },
    /// The caller's input cannot be applied; the string says why.
    #[error("{0}")]
    Invalid(String),
    /// One field of the caller's input cannot be applied.
    #[error("{field}: {detail}")]
    InvalidField { field: &'static str, detail: String },
    /// The record is not in a state that allows the change; the detail says which.
    #[error("{field}: {detail}")]
    State { field: &'static str, detail: String },
    /// Item `index` of a bulk request was refused (and so was the request).
    #[error("item {index}: {error}")]
    AtItem { index: usize, error: Box<DbError> },
}

impl DbError {
    /// Maps a unique violation to [`DbError::Conflict`] with the constraint's name.
    pub(crate) fn from_sqlx(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                let rule = db
                    .constraint()
                    .map(str::to_owned)
                    .unwrap_or_else(|| db.message().to_owned());
                return DbError::Conflict(rule);
            }
        }
        DbError::Other(err)
    }
}

pub type DbResult<T> = Result<T, DbError>;

pub use traits::*;

/// Every storage trait, to bring their methods into scope wherever a
/// [`DynStorage`] or a backend is used: `use crate::storage::prelude::*`.
pub mod prelude {
    pub use super::traits::*;
}

pub type DynStorage = Arc<dyn Storage>;

/// Opens the backend a database URL names: `postgres://…` or `sqlite://…`.
pub async fn connect(url: &str) -> DbResult<DynStorage> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStorage::connect(url).await?))
    } else {
        Ok(Arc::new(SqliteStorage::connect(url).await?))
    }
}
