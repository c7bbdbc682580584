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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenderTotal {
    pub method: TenderMethod,
    pub count: u64,
    pub amount: Money,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxTotal {
    pub rate_bp: u32,
    pub taxable: Money,
    pub cgst: Money,
    pub sgst: Money,
    pub igst: Money,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftReport {
    pub shift_id: ShiftId,
    pub store_id: StoreId,
    pub terminal_id: TerminalId,
    pub opened_by: String,
    pub opened_at: Timestamp,
    /// Set on the Z report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub closed_at: Option<Timestamp>,
    pub opening_float: Money,
    pub sales_count: u64,
    /// Sum of the sales' totals, before cash rounding.
    pub sales_total: Money,
    /// Sum of the cash rounding on those sales.
    pub rounding: Money,
    /// Tendered per method, in the order cash, card, UPI, on account;
    /// methods not used left out.
    pub tenders: Vec<TenderTotal>,
    pub change_given: Money,
    /// Taken off lines and bills, before GST.
    pub discounts_total: Money,
    pub returns_count: u64,
    /// Refunded on returns, in all (after the cash rounding of refunds).
    pub refunds_total: Money,
    /// Refunded per method, in the order cash, card, UPI.
    pub refunds: Vec<TenderTotal>,
    /// Dues customers paid against their credit accounts, per method (cash,
    /// card, UPI); the cash is in the drawer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub dues_received: Vec<TenderTotal>,
    /// GST by rate, net of returns, rates ascending.
    pub tax: Vec<TaxTotal>,
    pub cash_in: Money,
    pub cash_out: Money,
    /// Float + cash taken − change − cash refunded + dues paid in cash + cash
    /// in − cash out.
    pub expected_cash: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub counted_cash: Option<Money>,
    /// Counted − expected: negative is a shortage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
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
        dues: &[crate::credit::DuesPayment],
        cash_in: Money,
        cash_out: Money,
    ) -> Result<Self, MoneyError> {
        let cur = opening_float.currency();
        // Sums run in i128, so no number of sales can overflow them; a figure
        // that does not fit an i64 at the end is an error, never a wrap.
        let mut sales_total = 0i128;
        let mut rounding = 0i128;
        let mut change = 0i128;
        let mut discounts = 0i128;
        let mut tenders = [(0u64, 0i128); METHODS.len()];
        let mut tax: std::collections::BTreeMap<u32, [i128; 4]> = Default::default();
        for sale in sales {
            if sale.total.currency() != cur {
                return Err(MoneyError::CurrencyMismatch(cur, sale.total.currency()));
            }
            sales_total += i128::from(sale.total.minor());
            rounding += i128::from(sale.rounding.map_or(0, |r| r.minor()));
            change += i128::from(sale.change_due.minor());
            for t in &sale.tenders {
                let slot = &mut tenders[method_index(t.method)];
                slot.0 += 1;
                slot.1 += i128::from(t.amount.minor());
            }
            for line in &sale.lines {
                if let Some(d) = &line.discount {
                    discounts += i128::from(d.amount.minor());
                }
                if let Some(line_tax) = &line.tax {
                    add_tax(&mut tax, line_tax, 1);
                }
            }
        }
        let mut refunds = [(0u64, 0i128); METHODS.len()];
        let mut refunds_total = 0i128;
        for ret in returns {
            if ret.total.currency() != cur {
                return Err(MoneyError::CurrencyMismatch(cur, ret.total.currency()));
            }
            // What went back to the customer, cash rounding included.
            refunds_total +=
                i128::from(ret.total.minor()) + i128::from(ret.rounding.map_or(0, |r| r.minor()));
            for r in &ret.refunds {
                let slot = &mut refunds[method_index(r.method)];
                slot.0 += 1;
                slot.1 += i128::from(r.amount.minor());
            }
            for line_tax in ret.lines.iter().filter_map(|l| l.tax.as_ref()) {
                add_tax(&mut tax, line_tax, -1);
            }
        }
        let mut dues_received = [(0u64, 0i128); METHODS.len()];
        for payment in dues {
            if payment.amount.currency() != cur {
                return Err(MoneyError::CurrencyMismatch(cur, payment.amount.currency()));
            }
            let slot = &mut dues_received[method_index(payment.method)];
            slot.0 += 1;
            slot.1 += i128::from(payment.amount.minor());
        }
        let m = |minor: i128| fit(minor, cur);
        let expected = i128::from(opening_float.minor()) + tenders[0].1 - change - refunds[0].1
            + dues_received[0].1
            + i128::from(cash_in.minor())
            - i128::from(cash_out.minor());
        let by_method =
            |totals: [(u64, i128); METHODS.len()]| -> Result<Vec<TenderTotal>, MoneyError> {
                METHODS
                    .iter()
                    .zip(totals)
                    .filter(|(_, (count, _))| *count > 0)
                    .map(|(method, (count, amount))| {
                        Ok(TenderTotal {
                            method: *method,
                            count,
                            amount: m(amount)?,
                        })
                    })
                    .collect()
            };
        let tax = tax
            .into_iter()
            .map(|(rate_bp, [taxable, cgst, sgst, igst])| {
                Ok(TaxTotal {
                    rate_bp,
                    taxable: m(taxable)?,
                    cgst: m(cgst)?,
                    sgst: m(sgst)?,
                    igst: m(igst)?,
                })
            })
            .collect::<Result<_, MoneyError>>()?;
        Ok(ShiftReport {
            shift_id,
            store_id,
            terminal_id,
            opened_by,
            opened_at,
            closed_at: None,
            opening_float,
            sales_count: sales.len() as u64,
            sales_total: m(sales_total)?,
            rounding: m(rounding)?,
            tenders: by_method(tenders)?,
            change_given: m(change)?,
            discounts_total: m(discounts)?,
            returns_count: returns.len() as u64,
            refunds_total: m(refunds_total)?,
            refunds: by_method(refunds)?,
            dues_received: by_method(dues_received)?,
            tax,
            cash_in,
            cash_out,
            expected_cash: m(expected)?,
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
                .map_or(0, |t| i128::from(t.amount.minor()))
        };
        // In i128: a report that came off the wire may hold any i64s at all.
        let expected = i128::from(self.opening_float.minor()) + cash_of(&self.tenders)
            - cash_of(&self.refunds)
            + cash_of(&self.dues_received)
            - i128::from(self.change_given.minor())
            + i128::from(self.cash_in.minor())
            - i128::from(self.cash_out.minor());
        if expected != i128::from(self.expected_cash.minor()) {
            return Err(err(
                "expected_cash",
                format!(
                    "float, cash taken, dues paid in cash and cash in/out come to {expected} {cur} in minor units, not {}",
                    self.expected_cash
                ),
            ));
        }
        if i128::from(counted.minor()) - expected != i128::from(variance.minor()) {
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
    sums: &mut std::collections::BTreeMap<u32, [i128; 4]>,
    tax: &crate::tax::LineTax,
    sign: i128,
) {
    let entry = sums.entry(tax.rate_bp).or_default();
    for (sum, part) in entry
        .iter_mut()
        .zip([tax.taxable, tax.cgst, tax.sgst, tax.igst])
    {
        *sum += sign * i128::from(part.minor());
    }
}

/// A sum as money, or [`MoneyError::Overflow`] when it leaves an `i64`.
fn fit(minor: i128, currency: Currency) -> Result<Money, MoneyError> {
    i64::try_from(minor)
        .map(|m| Money::new(m, currency))
        .map_err(|_| MoneyError::Overflow)
}

const METHODS: [TenderMethod; 5] = [
    TenderMethod::Cash,
    TenderMethod::Card,
    TenderMethod::Upi,
    TenderMethod::Credit,
    TenderMethod::Points,
];

fn method_index(m: TenderMethod) -> usize {
    match m {
        TenderMethod::Cash => 0,
        TenderMethod::Card => 1,
        TenderMethod::Upi => 2,
        TenderMethod::Credit => 3,
        TenderMethod::Points => 4,
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

    /// A report off the wire may carry any figures at all: every sum is
    /// checked, so the worst a hostile report gets is a refusal naming a field.
    #[test]
    fn figures_at_the_edge_of_an_i64_are_refused_not_overflowed() {
        let z = ShiftReport::compute(
            ShiftId::new(),
            StoreId::new(),
            TerminalId::new(),
            "Asha".into(),
            Timestamp::now(),
            Money::inr(0),
            &[],
            &[],
            &[],
            Money::inr(0),
            Money::inr(0),
        )
        .unwrap()
        .close(Money::inr(0), Timestamp::now())
        .unwrap();
        let big = Money::inr(i64::MAX);
        let cash = |amount| TenderTotal {
            method: TenderMethod::Cash,
            count: 1,
            amount,
        };
        let mut bad = z.clone();
        bad.tenders = vec![cash(big), cash(big)];
        assert_eq!(bad.validate_closed().unwrap_err().field, "tenders");
        let mut bad = z.clone();
        bad.tenders = vec![cash(big)];
        bad.sales_total = big;
        bad.expected_cash = big;
        bad.cash_in = big;
        bad.counted_cash = Some(big);
        bad.variance = Some(Money::inr(0));
        assert_eq!(bad.validate_closed().unwrap_err().field, "expected_cash");
        let mut bad = z;
        bad.opening_float = big;
        bad.expected_cash = big;
        bad.counted_cash = Some(Money::inr(0));
        bad.variance = Some(Money::inr(i64::MIN));
        assert_eq!(bad.validate_closed().unwrap_err().field, "variance");
    }
}
