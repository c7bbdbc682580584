//! Shelf labels from the replica: an item by barcode at the price that holds
//! now (the store's window, else the chain's, else the base price, as a sale
//! prices it) and the MRP of that window, so labels print offline.

use super::catalog::product_by_barcode;
use super::StoreResult;
use pos_shared::item::ItemDetails;
use pos_shared::labels::Label;
use pos_shared::{Gtin, Money};
use rusqlite::{Connection, OptionalExtension};

/// The label for the item `barcode` scans as (its primary barcode printed),
/// or `None` when the replica has no such item.
pub fn label_for(conn: &Connection, barcode: &Gtin) -> StoreResult<Option<Label>> {
    let Some(product) = product_by_barcode(conn, barcode)? else {
        return Ok(None);
    };
    // The MRP of the window that sets the price now, by the same rule.
    let mrp: Option<i64> = conn
        .query_row(
            "SELECT w.mrp_minor FROM price_windows w WHERE w.variant_id = ?1 \
             AND w.from_ms <= CAST(unixepoch('subsec') * 1000 AS INTEGER) \
             AND (w.to_ms IS NULL OR w.to_ms > CAST(unixepoch('subsec') * 1000 AS INTEGER)) \
             ORDER BY w.store_id IS NULL, w.from_ms DESC LIMIT 1",
            [product.variant_id.to_string()],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional()?
        .flatten();
    let details = ItemDetails {
        unit: product.unit.unwrap_or_default(),
        ..Default::default()
    };
    Ok(Some(Label::new(
        &product.name,
        product.price,
        mrp.map(|m| Money::new(m, product.price.currency())),
        product.barcode.clone(),
        &details,
    )))
}
