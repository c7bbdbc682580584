//! A return: goods brought back against an earlier sale, their stock back on
//! the shelf and the money refunded.
//!
//! Refunds are shares of what the customer paid for the line: returning `k` of
//! `n` units refunds the line's amount (and each of its tax parts) times
//! `k / n`, taken cumulatively, so returns of a line in several parts refund
//! exactly what was paid once all units are back, and never more.

use crate::sale::{SaleLine, Tender, TenderMethod};
use crate::tax::LineTax;
use crate::{
    Gtin, Money, MoneyError, MovementId, Qty, ReturnId, SaleId, StoreId, TerminalId, Timestamp,
    VariantId,
};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLine {
    /// The stock movement putting the goods back (`+qty`).
    pub movement_id: MovementId,
    /// Which line of the original sale, by position.
    pub sale_line: usize,
    pub variant_id: VariantId,
    pub barcode: Gtin,
    pub name: String,
    pub qty: Qty,
    /// What the customer gets back for this line.
    pub refund: Money,
    /// The GST reversed, when the line was taxed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub tax: Option<LineTax>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnFact {
    pub return_id: ReturnId,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    /// From the terminal's receipt sequence, like a sale's.
    pub receipt_no: String,
    pub original_sale_id: SaleId,
    pub original_receipt_no: String,
    pub occurred_at: Timestamp,
    pub reason: String,
    pub lines: Vec<ReturnLine>,
    pub total: Money,
    pub refunds: Vec<Tender>,
    /// What a cash refund was rounded by to the store's cash unit (half up,
    /// as a sale's); the customer gets `total + rounding`. Only with a cash
    /// refund; absent from returns of tills that do not round them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub rounding: Option<Money>,
}

/// Why a return's figures do not agree; `field` names the culprit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ReturnError {
    pub field: String,
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> ReturnError {
    ReturnError {
        field: field.into(),
        message: message.into(),
    }
}

/// `value × part / whole`, rounded half up (amounts here are never negative).
fn share(value: i64, part: Qty, whole: Qty) -> i64 {
    let num = i128::from(value) * i128::from(part.milli());
    let den = i128::from(whole.milli());
    ((2 * num + den) / (2 * den)) as i64
}

/// The refund for returning `qty` more units of `line`, `before` units having
/// been returned already: the cumulative share up to `before + qty` minus the
/// share up to `before`, for the amount and for each tax part.
pub fn refund_for(line: &SaleLine, before: Qty, qty: Qty) -> (Money, Option<LineTax>) {
    let after = before.checked_add(qty).unwrap_or(line.qty);
    let cut = |m: Money| {
        Money::new(
            share(m.minor(), after, line.qty) - share(m.minor(), before, line.qty),
            m.currency(),
        )
    };
    match &line.tax {
        None => (cut(line.line_total), None),
        Some(t) => {
            let (cgst, sgst, igst) = (cut(t.cgst), cut(t.sgst), cut(t.igst));
            let refund = cut(line.line_total);
            // Taxable is what is left, so the parts add up to the refund exactly.
            let taxable = Money::new(
                refund.minor() - cgst.minor() - sgst.minor() - igst.minor(),
                refund.currency(),
            );
            (
                refund,
                Some(LineTax {
                    taxable,
                    cgst,
                    sgst,
                    igst,
                    ..t.clone()
                }),
            )
        }
    }
}

impl ReturnFact {
    /// What the customer gets back: the total plus any cash rounding.
    pub fn refundable(&self) -> Result<Money, MoneyError> {
        match self.rounding {
            Some(r) => self.total.checked_add(r),
            None => Ok(self.total),
        }
    }

    /// Checks the return's own figures: lines, tax parts, total and refunds.
    pub fn validate(&self) -> Result<(), ReturnError> {
        if self.lines.is_empty() {
            return Err(err("lines", "a return needs at least one line"));
        }
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(err(
                "reason",
                "a return needs a reason of 1 to 200 characters",
            ));
        }
        let cur = self.total.currency();
        let money = |field: String| move |e: MoneyError| err(field.clone(), e.to_string());
        for (i, line) in self.lines.iter().enumerate() {
            if !line.qty.is_positive() {
                return Err(err(format!("lines[{i}].qty"), "quantity must be positive"));
            }
            if line.refund.is_negative() || line.refund.currency() != cur {
                return Err(err(
                    format!("lines[{i}].refund"),
                    format!("the refund must be a {cur} amount of zero or more"),
                ));
            }
            if let Some(t) = &line.tax {
                let parts = t
                    .taxable
                    .checked_add(t.total().map_err(money(format!("lines[{i}].tax")))?)
                    .map_err(money(format!("lines[{i}].tax")))?;
                if parts != line.refund {
                    return Err(err(
                        format!("lines[{i}].tax"),
                        format!(
                            "taxable and GST add up to {parts}, not the refund {}",
                            line.refund
                        ),
                    ));
                }
            }
        }
        let sum =
            Money::sum(cur, self.lines.iter().map(|l| &l.refund)).map_err(money("lines".into()))?;
        if sum != self.total {
            return Err(err(
                "total",
                format!("lines add up to {sum}, not {}", self.total),
            ));
        }
        if self.refunds.is_empty() && self.total.minor() > 0 {
            return Err(err(
                "refunds",
                "a return with money due needs at least one refund",
            ));
        }
        for (i, r) in self.refunds.iter().enumerate() {
            if !r.amount.minor().is_positive() || r.amount.currency() != cur {
                return Err(err(
                    format!("refunds[{i}].amount"),
                    "a refund must be positive",
                ));
            }
            // Back on the account it was put on: the original sale names it.
            if matches!(r.method, TenderMethod::Credit | TenderMethod::Points)
                && r.reference.is_some()
            {
                return Err(err(
                    format!("refunds[{i}].reference"),
                    "a refund to the customer's account takes no reference",
                ));
            }
            if !matches!(
                r.method,
                TenderMethod::Cash | TenderMethod::Credit | TenderMethod::Points
            ) && r.reference.as_deref().is_none_or(|s| s.trim().is_empty())
            {
                return Err(err(
                    format!("refunds[{i}].reference"),
                    format!(
                        "a {} refund needs the reference of the original payment",
                        r.method.label()
                    ),
                ));
            }
        }
        if let Some(r) = self.rounding {
            if r.currency() != cur {
                return Err(err("rounding", format!("the rounding must be in {cur}")));
            }
            if !self.refunds.iter().any(|t| t.method == TenderMethod::Cash) {
                return Err(err("rounding", "only a cash refund is rounded"));
            }
            if r.minor().abs() > crate::sale::MAX_ROUNDING_MINOR {
                return Err(err(
                    "rounding",
                    format!("a rounding of {r} is more than the largest cash unit allows"),
                ));
            }
        }
        let due = self.refundable().map_err(money("rounding".into()))?;
        let refunded = Money::sum(cur, self.refunds.iter().map(|r| &r.amount))
            .map_err(money("refunds".into()))?;
        if refunded != due {
            return Err(err(
                "refunds",
                format!("refunds add up to {refunded}, not the {due} due"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tax::{line_tax, TaxClass};

    fn taxed_line(unit: i64, qty: &str, rate_bp: u32, inclusive: bool) -> SaleLine {
        let qty = Qty::parse(qty).unwrap();
        let net = Money::inr(unit).times(qty).unwrap();
        let class = TaxClass {
            rate_bp,
            inclusive,
            hsn: None,
        };
        let tax = line_tax(net, &class, false).unwrap();
        SaleLine {
            movement_id: MovementId::new(),
            variant_id: VariantId::new(),
            barcode: Gtin::parse("4006381333931").unwrap(),
            name: "Item".into(),
            qty,
            unit_price: Money::inr(unit),
            line_total: tax.gross(net).unwrap(),
            tax: Some(tax),
            discount: None,
            price_override: None,
            modifiers: Vec::new(),
            batch: None,
            expires_on: None,
        }
    }

    #[test]
    fn returns_in_parts_refund_exactly_what_was_paid() {
        // 3 × 0.05 at 18 % exclusive: paid 0.15 + 0.01 + 0.01 = 0.17.
        let line = taxed_line(5, "3", 1800, false);
        assert_eq!(line.line_total, Money::inr(17));
        let one = Qty::units(1);
        let parts: Vec<(Money, Option<LineTax>)> = (0..3)
            .map(|k| refund_for(&line, Qty::units(k), one))
            .collect();
        // Shares of 17 at 1/3, 2/3, 3/3: 6, 11, 17 → 6 + 5 + 6.
        assert_eq!(
            parts.iter().map(|p| p.0.minor()).collect::<Vec<_>>(),
            [6, 5, 6]
        );
        let total: i64 = parts.iter().map(|p| p.0.minor()).sum();
        assert_eq!(total, 17);
        for (refund, tax) in &parts {
            let t = tax.as_ref().unwrap();
            assert_eq!(
                t.taxable.minor() + t.cgst.minor() + t.sgst.minor(),
                refund.minor()
            );
        }
        let cgst: i64 = parts
            .iter()
            .map(|p| p.1.as_ref().unwrap().cgst.minor())
            .sum();
        assert_eq!(cgst, 1, "the tax reversed adds up to the tax charged");

        // The whole line at once is the whole line.
        let (all, tax) = refund_for(&line, Qty::ZERO, Qty::units(3));
        assert_eq!((all, tax.as_ref()), (line.line_total, line.tax.as_ref()));
    }

    #[test]
    fn a_return_must_add_up() {
        let line = taxed_line(10_000, "2", 500, true);
        let (refund, tax) = refund_for(&line, Qty::ZERO, Qty::units(1));
        let fact = ReturnFact {
            return_id: ReturnId::new(),
            store_id: StoreId::new(),
            terminal_id: TerminalId::new(),
            receipt_no: "T1-000009".into(),
            original_sale_id: SaleId::new(),
            original_receipt_no: "T1-000001".into(),
            occurred_at: Timestamp::now(),
            reason: "damaged".into(),
            lines: vec![ReturnLine {
                movement_id: MovementId::new(),
                sale_line: 0,
                variant_id: line.variant_id,
                barcode: line.barcode.clone(),
                name: line.name.clone(),
                qty: Qty::units(1),
                refund,
                tax,
            }],
            total: refund,
            refunds: vec![Tender {
                method: TenderMethod::Cash,
                amount: refund,
                reference: None,
            }],
            rounding: None,
        };
        fact.validate().unwrap();
        let mut bad = fact.clone();
        bad.total = Money::inr(1);
        assert_eq!(bad.validate().unwrap_err().field, "total");
        let mut bad = fact.clone();
        bad.lines[0].tax.as_mut().unwrap().cgst = Money::inr(0);
        assert_eq!(bad.validate().unwrap_err().field, "lines[0].tax");
        let mut bad = fact.clone();
        bad.refunds[0].method = TenderMethod::Card;
        assert_eq!(bad.validate().unwrap_err().field, "refunds[0].reference");
        let mut bad = fact.clone();
        bad.reason = " ".into();
        assert_eq!(bad.validate().unwrap_err().field, "reason");

        // A cash refund rounded to the rupee: refunds = total + rounding.
        let mut rounded = fact.clone();
        let r = Money::inr(100 - refund.minor().rem_euclid(100));
        rounded.rounding = Some(r);
        rounded.refunds[0].amount = refund.checked_add(r).unwrap();
        rounded.validate().unwrap();
        let mut bad = rounded.clone();
        bad.refunds[0].amount = refund;
        assert_eq!(bad.validate().unwrap_err().field, "refunds");
        let mut bad = rounded.clone();
        bad.refunds[0].method = TenderMethod::Card;
        bad.refunds[0].reference = Some("AUTH1".into());
        assert_eq!(bad.validate().unwrap_err().field, "rounding");
        let mut bad = rounded;
        bad.rounding = Some(Money::inr(900));
        bad.refunds[0].amount = refund.checked_add(Money::inr(900)).unwrap();
        assert_eq!(bad.validate().unwrap_err().field, "rounding");
        // An old till's return, without the field, still parses.
        let mut json = serde_json::to_value(&fact).unwrap();
        assert!(json.get("rounding").is_none());
        json.as_object_mut().unwrap().remove("rounding");
        let back: ReturnFact = serde_json::from_value(json).unwrap();
        assert_eq!(back, fact);
    }
}
