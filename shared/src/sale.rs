//! The completed sale: an immutable fact written at the till and uploaded to the hub.
//!
//! The same arithmetic check runs on both sides: the till before it commits, the
//! hub before it accepts. A sale whose numbers do not add up is refused for good.

use crate::{
    Gtin, Money, MoneyError, MovementId, Qty, SaleId, StoreId, TerminalId, Timestamp, VariantId,
};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleLine {
    /// The stock movement this line makes; minted with the sale.
    pub movement_id: MovementId,
    pub variant_id: VariantId,
    pub barcode: Gtin,
    pub name: String,
    pub qty: Qty,
    pub unit_price: Money,
    /// What the customer pays for the line: `unit_price × qty`, plus the tax
    /// where prices exclude it.
    pub line_total: Money,
    /// GST on the line, for items with a tax class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub tax: Option<crate::tax::LineTax>,
    /// Taken off `unit_price × qty` before GST.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub discount: Option<LineDiscount>,
    /// Set when the unit price is not the catalog's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub price_override: Option<PriceOverride>,
    /// Modifiers and add-ons chosen; their prices are in `unit_price`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub modifiers: Vec<crate::modifiers::ChosenModifier>,
    /// The batch (lot) the scanned symbol named (GS1 AI 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub batch: Option<String>,
    /// `YYYY-MM-DD`: the use-by date the scanned symbol carried (AI 17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub expires_on: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceOverride {
    /// What the catalog said.
    pub catalog_price: Money,
    pub reason: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineDiscount {
    pub amount: Money,
    /// The line's own reason and, for a share of a bill discount, the bill's.
    pub reason: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenderMethod {
    Cash,
    /// Taken on the card terminal; the reference is its approval code.
    Card,
    /// A UPI payment; the reference is the transaction's UTR/RRN.
    Upi,
    /// Put on the customer's credit account at the store (the khata); the
    /// sale names the customer. No reference.
    Credit,
    /// Paid with the customer's loyalty points (protocol 13); the sale names
    /// the customer and how many points (`customer.points_redeemed`). No
    /// reference.
    Points,
}

impl TenderMethod {
    pub fn label(self) -> &'static str {
        match self {
            TenderMethod::Cash => "Cash",
            TenderMethod::Card => "Card",
            TenderMethod::Upi => "UPI",
            TenderMethod::Credit => "On account",
            TenderMethod::Points => "Points",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tender {
    pub method: TenderMethod,
    pub amount: Money,
    /// Required for card and UPI, so the payment can be traced; none for cash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub reference: Option<String>,
}

/// The largest cash rounding a bill may carry, in minor units (a ₹10 unit
/// rounds by at most ₹5).
pub const MAX_ROUNDING_MINOR: i64 = 500;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleFact {
    pub sale_id: SaleId,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    /// Per-terminal, gap-free: `<prefix>-<n>`.
    pub receipt_no: String,
    pub occurred_at: Timestamp,
    pub lines: Vec<SaleLine>,
    pub total: Money,
    pub tenders: Vec<Tender>,
    pub change_due: Money,
    /// What the total was rounded by to the store's cash unit, on bills with a
    /// cash tender; the customer pays `total + rounding`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub rounding: Option<Money>,
    /// Who approved a discount beyond the cashier's own limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub discount_approved_by: Option<SaleCashier>,
    /// Who rang it up, when staff sign in at the till.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub cashier: Option<SaleCashier>,
    /// Who bought, when the cashier took their number (GSTIN for B2B invoices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub customer: Option<SaleCustomer>,
    /// The receipt's link key: random, unguessable (128 bits, URL-safe),
    /// minted by the till with the sale, so the hub can serve the receipt at
    /// `/r/{key}` to whoever holds the link. Absent from older tills' sales.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub receipt_key: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleCashier {
    pub staff_id: crate::StaffId,
    pub name: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleCustomer {
    pub phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub gstin: Option<crate::gstin::Gstin>,
    /// Loyalty points the bill earned, by the rules the till had (protocol 13).
    #[serde(default, skip_serializing_if = "is_zero")]
    #[cfg_attr(feature = "ts", ts(as = "Option<i64>", optional))]
    pub points_earned: i64,
    /// Loyalty points the bill was paid with: its `points` tender.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[cfg_attr(feature = "ts", ts(as = "Option<i64>", optional))]
    pub points_redeemed: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// Whether `key` has the form of a receipt link key: long enough to carry
/// 128 random bits in hex or base64url, and URL-safe as it stands.
pub fn receipt_key_is_well_formed(key: &str) -> bool {
    (22..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Why a sale's numbers are not acceptable; `field` names the culprit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SaleError {
    pub field: String,
    pub message: String,
}

impl SaleError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        SaleError {
            field: field.into(),
            message: message.into(),
        }
    }
}

fn money_err(field: &str) -> impl Fn(MoneyError) -> SaleError + '_ {
    move |e| SaleError::new(field, e.to_string())
}

/// Card and UPI payments carry a reference (1–64 printable characters); cash none.
fn check_reference(t: &Tender) -> Result<(), String> {
    match (&t.reference, t.method) {
        (None, TenderMethod::Cash | TenderMethod::Credit | TenderMethod::Points) => Ok(()),
        (Some(_), TenderMethod::Cash) => Err("a cash tender takes no reference".into()),
        (Some(_), TenderMethod::Credit) => Err("a sale on account takes no reference".into()),
        (Some(_), TenderMethod::Points) => Err("a payment in points takes no reference".into()),
        (None, m) => Err(format!("a {} tender needs its reference", m.label())),
        (Some(r), _) => {
            let r = r.trim();
            if r.is_empty() || r.chars().count() > 64 || r.chars().any(crate::text::unseen) {
                Err("a reference is 1 to 64 printable characters".into())
            } else {
                Ok(())
            }
        }
    }
}

impl SaleFact {
    /// What the customer pays: the total plus any cash rounding.
    pub fn payable(&self) -> Result<Money, MoneyError> {
        match self.rounding {
            Some(r) => self.total.checked_add(r),
            None => Ok(self.total),
        }
    }

    /// Checks that lines, total, tenders and change agree exactly.
    pub fn validate(&self) -> Result<(), SaleError> {
        if let Some(key) = &self.receipt_key {
            if !receipt_key_is_well_formed(key) {
                return Err(SaleError::new(
                    "receipt_key",
                    "a receipt key is 22 to 64 letters, digits, '-' or '_'",
                ));
            }
        }
        if self.lines.is_empty() {
            return Err(SaleError::new("lines", "a sale needs at least one line"));
        }
        // The sale is in its total's currency, unless every line's price is
        // in another: then the total is the one out of place. Whatever else
        // is in another currency is named where it is.
        let currency = self.total.currency();
        let priced = self.lines[0].unit_price.currency();
        if priced != currency && self.lines.iter().all(|l| l.unit_price.currency() == priced) {
            return Err(SaleError::new(
                "total.currency",
                format!("the lines are priced in {priced}, not {currency}"),
            ));
        }
        if let Some(i) = self
            .tenders
            .iter()
            .position(|t| t.amount.currency() != currency)
        {
            return Err(SaleError::new(
                format!("tenders[{i}].amount.currency"),
                format!(
                    "the sale is in {currency}, not {}",
                    self.tenders[i].amount.currency()
                ),
            ));
        }
        for (i, line) in self.lines.iter().enumerate() {
            if !line.qty.is_positive() {
                return Err(SaleError::new(
                    format!("lines[{i}].qty"),
                    "quantity must be positive",
                ));
            }
            if line.batch.as_deref().is_some_and(|b| {
                b.is_empty()
                    || b.chars().count() > 20
                    || b.chars().any(|c| c.is_control() || c == ' ')
            }) {
                return Err(SaleError::new(
                    format!("lines[{i}].batch"),
                    "a batch is 1 to 20 characters, as GS1 writes it",
                ));
            }
            if line
                .expires_on
                .as_deref()
                .is_some_and(|d| crate::sync::parse_day(d).is_none())
            {
                return Err(SaleError::new(
                    format!("lines[{i}].expires_on"),
                    "a use-by date is YYYY-MM-DD",
                ));
            }
            // A line in another currency is named where it is, before any sum
            // over it fails on the mix.
            let amounts = [
                ("unit_price", &line.unit_price),
                ("line_total", &line.line_total),
            ]
            .into_iter()
            .chain(
                line.discount
                    .as_ref()
                    .map(|d| ("discount.amount", &d.amount)),
            );
            for (name, amount) in amounts {
                if amount.currency() != currency {
                    return Err(SaleError::new(
                        format!("lines[{i}].{name}.currency"),
                        format!("the sale is in {currency}, not {}", amount.currency()),
                    ));
                }
            }
            let field = format!("lines[{i}].line_total");
            if line
                .price_override
                .as_ref()
                .is_some_and(|o| o.reason.trim().is_empty())
            {
                return Err(SaleError::new(
                    format!("lines[{i}].price_override.reason"),
                    "a price override needs its reason",
                ));
            }
            let mut net = line.unit_price.times(line.qty).map_err(money_err(&field))?;
            if let Some(d) = &line.discount {
                let dfield = format!("lines[{i}].discount");
                if d.amount.is_negative()
                    || d.amount.minor() > net.minor()
                    || d.reason.trim().is_empty()
                {
                    return Err(SaleError::new(
                        dfield,
                        format!(
                            "a discount is between nothing and the line's {net}, with a reason"
                        ),
                    ));
                }
                net = net.checked_sub(d.amount).map_err(money_err(&dfield))?;
            }
            let expected = match &line.tax {
                None => net,
                Some(tax) => {
                    let tax_field = format!("lines[{i}].tax");
                    let class = crate::tax::TaxClass {
                        rate_bp: tax.rate_bp,
                        inclusive: tax.inclusive,
                        hsn: tax.hsn.clone(),
                    };
                    class
                        .validate()
                        .map_err(|(f, m)| SaleError::new(format!("{tax_field}.{f}"), m))?;
                    let igst = tax.igst.minor() != 0;
                    let computed =
                        crate::tax::line_tax(net, &class, igst).map_err(money_err(&tax_field))?;
                    if &computed != tax {
                        return Err(SaleError::new(
                            tax_field,
                            format!(
                                "GST at {}% on {net} is taxable {}, CGST {}, SGST {}, IGST {}",
                                class.rate_label(),
                                computed.taxable,
                                computed.cgst,
                                computed.sgst,
                                computed.igst
                            ),
                        ));
                    }
                    tax.gross(net).map_err(money_err(&field))?
                }
            };
            if expected != line.line_total {
                return Err(SaleError::new(
                    field,
                    format!(
                        "{} × {}{} is {expected}, not {}",
                        line.unit_price,
                        line.qty,
                        if line.tax.as_ref().is_some_and(|t| !t.inclusive) {
                            " plus GST"
                        } else {
                            ""
                        },
                        line.line_total
                    ),
                ));
            }
        }
        let sum = Money::sum(currency, self.lines.iter().map(|l| &l.line_total))
            .map_err(money_err("lines"))?;
        if sum != self.total {
            return Err(SaleError::new(
                "total",
                format!("lines add up to {sum}, not {}", self.total),
            ));
        }
        if self.tenders.is_empty() {
            return Err(SaleError::new(
                "tenders",
                "a sale needs at least one tender",
            ));
        }
        for (i, t) in self.tenders.iter().enumerate() {
            if !t.amount.minor().is_positive() {
                return Err(SaleError::new(
                    format!("tenders[{i}].amount"),
                    "tender must be positive",
                ));
            }
            check_reference(t).map_err(|m| SaleError::new(format!("tenders[{i}].reference"), m))?;
            if t.method == TenderMethod::Credit && self.customer.is_none() {
                return Err(SaleError::new(
                    format!("tenders[{i}].method"),
                    "a sale on account names its customer",
                ));
            }
        }
        let in_points = self
            .tenders
            .iter()
            .filter(|t| t.method == TenderMethod::Points)
            .count();
        let points = self.customer.as_ref().map_or(0, |c| c.points_redeemed);
        if in_points > 1 {
            return Err(SaleError::new("tenders", "a bill is paid in points once"));
        }
        if (in_points == 1) != (points > 0) {
            return Err(SaleError::new(
                "customer.points_redeemed",
                "a bill paid in points names its customer and how many points, and only such a bill does",
            ));
        }
        let earned = self.customer.as_ref().map_or(0, |c| c.points_earned);
        if !(0..=crate::loyalty::MAX_POINTS).contains(&earned)
            || points > crate::loyalty::MAX_POINTS
        {
            return Err(SaleError::new(
                "customer.points_earned",
                "points earned or redeemed are zero to ten million",
            ));
        }
        let has_cash = self.tenders.iter().any(|t| t.method == TenderMethod::Cash);
        let payable = self.payable().map_err(money_err("rounding"))?;
        if let Some(r) = self.rounding {
            if !has_cash {
                return Err(SaleError::new(
                    "rounding",
                    "only a bill paid partly in cash is rounded",
                ));
            }
            if r.minor().abs() > MAX_ROUNDING_MINOR {
                return Err(SaleError::new(
                    "rounding",
                    format!("a rounding of {r} is more than the largest cash unit allows"),
                ));
            }
        }
        let tendered = Money::sum(currency, self.tenders.iter().map(|t| &t.amount))
            .map_err(money_err("tenders"))?;
        let not_cash = Money::sum(
            currency,
            self.tenders
                .iter()
                .filter(|t| t.method != TenderMethod::Cash)
                .map(|t| &t.amount),
        )
        .map_err(money_err("tenders"))?;
        if not_cash.minor() > payable.minor() {
            return Err(SaleError::new(
                "tenders",
                format!("card, UPI and on-account tenders add up to {not_cash}, more than the {payable} due; only cash gives change"),
            ));
        }
        let change = tendered
            .checked_sub(payable)
            .map_err(money_err("tenders"))?;
        if change.is_negative() {
            return Err(SaleError::new(
                "tenders",
                format!("tendered {tendered} is short of the {payable} due"),
            ));
        }
        if change != self.change_due {
            return Err(SaleError::new(
                "change_due",
                format!("change due is {change}, not {}", self.change_due),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sale() -> SaleFact {
        let line = |minor, qty: &str| {
            let qty = Qty::parse(qty).unwrap();
            SaleLine {
                movement_id: MovementId::new(),
                variant_id: VariantId::new(),
                barcode: Gtin::parse("4006381333931").unwrap(),
                name: "Item".into(),
                qty,
                unit_price: Money::inr(minor),
                line_total: Money::inr(minor).times(qty).unwrap(),
                tax: None,
                discount: None,
                price_override: None,
                modifiers: Vec::new(),
                batch: None,
                expires_on: None,
            }
        };
        SaleFact {
            sale_id: SaleId::new(),
            store_id: StoreId::new(),
            terminal_id: TerminalId::new(),
            receipt_no: "T1-000001".into(),
            occurred_at: Timestamp::now(),
            lines: vec![line(4550, "2"), line(12000, "0.5")],
            total: Money::inr(15100),
            tenders: vec![Tender {
                method: TenderMethod::Cash,
                amount: Money::inr(20000),
                reference: None,
            }],
            change_due: Money::inr(4900),
            rounding: None,
            discount_approved_by: None,
            cashier: None,
            customer: None,
            receipt_key: None,
        }
    }

    fn tender(method: TenderMethod, minor: i64, reference: Option<&str>) -> Tender {
        Tender {
            method,
            amount: Money::inr(minor),
            reference: reference.map(str::to_owned),
        }
    }

    #[test]
    fn split_tenders_and_cash_rounding_add_up() {
        // 151.00 due: 100.00 on UPI, the rest in cash with change.
        let mut s = sale();
        s.tenders = vec![
            tender(TenderMethod::Upi, 10000, Some("412345678901")),
            tender(TenderMethod::Cash, 10000, None),
        ];
        s.change_due = Money::inr(4900);
        s.validate().unwrap();

        // 151.00 rounded down to 150.00 for cash.
        let mut s = sale();
        s.rounding = Some(Money::inr(-100));
        s.change_due = Money::inr(5000);
        s.validate().unwrap();
        assert_eq!(s.payable().unwrap(), Money::inr(15000));
    }

    #[test]
    fn taxed_lines_must_carry_the_tax_the_rules_give() {
        use crate::tax::{line_tax, TaxClass};
        let mut s = sale();
        // Line 0: 2 × 45.50 = 91.00 net, 18 % exclusive: 8.19 + 8.19, pays 107.38.
        let class = TaxClass {
            rate_bp: 1800,
            inclusive: false,
            hsn: Some("0902".into()),
        };
        let tax = line_tax(Money::inr(9100), &class, false).unwrap();
        assert_eq!((tax.cgst.minor(), tax.sgst.minor()), (819, 819));
        s.lines[0].line_total = Money::inr(10738);
        s.lines[0].tax = Some(tax.clone());
        s.total = Money::inr(10738 + 6000);
        s.change_due = Money::inr(20000 - 16738);
        s.validate().unwrap();

        let mut wrong = s.clone();
        wrong.lines[0].tax.as_mut().unwrap().cgst = Money::inr(800);
        assert_eq!(wrong.validate().unwrap_err().field, "lines[0].tax");
        let mut wrong = s.clone();
        wrong.lines[0].line_total = Money::inr(9100);
        let e = wrong.validate().unwrap_err();
        assert_eq!(e.field, "lines[0].line_total");
        assert!(e.message.contains("plus GST"), "{e}");
        let mut wrong = s;
        wrong.lines[0].tax.as_mut().unwrap().rate_bp = 1234;
        assert_eq!(wrong.validate().unwrap_err().field, "lines[0].tax.rate_bp");
    }

    #[test]
    fn bad_tenders_name_the_field() {
        let field = |s: SaleFact| s.validate().unwrap_err().field;
        let mut s = sale();
        s.tenders = vec![tender(TenderMethod::Card, 20000, Some("A1"))];
        assert_eq!(field(s), "tenders", "no change from a card");

        let mut s = sale();
        s.tenders = vec![tender(TenderMethod::Card, 15100, None)];
        s.change_due = Money::inr(0);
        assert_eq!(field(s), "tenders[0].reference");

        let mut s = sale();
        s.tenders[0].reference = Some("x".into());
        assert_eq!(field(s), "tenders[0].reference");

        let mut s = sale();
        s.tenders = vec![tender(TenderMethod::Upi, 15100, Some("  "))];
        s.change_due = Money::inr(0);
        assert_eq!(field(s), "tenders[0].reference");

        let mut s = sale();
        s.tenders = vec![tender(TenderMethod::Upi, 15000, Some("R1"))];
        s.rounding = Some(Money::inr(-100));
        s.change_due = Money::inr(0);
        assert_eq!(field(s), "rounding", "card-only bills are not rounded");

        let mut s = sale();
        s.rounding = Some(Money::inr(-900));
        s.change_due = Money::inr(5800);
        assert_eq!(field(s), "rounding");
    }

    #[test]
    fn a_consistent_sale_passes() {
        sale().validate().unwrap();
    }

    #[test]
    fn inconsistencies_name_the_field() {
        let mut s = sale();
        s.lines[1].line_total = Money::inr(6001);
        assert_eq!(s.validate().unwrap_err().field, "lines[1].line_total");
        let usd = crate::money::Currency::parse("USD").unwrap();
        let mut s = sale();
        s.lines[1].unit_price = Money::new(s.lines[1].unit_price.minor(), usd);
        let e = s.validate().unwrap_err();
        assert_eq!(e.field, "lines[1].unit_price.currency", "{e}");
        assert!(e.to_string().contains("USD"), "{e}");
        let mut s = sale();
        s.total = Money::new(s.total.minor(), usd);
        assert_eq!(s.validate().unwrap_err().field, "total.currency");
        let mut s = sale();
        s.tenders[0].amount = Money::new(s.tenders[0].amount.minor(), usd);
        assert_eq!(
            s.validate().unwrap_err().field,
            "tenders[0].amount.currency"
        );

        let mut s = sale();
        s.total = Money::inr(1);
        assert_eq!(s.validate().unwrap_err().field, "total");

        let mut s = sale();
        s.tenders[0].amount = Money::inr(100);
        assert_eq!(s.validate().unwrap_err().field, "tenders");

        let mut s = sale();
        s.change_due = Money::inr(0);
        assert_eq!(s.validate().unwrap_err().field, "change_due");

        let mut s = sale();
        s.lines[0].qty = Qty::ZERO;
        assert_eq!(s.validate().unwrap_err().field, "lines[0].qty");

        let mut s = sale();
        s.lines.clear();
        assert_eq!(s.validate().unwrap_err().field, "lines");
    }
}
