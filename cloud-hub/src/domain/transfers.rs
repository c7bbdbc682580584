//! Stock sent from one store of a chain to another: HQ dispatches a
//! transfer itself (the stock leaves the source at once), or requests one
//! that a till of the source store picks and dispatches by scan. It arrives
//! at the destination only when the destination receives it, for what
//! actually came. The types the tills share are in [`pos_shared::transfer`].

pub use pos_shared::transfer::{
    allot_arrivals, Transfer, TransferBatch, TransferRequest, TransferRequestState, TransferState,
};
use pos_shared::{Qty, StoreId, VariantId};
use uuid::Uuid;

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

/// HQ asks the source store to pick and send: nothing moves until a till
/// of the store scans it out.
#[derive(Debug, Clone)]
pub struct NewTransferRequest {
    /// Lets HQ tools retry: the same id and request return the same request.
    pub request_id: Uuid,
    pub from_store_id: StoreId,
    pub to_store_id: StoreId,
    pub variant_id: VariantId,
    pub qty: Qty,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferRequestOutcome {
    Created(TransferRequest),
    /// The same request again: as it stands.
    Existing(TransferRequest),
}
