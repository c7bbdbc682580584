//! The queue of messages to customers (`customer_messages`): a sale's
//! receipt link, or a reminder of what is owed on a credit account, kept in
//! the till's file from the moment the cashier asks until the provider takes
//! them (or they are given up), so a till offline for days sends them when
//! it is back. SQL only; the sender task is [`crate::messages`].

use super::{StoreError, StoreResult};
use pos_shared::SaleId;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How the receipt reaches the customer.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Whatsapp,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Whatsapp => "whatsapp",
            Channel::Sms => "sms",
        }
    }

    fn parse(text: &str) -> StoreResult<Self> {
        match text {
            "whatsapp" => Ok(Channel::Whatsapp),
            "sms" => Ok(Channel::Sms),
            other => Err(StoreError::Corrupt(format!("e-receipt channel {other:?}"))),
        }
    }
}

/// Where a message stands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageState {
    /// Waiting for its first or next try: sends when the till is online.
    Queued,
    /// The provider took it.
    Sent,
    /// Given up: refused for good by the provider, or out of tries.
    Failed,
    /// No provider sends on this channel: the cashier hands the customer a
    /// click-to-chat link instead.
    LinkOnly,
}

impl MessageState {
    fn as_str(self) -> &'static str {
        match self {
            MessageState::Queued => "queued",
            MessageState::Sent => "sent",
            MessageState::Failed => "failed",
            MessageState::LinkOnly => "link_only",
        }
    }

    fn parse(text: &str) -> StoreResult<Self> {
        match text {
            "queued" => Ok(MessageState::Queued),
            "sent" => Ok(MessageState::Sent),
            "failed" => Ok(MessageState::Failed),
            "link_only" => Ok(MessageState::LinkOnly),
            other => Err(StoreError::Corrupt(format!("e-receipt state {other:?}"))),
        }
    }
}

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    /// A sale's receipt link.
    Receipt(SaleId),
    /// What the recipient owes on their credit account.
    DuesReminder,
}

/// Reminders to one number at most this often: asking again within it
/// answers the last one.
pub const REMINDER_EVERY_MS: i64 = 24 * 60 * 60 * 1000;

/// One message as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: Uuid,
    pub about: About,
    pub channel: Channel,
    /// E.164 (`+91` and ten digits).
    pub recipient: String,
    pub body: String,
    pub state: MessageState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub provider_message_id: Option<String>,
    pub sent_at_ms: Option<i64>,
}

const COLUMNS: &str = "id, sale_id, channel, recipient, body, state, attempts, last_error, \
                       provider_message_id, sent_at_ms";

type Row = (
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    u32,
    Option<String>,
    Option<String>,
    Option<i64>,
);

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ))
}

fn read(row: Row) -> StoreResult<StoredMessage> {
    let (id, sale_id, channel, recipient, body, state, attempts, last_error, provider, sent_at) =
        row;
    let corrupt = |what: &str| StoreError::Corrupt(format!("e-receipt {what}"));
    Ok(StoredMessage {
        id: Uuid::parse_str(&id).map_err(|_| corrupt("id"))?,
        about: match sale_id {
            Some(sale) => About::Receipt(sale.parse().map_err(|_| corrupt("sale id"))?),
            None => About::DuesReminder,
        },
        channel: Channel::parse(&channel)?,
        recipient,
        body,
        state: MessageState::parse(&state)?,
        attempts,
        last_error,
        provider_message_id: provider,
        sent_at_ms: sent_at,
    })
}

fn select(
    conn: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
) -> StoreResult<Vec<StoredMessage>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM customer_messages {filter}"))?;
    let rows = stmt.query_map(params, from_row)?;
    rows.map(|r| read(r?)).collect()
}

/// A message the cashier asked for.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub about: About,
    pub channel: Channel,
    pub recipient: String,
    pub body: String,
    /// `Queued` when a provider sends on this channel, else `LinkOnly`.
    pub state: MessageState,
}

/// Queues `new`, unless the same message is already live: for a receipt,
/// one for the same sale and channel queued, sent or handed over as a link;
/// for a reminder, one to the same number and channel saying the same (what
/// is owed has not moved) in the last day. Then
/// that one is answered and nothing is written (`false`), so asking twice
/// never sends twice.
pub fn queue(
    conn: &mut Connection,
    new: NewMessage,
    now_ms: i64,
) -> StoreResult<(StoredMessage, bool)> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let live = match new.about {
        About::Receipt(sale) => select(
            &tx,
            "WHERE kind = 'receipt' AND sale_id = ?1 AND channel = ?2 AND state IN ('queued', 'sent', 'link_only')",
            rusqlite::params![sale.to_string(), new.channel.as_str()],
        )?,
        // The same words to the same number the same day: what is owed
        // has not changed since.
        About::DuesReminder => select(
            &tx,
            "WHERE kind = 'dues_reminder' AND recipient = ?1 AND channel = ?2 AND body = ?4 \
             AND state IN ('queued', 'sent', 'link_only') AND created_at_ms > ?3 ORDER BY id DESC",
            rusqlite::params![
                new.recipient,
                new.channel.as_str(),
                now_ms - REMINDER_EVERY_MS,
                new.body
            ],
        )?,
    };
    if let Some(existing) = live.into_iter().next() {
        return Ok((existing, false));
    }
    let id = Uuid::now_v7();
    let (kind, sale) = match new.about {
        About::Receipt(sale) => ("receipt", Some(sale.to_string())),
        About::DuesReminder => ("dues_reminder", None),
    };
    tx.execute(
        "INSERT INTO customer_messages (id, kind, sale_id, channel, recipient, body, state, attempts, \
         next_attempt_at_ms, created_at_ms) VALUES (?1, ?8, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?7)",
        rusqlite::params![
            id.to_string(),
            sale,
            new.channel.as_str(),
            new.recipient,
            new.body,
            new.state.as_str(),
            now_ms,
            kind,
        ],
    )?;
    let stored =
        get(&tx, id)?.ok_or_else(|| StoreError::Corrupt("e-receipt just written".into()))?;
    tx.commit()?;
    Ok((stored, true))
}

pub fn get(conn: &Connection, id: Uuid) -> StoreResult<Option<StoredMessage>> {
    Ok(select(conn, "WHERE id = ?1", [id.to_string()])?
        .into_iter()
        .next())
}

/// A sale's messages, the first asked first.
pub fn for_sale(conn: &Connection, sale: SaleId) -> StoreResult<Vec<StoredMessage>> {
    select(
        conn,
        "WHERE kind = 'receipt' AND sale_id = ?1 ORDER BY id",
        [sale.to_string()],
    )
}

/// The reminders sent to a number, the latest first.
pub fn reminders_to(conn: &Connection, recipient: &str) -> StoreResult<Vec<StoredMessage>> {
    select(
        conn,
        "WHERE kind = 'dues_reminder' AND recipient = ?1 ORDER BY id DESC LIMIT 20",
        [recipient],
    )
}

/// Queued messages whose next try is due, the oldest first.
pub fn due(conn: &Connection, now_ms: i64, limit: u32) -> StoreResult<Vec<StoredMessage>> {
    select(
        conn,
        "WHERE state = 'queued' AND next_attempt_at_ms <= ?1 ORDER BY next_attempt_at_ms, id LIMIT ?2",
        rusqlite::params![now_ms, limit],
    )
}

/// When the next queued message falls due, if any is queued.
pub fn next_due_ms(conn: &Connection) -> StoreResult<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT MIN(next_attempt_at_ms) FROM customer_messages WHERE state = 'queued'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// Counts a try before it is made and moves the message's next try to
/// `retry_at_ms`: a till killed while the provider answers tries again then,
/// never at once in a loop. Returns the try's number, or `None` when the
/// message is no longer queued.
pub fn begin_attempt(conn: &Connection, id: Uuid, retry_at_ms: i64) -> StoreResult<Option<u32>> {
    Ok(conn
        .query_row(
            "UPDATE customer_messages SET attempts = attempts + 1, next_attempt_at_ms = ?2 \
             WHERE id = ?1 AND state = 'queued' RETURNING attempts",
            rusqlite::params![id.to_string(), retry_at_ms],
            |r| r.get(0),
        )
        .optional()?)
}

/// The provider took the message.
pub fn mark_sent(
    conn: &Connection,
    id: Uuid,
    provider_id: Option<&str>,
    now_ms: i64,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE customer_messages SET state = 'sent', provider_message_id = ?2, sent_at_ms = ?3, \
         last_error = NULL WHERE id = ?1",
        rusqlite::params![id.to_string(), provider_id, now_ms],
    )?;
    Ok(())
}

/// A try failed; the message stays queued for its next try, or is given up
/// (`give_up`) with the reason in words.
pub fn mark_failed_try(conn: &Connection, id: Uuid, error: &str, give_up: bool) -> StoreResult<()> {
    let state = if give_up { "failed" } else { "queued" };
    conn.execute(
        "UPDATE customer_messages SET state = ?2, last_error = ?3 WHERE id = ?1 AND state = 'queued'",
        rusqlite::params![id.to_string(), state, error],
    )?;
    Ok(())
}

/// Messages still waiting to be sent, for the till's status.
pub fn unsent_count(conn: &Connection) -> StoreResult<u64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM customer_messages WHERE state = 'queued'",
        [],
        |r| r.get(0),
    )?)
}
