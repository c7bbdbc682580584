//! Listing the catalog for HQ: filters, a sort order, and keyset pagination
//! (the cursor names the last item's sort key and id, so pages stay stable
//! while items are added).

use pos_shared::sync::VariantRecord;
use pos_shared::{BrandId, CategoryId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogSort {
    Sku,
    Name,
}

impl CatalogSort {
    pub fn as_str(self) -> &'static str {
        match self {
            CatalogSort::Sku => "sku",
            CatalogSort::Name => "name",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "sku" => Some(CatalogSort::Sku),
            "name" => Some(CatalogSort::Name),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CatalogQuery {
    /// Matches the start of the name or SKU, or the barcode, ignoring case.
    pub text: Option<String>,
    pub category: Option<CategoryId>,
    pub brand: Option<BrandId>,
    pub sort: CatalogSort,
    /// The sort key and id of the last item of the previous page.
    pub after: Option<(String, uuid::Uuid)>,
    pub limit: u32,
}

#[derive(Debug, Clone)]
pub struct CatalogPage {
    pub items: Vec<VariantRecord>,
    /// Set when more items follow: the last item's sort key and id.
    pub next: Option<(String, uuid::Uuid)>,
}
