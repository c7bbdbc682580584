//! Ringing up a sale: the one write path for the sale fact.
//!
//! The sale, its stock movements, the next receipt number and its outbox entry are
//! written in one `IMMEDIATE` transaction; the commit is durable before
//! [`record_sale`] returns, so a receipt is never printed for a sale that a crash
//! could lose.

use super::pricing::price;
use super::{apply_movement, get_meta, set_meta, StoreError, StoreResult};
use crate::pos::pricing::{resolve_lines, PricedBill};
use crate::pos::sale::{fingerprint, precheck, SalePolicy, SaleRejection, SaleRequest, SaleResult};
use pos_shared::sale::{SaleCustomer, SaleFact, Tender, TenderMethod};
use pos_shared::sync::{DeviceCredential, Fact};
use pos_shared::{limits, Money, SaleId, Timestamp};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

const RECEIPT_SEQ_KEY: &str = "receipt_seq";

/// Whether a sale with the request's id is already recorded, and whether it
/// is this request (a retry) or another sale that reused the id.
pub fn existing_sale(conn: &Connection, request: &SaleRequest) -> StoreResult<Option<SaleResult>> {
    let Some(id) = request.sale_id else {
        return Ok(None);
    };
    let found: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT fact, request_fingerprint FROM sales WHERE id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((fact, stored)) = found else {
        return Ok(None);
    };
    let asked = request
        .fingerprint
        .clone()
        .unwrap_or_else(|| fingerprint(request));
    // Sales made before fingerprints were kept cannot be told apart: a retry.
    if stored.is_some_and(|f| f != asked) {
        return Ok(Some(SaleResult::IdConflict(id)));
    }
    let sale =
        serde_json::from_str(&fact).map_err(|e| StoreError::Corrupt(format!("sale {id}: {e}")))?;
    Ok(Some(SaleResult::Existing(sale)))
}

/// Records a sale for the enrolled terminal `device`.
pub fn record_sale(
    conn: &mut Connection,
    device: &DeviceCredential,
    policy: &SalePolicy,
    request: &SaleRequest,
) -> StoreResult<SaleResult> {
    if let Err(rejection) = precheck(request) {
        return Ok(SaleResult::Rejected(rejection));
    }
    let today = policy.today();
    let barcodes = match resolve_lines(request, policy, &today) {
        Ok(b) => b,
        Err(rejection) => return Ok(SaleResult::Rejected(rejection)),
    };

    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let Some(existing) = existing_sale(&tx, request)? {
        return Ok(existing);
    }
    let PricedBill {
        lines,
        total,
        approved_by,
        warnings,
    } = match price(&tx, policy, request, &barcodes)? {
        Ok(priced) => priced,
        Err(rejection) => return Ok(SaleResult::Rejected(rejection)),
    };
    let currency = total.currency();
    if let Some(rejection) = past_shift_capacity(&tx, total)? {
        return Ok(SaleResult::Rejected(rejection));
    }
    if request.tenders.is_empty() {
        return Ok(SaleResult::Rejected(SaleRejection::invalid(
            "tenders",
            "a sale needs at least one tender",
        )));
    }
    for (i, t) in request.tenders.iter().enumerate() {
        if t.amount.currency() != currency {
            return Ok(SaleResult::Rejected(SaleRejection::invalid(
                format!("tenders[{i}].amount.currency"),
                format!("this store sells in {currency}"),
            )));
        }
    }
    let tendered = match Money::sum(currency, request.tenders.iter().map(|t| &t.amount)) {
        Ok(t) => t,
        Err(e) => {
            return Ok(SaleResult::Rejected(SaleRejection::invalid(
                "tenders",
                e.to_string(),
            )))
        }
    };
    let has_cash = request
        .tenders
        .iter()
        .any(|t| t.method == TenderMethod::Cash);
    let rounding = Some(policy.rounding(total)).filter(|r| has_cash && r.minor() != 0);
    let payable = match rounding {
        Some(r) => total.checked_add(r).unwrap_or(total),
        None => total,
    };
    let change_due = match tendered.checked_sub(payable) {
        Ok(c) if !c.is_negative() => c,
        _ => {
            return Ok(SaleResult::Rejected(SaleRejection::invalid(
                "tenders",
                format!("tendered {tendered} is short of the {payable} due"),
            )))
        }
    };
    if change_due.minor() > limits::MAX_CASH_MINOR {
        // Blame the tender that carried the sum past what is due plus the most
        // change a drawer can give: that is the mistyped one.
        let most = payable.minor().saturating_add(limits::MAX_CASH_MINOR);
        let mut so_far = 0i64;
        let culprit = request
            .tenders
            .iter()
            .position(|t| {
                so_far = so_far.saturating_add(t.amount.minor());
                so_far > most
            })
            .unwrap_or(request.tenders.len() - 1);
        return Ok(SaleResult::Rejected(SaleRejection::invalid(
            format!("tenders[{culprit}].amount"),
            format!(
                "tendered {tendered} against {payable} due would give {change_due} in change; \
                 a drawer gives at most {}",
                Money::new(limits::MAX_CASH_MINOR, currency)
            ),
        )));
    }
    let tenders = request
        .tenders
        .iter()
        .map(|t| Tender {
            reference: t.reference.as_ref().map(|r| r.trim().to_owned()),
            ..t.clone()
        })
        .collect();

    let customer = match &request.customer_phone {
        None => None,
        Some(text) => {
            let phone = match super::customers::normalize_phone(text) {
                Ok(p) => p,
                Err(e) => {
                    return Ok(SaleResult::Rejected(SaleRejection::invalid(
                        "customer_phone",
                        e,
                    )))
                }
            };
            let profile = super::customers::get(&tx, &phone)?.unwrap_or_default();
            Some(SaleCustomer {
                phone,
                name: profile.name,
                gstin: profile
                    .gstin
                    .and_then(|g| pos_shared::gstin::Gstin::parse(&g).ok()),
                points_earned: 0,
                points_redeemed: 0,
            })
        }
    };
    // What goes on the customer's account must be within this till's
    // allowance, checked in this transaction so two sales cannot share it.
    let on_account: i64 = request
        .tenders
        .iter()
        .filter(|t| t.method == TenderMethod::Credit)
        .map(|t| t.amount.minor())
        .sum();
    if on_account > 0 {
        let at = request
            .tenders
            .iter()
            .position(|t| t.method == TenderMethod::Credit)
            .unwrap_or_default();
        let Some(customer) = &customer else {
            return Ok(SaleResult::Rejected(SaleRejection::invalid(
                "customer_phone",
                "a sale on account needs the customer's phone",
            )));
        };
        if let Some(why) = super::credit::refusal(&tx, device, &customer.phone, on_account)? {
            return Ok(SaleResult::Rejected(SaleRejection::invalid(
                format!("tenders[{at}].amount"),
                why,
            )));
        }
    }
    let mut customer = customer;
    if let Some(customer) = customer.as_mut() {
        match points_of(&tx, device, request, customer, total.minor())? {
            Ok((earned, redeemed)) => {
                customer.points_earned = earned;
                customer.points_redeemed = redeemed;
            }
            Err(refused) => return Ok(SaleResult::Rejected(refused)),
        }
    } else if let Some(at) = request
        .tenders
        .iter()
        .position(|t| t.method == TenderMethod::Points)
    {
        return Ok(SaleResult::Rejected(SaleRejection::invalid(
            "customer_phone",
            format!("a bill paid in points (tenders[{at}]) needs the customer's phone"),
        )));
    }
    let receipt_seq = next_receipt_seq(&tx)?;
    let sale = SaleFact {
        sale_id: request.sale_id.unwrap_or_default(),
        store_id: device.store_id,
        terminal_id: device.terminal_id,
        receipt_no: format!("{}-{receipt_seq:06}", device.receipt_prefix),
        occurred_at: Timestamp::now(),
        lines,
        total,
        tenders,
        change_due,
        rounding,
        discount_approved_by: approved_by,
        cashier: request.cashier.clone(),
        customer,
        receipt_key: Some(new_receipt_key()?),
    };
    if let Err(e) = sale.validate() {
        return Ok(SaleResult::Rejected(SaleRejection::invalid(
            e.field, e.message,
        )));
    }
    let asked = request
        .fingerprint
        .clone()
        .unwrap_or_else(|| fingerprint(request));
    write_sale(&tx, device, &sale, &asked)?;
    if let (Some(customer), true) = (&sale.customer, on_account > 0) {
        super::credit::put_on_account(
            &tx,
            &customer.phone,
            sale.sale_id.as_uuid(),
            on_account,
            sale.occurred_at,
        )?;
    }
    if let Some(c) = sale
        .customer
        .as_ref()
        .filter(|c| c.points_earned > 0 || c.points_redeemed > 0)
    {
        super::loyalty::record_bill(
            &tx,
            device,
            &c.phone,
            sale.sale_id.as_uuid(),
            c.points_earned,
            c.points_redeemed,
            sale.occurred_at,
        )?;
    }
    audit_sale(&tx, device, &sale, &today)?;
    tx.commit()?;
    Ok(SaleResult::Recorded(sale, warnings))
}

/// The points a bill earns and is paid with, by the rules the till holds:
/// a `points` tender must be whole points within the rules and within what
/// this till may let be redeemed (checked in the sale's transaction); the
/// rest of the bill earns.
fn points_of(
    conn: &Connection,
    device: &DeviceCredential,
    request: &SaleRequest,
    customer: &SaleCustomer,
    total_minor: i64,
) -> StoreResult<Result<(i64, i64), SaleRejection>> {
    let rules = super::loyalty::rules(conn)?;
    let at = request
        .tenders
        .iter()
        .position(|t| t.method == TenderMethod::Points);
    if request
        .tenders
        .iter()
        .filter(|t| t.method == TenderMethod::Points)
        .count()
        > 1
    {
        return Ok(Err(SaleRejection::invalid(
            "tenders",
            "a bill is paid in points once",
        )));
    }
    let in_points: i64 = request
        .tenders
        .iter()
        .filter(|t| t.method == TenderMethod::Points)
        .map(|t| t.amount.minor())
        .sum();
    let Some(rules) = rules else {
        return Ok(match at {
            Some(at) => Err(SaleRejection::invalid(
                format!("tenders[{at}].method"),
                "points are not taken: HQ has set no loyalty rules",
            )),
            None => Ok((0, 0)),
        });
    };
    let mut redeemed = 0;
    if let Some(at) = at {
        let field = format!("tenders[{at}].amount");
        let value = rules.point_value.minor();
        if in_points % value != 0 {
            return Ok(Err(SaleRejection::invalid(
                field,
                format!(
                    "a payment in points is whole points, each worth {}",
                    rules.point_value
                ),
            )));
        }
        redeemed = in_points / value;
        if let Some(why) =
            super::loyalty::refusal(conn, device, &rules, &customer.phone, redeemed, total_minor)?
        {
            return Ok(Err(SaleRejection::invalid(field, why)));
        }
    }
    Ok(Ok((rules.earned(total_minor - in_points), redeemed)))
}

/// Logs what in a sale needed authority: price overrides and approved discounts.
fn audit_sale(
    conn: &Connection,
    device: &DeviceCredential,
    sale: &SaleFact,
    today: &str,
) -> StoreResult<()> {
    use pos_shared::audit::AuditAction;
    let by = sale
        .discount_approved_by
        .clone()
        .or_else(|| sale.cashier.clone());
    let overrides: Vec<String> = sale
        .lines
        .iter()
        .filter_map(|l| {
            l.price_override.as_ref().map(|o| {
                format!(
                    "{}: {} → {} ({})",
                    l.name, o.catalog_price, l.unit_price, o.reason
                )
            })
        })
        .collect();
    let reference = Some(sale.sale_id.to_string());
    let expired: Vec<String> = sale
        .lines
        .iter()
        .filter_map(|l| {
            let day = l.expires_on.as_deref().filter(|d| *d < today)?;
            Some(format!(
                "{} (batch {}, use by {day})",
                l.name,
                l.batch.as_deref().unwrap_or("unknown")
            ))
        })
        .collect();
    if !expired.is_empty() {
        let detail = format!(
            "bill {}: sold past use-by: {}",
            sale.receipt_no,
            expired.join("; ")
        );
        super::audit::record(
            conn,
            device,
            AuditAction::ExpiredSold,
            by.clone(),
            detail,
            reference.clone(),
        )?;
    }
    if !overrides.is_empty() {
        let detail = format!("bill {}: {}", sale.receipt_no, overrides.join("; "));
        super::audit::record(
            conn,
            device,
            AuditAction::PriceOverridden,
            by.clone(),
            detail,
            reference.clone(),
        )?;
    }
    if let Some(approver) = &sale.discount_approved_by {
        let discounts: Vec<String> = sale
            .lines
            .iter()
            .filter_map(|l| {
                l.discount
                    .as_ref()
                    .map(|d| format!("{}: {} off ({})", l.name, d.amount, d.reason))
            })
            .collect();
        if !discounts.is_empty() {
            let detail = format!(
                "bill {}: {} approved {}",
                sale.receipt_no,
                approver.name,
                discounts.join("; ")
            );
            super::audit::record(
                conn,
                device,
                AuditAction::DiscountApproved,
                Some(approver.clone()),
                detail,
                reference,
            )?;
        }
    }
    Ok(())
}

/// A receipt link key: 128 random bits from the operating system, as 32
/// hex digits (URL-safe, and plain enough to read out over the phone).
fn new_receipt_key() -> StoreResult<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Corrupt(format!("no randomness for the receipt link: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Gap-free per terminal: the counter moves only inside a committed sale.
pub(crate) fn next_receipt_seq(conn: &Connection) -> StoreResult<u64> {
    let current: u64 = match get_meta(conn, RECEIPT_SEQ_KEY)? {
        Some(v) => v
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("receipt counter {v:?} is not a number")))?,
        None => 0,
    };
    set_meta(conn, RECEIPT_SEQ_KEY, &(current + 1).to_string())?;
    Ok(current + 1)
}

fn write_sale(
    conn: &Connection,
    device: &DeviceCredential,
    sale: &SaleFact,
    fingerprint: &str,
) -> StoreResult<()> {
    let fact_json = serde_json::to_string(sale).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.execute(
        "INSERT INTO sales (id, receipt_no, total_minor, currency, occurred_at_ms, fact, shift_id, request_fingerprint) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT id FROM shifts WHERE closed_at_ms IS NULL), ?7)",
        rusqlite::params![
            sale.sale_id.to_string(),
            sale.receipt_no,
            sale.total.minor(),
            sale.total.currency().as_str(),
            sale.occurred_at.unix_millis(),
            fact_json,
            fingerprint,
        ],
    )?;
    for movement in sale.movements() {
        apply_movement(conn, &movement, "local")?;
    }
    super::outbox::enqueue(
        conn,
        device,
        sale.sale_id.as_uuid(),
        sale.occurred_at,
        Fact::Sale(sale.clone()),
    )
}

/// The most one shift's sales may take in all, in minor units: a quarter of
/// what an `i64` holds, so every figure of its report (tenders, change, GST,
/// refunds) still fits one. A bill past it waits for the next shift.
const SHIFT_TAKINGS_MAX: i64 = i64::MAX / 4;

/// Refuses a bill that would take the open shift's sales past
/// [`SHIFT_TAKINGS_MAX`], so the shift can always be reported and closed.
fn past_shift_capacity(conn: &Connection, total: Money) -> StoreResult<Option<SaleRejection>> {
    // Only the open shift's sales are summed, through their index: never a
    // scan of every sale the till has made.
    let open: Option<String> = conn
        .query_row(
            "SELECT id FROM shifts WHERE closed_at_ms IS NULL",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let Some(open) = open else {
        return Ok(None);
    };
    // TOTAL() sums in floating point: it cannot overflow, and the margin
    // below i64::MAX dwarfs its rounding.
    let taken: f64 = conn.query_row(
        "SELECT TOTAL(total_minor) FROM sales WHERE shift_id = ?1",
        [open],
        |r| r.get(0),
    )?;
    if taken + total.minor() as f64 <= SHIFT_TAKINGS_MAX as f64 {
        return Ok(None);
    }
    Ok(Some(SaleRejection::invalid(
        "shift",
        format!(
            "this bill of {total} would take the open shift past the {} one shift's report can hold; \
             close the shift and open a new one to ring it up",
            Money::new(SHIFT_TAKINGS_MAX, total.currency())
        ),
    )))
}

pub fn stored_sale(conn: &Connection, id: SaleId) -> StoreResult<Option<SaleFact>> {
    let fact: Option<String> = conn
        .query_row(
            "SELECT fact FROM sales WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    fact.map(|f| {
        serde_json::from_str(&f).map_err(|e| StoreError::Corrupt(format!("sale {id}: {e}")))
    })
    .transpose()
}
