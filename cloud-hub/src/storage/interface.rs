//! The storage interface the HTTP layer and the background tasks use: one
//! trait, implemented for PostgreSQL and for SQLite by `sql_storage!`.

use super::quarantine::QuarantineStorage;
use super::traits::*;
use super::DbResult;
use crate::domain::ledger::*;
use crate::domain::stores::*;
use crate::domain::sync::*;
use crate::domain::{batches, bins, events, hours, orderability, reservations, transfers};
use async_trait::async_trait;
use pos_shared::shift::ShiftReport;
use pos_shared::sync::{DocPurpose, Fact, FeedPage, MovementRecord};
use pos_shared::{Envelope, Qty, StoreId, TenantId, Timestamp, VariantId};

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

    async fn create_store(&self, tenant: TenantId, store: &NewStore) -> DbResult<Store>;
    async fn store(&self, tenant: TenantId, store: StoreId) -> DbResult<Store>;
    /// Every store of the tenant, by code.
    async fn stores(&self, tenant: TenantId) -> DbResult<Vec<Store>>;

    /// Records one ledger movement made by HQ; idempotent by movement id.
    async fn record_movement(
        &self,
        tenant: TenantId,
        movement: &MovementRecord,
    ) -> DbResult<MovementOutcome>;
    /// Records movements at one store at once, all or none.
    async fn record_movements(
        &self,
        tenant: TenantId,
        store: StoreId,
        movements: &[MovementRecord],
    ) -> DbResult<Vec<MovementOutcome>>;
    /// Every variant's position at `store`: on hand, reserved, available, and
    /// whether it is orderable now, with every reason when not.
    async fn inventory(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<Position>>;

    /// Holds stock for an order against on hand less what other orders hold;
    /// idempotent by reservation id.
    async fn reserve(
        &self,
        tenant: TenantId,
        new: &reservations::NewReservation,
    ) -> DbResult<reservations::ReservationOutcome>;
    async fn reservation(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
    ) -> DbResult<reservations::Reservation>;
    /// Releases or commits a held reservation (commit writes the sale
    /// movement); settling it the same way again changes nothing.
    async fn settle_reservation(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        how: reservations::Settlement,
    ) -> DbResult<reservations::Reservation>;
    /// Marks every held reservation past its expiry as expired; returns how many.
    async fn expire_reservations(&self, now: Timestamp) -> DbResult<u64>;

    /// The tenant's events after a point of its event sequence, in order.
    async fn events(
        &self,
        tenant: TenantId,
        query: &events::EventQuery,
    ) -> DbResult<events::EventPage>;

    async fn set_store_status(
        &self,
        tenant: TenantId,
        store: StoreId,
        status: orderability::StoreStatus,
    ) -> DbResult<Store>;
    /// Puts an item's stock at a store on hold with a reason, or releases it
    /// (`None`); whether anything changed.
    async fn set_blocked(
        &self,
        tenant: TenantId,
        store: StoreId,
        variant: VariantId,
        reason: Option<&str>,
    ) -> DbResult<bool>;
    /// Adds a bin to a store or moves it to another zone.
    async fn set_bin(
        &self,
        tenant: TenantId,
        store: StoreId,
        code: &str,
        zone: &str,
    ) -> DbResult<bins::Bin>;
    /// Removes an empty bin ([`DbError::State`] while items are slotted in it).
    async fn remove_bin(&self, tenant: TenantId, store: StoreId, code: &str) -> DbResult<()>;
    async fn bins(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<bins::Bin>>;
    /// Slots an item in one of the store's bins, or (`None`) in none.
    async fn slot(
        &self,
        tenant: TenantId,
        store: StoreId,
        variant: VariantId,
        bin: Option<&str>,
    ) -> DbResult<()>;
    /// Sets (or with `None` clears) a store's opening hours.
    async fn set_hours(
        &self,
        tenant: TenantId,
        store: StoreId,
        hours: Option<&hours::OpeningHours>,
    ) -> DbResult<Store>;
    /// Stops or restarts orders for an item at every store; whether anything changed.
    async fn set_disabled(
        &self,
        tenant: TenantId,
        variant: VariantId,
        disabled: bool,
    ) -> DbResult<bool>;
    /// Puts a variant in a store's assortment, or takes it out.
    async fn set_listed(
        &self,
        tenant: TenantId,
        store: StoreId,
        variant: VariantId,
        listed: bool,
    ) -> DbResult<()>;
    /// The store's status and, per variant, assortment, effective price on
    /// `channel` at `at`, stock and orderability: one query, no per-item calls.
    async fn catalog_view(
        &self,
        tenant: TenantId,
        store: StoreId,
        channel: &str,
        at: Timestamp,
    ) -> DbResult<orderability::CatalogView>;
    async fn movements(
        &self,
        tenant: TenantId,
        store: StoreId,
        page: RecordedPage,
    ) -> DbResult<Recorded<MovementRecord>>;

    /// Sends stock from one store to another: out of the source now, against
    /// what it has available; idempotent by transfer id.
    async fn dispatch_transfer(
        &self,
        tenant: TenantId,
        new: &transfers::NewTransfer,
    ) -> DbResult<transfers::TransferOutcome>;
    /// Takes in what arrived of a transfer at its destination.
    async fn receive_transfer(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        received: Option<Qty>,
    ) -> DbResult<transfers::Transfer>;
    async fn transfer(&self, tenant: TenantId, id: uuid::Uuid) -> DbResult<transfers::Transfer>;
    /// Sets or clears an item's reorder point at a store; the line as it
    /// stands, or `None` when cleared.
    async fn set_reorder_point(
        &self,
        tenant: TenantId,
        store: StoreId,
        variant: VariantId,
        point: Option<Qty>,
    ) -> DbResult<Option<orderability::ReorderLine>>;
    async fn reorder_points(
        &self,
        tenant: TenantId,
        store: StoreId,
    ) -> DbResult<Vec<orderability::ReorderLine>>;
    /// Announces (once each) stores their opening hours opened or closed
    /// since the last look, as of `at`; how many.
    async fn announce_hours_flips(&self, at: Timestamp) -> DbResult<u64>;
    /// Announces (once each) batches in stock that expire on or before
    /// `cutoff` (`YYYY-MM-DD`); how many.
    async fn announce_expiring_batches(&self, cutoff: &str) -> DbResult<u64>;
    /// A store's batches in stock, soonest to expire first.
    async fn batches(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<batches::BatchLine>>;
    /// A store's transfers, sent and received, in the order they were dispatched.
    async fn transfers(
        &self,
        tenant: TenantId,
        store: StoreId,
        page: RecordedPage,
    ) -> DbResult<Recorded<transfers::Transfer>>;

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
