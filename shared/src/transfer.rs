//! Stock sent from one store of a chain to another (a dark store restocking
//! from a warehouse store, a slow seller's stock moved to where it sells).
//!
//! HQ either dispatches a transfer itself (the stock leaves the source at
//! once) or **requests** one: the source store picks the goods, scans them
//! out at a till (offline too) and so dispatches the transfer for what it
//! really sent. Either way the transfer is then in transit, and the
//! destination store receives it by scanning what arrived, into the batches
//! that were sent; what did not arrive is the shortfall.
//!
//! A dispatch and an arrival made at a till are facts (protocol 12). A
//! request is dispatched once and a transfer received once: when two tills
//! do the same one while apart, the hub keeps the first it hears of and
//! refuses the second with [`TRANSFER_SETTLED`], and that till takes its
//! movements back, so the stock moves once.

use crate::sale::SaleCashier;
use crate::sync::{Batch, MovementReason, MovementRecord};
use crate::{MovementId, Qty, StoreId, TerminalId, Timestamp, VariantId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How the hub's refusal of a dispatch or an arrival that came second
/// begins: the till that made it takes its movements back.
pub const TRANSFER_SETTLED: &str = "transfer_settled:";

/// The most characters of a transfer's note.
pub const MAX_TRANSFER_NOTE: usize = 200;

/// Where a transfer stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferState {
    /// Dispatched: out of the source's stock, not yet in the destination's.
    InTransit,
    Received,
}

impl TransferState {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferState::InTransit => "in_transit",
            TransferState::Received => "received",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "in_transit" => Some(TransferState::InTransit),
            "received" => Some(TransferState::Received),
            _ => None,
        }
    }
}

/// A transfer on its way or arrived: what HQ reads, and what the
/// destination's tills hear while it is in transit (`transfer_changed`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// Also the id of its `transfer_out` movement at the source.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub transfer_id: Uuid,
    /// The request it fulfils, when a store dispatched it at HQ's request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "string"))]
    pub request_id: Option<Uuid>,
    pub from_store_id: StoreId,
    #[serde(default)]
    pub from_store_name: String,
    pub to_store_id: StoreId,
    #[serde(default)]
    pub to_store_name: String,
    pub variant_id: VariantId,
    /// What was sent.
    pub qty: Qty,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<String>"))]
    pub note: String,
    pub state: TransferState,
    pub dispatched_at: Timestamp,
    /// Who scanned it out, when a till dispatched it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub dispatched_by: Option<String>,
    /// What arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub received_qty: Option<Qty>,
    /// What was sent and did not arrive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub shortfall: Option<Qty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub received_at: Option<Timestamp>,
    /// Who scanned it in, when a till received it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub received_by: Option<String>,
    /// The batches it took from the source, first expiry first; stock the
    /// source did not track by batch is not listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<Vec<TransferBatch>>"))]
    pub batches: Vec<TransferBatch>,
}

/// Part of a transfer that came from one batch.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferBatch {
    pub code: String,
    /// `YYYY-MM-DD`.
    pub expires_on: String,
    pub qty: Qty,
    /// How much of it arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub received_qty: Option<Qty>,
}

/// Splits what arrived over the batches sent, in their order (first expiry
/// first): each gets what it sent until the arrivals run out.
pub fn allot_arrivals(sent: &[i64], arrived: i64) -> Vec<i64> {
    let mut left = arrived.max(0);
    sent.iter()
        .map(|&qty| {
            let got = left.min(qty);
            left -= got;
            got
        })
        .collect()
}

/// Where HQ's request for a store to send stock stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferRequestState {
    /// Waiting for the source store to pick and dispatch it.
    Open,
    /// Scanned out at the source: its transfer is on its way.
    Dispatched,
    /// Called off by HQ before the store dispatched it.
    Cancelled,
}

impl TransferRequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferRequestState::Open => "open",
            TransferRequestState::Dispatched => "dispatched",
            TransferRequestState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "open" => Some(TransferRequestState::Open),
            "dispatched" => Some(TransferRequestState::Dispatched),
            "cancelled" => Some(TransferRequestState::Cancelled),
            _ => None,
        }
    }
}

/// HQ's request that a store pick and send stock to another store, as HQ
/// reads it and as the source store's tills hear it
/// (`transfer_requested`; the open ones in a snapshot).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRequest {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub request_id: Uuid,
    pub from_store_id: StoreId,
    #[serde(default)]
    pub from_store_name: String,
    pub to_store_id: StoreId,
    #[serde(default)]
    pub to_store_name: String,
    pub variant_id: VariantId,
    /// What HQ asked for; the store sends what it has of it.
    pub qty: Qty,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<String>"))]
    pub note: String,
    pub state: TransferRequestState,
    pub raised_at: Timestamp,
    /// The transfer the store dispatched for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "string"))]
    pub transfer_id: Option<Uuid>,
}

/// A request dispatched at a till: the goods scanned out (a fact,
/// protocol 12). Its `transfer_out` movement's id is the transfer's.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferDispatched {
    /// The transfer it starts (the fact's id and its movement's).
    pub transfer_id: Uuid,
    pub request_id: Uuid,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub variant_id: VariantId,
    /// What was scanned out: at most what was asked for.
    pub qty: Qty,
    pub dispatched_at: Timestamp,
    pub dispatched_by: SaleCashier,
}

impl TransferDispatched {
    /// The stock that left the source.
    pub fn movements(&self) -> Vec<MovementRecord> {
        vec![MovementRecord {
            movement_id: MovementId::from_uuid(self.transfer_id),
            store_id: self.store_id,
            variant_id: self.variant_id,
            delta: -self.qty,
            reason: MovementReason::TransferOut,
            sale_id: None,
            terminal_id: Some(self.terminal_id),
            occurred_at: self.dispatched_at,
            batch: None,
        }]
    }

    /// The shape a dispatch keeps on its own; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        check_who(&self.dispatched_by, "dispatched_by")?;
        check_qty("qty", self.qty)?;
        if !self.qty.is_positive() {
            return Err("qty: a dispatch sends something".into());
        }
        Ok(())
    }
}

/// One batch of what arrived, or the part of it no batch names.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArrivedLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Batch>,
    pub qty: Qty,
    /// Its `transfer_in` movement at the destination.
    pub movement_id: MovementId,
}

/// A transfer received at a till: what arrived, by batch (a fact,
/// protocol 12). Nothing arrived is a receipt too: all of it is short.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferReceived {
    /// The receipt's own id (the fact's).
    pub receipt_id: Uuid,
    pub transfer_id: Uuid,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub variant_id: VariantId,
    pub received_at: Timestamp,
    pub received_by: SaleCashier,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<ArrivedLine>,
}

impl TransferReceived {
    /// All that arrived.
    pub fn arrived(&self) -> Qty {
        Qty::from_milli(self.lines.iter().map(|l| l.qty.milli()).sum())
    }

    /// The stock that came in, into its batches.
    pub fn movements(&self) -> Vec<MovementRecord> {
        self.lines
            .iter()
            .map(|line| MovementRecord {
                movement_id: line.movement_id,
                store_id: self.store_id,
                variant_id: self.variant_id,
                delta: line.qty,
                reason: MovementReason::TransferIn,
                sale_id: None,
                terminal_id: Some(self.terminal_id),
                occurred_at: self.received_at,
                batch: line.batch.clone(),
            })
            .collect()
    }

    /// The shape a receipt keeps on its own; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        check_who(&self.received_by, "received_by")?;
        let mut batches = std::collections::HashSet::new();
        for (i, line) in self.lines.iter().enumerate() {
            check_qty(&format!("lines[{i}].qty"), line.qty)?;
            if !line.qty.is_positive() {
                return Err(format!("lines[{i}].qty: a line brings something in"));
            }
            if !batches.insert(line.batch.as_ref().map(|b| b.code.as_str())) {
                return Err(format!("lines[{i}].batch: listed twice"));
            }
            if let Some(b) = &line.batch {
                b.validate()
                    .map_err(|(field, detail)| format!("lines[{i}].batch.{field}: {detail}"))?;
            }
        }
        check_qty("lines", self.arrived())
    }
}

fn check_who(who: &SaleCashier, field: &str) -> Result<(), String> {
    let name = who.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(format!("{field}.name: 1 to 80 characters"));
    }
    Ok(())
}

fn check_qty(field: &str, qty: Qty) -> Result<(), String> {
    if qty.milli() < 0 || qty > crate::limits::MAX_LINE_QTY {
        return Err(format!(
            "{field}: {qty} is not between 0 and {}",
            crate::limits::MAX_LINE_QTY
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StaffId;

    fn who() -> SaleCashier {
        SaleCashier {
            staff_id: StaffId::new(),
            name: "Ravi".into(),
        }
    }

    #[test]
    fn arrivals_fill_the_first_expiring_batches_first() {
        assert_eq!(allot_arrivals(&[4, 6], 10), [4, 6]);
        assert_eq!(allot_arrivals(&[4, 6], 7), [4, 3]);
        assert_eq!(allot_arrivals(&[4, 6], 2), [2, 0]);
        assert_eq!(allot_arrivals(&[4, 6], 0), [0, 0]);
        // More than the batches held: the rest was untracked stock.
        assert_eq!(allot_arrivals(&[4], 9), [4]);
    }

    #[test]
    fn a_dispatch_moves_its_stock_out_under_the_transfers_id() {
        let d = TransferDispatched {
            transfer_id: Uuid::now_v7(),
            request_id: Uuid::now_v7(),
            store_id: StoreId::new(),
            terminal_id: TerminalId::new(),
            variant_id: VariantId::new(),
            qty: Qty::from_milli(6_000),
            dispatched_at: Timestamp::from_unix_millis(5),
            dispatched_by: who(),
        };
        d.validate().unwrap();
        let moves = d.movements();
        assert_eq!(moves.len(), 1);
        assert_eq!(moves[0].movement_id.as_uuid(), d.transfer_id);
        assert_eq!(moves[0].delta, Qty::from_milli(-6_000));
        assert_eq!(moves[0].reason, MovementReason::TransferOut);
        let nothing = TransferDispatched {
            qty: Qty::ZERO,
            ..d.clone()
        };
        assert!(nothing.validate().unwrap_err().starts_with("qty"));
        let nobody = TransferDispatched {
            dispatched_by: SaleCashier {
                name: " ".into(),
                ..who()
            },
            ..d
        };
        assert!(nobody.validate().unwrap_err().starts_with("dispatched_by"));
    }

    #[test]
    fn an_arrival_comes_in_by_batch_and_refuses_what_does_not_add_up() {
        let line = |code: Option<&str>, milli: i64| ArrivedLine {
            batch: code.map(|c| Batch {
                code: c.into(),
                expires_on: "2027-01-31".into(),
            }),
            qty: Qty::from_milli(milli),
            movement_id: MovementId::new(),
        };
        let mut r = TransferReceived {
            receipt_id: Uuid::now_v7(),
            transfer_id: Uuid::now_v7(),
            store_id: StoreId::new(),
            terminal_id: TerminalId::new(),
            variant_id: VariantId::new(),
            received_at: Timestamp::from_unix_millis(9),
            received_by: who(),
            lines: vec![line(Some("L1"), 4_000), line(None, 2_000)],
        };
        r.validate().unwrap();
        assert_eq!(r.arrived(), Qty::from_milli(6_000));
        let moves = r.movements();
        assert_eq!(moves.len(), 2);
        assert!(moves.iter().all(|m| m.reason == MovementReason::TransferIn));
        assert_eq!(moves[0].batch.as_ref().unwrap().code, "L1");
        r.lines.push(line(Some("L1"), 1_000));
        assert!(r.validate().unwrap_err().contains("twice"));
        r.lines = vec![line(None, 0)];
        assert!(r.validate().unwrap_err().starts_with("lines[0].qty"));
        r.lines = Vec::new();
        r.validate().unwrap();
        assert_eq!(r.arrived(), Qty::ZERO);
    }

    #[test]
    fn states_read_back() {
        for s in ["in_transit", "received"] {
            assert_eq!(TransferState::parse(s).unwrap().as_str(), s);
        }
        for s in ["open", "dispatched", "cancelled"] {
            assert_eq!(TransferRequestState::parse(s).unwrap().as_str(), s);
        }
        assert!(TransferRequestState::parse("shipped").is_none());
    }
}
