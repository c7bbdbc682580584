//! The till's side of an escrow kept by tills apart (`pos_shared::credit`
//! has the scheme), shared by credit accounts and loyalty points: a top-up
//! asked of the hub is held for the sale that asked for it, and what the
//! till holds past the share the hub asks it to keep is given back: its
//! cumulative release is written before its fact is queued, so the till
//! never uses what it told the hub it gave back.

use super::{outbox, StoreResult};
use pos_shared::sync::{DeviceCredential, Fact};
use pos_shared::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

/// How long a top-up is kept for the sale that asked for it before what is
/// left of it may be given back; a sale that does not go through drops it
/// at once ([`drop_top_up`]).
const TOP_UP_HELD_MS: i64 = 10_000;

/// Where one kind of escrow keeps its rows at the till, and its own words.
pub(super) struct Book {
    /// The accounts as the hub sent them, by phone: the keep and this
    /// till's cumulative release.
    pub accounts: &'static str,
    pub keep: &'static str,
    pub released: &'static str,
    /// Each till's cumulative grant, by phone and terminal.
    pub grants: &'static str,
    pub granted: &'static str,
    /// Top-ups held for a sale being made now, by phone.
    pub top_ups: &'static str,
    /// What this till may still use on `phone`'s account.
    pub available: fn(&Connection, &DeviceCredential, &str) -> StoreResult<i64>,
    /// The release fact for a cumulative `released`.
    pub release:
        fn(&Connection, &DeviceCredential, &str, i64, Uuid, Timestamp) -> StoreResult<Fact>,
}

/// Raises the grants heard for an account; none is ever lowered, so a
/// late or repeated message only makes a till more careful.
pub(super) fn raise_grants(
    conn: &Connection,
    book: &Book,
    phone: &str,
    grants: impl IntoIterator<Item = (String, i64)>,
) -> StoreResult<()> {
    let (table, column) = (book.grants, book.granted);
    for (terminal, granted) in grants {
        conn.execute(
            &format!(
                "INSERT INTO {table} (phone, terminal_id, {column}) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (phone, terminal_id) DO UPDATE SET {column} = MAX({table}.{column}, excluded.{column})"
            ),
            params![phone, terminal, granted],
        )?;
    }
    Ok(())
}

/// This till's grant and its own cumulative release on `phone`'s account.
pub(super) fn granted_and_released(
    conn: &Connection,
    book: &Book,
    phone: &str,
    terminal: &str,
) -> StoreResult<(i64, i64)> {
    let granted: i64 = conn
        .query_row(
            &format!(
                "SELECT {} FROM {} WHERE phone = ?1 AND terminal_id = ?2",
                book.granted, book.grants
            ),
            params![phone, terminal],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let released: i64 = conn
        .query_row(
            &format!(
                "SELECT {} FROM {} WHERE phone = ?1",
                book.released, book.accounts
            ),
            [phone],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    Ok((granted, released))
}

/// Notes a top-up the hub granted for a sale being made now as held.
pub(super) fn hold_top_up(conn: &Connection, book: &Book, phone: &str) -> StoreResult<()> {
    conn.execute(
        &format!(
            "INSERT INTO {} (phone, held_until_ms) VALUES (?1, ?2) \
             ON CONFLICT (phone) DO UPDATE SET held_until_ms = excluded.held_until_ms",
            book.top_ups
        ),
        params![phone, Timestamp::now().unix_millis() + TOP_UP_HELD_MS],
    )?;
    Ok(())
}

/// The sale that asked for a top-up used it: the hold goes.
pub(super) fn top_up_used(conn: &Connection, book: &Book, phone: &str) -> StoreResult<()> {
    conn.execute(
        &format!("DELETE FROM {} WHERE phone = ?1", book.top_ups),
        [phone],
    )?;
    Ok(())
}

/// The sale a top-up was asked for did not go through: the hold goes, and
/// what the till now holds past its share is given back at once.
pub(super) fn drop_top_up(
    conn: &mut Connection,
    book: &Book,
    device: &DeviceCredential,
    phone: &str,
) -> StoreResult<()> {
    let tx = conn.transaction()?;
    top_up_used(&tx, book, phone)?;
    release_excess(&tx, book, device, phone, Timestamp::now())?;
    tx.commit()?;
    Ok(())
}

/// Gives back what this till holds on `phone`'s account past its keep,
/// unless a top-up is held for a sale being made now. An account the hub
/// has not spoken of yet keeps everything.
pub(super) fn release_excess(
    conn: &Connection,
    book: &Book,
    device: &DeviceCredential,
    phone: &str,
    now: Timestamp,
) -> StoreResult<()> {
    let held: Option<i64> = conn
        .query_row(
            &format!(
                "SELECT held_until_ms FROM {} WHERE phone = ?1",
                book.top_ups
            ),
            [phone],
            |r| r.get(0),
        )
        .optional()?;
    if held.is_some_and(|until| until > now.unix_millis()) {
        return Ok(());
    }
    let Some((keep, released)) = conn
        .query_row(
            &format!(
                "SELECT {}, {} FROM {} WHERE phone = ?1",
                book.keep, book.released, book.accounts
            ),
            [phone],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )
        .optional()?
    else {
        return Ok(());
    };
    let spare = (book.available)(conn, device, phone)? - keep;
    if spare <= 0 {
        return Ok(());
    }
    let released = released + spare;
    conn.execute(
        &format!(
            "UPDATE {} SET {} = ?2 WHERE phone = ?1",
            book.accounts, book.released
        ),
        params![phone, released],
    )?;
    let id = Uuid::now_v7();
    let fact = (book.release)(conn, device, phone, released, id, now)?;
    outbox::enqueue(conn, device, id, now, fact)?;
    Ok(())
}

/// Gives back the excess on the accounts whose shares the till just heard.
pub(super) fn release_excess_on(
    conn: &mut Connection,
    book: &Book,
    device: &DeviceCredential,
    phones: &[String],
) -> StoreResult<()> {
    let tx = conn.transaction()?;
    let now = Timestamp::now();
    let mut phones = phones.to_vec();
    phones.sort();
    phones.dedup();
    for phone in phones {
        release_excess(&tx, book, device, &phone, now)?;
    }
    tx.commit()?;
    Ok(())
}
