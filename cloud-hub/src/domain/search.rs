//! A store's search as its customers and pickers use it: what is asked
//! (words, filters), and what comes back (the best matches with the store's
//! price and stock, and how the matches fall by category, brand and
//! attribute). The index that answers it is `crate::search`.

use pos_shared::pricing::PriceSource;
use pos_shared::{CategoryId, Money, Qty, StoreId, VariantId};
use serde::Serialize;
use utoipa::ToSchema;

/// Hits returned, unless asked otherwise.
pub const DEFAULT_LIMIT: u32 = 20;
/// The most hits a request may ask for.
pub const MAX_LIMIT: u32 = 100;
/// The longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// What a search asks for.
#[derive(Debug, Clone, Default)]
pub struct StoreQuery {
    /// The shopper's words, as typed.
    pub text: String,
    /// Only items of this category or one under it.
    pub category: Option<CategoryId>,
    /// Only this brand's items (its name, any case).
    pub brand: Option<String>,
    /// Only items whose attribute `key` has the value (any case), every pair.
    pub attributes: Vec<(String, String)>,
    /// The store's price at least this, in minor units.
    pub min_price: Option<i64>,
    /// The store's price at most this, in minor units.
    pub max_price: Option<i64>,
    /// Only items with stock the store can still promise.
    pub in_stock: bool,
    /// Only items the store can take an order for now.
    pub orderable: bool,
    /// The sales channel whose prices are shown.
    pub channel: String,
    pub limit: usize,
}

/// One item found, as the store sells it now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchHit {
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    pub barcode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_id: Option<CategoryId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The store's price on the channel now.
    pub price: Money,
    pub price_source: PriceSource,
    #[schema(value_type = String, example = "12")]
    pub on_hand: Qty,
    /// On hand less what orders hold.
    #[schema(value_type = String, example = "10")]
    pub available: Qty,
    pub orderable: bool,
    /// Why the store cannot take an order for it now, when it cannot.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<&'static str>,
    /// How well it matches the words; higher is better.
    pub relevance: f32,
}

/// How many of the matches fall under one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FacetValue {
    pub value: String,
    pub count: u32,
}

/// How many of the matches fall in a category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CategoryFacet {
    pub category_id: CategoryId,
    pub name: String,
    pub count: u32,
}

/// An attribute's values among the matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AttributeFacet {
    pub key: String,
    pub values: Vec<FacetValue>,
}

/// How the matches (after the filters) fall, the most first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Facets {
    pub categories: Vec<CategoryFacet>,
    pub brands: Vec<FacetValue>,
    pub attributes: Vec<AttributeFacet>,
}

/// A store's answer to a search.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResults {
    pub store_id: StoreId,
    pub q: String,
    /// Matches after the filters, among the best 1,000 the words found
    /// (10,000 when the store's stock or price filters them).
    pub matched: u32,
    /// The best first: relevance, then what the store can promise.
    pub hits: Vec<SearchHit>,
    pub facets: Facets,
}

/// The most matches a search ranks and counts facets over.
pub const CANDIDATES: usize = 1_000;
/// The most matches a search filtered by the store's stock or price reads
/// the store's figures of.
pub const STORE_CANDIDATES: usize = 10_000;
