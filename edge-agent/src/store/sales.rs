//! Ringing up a sale: the one write path for the sale fact.
//!
//! The sale, its stock movements, the next receipt number and its outbox entry are
//! written in one `IMMEDIATE` transaction; the commit is durable before
//! [`record_sale`] returns, so a receipt is never printed for a sale that a crash
//! could lose.

use super::discounts::{self, Approval, DiscountLimits, DiscountRequest};
use super::sale_pricing::{price_bill, resolve_lines, PricedBill};
use super::{apply_movement, get_meta, set_meta, StoreError, StoreResult};
use pos_shared::gs1::VariableMeasureRule;
use pos_shared::sale::{SaleCashier, SaleCustomer, SaleFact, Tender, TenderMethod};
use pos_shared::sync::{DeviceCredential, Fact};
use pos_shared::{limits, Money, Qty, SaleId, Timestamp};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const RECEIPT_SEQ_KEY: &str = "receipt_seq";

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SaleLineRequest {
    pub barcode: String,
    /// Required, except for weighed items whose barcode carries the weight.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub qty: Option<Qty>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub discount: Option<DiscountRequest>,
    /// A price other than the catalog's, with the reason: a supervisor's call.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub price_override: Option<PriceOverrideRequest>,
    /// Codes of the modifiers and add-ons chosen (restaurant menus).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub modifiers: Vec<String>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PriceOverrideRequest {
    pub price: Money,
    pub reason: String,
}

/// What the till asks for; prices come from the replica, never from the request.
/// Serialised only for its [`fingerprint`], so the PIN of an approval and what
/// the till fills in are left out.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SaleRequest {
    /// Lets the UI retry a sale safely: the same id returns the same sale.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub sale_id: Option<SaleId>,
    pub lines: Vec<SaleLineRequest>,
    /// Required to record a sale; a quote ignores them.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub tenders: Vec<Tender>,
    /// The customer's mobile number, if they gave it.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub customer_phone: Option<String>,
    /// Who is signed in at the till: set by the till, never by the request.
    #[serde(skip)]
    pub cashier: Option<SaleCashier>,
    #[serde(skip)]
    pub cashier_role: Option<pos_shared::staff::Role>,
    /// A discount on the whole bill, spread over its lines.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub bill_discount: Option<DiscountRequest>,
    /// A senior's code and PIN for a discount beyond the cashier's limit.
    #[serde(default, skip_serializing)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub approval: Option<Approval>,
    /// That approval checked, by the till before the sale's transaction.
    #[serde(skip)]
    pub approver: Option<Result<discounts::Approver, discounts::WrongApproval>>,
    /// The request as the client sent it, before the payment terminal filled
    /// in references: set by the till on arrival ([`fingerprint`]).
    #[serde(skip)]
    pub fingerprint: Option<String>,
}

/// What identifies a sale request's content: a retry of the same basket with
/// the same id is the same sale; the same id with another basket is not.
pub fn fingerprint(request: &SaleRequest) -> String {
    // The basket and tenders, not the id: a retry that names the id the till
    // gave back is the same sale as the request that left it out.
    let mut basket = request.clone();
    basket.sale_id = None;
    basket.fingerprint = None;
    let json = serde_json::to_vec(&basket).unwrap_or_default();
    let digest = Sha256::digest(&json);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks what can be checked before anything is charged or written: the
/// size of the bill and the client's sale id.
pub fn precheck(request: &SaleRequest) -> Result<(), SaleRejection> {
    use pos_shared::limits::MAX_SALE_LINES;
    if request.lines.len() > MAX_SALE_LINES {
        return Err(SaleRejection::invalid(
            "lines",
            format!(
                "a sale has at most {MAX_SALE_LINES} lines, this one {}; split it into several bills",
                request.lines.len()
            ),
        ));
    }
    if let Some(id) = request.sale_id {
        if id.as_uuid().get_version_num() != 7 {
            return Err(SaleRejection::invalid(
                "sale_id",
                format!("{id} is not a UUIDv7; mint sale ids as UUIDv7 (time-ordered)"),
            ));
        }
    }
    Ok(())
}

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

/// Why the till refuses a sale: a field and words for the cashier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaleRejection {
    #[error("{field}: {detail}")]
    Invalid { field: String, detail: String },
    #[error("{field}: no product with barcode {barcode} in this store's catalog")]
    UnknownBarcode { field: String, barcode: String },
}

impl SaleRejection {
    /// The field at fault and words for the cashier.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        SaleRejection::Invalid {
            field: field.into(),
            detail: detail.into(),
        }
    }
}

pub enum SaleResult {
    /// Recorded, with any stock warnings for the cashier (policy `warn`).
    Recorded(SaleFact, Vec<String>),
    /// The request's `sale_id` was already recorded; here it is again.
    Existing(SaleFact),
    /// The request's `sale_id` belongs to a different sale already recorded.
    IdConflict(SaleId),
    Rejected(SaleRejection),
}

/// What the till does when a sale would take an item's local stock below zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NegativeStock {
    /// Sell: the shelf is the truth, the count will catch up.
    #[default]
    Allow,
    /// Sell, and tell the cashier.
    Warn,
    /// Refuse the line.
    Block,
}

impl NegativeStock {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "allow" => Ok(NegativeStock::Allow),
            "warn" => Ok(NegativeStock::Warn),
            "block" => Ok(NegativeStock::Block),
            other => Err(format!(
                "negative stock policy {other:?} is not allow, warn or block"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NegativeStock::Allow => "allow",
            NegativeStock::Warn => "warn",
            NegativeStock::Block => "block",
        }
    }
}

/// The store's rules for ringing up a sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalePolicy {
    /// Bills with a cash tender are rounded half up to this many minor units
    /// (100 = the nearest rupee); 1 leaves them exact.
    pub cash_rounding_minor: i64,
    /// How this store's scales print weighed and priced labels (prefixes 20–29).
    pub scale_rules: Vec<VariableMeasureRule>,
    /// Inter-state supply: GST is charged as IGST instead of CGST + SGST.
    pub igst: bool,
    pub negative_stock: NegativeStock,
    /// Sales only with a member of staff signed in.
    pub require_sign_in: bool,
    pub discount_limits: DiscountLimits,
}

impl Default for SalePolicy {
    fn default() -> Self {
        SalePolicy {
            cash_rounding_minor: 1,
            scale_rules: Vec::new(),
            igst: false,
            negative_stock: NegativeStock::Allow,
            require_sign_in: false,
            discount_limits: DiscountLimits::default(),
        }
    }
}

impl SalePolicy {
    /// How much `total` moves to reach the nearest cash unit (halves round up).
    pub fn rounding(&self, total: Money) -> Money {
        let unit = self.cash_rounding_minor.max(1);
        let t = total.minor();
        let rounded = (t + unit / 2).div_euclid(unit) * unit;
        Money::new(rounded - t, total.currency())
    }
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
    let barcodes = match resolve_lines(request, policy) {
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
    } = match price_bill(&tx, policy, request, &barcodes)? {
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
            })
        }
    };
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
    audit_sale(&tx, device, &sale)?;
    tx.commit()?;
    Ok(SaleResult::Recorded(sale, warnings))
}

/// Logs what in a sale needed authority: price overrides and approved discounts.
fn audit_sale(conn: &Connection, device: &DeviceCredential, sale: &SaleFact) -> StoreResult<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cash_rounds_half_up_to_the_unit() {
        let p = SalePolicy {
            cash_rounding_minor: 100,
            ..Default::default()
        };
        assert_eq!(p.rounding(Money::inr(23875)), Money::inr(25));
        assert_eq!(p.rounding(Money::inr(23850)), Money::inr(50));
        assert_eq!(p.rounding(Money::inr(23849)), Money::inr(-49));
        assert_eq!(p.rounding(Money::inr(23800)), Money::inr(0));
        assert_eq!(
            SalePolicy::default().rounding(Money::inr(23875)),
            Money::inr(0)
        );
    }
}
