//! Transfers at the store, in SQL: HQ's requests for this store to send
//! stock and the transfers on their way to it (kept as the hub last sent
//! them, from the feed and snapshots), what this till counted of each, by
//! batch, and what it dispatched or received (`till::transfers`).

use super::{StoreError, StoreResult};
use pos_shared::sale::SaleCashier;
use pos_shared::sync::Batch;
use pos_shared::transfer::{Transfer, TransferRequest, TransferRequestState, TransferState};
use pos_shared::{Qty, Timestamp};
use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use uuid::Uuid;

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn from_json<T: DeserializeOwned>(what: &str, body: &str) -> StoreResult<T> {
    serde_json::from_str(body).map_err(|e| corrupt(what, e))
}

fn seq_of(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// Keeps a request as the hub sent it at feed sequence `seq`.
pub fn upsert_request(conn: &Connection, r: &TransferRequest, seq: u64) -> StoreResult<()> {
    let body = serde_json::to_string(r).map_err(|e| corrupt("transfer request", e))?;
    conn.execute(
        "INSERT INTO transfer_requests (request_id, state, body, updated_seq) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (request_id) DO UPDATE SET state = excluded.state, body = excluded.body, \
         updated_seq = excluded.updated_seq WHERE excluded.updated_seq >= transfer_requests.updated_seq",
        params![r.request_id.to_string(), r.state.as_str(), body, seq_of(seq)],
    )?;
    Ok(())
}

/// Keeps a transfer to this store as the hub sent it at feed sequence `seq`.
pub fn upsert_transfer(conn: &Connection, t: &Transfer, seq: u64) -> StoreResult<()> {
    let body = serde_json::to_string(t).map_err(|e| corrupt("transfer", e))?;
    conn.execute(
        "INSERT INTO transfers_in (transfer_id, state, body, updated_seq) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (transfer_id) DO UPDATE SET state = excluded.state, body = excluded.body, \
         updated_seq = excluded.updated_seq WHERE excluded.updated_seq >= transfers_in.updated_seq",
        params![
            t.transfer_id.to_string(),
            t.state.as_str(),
            body,
            seq_of(seq)
        ],
    )?;
    Ok(())
}

/// Forgets requests and transfers before a snapshot, which sends the open ones.
pub fn clear(conn: &Connection) -> StoreResult<()> {
    conn.execute("DELETE FROM transfer_requests", [])?;
    conn.execute("DELETE FROM transfers_in", [])?;
    Ok(())
}

/// The requests still open at the hub, oldest first.
pub fn open_requests(conn: &Connection) -> StoreResult<Vec<TransferRequest>> {
    let mut stmt = conn.prepare("SELECT body FROM transfer_requests WHERE state = ?1")?;
    let bodies = stmt
        .query_map([TransferRequestState::Open.as_str()], |r| {
            r.get::<_, String>(0)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut requests = bodies
        .iter()
        .map(|b| from_json::<TransferRequest>("transfer request", b))
        .collect::<StoreResult<Vec<_>>>()?;
    requests.sort_by_key(|r| (r.raised_at.unix_millis(), r.request_id));
    Ok(requests)
}

/// The transfers still on their way at the hub, oldest first.
pub fn in_transit(conn: &Connection) -> StoreResult<Vec<Transfer>> {
    let mut stmt = conn.prepare("SELECT body FROM transfers_in WHERE state = ?1")?;
    let bodies = stmt
        .query_map([TransferState::InTransit.as_str()], |r| {
            r.get::<_, String>(0)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut transfers = bodies
        .iter()
        .map(|b| from_json::<Transfer>("transfer", b))
        .collect::<StoreResult<Vec<_>>>()?;
    transfers.sort_by_key(|t| (t.dispatched_at.unix_millis(), t.transfer_id));
    Ok(transfers)
}

pub fn request(conn: &Connection, id: Uuid) -> StoreResult<Option<TransferRequest>> {
    conn.query_row(
        "SELECT body FROM transfer_requests WHERE request_id = ?1",
        [id.to_string()],
        |r| r.get::<_, String>(0),
    )
    .optional()?
    .map(|b| from_json("transfer request", &b))
    .transpose()
}

pub fn transfer(conn: &Connection, id: Uuid) -> StoreResult<Option<Transfer>> {
    conn.query_row(
        "SELECT body FROM transfers_in WHERE transfer_id = ?1",
        [id.to_string()],
        |r| r.get::<_, String>(0),
    )
    .optional()?
    .map(|b| from_json("transfer", &b))
    .transpose()
}

/// What this till counted of a request or a transfer: by batch (none first).
pub fn counts(conn: &Connection, id: Uuid) -> StoreResult<Vec<(Option<Batch>, Qty)>> {
    let mut stmt = conn.prepare(
        "SELECT batch_code, expires_on, qty_milli FROM transfer_counts WHERE id = ?1 ORDER BY expires_on, batch_code",
    )?;
    let rows = stmt.query_map([id.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut counted = Vec::new();
    for row in rows {
        let (code, expires_on, milli) = row?;
        let batch = match (code.is_empty(), expires_on) {
            (true, _) => None,
            (false, Some(expires_on)) => Some(Batch { code, expires_on }),
            (false, None) => return Err(corrupt("transfer count", "a batch without its expiry")),
        };
        counted.push((batch, Qty::from_milli(milli)));
    }
    counted.sort_by_key(|(b, _)| b.is_some());
    Ok(counted)
}

/// Sets a count of one batch (or of no batch); zero takes it out.
pub fn set_count(conn: &Connection, id: Uuid, batch: Option<&Batch>, qty: Qty) -> StoreResult<()> {
    let code = batch.map(|b| b.code.as_str()).unwrap_or_default();
    if qty == Qty::ZERO {
        conn.execute(
            "DELETE FROM transfer_counts WHERE id = ?1 AND batch_code = ?2",
            params![id.to_string(), code],
        )?;
        return Ok(());
    }
    conn.execute(
        "INSERT INTO transfer_counts (id, batch_code, expires_on, qty_milli) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (id, batch_code) DO UPDATE SET expires_on = excluded.expires_on, qty_milli = excluded.qty_milli",
        params![
            id.to_string(),
            code,
            batch.map(|b| b.expires_on.as_str()),
            qty.milli()
        ],
    )?;
    Ok(())
}

/// What this till did with a request (dispatched it) or a transfer
/// (received it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub fact_id: Uuid,
    pub qty: Qty,
    pub at: Timestamp,
    pub by: SaleCashier,
}

pub fn done(conn: &Connection, id: Uuid) -> StoreResult<Option<Done>> {
    let row: Option<(String, i64, i64, String)> = conn
        .query_row(
            "SELECT fact_id, qty_milli, done_at_ms, done_by FROM transfers_done WHERE id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    row.map(|(fact, qty, at, by)| {
        Ok(Done {
            fact_id: fact.parse().map_err(|e| corrupt("transfer done", e))?,
            qty: Qty::from_milli(qty),
            at: Timestamp::from_unix_millis(at),
            by: from_json("transfer done", &by)?,
        })
    })
    .transpose()
}

/// Records that this till dispatched (`out`) or received (`in`) `id`.
pub fn mark_done(conn: &Connection, id: Uuid, direction: &str, done: &Done) -> StoreResult<()> {
    let by = serde_json::to_string(&done.by).map_err(|e| corrupt("transfer done", e))?;
    conn.execute(
        "INSERT INTO transfers_done (id, direction, fact_id, qty_milli, done_at_ms, done_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id.to_string(),
            direction,
            done.fact_id.to_string(),
            done.qty.milli(),
            done.at.unix_millis(),
            by
        ],
    )?;
    Ok(())
}
