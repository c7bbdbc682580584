//! Reading the catalog replica: a scanned barcode, a typed search, the rows
//! every product query selects.

use super::{StoreError, StoreResult};
use crate::pos::product::ProductView;
use pos_shared::tax::TaxClass;
use pos_shared::{Currency, Gtin, Money, Qty, VariantId};
use rusqlite::{Connection, OptionalExtension};

pub(crate) type VariantRow = (
    (String, String, String, String, i64, String, i64),
    (Option<u32>, Option<bool>, Option<String>, Option<String>),
    (Option<String>, Option<String>, Option<u16>, Option<String>),
    (Option<bool>, Option<String>),
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
     v.tax_rate_bp, v.tax_inclusive, v.hsn, v.modifiers, v.brand, v.category_id, v.quick_key, v.unit, \
     (SELECT a.listed FROM items_at_store a WHERE a.variant_id = v.id), \
     (SELECT a.hold FROM items_at_store a WHERE a.variant_id = v.id)";

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
        (r.get(15)?, r.get(16)?),
    ))
}

pub(crate) fn product_from_row(row: VariantRow) -> StoreResult<ProductView> {
    let (
        (id, name, sku, gtin, price, currency, on_hand),
        (rate, inclusive, hsn, modifiers),
        (brand, category, quick_key, unit),
        (listed, hold),
    ) = row;
    let corrupt = |what: &str, e: String| StoreError::Corrupt(format!("variant {id}: {what}: {e}"));
    let variant_id: pos_shared::VariantId = id
        .parse()
        .map_err(|e: uuid::Error| corrupt("id", e.to_string()))?;
    // A row in `items_at_store` says why the store may not sell it.
    let not_for_sale =
        listed.and_then(|listed| pos_shared::sync::not_for_sale(listed, hold.as_deref()));
    Ok(ProductView {
        variant_id,
        not_for_sale,
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
/// of a word in the name, brand, synonyms, SKU or a barcode, or, where no
/// indexed word starts with it, one of the words nearest it (a typo: "tor
/// dal" finds toor dal). Punctuation is dropped, so nothing typed can be read
/// as query syntax. `None` if nothing searchable is left or a word is near
/// nothing the till sells.
fn search_query(conn: &Connection, typed: &str, forgiving: bool) -> StoreResult<Option<String>> {
    let mut terms = Vec::new();
    for word in typed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
    {
        let prefix = format!("\"{word}\"*");
        if !forgiving {
            terms.push(prefix);
            continue;
        }
        match typo_candidates(conn, word)? {
            None => terms.push(prefix),
            Some(near) if near.is_empty() => return Ok(None),
            Some(near) => {
                let alternatives: Vec<String> = near.iter().map(|w| format!("\"{w}\"")).collect();
                terms.push(format!("({prefix} OR {})", alternatives.join(" OR ")));
            }
        }
    }
    Ok((!terms.is_empty()).then(|| terms.join(" AND ")))
}

/// Words shorter than this are taken as typed: too little to guess from.
const MIN_CORRECTED: usize = 3;
/// The most alternatives a word that matches nothing is searched as.
const MAX_ALTERNATIVES: usize = 3;

/// `None` when `word` is searched as typed (an indexed word starts with it,
/// it is not all Latin letters, or it is short); else the indexed words nearest it,
/// the most common first (empty: none is near). Near is one edit (a letter
/// missed, added, changed or two swapped) for a word of up to five letters,
/// two for longer, against the whole indexed word or its start as long as
/// the word typed. The first letter is taken as typed: it is rarely the
/// one mistyped, and it keeps the candidates few.
fn typo_candidates(conn: &Connection, word: &str) -> StoreResult<Option<Vec<String>>> {
    let word = word.to_lowercase();
    let letters = word.chars().count();
    // Latin letters only: the index splits words of Indian scripts at
    // their vowel signs, so such a word is no single indexed word to be
    // near, and the phrase typed already finds what it can.
    let latin = |c: char| c.is_alphabetic() && (c as u32) < 0x0250;
    if letters < MIN_CORRECTED || !word.chars().all(latin) {
        return Ok(None);
    }
    let starts: Option<i64> = conn
        .prepare_cached(
            "SELECT 1 FROM variant_search_terms WHERE term >= ?1 AND term < ?1 || char(1114111) LIMIT 1",
        )?
        .query_row([&word], |r| r.get(0))
        .optional()?;
    if starts.is_some() {
        return Ok(None);
    }
    let first: String = word.chars().take(1).collect();
    let after: String = first
        .chars()
        .map(|c| char::from_u32(c as u32 + 1).unwrap_or(c))
        .collect();
    let most = if letters <= 5 { 1 } else { 2 };
    let mut stmt = conn.prepare_cached(
        "SELECT term, doc FROM variant_search_terms WHERE term >= ?1 AND term < ?2",
    )?;
    let mut near: Vec<(usize, i64, String)> = Vec::new();
    let rows = stmt.query_map([&first, &after], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (term, docs) = row?;
        if term.chars().any(|c| c.is_numeric()) {
            continue;
        }
        let whole = strsim::osa_distance(&word, &term);
        let start: String = term.chars().take(letters).collect();
        let distance = whole.min(strsim::osa_distance(&word, &start));
        if distance <= most {
            near.push((distance, -docs, term));
        }
    }
    near.sort();
    Ok(Some(
        near.into_iter()
            .take(MAX_ALTERNATIVES)
            .map(|(_, _, term)| term)
            .collect(),
    ))
}

/// Products matching what was typed, best first: name matches weigh most, then
/// brand, synonyms, SKU and barcode.
pub fn search(conn: &Connection, typed: &str, limit: u32) -> StoreResult<Vec<ProductView>> {
    // As typed first; only when that finds nothing are typos forgiven.
    let found = match search_query(conn, typed, false)? {
        Some(query) => matching(conn, &query, limit)?,
        None => return Ok(Vec::new()),
    };
    if !found.is_empty() {
        return Ok(found);
    }
    match search_query(conn, typed, true)? {
        Some(query) => matching(conn, &query, limit),
        None => Ok(Vec::new()),
    }
}

/// The products an FTS5 query matches, best first.
fn matching(conn: &Connection, query: &str, limit: u32) -> StoreResult<Vec<ProductView>> {
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

/// The product with the variant id `variant`, when the replica has it.
pub fn product_by_id(conn: &Connection, variant: VariantId) -> StoreResult<Option<ProductView>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM variants v LEFT JOIN stock s ON s.variant_id = v.id WHERE v.id = ?1"
    ))?;
    let row: Option<VariantRow> = stmt
        .query_row([variant.to_string()], variant_row)
        .optional()?;
    row.map(product_from_row).transpose()
}

/// The product a scan names: its GTIN, else the other reading of the same
/// digits (an 8-digit code without an identifier).
pub fn product_for_scan(
    conn: &Connection,
    primary: &Gtin,
    alternative: Option<&Gtin>,
) -> StoreResult<Option<ProductView>> {
    match product_by_barcode(conn, primary)? {
        None => match alternative {
            Some(other) => product_by_barcode(conn, other),
            None => Ok(None),
        },
        found => Ok(found),
    }
}

/// How the item is sold (each, by weight, by volume), when the replica
/// knows the item and says.
pub fn unit_of(
    conn: &Connection,
    variant: pos_shared::VariantId,
) -> StoreResult<Option<pos_shared::item::Unit>> {
    let unit: Option<Option<String>> = conn
        .query_row(
            "SELECT unit FROM variants WHERE id = ?1",
            [variant.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(unit
        .flatten()
        .and_then(|u| pos_shared::item::Unit::parse(&u)))
}

/// An item's SKU and name; for one this till does not have (HQ deleted it
/// after the document naming it was made), `item <id>` as its name.
pub fn sku_and_name(conn: &Connection, variant: VariantId) -> StoreResult<(String, String)> {
    Ok(conn
        .query_row(
            "SELECT sku, name FROM variants WHERE id = ?1",
            [variant.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or_else(|| (String::new(), format!("item {variant}"))))
}
