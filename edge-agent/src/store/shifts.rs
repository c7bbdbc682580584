//! Shifts: the opening float, cash paid in and out, the X report at any time
//! and the Z report that closes the shift and goes to the hub as a fact.
//!
//! Sales made while a shift is open belong to it. The reports are computed from
//! the sales' own facts, so they add up to exactly what was rung up.

use super::{sales::stored_sale, StoreError, StoreResult};
use pos_shared::audit::AuditAction;
use pos_shared::sale::SaleFact;
use pos_shared::shift::ShiftReport;
use pos_shared::sync::{DeviceCredential, Fact};
use pos_shared::{limits, Currency, Money, MoneyError, ShiftId, Timestamp};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Deserialize;

/// Why a shift request is refused, in words for the cashier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShiftRejection {
    #[error("{field}: {detail}")]
    Invalid { field: &'static str, detail: String },
    #[error("a shift is already open on this till, opened by {0}; close it first")]
    AlreadyOpen(String),
    #[error("no shift is open on this till; open one with a float first")]
    NoShift,
    /// The shift's sums no longer fit the report's figures: refused with words
    /// rather than wrapped or failed.
    #[error("this shift's figures are too large to report: {0}")]
    OutOfRange(String),
}

fn invalid(field: &'static str, detail: impl Into<String>) -> ShiftRejection {
    ShiftRejection::Invalid {
        field,
        detail: detail.into(),
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    pub cashier: String,
    pub opening_float: Money,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CashKind {
    /// Cash put into the drawer (change from the safe).
    In,
    /// Cash taken out (to the safe, a supplier paid).
    Out,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CashRequest {
    pub kind: CashKind,
    pub amount: Money,
    pub reason: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    pub counted_cash: Money,
}

struct OpenShift {
    id: ShiftId,
    opened_by: String,
    opened_at: Timestamp,
    float: Money,
}

fn open_shift(conn: &Connection) -> StoreResult<Option<OpenShift>> {
    let row: Option<(String, String, i64, i64, String)> = conn
        .query_row(
            "SELECT id, opened_by, opened_at_ms, opening_float_minor, currency FROM shifts \
             WHERE closed_at_ms IS NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    row.map(|(id, opened_by, at, float, currency)| {
        let corrupt = |e: String| StoreError::Corrupt(format!("shift {id}: {e}"));
        Ok(OpenShift {
            id: id
                .parse()
                .map_err(|e: uuid::Error| corrupt(e.to_string()))?,
            opened_by,
            opened_at: Timestamp::from_unix_millis(at),
            float: Money::new(
                float,
                Currency::parse(&currency).map_err(|e| corrupt(e.to_string()))?,
            ),
        })
    })
    .transpose()
}

/// Whether a shift is open on this till now: a sale (and a cash refund)
/// needs one where the store requires it.
pub fn is_open(conn: &Connection) -> StoreResult<bool> {
    Ok(open_shift(conn)?.is_some())
}

/// The open shift's id, if one is open.
pub fn open_shift_id(conn: &Connection) -> StoreResult<Option<ShiftId>> {
    Ok(open_shift(conn)?.map(|s| s.id))
}

fn text(field: &'static str, value: &str, max: usize) -> Result<String, ShiftRejection> {
    pos_shared::text::line(field, value, max, false).map_err(|why| invalid(field, why))
}

/// Opens a shift with the cash in the drawer.
pub fn open(
    conn: &mut Connection,
    device: &DeviceCredential,
    request: &OpenRequest,
) -> StoreResult<Result<ShiftReport, ShiftRejection>> {
    let cashier = match text("cashier", &request.cashier, 64) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    if let Err(e) = limits::check_cash(request.opening_float) {
        return Ok(Err(invalid("opening_float", e)));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let Some(current) = open_shift(&tx)? {
        return Ok(Err(ShiftRejection::AlreadyOpen(current.opened_by)));
    }
    // The drawer holds the money the store sells in: a float in another
    // currency would make every report of the shift impossible to add up.
    let sells_in: Option<String> = tx
        .query_row("SELECT currency FROM variants LIMIT 1", [], |r| r.get(0))
        .optional()?;
    if let Some(sells_in) = sells_in {
        if sells_in != request.opening_float.currency().as_str() {
            return Ok(Err(invalid(
                "opening_float",
                format!("this store sells in {sells_in}; the float must be in {sells_in}"),
            )));
        }
    }
    tx.execute(
        "INSERT INTO shifts (id, opened_by, opened_at_ms, opening_float_minor, currency) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            ShiftId::new().to_string(),
            cashier,
            Timestamp::now().unix_millis(),
            request.opening_float.minor(),
            request.opening_float.currency().as_str(),
        ],
    )?;
    let report = x_report(&tx, device)?;
    if let Ok(r) = &report {
        super::audit::record(
            &tx,
            device,
            AuditAction::ShiftOpened,
            None,
            format!(
                "{} opened a shift with a float of {}",
                r.opened_by, r.opening_float
            ),
            Some(r.shift_id.to_string()),
        )?;
    }
    tx.commit()?;
    Ok(report)
}

fn cash_totals(conn: &Connection, shift: ShiftId) -> StoreResult<(i64, i64)> {
    Ok(conn.query_row(
        "SELECT COALESCE(SUM(CASE WHEN kind = 'in' THEN amount_minor END), 0), \
                COALESCE(SUM(CASE WHEN kind = 'out' THEN amount_minor END), 0) \
         FROM cash_movements WHERE shift_id = ?1",
        [shift.to_string()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

fn shift_sales(conn: &Connection, shift: ShiftId) -> StoreResult<Vec<SaleFact>> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM sales WHERE shift_id = ?1 ORDER BY rowid")?;
    let ids = stmt
        .query_map([shift.to_string()], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut sales = Vec::with_capacity(ids.len());
    for id in ids {
        let id = id
            .parse()
            .map_err(|e: uuid::Error| StoreError::Corrupt(format!("sale {id}: {e}")))?;
        sales.extend(stored_sale(conn, id)?);
    }
    Ok(sales)
}

fn report_for(
    conn: &Connection,
    device: &DeviceCredential,
    shift: &OpenShift,
) -> StoreResult<Result<ShiftReport, ShiftRejection>> {
    let (cash_in, cash_out) = cash_totals(conn, shift.id)?;
    let cur = shift.float.currency();
    match ShiftReport::compute(
        shift.id,
        device.store_id,
        device.terminal_id,
        shift.opened_by.clone(),
        shift.opened_at,
        shift.float,
        &shift_sales(conn, shift.id)?,
        &super::returns::returns_in_shift(conn, &shift.id.to_string())?,
        &super::credit::payments_in_shift(conn, &shift.id.to_string())?,
        Money::new(cash_in, cur),
        Money::new(cash_out, cur),
    ) {
        Ok(report) => Ok(Ok(report)),
        Err(e @ MoneyError::Overflow) => Ok(Err(ShiftRejection::OutOfRange(e.to_string()))),
        Err(e) => Err(StoreError::Corrupt(format!("shift {}: {e}", shift.id))),
    }
}

/// The X report: the open shift's figures so far.
pub fn x_report(
    conn: &Connection,
    device: &DeviceCredential,
) -> StoreResult<Result<ShiftReport, ShiftRejection>> {
    match open_shift(conn)? {
        None => Ok(Err(ShiftRejection::NoShift)),
        Some(shift) => report_for(conn, device, &shift),
    }
}

/// Pays cash into or out of the drawer; out never more than the drawer holds.
pub fn move_cash(
    conn: &mut Connection,
    device: &DeviceCredential,
    request: &CashRequest,
) -> StoreResult<Result<ShiftReport, ShiftRejection>> {
    let reason = match text("reason", &request.reason, 200) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    if !request.amount.minor().is_positive() {
        return Ok(Err(invalid("amount", "the amount must be more than zero")));
    }
    if let Err(e) = limits::check_cash(request.amount) {
        return Ok(Err(invalid("amount", e)));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Some(shift) = open_shift(&tx)? else {
        return Ok(Err(ShiftRejection::NoShift));
    };
    if request.amount.currency() != shift.float.currency() {
        return Ok(Err(invalid(
            "amount",
            format!("this drawer holds {}", shift.float.currency()),
        )));
    }
    if request.kind == CashKind::Out {
        let now = match report_for(&tx, device, &shift)? {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        if request.amount.minor() > now.expected_cash.minor() {
            return Ok(Err(invalid(
                "amount",
                format!(
                    "the drawer should hold {}; {} cannot be taken out",
                    now.expected_cash, request.amount
                ),
            )));
        }
    }
    tx.execute(
        "INSERT INTO cash_movements (shift_id, kind, amount_minor, reason, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            shift.id.to_string(),
            match request.kind {
                CashKind::In => "in",
                CashKind::Out => "out",
            },
            request.amount.minor(),
            reason,
            Timestamp::now().unix_millis(),
        ],
    )?;
    let report = match report_for(&tx, device, &shift)? {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    super::audit::record(
        &tx,
        device,
        AuditAction::CashMoved,
        None,
        format!(
            "cash {} {}: {reason}",
            match request.kind {
                CashKind::In => "in",
                CashKind::Out => "out",
            },
            request.amount
        ),
        Some(shift.id.to_string()),
    )?;
    tx.commit()?;
    Ok(Ok(report))
}

/// Closes the open shift with the counted cash: the Z report is kept and queued
/// for the hub in the same transaction.
pub fn close(
    conn: &mut Connection,
    device: &DeviceCredential,
    request: &CloseRequest,
) -> StoreResult<Result<ShiftReport, ShiftRejection>> {
    if let Err(e) = limits::check_cash(request.counted_cash) {
        return Ok(Err(invalid("counted_cash", e)));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Some(shift) = open_shift(&tx)? else {
        return Ok(Err(ShiftRejection::NoShift));
    };
    if request.counted_cash.currency() != shift.float.currency() {
        return Ok(Err(invalid(
            "counted_cash",
            format!("this drawer holds {}", shift.float.currency()),
        )));
    }
    let closed_at = Timestamp::now();
    let x = match report_for(&tx, device, &shift)? {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let z = match x.close(request.counted_cash, closed_at) {
        Ok(z) => z,
        Err(e) => return Ok(Err(ShiftRejection::OutOfRange(e.to_string()))),
    };
    let z_json = serde_json::to_string(&z).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.execute(
        "UPDATE shifts SET closed_at_ms = ?2, z_report = ?3 WHERE id = ?1",
        params![shift.id.to_string(), closed_at.unix_millis(), z_json],
    )?;
    super::audit::record(
        &tx,
        device,
        AuditAction::ShiftClosed,
        None,
        format!(
            "{}'s shift closed: expected {}, counted {}",
            z.opened_by, z.expected_cash, request.counted_cash
        ),
        Some(shift.id.to_string()),
    )?;
    super::outbox::enqueue(
        &tx,
        device,
        shift.id.as_uuid(),
        closed_at,
        Fact::ShiftClosed(z.clone()),
    )?;
    tx.commit()?;
    Ok(Ok(z))
}
