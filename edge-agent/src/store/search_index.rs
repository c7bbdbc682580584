//! The replica's full-text search index (`variant_search`, FTS5): one entry per
//! variant, keyed by the variant's rowid, holding its name, brand, synonyms,
//! SKU and every barcode as printed (GTIN-14's padding zeros left off).
//!
//! The code that writes variants keeps it, in the same transaction: a feed page
//! re-indexes each variant it writes; a snapshot writes its variants unindexed
//! and rebuilds the whole index in one statement when it finishes, which costs
//! a fraction of indexing row by row. Until then a search finds what the
//! replica held before the snapshot.

use super::StoreResult;
use rusqlite::Connection;

/// The search text of a variant's barcodes: the primary, then the others.
fn codes(gtin: &str, extra: &[pos_shared::Gtin]) -> String {
    let mut text = gtin.trim_start_matches('0').to_owned();
    for code in extra {
        text.push(' ');
        text.push_str(code.as_str().trim_start_matches('0'));
    }
    text
}

/// Replaces the index entry of the variant at `rowid`.
pub(crate) fn index(
    conn: &Connection,
    rowid: i64,
    v: &pos_shared::sync::VariantRecord,
) -> StoreResult<()> {
    unindex(conn, rowid)?;
    let synonyms = (!v.placement.synonyms.is_empty())
        .then(|| serde_json::to_string(&v.placement.synonyms))
        .transpose()
        .map_err(|e| super::StoreError::Corrupt(e.to_string()))?;
    conn.prepare_cached(
        "INSERT INTO variant_search (rowid, name, brand, synonyms, sku, code) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(rusqlite::params![
        rowid,
        v.name,
        v.placement.brand,
        synonyms,
        v.sku,
        codes(v.barcode.as_str(), &v.placement.extra_barcodes),
    ])?;
    Ok(())
}

/// Takes the entry of the variant at `rowid` out of the index.
pub(crate) fn unindex(conn: &Connection, rowid: i64) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM variant_search WHERE rowid = ?1")?
        .execute([rowid])?;
    Ok(())
}

/// Indexes every variant of the replica afresh, in one statement. Synonyms
/// are indexed as their JSON text (the tokenizer drops the brackets, quotes
/// and commas), as [`index`] does.
pub(crate) fn rebuild(conn: &Connection) -> StoreResult<()> {
    conn.execute("DELETE FROM variant_search", [])?;
    conn.execute(
        "INSERT INTO variant_search (rowid, name, brand, synonyms, sku, code) \
         SELECT rowid, name, brand, synonyms, sku, \
                ltrim(gtin, '0') || COALESCE(' ' || (SELECT group_concat(ltrim(value, '0'), ' ') FROM json_each(extra_barcodes)), '') \
         FROM variants",
        [],
    )?;
    Ok(())
}
