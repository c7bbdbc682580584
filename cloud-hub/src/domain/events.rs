//! The hub's domain events as HQ sees them: each change in the standard
//! envelope with its place in the tenant's event sequence, and how a change
//! tills hear of in the feed is named as an event.

use pos_shared::sync::ChangeBody;
use pos_shared::{Envelope, StoreId, Timestamp};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// One event of the outbox, in order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HubEvent {
    /// Its place in the tenant's event sequence: resume after it.
    pub seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_id: Option<StoreId>,
    #[serde(flatten)]
    pub envelope: Envelope<Value>,
    /// When the hub committed it (Unix milliseconds): its mark, which the
    /// stream's SSE id carries and a page's `next_mark` gives.
    #[serde(skip)]
    pub mark: i64,
}

/// Which events to read: those after `after` (or from the oldest kept when
/// `None`), at most `limit`, optionally of one store (chain-wide events
/// included) and of types starting with a prefix.
#[derive(Debug, Clone)]
pub struct EventQuery {
    pub after: Option<u64>,
    /// The mark of the event at `after` as the reader read it (the page's
    /// `next_mark`, when the hub committed it): a hub whose event there bears
    /// another (restored from an older copy, then written on) refuses rather
    /// than serve a history with gaps, and says where to read on.
    pub mark: Option<i64>,
    pub limit: u32,
    pub store: Option<StoreId>,
    pub type_prefix: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventPage {
    pub events: Vec<HubEvent>,
    /// Pass back as `after` for the next page (the last event read, or `after`).
    pub next_after: u64,
    /// The mark of the event at `next_after` (when the hub committed it, in
    /// Unix milliseconds): pass it back as `mark` with `after` (absent
    /// before the first event).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_mark: Option<i64>,
    pub has_more: bool,
    /// The newest event's sequence number: how far the reader has to go.
    pub head: u64,
    /// Events up to this one have been pruned: the smallest `after` accepted.
    pub floor: u64,
}

/// An event to write: its type, who caused it, when, and what it says.
pub struct NewEvent {
    pub event_type: &'static str,
    pub source: String,
    pub store: Option<StoreId>,
    pub occurred_at: Timestamp,
    pub data: Value,
    /// The id of what the event tells of, when that happens once only (a
    /// sale, a return, a stock movement): the event's id is derived from it
    /// ([`NewEvent::id`]), so the same sale recorded again (a till sending
    /// its facts again to a hub restored from a backup) is the same event
    /// to readers that take events once by `event_id`.
    pub once_for: Option<Uuid>,
}

impl NewEvent {
    /// The event's id: derived from [`NewEvent::once_for`] and its type
    /// (UUIDv8 of their SHA-256), or a new UUIDv7.
    pub fn id(&self) -> Uuid {
        match self.once_for {
            Some(of) => {
                let mut hash = Sha256::new();
                hash.update(b"pos-event\0");
                hash.update(self.event_type.as_bytes());
                hash.update(b"\0");
                hash.update(of.as_bytes());
                let digest = hash.finalize();
                let mut bytes = [0u8; 16];
                bytes.copy_from_slice(&digest[..16]);
                uuid::Builder::from_custom_bytes(bytes).into_uuid()
            }
            None => Uuid::now_v7(),
        }
    }
}

const HUB: &str = "hub";

/// Who caused a change made at the hub: the HQ user or key of the request,
/// or the hub itself (a background task).
fn origin() -> String {
    crate::acting::current().unwrap_or_else(|| HUB.to_owned())
}

/// The `source` of a change made now: the HQ user or key of the request, or
/// the hub itself.
pub fn acting_source() -> String {
    origin()
}

fn terminal_or_hub(terminal: Option<pos_shared::TerminalId>) -> String {
    terminal.map_or_else(origin, |t| format!("terminal:{t}"))
}

/// The event a feed change is to HQ. Staff PIN hashes are for tills only.
pub fn for_change(store: Option<StoreId>, body: &ChangeBody) -> NewEvent {
    let now = Timestamp::now();
    let (event_type, source, occurred_at, data) = match body {
        ChangeBody::VariantUpserted(v) => ("catalog.variant.upserted", origin(), now, json!(v)),
        ChangeBody::VariantDeleted { variant_id } => (
            "catalog.variant.deleted",
            origin(),
            now,
            json!({ "variant_id": variant_id }),
        ),
        ChangeBody::CategoryUpserted(c) => ("catalog.category.upserted", origin(), now, json!(c)),
        ChangeBody::PriceScheduled(w) => ("catalog.price.updated", origin(), now, json!(w)),
        ChangeBody::StockMoved(m) => (
            "inventory.stock.adjusted",
            terminal_or_hub(m.terminal_id),
            m.occurred_at,
            json!(m),
        ),
        ChangeBody::DocumentChanged { purpose } => (
            "store.document.changed",
            origin(),
            now,
            json!({ "purpose": purpose }),
        ),
        ChangeBody::StaffUpserted(s) => (
            "store.staff.upserted",
            origin(),
            now,
            json!({
                "staff_id": s.staff_id, "store_id": s.store_id, "name": s.name,
                "code": s.code, "role": s.role, "active": s.active,
            }),
        ),
        ChangeBody::SaleRecorded(s) => (
            "pos.sale.recorded",
            terminal_or_hub(Some(s.terminal_id)),
            s.occurred_at,
            json!(s),
        ),
        ChangeBody::OrderChanged(o) => (
            "store.dark_store.order_sent",
            origin(),
            now,
            json!({ "order_id": o.order_id, "store_id": o.store_id, "state": o.state }),
        ),
        // The writes that make it announce themselves to HQ
        // (`store.assortment.changed`, `inventory.stock.blocked`), so the
        // feed change goes to tills without an event of its own; were one
        // raised, it would read as the assortment's.
        ChangeBody::ItemAtStore(i) => ("store.assortment.changed", origin(), now, json!(i)),
        ChangeBody::PurchaseOrderChanged(po) => (
            "purchase.order.changed",
            origin(),
            now,
            json!({
                "po_id": po.po_id, "number": po.number, "store_id": po.store_id,
                "supplier_id": po.supplier_id, "state": po.state,
            }),
        ),
        // The writes that change a store announce themselves to HQ
        // (`store.status.changed`, `store.gst.changed`); the tills' copy goes
        // to the feed without an event of its own.
        ChangeBody::StoreProfile(p) => ("store.profile.sent", origin(), now, json!(p)),
        ChangeBody::CreditAccountChanged(a) => (
            "credit.account.changed",
            origin(),
            now,
            json!({
                "phone": a.phone, "store_id": a.store_id, "limit": a.limit,
                "dues": a.dues, "closed": a.closed,
            }),
        ),
        ChangeBody::TransferRequested(r) => (
            "inventory.transfer.request_changed",
            origin(),
            now,
            json!(r),
        ),
        // Dispatch and receipt announce themselves to HQ
        // (`inventory.transfer.dispatched`, `.received`); the destination's
        // copy goes to the feed without an event of its own.
        ChangeBody::TransferChanged(t) => ("store.transfer.sent", origin(), now, json!(t)),
        ChangeBody::LoyaltyRulesChanged(r) => ("loyalty.rules.changed", origin(), now, json!(r)),
        ChangeBody::CustomerChanged(c) => ("customer.profile.changed", origin(), now, json!(c)),
        // One event per store told; HQ reads the balance, not the grants.
        ChangeBody::LoyaltyAccountChanged(a) => (
            "loyalty.points.changed",
            origin(),
            now,
            json!({"phone": a.phone, "balance": a.balance}),
        ),
        ChangeBody::ReturnRecorded(r) => (
            "pos.return.recorded",
            terminal_or_hub(Some(r.terminal_id)),
            r.occurred_at,
            json!(r),
        ),
    };
    let once_for = match body {
        ChangeBody::StockMoved(m) => Some(m.movement_id.as_uuid()),
        ChangeBody::SaleRecorded(s) => Some(s.sale_id.as_uuid()),
        ChangeBody::ReturnRecorded(r) => Some(r.return_id.as_uuid()),
        _ => None,
    };
    NewEvent {
        event_type,
        source,
        store,
        occurred_at,
        data,
        once_for,
    }
}

/// An event the hub itself raises (reservations, store status, orderability).
pub fn by_hub(event_type: &'static str, store: Option<StoreId>, data: Value) -> NewEvent {
    NewEvent {
        event_type,
        source: origin(),
        store,
        occurred_at: Timestamp::now(),
        data,
        once_for: None,
    }
}
