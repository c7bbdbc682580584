//! Loyalty points at the till (protocol 13): the tenant's rules and the
//! points of the customers the store knows, as the hub sends them, every
//! till's grant, and what this till's bills earned and redeemed.
//!
//! A bill may be paid in points only while
//! `this till's grant − what it gave back + earned here − redeemed here`
//! covers them (`pos_shared::credit::allowance`, the same escrow as
//! credit), checked in the sale's own transaction, so two bills at once
//! cannot both take the last point. What the till holds past the share the
//! hub asks it to keep is given back (a release fact), except for a top-up
//! it asked for a bill it is taking now.

use super::{outbox, StoreResult};
use pos_shared::credit::allowance;
use pos_shared::loyalty::{LoyaltyAccount, LoyaltyReleased, LoyaltyRules};
use pos_shared::sync::{DeviceCredential, Fact};
use pos_shared::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

/// How long a top-up is kept for the bill that asked for it.
const TOP_UP_HELD_MS: i64 = 10_000;

/// A customer's points as the cashier sees them at this till.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TillPoints {
    pub phone: String,
    /// Points the customer has, as the hub last said and this till's bills
    /// since moved them.
    pub balance: i64,
    /// What a bill at this till may be paid with now, offline too.
    pub available_here: i64,
}

/// Keeps the rules as the hub sent them.
pub fn apply_rules(conn: &Connection, rules: &LoyaltyRules, seq: u64) -> StoreResult<()> {
    let body =
        serde_json::to_string(rules).map_err(|e| super::StoreError::Corrupt(e.to_string()))?;
    conn.execute(
        "INSERT INTO loyalty_rules (id, body, heard_seq) VALUES (1, ?1, ?2) \
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, heard_seq = excluded.heard_seq \
         WHERE excluded.heard_seq >= loyalty_rules.heard_seq",
        params![body, seq as i64],
    )?;
    Ok(())
}

/// The rules, when HQ has set any.
pub fn rules(conn: &Connection) -> StoreResult<Option<LoyaltyRules>> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM loyalty_rules WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    body.map(|b| {
        serde_json::from_str(&b)
            .map_err(|e| super::StoreError::Corrupt(format!("loyalty rules: {e}")))
    })
    .transpose()
}

/// Keeps a customer's points as the hub sent them; a grant is only ever raised.
pub fn apply(conn: &Connection, account: &LoyaltyAccount, seq: u64) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO loyalty_accounts (phone, balance, keep, heard_seq) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (phone) DO UPDATE SET balance = excluded.balance, keep = excluded.keep, \
         heard_seq = excluded.heard_seq WHERE excluded.heard_seq >= loyalty_accounts.heard_seq",
        params![account.phone, account.balance, account.keep, seq as i64],
    )?;
    apply_grants(conn, account)
}

fn apply_grants(conn: &Connection, account: &LoyaltyAccount) -> StoreResult<()> {
    for grant in &account.grants {
        conn.execute(
            "INSERT INTO loyalty_grants (phone, terminal_id, granted) VALUES (?1, ?2, ?3) \
             ON CONFLICT (phone, terminal_id) DO UPDATE SET granted = MAX(loyalty_grants.granted, excluded.granted)",
            params![account.phone, grant.terminal_id.to_string(), grant.granted],
        )?;
    }
    Ok(())
}

/// This till's figures on a customer's points: (granted, released, earned, redeemed).
fn figures(conn: &Connection, phone: &str, terminal: &str) -> StoreResult<(i64, i64, i64, i64)> {
    let granted: i64 = conn
        .query_row(
            "SELECT granted FROM loyalty_grants WHERE phone = ?1 AND terminal_id = ?2",
            params![phone, terminal],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let released: i64 = conn
        .query_row(
            "SELECT released FROM loyalty_accounts WHERE phone = ?1",
            [phone],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let (earned, redeemed): (i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(earned), 0), COALESCE(SUM(redeemed), 0) FROM loyalty_entries WHERE phone = ?1",
        [phone],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((granted, released, earned, redeemed))
}

/// The points a bill at this till may be paid with now.
pub fn available(conn: &Connection, device: &DeviceCredential, phone: &str) -> StoreResult<i64> {
    let (granted, released, earned, redeemed) =
        figures(conn, phone, &device.terminal_id.to_string())?;
    Ok(allowance(granted, released, earned, redeemed).max(0))
}

/// A customer's points at this till; `None` when the store knows of none
/// and this till's bills earned none.
pub fn points(
    conn: &Connection,
    device: &DeviceCredential,
    phone: &str,
) -> StoreResult<Option<TillPoints>> {
    let heard: Option<i64> = conn
        .query_row(
            "SELECT balance FROM loyalty_accounts WHERE phone = ?1",
            [phone],
            |r| r.get(0),
        )
        .optional()?;
    let here: Option<i64> = conn.query_row(
        "SELECT SUM(earned) - SUM(redeemed) FROM loyalty_entries WHERE phone = ?1",
        [phone],
        |r| r.get(0),
    )?;
    // Before the hub speaks of the customer, what this till's bills did.
    let Some(balance) = heard.or(here) else {
        return Ok(None);
    };
    Ok(Some(TillPoints {
        phone: phone.to_owned(),
        balance,
        available_here: available(conn, device, phone)?,
    }))
}

/// Why a bill cannot be paid with `points`, in words for the cashier.
pub fn refusal(
    conn: &Connection,
    device: &DeviceCredential,
    rules: &LoyaltyRules,
    phone: &str,
    points: i64,
    total_minor: i64,
) -> StoreResult<Option<String>> {
    if !rules.enabled {
        return Ok(Some(
            "points are not taken now: HQ has turned loyalty off".into(),
        ));
    }
    if points < rules.min_redeem {
        return Ok(Some(format!(
            "at least {} points are redeemed at once",
            rules.min_redeem
        )));
    }
    let most = rules.most_for(total_minor);
    if points > most {
        return Ok(Some(format!(
            "at most {}% of a bill is paid in points: {most} points on this bill",
            rules.max_bill_percent
        )));
    }
    let here = available(conn, device, phone)?;
    if here < points {
        return Ok(Some(format!(
            "{phone} can pay with {here} points at this till now, not {points}"
        )));
    }
    Ok(None)
}

/// Records what a bill earned and redeemed (inside the sale's transaction,
/// after [`refusal`] passed), then gives back what the till holds past its
/// share.
pub fn record_bill(
    conn: &Connection,
    device: &DeviceCredential,
    phone: &str,
    sale_id: Uuid,
    earned: i64,
    redeemed: i64,
    at: Timestamp,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO loyalty_entries (id, phone, earned, redeemed, occurred_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![sale_id.to_string(), phone, earned, redeemed, at.unix_millis()],
    )?;
    // The balance as this till shows it until the hub's next word, which
    // counts this bill once it has heard of it.
    conn.execute(
        "UPDATE loyalty_accounts SET balance = balance + ?2 WHERE phone = ?1",
        params![phone, earned - redeemed],
    )?;
    if redeemed > 0 {
        conn.execute("DELETE FROM loyalty_top_ups WHERE phone = ?1", [phone])?;
    }
    release_excess(conn, device, phone, Timestamp::now())
}

/// Gives a return's points back to the customer (inside the return's
/// transaction): this till may let them be redeemed again at once.
pub fn give_back(
    conn: &Connection,
    device: &DeviceCredential,
    phone: &str,
    return_id: Uuid,
    points: i64,
    at: Timestamp,
) -> StoreResult<()> {
    record_bill(conn, device, phone, return_id, 0, -points, at)
}

/// Keeps a top-up the hub granted for a bill being paid now.
pub fn hold_top_up(conn: &Connection, account: &LoyaltyAccount) -> StoreResult<()> {
    apply_grants(conn, account)?;
    conn.execute(
        "INSERT INTO loyalty_top_ups (phone, held_until_ms) VALUES (?1, ?2) \
         ON CONFLICT (phone) DO UPDATE SET held_until_ms = excluded.held_until_ms",
        params![
            account.phone,
            Timestamp::now().unix_millis() + TOP_UP_HELD_MS
        ],
    )?;
    Ok(())
}

/// The bill a top-up was asked for did not go through: what it left is given back.
pub fn drop_top_up(
    conn: &mut Connection,
    device: &DeviceCredential,
    phone: &str,
) -> StoreResult<()> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM loyalty_top_ups WHERE phone = ?1", [phone])?;
    release_excess(&tx, device, phone, Timestamp::now())?;
    tx.commit()?;
    Ok(())
}

/// Gives back what this till holds on `phone`'s points past the share the
/// hub asks it to keep: the release is written before its fact is queued,
/// so the till never lets points be redeemed that it told the hub it gave back.
fn release_excess(
    conn: &Connection,
    device: &DeviceCredential,
    phone: &str,
    now: Timestamp,
) -> StoreResult<()> {
    let held: Option<i64> = conn
        .query_row(
            "SELECT held_until_ms FROM loyalty_top_ups WHERE phone = ?1",
            [phone],
            |r| r.get(0),
        )
        .optional()?;
    if held.is_some_and(|until| until > now.unix_millis()) {
        return Ok(());
    }
    // Points earned here before the hub spoke of the customer are kept
    // until it does: it opens their account when it hears of the bill.
    let Some((keep, released)) = conn
        .query_row(
            "SELECT keep, released FROM loyalty_accounts WHERE phone = ?1",
            [phone],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )
        .optional()?
    else {
        return Ok(());
    };
    let spare = available(conn, device, phone)? - keep;
    if spare <= 0 {
        return Ok(());
    }
    let released = released + spare;
    conn.execute(
        "UPDATE loyalty_accounts SET released = ?2 WHERE phone = ?1",
        params![phone, released],
    )?;
    let id = Uuid::now_v7();
    let release = LoyaltyReleased {
        release_id: id,
        store_id: device.store_id,
        terminal_id: device.terminal_id,
        phone: phone.to_owned(),
        released,
        occurred_at: now,
    };
    outbox::enqueue(conn, device, id, now, Fact::LoyaltyReleased(release))?;
    Ok(())
}

/// Gives back the excess on the customers whose points the till just heard.
pub fn release_excess_on(
    conn: &mut Connection,
    device: &DeviceCredential,
    phones: &[String],
) -> StoreResult<()> {
    let tx = conn.transaction()?;
    let now = Timestamp::now();
    let mut phones = phones.to_vec();
    phones.sort();
    phones.dedup();
    for phone in phones {
        release_excess(&tx, device, &phone, now)?;
    }
    tx.commit()?;
    Ok(())
}
