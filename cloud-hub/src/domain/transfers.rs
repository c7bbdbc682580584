//! Stock sent from one store of a chain to another (a dark store restocking
//! from a warehouse store, a slow seller's stock moved to where it sells).
//! Dispatch takes the stock out of the source at once; it arrives at the
//! destination only when the destination receives it, for what actually came.

use pos_shared::{Qty, StoreId, Timestamp, VariantId};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Transfer {
    /// Also the id of its `transfer_out` movement at the source.
    pub transfer_id: Uuid,
    pub from_store_id: StoreId,
    pub to_store_id: StoreId,
    pub variant_id: VariantId,
    /// What was sent.
    pub qty: Qty,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    pub state: TransferState,
    pub dispatched_at: Timestamp,
    /// What arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_qty: Option<Qty>,
    /// What was sent and did not arrive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<Qty>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_at: Option<Timestamp>,
    /// The batches it took from the source, first expiry first; stock the
    /// source did not track by batch is not listed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub batches: Vec<TransferBatch>,
}

/// Part of a transfer that came from one batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TransferBatch {
    pub code: String,
    /// `YYYY-MM-DD`.
    pub expires_on: String,
    pub qty: Qty,
    /// How much of it arrived (what arrived fills the batches first expiry first).
    #[serde(skip_serializing_if = "Option::is_none")]
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

#[cfg(test)]
mod tests {
    use super::allot_arrivals;

    #[test]
    fn arrivals_fill_the_first_expiring_batches_first() {
        assert_eq!(allot_arrivals(&[4, 6], 10), [4, 6]);
        assert_eq!(allot_arrivals(&[4, 6], 7), [4, 3]);
        assert_eq!(allot_arrivals(&[4, 6], 2), [2, 0]);
        assert_eq!(allot_arrivals(&[4, 6], 0), [0, 0]);
        // More than the batches held: the rest was untracked stock.
        assert_eq!(allot_arrivals(&[4], 9), [4]);
    }
}

#[derive(Debug, Clone)]
pub struct NewTransfer {
    /// Lets HQ tools retry: the same id and request return the same transfer.
    pub transfer_id: Uuid,
    pub from_store_id: StoreId,
    pub to_store_id: StoreId,
    pub variant_id: VariantId,
    pub qty: Qty,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferOutcome {
    Created(Transfer),
    /// The same request again: the transfer as it stands.
    Existing(Transfer),
}
