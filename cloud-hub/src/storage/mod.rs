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
mod interface;
mod migrate;
pub mod orderability;
pub mod postgres;
pub mod quarantine;
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
mod sql_quarantine;
mod sql_reservations;
mod sql_rows;
mod sql_snapshot;
mod sql_staff;
mod sql_stores;
mod sql_users;
mod sql_variants;
mod sql_writes;
mod sqlite;
pub mod transfers;
pub mod users;
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
    /// The one currency of every price and store of the tenant.
    pub currency: pos_shared::Currency,
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
    pub details: pos_shared::item::ItemDetails,
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
    /// The variant's details as they are to be (checked whole).
    pub details: Option<pos_shared::item::ItemDetails>,
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
    /// Empty for an Argon2id hash, which holds its own salt; only the legacy
    /// scheme kept it apart.
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
    /// When its oldest unsent fact was made (by the hub's clock, from the age
    /// the terminal reported), if it has one.
    pub oldest_unsent_at: Option<Timestamp>,
    /// Facts it holds in quarantine.
    pub quarantined: Option<u64>,
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
    /// When the terminal's oldest unsent fact was made (from the age it last
    /// reported) and how old that fact is now (seconds).
    pub oldest_unsent_at: Option<Timestamp>,
    pub oldest_unsent_age_secs: Option<u64>,
    /// Facts the terminal holds in quarantine (refused by the hub).
    pub quarantined: Option<u64>,
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

impl<T> Recorded<T> {
    /// The page from a read of `limit + 1` rows: the extra row only says more follow.
    pub fn from_overfetch(mut items: Vec<T>, limit: u32) -> Self {
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        Recorded { items, more }
    }
}

/// What became of a recorded movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovementOutcome {
    Recorded,
    Duplicate,
}

pub use interface::Storage;
pub use users::{
    Invitation, LockOut, NewSession, NewUser, SignInRecord, UserInfo, UserPatch, UserStatus,
};

pub type DynStorage = Arc<dyn Storage>;

/// Opens the backend a database URL names: `postgres://…` or `sqlite://…`.
pub async fn connect(url: &str) -> DbResult<DynStorage> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStorage::connect(url).await?))
    } else {
        Ok(Arc::new(SqliteStorage::connect(url).await?))
    }
}
