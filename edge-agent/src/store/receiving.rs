//! Buying stock in, in SQL: the purchase orders the hub sent for this store
//! (kept as it last sent them, from the feed and snapshots), and the
//! deliveries this terminal takes in by scan, line by line per item and
//! batch. Posting a receipt writes its receipt movements, its outbox fact
//! and its posted mark in one transaction (`till::receiving`).

use super::{StoreError, StoreResult};
use pos_shared::purchase::PurchaseOrder;
use pos_shared::sale::SaleCashier;
use pos_shared::sync::Batch;
use pos_shared::{Qty, Timestamp, VariantId};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;
use uuid::Uuid;

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

/// Keeps the order as the hub sent it at feed sequence `seq`.
pub fn upsert_order(conn: &Connection, order: &PurchaseOrder, seq: u64) -> StoreResult<()> {
    let body = serde_json::to_string(order).map_err(|e| corrupt("purchase order", e))?;
    conn.execute(
        "INSERT INTO purchase_orders (po_id, state, supplier_id, body, updated_seq) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (po_id) DO UPDATE SET state = excluded.state, supplier_id = excluded.supplier_id, \
         body = excluded.body, updated_seq = excluded.updated_seq WHERE excluded.updated_seq >= purchase_orders.updated_seq",
        params![
            order.po_id.to_string(),
            order.state.as_str(),
            order.supplier_id.to_string(),
            body,
            i64::try_from(seq).unwrap_or(i64::MAX),
        ],
    )?;
    Ok(())
}

/// Forgets the orders before a snapshot, which sends those still expected.
pub fn clear_orders(conn: &Connection) -> StoreResult<()> {
    conn.execute("DELETE FROM purchase_orders", [])?;
    Ok(())
}

fn order_from(body: String) -> StoreResult<PurchaseOrder> {
    serde_json::from_str(&body).map_err(|e| corrupt("purchase order", e))
}

/// Every order the terminal knows, by number.
pub fn orders(conn: &Connection) -> StoreResult<Vec<PurchaseOrder>> {
    let mut stmt = conn.prepare("SELECT body FROM purchase_orders")?;
    let bodies = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut orders = bodies
        .into_iter()
        .map(order_from)
        .collect::<StoreResult<Vec<_>>>()?;
    orders.sort_by(|a, b| a.number.cmp(&b.number));
    Ok(orders)
}

pub fn order(conn: &Connection, id: Uuid) -> StoreResult<Option<PurchaseOrder>> {
    conn.query_row(
        "SELECT body FROM purchase_orders WHERE po_id = ?1",
        [id.to_string()],
        |r| r.get::<_, String>(0),
    )
    .optional()?
    .map(order_from)
    .transpose()
}

/// What this terminal's posted receipts against `po` accepted that the hub
/// has not yet acknowledged (so its order's figures do not hold them yet),
/// by item.
pub fn unacknowledged(conn: &Connection, po: Uuid) -> StoreResult<HashMap<VariantId, Qty>> {
    let mut stmt = conn.prepare(
        "SELECT l.variant_id, SUM(l.received_milli) FROM goods_receipt_lines l \
         JOIN goods_receipts r ON r.receipt_id = l.receipt_id \
         JOIN outbox o ON o.event_id = r.receipt_id \
         WHERE r.po_id = ?1 AND r.state = 'posted' AND o.acked_at_ms IS NULL AND o.quarantined_at_ms IS NULL \
         GROUP BY l.variant_id",
    )?;
    let rows = stmt
        .query_map([po.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(v, milli)| {
            let v: VariantId = v.parse().map_err(|e| corrupt("receipt line variant", e))?;
            Ok((v, Qty::from_milli(milli)))
        })
        .collect()
}

/// Where a receipt stands on this terminal.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptState {
    /// Being scanned.
    Open,
    /// Taken into stock and queued for the hub.
    Posted,
    Cancelled,
}

impl ReceiptState {
    fn as_str(self) -> &'static str {
        match self {
            ReceiptState::Open => "open",
            ReceiptState::Posted => "posted",
            ReceiptState::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            ReceiptState::Open,
            ReceiptState::Posted,
            ReceiptState::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A receipt's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptHeader {
    pub receipt_id: Uuid,
    pub po_id: Option<Uuid>,
    pub supplier_id: Uuid,
    pub supplier_name: String,
    pub started_at: Timestamp,
    pub started_by: SaleCashier,
    pub bill_no: String,
    pub note: String,
    pub state: ReceiptState,
    pub closed: Option<(Timestamp, SaleCashier)>,
}

/// One item in one batch of a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLine {
    pub variant_id: VariantId,
    pub batch: Option<Batch>,
    pub received: Qty,
    pub damaged: Qty,
}

pub fn insert_receipt(conn: &Connection, header: &ReceiptHeader) -> StoreResult<()> {
    let by = serde_json::to_string(&header.started_by).map_err(|e| corrupt("started_by", e))?;
    conn.execute(
        "INSERT INTO goods_receipts (receipt_id, po_id, supplier_id, supplier_name, started_at_ms, started_by, bill_no, note, state) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            header.receipt_id.to_string(),
            header.po_id.map(|p| p.to_string()),
            header.supplier_id.to_string(),
            header.supplier_name,
            header.started_at.unix_millis(),
            by,
            header.bill_no,
            header.note,
            header.state.as_str(),
        ],
    )?;
    Ok(())
}

type HeaderRow = (
    String,
    Option<String>,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
);

const HEADER_SELECT: &str = "SELECT receipt_id, po_id, supplier_id, supplier_name, started_at_ms, started_by, bill_no, note, \
     state, closed_at_ms, closed_by FROM goods_receipts";

fn header_from(row: HeaderRow) -> StoreResult<ReceiptHeader> {
    let (id, po, supplier, supplier_name, started, by, bill_no, note, state, closed_at, closed_by) =
        row;
    let uuid = |text: &str| -> StoreResult<Uuid> {
        text.parse()
            .map_err(|e| corrupt(&format!("receipt {id}"), e))
    };
    let who = |json: &str| -> StoreResult<SaleCashier> {
        serde_json::from_str(json).map_err(|e| corrupt(&format!("receipt {id}"), e))
    };
    let closed = match (closed_at, closed_by) {
        (Some(at), Some(by)) => Some((Timestamp::from_unix_millis(at), who(&by)?)),
        _ => None,
    };
    Ok(ReceiptHeader {
        receipt_id: uuid(&id)?,
        po_id: po.as_deref().map(uuid).transpose()?,
        supplier_id: uuid(&supplier)?,
        supplier_name,
        started_at: Timestamp::from_unix_millis(started),
        started_by: who(&by)?,
        bill_no,
        note,
        state: ReceiptState::parse(&state)
            .ok_or_else(|| corrupt(&format!("receipt {id}"), format!("state {state:?}")))?,
        closed,
    })
}

fn header_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<HeaderRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

pub fn receipt(conn: &Connection, id: Uuid) -> StoreResult<Option<ReceiptHeader>> {
    conn.query_row(
        &format!("{HEADER_SELECT} WHERE receipt_id = ?1"),
        [id.to_string()],
        header_row,
    )
    .optional()?
    .map(header_from)
    .transpose()
}

/// This terminal's receipts: open ones first, then the latest started.
pub fn receipts(conn: &Connection, most: u32) -> StoreResult<Vec<ReceiptHeader>> {
    let mut stmt = conn.prepare(&format!(
        "{HEADER_SELECT} ORDER BY state != 'open', started_at_ms DESC LIMIT ?1"
    ))?;
    let rows = stmt
        .query_map([most], header_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(header_from).collect()
}

/// The receipt's lines in the order first scanned.
pub fn lines(conn: &Connection, id: Uuid) -> StoreResult<Vec<ReceiptLine>> {
    let mut stmt = conn.prepare_cached(
        "SELECT variant_id, batch_code, expires_on, received_milli, damaged_milli FROM goods_receipt_lines \
         WHERE receipt_id = ?1 ORDER BY added_at_ms, variant_id, batch_code",
    )?;
    let rows = stmt
        .query_map([id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(variant, code, expires, received, damaged)| {
            Ok(ReceiptLine {
                variant_id: variant
                    .parse()
                    .map_err(|e| corrupt("receipt line variant", e))?,
                batch: match (code.is_empty(), expires) {
                    (false, Some(expires_on)) => Some(Batch { code, expires_on }),
                    _ => None,
                },
                received: Qty::from_milli(received),
                damaged: Qty::from_milli(damaged),
            })
        })
        .collect()
}

/// One line's figures, when it has any.
pub fn line(
    conn: &Connection,
    id: Uuid,
    variant: VariantId,
    batch_code: &str,
) -> StoreResult<Option<(Qty, Qty)>> {
    Ok(conn
        .query_row(
            "SELECT received_milli, damaged_milli FROM goods_receipt_lines \
             WHERE receipt_id = ?1 AND variant_id = ?2 AND batch_code = ?3",
            params![id.to_string(), variant.to_string(), batch_code],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )
        .optional()?
        .map(|(r, d)| (Qty::from_milli(r), Qty::from_milli(d))))
}

/// Sets a line's figures (both zero takes the line out).
pub fn set_line(
    conn: &Connection,
    id: Uuid,
    variant: VariantId,
    batch: Option<&Batch>,
    received: Qty,
    damaged: Qty,
) -> StoreResult<()> {
    let code = batch.map(|b| b.code.as_str()).unwrap_or_default();
    if received == Qty::ZERO && damaged == Qty::ZERO {
        conn.execute(
            "DELETE FROM goods_receipt_lines WHERE receipt_id = ?1 AND variant_id = ?2 AND batch_code = ?3",
            params![id.to_string(), variant.to_string(), code],
        )?;
        return Ok(());
    }
    conn.execute(
        "INSERT INTO goods_receipt_lines (receipt_id, variant_id, batch_code, expires_on, received_milli, damaged_milli, added_at_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (receipt_id, variant_id, batch_code) DO UPDATE SET \
         received_milli = excluded.received_milli, damaged_milli = excluded.damaged_milli",
        params![
            id.to_string(),
            variant.to_string(),
            code,
            batch.map(|b| b.expires_on.as_str()),
            received.milli(),
            damaged.milli(),
            Timestamp::now().unix_millis(),
        ],
    )?;
    Ok(())
}

/// Marks the receipt posted or cancelled.
pub fn close(
    conn: &Connection,
    id: Uuid,
    state: ReceiptState,
    at: Timestamp,
    by: &SaleCashier,
) -> StoreResult<()> {
    let by = serde_json::to_string(by).map_err(|e| corrupt("closed_by", e))?;
    conn.execute(
        "UPDATE goods_receipts SET state = ?1, closed_at_ms = ?2, closed_by = ?3 WHERE receipt_id = ?4",
        params![state.as_str(), at.unix_millis(), by, id.to_string()],
    )?;
    Ok(())
}

/// Keeps the store's date of a batch, as a movement from the hub gave it.
pub fn learn_batch_date(conn: &Connection, variant: VariantId, batch: &Batch) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO batch_dates (variant_id, code, expires_on) VALUES (?1, ?2, ?3) \
         ON CONFLICT (variant_id, code) DO UPDATE SET expires_on = excluded.expires_on",
        params![variant.to_string(), batch.code, batch.expires_on],
    )?;
    Ok(())
}

/// The expiry dates batch `code` of `variant` is known under: the store's,
/// once the hub has said (it wins), else every date this terminal's
/// receipts not cancelled took it in under.
pub fn known_expiries(
    conn: &Connection,
    variant: VariantId,
    code: &str,
) -> StoreResult<Vec<String>> {
    let store: Option<String> = conn
        .query_row(
            "SELECT expires_on FROM batch_dates WHERE variant_id = ?1 AND code = ?2",
            params![variant.to_string(), code],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(day) = store {
        return Ok(vec![day]);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT l.expires_on FROM goods_receipt_lines l JOIN goods_receipts r ON r.receipt_id = l.receipt_id \
         WHERE l.variant_id = ?1 AND l.batch_code = ?2 AND l.expires_on IS NOT NULL AND r.state != 'cancelled'",
    )?;
    let days = stmt
        .query_map(params![variant.to_string(), code], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(days)
}

/// A receipt of this terminal still being scanned against order `po`.
pub fn open_for_order(conn: &Connection, po: Uuid) -> StoreResult<Option<ReceiptHeader>> {
    conn.query_row(
        &format!(
            "{HEADER_SELECT} WHERE po_id = ?1 AND state = 'open' ORDER BY started_at_ms LIMIT 1"
        ),
        [po.to_string()],
        header_row,
    )
    .optional()?
    .map(header_from)
    .transpose()
}

/// A receipt of this terminal, not cancelled, of `supplier`'s bill `bill_no`.
pub fn of_bill(
    conn: &Connection,
    supplier: Uuid,
    bill_no: &str,
) -> StoreResult<Option<ReceiptHeader>> {
    conn.query_row(
        &format!(
            "{HEADER_SELECT} WHERE supplier_id = ?1 AND lower(bill_no) = lower(?2) AND state != 'cancelled' ORDER BY started_at_ms LIMIT 1"
        ),
        params![supplier.to_string(), bill_no],
        header_row,
    )
    .optional()?
    .map(header_from)
    .transpose()
}
