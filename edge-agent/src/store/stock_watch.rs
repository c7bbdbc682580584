//! The store's stock watch in SQL: the hub's last answer of what to keep an
//! eye on (reorder points, batches expiring soon), kept in `meta` so the
//! till's stock alerts show with the hub out of reach.

use super::{get_meta, set_meta, StoreError, StoreResult};
use pos_shared::stock_watch::StockWatch;
use rusqlite::Connection;

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
