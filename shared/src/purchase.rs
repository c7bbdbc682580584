//! Buying stock in: a purchase order HQ (or the store) raises to a supplier
//! for one store, as the store's terminals hear of it, and a goods receipt
//! (GRN), the delivery as the store took it in by scanning: what came, into
//! which batch, what was refused as damaged.
//!
//! A receipt is a fact made at the till, offline if need be: its accepted
//! quantities are `receipt` movements into the batches scanned; damaged
//! goods go back with the driver and move nothing. The hub compares every
//! receipt of an order with what was ordered (short, excess, not ordered),
//! so differences reach HQ without anyone typing them twice. Each receipt
//! is one delivery: two receipts of one order are two deliveries.

use crate::sale::SaleCashier;
use crate::sync::{Batch, MovementReason, MovementRecord};
use crate::{MovementId, Qty, StoreId, TerminalId, Timestamp, VariantId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most lines an order or a receipt has.
pub const MAX_PURCHASE_LINES: usize = 1_000;

/// The most characters of a supplier's bill number and of a note.
pub const MAX_BILL_NO: usize = 40;
pub const MAX_PURCHASE_NOTE: usize = 200;

/// Where an order stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseOrderState {
    /// Raised; nothing received yet.
    Open,
    /// Some of it received, more expected.
    PartReceived,
    /// Every line received in full (or more).
    Received,
    /// HQ expects no more of it (what came stands).
    Closed,
    /// Called off before anything came.
    Cancelled,
}

impl PurchaseOrderState {
    pub fn as_str(self) -> &'static str {
        match self {
            PurchaseOrderState::Open => "open",
            PurchaseOrderState::PartReceived => "part_received",
            PurchaseOrderState::Received => "received",
            PurchaseOrderState::Closed => "closed",
            PurchaseOrderState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            PurchaseOrderState::Open,
            PurchaseOrderState::PartReceived,
            PurchaseOrderState::Received,
            PurchaseOrderState::Closed,
            PurchaseOrderState::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Whether the store still expects goods against it.
    pub fn expecting(self) -> bool {
        matches!(
            self,
            PurchaseOrderState::Open | PurchaseOrderState::PartReceived
        )
    }
}

/// One item of an order, with what the hub has heard was received of it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderedLine {
    pub variant_id: VariantId,
    pub ordered: Qty,
    /// Accepted into stock by receipts the hub has stored.
    #[serde(default)]
    pub received: Qty,
    /// The agreed cost of one unit in minor units (paise), when HQ gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "number"))]
    pub unit_cost_minor: Option<i64>,
}

/// A purchase order for one store, as its terminals hear of it (the feed's
/// `purchase_order_changed`, the snapshot's open orders; protocol 10).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrder {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub po_id: Uuid,
    /// `PO-000042`: what the supplier's delivery note quotes.
    pub number: String,
    pub store_id: StoreId,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub supplier_id: Uuid,
    pub supplier_name: String,
    pub state: PurchaseOrderState,
    pub raised_at: Timestamp,
    /// `YYYY-MM-DD`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub expected_on: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<String>"))]
    pub note: String,
    pub lines: Vec<OrderedLine>,
}

/// One item of a delivery, in one batch.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedLine {
    pub variant_id: VariantId,
    /// The batch the goods came in (from the GS1 label, or typed); absent
    /// for stock whose batches are not tracked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub batch: Option<Batch>,
    /// Accepted into stock.
    pub received: Qty,
    /// Refused at the door as damaged: sent back, not in stock.
    #[serde(default)]
    pub damaged: Qty,
    /// The `receipt` movement of what was accepted; absent when nothing was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub movement_id: Option<MovementId>,
}

/// A delivery taken in at the store (a fact, protocol 10).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoodsReceived {
    /// The receipt's own id (the fact's).
    pub receipt_id: Uuid,
    /// The order it was received against; absent for a delivery nobody
    /// ordered through the system (its supplier is then named).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_id: Option<Uuid>,
    pub supplier_id: Uuid,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub started_at: Timestamp,
    pub received_at: Timestamp,
    pub received_by: SaleCashier,
    /// The number on the supplier's bill or delivery note, as typed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub bill_no: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    pub lines: Vec<ReceivedLine>,
}

impl GoodsReceived {
    /// The receipt movements of what was accepted, into its batches.
    pub fn movements(&self) -> Vec<MovementRecord> {
        self.lines
            .iter()
            .filter_map(|line| {
                Some(MovementRecord {
                    movement_id: line.movement_id?,
                    store_id: self.store_id,
                    variant_id: line.variant_id,
                    delta: line.received,
                    reason: MovementReason::Receipt,
                    sale_id: None,
                    terminal_id: Some(self.terminal_id),
                    occurred_at: self.received_at,
                    batch: line.batch.clone(),
                })
            })
            .collect()
    }

    /// The shape a receipt keeps on its own; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        let who = self.received_by.name.trim();
        if who.is_empty() || who.chars().count() > 80 {
            return Err("received_by.name: 1 to 80 characters".into());
        }
        if self.bill_no.chars().count() > MAX_BILL_NO
            || self.bill_no.chars().any(crate::text::unseen)
        {
            return Err(format!(
                "bill_no: at most {MAX_BILL_NO} characters, without control characters"
            ));
        }
        if self.note.chars().count() > MAX_PURCHASE_NOTE {
            return Err(format!("note: at most {MAX_PURCHASE_NOTE} characters"));
        }
        if self.received_at.unix_millis() < self.started_at.unix_millis() {
            return Err("received_at: before started_at".into());
        }
        if self.lines.is_empty() {
            return Err("lines: a receipt takes in at least one item".into());
        }
        if self.lines.len() > MAX_PURCHASE_LINES {
            return Err(format!(
                "lines: at most {MAX_PURCHASE_LINES} lines a receipt"
            ));
        }
        let mut seen = std::collections::HashSet::with_capacity(self.lines.len());
        for (i, line) in self.lines.iter().enumerate() {
            if !seen.insert((line.variant_id, line.batch.as_ref().map(|b| &b.code))) {
                return Err(format!(
                    "lines[{i}].batch: item {} is listed twice in the same batch",
                    line.variant_id
                ));
            }
            if let Some(batch) = &line.batch {
                batch
                    .validate()
                    .map_err(|(field, detail)| format!("lines[{i}].batch.{field}: {detail}"))?;
            }
            for (field, qty) in [("received", line.received), ("damaged", line.damaged)] {
                if qty.milli() < 0 || qty > crate::limits::MAX_LINE_QTY {
                    return Err(format!(
                        "lines[{i}].{field}: {qty} is not between 0 and {}",
                        crate::limits::MAX_LINE_QTY
                    ));
                }
            }
            if line.received == Qty::ZERO && line.damaged == Qty::ZERO {
                return Err(format!("lines[{i}]: nothing received and nothing damaged"));
            }
            match (line.received.is_positive(), line.movement_id) {
                (true, None) => {
                    return Err(format!(
                        "lines[{i}].movement_id: needed for the {} received",
                        line.received
                    ))
                }
                (false, Some(_)) => {
                    return Err(format!(
                        "lines[{i}].movement_id: nothing was received, so nothing moves"
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(lines: Vec<ReceivedLine>) -> GoodsReceived {
        GoodsReceived {
            receipt_id: Uuid::now_v7(),
            po_id: Some(Uuid::now_v7()),
            supplier_id: Uuid::now_v7(),
            store_id: StoreId::new(),
            terminal_id: TerminalId::new(),
            started_at: Timestamp::from_unix_millis(1_000),
            received_at: Timestamp::from_unix_millis(2_000),
            received_by: SaleCashier {
                staff_id: crate::StaffId::new(),
                name: "Ravi".into(),
            },
            bill_no: "INV-77".into(),
            note: String::new(),
            lines,
        }
    }

    fn line(received: i64, damaged: i64, batch: Option<&str>) -> ReceivedLine {
        ReceivedLine {
            variant_id: VariantId::new(),
            batch: batch.map(|code| Batch {
                code: code.into(),
                expires_on: "2027-03-31".into(),
            }),
            received: Qty::from_milli(received),
            damaged: Qty::from_milli(damaged),
            movement_id: (received > 0).then(MovementId::new),
        }
    }

    #[test]
    fn what_was_accepted_moves_into_its_batch_and_damage_moves_nothing() {
        let r = receipt(vec![line(12_000, 2_000, Some("L1")), line(0, 3_000, None)]);
        r.validate().unwrap();
        let moves = r.movements();
        assert_eq!(moves.len(), 1);
        assert_eq!(moves[0].delta, Qty::from_milli(12_000));
        assert_eq!(moves[0].reason, MovementReason::Receipt);
        assert_eq!(moves[0].batch.as_ref().unwrap().code, "L1");
        assert_eq!(moves[0].occurred_at, r.received_at);
    }

    #[test]
    fn a_receipt_that_does_not_add_up_is_refused_by_field() {
        let err = |r: GoodsReceived| r.validate().unwrap_err();
        assert!(err(receipt(vec![])).starts_with("lines:"));
        assert!(err(receipt(vec![line(0, 0, None)])).starts_with("lines[0]:"));
        assert!(err(receipt(vec![line(-1_000, 0, None)])).starts_with("lines[0].received"));
        let mut no_move = line(1_000, 0, None);
        no_move.movement_id = None;
        assert!(err(receipt(vec![no_move])).starts_with("lines[0].movement_id"));
        let twice = line(1_000, 0, Some("L1"));
        assert!(err(receipt(vec![twice.clone(), twice])).contains("twice"));
        let mut bad_day = line(1_000, 0, Some("L1"));
        bad_day.batch.as_mut().unwrap().expires_on = "31/03/2027".into();
        assert!(err(receipt(vec![bad_day])).starts_with("lines[0].batch.expires_on"));
        let mut r = receipt(vec![line(1_000, 0, None)]);
        r.received_at = Timestamp::from_unix_millis(10);
        assert!(err(r).starts_with("received_at"));
    }

    #[test]
    fn states_read_back_and_only_open_ones_expect_goods() {
        for s in ["open", "part_received", "received", "closed", "cancelled"] {
            let state = PurchaseOrderState::parse(s).unwrap();
            assert_eq!(state.as_str(), s);
            assert_eq!(state.expecting(), s == "open" || s == "part_received");
        }
        assert!(PurchaseOrderState::parse("shipped").is_none());
    }
}
