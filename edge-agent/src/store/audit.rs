//! The till's audit log: one append-only table (triggers refuse changes) and
//! an outbox entry per entry, written in the transaction of the action itself.

use super::{StoreError, StoreResult};
use pos_shared::audit::{AuditAction, AuditEntry};
use pos_shared::sale::SaleCashier;
use pos_shared::sync::{DeviceCredential, Fact};
use pos_shared::{AuditId, Timestamp};
use rusqlite::{params, Connection};

/// What an audit entry may say (the hub refuses longer details): longer text
/// is cut, with an ellipsis, so a bill with many overrides is still logged.
const MAX_DETAIL_CHARS: usize = 500;

fn clip(detail: String) -> String {
    if detail.chars().count() <= MAX_DETAIL_CHARS {
        return detail;
    }
    let mut cut: String = detail.chars().take(MAX_DETAIL_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Records an action inside the caller's transaction.
pub fn record(
    conn: &Connection,
    device: &DeviceCredential,
    action: AuditAction,
    staff: Option<SaleCashier>,
    detail: impl Into<String>,
    reference: Option<String>,
) -> StoreResult<AuditEntry> {
    let entry = AuditEntry {
        entry_id: AuditId::new(),
        store_id: device.store_id,
        terminal_id: device.terminal_id,
        at: Timestamp::now(),
        action,
        staff,
        detail: clip(detail.into()),
        reference,
    };
    let json = serde_json::to_string(&entry).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let action_name = serde_json::to_value(action)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    conn.execute(
        "INSERT INTO audit_log (id, at_ms, action, entry) VALUES (?1, ?2, ?3, ?4)",
        params![
            entry.entry_id.to_string(),
            entry.at.unix_millis(),
            action_name,
            json
        ],
    )?;
    super::outbox::enqueue(
        conn,
        device,
        entry.entry_id.as_uuid(),
        entry.at,
        Fact::Audit(entry.clone()),
    )?;
    Ok(entry)
}

/// The newest entries first.
pub fn recent(conn: &Connection, limit: i64) -> StoreResult<Vec<AuditEntry>> {
    let mut stmt = conn
        .prepare_cached("SELECT entry FROM audit_log ORDER BY at_ms DESC, rowid DESC LIMIT ?1")?;
    let rows = stmt.query_map([limit], |r| r.get::<_, String>(0))?;
    rows.map(|e| {
        serde_json::from_str(&e?).map_err(|e| StoreError::Corrupt(format!("audit entry: {e}")))
    })
    .collect()
}
