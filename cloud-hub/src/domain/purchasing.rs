//! Buying stock in, as HQ sees it: suppliers, the purchase orders raised to
//! them for a store, and every delivery the store took in against an order
//! (or without one), with what differs from what was ordered. The deliveries
//! themselves are received by scan at the store's tills
//! (`pos_shared::purchase`) and arrive as facts.

use pos_shared::purchase::PurchaseOrderState;
use pos_shared::sale::SaleCashier;
use pos_shared::sync::Batch;
use pos_shared::{MovementId, Qty, StoreId, TerminalId, Timestamp, VariantId};
use serde::Serialize;
use uuid::Uuid;

/// The most characters of a supplier's name.
pub const MAX_SUPPLIER_NAME: usize = 120;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Supplier {
    pub supplier_id: Uuid,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gstin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub created_at: Timestamp,
}

/// A supplier as HQ adds it, already checked.
#[derive(Debug, Clone)]
pub struct NewSupplier {
    pub supplier_id: Uuid,
    pub name: String,
    pub gstin: Option<String>,
    pub phone: Option<String>,
}

/// One item of an order as HQ raises it.
#[derive(Debug, Clone)]
pub struct NewOrderLine {
    pub variant_id: VariantId,
    pub ordered: Qty,
    pub unit_cost_minor: Option<i64>,
}

/// An order as HQ raises it, already checked for shape.
#[derive(Debug, Clone)]
pub struct NewPurchaseOrder {
    pub po_id: Uuid,
    pub store_id: StoreId,
    pub supplier_id: Uuid,
    pub expected_on: Option<String>,
    pub note: String,
    pub lines: Vec<NewOrderLine>,
    /// Who raised it (an event source: `hq:key:…`, `hq:user:…`).
    pub raised_by: String,
}

/// Raising an order again with the same id gives the order back.
#[derive(Debug, Clone)]
pub enum RaisedOrder {
    Created(PurchaseOrderReport),
    Existing(PurchaseOrderReport),
}

/// One item of an order against everything received of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OrderLineReport {
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    /// Zero for an item delivered that was not on the order.
    pub ordered: Qty,
    /// Accepted into stock, every receipt of the order added up.
    pub received: Qty,
    /// Refused at the door as damaged.
    pub damaged: Qty,
    /// Ordered and not (yet) received.
    pub short: Qty,
    /// Received beyond what was ordered (all of it, for an item not ordered).
    pub excess: Qty,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_cost_minor: Option<i64>,
}

/// One delivery: who took it in, where and when, and what it came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReceiptSummary {
    pub receipt_id: Uuid,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub po_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub po_number: Option<String>,
    pub supplier_id: Uuid,
    pub supplier_name: String,
    pub received_at: Timestamp,
    pub received_by: SaleCashier,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub bill_no: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Set when the delivery reached the hub after HQ had closed or
    /// cancelled its order (a cancelled order that took goods in is closed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_was: Option<PurchaseOrderState>,
    /// An earlier delivery from the same supplier under the same bill number
    /// (two tills receiving one delivery while apart, or a bill typed twice).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_bill_as: Option<Uuid>,
    pub lines: u64,
    /// Lines with something accepted into stock, and with something sent
    /// back damaged (counted in lines: items differ in their units).
    pub lines_received: u64,
    pub lines_damaged: u64,
}

/// One line of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReceivedItem {
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    /// As the label (or the clerk) gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<Batch>,
    /// The expiry of the store's batch of the same code, when it differs
    /// from the label's: the stock went in under it, for HQ to sort out with
    /// the supplier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_expires_on: Option<String>,
    pub received: Qty,
    pub damaged: Qty,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub movement_id: Option<MovementId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReceiptReport {
    #[serde(flatten)]
    pub summary: ReceiptSummary,
    pub items: Vec<ReceivedItem>,
}

/// An order in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PurchaseOrderSummary {
    pub po_id: Uuid,
    pub number: String,
    pub store_id: StoreId,
    pub supplier_id: Uuid,
    pub supplier_name: String,
    pub state: PurchaseOrderState,
    pub raised_at: Timestamp,
    pub raised_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_on: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    pub lines: u64,
    /// Deliveries received against it.
    pub receipts: u64,
    /// Still expected after its `expected_on`.
    pub overdue: bool,
}

/// An order with, line by line, what was received against it and what
/// differs, and its deliveries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PurchaseOrderReport {
    #[serde(flatten)]
    pub summary: PurchaseOrderSummary,
    /// The order's lines in the order raised, then items delivered that were
    /// not ordered.
    pub items: Vec<OrderLineReport>,
    /// Whether anything differs from the order: short, excess, damaged or
    /// not ordered.
    pub differs: bool,
    pub deliveries: Vec<ReceiptSummary>,
    /// What the order is worth at its agreed unit costs, and what of it came
    /// into stock, in minor units (paise); absent when no line has a cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordered_minor: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_minor: Option<i64>,
}

impl PurchaseOrderReport {
    /// The state the order's deliveries put it in, from `Open` or
    /// `PartReceived` (HQ's closing and cancelling stand): open until an
    /// ordered item is accepted (a delivery of damaged or unordered goods
    /// only leaves it open), received once every ordered item is in full.
    pub fn state_from_deliveries(items: &[OrderLineReport]) -> PurchaseOrderState {
        let ordered: Vec<&OrderLineReport> =
            items.iter().filter(|i| i.ordered.is_positive()).collect();
        if !ordered.iter().any(|i| i.received.is_positive()) {
            PurchaseOrderState::Open
        } else if ordered.iter().all(|i| i.received >= i.ordered) {
            PurchaseOrderState::Received
        } else {
            PurchaseOrderState::PartReceived
        }
    }

    /// Whether anything was accepted into stock against it.
    pub fn anything_accepted(&self) -> bool {
        self.items.iter().any(|i| i.received.is_positive())
    }
}

/// What an order's line comes to against what was received: (short, excess).
pub fn differences(ordered: Qty, received: Qty) -> (Qty, Qty) {
    let gap = ordered.milli().saturating_sub(received.milli());
    (Qty::from_milli(gap.max(0)), Qty::from_milli((-gap).max(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_excess_are_the_two_sides_of_one_gap() {
        let q = Qty::from_milli;
        assert_eq!(differences(q(10_000), q(7_000)), (q(3_000), q(0)));
        assert_eq!(differences(q(10_000), q(12_000)), (q(0), q(2_000)));
        assert_eq!(differences(q(0), q(4_000)), (q(0), q(4_000)));
        assert_eq!(differences(q(5_000), q(5_000)), (q(0), q(0)));
    }
}
