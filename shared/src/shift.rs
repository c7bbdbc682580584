//! A shift's report: what a terminal took between opening float and close.
//!
//! The X report is the same figures mid-shift; the Z report closes the shift
//! with the counted cash and is uploaded as a fact. Both sides check that the
//! report's own figures agree, so a damaged report is refused for good.

use crate::returns::ReturnFact;
use crate::sale::{SaleFact, TenderMethod};
use crate::{Currency, Money, MoneyError, ShiftId, StoreId, TerminalId, Timestamp};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenderTotal {
    pub method: TenderMethod,
    pub count: u64,
    pub amount: Money,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxTotal {
    pub rate_bp: u32,
    pub taxable: Money,
    pub cgst: Money,
    pub sgst: Money,
    pub igst: Money,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftReport {
    pub shift_id: ShiftId,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub opened_by: String,
    pub opened_at: Timestamp,
    /// Set on the Z report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
    pub opening_float: Money,
    pub sales_count: u64,
    /// Sum of the sales' totals, before cash rounding.
    pub sales_total: Money,
    /// Sum of the cash rounding on those sales.
    pub rounding: Money,
    /// Tendered per method, in the order cash, card, UPI; methods not used left out.
    pub tenders: Vec<TenderTotal>,
    pub change_given: Money,
    /// Taken off lines and bills, before GST.
    pub discounts_total: Money,
    pub returns_count: u64,
    /// Refunded on returns, in all.
    pub refunds_total: Money,
    /// Refunded per method, in the order cash, card, UPI.
    pub refunds: Vec<TenderTotal>,
    /// GST by rate, net of returns, rates ascending.
    pub tax: Vec<TaxTotal>,
    pub cash_in: Money,
    pub cash_out: Money,
    /// Float + cash taken − change − cash refunded + cash in − cash out.
    pub expected_cash: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counted_cash: Option<Money>,
    /// Counted − expected: negative is a shortage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variance: Option<Money>,
}

/// Why a report's figures do not agree; `field` names the culprit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ShiftError {
    pub field: &'static str,
    pub message: String,
}

fn err(field: &'static str, message: impl Into<String>) -> ShiftError {
    ShiftError {
        field,
        message: message.into(),
    }
}

fn money_err(field: &'static str) -> impl Fn(MoneyError) -> ShiftError {
    move |e| err(field, e.to_string())
}

impl ShiftReport {
    /// The report for a shift from its sales and cash movements.
    #[allow(clippy::too_many_arguments)]
    pub fn compute(
        shift_id: ShiftId,
        store_id: StoreId,
        terminal_id: TerminalId,
        opened_by: String,
        opened_at: Timestamp,
        opening_float: Money,
        sales: &[SaleFact],
        returns: &[ReturnFact],
        cash_in: Money,
        cash_out: Money,
    ) -> Result<Self, MoneyError> {
        let cur = opening_float.currency();
        let mut sales_total = 0i64;
        let mut rounding = 0i64;
        let mut change = 0i64;
        let mut tenders: [(u64, i64); 3] = [(0, 0); 3];
        let mut tax: std::collections::BTreeMap<u32, [i64; 4]> = Default::default();
        for sale in sales {
            if sale.total.currency() != cur {
                return Err(MoneyError::CurrencyMismatch(cur, sale.total.currency()));
            }
            sales_total += sale.total.minor();
            rounding += sale.rounding.map_or(0, |r| r.minor());
            change += sale.change_due.minor();
            for t in &sale.tenders {
                let slot = &mut tenders[method_index(t.method)];
                slot.0 += 1;
                slot.1 += t.amount.minor();
            }
            for line_tax in sale.lines.iter().filter_map(|l| l.tax.as_ref()) {
                add_tax(&mut tax, line_tax, 1);
            }
        }
        let mut refunds: [(u64, i64); 3] = [(0, 0); 3];
        for ret in returns {
            if ret.total.currency() != cur {
                return Err(MoneyError::CurrencyMismatch(cur, ret.total.currency()));
            }
            for r in &ret.refunds {
                let slot = &mut refunds[method_index(r.method)];
                slot.0 += 1;
                slot.1 += r.amount.minor();
            }
            for line_tax in ret.lines.iter().filter_map(|l| l.tax.as_ref()) {
                add_tax(&mut tax, line_tax, -1);
            }
        }
        let m = |minor| Money::new(minor, cur);
        let cash_taken = tenders[0].1 - change - refunds[0].1;
        let expected = opening_float.minor() + cash_taken + cash_in.minor() - cash_out.minor();
        let by_method = |totals: [(u64, i64); 3]| -> Vec<TenderTotal> {
            METHODS
                .iter()
                .zip(totals)
                .filter(|(_, (count, _))| *count > 0)
                .map(|(method, (count, amount))| TenderTotal {
                    method: *method,
                    count,
                    amount: m(amount),
                })
                .collect()
        };
        Ok(ShiftReport {
            shift_id,
            store_id,
            terminal_id,
            opened_by,
            opened_at,
            closed_at: None,
            opening_float,
            sales_count: sales.len() as u64,
            sales_total: m(sales_total),
            rounding: m(rounding),
            tenders: by_method(tenders),
            change_given: m(change),
            discounts_total: m(sales
                .iter()
                .flat_map(|s| &s.lines)
                .filter_map(|l| l.discount.as_ref())
                .map(|d| d.amount.minor())
                .sum()),
            returns_count: returns.len() as u64,
            refunds_total: m(returns.iter().map(|r| r.total.minor()).sum()),
            refunds: by_method(refunds),
            tax: tax
                .into_iter()
                .map(|(rate_bp, [taxable, cgst, sgst, igst])| TaxTotal {
                    rate_bp,
                    taxable: m(taxable),
                    cgst: m(cgst),
                    sgst: m(sgst),
                    igst: m(igst),
                })
                .collect(),
            cash_in,
            cash_out,
            expected_cash: m(expected),
            counted_cash: None,
            variance: None,
        })
    }

    /// Closes the report with the cash the cashier counted.
    pub fn close(mut self, counted: Money, at: Timestamp) -> Result<Self, MoneyError> {
        self.variance = Some(counted.checked_sub(self.expected_cash)?);
        self.counted_cash = Some(counted);
        self.closed_at = Some(at);
        Ok(self)
    }

    /// Checks a closed report's figures against each other.
    pub fn validate_closed(&self) -> Result<(), ShiftError> {
        let cur: Currency = self.opening_float.currency();
        let (Some(_), Some(counted), Some(variance)) =
            (self.closed_at, self.counted_cash, self.variance)
        else {
            return Err(err(
                "closed_at",
                "a Z report needs its close time, counted cash and variance",
            ));
        };
        for (field, amount) in [
            ("opening_float", self.opening_float),
            ("cash_in", self.cash_in),
            ("cash_out", self.cash_out),
            ("counted_cash", counted),
        ] {
            if amount.is_negative() || amount.currency() != cur {
                return Err(err(
                    field,
                    format!("{amount} is not a {cur} amount of zero or more"),
                ));
            }
        }
        let tendered = Money::sum(cur, self.tenders.iter().map(|t| &t.amount))
            .map_err(money_err("tenders"))?;
        let paid = self
            .sales_total
            .checked_add(self.rounding)
            .and_then(|p| p.checked_add(self.change_given))
            .map_err(money_err("sales_total"))?;
        if tendered != paid {
            return Err(err(
                "tenders",
                format!(
                    "tenders add up to {tendered}, but sales, rounding and change come to {paid}"
                ),
            ));
        }
        let refunded = Money::sum(cur, self.refunds.iter().map(|t| &t.amount))
            .map_err(money_err("refunds"))?;
        if refunded != self.refunds_total {
            return Err(err(
                "refunds",
                format!(
                    "refunds by method add up to {refunded}, not {}",
                    self.refunds_total
                ),
            ));
        }
        let cash_of = |totals: &[TenderTotal]| {
            totals
                .iter()
                .find(|t| t.method == TenderMethod::Cash)
                .map_or(0, |t| t.amount.minor())
        };
        let cash = cash_of(&self.tenders) - cash_of(&self.refunds);
        let expected = self.opening_float.minor() + cash - self.change_given.minor()
            + self.cash_in.minor()
            - self.cash_out.minor();
        if expected != self.expected_cash.minor() {
            return Err(err(
                "expected_cash",
                format!(
                    "float, cash taken and cash in/out come to {}, not {}",
                    Money::new(expected, cur),
                    self.expected_cash
                ),
            ));
        }
        if counted.minor() - expected != variance.minor() {
            return Err(err(
                "variance",
                "variance is not counted minus expected cash",
            ));
        }
        Ok(())
    }
}

/// Adds (`sign` 1) or takes back (`sign` −1) one line's GST in the per-rate sums.
fn add_tax(
    sums: &mut std::collections::BTreeMap<u32, [i64; 4]>,
    tax: &crate::tax::LineTax,
    sign: i64,
) {
    let entry = sums.entry(tax.rate_bp).or_default();
    for (sum, part) in entry
        .iter_mut()
        .zip([tax.taxable, tax.cgst, tax.sgst, tax.igst])
    {
        *sum += sign * part.minor();
    }
}

const METHODS: [TenderMethod; 3] = [TenderMethod::Cash, TenderMethod::Card, TenderMethod::Upi];

fn method_index(m: TenderMethod) -> usize {
    match m {
        TenderMethod::Cash => 0,
        TenderMethod::Card => 1,
        TenderMethod::Upi => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_report_must_add_up() {
        let z = ShiftReport::compute(
            ShiftId::new(),
            StoreId::new(),
            TerminalId::new(),
            "Asha".into(),
            Timestamp::now(),
            Money::inr(100_000),
            &[],
            &[],
            Money::inr(5_000),
            Money::inr(20_000),
        )
        .unwrap();
        // 1000.00 float + 50.00 in − 200.00 out.
        assert_eq!(z.expected_cash, Money::inr(85_000));
        assert_eq!(
            z.validate_closed().unwrap_err().field,
            "closed_at",
            "an X report is not closed"
        );
        let z = z.close(Money::inr(84_900), Timestamp::now()).unwrap();
        assert_eq!(z.variance, Some(Money::inr(-100)));
        z.validate_closed().unwrap();

        let mut bad = z.clone();
        bad.variance = Some(Money::inr(0));
        assert_eq!(bad.validate_closed().unwrap_err().field, "variance");
        let mut bad = z.clone();
        bad.cash_out = Money::inr(-1);
        assert_eq!(bad.validate_closed().unwrap_err().field, "cash_out");
        let mut bad = z;
        bad.tenders.push(TenderTotal {
            method: TenderMethod::Card,
            count: 1,
            amount: Money::inr(100),
        });
        assert_eq!(bad.validate_closed().unwrap_err().field, "tenders");
    }
}
