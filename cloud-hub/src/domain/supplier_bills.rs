//! A supplier's bill matched to the deliveries it charges for (the last step
//! of PO → GRN → bill): item by item, what was billed against what those
//! receipts accepted into stock, and the billed cost against what the orders
//! agreed. HQ's accountant enters the bill; the hub says what does not match.

use pos_shared::{Qty, Timestamp, VariantId};
use serde::Serialize;
use uuid::Uuid;

/// The most lines and receipts one bill has.
pub const MAX_BILL_LINES: usize = 1_000;
pub const MAX_BILL_RECEIPTS: usize = 100;

/// One line of a bill as HQ enters it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBillLine {
    pub variant_id: VariantId,
    pub qty: Qty,
    pub unit_cost_minor: i64,
}

/// A bill as HQ enters it, already checked for shape.
#[derive(Debug, Clone)]
pub struct NewSupplierBill {
    pub bill_id: Uuid,
    pub supplier_id: Uuid,
    pub bill_no: String,
    /// `YYYY-MM-DD`.
    pub bill_date: String,
    pub receipt_ids: Vec<Uuid>,
    pub lines: Vec<NewBillLine>,
    /// Who entered it (an event source).
    pub recorded_by: String,
}

/// Entering a bill again with the same id gives the bill back.
#[derive(Debug, Clone)]
pub enum EnteredBill {
    Created(SupplierBill),
    Existing(SupplierBill),
}

/// What differs on one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BillFinding {
    /// Billed, and none of it came in on the bill's receipts.
    BilledNotReceived,
    /// Came in on the bill's receipts, and is not on the bill.
    ReceivedNotBilled,
    /// Billed for more than came in.
    OverBilled,
    /// Billed for less than came in.
    UnderBilled,
    /// A unit billed dearer than the order agreed.
    PriceAboveOrder,
    /// A unit billed cheaper than the order agreed.
    PriceBelowOrder,
    /// On none of the orders the bill's receipts were received against.
    NotOrdered,
}

/// One item of a bill against its receipts and orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BillLineMatch {
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    pub billed: Qty,
    /// Accepted into stock by the bill's receipts.
    pub received: Qty,
    /// What one unit is billed at (absent for an item received, not billed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_cost_minor: Option<i64>,
    /// What the order agreed for one unit, when it said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordered_cost_minor: Option<i64>,
    /// `billed × unit_cost`, in minor units (paise), rounded half up.
    pub billed_minor: i64,
    /// Empty when the line matches.
    pub findings: Vec<BillFinding>,
}

/// A receipt a bill charges for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BilledReceipt {
    pub receipt_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub po_number: Option<String>,
    pub received_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SupplierBill {
    pub bill_id: Uuid,
    pub supplier_id: Uuid,
    pub supplier_name: String,
    pub bill_no: String,
    pub bill_date: String,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
    pub receipts: Vec<BilledReceipt>,
    /// The bill's items, then items received and not billed.
    pub lines: Vec<BillLineMatch>,
    /// The bill's total, in minor units.
    pub billed_minor: i64,
    /// Every line matches: quantities as received, prices as ordered.
    pub matched: bool,
}

/// `qty × unit cost` in minor units, rounded half up (away from zero).
pub fn amount_minor(qty: Qty, unit_cost_minor: i64) -> i64 {
    let milli = i128::from(qty.milli()) * i128::from(unit_cost_minor);
    let rounded = (milli.abs() + 500) / 1000 * milli.signum();
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

/// What one item comes to: billed `(qty, unit cost)` if billed, received
/// quantity, and the order's cost if it said one.
pub fn findings(
    billed: Option<(Qty, i64)>,
    received: Qty,
    ordered_cost: Option<i64>,
) -> Vec<BillFinding> {
    let mut found = Vec::new();
    match billed {
        None if received.is_positive() => found.push(BillFinding::ReceivedNotBilled),
        None => {}
        Some((qty, cost)) => {
            if received == Qty::ZERO {
                found.push(BillFinding::BilledNotReceived);
            } else if qty > received {
                found.push(BillFinding::OverBilled);
            } else if qty < received {
                found.push(BillFinding::UnderBilled);
            }
            match ordered_cost {
                Some(agreed) if cost > agreed => found.push(BillFinding::PriceAboveOrder),
                Some(agreed) if cost < agreed => found.push(BillFinding::PriceBelowOrder),
                _ => {}
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_half_up_in_paise() {
        assert_eq!(amount_minor(Qty::units(24), 11_000), 264_000);
        assert_eq!(amount_minor(Qty::from_milli(1_255), 1_000), 1_255);
        assert_eq!(amount_minor(Qty::from_milli(333), 1_5), 5);
        assert_eq!(
            amount_minor(Qty::from_milli(100), 5),
            1,
            "0.5 paise rounds up"
        );
    }

    #[test]
    fn each_difference_is_named() {
        use BillFinding::*;
        let q = Qty::units;
        assert!(findings(Some((q(24), 110)), q(24), Some(110)).is_empty());
        assert_eq!(
            findings(Some((q(25), 110)), q(24), Some(110)),
            vec![OverBilled]
        );
        assert_eq!(
            findings(Some((q(20), 120)), q(24), Some(110)),
            vec![UnderBilled, PriceAboveOrder]
        );
        assert_eq!(
            findings(Some((q(2), 100)), Qty::ZERO, None),
            vec![BilledNotReceived]
        );
        assert_eq!(findings(None, q(3), Some(110)), vec![ReceivedNotBilled]);
        assert_eq!(
            findings(Some((q(24), 100)), q(24), Some(110)),
            vec![PriceBelowOrder]
        );
    }
}
