//! Credit accounts at the till (protocol 11): the store's accounts as the hub
//! sends them, every till's grant, and what this till lent and was paid.
//!
//! This till may put a sale on an account only while
//! `its grant − what it gave back + paid here − lent here` covers it
//! (`pos_shared::credit::allowance`), checked in the sale's own transaction,
//! so two sales at once cannot both take the last rupee. What it holds past
//! the share the hub asks it to keep is given back (a release fact), except
//! for a top-up it asked for a sale it is making now.

use super::{outbox, StoreResult};
use pos_shared::credit::{allowance, CreditAccount, CreditReleased, DuesPayment};
use pos_shared::sync::DeviceCredential;
use pos_shared::sync::Fact;
use pos_shared::{Currency, Money, Timestamp};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

/// An account as the cashier sees it at this till.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TillAccount {
    pub phone: String,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub limit: Money,
    /// Owed as the hub last said.
    pub dues: Money,
    /// What this till may still put on the account, offline too.
    pub available_here: Money,
    pub closed: bool,
}

/// Keeps an account as the hub sent it; a grant is only ever raised.
pub fn apply(conn: &Connection, account: &CreditAccount, seq: u64) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO credit_accounts (phone, name, limit_minor, currency, dues_minor, keep_minor, closed, heard_seq) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT (phone) DO UPDATE SET name = excluded.name, limit_minor = excluded.limit_minor, \
         currency = excluded.currency, dues_minor = excluded.dues_minor, keep_minor = excluded.keep_minor, \
         closed = excluded.closed, heard_seq = excluded.heard_seq \
         WHERE excluded.heard_seq >= credit_accounts.heard_seq",
        params![
            account.phone,
            account.name,
            account.limit.minor(),
            account.limit.currency().as_str(),
            account.dues.minor(),
            account.keep.minor(),
            account.closed,
            seq as i64,
        ],
    )?;
    apply_grants(conn, account)
}

fn apply_grants(conn: &Connection, account: &CreditAccount) -> StoreResult<()> {
    let grants = account
        .grants
        .iter()
        .map(|g| (g.terminal_id.to_string(), g.granted.minor()));
    super::escrow::raise_grants(conn, &BOOK, &account.phone, grants)
}

/// This till's figures on an account: (granted, released, paid, lent).
fn figures(conn: &Connection, phone: &str, terminal: &str) -> StoreResult<(i64, i64, i64, i64)> {
    let (granted, released) = super::escrow::granted_and_released(conn, &BOOK, phone, terminal)?;
    let sum = |kind: &str| -> StoreResult<i64> {
        Ok(conn.query_row(
            "SELECT COALESCE(SUM(amount_minor), 0) FROM credit_entries WHERE phone = ?1 AND kind = ?2",
            params![phone, kind],
            |r| r.get(0),
        )?)
    };
    Ok((
        granted,
        released,
        sum("payment")? + sum("refund")?,
        sum("sale")?,
    ))
}

/// What this till may still put on `phone`'s account.
pub fn available(conn: &Connection, device: &DeviceCredential, phone: &str) -> StoreResult<i64> {
    let (granted, released, paid, lent) = figures(conn, phone, &device.terminal_id.to_string())?;
    Ok(allowance(granted, released, paid, lent).max(0))
}

type AccountRow = (String, Option<String>, i64, String, i64, bool);

fn till_account(
    conn: &Connection,
    device: &DeviceCredential,
    row: AccountRow,
) -> StoreResult<TillAccount> {
    let (phone, name, limit, currency, dues, closed) = row;
    let currency = Currency::parse(&currency).unwrap_or(Currency::INR);
    let available_here = if closed {
        0
    } else {
        available(conn, device, &phone)?
    };
    Ok(TillAccount {
        name,
        limit: Money::new(limit, currency),
        dues: Money::new(dues, currency),
        available_here: Money::new(available_here, currency),
        closed,
        phone,
    })
}

const ACCOUNT_SELECT: &str =
    "SELECT phone, name, limit_minor, currency, dues_minor, closed FROM credit_accounts";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

/// The account of `phone` (normalised), if the store has one.
pub fn account(
    conn: &Connection,
    device: &DeviceCredential,
    phone: &str,
) -> StoreResult<Option<TillAccount>> {
    let row = conn
        .query_row(
            &format!("{ACCOUNT_SELECT} WHERE phone = ?1"),
            [phone],
            read_row,
        )
        .optional()?;
    row.map(|r| till_account(conn, device, r)).transpose()
}

/// Accounts whose phone holds `digits` or whose name holds `text` (letter
/// case aside), at most 20.
pub fn find(
    conn: &Connection,
    device: &DeviceCredential,
    text: &str,
) -> StoreResult<Vec<TillAccount>> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let escaped = text
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let mut stmt = conn.prepare(&format!(
        "{ACCOUNT_SELECT} WHERE (?1 <> '' AND phone LIKE '%' || ?1 || '%') \
         OR lower(COALESCE(name, '')) LIKE '%' || ?2 || '%' ESCAPE '\\' ORDER BY name, phone LIMIT 20"
    ))?;
    let rows = stmt
        .query_map(params![digits, escaped], read_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|r| till_account(conn, device, r))
        .collect()
}

/// Why a sale or payment cannot go on an account, in words for the cashier.
pub fn refusal(
    conn: &Connection,
    device: &DeviceCredential,
    phone: &str,
    amount: i64,
) -> StoreResult<Option<String>> {
    let Some(account) = account(conn, device, phone)? else {
        return Ok(Some(format!(
            "{phone} has no credit account at this store; HQ opens one"
        )));
    };
    if account.closed {
        return Ok(Some(format!("{phone}'s credit account is closed")));
    }
    if account.available_here.minor() < amount {
        return Ok(Some(format!(
            "{} can go on {phone}'s account at this till now, not {}",
            account.available_here,
            Money::new(amount, account.limit.currency())
        )));
    }
    Ok(None)
}

/// Puts a sale's on-account tender on the account (inside the sale's
/// transaction, after [`refusal`] passed).
pub fn put_on_account(
    conn: &Connection,
    phone: &str,
    sale_id: Uuid,
    amount: i64,
    at: Timestamp,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO credit_entries (id, phone, kind, amount_minor, occurred_at_ms) VALUES (?1, ?2, 'sale', ?3, ?4)",
        params![sale_id.to_string(), phone, amount, at.unix_millis()],
    )?;
    // The top-up it asked for, if any, is used.
    super::escrow::top_up_used(conn, &BOOK, phone)?;
    owe_more(conn, phone, amount)
}

/// Takes a return's refund to the account off what is owed (inside the
/// return's transaction): this till may lend that much again.
pub fn refund_to_account(
    conn: &Connection,
    device: &DeviceCredential,
    phone: &str,
    return_id: Uuid,
    amount: i64,
    at: Timestamp,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO credit_entries (id, phone, kind, amount_minor, occurred_at_ms) VALUES (?1, ?2, 'refund', ?3, ?4)",
        params![return_id.to_string(), phone, amount, at.unix_millis()],
    )?;
    owe_more(conn, phone, -amount)?;
    // Like a payment, it gives back what the till now holds past its share.
    release_excess(conn, device, phone, Timestamp::now())
}

/// Moves what the customer owes as this till shows it until the hub's next
/// word on the account, which counts what this till did once it has heard.
fn owe_more(conn: &Connection, phone: &str, by: i64) -> StoreResult<()> {
    conn.execute(
        "UPDATE credit_accounts SET dues_minor = dues_minor + ?2 WHERE phone = ?1",
        params![phone, by],
    )?;
    Ok(())
}

/// Records a payment against an account and queues its fact; a payment
/// already recorded (a retry) is answered as it was.
pub fn record_payment(
    conn: &mut Connection,
    device: &DeviceCredential,
    payment: &DuesPayment,
) -> StoreResult<bool> {
    let tx = conn.transaction()?;
    let id = payment.payment_id.to_string();
    let known: Option<i64> = tx
        .query_row(
            "SELECT amount_minor FROM credit_entries WHERE id = ?1",
            [&id],
            |r| r.get(0),
        )
        .optional()?;
    if known.is_some() {
        return Ok(false);
    }
    let shift = super::shifts::open_shift_id(&tx)?.map(|s| s.to_string());
    let body =
        serde_json::to_string(payment).map_err(|e| super::StoreError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO credit_entries (id, phone, kind, amount_minor, occurred_at_ms, shift_id, body) \
         VALUES (?1, ?2, 'payment', ?3, ?4, ?5, ?6)",
        params![id, payment.phone, payment.amount.minor(), payment.occurred_at.unix_millis(), shift, body],
    )?;
    owe_more(&tx, &payment.phone, -payment.amount.minor())?;
    outbox::enqueue(
        &tx,
        device,
        payment.payment_id,
        payment.occurred_at,
        Fact::DuesPaid(payment.clone()),
    )?;
    release_excess(&tx, device, &payment.phone, Timestamp::now())?;
    tx.commit()?;
    Ok(true)
}

/// The payments taken in a shift, in the order taken.
pub fn payments_in_shift(conn: &Connection, shift: &str) -> StoreResult<Vec<DuesPayment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM credit_entries WHERE shift_id = ?1 AND kind IN ('payment', 'held_payment') \
         ORDER BY occurred_at_ms, id",
    )?;
    let bodies = stmt
        .query_map([shift], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    bodies
        .iter()
        .map(|b| {
            serde_json::from_str(b)
                .map_err(|e| super::StoreError::Corrupt(format!("dues payment: {e}")))
        })
        .collect()
}

/// The hub refused a fact for good: a payment or refund to an account in it
/// no longer counts toward what this till may lend (a sale on account still
/// does), so the till never lends against money the hub does not know of.
/// The payment's cash stays in its shift's drawer.
pub fn set_aside(conn: &Connection, event_id: Uuid) -> StoreResult<()> {
    conn.execute(
        "UPDATE credit_entries SET kind = 'held_' || kind WHERE id = ?1 AND kind IN ('payment', 'refund')",
        [event_id.to_string()],
    )?;
    Ok(())
}

/// HQ sent a refused fact again: its payment or refund counts again.
pub fn counted_again(conn: &Connection, event_id: Uuid) -> StoreResult<()> {
    conn.execute(
        "UPDATE credit_entries SET kind = substr(kind, 6) WHERE id = ?1 AND kind IN ('held_payment', 'held_refund')",
        [event_id.to_string()],
    )?;
    Ok(())
}

/// A payment this till recorded, by its id.
pub fn payment(conn: &Connection, id: Uuid) -> StoreResult<Option<DuesPayment>> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM credit_entries WHERE id = ?1 AND kind IN ('payment', 'held_payment')",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|b| {
        serde_json::from_str(&b)
            .map_err(|e| super::StoreError::Corrupt(format!("dues payment: {e}")))
    })
    .transpose()
}

/// Where credit keeps its escrow at the till.
const BOOK: super::escrow::Book = super::escrow::Book {
    accounts: "credit_accounts",
    keep: "keep_minor",
    released: "released_minor",
    grants: "credit_grants",
    granted: "granted_minor",
    top_ups: "credit_top_ups",
    available,
    release: release_fact,
};

fn release_fact(
    conn: &Connection,
    device: &DeviceCredential,
    phone: &str,
    released: i64,
    id: Uuid,
    now: Timestamp,
) -> StoreResult<Fact> {
    let currency: String = conn.query_row(
        "SELECT currency FROM credit_accounts WHERE phone = ?1",
        [phone],
        |r| r.get(0),
    )?;
    Ok(Fact::CreditReleased(CreditReleased {
        release_id: id,
        store_id: device.store_id,
        terminal_id: device.terminal_id,
        phone: phone.to_owned(),
        released: Money::new(
            released,
            Currency::parse(&currency).unwrap_or(Currency::INR),
        ),
        occurred_at: now,
    }))
}

/// Keeps a top-up the hub granted for a sale being made now: noted as held
/// until the sale has had time to use it.
pub fn hold_top_up(conn: &Connection, account: &CreditAccount) -> StoreResult<()> {
    apply_grants(conn, account)?;
    super::escrow::hold_top_up(conn, &BOOK, &account.phone)
}

/// The sale a top-up was asked for did not go through: the hold goes, and
/// what the till now holds past its share is given back at once, not when
/// the account next changes.
pub fn drop_top_up(
    conn: &mut Connection,
    device: &DeviceCredential,
    phone: &str,
) -> StoreResult<()> {
    super::escrow::drop_top_up(conn, &BOOK, device, phone)
}

fn release_excess(
    conn: &Connection,
    device: &DeviceCredential,
    phone: &str,
    now: Timestamp,
) -> StoreResult<()> {
    super::escrow::release_excess(conn, &BOOK, device, phone, now)
}

/// Gives back the excess on the accounts whose shares the till just heard.
pub fn release_excess_on(
    conn: &mut Connection,
    device: &DeviceCredential,
    phones: &[String],
) -> StoreResult<()> {
    super::escrow::release_excess_on(conn, &BOOK, device, phones)
}
