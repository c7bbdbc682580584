//! What a till is asked to sell and the rules it sells by: the sale request,
//! its fingerprint and first checks, the store's sale policy, and why a sale
//! is refused. No I/O.

use super::discounts::{self, Approval, DiscountLimits, DiscountRequest};
use pos_shared::gs1::VariableMeasureRule;
use pos_shared::sale::{SaleCashier, SaleFact, Tender};
use pos_shared::{Money, Qty, SaleId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
    /// Sell this pack although its barcode says it is past its use-by date:
    /// a supervisor's call, audited.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "ts", ts(optional, as = "Option<bool>"))]
    pub sell_expired: bool,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
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
    /// The held bill this sale resumes (its id): when the request brings no
    /// approval and its discounts and price overrides are those held, the
    /// senior who approved them at hold time stands as the approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub resumed_bill: Option<String>,
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
    /// The store's offset from UTC in minutes (330 for India): the day a
    /// pack's use-by and best-before dates are judged by.
    pub utc_offset_minutes: i32,
    /// Sales (and cash refunds) only while a shift is open on this till.
    /// Off in the policy's `Default`, for tests and tools that build a
    /// policy by hand; the agent's configuration turns it on unless the
    /// store says `no` (`sales.require_open_shift`).
    pub require_open_shift: bool,
    /// The most one line may sell (`sales.max_line_qty`), within the
    /// shared bound [`pos_shared::limits::MAX_LINE_QTY`].
    pub max_line_qty: Qty,
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
            utc_offset_minutes: 330,
            require_open_shift: false,
            max_line_qty: Qty::units(9999),
        }
    }
}

impl SalePolicy {
    /// The store's calendar day now, `YYYY-MM-DD`.
    pub fn today(&self) -> String {
        pos_shared::Timestamp::now().local_date(self.utc_offset_minutes)
    }

    /// How much `total` moves to reach the nearest cash unit (halves round up).
    pub fn rounding(&self, total: Money) -> Money {
        let unit = self.cash_rounding_minor.max(1);
        let t = total.minor();
        let rounded = (t + unit / 2).div_euclid(unit) * unit;
        Money::new(rounded - t, total.currency())
    }
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
