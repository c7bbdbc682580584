//! What a store keeps an eye on, as its tills hear it from the hub
//! (protocol 12): the reorder points HQ set for the store's items, and the
//! batches in stock that expire soon. A till asks for it when someone opens
//! its stock alerts and keeps the last answer, so the lists still show with
//! the hub out of reach: low stock against the till's own live stock, the
//! batches as the hub last counted them.

use crate::{Qty, Timestamp, VariantId};
use serde::{Deserialize, Serialize};

/// The most days ahead a till may ask about.
pub const MAX_WATCH_DAYS: u32 = 90;
/// How far ahead a till looks unless told.
pub const DEFAULT_WATCH_DAYS: u32 = 7;

/// An item's reorder point at the store.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReorderPoint {
    pub variant_id: VariantId,
    pub reorder_point: Qty,
}

/// A batch in stock at the store that expires within the days asked
/// (or already has).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiringBatch {
    pub variant_id: VariantId,
    pub code: String,
    /// `YYYY-MM-DD`.
    pub expires_on: String,
    /// As the hub counted it at `as_of`.
    pub on_hand: Qty,
}

/// `GET /v1/sync/stock-watch`: the store's reorder points and its batches
/// expiring within `days`, soonest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockWatch {
    pub as_of: Timestamp,
    pub days: u32,
    pub reorder_points: Vec<ReorderPoint>,
    pub expiring: Vec<ExpiringBatch>,
}
