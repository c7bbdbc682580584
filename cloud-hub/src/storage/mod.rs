//! The hub's storage: one async trait, one implementation per backend.
//!
//! [`Storage`] is what the HTTP layer sees; `sqlite` (the embedded default) and
//! `postgres` (production) implement it. Both run the same SQL text, written to the
//! common subset of the two dialects and expanded per backend by the `sql_storage!`
//! macro, while each backend owns its connection setup and its migrations. Every
//! method takes the caller's tenant and filters on it; there is no unscoped read.
//!
//! Every change a terminal must see (catalog, price, stock) is appended to the
//! tenant's change feed in the same transaction that makes it.

pub mod batches;
pub mod bins;
pub mod catalog_list;
pub mod events;
pub mod hours;
mod migrate;
pub mod orderability;
pub mod postgres;
pub mod reservations;
mod sql;
mod sql_batches;
mod sql_bins;
mod sql_catalog;
mod sql_events;
mod sql_facts;
mod sql_feed;
mod sql_keys;
mod sql_ledger;
mod sql_prices;
mod sql_reservations;
mod sql_snapshot;
mod sql_staff;
mod sql_stores;
mod sql_variants;
mod sql_writes;
mod sqlite;
pub mod transfers;
pub mod versions;

pub use postgres::PgStorage;
pub use sqlite::SqliteStorage;

use async_trait::async_trait;
use pos_shared::catalog::{BrandRecord, CategoryRecord};
use pos_shared::pricing::{PriceSource, PriceWindow};
use pos_shared::shift::ShiftReport;
use pos_shared::staff::StaffRecord;
use pos_shared::sync::{DocPurpose, Fact, FeedPage, MovementRecord, VariantRecord};
use pos_shared::{
    BrandId, CategoryId, Envelope, Money, PriceId, ProductId, Qty, SaleId, StoreId, TenantId,
    TerminalId, Timestamp, VariantId,
};
use serde::Serialize;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The named thing does not exist for this tenant.
    #[error("{0} not found")]
    NotFound(&'static str),
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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct NewStore {
    pub code: String,
    pub name: String,
    pub currency: pos_shared::Currency,
    pub kind: StoreKind,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    /// A shop with tills and customers at the counter.
    #[default]
    Store,
    /// A store that only fulfils orders, picked from bins.
    DarkStore,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Store => "store",
            StoreKind::DarkStore => "dark_store",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "store" => Some(StoreKind::Store),
            "dark_store" => Some(StoreKind::DarkStore),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Store {
    pub id: StoreId,
    pub code: String,
    pub name: String,
    pub currency: String,
    pub kind: StoreKind,
    pub status: orderability::StoreStatus,
    /// When it takes orders; absent: at any hour its status is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<hours::OpeningHours>,
}

impl Store {
    /// Open by its status but outside its opening hours at `at`.
    pub fn outside_hours(&self, at: Timestamp) -> bool {
        self.status == orderability::StoreStatus::Open
            && self.hours.as_ref().is_some_and(|h| !h.is_open(at))
    }
}

#[derive(Debug, Clone)]
pub struct NewTerminal {
    pub name: String,
    pub receipt_prefix: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Terminal {
    pub id: TerminalId,
    pub store_id: StoreId,
    pub name: String,
    pub receipt_prefix: String,
}

/// Who a device credential belongs to; everything a device may do is scoped by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceIdentity {
    pub tenant_id: TenantId,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub terminal_name: String,
    pub receipt_prefix: String,
}

#[derive(Debug, Clone)]
pub struct NewVariant {
    pub name: String,
    pub sku: String,
    pub barcode: pos_shared::Gtin,
    pub price: Money,
    pub tax: Option<pos_shared::tax::TaxClass>,
    pub modifiers: Vec<pos_shared::modifiers::ModifierGroup>,
    /// Barcodes besides `barcode`.
    pub extra_barcodes: Vec<pos_shared::Gtin>,
    pub quick_key: Option<u16>,
}

/// What HQ changes about a variant; `None` leaves a field as it is, and
/// `Some(None)` clears an optional one. The price has its own endpoint.
#[derive(Debug, Clone, Default)]
pub struct VariantPatch {
    pub name: Option<String>,
    pub sku: Option<String>,
    pub barcode: Option<pos_shared::Gtin>,
    /// Barcodes besides the primary one, replacing the ones it had.
    pub extra_barcodes: Option<Vec<pos_shared::Gtin>>,
    pub tax: Option<Option<pos_shared::tax::TaxClass>>,
    pub modifiers: Option<Vec<pos_shared::modifiers::ModifierGroup>>,
    pub quick_key: Option<Option<u16>>,
    pub synonyms: Option<Vec<String>>,
    pub brand: Option<Option<BrandId>>,
    pub category: Option<Option<CategoryId>>,
}

/// An HQ API key to issue: its secret arrives hashed.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub label: String,
    pub role: crate::roles::Role,
    /// The stores it is limited to; empty for all.
    pub store_ids: Vec<StoreId>,
    pub key_hash: String,
}

/// An HQ API key as its owner sees it (never its secret).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiKeyInfo {
    pub key_id: uuid::Uuid,
    pub label: String,
    pub role: crate::roles::Role,
    /// The stores it is limited to; empty for every store.
    pub store_ids: Vec<StoreId>,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<Timestamp>,
}

/// A member of staff as HQ creates them: the PIN arrives hashed.
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub name: String,
    pub code: String,
    pub role: pos_shared::staff::Role,
    pub pin_salt: String,
    pub pin_hash: String,
}

#[derive(Debug, Clone)]
pub struct NewProduct {
    pub id: ProductId,
    pub name: String,
    pub brand: Option<BrandId>,
    pub category: Option<CategoryId>,
    /// Other names its variants are searched by.
    pub synonyms: Vec<String>,
    pub variants: Vec<NewVariant>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    pub variants: Vec<VariantRecord>,
}

/// One line of a store's inventory.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Position {
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    pub barcode: String,
    pub on_hand: Qty,
    /// Held for orders by reservations not yet past their expiry.
    pub reserved: Qty,
    /// On hand less reserved: what the store can still promise.
    pub available: Qty,
    /// In this store's assortment.
    pub listed: bool,
    /// Whether an order for it can be taken now, and if not, every reason why.
    pub orderable: bool,
    pub reasons: Vec<&'static str>,
    /// The bin pickers take it from, and the bin's zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SaleSummary {
    pub sale_id: SaleId,
    pub terminal_id: TerminalId,
    pub receipt_no: String,
    pub total: Money,
    pub occurred_at: Timestamp,
    pub received_at: Timestamp,
}

/// What a terminal reports about itself with each feed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalReport {
    pub cursor: u64,
    pub queue_depth: Option<u64>,
    pub agent_version: Option<String>,
    pub protocol_version: u16,
}

/// A terminal as HQ sees it, with its sync status.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TerminalStatus {
    #[serde(flatten)]
    pub terminal: Terminal,
    pub enrolled: bool,
    pub last_seen_at: Option<Timestamp>,
    pub feed_cursor: Option<u64>,
    /// Changes of the tenant's feed the terminal has not asked for yet (an upper
    /// bound: some may be other stores' changes it will never need).
    pub cursor_lag: Option<u64>,
    pub queue_depth: Option<u64>,
    pub agent_version: Option<String>,
    pub protocol_version: Option<u16>,
}

/// One step of a document exchange: given the stored document and the
/// terminal's stored sync state (absent the first time), the new document (if it
/// changed), the new sync state and the reply for the terminal.
pub type DocStep =
    Box<dyn FnOnce(Option<Vec<u8>>, Option<Vec<u8>>) -> Result<DocUpdate, String> + Send>;

pub struct DocUpdate {
    /// The document to store, when it changed.
    pub doc: Option<Vec<u8>>,
    pub sync_state: Vec<u8>,
    pub reply: Option<Vec<u8>>,
}

/// A store's state at one feed sequence, as a new terminal needs it.
pub struct StoreSnapshot {
    /// Follow the feed from here.
    pub seq: u64,
    pub variants: Vec<VariantRecord>,
    /// On hand per variant, without the requesting terminal's own movements
    /// (which it holds itself), so nothing is counted twice.
    pub positions: Vec<(VariantId, Qty)>,
    pub staff: Vec<StaffRecord>,
    pub categories: Vec<CategoryRecord>,
    /// Till-channel price windows, chain-wide and the store's, that hold now
    /// or later.
    pub prices: Vec<PriceWindow>,
}

/// What a variant sells for at one store, channel and instant, and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EffectivePrice {
    pub variant_id: VariantId,
    pub store_id: StoreId,
    pub channel: String,
    pub at: Timestamp,
    pub price: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mrp: Option<Money>,
    pub source: PriceSource,
    /// The window that sets it, unless it is the base price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_id: Option<PriceId>,
}

/// What became of an uploaded fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactStored {
    Accepted,
    Duplicate,
    /// Refused for good, with the reason a person can act on.
    Rejected(String),
}

/// A page of a store's movements or sales, in the order the hub recorded
/// them: after the item with id `after`, at most `limit`.
#[derive(Debug, Clone, Copy)]
pub struct RecordedPage {
    pub after: Option<uuid::Uuid>,
    pub limit: u32,
}

/// One page; `more` when items follow the last one.
#[derive(Debug, Clone)]
pub struct Recorded<T> {
    pub items: Vec<T>,
    pub more: bool,
}

/// What became of a recorded movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovementOutcome {
    Recorded,
    Duplicate,
}

#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Changes after every commit that appended to any tenant's change feed, so
    /// long-polling terminals wake at once instead of polling.
    ///
    /// In-process only: several hub processes on one PostgreSQL would need
    /// `LISTEN/NOTIFY` to wake each other.
    fn watch_feed(&self) -> tokio::sync::watch::Receiver<u64>;

    /// Creates a tenant and its first HQ API key (stored as a hash).
    async fn create_tenant(&self, name: &str, api_key_hash: &str) -> DbResult<Tenant>;
    /// What a working (unrevoked) API key grants.
    async fn api_key_grant(&self, key_hash: &str) -> DbResult<crate::roles::Grant>;
    async fn create_api_key(&self, tenant: TenantId, key: &NewApiKey) -> DbResult<ApiKeyInfo>;
    async fn api_keys(&self, tenant: TenantId) -> DbResult<Vec<ApiKeyInfo>>;
    /// Revokes a key; the last owner key is refused ([`DbError::State`]).
    async fn revoke_api_key(&self, tenant: TenantId, key: uuid::Uuid) -> DbResult<ApiKeyInfo>;

    async fn create_store(&self, tenant: TenantId, store: &NewStore) -> DbResult<Store>;
    async fn store(&self, tenant: TenantId, store: StoreId) -> DbResult<Store>;
    /// Every store of the tenant, by code.
    async fn stores(&self, tenant: TenantId) -> DbResult<Vec<Store>>;

    /// Creates a terminal awaiting enrollment with the hash of its one-time code.
    async fn create_terminal(
        &self,
        tenant: TenantId,
        store: StoreId,
        terminal: &NewTerminal,
        code_hash: &str,
    ) -> DbResult<Terminal>;
    /// Consumes a one-time code, binding the device token hash to the terminal.
    /// Consumes a one-time code, binding the device token hash to the terminal.
    /// The installation that consumed it may repeat the exchange for a day (its
    /// answer may have been lost); each repeat issues a new token.
    async fn enroll_terminal(
        &self,
        code_hash: &str,
        token_hash: &str,
        install_id: Option<uuid::Uuid>,
    ) -> DbResult<DeviceIdentity>;
    async fn device_for_token(&self, token_hash: &str) -> DbResult<DeviceIdentity>;
    /// Withdraws a terminal's device credential; its token stops working at once.
    async fn revoke_terminal(
        &self,
        tenant: TenantId,
        store: StoreId,
        terminal: TerminalId,
    ) -> DbResult<()>;
    /// Records that the device was seen, with what it reported.
    async fn record_terminal_report(
        &self,
        device: &DeviceIdentity,
        report: &TerminalReport,
    ) -> DbResult<()>;
    /// The store's terminals with their sync status.
    async fn terminals(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<TerminalStatus>>;
    /// Adds a member of staff to `store`; the store's tills hear of it in the feed.
    async fn create_staff(
        &self,
        tenant: TenantId,
        store: StoreId,
        staff: &NewStaff,
    ) -> DbResult<StaffRecord>;
    /// Lets a member of staff sign in again, or stops them.
    async fn set_staff_active(
        &self,
        tenant: TenantId,
        staff: pos_shared::StaffId,
        active: bool,
    ) -> DbResult<StaffRecord>;
    async fn staff(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<StaffRecord>>;

    /// Adds a category; its parent must exist. Tills hear of it in the feed.
    async fn create_category(
        &self,
        tenant: TenantId,
        category: &CategoryRecord,
    ) -> DbResult<CategoryRecord>;
    /// Renames, reorders or moves a category; a move under itself or one of
    /// its descendants is refused.
    async fn update_category(
        &self,
        tenant: TenantId,
        category: &CategoryRecord,
    ) -> DbResult<CategoryRecord>;
    /// The tenant's category tree, parents before children, siblings in order.
    async fn categories(&self, tenant: TenantId) -> DbResult<Vec<CategoryRecord>>;
    /// One page of the tenant's variants, filtered and sorted.
    async fn catalog(
        &self,
        tenant: TenantId,
        query: &catalog_list::CatalogQuery,
    ) -> DbResult<catalog_list::CatalogPage>;
    async fn catalog_item(&self, tenant: TenantId, variant: VariantId) -> DbResult<VariantRecord>;
    /// A variant's distinct states, oldest first.
    async fn item_versions(
        &self,
        tenant: TenantId,
        variant: VariantId,
    ) -> DbResult<Vec<versions::ItemVersion>>;
    async fn create_brand(&self, tenant: TenantId, brand: &BrandRecord) -> DbResult<BrandRecord>;
    async fn brands(&self, tenant: TenantId) -> DbResult<Vec<BrandRecord>>;

    /// Creates a product and its variants; its brand and category must exist.
    async fn create_product(&self, tenant: TenantId, product: &NewProduct) -> DbResult<Product>;
    /// Sets many base prices at once, all or none; whether each changed.
    async fn set_prices(
        &self,
        tenant: TenantId,
        prices: &[(VariantId, Money)],
    ) -> DbResult<Vec<bool>>;
    async fn set_price(
        &self,
        tenant: TenantId,
        variant: VariantId,
        price: Money,
    ) -> DbResult<VariantRecord>;
    /// Applies `patch` if the variant still equals `based_on` (what the caller
    /// validated it against), else a [`DbError::State`] on `variant_id`. A
    /// patch that changes nothing makes no version and reaches no till.
    async fn update_variant(
        &self,
        tenant: TenantId,
        based_on: &VariantRecord,
        patch: &VariantPatch,
    ) -> DbResult<VariantRecord>;
    /// Deletes a variant from the catalog and tells tills; `false` when it was
    /// already deleted (nothing changes).
    async fn delete_variant(&self, tenant: TenantId, variant: VariantId) -> DbResult<bool>;
    /// Brings a deleted variant back, as it was.
    async fn restore_variant(
        &self,
        tenant: TenantId,
        variant: VariantId,
    ) -> DbResult<VariantRecord>;
    /// Schedules a price window; one that overlaps another of the same
    /// variant, scope and channel is refused. Tills hear of till-channel windows.
    async fn schedule_price(&self, tenant: TenantId, window: &PriceWindow)
        -> DbResult<PriceWindow>;
    /// Ends a window at `at` (or at once, if it has not started by then).
    async fn end_price(
        &self,
        tenant: TenantId,
        price: PriceId,
        at: Timestamp,
    ) -> DbResult<PriceWindow>;
    /// A variant's windows, every scope and channel, oldest start first.
    async fn price_windows(
        &self,
        tenant: TenantId,
        variant: VariantId,
    ) -> DbResult<Vec<PriceWindow>>;
    /// The price of `variant` for `store` on `channel` at `at`, in one query.
    async fn effective_price(
        &self,
        tenant: TenantId,
        store: StoreId,
        variant: VariantId,
        channel: &str,
        at: Timestamp,
    ) -> DbResult<EffectivePrice>;

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
    /// Announces (once each) batches in stock that expire on or before
    /// `cutoff` (`YYYY-MM-DD`); how many.
    async fn announce_expiring_batches(&self, cutoff: &str) -> DbResult<u64>;
    /// A store's batches in stock, soonest to expire first.
    async fn batches(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<batches::BatchLine>>;
    /// A store's transfers, sent and received, newest first.
    async fn transfers(
        &self,
        tenant: TenantId,
        store: StoreId,
    ) -> DbResult<Vec<transfers::Transfer>>;

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

    /// Stores validated sale facts (each with its raw envelope) and their
    /// movements in one transaction, each sale in a savepoint of its own so a
    /// refused one leaves no trace; idempotent by sale id. One outcome per sale.
    async fn accept_facts(
        &self,
        device: &DeviceIdentity,
        facts: &[(Envelope<Fact>, String)],
    ) -> DbResult<Vec<FactStored>>;
    /// The store's till audit entries, newest first.
    async fn audit_log(
        &self,
        tenant: TenantId,
        store: StoreId,
        limit: i64,
    ) -> DbResult<Vec<pos_shared::audit::AuditEntry>>;
    /// The Z reports of a store's closed shifts, oldest first.
    async fn shift_closes(&self, tenant: TenantId, store: StoreId) -> DbResult<Vec<ShiftReport>>;
    async fn sales(
        &self,
        tenant: TenantId,
        store: StoreId,
        page: RecordedPage,
    ) -> DbResult<Recorded<SaleSummary>>;
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
