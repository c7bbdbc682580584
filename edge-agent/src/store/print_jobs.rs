//! The print queue: jobs per printer, oldest first, kept after printing for
//! reprint history. A job is written after its sale has committed, in its own
//! transaction, so printing can never undo or hold up a sale.
//!
//! A queued job stays queued while its printer is unreachable (the worker
//! retries it with backoff, and takes no later job before it). `failed` is
//! for what can never print (a receipt that cannot be encoded, a drawer pulse
//! whose moment has passed); `unconfirmed` for a job that went out whole
//! more than once without the printer confirming it.

use super::StoreResult;
use pos_shared::{SaleId, Timestamp};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

/// Copies of a job sent without the printer confirming any of them before
/// it waits for the cashier (`unconfirmed`): the first, and one marked DUPLICATE.
pub const MAX_UNCONFIRMED_COPIES: i64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Receipt,
    Reprint,
    Test,
    /// A cash drawer pulse: sent at once or never.
    Drawer,
    /// Shelf or price labels.
    Label,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Receipt => "receipt",
            Purpose::Reprint => "reprint",
            Purpose::Test => "test",
            Purpose::Drawer => "drawer",
            Purpose::Label => "label",
        }
    }
}

/// A job as the till lists it (without its bytes).
#[derive(Debug, Clone, Serialize)]
pub struct PrintJob {
    pub id: i64,
    pub printer: String,
    pub purpose: String,
    pub sale_id: Option<String>,
    /// `queued` (waiting for its printer), `printed`, `unconfirmed` (sent,
    /// never confirmed: waits for the cashier) or `failed` (can never print).
    pub state: String,
    pub attempts: i64,
    /// Times its bytes went out; a copy after the first says DUPLICATE.
    pub copies_sent: i64,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub printed_at: Option<Timestamp>,
    /// The receipt as plain text.
    pub preview: String,
}

const COLUMNS: &str =
    "id, printer, purpose, sale_id, state, attempts, last_error, created_at, printed_at, preview, copies_sent";

fn job(row: &Row<'_>) -> rusqlite::Result<PrintJob> {
    Ok(PrintJob {
        id: row.get(0)?,
        printer: row.get(1)?,
        purpose: row.get(2)?,
        sale_id: row.get(3)?,
        state: row.get(4)?,
        attempts: row.get(5)?,
        last_error: row.get(6)?,
        created_at: Timestamp::from_unix_millis(row.get(7)?),
        printed_at: row
            .get::<_, Option<i64>>(8)?
            .map(Timestamp::from_unix_millis),
        preview: row.get(9)?,
        copies_sent: row.get(10)?,
    })
}

pub fn enqueue(
    conn: &Connection,
    printer: &str,
    purpose: Purpose,
    sale_id: Option<SaleId>,
    payload: &[u8],
    preview: &str,
) -> StoreResult<PrintJob> {
    insert(conn, printer, purpose, sale_id, payload, preview, None)
}

/// Files a job that can never print (its receipt cannot be encoded), so the
/// cashier sees why there is no receipt.
pub fn enqueue_failed(
    conn: &Connection,
    printer: &str,
    purpose: Purpose,
    sale_id: Option<SaleId>,
    error: &str,
) -> StoreResult<PrintJob> {
    insert(conn, printer, purpose, sale_id, b"", "", Some(error))
}

fn insert(
    conn: &Connection,
    printer: &str,
    purpose: Purpose,
    sale_id: Option<SaleId>,
    payload: &[u8],
    preview: &str,
    error: Option<&str>,
) -> StoreResult<PrintJob> {
    conn.execute(
        "INSERT INTO print_jobs (printer, purpose, sale_id, payload, preview, state, last_error, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            printer,
            purpose.as_str(),
            sale_id.map(|s| s.to_string()),
            payload,
            preview,
            if error.is_some() { "failed" } else { "queued" },
            error,
            Timestamp::now().unix_millis()
        ],
    )?;
    let id = conn.last_insert_rowid();
    Ok(get(conn, id)?.expect("the job just inserted"))
}

pub fn get(conn: &Connection, id: i64) -> StoreResult<Option<PrintJob>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM print_jobs WHERE id = ?1"),
            [id],
            job,
        )
        .optional()?)
}

/// The next job the printer's worker takes.
#[derive(Debug, Clone)]
pub struct NextJob {
    pub id: i64,
    pub payload: Vec<u8>,
    pub copies_sent: i64,
}

/// The printer's oldest queued job and its bytes (drawer pulses are not
/// queued work: they go at once or never).
pub fn next(conn: &Connection, printer: &str) -> StoreResult<Option<NextJob>> {
    Ok(conn
        .query_row(
            "SELECT id, payload, copies_sent FROM print_jobs
             WHERE printer = ?1 AND state = 'queued' AND purpose <> 'drawer'
             ORDER BY id LIMIT 1",
            [printer],
            |r| {
                Ok(NextJob {
                    id: r.get(0)?,
                    payload: r.get(1)?,
                    copies_sent: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// The printer confirmed the job (or, on a one-way link, took every byte).
pub fn mark_printed(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.execute(
        "UPDATE print_jobs SET state = 'printed', attempts = attempts + 1, last_error = NULL,
         copies_sent = copies_sent + 1, printed_at = ?2 WHERE id = ?1",
        params![id, Timestamp::now().unix_millis()],
    )?;
    Ok(())
}

/// Records a try that did not print. `sent` says whether the job's bytes went
/// out (whole or in part): then the next copy is marked DUPLICATE, and after
/// [`MAX_UNCONFIRMED_COPIES`] copies the job waits for the cashier. A try that
/// sent nothing leaves the job queued, however many tries it has had.
pub fn mark_attempt_failed(
    conn: &Connection,
    id: i64,
    error: &str,
    sent: bool,
) -> StoreResult<PrintJob> {
    conn.execute(
        "UPDATE print_jobs SET attempts = attempts + 1, last_error = ?2,
         copies_sent = copies_sent + ?3,
         state = CASE WHEN copies_sent + ?3 >= ?4 THEN 'unconfirmed' ELSE 'queued' END
         WHERE id = ?1",
        params![id, error, i64::from(sent), MAX_UNCONFIRMED_COPIES],
    )?;
    Ok(get(conn, id)?.expect("a job being printed exists"))
}

/// Settles a drawer pulse: sent (`None`) or not, and why; never tried again.
pub fn settle_drawer(conn: &Connection, id: i64, error: Option<&str>) -> StoreResult<()> {
    conn.execute(
        "UPDATE print_jobs SET state = CASE WHEN ?2 IS NULL THEN 'printed' ELSE 'failed' END,
         attempts = attempts + 1, last_error = ?2,
         printed_at = CASE WHEN ?2 IS NULL THEN ?3 END
         WHERE id = ?1 AND purpose = 'drawer'",
        params![id, error, Timestamp::now().unix_millis()],
    )?;
    Ok(())
}

/// Drawer pulses still waiting when the agent starts: their moment has passed.
pub fn expire_drawer_pulses(conn: &Connection) -> StoreResult<usize> {
    Ok(conn.execute(
        "UPDATE print_jobs SET state = 'failed',
         last_error = 'not sent: the till restarted before the printer took it'
         WHERE purpose = 'drawer' AND state = 'queued'",
        [],
    )?)
}

/// What each of `variants` is sold by, as the replica knows it (for the
/// unit on a receipt's measured lines).
pub fn units(
    conn: &Connection,
    variants: &[pos_shared::VariantId],
) -> StoreResult<std::collections::HashMap<pos_shared::VariantId, pos_shared::item::Unit>> {
    let mut stmt = conn.prepare_cached("SELECT unit FROM variants WHERE id = ?1")?;
    let mut out = std::collections::HashMap::new();
    for v in variants {
        let unit: Option<Option<String>> =
            stmt.query_row([v.to_string()], |r| r.get(0)).optional()?;
        if let Some(u) = unit
            .flatten()
            .and_then(|u| pos_shared::item::Unit::parse(&u))
        {
            out.insert(*v, u);
        }
    }
    Ok(out)
}

/// Why a job cannot be retried.
#[derive(Debug, Clone)]
pub enum NoRetry {
    Printed(PrintJob),
    /// A drawer pulse is sent at its moment or never.
    Drawer(PrintJob),
    /// Nothing to print: the receipt could not be encoded.
    Unprintable(PrintJob),
}

/// Puts an unconfirmed or failed job (or a queued one, to try it now) back at
/// its place in the queue. `None` if there is no such job.
pub fn retry(conn: &Connection, id: i64) -> StoreResult<Option<Result<PrintJob, NoRetry>>> {
    let Some(current) = get(conn, id)? else {
        return Ok(None);
    };
    if current.purpose == "drawer" {
        return Ok(Some(Err(NoRetry::Drawer(current))));
    }
    if current.state == "printed" {
        return Ok(Some(Err(NoRetry::Printed(current))));
    }
    let empty: bool = conn.query_row(
        "SELECT length(payload) = 0 FROM print_jobs WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    if empty {
        return Ok(Some(Err(NoRetry::Unprintable(current))));
    }
    conn.execute("UPDATE print_jobs SET state = 'queued' WHERE id = ?1", [id])?;
    Ok(Some(Ok(get(conn, id)?.expect("the job exists"))))
}

/// Newest first, optionally for one sale or in one state.
pub fn list(
    conn: &Connection,
    sale_id: Option<&str>,
    state: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<PrintJob>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM print_jobs
         WHERE (?1 IS NULL OR sale_id = ?1) AND (?2 IS NULL OR state = ?2)
         ORDER BY id DESC LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![sale_id, state, limit], job)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One printer's queue: jobs waiting, unconfirmed and failed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Backlog {
    pub queued: i64,
    pub unconfirmed: i64,
    pub failed: i64,
}

/// Queued (drawer pulses apart), unconfirmed and failed counts for one printer.
pub fn backlog(conn: &Connection, printer: &str) -> StoreResult<Backlog> {
    Ok(conn.query_row(
        "SELECT COALESCE(SUM(state = 'queued' AND purpose <> 'drawer'), 0),
                COALESCE(SUM(state = 'unconfirmed'), 0),
                COALESCE(SUM(state = 'failed' AND purpose <> 'drawer'), 0)
         FROM print_jobs WHERE printer = ?1",
        [printer],
        |r| {
            Ok(Backlog {
                queued: r.get(0)?,
                unconfirmed: r.get(1)?,
                failed: r.get(2)?,
            })
        },
    )?)
}
