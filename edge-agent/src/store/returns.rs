//! Returns and refunds against the store's sales (this terminal's, and others'
//! the feed brought): the goods go back into
//! stock, the refund is a share of what was paid (see [`pos_shared::returns`]),
//! and no line is ever returned beyond what was sold, nor in a quantity the
//! item is not sold in (half a packet). The return, its movements, its
//! receipt number and its outbox entry commit together.

use super::sales::{next_receipt_seq, stored_sale};
use super::{apply_movement, StoreError, StoreResult};
use crate::pos::sale::SalePolicy;
use pos_shared::item::Unit;
use pos_shared::returns::{refund_for, ReturnFact, ReturnLine};
use pos_shared::sale::{SaleFact, SaleLine, Tender, TenderMethod};
use pos_shared::sync::{DeviceCredential, Fact};
use pos_shared::{Money, MovementId, Qty, ReturnId, SaleId, Timestamp};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};

/// A sale as the returns desk sees it: what was sold and what is back already.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct ReturnableSale {
    pub sale: SaleFact,
    /// Per sale line, the quantity already returned.
    pub returned: Vec<Qty>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundTo {
    /// The way the sale was paid (when it was paid one way).
    Original,
    Cash,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineRequest {
    /// Position of the line on the original sale.
    pub sale_line: usize,
    pub qty: Qty,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    pub original_receipt_no: String,
    pub lines: Vec<ReturnLineRequest>,
    pub refund_to: RefundTo,
    pub reason: String,
}

/// Why a return is refused: a field and words for the cashier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnRejection {
    #[error("{field}: {detail}")]
    Invalid { field: String, detail: String },
    #[error(
        "no sale with receipt number {0} at this store (this till's, or another's it has heard of)"
    )]
    UnknownSale(String),
}

fn invalid(field: impl Into<String>, detail: impl Into<String>) -> ReturnRejection {
    ReturnRejection::Invalid {
        field: field.into(),
        detail: detail.into(),
    }
}

/// Keeps another terminal's sale, as the feed brings it (this terminal's own
/// sales come back too, and are already here).
pub(crate) fn remember_store_sale(conn: &Connection, sale: &SaleFact) -> StoreResult<()> {
    let json = serde_json::to_string(sale).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.execute(
        "INSERT INTO store_sales (id, receipt_no, fact) SELECT ?1, ?2, ?3 \
         WHERE NOT EXISTS (SELECT 1 FROM sales WHERE id = ?1) ON CONFLICT DO NOTHING",
        params![sale.sale_id.to_string(), sale.receipt_no, json],
    )?;
    Ok(())
}

/// Keeps another terminal's return, so returns here count it.
pub(crate) fn remember_store_return(conn: &Connection, ret: &ReturnFact) -> StoreResult<()> {
    let json = serde_json::to_string(ret).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.execute(
        "INSERT INTO store_returns (id, original_sale_id, fact) SELECT ?1, ?2, ?3 \
         WHERE NOT EXISTS (SELECT 1 FROM returns WHERE id = ?1) ON CONFLICT DO NOTHING",
        params![
            ret.return_id.to_string(),
            ret.original_sale_id.to_string(),
            json
        ],
    )?;
    Ok(())
}

/// A sale by receipt number: this terminal's own, or another's from the feed.
fn sale_by_receipt(conn: &Connection, receipt_no: &str) -> StoreResult<Option<SaleFact>> {
    let no = receipt_no.trim();
    let own: Option<String> = conn
        .query_row("SELECT id FROM sales WHERE receipt_no = ?1", [no], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(id) = own {
        let id: SaleId = id
            .parse()
            .map_err(|e: uuid::Error| StoreError::Corrupt(format!("sale {id}: {e}")))?;
        return stored_sale(conn, id);
    }
    let theirs: Option<String> = conn
        .query_row(
            "SELECT fact FROM store_sales WHERE receipt_no = ?1",
            [no],
            |r| r.get(0),
        )
        .optional()?;
    theirs
        .map(|f| {
            serde_json::from_str(&f)
                .map_err(|e| StoreError::Corrupt(format!("store sale {no}: {e}")))
        })
        .transpose()
}

/// Every return of a sale known here, at this terminal or another.
fn returns_of(conn: &Connection, sale: SaleId) -> StoreResult<Vec<ReturnFact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT fact FROM returns WHERE original_sale_id = ?1 \
         UNION ALL SELECT fact FROM store_returns WHERE original_sale_id = ?1",
    )?;
    let rows = stmt.query_map([sale.to_string()], |r| r.get::<_, String>(0))?;
    rows.map(|f| serde_json::from_str(&f?).map_err(|e| StoreError::Corrupt(format!("return: {e}"))))
        .collect()
}

/// Returns of the shift, oldest first.
pub(crate) fn returns_in_shift(conn: &Connection, shift: &str) -> StoreResult<Vec<ReturnFact>> {
    let mut stmt =
        conn.prepare_cached("SELECT fact FROM returns WHERE shift_id = ?1 ORDER BY rowid")?;
    let rows = stmt.query_map([shift], |r| r.get::<_, String>(0))?;
    rows.map(|f| serde_json::from_str(&f?).map_err(|e| StoreError::Corrupt(format!("return: {e}"))))
        .collect()
}

fn returnable(conn: &Connection, sale: SaleFact) -> StoreResult<ReturnableSale> {
    let mut returned = vec![Qty::ZERO; sale.lines.len()];
    for r in returns_of(conn, sale.sale_id)? {
        for l in r.lines {
            if let Some(q) = returned.get_mut(l.sale_line) {
                *q = q.checked_add(l.qty).unwrap_or(*q);
            }
        }
    }
    Ok(ReturnableSale { sale, returned })
}

/// Looks a sale up by its receipt number (typed or scanned from the receipt).
pub fn by_receipt(conn: &Connection, receipt_no: &str) -> StoreResult<Option<ReturnableSale>> {
    match sale_by_receipt(conn, receipt_no)? {
        Some(sale) => returnable(conn, sale).map(Some),
        None => Ok(None),
    }
}

/// Whether `qty` of a sold line may come back in the item's unit: whole
/// pieces of a counted item. A line that was itself not sold in the unit (a
/// weight from a scale label, or a sale from before units counted) was
/// measured, and comes back by any amount up to what is left.
fn check_unit(conn: &Connection, sold: &SaleLine, qty: Qty) -> StoreResult<Result<(), String>> {
    let unit: Option<Option<String>> = conn
        .query_row(
            "SELECT unit FROM variants WHERE id = ?1",
            [sold.variant_id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    // Deleted since, or not heard of yet: nothing to hold it to.
    let Some(unit) = unit.flatten().and_then(|u| Unit::parse(&u)) else {
        return Ok(Ok(()));
    };
    if unit.check_qty(sold.qty).is_err() {
        return Ok(Ok(()));
    }
    Ok(unit.check_qty(qty))
}

/// Records a return for the enrolled terminal `device`. A cash refund is
/// rounded to the store's cash unit exactly as a sale is (`policy`).
pub fn record_return(
    conn: &mut Connection,
    device: &DeviceCredential,
    request: &ReturnRequest,
    policy: &SalePolicy,
) -> StoreResult<Result<ReturnFact, ReturnRejection>> {
    let reason = request.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Ok(Err(invalid(
            "reason",
            "a return needs a reason of 1 to 200 characters",
        )));
    }
    if request.lines.is_empty() {
        return Ok(Err(invalid("lines", "a return needs at least one line")));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Some(ReturnableSale { sale, returned }) = by_receipt(&tx, &request.original_receipt_no)?
    else {
        return Ok(Err(ReturnRejection::UnknownSale(
            request.original_receipt_no.trim().to_owned(),
        )));
    };
    let mut lines = Vec::with_capacity(request.lines.len());
    for (i, req) in request.lines.iter().enumerate() {
        let Some(sold) = sale.lines.get(req.sale_line) else {
            return Ok(Err(invalid(
                format!("lines[{i}].sale_line"),
                format!("the sale has lines 0 to {}", sale.lines.len() - 1),
            )));
        };
        if request.lines[..i]
            .iter()
            .any(|r| r.sale_line == req.sale_line)
        {
            return Ok(Err(invalid(
                format!("lines[{i}].sale_line"),
                "each sale line may appear once in a return",
            )));
        }
        if !req.qty.is_positive() {
            return Ok(Err(invalid(
                format!("lines[{i}].qty"),
                "quantity must be positive",
            )));
        }
        if let Err(e) = check_unit(&tx, sold, req.qty)? {
            return Ok(Err(invalid(format!("lines[{i}].qty"), e)));
        }
        let before = returned[req.sale_line];
        let left = sold.qty.checked_add(-before).unwrap_or(Qty::ZERO);
        if req.qty > left {
            return Ok(Err(invalid(
                format!("lines[{i}].qty"),
                format!(
                    "only {left} of {} left to return ({} sold, {before} back already)",
                    sold.name, sold.qty
                ),
            )));
        }
        let (refund, tax) = refund_for(sold, before, req.qty);
        lines.push(ReturnLine {
            movement_id: MovementId::new(),
            sale_line: req.sale_line,
            variant_id: sold.variant_id,
            barcode: sold.barcode.clone(),
            name: sold.name.clone(),
            qty: req.qty,
            refund,
            tax,
        });
    }
    let currency = sale.total.currency();
    let total = match Money::sum(currency, lines.iter().map(|l| &l.refund)) {
        Ok(t) => t,
        Err(e) => return Ok(Err(invalid("lines", e.to_string()))),
    };
    // What was put on the customer's account goes back on it first (less
    // what earlier returns of the bill put back), whatever refund was asked:
    // cash for goods never paid for is not the till's to give. Only the
    // rest is refunded as asked.
    let on_account: i64 = sale
        .tenders
        .iter()
        .filter(|t| t.method == TenderMethod::Credit)
        .map(|t| t.amount.minor())
        .sum();
    let put_back: i64 = returns_of(&tx, sale.sale_id)?
        .iter()
        .flat_map(|r| r.refunds.iter())
        .filter(|t| t.method == TenderMethod::Credit)
        .map(|t| t.amount.minor())
        .sum();
    let back = total.minor().min(on_account - put_back).max(0);
    // What was paid in points goes back as points next, in whole points.
    let (in_points, points_back) = points_back(&tx, &sale, total.minor() - back)?;
    let rest = Money::new(total.minor() - back - in_points, currency);
    let paid_otherwise: Vec<&Tender> = sale
        .tenders
        .iter()
        .filter(|t| !matches!(t.method, TenderMethod::Credit | TenderMethod::Points))
        .collect();
    // The rest goes the way the bill was paid when it was paid one way
    // (besides the account), else in cash.
    let rest_method = match request.refund_to {
        RefundTo::Original => match paid_otherwise.first() {
            Some(first) if paid_otherwise.iter().all(|t| t.method == first.method) => Some(*first),
            Some(_) => {
                return Ok(Err(invalid(
                    "refund_to",
                    "this bill was paid several ways; refund it to cash",
                )))
            }
            None => None,
        },
        RefundTo::Cash => None,
    };
    let in_cash = rest.minor() > 0 && rest_method.is_none_or(|t| t.method == TenderMethod::Cash);
    // Cash goes back in the store's cash unit, rounded half up like a sale.
    let rounding = Some(policy.rounding(rest)).filter(|r| in_cash && r.minor() != 0);
    let mut refunds = Vec::new();
    if back > 0 {
        refunds.push(Tender {
            method: TenderMethod::Credit,
            amount: Money::new(back, currency),
            reference: None,
        });
    }
    if in_points > 0 {
        refunds.push(Tender {
            method: TenderMethod::Points,
            amount: Money::new(in_points, currency),
            reference: None,
        });
    }
    if rest.minor() > 0 {
        refunds.push(match rest_method {
            Some(t) if t.method != TenderMethod::Cash => Tender {
                method: t.method,
                amount: rest,
                reference: t.reference.clone(),
            },
            _ => Tender {
                method: TenderMethod::Cash,
                amount: match rounding {
                    Some(r) => match rest.checked_add(r) {
                        Ok(t) => t,
                        Err(e) => return Ok(Err(invalid("lines", e.to_string()))),
                    },
                    None => rest,
                },
                reference: None,
            },
        });
    }
    let seq = next_receipt_seq(&tx)?;
    let fact = ReturnFact {
        return_id: ReturnId::new(),
        store_id: device.store_id,
        terminal_id: device.terminal_id,
        receipt_no: format!("{}-{seq:06}", device.receipt_prefix),
        original_sale_id: sale.sale_id,
        original_receipt_no: sale.receipt_no.clone(),
        occurred_at: Timestamp::now(),
        reason: reason.to_owned(),
        lines,
        total,
        // A zero refund (nothing was paid for those units) needs no tender.
        refunds,
        rounding,
    };
    if let Err(e) = fact.validate() {
        return Ok(Err(invalid(e.field, e.message)));
    }
    let json = serde_json::to_string(&fact).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO returns (id, receipt_no, original_sale_id, total_minor, currency, occurred_at_ms, fact, shift_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, (SELECT id FROM shifts WHERE closed_at_ms IS NULL))",
        params![
            fact.return_id.to_string(),
            fact.receipt_no,
            sale.sale_id.to_string(),
            total.minor(),
            currency.as_str(),
            fact.occurred_at.unix_millis(),
            json,
        ],
    )?;
    for movement in fact.movements() {
        apply_movement(&tx, &movement, "local")?;
    }
    if let (Some(back), Some(customer)) = (
        fact.refunds
            .iter()
            .find(|r| r.method == TenderMethod::Credit),
        &sale.customer,
    ) {
        super::credit::refund_to_account(
            &tx,
            device,
            &customer.phone,
            fact.return_id.as_uuid(),
            back.amount.minor(),
            fact.occurred_at,
        )?;
    }
    if let Some(customer) = &sale.customer {
        // The points the returned part earned go, as the hub takes them
        // back: this till never lets them be spent after the goods came back.
        let earlier: i64 = returns_of(&tx, sale.sale_id)?
            .iter()
            .filter(|r| r.return_id != fact.return_id)
            .map(|r| r.total.minor())
            .sum();
        let value = sale.total.minor();
        let taken =
            pos_shared::loyalty::taken_back(customer.points_earned, value, earlier + total.minor())
                - pos_shared::loyalty::taken_back(customer.points_earned, value, earlier);
        if taken > 0 || points_back > 0 {
            super::loyalty::give_back(
                &tx,
                device,
                &customer.phone,
                fact.return_id.as_uuid(),
                (points_back, taken),
                fact.occurred_at,
            )?;
        }
    }
    super::audit::record(
        &tx,
        device,
        pos_shared::audit::AuditAction::ReturnMade,
        None,
        format!(
            "return {} against bill {}: {} refunded by {} ({})",
            fact.receipt_no,
            fact.original_receipt_no,
            fact.refundable().unwrap_or(fact.total),
            fact.refunds
                .iter()
                .map(|r| r.method.label())
                .collect::<Vec<_>>()
                .join(" and "),
            fact.reason
        ),
        Some(fact.return_id.to_string()),
    )?;
    super::outbox::enqueue(
        &tx,
        device,
        fact.return_id.as_uuid(),
        fact.occurred_at,
        Fact::Return(fact.clone()),
    )?;
    tx.commit()?;
    Ok(Ok(fact))
}

/// What of `left` (paise still to refund) goes back as points: the bill's
/// points payment less what earlier returns gave back, in whole points at
/// the bill's own value of a point. Returns (paise, points).
fn points_back(conn: &Connection, sale: &SaleFact, left: i64) -> StoreResult<(i64, i64)> {
    let paid: i64 = sale
        .tenders
        .iter()
        .filter(|t| t.method == TenderMethod::Points)
        .map(|t| t.amount.minor())
        .sum();
    let points = sale.customer.as_ref().map_or(0, |c| c.points_redeemed);
    if paid <= 0 || points <= 0 || left <= 0 {
        return Ok((0, 0));
    }
    let value = paid / points;
    let given: i64 = returns_of(conn, sale.sale_id)?
        .iter()
        .flat_map(|r| r.refunds.iter())
        .filter(|t| t.method == TenderMethod::Points)
        .map(|t| t.amount.minor())
        .sum();
    let back = left.min(paid - given).max(0) / value;
    Ok((back * value, back))
}
