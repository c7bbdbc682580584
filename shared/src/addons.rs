//! Add-ons: what the hub tells a till sells with an item, for the cashier's
//! hint beside the bill (`GET /v1/sync/items/{id}/add-ons`). The hub's
//! basket projection ranks them; the till keeps only what it can sell now.

use crate::VariantId;
use serde::{Deserialize, Serialize};

/// The most add-ons the hub sends for one item.
pub const MAX_ADD_ONS: usize = 5;

/// An item bought with another.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddOn {
    pub variant_id: VariantId,
    /// The store's sales of the last 90 days that held both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sales_together: Option<u32>,
    /// The chain's, for an item the store's own sales have not paired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_sales_together: Option<u32>,
    /// HQ pinned it beside the item.
    #[serde(default)]
    pub pinned: bool,
}

/// The add-ons of one item, best first: HQ's pins, then the store's pairs,
/// then the chain's.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddOns {
    pub variant_id: VariantId,
    pub add_ons: Vec<AddOn>,
}
