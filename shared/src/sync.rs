//! Messages of the sync protocol between a terminal and the hub.
//!
//! Downstream, the hub serves a per-tenant **change feed**: every committed change
//! has a sequence number, and a terminal asks for the changes after its cursor.
//! Stock travels in it as ledger entries (movements), never as overwritten totals,
//! so a terminal that already holds its own movement ignores the echo.
//!
//! Upstream, a terminal uploads its **outbox** of immutable facts in envelopes; the
//! hub answers per fact, and a terminal marks a fact sent only on that answer.

use crate::sale::SaleFact;
use crate::{
    Envelope, Gtin, Money, MovementId, ProductId, Qty, SaleId, StoreId, TenantId, TerminalId,
    Timestamp, VariantId,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::documents::DocPurpose;

pub use crate::protocol::*;

/// A variant as a terminal needs it to sell.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantRecord {
    pub variant_id: VariantId,
    pub product_id: ProductId,
    pub name: String,
    pub sku: String,
    pub barcode: Gtin,
    pub price: Money,
    /// GST class; none for items sold without tax.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<crate::tax::TaxClass>,
    /// Modifier and add-on groups (restaurant menus).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<crate::modifiers::ModifierGroup>,
    /// Where it sits in the store and how cashiers find it (protocol 3).
    #[serde(flatten)]
    pub placement: crate::catalog::Placement,
    /// Its unit, pack, pictures and attributes; absent fields are plain
    /// (each, no pack, none), so older terminals simply ignore them.
    #[serde(flatten)]
    pub details: crate::item::ItemDetails,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementReason {
    /// Goods received into the store.
    Receipt,
    Sale,
    /// Goods a customer brought back, back on the shelf.
    Return,
    /// A correction with a reason given by whoever made it.
    Adjustment,
    /// Sent to another store of the chain (a transfer's dispatch).
    TransferOut,
    /// Received from another store of the chain (a transfer's receipt).
    TransferIn,
    /// Written off as damaged.
    Damage,
    /// Written off past its expiry date.
    Expiry,
}

impl MovementReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            MovementReason::Receipt => "receipt",
            MovementReason::Sale => "sale",
            MovementReason::Return => "return",
            MovementReason::Adjustment => "adjustment",
            MovementReason::TransferOut => "transfer_out",
            MovementReason::TransferIn => "transfer_in",
            MovementReason::Damage => "damage",
            MovementReason::Expiry => "expiry",
        }
    }

    /// The reason as a terminal of protocol `v` can read it: before
    /// [`TRANSFER_PROTOCOL`] only the first four exist, and the till needs
    /// only the delta, so the others travel as an adjustment.
    pub fn for_protocol(self, v: u16) -> Self {
        match self {
            MovementReason::TransferOut
            | MovementReason::TransferIn
            | MovementReason::Damage
            | MovementReason::Expiry
                if v < TRANSFER_PROTOCOL =>
            {
                MovementReason::Adjustment
            }
            other => other,
        }
    }

    /// Whether the reason takes stock out of the store for good (a write-off).
    pub fn is_write_off(self) -> bool {
        matches!(self, MovementReason::Damage | MovementReason::Expiry)
    }

    /// Whether the reason brings goods into the store (a receipt, a return):
    /// its delta is never negative; a correction is an adjustment.
    pub fn brings_stock_in(self) -> bool {
        matches!(self, MovementReason::Receipt | MovementReason::Return)
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "receipt" => Some(MovementReason::Receipt),
            "sale" => Some(MovementReason::Sale),
            "return" => Some(MovementReason::Return),
            "adjustment" => Some(MovementReason::Adjustment),
            "transfer_out" => Some(MovementReason::TransferOut),
            "transfer_in" => Some(MovementReason::TransferIn),
            "damage" => Some(MovementReason::Damage),
            "expiry" => Some(MovementReason::Expiry),
            _ => None,
        }
    }
}

/// One entry of the stock ledger of a store.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovementRecord {
    pub movement_id: MovementId,
    pub store_id: StoreId,
    pub variant_id: VariantId,
    /// Signed: a sale of 2 is `-2`.
    pub delta: Qty,
    pub reason: MovementReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_id: Option<SaleId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<TerminalId>,
    pub occurred_at: Timestamp,
    /// The batch it moved, for items whose batches are tracked; older
    /// terminals ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Batch>,
}

/// A batch (lot) of an item: its code, and the day it expires.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Batch {
    /// The lot code on the pack, 1 to 40 characters.
    pub code: String,
    /// `YYYY-MM-DD`: the last day it may be sold.
    pub expires_on: String,
}

impl Batch {
    /// Checks the code and the date; the error names the field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let code = self.code.trim();
        if code.is_empty() || code.chars().count() > 40 || code != self.code {
            return Err((
                "code",
                "code must be 1 to 40 characters, without spaces around".into(),
            ));
        }
        if parse_day(&self.expires_on).is_none() {
            return Err((
                "expires_on",
                format!("{:?} is not a date such as 2026-12-31", self.expires_on),
            ));
        }
        Ok(())
    }
}

/// A `YYYY-MM-DD` calendar date.
pub fn parse_day(text: &str) -> Option<time::Date> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChangeBody {
    VariantUpserted(VariantRecord),
    StockMoved(MovementRecord),
    /// A store document changed at the hub: terminals sync it when they hear this.
    DocumentChanged {
        purpose: DocPurpose,
    },
    /// A member of the store's staff was added or changed (store-scoped).
    StaffUpserted(crate::staff::StaffRecord),
    /// A sale another terminal of the store made, for returns at any till.
    SaleRecorded(crate::sale::SaleFact),
    /// A return another terminal made, so no till returns more than was sold.
    ReturnRecorded(crate::returns::ReturnFact),
    /// A category was added, renamed or moved in the tree.
    CategoryUpserted(crate::catalog::CategoryRecord),
    /// A price window was scheduled or cut short (chain-wide or this store's).
    PriceScheduled(crate::pricing::PriceWindow),
    /// HQ deleted the variant: tills stop selling it (protocol 4). Its past
    /// sales, returns and movements stand.
    VariantDeleted {
        variant_id: VariantId,
    },
    /// A delivery order for the store: assigned to it, or a later step
    /// (protocol 6). Store-scoped.
    OrderChanged(crate::orders::PickOrder),
    /// Whether the store may sell an item changed (protocol 8). Store-scoped.
    ItemAtStore(ItemAtStore),
    /// A purchase order for the store: raised, received against, closed or
    /// cancelled (protocol 10). Store-scoped.
    PurchaseOrderChanged(crate::purchase::PurchaseOrder),
    /// The store as HQ keeps it changed: its name, the GSTIN its bills are
    /// issued under, its status (protocol 10). Store-scoped.
    StoreProfile(StoreProfile),
    /// A customer's credit account at the store: its limit, dues and the
    /// tills' grants (protocol 11). Store-scoped.
    CreditAccountChanged(crate::credit::CreditAccount),
    /// HQ's request that the store send stock to another store: raised,
    /// dispatched (by any of its tills) or cancelled (protocol 12).
    /// Store-scoped, to the source.
    TransferRequested(crate::transfer::TransferRequest),
    /// A transfer to the store: on its way, or received (protocol 12).
    /// Store-scoped, to the destination.
    TransferChanged(crate::transfer::Transfer),
    /// HQ changed how points are earned and redeemed (protocol 13). For
    /// every store.
    LoyaltyRulesChanged(crate::loyalty::LoyaltyRules),
    /// A customer's points and the tills' grants on them (protocol 13).
    /// Store-scoped, to each store that knows the customer.
    LoyaltyAccountChanged(crate::loyalty::LoyaltyAccount),
    /// The chain's profile of a customer changed at another store (protocol
    /// 13): a store whose tills hold the customer takes the new name and
    /// GSTIN in. Store-scoped.
    CustomerChanged(crate::customer::Customer),
}

/// The store as HQ keeps it, for its tills (protocol 10).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreProfile {
    pub store_id: StoreId,
    pub code: String,
    pub name: String,
    /// The GST registration the store's bills are issued under, when HQ has
    /// entered one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub gstin: Option<String>,
    /// `open`, `closed` or `maintenance`.
    pub status: String,
}

/// What HQ lets one store do with an item: sell it, or not because it took
/// the item out of the store's assortment or put its stock there on hold.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemAtStore {
    pub store_id: StoreId,
    pub variant_id: VariantId,
    /// In the store's assortment.
    pub listed: bool,
    /// Why its stock is on hold, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<String>,
}

impl ItemAtStore {
    /// Why the store may not sell the item, in words for the cashier; `None`
    /// when it may.
    pub fn stopped(&self) -> Option<String> {
        not_for_sale(self.listed, self.hold.as_deref())
    }
}

/// Why a store may not sell an item that is `listed` or not and on `hold`
/// or not, in words for the cashier; `None` when it may.
pub fn not_for_sale(listed: bool, hold: Option<&str>) -> Option<String> {
    match (hold, listed) {
        (Some(reason), true) => Some(format!("HQ put its stock on hold ({reason})")),
        (Some(reason), false) => Some(format!(
            "HQ took it out of this store's assortment and put its stock on hold ({reason})"
        )),
        (None, false) => Some("HQ took it out of this store's assortment".into()),
        (None, true) => None,
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub seq: u64,
    #[serde(flatten)]
    pub body: ChangeBody,
}

/// Answer to `GET /v1/sync/feed?since=N`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedPage {
    pub protocol_version: u16,
    pub changes: Vec<Change>,
    /// Ask for `since=next_cursor` next time.
    pub next_cursor: u64,
    /// More changes are waiting beyond this page.
    pub has_more: bool,
    /// The mark of the change at `next_cursor` (when the hub committed it,
    /// in Unix milliseconds): sent back as `mark` with `since`, it lets the
    /// hub tell that its history is the one the till followed, and refuse
    /// (`feed_diverged`) when its database was restored from an older copy
    /// and gave those numbers to other changes. Absent when no change is
    /// there (a new tenant, a pruned place) and from hubs before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_mark: Option<i64>,
}

/// The first line of a store snapshot (`GET /v1/sync/snapshot`): gzip-compressed
/// JSON lines, this header, then one [`SnapshotRecord`] per line.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotHeader {
    pub protocol_version: u16,
    /// The feed sequence the snapshot was taken at: follow the feed from here.
    pub seq: u64,
    /// The mark of the change at `seq`, as a feed page's `cursor_mark`: the
    /// till sends it back with its first feed request, so a hub restored
    /// while the snapshot was on its way is noticed too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq_mark: Option<i64>,
    pub variants: u64,
    pub positions: u64,
    #[serde(default)]
    pub staff: u64,
    #[serde(default)]
    pub categories: u64,
    #[serde(default)]
    pub prices: u64,
    /// Delivery orders the store is picking (protocol 6).
    #[serde(default)]
    pub orders: u64,
    /// Items the store may not sell (protocol 8).
    #[serde(default)]
    pub items_at_store: u64,
    /// Purchase orders of the store (protocol 10).
    #[serde(default)]
    pub purchase_orders: u64,
    /// The store's own record: 1 (protocol 10).
    #[serde(default)]
    pub stores: u64,
    /// Credit accounts of the store (protocol 11).
    #[serde(default)]
    pub credit_accounts: u64,
    /// Open requests for the store to send stock, and transfers on their
    /// way to it (protocol 12).
    #[serde(default)]
    pub transfers: u64,
    /// The loyalty rules (none or one) and the points of the customers the
    /// store knows (protocol 13).
    #[serde(default)]
    pub loyalty: u64,
}

impl SnapshotHeader {
    /// How many records follow the header.
    pub fn records(&self) -> u64 {
        self.variants
            + self.positions
            + self.staff
            + self.categories
            + self.prices
            + self.orders
            + self.items_at_store
            + self.purchase_orders
            + self.stores
            + self.credit_accounts
            + self.transfers
            + self.loyalty
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SnapshotRecord {
    Variant(VariantRecord),
    /// On hand without the requesting terminal's own movements, which it adds
    /// from its own ledger.
    Position {
        variant_id: VariantId,
        on_hand: Qty,
    },
    Staff(crate::staff::StaffRecord),
    Category(crate::catalog::CategoryRecord),
    /// A price window that holds now or later (chain-wide or this store's).
    Price(crate::pricing::PriceWindow),
    /// A delivery order assigned to the store and not yet packed
    /// (protocol 6).
    Order(crate::orders::PickOrder),
    /// An item the store may not sell (protocol 8).
    ItemAtStore(ItemAtStore),
    /// A purchase order of the store: every one it still expects goods
    /// against, and the others raised in the last 180 days (protocol 10).
    PurchaseOrder(crate::purchase::PurchaseOrder),
    /// The store as HQ keeps it (protocol 10).
    Store(StoreProfile),
    /// A customer's credit account at the store (protocol 11).
    CreditAccount(crate::credit::CreditAccount),
    /// A request for the store to send stock, still open (protocol 12).
    TransferRequest(crate::transfer::TransferRequest),
    /// A transfer on its way to the store (protocol 12).
    Transfer(crate::transfer::Transfer),
    /// The tenant's loyalty rules (protocol 13).
    LoyaltyRules(crate::loyalty::LoyaltyRules),
    /// The points of a customer the store knows (protocol 13).
    LoyaltyAccount(crate::loyalty::LoyaltyAccount),
}

/// The header naming the feed sequence a snapshot was taken at.
pub const SNAPSHOT_SEQ_HEADER: &str = "x-snapshot-seq";

/// An immutable fact made at a terminal.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fact", rename_all = "snake_case")]
pub enum Fact {
    Sale(SaleFact),
    /// A shift's Z report, uploaded when the cashier closes the shift.
    ShiftClosed(crate::shift::ShiftReport),
    /// Goods returned against an earlier sale, and the refund.
    Return(crate::returns::ReturnFact),
    /// A sensitive action at the till (void, approval, sign-in, …).
    Audit(crate::audit::AuditEntry),
    /// A picker started on a delivery order (protocol 6).
    OrderClaimed(crate::orders::OrderClaim),
    /// A delivery order packed: what was picked, with batches (protocol 6).
    OrderPacked(crate::orders::PackedOrder),
    /// A part of a stock take's approval: the count and its adjustments
    /// (protocol 9).
    StockTakeApproved(crate::stock_take::StockTakeApproved),
    /// A delivery taken in by scan, against a purchase order or not: its
    /// receipt movements into batches, and what was damaged (protocol 10).
    GoodsReceived(crate::purchase::GoodsReceived),
    /// A customer paid against their dues (protocol 11).
    DuesPaid(crate::credit::DuesPayment),
    /// The till gave back part of its grants on an account (protocol 11).
    CreditReleased(crate::credit::CreditReleased),
    /// A transfer HQ requested, scanned out at the source (protocol 12).
    TransferDispatched(crate::transfer::TransferDispatched),
    /// A transfer received at the destination, by batch (protocol 12).
    TransferReceived(crate::transfer::TransferReceived),
    /// The till gave back points it held on a customer's account (protocol 13).
    LoyaltyReleased(crate::loyalty::LoyaltyReleased),
}

impl Fact {
    /// The kind of fact in words, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Fact::Sale(_) => "sale",
            Fact::ShiftClosed(_) => "shift close",
            Fact::Return(_) => "return",
            Fact::Audit(_) => "audit entry",
            Fact::OrderClaimed(_) => "order claim",
            Fact::OrderPacked(_) => "packed order",
            Fact::StockTakeApproved(_) => "stock take",
            Fact::GoodsReceived(_) => "goods receipt",
            Fact::DuesPaid(_) => "dues payment",
            Fact::CreditReleased(_) => "credit release",
            Fact::TransferDispatched(_) => "transfer dispatch",
            Fact::TransferReceived(_) => "transfer receipt",
            Fact::LoyaltyReleased(_) => "loyalty release",
        }
    }

    pub fn event_type(&self) -> &'static str {
        match self {
            Fact::Sale(_) => "pos.sale.completed",
            Fact::ShiftClosed(_) => "pos.shift.closed",
            Fact::Return(_) => "pos.return.completed",
            Fact::Audit(_) => "pos.audit.recorded",
            Fact::OrderClaimed(_) => "order.pick.claimed",
            Fact::OrderPacked(_) => "order.pick.packed",
            Fact::StockTakeApproved(_) => "pos.stock_take.approved",
            Fact::GoodsReceived(_) => "pos.goods.received",
            Fact::DuesPaid(_) => "pos.dues.paid",
            Fact::CreditReleased(_) => "pos.credit.released",
            Fact::TransferDispatched(_) => "pos.transfer.dispatched",
            Fact::TransferReceived(_) => "pos.transfer.received",
            Fact::LoyaltyReleased(_) => "pos.loyalty.released",
        }
    }
}

/// Body of `POST /v1/sync/outbox`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadBatch {
    /// `OLDEST_SUPPORTED_PROTOCOL` to `PROTOCOL_VERSION`.
    #[cfg_attr(feature = "openapi", schema(minimum = 11, maximum = 13))]
    pub protocol_version: u16,
    pub facts: Vec<Envelope<Fact>>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FactOutcome {
    /// Stored now.
    Accepted,
    /// Already stored by an earlier upload; nothing changed.
    Duplicate,
    /// Refused for good; retrying will not help. The terminal quarantines it.
    Rejected { reason: String },
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactResult {
    pub event_id: Uuid,
    #[serde(flatten)]
    pub outcome: FactOutcome,
}

/// The hub's answer to an upload: one result per fact, in order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadAck {
    pub results: Vec<FactResult>,
}

/// A fact a terminal set aside because the hub refused it for good, as the
/// terminal reports it so HQ can see it and decide.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarantinedFact {
    pub event_id: Uuid,
    pub event_type: String,
    /// Why the hub refused it, in its words.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 4000))]
    pub reason: String,
    /// When the terminal set it aside, by its own clock.
    pub quarantined_at: Timestamp,
    /// How many times HQ's resend has already been carried out for it.
    #[serde(default)]
    pub resent: u32,
    /// The fact's envelope exactly as it was uploaded.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub envelope: serde_json::Value,
}

/// Body of `POST /v1/sync/quarantine`: the terminal's quarantine as it stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarantineReport {
    pub facts: Vec<QuarantinedFact>,
}

/// What HQ decided about a quarantined fact.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuarantineAction {
    /// Put it back in the queue and upload it again (HQ fixed the cause).
    Resend,
    /// Give it up for good; it never reaches the ledger.
    WriteOff,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineInstruction {
    pub event_id: Uuid,
    pub action: QuarantineAction,
}

/// The hub's answer to a quarantine report: what to do with reported facts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineAnswer {
    pub instructions: Vec<QuarantineInstruction>,
}

/// Body of `POST /v1/enroll`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub code: String,
    pub agent_version: String,
    /// A random id the installation keeps; with it, the same installation may
    /// use its code again for a day if the hub's answer was lost.
    #[serde(default)]
    pub install_id: Option<Uuid>,
    /// The terminal this till was, and its store, when it enrolls again with
    /// the code of a terminal HQ made again under its id (a hub restored
    /// from an older copy): such a code enrolls only that till.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was: Option<FormerTerminal>,
}

/// Who an enrolling till was, by its former credential.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormerTerminal {
    pub terminal_id: TerminalId,
    pub store_id: StoreId,
}

/// What a terminal receives once, in exchange for its one-time code.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCredential {
    pub tenant_id: TenantId,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub terminal_name: String,
    pub receipt_prefix: String,
    /// Bearer token for the sync endpoints. The hub keeps only its hash.
    pub token: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_is_flat_with_a_type_tag() {
        let change = Change {
            seq: 7,
            body: ChangeBody::StockMoved(MovementRecord {
                movement_id: MovementId::new(),
                store_id: StoreId::new(),
                variant_id: VariantId::new(),
                delta: Qty::units(-2),
                reason: MovementReason::Sale,
                sale_id: None,
                terminal_id: None,
                occurred_at: Timestamp::from_unix_millis(0),
                batch: None,
            }),
        };
        let json = serde_json::to_value(&change).unwrap();
        assert_eq!(json["seq"], 7);
        assert_eq!(json["type"], "stock_moved");
        assert_eq!(json["delta"], "-2");
        assert_eq!(serde_json::from_value::<Change>(json).unwrap(), change);
    }

    #[test]
    fn outcomes_serialise_with_a_status() {
        let r = FactResult {
            event_id: Uuid::nil(),
            outcome: FactOutcome::Rejected {
                reason: "bad".into(),
            },
        };
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["status"], "rejected");
        assert_eq!(json["reason"], "bad");
        assert_eq!(serde_json::from_value::<FactResult>(json).unwrap(), r);
    }

    #[test]
    fn protocol_versions_one_behind_are_served() {
        assert!(check_protocol(PROTOCOL_VERSION).is_ok());
        assert!(check_protocol(OLDEST_SUPPORTED_PROTOCOL).is_ok());
        assert!(check_protocol(PROTOCOL_VERSION + 1)
            .unwrap_err()
            .contains("upgrade the hub"));
        assert!(check_protocol(0)
            .unwrap_err()
            .contains("upgrade the terminal"));
    }

    #[test]
    fn document_purposes_round_trip_as_text() {
        for p in DocPurpose::ALL {
            assert_eq!(DocPurpose::parse(p.as_str()), Some(p));
        }
        assert_eq!(DocPurpose::parse("everything"), None);
        let change = Change {
            seq: 3,
            body: ChangeBody::DocumentChanged {
                purpose: DocPurpose::ItemState,
            },
        };
        let json = serde_json::to_value(&change).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"seq": 3, "type": "document_changed", "purpose": "item_state"})
        );
    }

    #[test]
    fn movement_reasons_round_trip_as_text() {
        for r in [
            MovementReason::Receipt,
            MovementReason::Sale,
            MovementReason::Return,
            MovementReason::Adjustment,
            MovementReason::TransferOut,
            MovementReason::TransferIn,
            MovementReason::Damage,
            MovementReason::Expiry,
        ] {
            assert_eq!(MovementReason::parse(r.as_str()), Some(r));
            let json = serde_json::to_value(r).unwrap();
            assert_eq!(json, r.as_str());
            // A till one version behind reads every reason it is sent.
            let old = r.for_protocol(TRANSFER_PROTOCOL - 1);
            assert!(
                matches!(old.as_str(), "receipt" | "sale" | "return" | "adjustment"),
                "{r:?}"
            );
            assert_eq!(r.for_protocol(TRANSFER_PROTOCOL), r);
        }
        assert_eq!(MovementReason::parse("theft"), None);
    }
}
