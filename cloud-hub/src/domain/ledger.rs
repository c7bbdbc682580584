//! A store's stock and records as HQ reads them: a line of its inventory,
//! what became of a movement HQ recorded, the sales it holds, and the paging
//! of such records in the order the hub committed them.

use pos_shared::{Money, Qty, SaleId, TerminalId, Timestamp, VariantId};
use serde::Serialize;

/// Stock a store holds of an item it has not sold lately: dead stock, to
/// clear or move to a store that sells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UnsoldLine {
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    pub on_hand: Qty,
    /// The item's last sale at the store; absent if it never sold there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_sold_at: Option<Timestamp>,
    /// What is on hand comes to at the item's base price (the hub holds no
    /// cost), to the paisa, half up.
    pub value_at_base_price: Money,
}

/// A store's dead stock: what it holds and has not sold since `since`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeadStock {
    pub since: Timestamp,
    /// By SKU.
    pub items: Vec<UnsoldLine>,
    /// Pass back as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
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

/// What became of a recorded movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovementOutcome {
    Recorded,
    Duplicate,
}

/// A page of a store's movements or sales, in the order the hub committed
/// them: after the item with id `after`, at most `limit`.
#[derive(Debug, Clone, Copy)]
pub struct RecordedPage {
    pub after: Option<uuid::Uuid>,
    pub limit: u32,
}

/// A page of a store's list in SKU order (its inventory, catalog view, dead
/// stock): after the SKU the reader's last page ended on, as it was then, so
/// an item renamed between pages moves nothing the reader has yet to see
/// (SKUs are unique in a tenant, deleted items' included); at most `limit`.
#[derive(Debug, Clone)]
pub struct SkuPage {
    pub after: Option<String>,
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
