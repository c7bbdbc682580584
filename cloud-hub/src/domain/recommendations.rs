//! What to suggest: what customers bought with an item (at a store, and
//! across the chain), what can stand in for it, and what is selling more
//! than it did. Read from the projection of the sales the basket worker
//! keeps (`crate::baskets`) and the catalog; every suggestion at a store is
//! an item the store can take an order for now, so a picker or a customer
//! offered it is never offered what cannot be had.

use pos_shared::{Qty, StoreId, VariantId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The days of sales read back from now, unless asked otherwise.
pub const DEFAULT_DAYS: u32 = 90;
/// The most days of sales a request may read.
pub const MAX_DAYS: u32 = 365;
/// Suggestions of each kind, unless asked otherwise.
pub const DEFAULT_LIMIT: u32 = 10;
/// The most suggestions of each kind a request may ask for.
pub const MAX_LIMIT: u32 = 50;

/// One item suggested at the store.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Suggestion {
    pub variant_id: VariantId,
    pub name: String,
    pub sku: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// What the store can still promise of it (on hand less what is held).
    #[schema(value_type = String, example = "12")]
    pub available: Qty,
    /// Bought with: how many of the store's sales in the window held both.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sales_together: Option<u32>,
    /// Bought with, where the store's own sales have not paired the two
    /// (yet): how many of the chain's sales in the window held both.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain_sales_together: Option<u32>,
    /// Substitutes: the same brand as the item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_brand: Option<bool>,
    /// Bought with: HQ pinned it beside the item.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pinned: bool,
}

/// What goes with an item at a store, and what can stand in for it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Recommendations {
    pub store_id: StoreId,
    pub item_id: VariantId,
    /// Whether the store can take an order for the item itself now.
    pub item_orderable: bool,
    /// Why not, when it cannot: the reasons of the catalog view
    /// (`zero_stock`, `not_in_assortment`, `blocked`, `store_closed`, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub why_not: Vec<&'static str>,
    /// The days of the store's sales read.
    pub days: u32,
    /// Items bought in the same sale: HQ's pinned items first, then the
    /// store's own pairs, the most sales first, then the chain's pairs the
    /// store's sales have not made; only those the store can take an order
    /// for now.
    pub bought_with: Vec<Suggestion>,
    /// Items of the same category, the same brand first, then the most on
    /// hand; only those the store can take an order for now.
    pub substitutes: Vec<Suggestion>,
}

/// An item bought with another across the chain.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ChainSuggestion {
    pub variant_id: VariantId,
    pub name: String,
    pub sku: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// The chain's sales in the window that held both; absent for a pinned
    /// item that sold with it in none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sales_together: Option<u32>,
    /// HQ pinned it beside the item.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pinned: bool,
}

/// What the chain's customers bought with an item: HQ's pinned items
/// first, then the most sales; no store's stock is checked.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ChainRecommendations {
    pub item_id: VariantId,
    /// The days of sales read, by the day they were made (UTC).
    pub days: u32,
    pub bought_with: Vec<ChainSuggestion>,
}

/// The days of a trending window, unless asked otherwise.
pub const DEFAULT_TREND_DAYS: u32 = 7;
/// The longest trending window: two of them are read.
pub const MAX_TREND_DAYS: u32 = 90;

/// An item's sales at a store in the window and in the one before it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Trend {
    pub variant_id: VariantId,
    pub name: String,
    pub sku: String,
    /// Units sold in the window (returns not taken off).
    #[schema(value_type = String, example = "24")]
    pub units: Qty,
    /// Units sold in the window of the same length before it.
    #[schema(value_type = String, example = "6")]
    pub units_before: Qty,
    /// Sales (and packed orders) in the window that held it.
    pub sales: u32,
    /// Whether the store can take an order for it now.
    pub orderable: bool,
}

/// What sells at a store more than it did: the items sold in the last
/// `days`, the biggest rise over the `days` before first, then the most sold.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Trending {
    pub store_id: StoreId,
    pub days: u32,
    pub items: Vec<Trend>,
}

/// The most items a rule list may name.
pub const MAX_RULE_ITEMS: usize = 20;

/// HQ's rules for an item's recommendations, at every store: items pinned
/// first among what is bought with it (in this order, when the store can
/// take an order for them), and items never suggested beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationRules {
    #[serde(default)]
    #[schema(max_items = 20)]
    pub pinned: Vec<VariantId>,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub excluded: Vec<VariantId>,
}

impl RecommendationRules {
    /// Checks the lists for `item`; the error names the field.
    pub fn validate(&self, item: VariantId) -> Result<(), (String, String)> {
        for (field, list) in [("pinned", &self.pinned), ("excluded", &self.excluded)] {
            if list.len() > MAX_RULE_ITEMS {
                return Err((
                    field.into(),
                    format!("{field} names at most {MAX_RULE_ITEMS} items"),
                ));
            }
            for (i, id) in list.iter().enumerate() {
                if *id == item {
                    return Err((
                        format!("{field}[{i}]"),
                        "an item is not suggested beside itself".into(),
                    ));
                }
                if list[..i].contains(id) {
                    return Err((format!("{field}[{i}]"), format!("{id} is named twice")));
                }
            }
        }
        if let Some((i, id)) = self
            .excluded
            .iter()
            .enumerate()
            .find(|(_, id)| self.pinned.contains(id))
        {
            return Err((format!("excluded[{i}]"), format!("{id} is pinned as well")));
        }
        Ok(())
    }
}
