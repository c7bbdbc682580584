//! Starting a replica from a hub snapshot, in bounded batches.
//!
//! Applying a snapshot first resets stock to this terminal's own movements, then
//! adds the hub's positions (which leave this terminal's movements out), so
//! nothing is counted twice however sales and the snapshot interleave. The
//! cursor moves to the snapshot's sequence only at the end, in the transaction
//! that marks the search index for its rebuild (which runs in steps after,
//! see `search_index`); a crash midway simply applies the snapshot again from
//! the start.

use super::feed::{set_cursor, upsert_price, write_variant, CURSOR_KEY};
use super::{get_meta, set_meta, StoreError, StoreResult};
use pos_shared::sync::SnapshotRecord;
use rusqlite::Connection;

/// The snapshot being downloaded: its sequence and, once known, its size.
const PENDING_SEQ: &str = "snapshot_pending_seq";
const PENDING_LEN: &str = "snapshot_pending_len";
/// Set once a snapshot has been applied; a replica without it needs one.
const APPLIED_SEQ: &str = "snapshot_applied_seq";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub seq: u64,
    pub len: Option<u64>,
}

fn number(conn: &Connection, key: &str) -> StoreResult<Option<u64>> {
    get_meta(conn, key)?
        .map(|v| {
            v.parse()
                .map_err(|_| StoreError::Corrupt(format!("{key} {v:?} is not a number")))
        })
        .transpose()
}

/// Whether this replica must (re)start from a snapshot: it never had one and
/// has not followed the feed either, or a snapshot is half downloaded.
pub fn needs_snapshot(conn: &Connection) -> StoreResult<bool> {
    let fresh = number(conn, APPLIED_SEQ)?.is_none() && number(conn, CURSOR_KEY)?.unwrap_or(0) == 0;
    Ok(fresh || number(conn, PENDING_SEQ)?.is_some())
}

pub fn pending(conn: &Connection) -> StoreResult<Option<Pending>> {
    Ok(number(conn, PENDING_SEQ)?.map(|seq| Pending {
        seq,
        len: number(conn, PENDING_LEN).ok().flatten(),
    }))
}

pub fn set_pending(conn: &Connection, pending: Option<Pending>) -> StoreResult<()> {
    match pending {
        Some(p) => {
            set_meta(conn, PENDING_SEQ, &p.seq.to_string())?;
            match p.len {
                Some(len) => set_meta(conn, PENDING_LEN, &len.to_string())?,
                None => {
                    conn.execute("DELETE FROM meta WHERE key = ?1", [PENDING_LEN])?;
                }
            }
        }
        None => {
            conn.execute(
                "DELETE FROM meta WHERE key IN (?1, ?2)",
                [PENDING_SEQ, PENDING_LEN],
            )?;
        }
    }
    Ok(())
}

/// The hub's history is not the one this replica followed (its database
/// restored from an older copy): the stock movements the feed brought are
/// forgotten with it, since the snapshot's positions count what the restored
/// hub has, and the other tills' sales it lost come again under the same
/// movement ids, to be counted then.
pub fn forget_the_hubs_movements(conn: &Connection) -> StoreResult<usize> {
    Ok(conn.execute("DELETE FROM movements WHERE origin = 'hub'", [])?)
}

/// Forgets applied state so the next sync takes a snapshot (the hub pruned the
/// feed past this replica's cursor).
pub fn require_snapshot(conn: &Connection) -> StoreResult<()> {
    conn.execute("DELETE FROM meta WHERE key = ?1", [APPLIED_SEQ])?;
    set_cursor(conn, 0, None)
}

/// Resets stock to this terminal's own movements, ready for the hub's
/// positions. Returns whether the replica holds no items yet (a new till),
/// for [`apply_batch`].
pub fn begin(conn: &mut Connection) -> StoreResult<bool> {
    let tx = conn.transaction()?;
    let empty = !tx.query_row("SELECT EXISTS (SELECT 1 FROM variants)", [], |r| {
        r.get::<_, bool>(0)
    })?;
    tx.execute("DELETE FROM stock", [])?;
    super::assortment::clear(&tx)?;
    super::receiving::clear_orders(&tx)?;
    super::transfers::clear(&tx)?;
    tx.execute(
        "INSERT INTO stock (variant_id, on_hand_milli) \
         SELECT variant_id, SUM(delta_milli) FROM movements WHERE origin = 'local' GROUP BY variant_id",
        [],
    )?;
    tx.commit()?;
    Ok(empty)
}

/// Applies one batch of records in one transaction, committed without
/// waiting for the disk: a batch lost to a power cut is applied again, since
/// the snapshot is marked applied only by [`finish`], which waits.
/// `empty`: the replica held no items when the snapshot began ([`begin`]).
pub fn apply_batch(
    conn: &mut Connection,
    seq: u64,
    records: &[SnapshotRecord],
    empty: bool,
) -> StoreResult<()> {
    super::without_waiting_for_disk(conn, |conn| apply_records(conn, seq, records, empty))
}

fn apply_records(
    conn: &mut Connection,
    seq: u64,
    records: &[SnapshotRecord],
    empty: bool,
) -> StoreResult<()> {
    let tx = conn.transaction()?;
    for record in records {
        match record {
            SnapshotRecord::Variant(v) => {
                // A snapshot sends each variant once: into an empty replica
                // it has no barcodes to replace.
                write_variant(&tx, v, seq, !empty)?;
            }
            SnapshotRecord::Staff(s) => super::staff::upsert(&tx, s)?,
            SnapshotRecord::Category(c) => super::categories::upsert(&tx, c, seq)?,
            // The hub sends a store's snapshot only its own and chain-wide windows.
            SnapshotRecord::Price(w) => upsert_price(&tx, w, seq)?,
            SnapshotRecord::Order(o) => super::orders::upsert_from_feed(&tx, o, seq)?,
            SnapshotRecord::ItemAtStore(i) => super::assortment::apply(&tx, i)?,
            SnapshotRecord::PurchaseOrder(po) => super::receiving::upsert_order(&tx, po, seq)?,
            SnapshotRecord::Store(p) => super::store_profile::apply(&tx, p)?,
            SnapshotRecord::CreditAccount(a) => super::credit::apply(&tx, a, seq)?,
            SnapshotRecord::TransferRequest(r) => super::transfers::upsert_request(&tx, r, seq)?,
            SnapshotRecord::Transfer(t) => super::transfers::upsert_transfer(&tx, t, seq)?,
            SnapshotRecord::LoyaltyRules(r) => super::loyalty::apply_rules(&tx, r, seq)?,
            SnapshotRecord::LoyaltyAccount(a) => super::loyalty::apply(&tx, a, seq)?,
            SnapshotRecord::Position {
                variant_id,
                on_hand,
            } => {
                // Into an empty replica a position is new (one write, not a
                // read and a write); one the till's own sales made is added to.
                let new = empty
                    && tx
                        .prepare_cached(
                            "INSERT INTO stock (variant_id, on_hand_milli) VALUES (?1, ?2) \
                             ON CONFLICT (variant_id) DO NOTHING",
                        )?
                        .execute(rusqlite::params![variant_id.to_string(), on_hand.milli()])?
                        == 1;
                if !new {
                    super::add_stock(&tx, *variant_id, *on_hand)?;
                }
            }
        }
    }
    tx.commit()?;
    Ok(())
}

/// What a snapshot taken again did not send is no longer the hub's: items
/// and price windows the replica held from before it (deleted while the feed
/// was pruned past them, or written by a hub since restored from an older
/// copy) leave it, so the till sells only what HQ has. The snapshot wrote
/// every one it sent at its own sequence.
fn drop_what_was_not_sent(tx: &Connection, seq: u64) -> StoreResult<()> {
    let stale: Vec<String> = tx
        .prepare("SELECT id FROM variants WHERE feed_seq <> ?1")?
        .query_map([seq as i64], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in &stale {
        let variant = id
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("variant id {id:?}")))?;
        super::feed::remove_variant(tx, variant)?;
    }
    let windows = tx.execute(
        "DELETE FROM price_windows WHERE feed_seq <> ?1",
        [seq as i64],
    )?;
    if !stale.is_empty() || windows > 0 {
        tracing::info!(
            items = stale.len(),
            price_windows = windows,
            "the new snapshot left out items and prices this till held: they are gone from it"
        );
    }
    Ok(())
}

/// Moves the cursor to the snapshot's sequence and marks the search index
/// for its rebuild, in one transaction: from here the feed takes over, and
/// the till sells while the index is rebuilt.
pub fn finish(conn: &mut Connection, seq: u64, mark: Option<i64>) -> StoreResult<()> {
    let tx = conn.transaction()?;
    drop_what_was_not_sent(&tx, seq)?;
    super::search_index::rebuild_later(&tx)?;
    set_cursor(&tx, seq, mark)?;
    set_meta(&tx, APPLIED_SEQ, &seq.to_string())?;
    set_pending(&tx, None)?;
    tx.commit()?;
    Ok(())
}
