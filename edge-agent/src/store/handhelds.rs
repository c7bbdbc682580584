//! The handhelds paired with this till (`handhelds`, migration 0018): SQL
//! only. A device is found by the SHA-256 of its token; the token itself is
//! never written anywhere.

use super::{StoreError, StoreResult};
use pos_shared::Timestamp;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use uuid::Uuid;

/// A paired device as the till lists it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandheldRecord {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub id: Uuid,
    pub name: String,
    pub paired_at: Timestamp,
    pub last_seen_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// `last_seen_at` is written at most this often per device: it is for a
/// person reading the list, and a write per request would hold the till's
/// one writer for nothing.
const SEEN_EVERY_MS: i64 = 30_000;

const COLUMNS: &str = "id, name, paired_at_ms, last_seen_ms, revoked_at_ms";

/// A row as read: id, name, paired, last seen, revoked (Unix milliseconds).
type Columns = (String, String, i64, Option<i64>, Option<i64>);

fn record(r: &Row<'_>) -> rusqlite::Result<Columns> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn parse((id, name, paired, seen, revoked): Columns) -> StoreResult<HandheldRecord> {
    Ok(HandheldRecord {
        id: id
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("handheld id {id:?}: {e}")))?,
        name,
        paired_at: Timestamp::from_unix_millis(paired),
        last_seen_at: seen.map(Timestamp::from_unix_millis),
        revoked_at: revoked.map(Timestamp::from_unix_millis),
    })
}

/// Records a newly paired device, inside the caller's transaction.
pub fn insert(
    conn: &Connection,
    id: Uuid,
    name: &str,
    token_sha256: &str,
    paired_at: Timestamp,
) -> StoreResult<HandheldRecord> {
    conn.execute(
        "INSERT INTO handhelds (id, name, token_sha256, paired_at_ms) VALUES (?1, ?2, ?3, ?4)",
        params![id.to_string(), name, token_sha256, paired_at.unix_millis()],
    )?;
    Ok(HandheldRecord {
        id,
        name: name.to_owned(),
        paired_at,
        last_seen_at: None,
        revoked_at: None,
    })
}

/// Every device ever paired, oldest first, revoked ones included.
pub fn list(conn: &Connection) -> StoreResult<Vec<HandheldRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM handhelds ORDER BY paired_at_ms, id"
    ))?;
    let rows = stmt.query_map([], record)?;
    rows.map(|r| parse(r?)).collect()
}

pub fn get(conn: &Connection, id: Uuid) -> StoreResult<Option<HandheldRecord>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM handhelds WHERE id = ?1"),
        [id.to_string()],
        record,
    )
    .optional()?
    .map(parse)
    .transpose()
}

/// The device holding the token with this hash, revoked or not, marked as
/// seen `now` (at most every [`SEEN_EVERY_MS`]) unless revoked.
pub fn seen_by_token(
    conn: &Connection,
    token_sha256: &str,
    now: Timestamp,
) -> StoreResult<Option<HandheldRecord>> {
    let found = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM handhelds WHERE token_sha256 = ?1"),
            [token_sha256],
            record,
        )
        .optional()?
        .map(parse)
        .transpose()?;
    let Some(mut device) = found else {
        return Ok(None);
    };
    let stale = device
        .last_seen_at
        .is_none_or(|at| now.unix_millis() - at.unix_millis() >= SEEN_EVERY_MS);
    if device.revoked_at.is_none() && stale {
        conn.execute(
            "UPDATE handhelds SET last_seen_ms = ?1 WHERE id = ?2",
            params![now.unix_millis(), device.id.to_string()],
        )?;
        device.last_seen_at = Some(now);
    }
    Ok(Some(device))
}

/// Marks a device revoked at `at`, inside the caller's transaction; a device
/// already revoked keeps its first revocation time. `None` when there is no
/// such device.
pub fn revoke(conn: &Connection, id: Uuid, at: Timestamp) -> StoreResult<Option<HandheldRecord>> {
    conn.execute(
        "UPDATE handhelds SET revoked_at_ms = ?1 WHERE id = ?2 AND revoked_at_ms IS NULL",
        params![at.unix_millis(), id.to_string()],
    )?;
    get(conn, id)
}
