//! The catalog as HQ writes and reads it: a product and its variants to
//! create, a change to a variant, what a variant sells for and why, the
//! variant's version history (a hash of its normalized form, so an update
//! that changes nothing is recognised), and listing the catalog (filters, a
//! sort order and keyset pagination: the cursor names the last item's sort key
//! and id, so pages stay stable while items are added).

use pos_shared::pricing::PriceSource;
use pos_shared::sync::VariantRecord;
use pos_shared::{BrandId, CategoryId, Money, PriceId, ProductId, StoreId, Timestamp, VariantId};
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone)]
pub struct NewVariant {
    pub name: String,
    pub sku: String,
    /// `None`: the hub gives it the next in-store EAN-13 of the tenant.
    pub barcode: Option<pos_shared::Gtin>,
    pub price: Money,
    pub tax: Option<pos_shared::tax::TaxClass>,
    pub modifiers: Vec<pos_shared::modifiers::ModifierGroup>,
    /// Barcodes besides `barcode`.
    pub extra_barcodes: Vec<pos_shared::Gtin>,
    pub quick_key: Option<u16>,
    pub details: pos_shared::item::ItemDetails,
}

/// What HQ changes about a variant; `None` leaves a field as it is, and
/// `Some(None)` clears an optional one. The price has its own endpoint.
#[derive(Debug, Clone, Default)]
pub struct VariantPatch {
    pub name: Option<String>,
    pub sku: Option<String>,
    pub barcode: Option<pos_shared::Gtin>,
    /// Barcodes besides the primary one, replacing the ones it had.
    pub extra_barcodes: Option<Vec<pos_shared::Gtin>>,
    pub tax: Option<Option<pos_shared::tax::TaxClass>>,
    pub modifiers: Option<Vec<pos_shared::modifiers::ModifierGroup>>,
    pub quick_key: Option<Option<u16>>,
    pub synonyms: Option<Vec<String>>,
    pub brand: Option<Option<BrandId>>,
    pub category: Option<Option<CategoryId>>,
    /// The variant's details as they are to be (checked whole).
    pub details: Option<pos_shared::item::ItemDetails>,
    /// A new base price in the same version as the rest (HQ's API sets
    /// prices on their own endpoint; a source's push changes both at once).
    pub price: Option<Money>,
}

/// How a tenant numbers its own items: EAN-13s under `prefix` (two digits,
/// 20–29), the next one for item number `next`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InStoreBarcodes {
    pub prefix: String,
    /// The item number the next in-store barcode gets (codes already taken
    /// by hand are skipped).
    pub next: u64,
}

#[derive(Debug, Clone)]
pub struct NewProduct {
    pub id: ProductId,
    pub name: String,
    pub brand: Option<BrandId>,
    pub category: Option<CategoryId>,
    /// Other names its variants are searched by.
    pub synonyms: Vec<String>,
    pub variants: Vec<NewVariant>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    pub variants: Vec<VariantRecord>,
}

/// What a variant sells for at one store, channel and instant, and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EffectivePrice {
    pub variant_id: VariantId,
    pub store_id: StoreId,
    pub channel: String,
    pub at: Timestamp,
    pub price: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mrp: Option<Money>,
    pub source: PriceSource,
    /// The window that sets it, unless it is the base price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_id: Option<PriceId>,
}

/// SHA-256 of the record's JSON with object keys sorted (serde_json's maps
/// are ordered), hex-encoded: equal states hash equal however they were made.
pub fn normalized_hash(record: &VariantRecord) -> String {
    let value = serde_json::to_value(record).unwrap_or(serde_json::Value::Null);
    Sha256::digest(value.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemVersion {
    pub version: u32,
    pub hash: String,
    pub recorded_at: Timestamp,
    pub record: VariantRecord,
}

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
