//! Stock takes as HQ reads them: the stores' physical counts, each with what
//! was counted against what the ledger expected and the adjustments its
//! approval made. The counting happens at the store (`pos_shared::stock_take`);
//! the hub keeps the first approval of each take it hears of.

use pos_shared::sale::SaleCashier;
use pos_shared::stock_take::CountScope;
use pos_shared::{MovementId, Qty, StoreId, TerminalId, Timestamp, VariantId};
use serde::Serialize;
use uuid::Uuid;

/// One take: who approved it, and what it came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StockTakeSummary {
    pub take_id: Uuid,
    pub store_id: StoreId,
    /// The terminal it was approved at.
    pub terminal_id: TerminalId,
    pub name: String,
    pub scope: CountScope,
    pub blind: bool,
    pub started_at: Timestamp,
    pub approved_at: Timestamp,
    pub approved_by: SaleCashier,
    /// Parts the approval was sent in, and how many have arrived: the take's
    /// figures are whole once they are equal.
    pub parts: u32,
    pub parts_received: u32,
    /// Items counted or in scope.
    pub lines: u64,
    /// Items whose count differed from the ledger.
    pub lines_adjusted: u64,
    /// What the adjustments add up to (below zero: stock was missing).
    pub net_variance: Qty,
    /// What the adjustments took out and put in, apart.
    pub missing: Qty,
    pub found: Qty,
}

/// One item of a take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StockTakeLine {
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    pub counted: Qty,
    pub expected: Qty,
    pub variance: Qty,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub movement_id: Option<MovementId>,
}

/// A take with its items, those that differed first (largest shortfall
/// first), then the rest by SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StockTakeReport {
    #[serde(flatten)]
    pub summary: StockTakeSummary,
    pub items: Vec<StockTakeLine>,
}
