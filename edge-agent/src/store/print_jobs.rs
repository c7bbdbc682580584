//! The print queue: jobs per printer, oldest first, kept after printing for
//! reprint history. A job is written after its sale has committed, in its own
//! transaction, so printing can never undo or hold up a sale.

use super::StoreResult;
use pos_shared::{SaleId, Timestamp};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

/// Automatic tries before a job waits for the cashier to retry it.
pub const MAX_ATTEMPTS: i64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Receipt,
    Reprint,
    Test,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Receipt => "receipt",
            Purpose::Reprint => "reprint",
            Purpose::Test => "test",
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
    /// `queued`, `printed` or `failed` (waiting for a retry).
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub printed_at: Option<Timestamp>,
    /// The receipt as plain text.
    pub preview: String,
}

const COLUMNS: &str =
    "id, printer, purpose, sale_id, state, attempts, last_error, created_at, printed_at, preview";

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
    conn.execute(
        "INSERT INTO print_jobs (printer, purpose, sale_id, payload, preview, state, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6)",
        params![
            printer,
            purpose.as_str(),
            sale_id.map(|s| s.to_string()),
            payload,
            preview,
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

/// The printer's oldest queued job and its bytes.
pub fn next(conn: &Connection, printer: &str) -> StoreResult<Option<(i64, Vec<u8>)>> {
    Ok(conn
        .query_row(
            "SELECT id, payload FROM print_jobs WHERE printer = ?1 AND state = 'queued'
             ORDER BY id LIMIT 1",
            [printer],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub fn mark_printed(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.execute(
        "UPDATE print_jobs SET state = 'printed', attempts = attempts + 1, last_error = NULL,
         printed_at = ?2 WHERE id = ?1",
        params![id, Timestamp::now().unix_millis()],
    )?;
    Ok(())
}

/// Records a failed try; after [`MAX_ATTEMPTS`] the job waits for a retry.
pub fn mark_attempt_failed(conn: &Connection, id: i64, error: &str) -> StoreResult<PrintJob> {
    conn.execute(
        "UPDATE print_jobs SET attempts = attempts + 1, last_error = ?2,
         state = CASE WHEN attempts + 1 >= ?3 THEN 'failed' ELSE 'queued' END
         WHERE id = ?1",
        params![id, error, MAX_ATTEMPTS],
    )?;
    Ok(get(conn, id)?.expect("a job being printed exists"))
}

/// Puts a failed (or queued) job back at its place in the queue with fresh tries.
/// `None` if there is no such job; a printed job is not reprinted by retry.
pub fn retry(conn: &Connection, id: i64) -> StoreResult<Option<Result<PrintJob, PrintJob>>> {
    let Some(current) = get(conn, id)? else {
        return Ok(None);
    };
    if current.state == "printed" {
        return Ok(Some(Err(current)));
    }
    conn.execute(
        "UPDATE print_jobs SET state = 'queued', attempts = 0 WHERE id = ?1",
        [id],
    )?;
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

/// Queued and failed counts for one printer.
pub fn backlog(conn: &Connection, printer: &str) -> StoreResult<(i64, i64)> {
    Ok(conn.query_row(
        "SELECT COALESCE(SUM(state = 'queued'), 0), COALESCE(SUM(state = 'failed'), 0)
         FROM print_jobs WHERE printer = ?1",
        [printer],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}
