//! What the receiving screens show: the orders the store can receive
//! against (the hub's figures, and this terminal's receipts it has not yet
//! acknowledged), and a receipt's sheet, its lines and the delivery against
//! the order item by item (short, extra, damaged, not ordered).

use super::super::TillError;
use crate::store::receiving::{self as db, ReceiptHeader, ReceiptState};
use crate::store::StoreResult;
use pos_shared::sync::Batch;
use pos_shared::{Qty, Timestamp, VariantId};
use rusqlite::Connection;
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// One item of an order the store still expects.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectedItem {
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    pub ordered: Qty,
    /// Received so far: what the hub says, and this terminal's receipts it
    /// has not heard of yet.
    pub received: Qty,
    pub outstanding: Qty,
}

/// An order the store can receive against.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderToReceive {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub po_id: Uuid,
    pub number: String,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub supplier_id: Uuid,
    pub supplier_name: String,
    pub state: pos_shared::purchase::PurchaseOrderState,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub expected_on: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<String>"))]
    pub note: String,
    pub items: Vec<ExpectedItem>,
}

/// A supplier the store has ordered from: a delivery without an order is
/// received from one of them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownSupplier {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub supplier_id: Uuid,
    pub name: String,
}

/// What the store can receive against: its open orders, and the suppliers
/// it knows for a delivery nobody ordered through the system.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receivable {
    pub orders: Vec<OrderToReceive>,
    pub suppliers: Vec<KnownSupplier>,
}

/// A line of the delivery.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveredLine {
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub batch: Option<Batch>,
    pub received: Qty,
    pub damaged: Qty,
}

/// An item of the delivery against the order.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgainstOrder {
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    /// Zero for an item not on the order.
    pub ordered: Qty,
    /// Received by earlier deliveries.
    pub before: Qty,
    /// Accepted in this delivery, every batch added up.
    pub now: Qty,
    pub damaged: Qty,
    /// Still to come after this delivery.
    pub short: Qty,
    /// Beyond what was ordered (all of it for an item not ordered).
    pub excess: Qty,
}

/// A receipt as its screen shows it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptSheet {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub receipt_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "string"))]
    pub po_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub po_number: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub supplier_id: Uuid,
    pub supplier_name: String,
    pub state: ReceiptState,
    pub started_at: Timestamp,
    pub started_by: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<String>"))]
    pub bill_no: String,
    pub lines: Vec<DeliveredLine>,
    /// Item by item against the order (items of the order not delivered
    /// included); empty for a delivery without an order.
    pub against_order: Vec<AgainstOrder>,
    /// Lines with something accepted, and with something sent back (lines,
    /// not quantities: items differ in their units).
    pub lines_received: u32,
    pub lines_damaged: u32,
    /// Whether the delivery differs from what is outstanding on the order.
    pub differs: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub closed_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub closed_by: Option<String>,
}

/// Every item's received figure on `po`: the hub's, and this terminal's
/// receipts it has not acknowledged.
fn received_so_far(
    conn: &Connection,
    po: &pos_shared::purchase::PurchaseOrder,
) -> StoreResult<BTreeMap<VariantId, Qty>> {
    let mut so_far: BTreeMap<VariantId, Qty> = po
        .lines
        .iter()
        .map(|l| (l.variant_id, l.received))
        .collect();
    for (variant, qty) in db::unacknowledged(conn, po.po_id)? {
        let was = so_far.entry(variant).or_insert(Qty::ZERO);
        *was = Qty::from_milli(was.milli().saturating_add(qty.milli()));
    }
    Ok(so_far)
}

pub(super) fn receivable_now(conn: &Connection) -> StoreResult<Receivable> {
    let all = db::orders(conn)?;
    let mut suppliers: BTreeMap<Uuid, String> = BTreeMap::new();
    let mut orders = Vec::new();
    for po in all {
        suppliers.insert(po.supplier_id, po.supplier_name.clone());
        if !po.state.expecting() {
            continue;
        }
        let so_far = received_so_far(conn, &po)?;
        let mut items = Vec::with_capacity(po.lines.len());
        for line in &po.lines {
            let (sku, name) = crate::store::catalog::sku_and_name(conn, line.variant_id)?;
            let received = so_far.get(&line.variant_id).copied().unwrap_or(Qty::ZERO);
            items.push(ExpectedItem {
                variant_id: line.variant_id,
                sku,
                name,
                ordered: line.ordered,
                received,
                outstanding: Qty::from_milli(
                    line.ordered.milli().saturating_sub(received.milli()).max(0),
                ),
            });
        }
        orders.push(OrderToReceive {
            po_id: po.po_id,
            number: po.number,
            supplier_id: po.supplier_id,
            supplier_name: po.supplier_name,
            state: po.state,
            expected_on: po.expected_on,
            note: po.note,
            items,
        });
    }
    let mut suppliers: Vec<KnownSupplier> = suppliers
        .into_iter()
        .map(|(supplier_id, name)| KnownSupplier { supplier_id, name })
        .collect();
    suppliers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Receivable { orders, suppliers })
}

pub(super) fn sheet_of(conn: &Connection, header: ReceiptHeader) -> StoreResult<ReceiptSheet> {
    let lines = db::lines(conn, header.receipt_id)?;
    let mut delivered = Vec::with_capacity(lines.len());
    let mut now: BTreeMap<VariantId, (Qty, Qty)> = BTreeMap::new();
    let (mut received, mut damaged) = (0u32, 0u32);
    for line in lines {
        let (sku, name) = crate::store::catalog::sku_and_name(conn, line.variant_id)?;
        let sum = now.entry(line.variant_id).or_insert((Qty::ZERO, Qty::ZERO));
        *sum = (
            Qty::from_milli(sum.0.milli() + line.received.milli()),
            Qty::from_milli(sum.1.milli() + line.damaged.milli()),
        );
        received += u32::from(line.received.is_positive());
        damaged += u32::from(line.damaged.is_positive());
        delivered.push(DeliveredLine {
            variant_id: line.variant_id,
            sku,
            name,
            batch: line.batch,
            received: line.received,
            damaged: line.damaged,
        });
    }
    let order = match header.po_id {
        Some(po) => db::order(conn, po)?,
        None => None,
    };
    let mut against = Vec::new();
    if let Some(po) = &order {
        let mut so_far = received_so_far(conn, po)?;
        if header.state == ReceiptState::Posted {
            // A posted receipt is one of the earlier deliveries now: take it
            // out so its own figures are not counted twice.
            for (variant, (r, _)) in &now {
                if let Some(q) = so_far.get_mut(variant) {
                    *q = Qty::from_milli((q.milli() - r.milli()).max(0));
                }
            }
        }
        let unordered: Vec<VariantId> = now
            .keys()
            .filter(|v| !po.lines.iter().any(|l| l.variant_id == **v))
            .copied()
            .collect();
        let mut row =
            |variant: VariantId, ordered: Qty, before: Qty| -> StoreResult<AgainstOrder> {
                let (sku, name) = crate::store::catalog::sku_and_name(conn, variant)?;
                let (this, broken) = now.remove(&variant).unwrap_or((Qty::ZERO, Qty::ZERO));
                let gap = ordered.milli() - before.milli() - this.milli();
                let excess = if ordered == Qty::ZERO {
                    this.milli()
                } else {
                    (-gap).max(0).min(this.milli())
                };
                Ok(AgainstOrder {
                    variant_id: variant,
                    sku,
                    name,
                    ordered,
                    before,
                    now: this,
                    damaged: broken,
                    short: Qty::from_milli(gap.max(0)),
                    excess: Qty::from_milli(excess),
                })
            };
        for line in &po.lines {
            let before = so_far.get(&line.variant_id).copied().unwrap_or(Qty::ZERO);
            against.push(row(line.variant_id, line.ordered, before)?);
        }
        for variant in unordered {
            against.push(row(variant, Qty::ZERO, Qty::ZERO)?);
        }
    }
    let differs = !delivered.is_empty()
        && against
            .iter()
            .any(|a| a.short.is_positive() || a.excess.is_positive() || a.damaged.is_positive());
    Ok(ReceiptSheet {
        receipt_id: header.receipt_id,
        po_id: header.po_id,
        po_number: order.map(|o| o.number),
        supplier_id: header.supplier_id,
        supplier_name: header.supplier_name,
        state: header.state,
        started_at: header.started_at,
        started_by: header.started_by.name,
        bill_no: header.bill_no,
        lines: delivered,
        against_order: against,
        lines_received: received,
        lines_damaged: damaged,
        differs,
        closed_at: header.closed.as_ref().map(|c| c.0),
        closed_by: header.closed.map(|c| c.1.name),
    })
}

pub(super) fn sheet_now(
    conn: &Connection,
    id: Uuid,
) -> StoreResult<Result<ReceiptSheet, TillError>> {
    match db::receipt(conn, id)? {
        Some(header) => Ok(Ok(sheet_of(conn, header)?)),
        None => Ok(Err(TillError::NotFound("goods receipt"))),
    }
}
