//! The product as the till sells it: what a scan or a search shows and what
//! a bill is priced from.

use pos_shared::tax::TaxClass;
use pos_shared::{Gtin, Money, Qty, VariantId};
use serde::Serialize;

/// What a till shows for a scanned item.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductView {
    pub variant_id: VariantId,
    pub name: String,
    pub sku: String,
    pub barcode: Gtin,
    pub price: Money,
    /// This store's stock as this terminal knows it, its own sales included.
    pub available: Qty,
    /// GST class; none for items sold without tax.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub tax: Option<TaxClass>,
    /// Modifier and add-on groups to choose from when selling it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub modifiers: Vec<pos_shared::modifiers::ModifierGroup>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub brand: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub category_id: Option<pos_shared::CategoryId>,
    /// Its key on its category's quick-key grid.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub quick_key: Option<u16>,
    /// What its quantities count (`each`: whole pieces; `kg`, `g`, `l`, `ml`,
    /// `m`: sold loose); absent until the hub's record of it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub unit: Option<pos_shared::item::Unit>,
    /// Why this store may not sell it (HQ took it out of the store's
    /// assortment or put its stock on hold); absent when it may.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub not_for_sale: Option<String>,
}

/// A product found by a scan, with what the scan said about the pack (batch,
/// expiry, weight, price): the barcode lookup's answer.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScannedProduct {
    #[serde(flatten)]
    pub product: ProductView,
    pub scan: pos_shared::scan_code::ScannedCode,
}
