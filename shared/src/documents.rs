//! The store's multi-writer records: which Automerge documents a store's
//! terminals share through the hub, and since which protocol each exists.

use crate::sync::STOCK_TAKE_PROTOCOL;
use serde::{Deserialize, Serialize};

/// The multi-writer records of a store, one Automerge document per purpose,
/// edited offline on any terminal and merged through the hub's relay.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocPurpose {
    /// Parked bills any terminal of the store can resume.
    HeldBills,
    /// Customers captured at the till.
    CustomerProfiles,
    /// Per-item store state: out of stock (86'd), shelf location, notes.
    ItemState,
    /// Pickers' progress on pick lists.
    PickProgress,
    /// Stock takes under way: what each terminal counted, bin by bin
    /// (protocol 9).
    StockTakes,
}

impl DocPurpose {
    pub const ALL: [DocPurpose; 5] = [
        DocPurpose::HeldBills,
        DocPurpose::CustomerProfiles,
        DocPurpose::ItemState,
        DocPurpose::PickProgress,
        DocPurpose::StockTakes,
    ];

    /// The first protocol version that knows this purpose.
    pub fn since_protocol(self) -> u16 {
        match self {
            DocPurpose::StockTakes => STOCK_TAKE_PROTOCOL,
            _ => 1,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            DocPurpose::HeldBills => "held_bills",
            DocPurpose::CustomerProfiles => "customer_profiles",
            DocPurpose::ItemState => "item_state",
            DocPurpose::PickProgress => "pick_progress",
            DocPurpose::StockTakes => "stock_takes",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }
}
