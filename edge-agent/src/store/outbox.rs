//! The outbox: facts waiting for the hub, in the order they were made.

use super::catalog::cursor;
use super::{StoreError, StoreResult};
use pos_shared::Timestamp;
use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct PendingFact {
    pub seq: i64,
    pub event_id: Uuid,
    /// The envelope JSON exactly as written with the sale.
    pub envelope: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    /// Facts waiting to be acked by the hub.
    pub queued: u64,
    /// Facts the hub refused for good, set aside for review.
    pub quarantined: u64,
    /// The change-feed position applied.
    pub cursor: u64,
}

/// The oldest facts not yet acked or quarantined, in order.
pub fn pending(conn: &Connection, limit: usize) -> StoreResult<Vec<PendingFact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, event_id, envelope FROM outbox WHERE acked_at_ms IS NULL AND quarantined_at_ms IS NULL ORDER BY seq LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    rows.map(|row| {
        let (seq, id, envelope) = row?;
        let event_id = id
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("outbox entry {seq} has event id {id:?}")))?;
        Ok(PendingFact {
            seq,
            event_id,
            envelope,
        })
    })
    .collect()
}

/// Counts one more upload attempt for these facts.
pub fn note_attempt(conn: &mut Connection, facts: &[PendingFact]) -> StoreResult<()> {
    let tx = conn.transaction()?;
    for f in facts {
        tx.execute(
            "UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?1",
            [f.seq],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// What the hub said about each fact of an upload.
pub enum Verdict {
    Acked(Uuid),
    Quarantined(Uuid, String),
}

/// Records the hub's answers in one transaction.
pub fn settle(conn: &mut Connection, verdicts: &[Verdict]) -> StoreResult<()> {
    let now = Timestamp::now().unix_millis();
    let tx = conn.transaction()?;
    for v in verdicts {
        match v {
            Verdict::Acked(id) => tx.execute(
                "UPDATE outbox SET acked_at_ms = ?2 WHERE event_id = ?1 AND acked_at_ms IS NULL",
                rusqlite::params![id.to_string(), now],
            )?,
            Verdict::Quarantined(id, reason) => tx.execute(
                "UPDATE outbox SET quarantined_at_ms = ?2, quarantine_reason = ?3 WHERE event_id = ?1 AND acked_at_ms IS NULL",
                rusqlite::params![id.to_string(), now, reason],
            )?,
        };
    }
    tx.commit()?;
    Ok(())
}

pub fn counts(conn: &Connection) -> StoreResult<OutboxCounts> {
    let (queued, quarantined): (i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(acked_at_ms IS NULL AND quarantined_at_ms IS NULL), 0), \
                COALESCE(SUM(quarantined_at_ms IS NOT NULL AND acked_at_ms IS NULL), 0) FROM outbox",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(OutboxCounts {
        queued: queued as u64,
        quarantined: quarantined as u64,
        cursor: cursor(conn)?,
    })
}
