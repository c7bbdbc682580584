//! The replica's full-text search index (`variant_search`, FTS5): one entry per
//! variant, keyed by the variant's rowid, holding its name, brand, synonyms,
//! SKU and every barcode as printed (GTIN-14's padding zeros left off).
//!
//! The code that writes variants keeps it, in the same transaction: a feed page
//! re-indexes each variant it writes. A snapshot writes its variants unindexed
//! and, in the transaction that finishes it, marks the index for a rebuild
//! (`search_rebuild_from` in `meta`, the next rowid to index). The rebuild then
//! runs in steps of [`REBUILD_STEP`] variants, one transaction each, so the till
//! sells from the moment the snapshot's rows are in and a sale waits for one
//! step at most. Indexing a step's rows in one statement costs a fraction of
//! indexing them row by row. Each step replaces the entries of its rowid range
//! whole, so feed pages that index variants meanwhile and a crash midway (the
//! mark survives it; the rebuild goes on from where it got to) leave the
//! index right. Until a step has run, a search finds what the index held for
//! those rows before the snapshot.

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

/// Where a pending rebuild has got to: the next variant rowid to index.
const REBUILD_FROM: &str = "search_rebuild_from";

/// Variants indexed per step (about 50 ms of work on a till).
pub const REBUILD_STEP: i64 = 10_000;

/// Marks the whole index for a rebuild, from the first variant.
pub(crate) fn rebuild_later(conn: &Connection) -> StoreResult<()> {
    super::set_meta(conn, REBUILD_FROM, "0")
}

/// Whether a rebuild is pending.
pub fn rebuilding(conn: &Connection) -> StoreResult<bool> {
    Ok(super::get_meta(conn, REBUILD_FROM)?.is_some())
}

/// Runs the next step of a pending rebuild in one transaction: the next
/// [`REBUILD_STEP`] variants by rowid get their entries afresh. Returns
/// whether steps remain. Synonyms are indexed as their JSON text (the
/// tokenizer drops the brackets, quotes and commas), as [`index`] does.
pub fn rebuild_step(conn: &mut Connection) -> StoreResult<bool> {
    rebuild_step_of(conn, REBUILD_STEP)
}

/// [`rebuild_step`] with steps of `step` variants. A step is committed
/// without waiting for the disk: lost, it is lost with its mark, and redone.
pub fn rebuild_step_of(conn: &mut Connection, step: i64) -> StoreResult<bool> {
    super::without_waiting_for_disk(conn, |conn| index_step(conn, step))
}

fn index_step(conn: &mut Connection, step: i64) -> StoreResult<bool> {
    let tx = conn.transaction()?;
    let Some(from) = super::get_meta(&tx, REBUILD_FROM)? else {
        return Ok(false);
    };
    let from: i64 = from.parse().map_err(|_| {
        super::StoreError::Corrupt(format!("{REBUILD_FROM} {from:?} is not a rowid"))
    })?;
    let to: Option<i64> = tx.query_row(
        "SELECT MAX(rowid) FROM (SELECT rowid FROM variants WHERE rowid >= ?1 ORDER BY rowid LIMIT ?2)",
        [from, step.max(1)],
        |r| r.get(0),
    )?;
    let more = match to {
        Some(to) => {
            tx.execute(
                "DELETE FROM variant_search WHERE rowid BETWEEN ?1 AND ?2",
                [from, to],
            )?;
            tx.execute(
                "INSERT INTO variant_search (rowid, name, brand, synonyms, sku, code) \
                 SELECT rowid, name, brand, synonyms, sku, \
                        ltrim(gtin, '0') || COALESCE(' ' || (SELECT group_concat(ltrim(value, '0'), ' ') FROM json_each(extra_barcodes)), '') \
                 FROM variants WHERE rowid BETWEEN ?1 AND ?2",
                [from, to],
            )?;
            super::set_meta(&tx, REBUILD_FROM, &(to + 1).to_string())?;
            true
        }
        None => {
            // Entries past the last variant are of variants gone since.
            tx.execute("DELETE FROM variant_search WHERE rowid >= ?1", [from])?;
            tx.execute("DELETE FROM meta WHERE key = ?1", [REBUILD_FROM])?;
            false
        }
    };
    tx.commit()?;
    Ok(more)
}
