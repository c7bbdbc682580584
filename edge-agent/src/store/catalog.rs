//! The catalog and stock replica, written only by the hub's change feed.

use super::{apply_movement, get_meta, set_meta, StoreError, StoreResult};
use pos_shared::sync::{ChangeBody, DocPurpose, FeedPage, VariantRecord};
use pos_shared::tax::TaxClass;
use pos_shared::{Currency, Gtin, Money, Qty, StoreId, VariantId};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

pub(crate) const CURSOR_KEY: &str = "feed_cursor";

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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedPage {
    pub changes: usize,
    pub cursor: u64,
    /// Store documents the hub says changed: the terminal should sync them.
    pub documents: Vec<DocPurpose>,
}

/// The feed position this replica has applied up to.
pub fn cursor(conn: &Connection) -> StoreResult<u64> {
    match get_meta(conn, CURSOR_KEY)? {
        Some(v) => v
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("feed cursor {v:?} is not a number"))),
        None => Ok(0),
    }
}

/// Applies one feed page and advances the cursor in one transaction, so a crash
/// leaves either all of the page or none of it. Stock of any store but `store`
/// is not this till's business and is skipped, never counted.
pub fn apply_feed_page(
    conn: &mut Connection,
    store: StoreId,
    page: &FeedPage,
) -> StoreResult<AppliedPage> {
    let tx = conn.transaction()?;
    let current = cursor(&tx)?;
    let mut applied = 0;
    let mut documents = Vec::new();
    for change in page.changes.iter().filter(|c| c.seq > current) {
        match &change.body {
            ChangeBody::VariantUpserted(v) => upsert_variant(&tx, v, change.seq)?,
            ChangeBody::VariantDeleted { variant_id } => remove_variant(&tx, *variant_id)?,
            ChangeBody::CategoryUpserted(c) => super::categories::upsert(&tx, c, change.seq)?,
            ChangeBody::PriceScheduled(w) => {
                if !keep_price(&tx, store, w, change.seq)? {
                    continue;
                }
            }
            ChangeBody::StockMoved(m) if m.store_id != store => {
                tracing::warn!(seq = change.seq, movement = %m.movement_id, other_store = %m.store_id,
                    "feed carried another store's movement; skipped");
                continue;
            }
            ChangeBody::StockMoved(m) => {
                apply_movement(&tx, m, "hub")?;
            }
            ChangeBody::StaffUpserted(s) if s.store_id != store => {
                tracing::warn!(seq = change.seq, staff = %s.staff_id, "feed carried another store's staff; skipped");
                continue;
            }
            ChangeBody::StaffUpserted(s) => super::staff::upsert(&tx, s)?,
            ChangeBody::SaleRecorded(s) => super::returns::remember_store_sale(&tx, s)?,
            ChangeBody::ReturnRecorded(r) => super::returns::remember_store_return(&tx, r)?,
            ChangeBody::DocumentChanged { purpose } => {
                if !documents.contains(purpose) {
                    documents.push(*purpose);
                }
            }
        }
        applied += 1;
    }
    let next = current.max(page.next_cursor);
    set_meta(&tx, CURSOR_KEY, &next.to_string())?;
    tx.commit()?;
    Ok(AppliedPage {
        changes: applied,
        cursor: next,
        documents,
    })
}

/// Inserts or replaces a variant of the replica, as of feed sequence `seq`.
pub(crate) fn upsert_variant(conn: &Connection, v: &VariantRecord, seq: u64) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO variants (id, product_id, name, sku, gtin, price_minor, currency, feed_seq, \
         tax_rate_bp, tax_inclusive, hsn, modifiers, brand, category_id, synonyms, extra_barcodes, quick_key, unit) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) ON CONFLICT (id) DO UPDATE SET \
         product_id = excluded.product_id, name = excluded.name, sku = excluded.sku, gtin = excluded.gtin, \
         price_minor = excluded.price_minor, currency = excluded.currency, feed_seq = excluded.feed_seq, \
         tax_rate_bp = excluded.tax_rate_bp, tax_inclusive = excluded.tax_inclusive, hsn = excluded.hsn, \
         modifiers = excluded.modifiers, brand = excluded.brand, category_id = excluded.category_id, \
         synonyms = excluded.synonyms, extra_barcodes = excluded.extra_barcodes, quick_key = excluded.quick_key, \
         unit = excluded.unit",
        rusqlite::params![
            v.variant_id.to_string(),
            v.product_id.to_string(),
            v.name,
            v.sku,
            v.barcode.as_str(),
            v.price.minor(),
            v.price.currency().as_str(),
            seq as i64,
            v.tax.as_ref().map(|t| t.rate_bp),
            v.tax.as_ref().map(|t| t.inclusive),
            v.tax.as_ref().and_then(|t| t.hsn.clone()),
            json_column(&v.modifiers)?,
            v.placement.brand,
            v.placement.category_id.map(|c| c.to_string()),
            json_column(&v.placement.synonyms)?,
            json_column(&v.placement.extra_barcodes)?,
            v.placement.quick_key,
            v.details.unit.as_str(),
        ],
    )?;
    let id = v.variant_id.to_string();
    conn.execute("DELETE FROM variant_barcodes WHERE variant_id = ?1", [&id])?;
    for code in &v.placement.extra_barcodes {
        // The hub gives a barcode to one variant at a time; should it move,
        // the variant that holds it last has it.
        conn.execute(
            "INSERT OR REPLACE INTO variant_barcodes (gtin, variant_id) VALUES (?1, ?2)",
            [code.as_str(), &id],
        )?;
    }
    Ok(())
}

/// Takes a variant HQ deleted out of the replica, so it can be neither
/// scanned nor found. Sales already made of it keep their own lines, and its
/// stock row stays with the ledger.
fn remove_variant(conn: &Connection, variant: VariantId) -> StoreResult<()> {
    let id = variant.to_string();
    conn.execute("DELETE FROM variant_barcodes WHERE variant_id = ?1", [&id])?;
    conn.execute("DELETE FROM variants WHERE id = ?1", [&id])?;
    Ok(())
}

/// Keeps a price window this till sells by: the till channel, chain-wide or
/// this store's. Returns whether it was kept.
fn keep_price(
    conn: &Connection,
    store: StoreId,
    w: &pos_shared::pricing::PriceWindow,
    seq: u64,
) -> StoreResult<bool> {
    if w.channel != pos_shared::pricing::POS_CHANNEL || w.store_id.is_some_and(|s| s != store) {
        tracing::warn!(seq, price = %w.price_id, "feed carried a price window for another channel or store; skipped");
        return Ok(false);
    }
    upsert_price(conn, w, seq)?;
    Ok(true)
}

/// Inserts or replaces a price window, as of feed sequence `seq`.
pub(crate) fn upsert_price(
    conn: &Connection,
    w: &pos_shared::pricing::PriceWindow,
    seq: u64,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO price_windows (id, variant_id, store_id, price_minor, mrp_minor, from_ms, to_ms, feed_seq) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO UPDATE SET \
         price_minor = excluded.price_minor, mrp_minor = excluded.mrp_minor, from_ms = excluded.from_ms, \
         to_ms = excluded.to_ms, feed_seq = excluded.feed_seq",
        rusqlite::params![
            w.price_id.to_string(),
            w.variant_id.to_string(),
            w.store_id.map(|s| s.to_string()),
            w.price.minor(),
            w.mrp.map(|m| m.minor()),
            w.effective_from.unix_millis(),
            w.effective_to.map(|t| t.unix_millis()),
            seq as i64,
        ],
    )?;
    Ok(())
}

fn json_column<T: Serialize>(list: &[T]) -> StoreResult<Option<String>> {
    (!list.is_empty())
        .then(|| serde_json::to_string(list))
        .transpose()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) type VariantRow = (
    (String, String, String, String, i64, String, i64),
    (Option<u32>, Option<bool>, Option<String>, Option<String>),
    (Option<String>, Option<String>, Option<u16>, Option<String>),
);

/// What every product query selects, from `variants v LEFT JOIN stock s`. The
/// price is the one that holds now by the till's clock: the store's own
/// window, else the chain's, else the base price (see `pos_shared::pricing`).
pub(crate) const PRODUCT_COLUMNS: &str = "v.id, v.name, v.sku, v.gtin, \
     COALESCE((SELECT w.price_minor FROM price_windows w WHERE w.variant_id = v.id \
       AND w.from_ms <= CAST(unixepoch('subsec') * 1000 AS INTEGER) \
       AND (w.to_ms IS NULL OR w.to_ms > CAST(unixepoch('subsec') * 1000 AS INTEGER)) \
       ORDER BY w.store_id IS NULL, w.from_ms DESC LIMIT 1), v.price_minor), \
     v.currency, COALESCE(s.on_hand_milli, 0), \
     v.tax_rate_bp, v.tax_inclusive, v.hsn, v.modifiers, v.brand, v.category_id, v.quick_key, v.unit";

/// Reads the [`PRODUCT_COLUMNS`], in order.
pub(crate) fn variant_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<VariantRow> {
    Ok((
        (
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ),
        (r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?),
        (r.get(11)?, r.get(12)?, r.get(13)?, r.get(14)?),
    ))
}

pub(crate) fn product_from_row(row: VariantRow) -> StoreResult<ProductView> {
    let (
        (id, name, sku, gtin, price, currency, on_hand),
        (rate, inclusive, hsn, modifiers),
        (brand, category, quick_key, unit),
    ) = row;
    let corrupt = |what: &str, e: String| StoreError::Corrupt(format!("variant {id}: {what}: {e}"));
    Ok(ProductView {
        variant_id: id
            .parse()
            .map_err(|e: uuid::Error| corrupt("id", e.to_string()))?,
        barcode: Gtin::parse(&gtin).map_err(|e| corrupt("barcode", e.to_string()))?,
        price: Money::new(
            price,
            Currency::parse(&currency).map_err(|e| corrupt("currency", e.to_string()))?,
        ),
        name,
        sku,
        available: Qty::from_milli(on_hand),
        modifiers: match modifiers {
            None => Vec::new(),
            Some(json) => {
                serde_json::from_str(&json).map_err(|e| corrupt("modifiers", e.to_string()))?
            }
        },
        brand,
        category_id: category
            .map(|c| c.parse())
            .transpose()
            .map_err(|e: uuid::Error| corrupt("category", e.to_string()))?,
        quick_key,
        unit: unit
            .map(|u| {
                pos_shared::item::Unit::parse(&u).ok_or_else(|| corrupt("unit", format!("{u:?}")))
            })
            .transpose()?,
        tax: rate.map(|rate_bp| TaxClass {
            rate_bp,
            inclusive: inclusive.unwrap_or(false),
            hsn,
        }),
    })
}

/// The FTS5 query for what the cashier typed: every word must match the start
/// of a word in the name, brand, synonyms, SKU or a barcode. Punctuation is dropped, so nothing
/// typed can be read as query syntax. `None` if nothing searchable is left.
fn search_query(typed: &str) -> Option<String> {
    let words: Vec<String> = typed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

/// Products matching what was typed, best first: name matches weigh most, then
/// brand, synonyms, SKU and barcode.
pub fn search(conn: &Connection, typed: &str, limit: u32) -> StoreResult<Vec<ProductView>> {
    let Some(query) = search_query(typed) else {
        return Ok(Vec::new());
    };
    // The best rowids first (ranked inside FTS5 with the table's weights),
    // then only those joined to their rows.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PRODUCT_COLUMNS} \
         FROM (SELECT rowid, rank FROM variant_search WHERE variant_search MATCH ?1 ORDER BY rank LIMIT ?2) f \
         JOIN variants v ON v.rowid = f.rowid \
         LEFT JOIN stock s ON s.variant_id = v.id \
         ORDER BY f.rank, v.name"
    ))?;
    let rows = stmt.query_map(rusqlite::params![query, limit], variant_row)?;
    rows.map(|r| product_from_row(r?)).collect()
}

/// Looks a scanned barcode up in the replica: a variant's primary barcode or
/// any of its others.
pub fn product_by_barcode(conn: &Connection, barcode: &Gtin) -> StoreResult<Option<ProductView>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM variants v LEFT JOIN stock s ON s.variant_id = v.id \
         WHERE v.gtin = ?1 \
         UNION ALL \
         SELECT {PRODUCT_COLUMNS} FROM variant_barcodes b JOIN variants v ON v.id = b.variant_id \
         LEFT JOIN stock s ON s.variant_id = v.id WHERE b.gtin = ?1 \
         LIMIT 1"
    ))?;
    let row: Option<VariantRow> = stmt.query_row([barcode.as_str()], variant_row).optional()?;
    row.map(product_from_row).transpose()
}
