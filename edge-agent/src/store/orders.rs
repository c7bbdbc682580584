//! Delivery orders at a dark store, in SQL: the pick lists the hub sent
//! (kept as it last sent them), this terminal's work on each (claim, lines
//! marked short, pack), and the items picked. Packing writes the pack's
//! movements, the outbox fact and the order's packed mark in one
//! transaction, so a crash leaves the order packed with its fact queued, or
//! not packed at all.

use super::{apply_movement, outbox, StoreError, StoreResult};
use pos_shared::orders::{OrderState, PackedOrder, Pick, PickOrder};
use pos_shared::sync::{Batch, DeviceCredential, Fact};
use pos_shared::{MovementId, Qty, StaffId, Timestamp, VariantId};
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

/// This terminal's work on an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Work {
    pub staff_id: StaffId,
    pub picker_name: String,
    pub claimed_at: Timestamp,
    /// Lines the picker closed short: what is picked of them is all there is.
    pub short_lines: Vec<u32>,
    pub packed: Option<(Uuid, Timestamp)>,
    /// Scans refused as the wrong item while picking it.
    pub wrong_scans: u32,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

/// Keeps the order as the hub sent it at feed sequence `seq`.
pub fn upsert_from_feed(conn: &Connection, order: &PickOrder, seq: u64) -> StoreResult<()> {
    let body = serde_json::to_string(order).map_err(|e| corrupt("order", e))?;
    conn.execute(
        "INSERT INTO store_orders (order_id, state, due_at_ms, body, updated_seq) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (order_id) DO UPDATE SET state = excluded.state, due_at_ms = excluded.due_at_ms, \
         body = excluded.body, updated_seq = excluded.updated_seq WHERE excluded.updated_seq > store_orders.updated_seq",
        params![
            order.order_id.to_string(),
            order.state.as_str(),
            order.due_at.map(|t| t.unix_millis()),
            body,
            i64::try_from(seq).unwrap_or(i64::MAX),
        ],
    )?;
    Ok(())
}

/// The order as the hub last sent it.
pub fn order(conn: &Connection, id: Uuid) -> StoreResult<Option<PickOrder>> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM store_orders WHERE order_id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|b| serde_json::from_str(&b).map_err(|e| corrupt(&format!("order {id}"), e)))
        .transpose()
}

/// Orders the store may still pick and this terminal has not packed, the
/// one due first first.
pub fn open_orders(conn: &Connection) -> StoreResult<Vec<PickOrder>> {
    let mut stmt = conn.prepare(
        "SELECT o.order_id, o.body FROM store_orders o LEFT JOIN order_work w ON w.order_id = o.order_id \
         WHERE o.state IN (?1, ?2) AND w.packed_at_ms IS NULL \
         ORDER BY o.due_at_ms IS NULL, o.due_at_ms, o.order_id",
    )?;
    let rows = stmt.query_map(
        [
            OrderState::AssignedToStore.as_str(),
            OrderState::Picking.as_str(),
        ],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )?;
    let mut found = Vec::new();
    for row in rows {
        let (id, body) = row?;
        found.push(serde_json::from_str(&body).map_err(|e| corrupt(&format!("order {id}"), e))?);
    }
    Ok(found)
}

/// An `order_work` row: staff, name, claimed at, short lines, pack id, packed at.
type WorkRow = (
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<i64>,
    u32,
);

pub fn work(conn: &Connection, id: Uuid) -> StoreResult<Option<Work>> {
    let row: Option<WorkRow> = conn
        .query_row(
            "SELECT staff_id, picker_name, claimed_at_ms, short_lines, pack_id, packed_at_ms, wrong_scans \
             FROM order_work WHERE order_id = ?1",
            [id.to_string()],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .optional()?;
    let Some((staff, name, claimed, short, pack_id, packed_at, wrong_scans)) = row else {
        return Ok(None);
    };
    let packed = match (pack_id, packed_at) {
        (Some(p), Some(at)) => Some((
            p.parse().map_err(|e| corrupt("pack id", e))?,
            Timestamp::from_unix_millis(at),
        )),
        _ => None,
    };
    Ok(Some(Work {
        staff_id: staff.parse().map_err(|e| corrupt("staff id", e))?,
        picker_name: name,
        claimed_at: Timestamp::from_unix_millis(claimed),
        short_lines: serde_json::from_str(&short).map_err(|e| corrupt("short lines", e))?,
        packed,
        wrong_scans,
    }))
}

/// Counts a scan refused as the wrong item against the order's picking.
pub fn count_wrong_scan(conn: &Connection, id: Uuid) -> StoreResult<()> {
    conn.execute(
        "UPDATE order_work SET wrong_scans = wrong_scans + 1 WHERE order_id = ?1 AND pack_id IS NULL",
        [id.to_string()],
    )?;
    Ok(())
}

/// Records this terminal's claim; a claim already here stands.
pub fn claim(
    conn: &Connection,
    id: Uuid,
    staff: StaffId,
    name: &str,
    at: Timestamp,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO order_work (order_id, staff_id, picker_name, claimed_at_ms) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (order_id) DO NOTHING",
        params![id.to_string(), staff.to_string(), name, at.unix_millis()],
    )?;
    Ok(())
}

/// Marks `line` short (or open again).
pub fn set_short(conn: &Connection, id: Uuid, line: u32, short: bool) -> StoreResult<()> {
    let mut lines = work(conn, id)?.map(|w| w.short_lines).unwrap_or_default();
    lines.retain(|l| *l != line);
    if short {
        lines.push(line);
        lines.sort_unstable();
    }
    let text = serde_json::to_string(&lines).map_err(|e| corrupt("short lines", e))?;
    conn.execute(
        "UPDATE order_work SET short_lines = ?2 WHERE order_id = ?1",
        params![id.to_string(), text],
    )?;
    Ok(())
}

/// The items picked for the order here, by line, in the order scanned.
pub fn picks(conn: &Connection, id: Uuid) -> StoreResult<Vec<(u32, Pick)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT line, movement_id, variant_id, qty_milli, batch_code, batch_expires_on, picked_at_ms \
         FROM order_picks WHERE order_id = ?1 ORDER BY picked_at_ms, movement_id",
    )?;
    let rows = stmt.query_map([id.to_string()], |r| {
        Ok((
            r.get::<_, u32>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, i64>(6)?,
        ))
    })?;
    let mut found = Vec::new();
    for row in rows {
        let (line, movement, variant, qty, code, expires, at) = row?;
        found.push((
            line,
            Pick {
                movement_id: movement
                    .parse::<MovementId>()
                    .map_err(|e| corrupt("pick", e))?,
                variant_id: variant
                    .parse::<VariantId>()
                    .map_err(|e| corrupt("pick", e))?,
                qty: Qty::from_milli(qty),
                batch: code
                    .zip(expires)
                    .map(|(code, expires_on)| Batch { code, expires_on }),
                picked_at: Timestamp::from_unix_millis(at),
            },
        ));
    }
    Ok(found)
}

pub fn add_pick(conn: &Connection, id: Uuid, line: u32, pick: &Pick) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO order_picks (movement_id, order_id, line, variant_id, qty_milli, batch_code, batch_expires_on, picked_at_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            pick.movement_id.to_string(),
            id.to_string(),
            line,
            pick.variant_id.to_string(),
            pick.qty.milli(),
            pick.batch.as_ref().map(|b| b.code.clone()),
            pick.batch.as_ref().map(|b| b.expires_on.clone()),
            pick.picked_at.unix_millis(),
        ],
    )?;
    Ok(())
}

/// Takes a pick back before packing; whether there was one.
pub fn remove_pick(conn: &Connection, id: Uuid, movement: MovementId) -> StoreResult<bool> {
    Ok(conn.execute(
        "DELETE FROM order_picks WHERE order_id = ?1 AND movement_id = ?2",
        params![id.to_string(), movement.to_string()],
    )? == 1)
}

/// Packs the order: its movements on the local ledger, the fact in the
/// outbox and the packed mark, all or nothing.
pub fn record_pack(
    conn: &mut Connection,
    device: &DeviceCredential,
    packed: &PackedOrder,
) -> StoreResult<()> {
    let tx = conn.transaction()?;
    for movement in packed.movements() {
        apply_movement(&tx, &movement, "local")?;
    }
    let marked = tx.execute(
        "UPDATE order_work SET pack_id = ?2, packed_at_ms = ?3 WHERE order_id = ?1 AND pack_id IS NULL",
        params![
            packed.order_id.to_string(),
            packed.pack_id.to_string(),
            packed.packed_at.unix_millis()
        ],
    )?;
    if marked != 1 {
        return Err(StoreError::Corrupt(format!(
            "order {} is not claimed here or is already packed",
            packed.order_id
        )));
    }
    outbox::enqueue(
        &tx,
        device,
        packed.pack_id,
        packed.packed_at,
        Fact::OrderPacked(packed.clone()),
    )?;
    tx.commit()?;
    Ok(())
}
