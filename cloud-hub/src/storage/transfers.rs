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
