//! The feed applier: the catalog, prices, stock, staff, the store's other
//! tills' sales and its delivery orders reach the replica only through here, one feed page per
//! transaction.

use super::{apply_movement, get_meta, set_meta, StoreError, StoreResult};
use pos_shared::sync::{ChangeBody, DocPurpose, FeedPage, VariantRecord};
use pos_shared::{StoreId, VariantId};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

pub(crate) const CURSOR_KEY: &str = "feed_cursor";
/// The hub's mark of the change at the cursor (its page's `cursor_mark`),
/// sent back with it so a hub restored from an older copy is noticed.
const CURSOR_MARK_KEY: &str = "feed_cursor_mark";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedPage {
    pub changes: usize,
    pub cursor: u64,
    /// Store documents the hub says changed: the terminal should sync them.
    pub documents: Vec<DocPurpose>,
    /// The credit accounts that changed (their phones): the till gives back
    /// what it holds past its new share on each.
    pub credit: Vec<String>,
    /// The customers whose points changed (their phones): likewise.
    pub loyalty: Vec<String>,
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

/// The hub's mark of the change at the cursor, when it gave one.
pub fn cursor_mark(conn: &Connection) -> StoreResult<Option<i64>> {
    get_meta(conn, CURSOR_MARK_KEY)?
        .map(|v| {
            v.parse()
                .map_err(|_| StoreError::Corrupt(format!("feed cursor mark {v:?} is not a number")))
        })
        .transpose()
}

/// Moves the cursor to `seq`, with the hub's mark of the change there (none
/// after a snapshot, which starts a new place).
pub(crate) fn set_cursor(conn: &Connection, seq: u64, mark: Option<i64>) -> StoreResult<()> {
    set_meta(conn, CURSOR_KEY, &seq.to_string())?;
    match mark {
        Some(m) => set_meta(conn, CURSOR_MARK_KEY, &m.to_string()),
        None => {
            conn.execute("DELETE FROM meta WHERE key = ?1", [CURSOR_MARK_KEY])?;
            Ok(())
        }
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
    let mut credit = Vec::new();
    let mut loyalty = Vec::new();
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
                if let Some(batch) = &m.batch {
                    super::receiving::learn_batch_date(&tx, m.variant_id, batch)?;
                }
            }
            ChangeBody::StaffUpserted(s) if s.store_id != store => {
                tracing::warn!(seq = change.seq, staff = %s.staff_id, "feed carried another store's staff; skipped");
                continue;
            }
            ChangeBody::StaffUpserted(s) => super::staff::upsert(&tx, s)?,
            ChangeBody::SaleRecorded(s) => super::returns::remember_store_sale(&tx, s)?,
            ChangeBody::ReturnRecorded(r) => super::returns::remember_store_return(&tx, r)?,
            ChangeBody::OrderChanged(o) if o.store_id != store => {
                tracing::warn!(seq = change.seq, order = %o.order_id, "feed carried another store's order; skipped");
                continue;
            }
            ChangeBody::OrderChanged(o) => super::orders::upsert_from_feed(&tx, o, change.seq)?,
            ChangeBody::ItemAtStore(i) if i.store_id != store => {
                tracing::warn!(seq = change.seq, variant = %i.variant_id, "feed carried another store's assortment; skipped");
                continue;
            }
            ChangeBody::ItemAtStore(i) => super::assortment::apply(&tx, i)?,
            ChangeBody::PurchaseOrderChanged(po) if po.store_id != store => {
                tracing::warn!(seq = change.seq, po = %po.po_id, "feed carried another store's purchase order; skipped");
                continue;
            }
            ChangeBody::PurchaseOrderChanged(po) => {
                super::receiving::upsert_order(&tx, po, change.seq)?
            }
            ChangeBody::StoreProfile(p) if p.store_id != store => {
                tracing::warn!(seq = change.seq, other = %p.store_id, "feed carried another store's record; skipped");
                continue;
            }
            ChangeBody::StoreProfile(p) => super::store_profile::apply(&tx, p)?,
            ChangeBody::CreditAccountChanged(a) if a.store_id != store => {
                tracing::warn!(
                    seq = change.seq,
                    "feed carried another store's credit account; skipped"
                );
                continue;
            }
            ChangeBody::CreditAccountChanged(a) => {
                super::credit::apply(&tx, a, change.seq)?;
                credit.push(a.phone.clone());
            }
            ChangeBody::TransferRequested(r) if r.from_store_id != store => {
                tracing::warn!(seq = change.seq, request = %r.request_id, "feed carried another store's transfer request; skipped");
                continue;
            }
            ChangeBody::TransferRequested(r) => {
                super::transfers::upsert_request(&tx, r, change.seq)?
            }
            ChangeBody::TransferChanged(t) if t.to_store_id != store => {
                tracing::warn!(seq = change.seq, transfer = %t.transfer_id, "feed carried another store's transfer; skipped");
                continue;
            }
            ChangeBody::TransferChanged(t) => {
                super::transfers::upsert_transfer(&tx, t, change.seq)?
            }
            ChangeBody::LoyaltyRulesChanged(r) => super::loyalty::apply_rules(&tx, r, change.seq)?,
            ChangeBody::LoyaltyAccountChanged(a) => {
                super::loyalty::apply(&tx, a, change.seq)?;
                loyalty.push(a.phone.clone());
            }
            ChangeBody::CustomerChanged(c) => {
                if super::customers::take_in(&tx, c)?
                    && !documents.contains(&DocPurpose::CustomerProfiles)
                {
                    documents.push(DocPurpose::CustomerProfiles);
                }
            }
            ChangeBody::DocumentChanged { purpose } => {
                if !documents.contains(purpose) {
                    documents.push(*purpose);
                }
            }
        }
        applied += 1;
    }
    let next = current.max(page.next_cursor);
    if next != current || page.cursor_mark.is_some() {
        let mark = match next == page.next_cursor {
            true => page.cursor_mark,
            false => cursor_mark(&tx)?,
        };
        set_cursor(&tx, next, mark)?;
    }
    tx.commit()?;
    Ok(AppliedPage {
        changes: applied,
        cursor: next,
        documents,
        credit,
        loyalty,
    })
}

/// Inserts or replaces a variant of the replica, as of feed sequence `seq`,
/// search entry included.
pub(crate) fn upsert_variant(conn: &Connection, v: &VariantRecord, seq: u64) -> StoreResult<()> {
    let rowid = write_variant(conn, v, seq, true)?;
    super::search_index::index(conn, rowid, v)
}

/// Inserts or replaces a variant and its barcodes but not its search entry
/// (a snapshot rebuilds the index once at its end); returns its rowid.
/// `replacing`: the replica may hold the variant already, with barcodes to
/// drop (a snapshot into an empty replica skips looking for them).
pub(crate) fn write_variant(
    conn: &Connection,
    v: &VariantRecord,
    seq: u64,
    replacing: bool,
) -> StoreResult<i64> {
    // The hub gives a barcode to one live item: one here that still holds
    // it is one the hub no longer has (deleted while this replica did not
    // hear, or lost with a restored hub), and makes way.
    if replacing {
        let holder: Option<String> = conn
            .prepare_cached("SELECT id FROM variants WHERE gtin = ?1 AND id <> ?2")?
            .query_row([v.barcode.as_str(), &v.variant_id.to_string()], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(other) = holder {
            let other = other
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("variant id {other:?}")))?;
            remove_variant(conn, other)?;
        }
    }
    // Cached statements: a snapshot applies this 100,000 times.
    let rowid = conn.prepare_cached(
        "INSERT INTO variants (id, product_id, name, sku, gtin, price_minor, currency, feed_seq, \
         tax_rate_bp, tax_inclusive, hsn, modifiers, brand, category_id, synonyms, extra_barcodes, quick_key, unit) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) ON CONFLICT (id) DO UPDATE SET \
         product_id = excluded.product_id, name = excluded.name, sku = excluded.sku, gtin = excluded.gtin, \
         price_minor = excluded.price_minor, currency = excluded.currency, feed_seq = excluded.feed_seq, \
         tax_rate_bp = excluded.tax_rate_bp, tax_inclusive = excluded.tax_inclusive, hsn = excluded.hsn, \
         modifiers = excluded.modifiers, brand = excluded.brand, category_id = excluded.category_id, \
         synonyms = excluded.synonyms, extra_barcodes = excluded.extra_barcodes, quick_key = excluded.quick_key, \
         unit = excluded.unit RETURNING rowid",
    )?
    .query_row(rusqlite::params![
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
        ], |r| r.get(0))?;
    let id = v.variant_id.to_string();
    if replacing {
        conn.prepare_cached("DELETE FROM variant_barcodes WHERE variant_id = ?1")?
            .execute([&id])?;
    }
    for code in &v.placement.extra_barcodes {
        // The hub gives a barcode to one variant at a time; should it move,
        // the variant that holds it last has it.
        conn.prepare_cached(
            "INSERT OR REPLACE INTO variant_barcodes (gtin, variant_id) VALUES (?1, ?2)",
        )?
        .execute([code.as_str(), &id])?;
    }
    Ok(rowid)
}

/// Takes a variant HQ deleted out of the replica, so it can be neither
/// scanned nor found. Sales already made of it keep their own lines, and its
/// stock row stays with the ledger.
pub(crate) fn remove_variant(conn: &Connection, variant: VariantId) -> StoreResult<()> {
    let id = variant.to_string();
    conn.execute("DELETE FROM variant_barcodes WHERE variant_id = ?1", [&id])?;
    let rowid: Option<i64> = conn
        .query_row(
            "DELETE FROM variants WHERE id = ?1 RETURNING rowid",
            [&id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(rowid) = rowid {
        super::search_index::unindex(conn, rowid)?;
    }
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
    conn.prepare_cached(
        "INSERT INTO price_windows (id, variant_id, store_id, price_minor, mrp_minor, from_ms, to_ms, feed_seq) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO UPDATE SET \
         price_minor = excluded.price_minor, mrp_minor = excluded.mrp_minor, from_ms = excluded.from_ms, \
         to_ms = excluded.to_ms, feed_seq = excluded.feed_seq",
    )?
    .execute(rusqlite::params![
            w.price_id.to_string(),
            w.variant_id.to_string(),
            w.store_id.map(|s| s.to_string()),
            w.price.minor(),
            w.mrp.map(|m| m.minor()),
            w.effective_from.unix_millis(),
            w.effective_to.map(|t| t.unix_millis()),
            seq as i64,
        ])?;
    Ok(())
}

fn json_column<T: Serialize>(list: &[T]) -> StoreResult<Option<String>> {
    (!list.is_empty())
        .then(|| serde_json::to_string(list))
        .transpose()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}
