//! The store's stock watch in SQL: the hub's last answer of what to keep an
//! eye on (reorder points, batches expiring soon), kept in `meta` so the
//! till's stock alerts show with the hub out of reach, and the till's own
//! live stock of the items with a reorder point.

use super::{get_meta, set_meta, StoreError, StoreResult};
use pos_shared::stock_watch::StockWatch;
use pos_shared::{Qty, VariantId};
use rusqlite::{Connection, OptionalExtension};

const KEY: &str = "stock_watch";

pub fn keep(conn: &Connection, watch: &StockWatch) -> StoreResult<()> {
    let json = serde_json::to_string(watch)
        .map_err(|e| StoreError::Corrupt(format!("stock watch: {e}")))?;
    set_meta(conn, KEY, &json)
}

/// The hub's last answer, if it ever gave one.
pub fn kept(conn: &Connection) -> StoreResult<Option<StockWatch>> {
    get_meta(conn, KEY)?
        .map(|json| {
            serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("stock watch: {e}")))
        })
        .transpose()
}

/// The item's stock as this till knows it now, its own sales included.
pub fn on_hand(conn: &Connection, variant: VariantId) -> StoreResult<Qty> {
    let milli: Option<i64> = conn
        .query_row(
            "SELECT on_hand_milli FROM stock WHERE variant_id = ?1",
            [variant.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(Qty::from_milli(milli.unwrap_or(0)))
}
