//! The store's staff replica, written by the feed and snapshots, read when
//! someone signs in.

use super::{StoreError, StoreResult};
use pos_shared::staff::{Role, StaffRecord};
use rusqlite::{params, Connection, OptionalExtension};

pub(crate) fn upsert(conn: &Connection, s: &StaffRecord) -> StoreResult<()> {
    // A code reused for someone new replaces whoever held it before.
    conn.execute(
        "DELETE FROM staff WHERE code = ?1 AND id <> ?2",
        params![s.code, s.staff_id.to_string()],
    )?;
    conn.execute(
        "INSERT INTO staff (id, code, name, role, pin_salt, pin_hash, active) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, role = excluded.role, \
         pin_salt = excluded.pin_salt, pin_hash = excluded.pin_hash, active = excluded.active",
        params![
            s.staff_id.to_string(),
            s.code,
            s.name,
            s.role.as_str(),
            s.pin_salt,
            s.pin_hash,
            s.active,
        ],
    )?;
    Ok(())
}

/// Whether the till knows any member of staff at all.
pub fn any(conn: &Connection) -> StoreResult<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM staff)", [], |r| r.get(0))?)
}

/// The member of staff who signs in with `code`, active or not.
pub fn by_code(conn: &Connection, code: &str) -> StoreResult<Option<StaffRecord>> {
    one(conn, "code", code.trim())
}

/// The member of staff `staff_id`, active or not: a held bill's approver,
/// checked again when the bill is sold.
pub fn by_id(conn: &Connection, staff_id: pos_shared::StaffId) -> StoreResult<Option<StaffRecord>> {
    one(conn, "id", &staff_id.to_string())
}

/// The one member of staff whose `column` (`code` or `id`, both unique) is `value`.
fn one(conn: &Connection, column: &str, value: &str) -> StoreResult<Option<StaffRecord>> {
    let row: Option<(String, String, String, String, String, String, bool)> = conn
        .query_row(
            &format!(
                "SELECT id, code, name, role, pin_salt, pin_hash, active FROM staff WHERE {column} = ?1"
            ),
            [value],
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
    row.map(|(id, code, name, role, pin_salt, pin_hash, active)| {
        let corrupt = |e: String| StoreError::Corrupt(format!("staff {id}: {e}"));
        Ok(StaffRecord {
            staff_id: id
                .parse()
                .map_err(|e: uuid::Error| corrupt(e.to_string()))?,
            // The replica holds one store's staff: the store id is not kept.
            store_id: pos_shared::StoreId::from_uuid(uuid::Uuid::nil()),
            code,
            name,
            role: Role::parse(&role).ok_or_else(|| corrupt(format!("role {role:?}")))?,
            pin_salt,
            pin_hash,
            active,
        })
    })
    .transpose()
}
