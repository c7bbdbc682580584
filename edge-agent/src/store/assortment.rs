//! What HQ does not let this store sell: items it took out of the store's
//! assortment or whose stock it put on hold, kept from the feed and the
//! snapshot (`items_at_store`). Every product the till reads carries why it
//! may not be sold, and a sale or quote with such an item is refused.

use super::StoreResult;
use pos_shared::sync::ItemAtStore;
use rusqlite::Connection;

/// Keeps what the hub said of an item at this store: a row while it may not
/// be sold, none once it may.
pub fn apply(conn: &Connection, item: &ItemAtStore) -> StoreResult<()> {
    let id = item.variant_id.to_string();
    if item.stopped().is_some() {
        conn.prepare_cached(
            "INSERT INTO items_at_store (variant_id, listed, hold) VALUES (?1, ?2, ?3) \
             ON CONFLICT (variant_id) DO UPDATE SET listed = excluded.listed, hold = excluded.hold",
        )?
        .execute(rusqlite::params![id, item.listed, item.hold])?;
    } else {
        conn.execute("DELETE FROM items_at_store WHERE variant_id = ?1", [&id])?;
    }
    Ok(())
}

/// Forgets it all, before a snapshot says it again.
pub fn clear(conn: &Connection) -> StoreResult<()> {
    conn.execute("DELETE FROM items_at_store", [])?;
    Ok(())
}
