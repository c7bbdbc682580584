//! The outbox: facts waiting for the hub, in the order they were made.

use super::feed::cursor;
use super::{StoreError, StoreResult};
use pos_shared::limits::MAX_FACT_BYTES;
use pos_shared::sync::{DeviceCredential, Fact};
use pos_shared::{Envelope, Timestamp};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct PendingFact {
    pub seq: i64,
    pub event_id: Uuid,
    /// The envelope JSON exactly as written with the sale.
    pub envelope: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    /// Facts waiting to be acked by the hub.
    pub queued: u64,
    /// Facts the hub refused for good, set aside for review.
    pub quarantined: u64,
    /// Quarantined facts HQ wrote off: kept, never sent.
    pub written_off: u64,
    /// When the oldest fact still waiting to be sent was made.
    pub oldest_unsent_at: Option<Timestamp>,
    /// The change-feed position applied.
    pub cursor: u64,
}

/// Puts a fact in its envelope at the end of the queue, inside the caller's
/// transaction, so the fact and what it records commit together.
pub fn enqueue(
    conn: &Connection,
    device: &DeviceCredential,
    event_id: Uuid,
    occurred_at: Timestamp,
    fact: Fact,
) -> StoreResult<()> {
    let envelope = Envelope::new(
        event_id,
        fact.event_type(),
        format!("terminal:{}", device.terminal_id),
        device.tenant_id,
        occurred_at,
        fact,
    );
    let envelope_json =
        serde_json::to_string(&envelope).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if envelope_json.len() > MAX_FACT_BYTES {
        return Err(StoreError::FactTooLarge {
            kind: envelope.data.kind(),
            bytes: envelope_json.len(),
            limit: MAX_FACT_BYTES,
        });
    }
    conn.execute(
        "INSERT INTO outbox (event_id, event_type, envelope, created_at_ms) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![
            envelope.event_id.to_string(),
            envelope.event_type,
            envelope_json,
            Timestamp::now().unix_millis(),
        ],
    )?;
    Ok(())
}

/// The oldest facts not yet acked or quarantined, in order: at most
/// `max_facts`, and no more than `max_bytes` of envelopes together, except that
/// the first is always taken (a fact is bounded when it is made, so it fits).
pub fn pending(
    conn: &Connection,
    max_facts: usize,
    max_bytes: usize,
) -> StoreResult<Vec<PendingFact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, event_id, envelope FROM outbox WHERE acked_at_ms IS NULL AND quarantined_at_ms IS NULL ORDER BY seq LIMIT ?1",
    )?;
    let mut rows = stmt.query([max_facts as i64])?;
    let mut batch = Vec::new();
    let mut bytes = 0usize;
    while let Some(r) = rows.next()? {
        let (seq, id, envelope) = (
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        );
        // Each envelope costs its length plus the comma that joins it.
        let cost = envelope.len() + 1;
        if !batch.is_empty() && bytes + cost > max_bytes {
            break;
        }
        bytes += cost;
        let event_id = id
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("outbox entry {seq} has event id {id:?}")))?;
        batch.push(PendingFact {
            seq,
            event_id,
            envelope,
        });
    }
    Ok(batch)
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
            Verdict::Quarantined(id, reason) => {
                let set_aside = tx.execute(
                    "UPDATE outbox SET quarantined_at_ms = ?2, quarantine_reason = ?3 WHERE event_id = ?1 AND acked_at_ms IS NULL",
                    rusqlite::params![id.to_string(), now, reason],
                )?;
                // A second approval of a stock take, or a second dispatch or
                // arrival of a transfer, never reaches the ledger: its
                // movements leave this replica at once, not when HQ gets
                // to it.
                let superseded = reason.starts_with(pos_shared::stock_take::SUPERSEDED_APPROVAL)
                    || reason.starts_with(pos_shared::transfer::TRANSFER_SETTLED);
                if set_aside == 1 && superseded {
                    take_back_movements(&tx, *id)?;
                }
                if set_aside == 1 {
                    super::credit::set_aside(&tx, *id)?;
                    super::loyalty::set_aside(&tx, *id)?;
                }
                set_aside
            }
        };
    }
    tx.commit()?;
    Ok(())
}

/// A fact the hub refused for good, kept for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantinedFact {
    pub event_id: Uuid,
    pub event_type: String,
    pub reason: String,
    pub quarantined_at: Timestamp,
    pub attempts: i64,
    /// How many times HQ had it resent.
    pub resent: i64,
    /// The envelope as it was uploaded.
    pub envelope: serde_json::Value,
}

/// Every quarantined fact, oldest first.
pub fn quarantined(conn: &Connection) -> StoreResult<Vec<QuarantinedFact>> {
    let mut stmt = conn.prepare(
        "SELECT event_id, event_type, COALESCE(quarantine_reason, ''), quarantined_at_ms, attempts, envelope, resent \
         FROM outbox WHERE quarantined_at_ms IS NOT NULL AND acked_at_ms IS NULL AND written_off_at_ms IS NULL ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, i64>(6)?,
        ))
    })?;
    rows.map(|row| {
        let (id, event_type, reason, at, attempts, envelope, resent) = row?;
        let corrupt = |what: &str| StoreError::Corrupt(format!("quarantined fact {id}: {what}"));
        Ok(QuarantinedFact {
            event_id: id.parse().map_err(|_| corrupt("bad event id"))?,
            event_type,
            reason,
            quarantined_at: Timestamp::from_unix_millis(at),
            attempts,
            resent,
            envelope: serde_json::from_str(&envelope).map_err(|_| corrupt("bad envelope"))?,
        })
    })
    .collect()
}

pub fn counts(conn: &Connection) -> StoreResult<OutboxCounts> {
    let (queued, quarantined, written_off): (i64, i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(acked_at_ms IS NULL AND quarantined_at_ms IS NULL), 0), \
                COALESCE(SUM(quarantined_at_ms IS NOT NULL AND acked_at_ms IS NULL AND written_off_at_ms IS NULL), 0), \
                COALESCE(SUM(written_off_at_ms IS NOT NULL), 0) FROM outbox",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    // The queue is in seq order, so the oldest unsent is the first pending.
    let oldest: Option<i64> = conn
        .query_row(
            "SELECT created_at_ms FROM outbox WHERE acked_at_ms IS NULL AND quarantined_at_ms IS NULL ORDER BY seq LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(OutboxCounts {
        queued: queued as u64,
        quarantined: quarantined as u64,
        written_off: written_off as u64,
        oldest_unsent_at: oldest.map(Timestamp::from_unix_millis),
        cursor: cursor(conn)?,
    })
}

/// The quarantine as the hub is told of it: at most `max_facts`, within
/// `max_bytes` of envelopes (the first always).
pub fn quarantine_report(
    conn: &Connection,
    max_facts: usize,
    max_bytes: usize,
) -> StoreResult<Vec<pos_shared::sync::QuarantinedFact>> {
    let mut report = Vec::new();
    let mut bytes = 0;
    for fact in quarantined(conn)?.into_iter().take(max_facts) {
        let cost = fact.envelope.to_string().len() + fact.reason.len() + 200;
        if !report.is_empty() && bytes + cost > max_bytes {
            break;
        }
        bytes += cost;
        report.push(pos_shared::sync::QuarantinedFact {
            event_id: fact.event_id,
            event_type: fact.event_type,
            reason: fact.reason,
            quarantined_at: fact.quarantined_at,
            resent: u32::try_from(fact.resent).unwrap_or(u32::MAX),
            envelope: fact.envelope,
        });
    }
    Ok(report)
}

/// The hub's data turned out older than this till's (its database restored
/// from a copy), so what it acknowledged at `since` or after may be lost
/// there: those facts go back in the queue, in their places, and the hub
/// takes again those it lost and answers the rest as duplicates. Answers
/// how many.
pub fn send_again(conn: &Connection, since: Timestamp) -> StoreResult<usize> {
    Ok(conn.execute(
        "UPDATE outbox SET acked_at_ms = NULL \
         WHERE acked_at_ms >= ?1 AND quarantined_at_ms IS NULL AND written_off_at_ms IS NULL",
        [since.unix_millis()],
    )?)
}

/// The fact the hub acknowledged last: the one a hub restored from an
/// older copy lacks first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckedFact {
    pub event_id: Uuid,
    pub event_type: String,
    pub acked_at: Timestamp,
}

/// The fact the hub acknowledged last (written-off ones aside: the hub
/// never held those).
pub fn last_acked(conn: &Connection) -> StoreResult<Option<AckedFact>> {
    let row: Option<(String, String, i64)> = conn
        .query_row(
            "SELECT event_id, event_type, acked_at_ms FROM outbox \
             WHERE acked_at_ms IS NOT NULL AND written_off_at_ms IS NULL \
             ORDER BY acked_at_ms DESC, seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(id, event_type, at)| {
        Ok(AckedFact {
            event_id: Uuid::parse_str(&id)
                .map_err(|e| StoreError::Corrupt(format!("outbox event id {id}: {e}")))?,
            event_type,
            acked_at: Timestamp::from_unix_millis(at),
        })
    })
    .transpose()
}

/// HQ asked for the fact again: back in the queue, in its original place.
pub fn resend(conn: &mut Connection, event_id: Uuid) -> StoreResult<bool> {
    let tx = conn.transaction()?;
    let done = tx.execute(
        "UPDATE outbox SET quarantined_at_ms = NULL, quarantine_reason = NULL, resent = resent + 1 \
         WHERE event_id = ?1 AND quarantined_at_ms IS NOT NULL AND acked_at_ms IS NULL AND written_off_at_ms IS NULL",
        [event_id.to_string()],
    )?;
    if done == 1 {
        super::credit::counted_again(&tx, event_id)?;
        super::loyalty::counted_again(&tx, event_id)?;
    }
    tx.commit()?;
    Ok(done == 1)
}

/// Takes the stock movements the outbox fact `event_id` made out of this
/// replica (those still here), since the ledger never took them.
fn take_back_movements(tx: &Connection, event_id: Uuid) -> StoreResult<()> {
    let envelope: String = tx.query_row(
        "SELECT envelope FROM outbox WHERE event_id = ?1",
        [event_id.to_string()],
        |r| r.get(0),
    )?;
    let envelope: Envelope<Fact> = serde_json::from_str(&envelope)
        .map_err(|e| StoreError::Corrupt(format!("outbox fact {event_id}: {e}")))?;
    for movement in envelope.data.movements() {
        let id = movement.movement_id.to_string();
        let removed: Option<(String, i64)> = tx
            .query_row(
                "DELETE FROM movements WHERE id = ?1 AND origin = 'local' RETURNING variant_id, delta_milli",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((variant, delta)) = removed {
            let variant = variant
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("movement {id}: variant {variant:?}")))?;
            super::add_stock(tx, variant, -pos_shared::Qty::from_milli(delta))?;
        }
    }
    Ok(())
}

/// HQ gave the fact up: it stays here, set aside for good, and the stock
/// movements it made leave this replica, since the ledger never took them.
pub fn write_off(conn: &mut Connection, event_id: Uuid) -> StoreResult<bool> {
    let tx = conn.transaction()?;
    let envelope: Option<String> = tx
        .query_row(
            "SELECT envelope FROM outbox WHERE event_id = ?1 AND quarantined_at_ms IS NOT NULL \
             AND acked_at_ms IS NULL AND written_off_at_ms IS NULL",
            [event_id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if envelope.is_none() {
        return Ok(false);
    }
    take_back_movements(&tx, event_id)?;
    tx.execute(
        "UPDATE outbox SET written_off_at_ms = ?2 WHERE event_id = ?1",
        rusqlite::params![event_id.to_string(), Timestamp::now().unix_millis()],
    )?;
    tx.commit()?;
    Ok(true)
}
