//! The hub's add-ons for items, as last heard: kept so the cashier's hint
//! shows offline too (`till::add_ons` decides when to ask again).

use super::{StoreError, StoreResult};
use pos_shared::addons::AddOn;
use pos_shared::VariantId;
use rusqlite::{params, Connection, OptionalExtension};

/// The add-ons last heard for `item`, and when (Unix ms).
pub fn get(conn: &Connection, item: VariantId) -> StoreResult<Option<(Vec<AddOn>, i64)>> {
    let row: Option<(String, i64)> = conn
        .query_row(
            "SELECT add_ons, fetched_at_ms FROM add_on_hints WHERE variant_id = ?1",
            [item.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(json, at)| {
        serde_json::from_str(&json)
            .map(|list| (list, at))
            .map_err(|e| StoreError::Corrupt(format!("add-ons of {item}: {e}")))
    })
    .transpose()
}

/// Keeps what the hub said of `item` at `now_ms`.
pub fn put(conn: &Connection, item: VariantId, add_ons: &[AddOn], now_ms: i64) -> StoreResult<()> {
    let json = serde_json::to_string(add_ons).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.execute(
        "INSERT INTO add_on_hints (variant_id, add_ons, fetched_at_ms) VALUES (?1, ?2, ?3) \
         ON CONFLICT (variant_id) DO UPDATE SET add_ons = excluded.add_ons, fetched_at_ms = excluded.fetched_at_ms",
        params![item.to_string(), json, now_ms],
    )?;
    Ok(())
}
