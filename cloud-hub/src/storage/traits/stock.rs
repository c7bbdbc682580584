//! Stores and their stock: a store's status, opening hours and what it may
//! sell (assortment, holds, disabled items, the catalog view), the ledger of
//! movements and reorder points, transfers between stores, reservations for
//! orders, batches with their expiry, and bins.

use crate::domain::batches::BatchLine;
use crate::domain::bins::Bin;
use crate::domain::hours::OpeningHours;
use crate::domain::ledger::{DeadStock, MovementOutcome, Recorded, RecordedPage};
use crate::domain::orderability::{CatalogView, ReorderLine, StoreStatus};
use crate::domain::reservations::{NewReservation, Reservation, ReservationOutcome, Settlement};
use crate::domain::stores::{NewStore, Store};
use crate::domain::transfers::{
    NewTransfer, NewTransferRequest, Transfer, TransferOutcome, TransferRequest,
    TransferRequestOutcome,
};
use crate::storage::DbResult;
use async_trait::async_trait;
use pos_shared::sync::MovementRecord;
use pos_shared::{Qty, StoreId, TenantId, Timestamp, VariantId};

/// Stores, their status and hours, what they may sell and their catalog
/// view; SQL in `sql/stores.rs`.
#[async_trait]
pub trait StoreStorage: Send + Sync {
    async fn create_store(&self, tenant: TenantId, store: &NewStore) -> DbResult<Store>;
    async fn store(&self, tenant: TenantId, store: StoreId) -> DbResult<Store>;
    /// Every store of the tenant, by code.
    async fn stores(&self, tenant: TenantId) -> DbResult<Vec<Store>>;
    async fn set_store_status(
        &self,
        tenant: TenantId,
        store: StoreId,
        status: StoreStatus,
    ) -> DbResult<Store>;
    /// Sets (or with `None` clears) a store's opening hours.
    async fn set_hours(
        &self,
        tenant: TenantId,
        store: StoreId,
        hours: Option<&OpeningHours>,
    ) -> DbResult<Store>;
    /// Sets (or with `None` clears) a store's delivery settings
    /// (`store.fulfilment.changed`).
    async fn set_fulfilment(
        &self,
        tenant: TenantId,
        store: StoreId,
        fulfilment: Option<&crate::domain::stores::Fulfilment>,
    ) -> DbResult<Store>;
    /// Announces (once each) stores their opening hours opened or closed
    /// since the last look, as of `at`; how many.
    async fn announce_hours_flips(&self, at: Timestamp) -> DbResult<u64>;
    /// Puts an item's stock at a store on hold with a reason, or releases it
    /// (`None`); whether anything changed.
    async fn set_blocked(
        &self,
        tenant: TenantId,
        store: StoreId,
        variant: VariantId,
        reason: Option<&str>,
    ) -> DbResult<bool>;
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
    /// The store's status and, per variant in SKU order, assortment,
    /// effective price on `channel` at `at`, stock and orderability: one
    /// query, no per-item calls, a page at a time: a store's whole view is
    /// never read in one go (at 100,000 items it would hold a connection
    /// and the answer's memory for half a second). `next_cursor` is the
    /// last item's SKU when more follow (the API wraps it).
    async fn catalog_view(
        &self,
        tenant: TenantId,
        store: StoreId,
        channel: &str,
        at: Timestamp,
        page: crate::domain::ledger::SkuPage,
    ) -> DbResult<CatalogView>;
    /// The catalog view's line of each of `items` at the store, in no
    /// particular order; deleted items and other tenants' are left out.
    async fn items_at_store(
        &self,
        tenant: TenantId,
        store: StoreId,
        channel: &str,
        at: Timestamp,
        items: &[VariantId],
    ) -> DbResult<Vec<crate::domain::orderability::CatalogItem>>;
    /// Where the catalog's read model (what each position carries of the
    /// store's assortment, holds, bins, reservations and price windows)
    /// disagrees with the tables it is kept from, one line each; empty when
    /// it is true. `None` checks every tenant.
    async fn catalog_projection_drift(&self, tenant: Option<TenantId>) -> DbResult<Vec<String>>;
    /// Recomputes the catalog's read model of a tenant from its sources
    /// (after rows were loaded around the hub, or drift was found).
    async fn rebuild_catalog_projection(&self, tenant: TenantId) -> DbResult<()>;
}

/// HQ's stock movements, a store's movements read back, and reorder points;
/// SQL in `sql/ledger.rs`.
#[async_trait]
pub trait LedgerStorage: Send + Sync {
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
    async fn movements(
        &self,
        tenant: TenantId,
        store: StoreId,
        page: RecordedPage,
    ) -> DbResult<Recorded<MovementRecord>>;
    /// The movements the ledger holds under `ids`, as they were recorded
    /// (a duplicate is answered with the movement it repeats).
    async fn movements_by_id(
        &self,
        tenant: TenantId,
        ids: &[pos_shared::MovementId],
    ) -> DbResult<Vec<MovementRecord>>;
    /// Sets or clears an item's reorder point at a store; the line as it
    /// stands, or `None` when cleared.
    async fn set_reorder_point(
        &self,
        tenant: TenantId,
        store: StoreId,
        variant: VariantId,
        point: Option<Qty>,
    ) -> DbResult<Option<ReorderLine>>;
    async fn reorder_points(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<ReorderLine>>;
    /// What the store holds (on hand above zero) of items it has not sold
    /// since `since`, by SKU, a page at a time (`next_cursor` the last SKU,
    /// which the API wraps).
    async fn dead_stock(
        &self,
        tenant: TenantId,
        store: StoreId,
        since: Timestamp,
        page: crate::domain::ledger::SkuPage,
    ) -> DbResult<DeadStock>;
}

/// Stock sent from one store to another; SQL in `sql/transfers.rs`.
#[async_trait]
pub trait TransferStorage: Send + Sync {
    /// Sends stock from one store to another: out of the source now, against
    /// what it has available; idempotent by transfer id.
    async fn dispatch_transfer(
        &self,
        tenant: TenantId,
        new: &NewTransfer,
    ) -> DbResult<TransferOutcome>;
    /// Takes in what arrived of a transfer at its destination.
    async fn receive_transfer(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        received: Option<Qty>,
    ) -> DbResult<Transfer>;
    async fn transfer(&self, tenant: TenantId, id: uuid::Uuid) -> DbResult<Transfer>;
    /// A store's transfers, sent and received, in the order they were dispatched.
    async fn transfers(
        &self,
        tenant: TenantId,
        store: StoreId,
        page: RecordedPage,
    ) -> DbResult<Recorded<Transfer>>;
}

/// HQ's requests that a store pick and send stock, which its tills
/// dispatch; SQL in `sql/transfer_requests.rs`.
#[async_trait]
pub trait TransferRequestStorage: Send + Sync {
    /// Asks the source store to pick and send: nothing moves until one of
    /// its tills dispatches it; idempotent by request id.
    async fn request_transfer(
        &self,
        tenant: TenantId,
        new: &NewTransferRequest,
    ) -> DbResult<TransferRequestOutcome>;
    /// Calls off a request the store has not dispatched; again, the same.
    async fn cancel_transfer_request(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
    ) -> DbResult<TransferRequest>;
    async fn transfer_request(&self, tenant: TenantId, id: uuid::Uuid)
        -> DbResult<TransferRequest>;
    /// Requests from or to a store, in the order they were raised.
    async fn transfer_requests(
        &self,
        tenant: TenantId,
        store: StoreId,
        page: RecordedPage,
    ) -> DbResult<Recorded<TransferRequest>>;
}

/// Stock held for orders; SQL in `sql/reservations.rs`.
#[async_trait]
pub trait ReservationStorage: Send + Sync {
    /// Holds stock for an order against on hand less what other orders hold;
    /// idempotent by reservation id.
    async fn reserve(&self, tenant: TenantId, new: &NewReservation)
        -> DbResult<ReservationOutcome>;
    async fn reservation(&self, tenant: TenantId, id: uuid::Uuid) -> DbResult<Reservation>;
    /// Releases or commits a held reservation (commit writes the sale
    /// movement); settling it the same way again changes nothing.
    async fn settle_reservation(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        how: Settlement,
    ) -> DbResult<Reservation>;
    /// Marks every held reservation past its expiry as expired; returns how many.
    async fn expire_reservations(&self, now: Timestamp) -> DbResult<u64>;
}

/// Batches in stock and their expiry; SQL in `sql/batches.rs`.
#[async_trait]
pub trait BatchStorage: Send + Sync {
    /// Announces (once each) batches in stock that expire on or before
    /// `cutoff` (`YYYY-MM-DD`); how many.
    async fn announce_expiring_batches(&self, cutoff: &str) -> DbResult<u64>;
    /// A store's batches in stock, soonest to expire first.
    async fn batches(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<BatchLine>>;
}

/// A store's bins and the item slotted in each; SQL in `sql/bins.rs`.
#[async_trait]
pub trait BinStorage: Send + Sync {
    /// Adds a bin to a store or moves it to another zone.
    async fn set_bin(
        &self,
        tenant: TenantId,
        store: StoreId,
        code: &str,
        zone: &str,
    ) -> DbResult<Bin>;
    /// Removes an empty bin ([`DbError::State`](crate::storage::DbError::State) while items are slotted in it).
    async fn remove_bin(&self, tenant: TenantId, store: StoreId, code: &str) -> DbResult<()>;
    async fn bins(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<Bin>>;
    /// Slots an item in one of the store's bins, or (`None`) in none.
    async fn slot(
        &self,
        tenant: TenantId,
        store: StoreId,
        variant: VariantId,
        bin: Option<&str>,
    ) -> DbResult<()>;
}
