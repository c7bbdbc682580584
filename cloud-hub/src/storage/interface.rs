//! The storage interface the HTTP layer and the background tasks use: one
//! trait, implemented for PostgreSQL and for SQLite by `sql_storage!`.

use super::quarantine::QuarantineStorage;
use super::traits::*;
use super::DbResult;
use crate::domain::events;
use crate::domain::ledger::*;
use crate::domain::stores::*;
use crate::domain::sync::*;
use async_trait::async_trait;
use pos_shared::shift::ShiftReport;
use pos_shared::sync::{DocPurpose, Fact, FeedPage};
use pos_shared::{Envelope, StoreId, TenantId};

#[async_trait]
pub trait Storage:
    QuarantineStorage
    + TenantStorage
    + UserStorage
    + StaffStorage
    + TerminalStorage
    + CatalogStorage
    + VariantStorage
    + PriceStorage
    + StoreStorage
    + LedgerStorage
    + TransferStorage
    + ReservationStorage
    + BatchStorage
    + BinStorage
    + Send
    + Sync
    + 'static
{
    /// Changes after every commit that appended to any tenant's change feed, so
    /// long-polling terminals wake at once instead of polling.
    ///
    /// In-process only: several hub processes on one PostgreSQL would need
    /// `LISTEN/NOTIFY` to wake each other.
    fn watch_feed(&self) -> tokio::sync::watch::Receiver<u64>;

    /// The tenant's events after a point of its event sequence, in order.
    async fn events(
        &self,
        tenant: TenantId,
        query: &events::EventQuery,
    ) -> DbResult<events::EventPage>;

    /// Runs `step` on a store document and the device's sync state under the
    /// tenant lock and stores the outcome in the same transaction; a changed
    /// document is announced in the store's feed.
    async fn exchange_document(
        &self,
        device: &DeviceIdentity,
        purpose: DocPurpose,
        step: DocStep,
    ) -> DbResult<Option<Vec<u8>>>;
    /// A store document as saved (Automerge format), if any terminal has written it.
    async fn document(
        &self,
        tenant: TenantId,
        store: StoreId,
        purpose: DocPurpose,
    ) -> DbResult<Option<Vec<u8>>>;

    /// The device's store at the current head, read in one consistent snapshot.
    async fn store_snapshot(&self, device: &DeviceIdentity) -> DbResult<StoreSnapshot>;
    /// Drops each tenant's feed changes beyond the newest `keep`, raising its floor.
    /// Returns how many changes were dropped.
    async fn prune_feed(&self, keep: u64) -> DbResult<u64>;

    /// Changes after `since` for one store (its own and tenant-wide ones), in order.
    async fn feed(
        &self,
        tenant: TenantId,
        store: StoreId,
        since: u64,
        limit: u32,
    ) -> DbResult<FeedPage>;

    /// Stores validated facts (each with its raw envelope) and their
    /// movements, in commits of bounded work, each fact in a savepoint of its
    /// own so a refused one leaves no trace; idempotent by id. One outcome per
    /// fact stored, in order: for a prefix of `facts` when the upload ran out
    /// of time (the rest are for the till to send again).
    async fn accept_facts(
        &self,
        device: &DeviceIdentity,
        facts: &[(Envelope<Fact>, String)],
    ) -> DbResult<Vec<FactStored>>;
    /// The store's till audit entries in the order they reached the hub.
    async fn audit_log(
        &self,
        tenant: TenantId,
        store: StoreId,
        page: RecordedPage,
    ) -> DbResult<Recorded<pos_shared::audit::AuditEntry>>;
    /// The Z reports of a store's closed shifts in the order they reached the hub.
    async fn shift_closes(
        &self,
        tenant: TenantId,
        store: StoreId,
        page: RecordedPage,
    ) -> DbResult<Recorded<ShiftReport>>;
    async fn sales(
        &self,
        tenant: TenantId,
        store: StoreId,
        page: RecordedPage,
    ) -> DbResult<Recorded<SaleSummary>>;
}
