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

use super::StoreResult;
use pos_shared::credit::allowance;
use pos_shared::loyalty::{LoyaltyAccount, LoyaltyReleased, LoyaltyRules};
use pos_shared::sync::{DeviceCredential, Fact};
use pos_shared::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

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
    let grants = account
        .grants
        .iter()
        .map(|g| (g.terminal_id.to_string(), g.granted));
    super::escrow::raise_grants(conn, &BOOK, &account.phone, grants)
}

/// This till's figures on a customer's points: (granted, released, earned, redeemed).
fn figures(conn: &Connection, phone: &str, terminal: &str) -> StoreResult<(i64, i64, i64, i64)> {
    let (granted, released) = super::escrow::granted_and_released(conn, &BOOK, phone, terminal)?;
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
        super::escrow::top_up_used(conn, &BOOK, phone)?;
    }
    super::escrow::release_excess(conn, &BOOK, device, phone, Timestamp::now())
}

/// A return's points (inside the return's transaction): the points the
/// bill paid with come back (`back`), redeemable here again at once, and
/// the points the returned part earned go (`taken`).
pub fn give_back(
    conn: &Connection,
    device: &DeviceCredential,
    phone: &str,
    return_id: Uuid,
    (back, taken): (i64, i64),
    at: Timestamp,
) -> StoreResult<()> {
    record_bill(conn, device, phone, return_id, -taken, -back, at)
}

/// Where loyalty keeps its escrow at the till.
const BOOK: super::escrow::Book = super::escrow::Book {
    accounts: "loyalty_accounts",
    keep: "keep",
    released: "released",
    grants: "loyalty_grants",
    granted: "granted",
    top_ups: "loyalty_top_ups",
    available,
    release: release_fact,
};

fn release_fact(
    _conn: &Connection,
    device: &DeviceCredential,
    phone: &str,
    released: i64,
    id: Uuid,
    now: Timestamp,
) -> StoreResult<Fact> {
    Ok(Fact::LoyaltyReleased(LoyaltyReleased {
        release_id: id,
        store_id: device.store_id,
        terminal_id: device.terminal_id,
        phone: phone.to_owned(),
        released,
        occurred_at: now,
    }))
}

/// The hub refused a fact for good: this till counts it as the hub does.
/// A refused return (another till took the bill back first) is undone
/// here: neither its points back nor its take-back count, as at the hub. A
/// refused bill no longer gives the points it earned; the points it was
/// paid with still count, since the customer had them off her bill.
pub fn set_aside(conn: &Connection, event_id: Uuid) -> StoreResult<()> {
    let id = event_id.to_string();
    let gave: Option<(String, i64, i64)> = conn
        .query_row(
            "SELECT phone, CASE WHEN earned < 0 OR redeemed < 0 THEN earned ELSE MAX(earned, 0) END, \
             -MIN(redeemed, 0) FROM loyalty_entries WHERE id = ?1 AND aside_earned = 0 AND aside_back = 0",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((phone, earned, back)) = gave.filter(|g| g.1 != 0 || g.2 > 0) else {
        return Ok(());
    };
    conn.execute(
        "UPDATE loyalty_entries SET earned = earned - ?2, redeemed = redeemed + ?3, aside_earned = ?2, aside_back = ?3 WHERE id = ?1",
        params![id, earned, back],
    )?;
    conn.execute(
        "UPDATE loyalty_accounts SET balance = balance - ?2 WHERE phone = ?1",
        params![phone, earned + back],
    )?;
    Ok(())
}

/// HQ sent a refused fact again: what it gave this till counts again.
pub fn counted_again(conn: &Connection, event_id: Uuid) -> StoreResult<()> {
    let id = event_id.to_string();
    let aside: Option<(String, i64, i64)> = conn
        .query_row(
            "SELECT phone, aside_earned, aside_back FROM loyalty_entries WHERE id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((phone, earned, back)) = aside.filter(|a| a.1 != 0 || a.2 > 0) else {
        return Ok(());
    };
    conn.execute(
        "UPDATE loyalty_entries SET earned = earned + ?2, redeemed = redeemed - ?3, aside_earned = 0, aside_back = 0 WHERE id = ?1",
        params![id, earned, back],
    )?;
    conn.execute(
        "UPDATE loyalty_accounts SET balance = balance + ?2 WHERE phone = ?1",
        params![phone, earned + back],
    )?;
    Ok(())
}

/// Keeps a top-up the hub granted for a bill being paid now.
pub fn hold_top_up(conn: &Connection, account: &LoyaltyAccount) -> StoreResult<()> {
    apply_grants(conn, account)?;
    super::escrow::hold_top_up(conn, &BOOK, &account.phone)
}

/// The bill a top-up was asked for did not go through: what it left is given back.
pub fn drop_top_up(
    conn: &mut Connection,
    device: &DeviceCredential,
    phone: &str,
) -> StoreResult<()> {
    super::escrow::drop_top_up(conn, &BOOK, device, phone)
}

/// Gives back the excess on the customers whose points the till just heard.
pub fn release_excess_on(
    conn: &mut Connection,
    device: &DeviceCredential,
    phones: &[String],
) -> StoreResult<()> {
    super::escrow::release_excess_on(conn, &BOOK, device, phones)
}
