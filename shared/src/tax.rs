//! GST on a sale line: the tax class an item carries and the arithmetic the till
//! and the hub both run, so a line's tax is computed once and checked everywhere.
//!
//! Rules (stated here, tested with worked examples):
//! - Rates are basis points of the taxable value (500 = 5 %).
//! - Exclusive prices: the taxable value is the line's net amount; CGST and SGST
//!   are each half the rate on it, each rounded half up to the paisa; the line
//!   costs net + CGST + SGST.
//! - Inclusive prices: the line's amount already holds the tax; the taxable value
//!   is amount × 10000 / (10000 + rate) rounded half up; the tax is the
//!   difference, split with the odd paisa going to CGST.
//! - IGST (inter-state supply) takes the whole tax instead of CGST and SGST.
//! - The bill's tax is the sum of its lines' tax; nothing is rounded twice.

use crate::{Money, MoneyError};
use serde::{Deserialize, Serialize};

/// The highest rate accepted, 40 %.
pub const MAX_RATE_BP: u32 = 4000;

/// How an item is taxed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxClass {
    /// GST rate in basis points: 0, 500, 1200, 1800, 2800, ….
    #[cfg_attr(feature = "openapi", schema(maximum = 4000, multiple_of = 5))]
    pub rate_bp: u32,
    /// Whether the item's price already includes the tax (MRP pricing).
    pub inclusive: bool,
    /// Harmonized System of Nomenclature code: 4, 6 or 8 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^([0-9]{4}|[0-9]{6}|[0-9]{8})$")
    )]
    pub hsn: Option<String>,
}

impl TaxClass {
    /// Checks the class; the error names the field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.rate_bp > MAX_RATE_BP || self.rate_bp % 5 != 0 {
            return Err((
                "rate_bp",
                format!(
                    "rate_bp {} is not a GST rate in basis points (0 to {MAX_RATE_BP}, in steps of 5)",
                    self.rate_bp
                ),
            ));
        }
        if let Some(hsn) = &self.hsn {
            if !matches!(hsn.len(), 4 | 6 | 8) || !hsn.bytes().all(|b| b.is_ascii_digit()) {
                return Err(("hsn", format!("HSN code {hsn:?} is not 4, 6 or 8 digits")));
            }
        }
        Ok(())
    }

    /// The rate as printed: `5`, `12`, `0.25`.
    pub fn rate_label(&self) -> String {
        let whole = self.rate_bp / 100;
        match self.rate_bp % 100 {
            0 => whole.to_string(),
            frac if frac % 10 == 0 => format!("{whole}.{}", frac / 10),
            frac => format!("{whole}.{frac:02}"),
        }
    }
}

/// A line's tax, as recorded on the sale.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineTax {
    pub rate_bp: u32,
    pub inclusive: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub hsn: Option<String>,
    pub taxable: Money,
    pub cgst: Money,
    pub sgst: Money,
    pub igst: Money,
}

impl LineTax {
    pub fn total(&self) -> Result<Money, MoneyError> {
        self.cgst.checked_add(self.sgst)?.checked_add(self.igst)
    }

    /// What the customer pays for a line whose net amount (price × qty) is `net`.
    pub fn gross(&self, net: Money) -> Result<Money, MoneyError> {
        if self.inclusive {
            Ok(net)
        } else {
            net.checked_add(self.total()?)
        }
    }
}

/// `value × num / den`, rounded half up (values are never negative here).
fn ratio(value: i64, num: i64, den: i64) -> Result<i64, MoneyError> {
    let p = i128::from(value) * i128::from(num);
    let d = i128::from(den);
    let q = (2 * p + d).div_euclid(2 * d);
    i64::try_from(q).map_err(|_| MoneyError::Overflow)
}

/// The tax on a line whose net amount (price × qty) is `net`.
pub fn line_tax(net: Money, class: &TaxClass, igst: bool) -> Result<LineTax, MoneyError> {
    let cur = net.currency();
    let rate = i64::from(class.rate_bp);
    let (taxable, cgst, sgst, igst_amount) = if class.inclusive {
        let taxable = ratio(net.minor(), 10_000, 10_000 + rate)?;
        let tax = net.minor() - taxable;
        if igst {
            (taxable, 0, 0, tax)
        } else {
            let cgst = (tax + 1) / 2;
            (taxable, cgst, tax - cgst, 0)
        }
    } else {
        let taxable = net.minor();
        if igst {
            (taxable, 0, 0, ratio(taxable, rate, 10_000)?)
        } else {
            let half = ratio(taxable, rate, 20_000)?;
            (taxable, half, half, 0)
        }
    };
    Ok(LineTax {
        rate_bp: class.rate_bp,
        inclusive: class.inclusive,
        hsn: class.hsn.clone(),
        taxable: Money::new(taxable, cur),
        cgst: Money::new(cgst, cur),
        sgst: Money::new(sgst, cur),
        igst: Money::new(igst_amount, cur),
    })
}

/// One row of the tax summary: the GST rate and what it comes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxRow {
    /// Percent as printed, e.g. `5` or `12`.
    pub rate: String,
    pub taxable: Money,
    pub cgst: Money,
    pub sgst: Money,
    pub igst: Money,
}

/// The bill's GST by rate (the printed receipt's summary and the hub's
/// receipt page alike), rates in ascending order.
pub fn tax_summary<'a>(
    taxes: impl Iterator<Item = &'a crate::tax::LineTax>,
    cur: crate::Currency,
) -> Vec<TaxRow> {
    let mut by_rate: std::collections::BTreeMap<u32, (String, [i64; 4])> = Default::default();
    for tax in taxes {
        let class = crate::tax::TaxClass {
            rate_bp: tax.rate_bp,
            inclusive: tax.inclusive,
            hsn: None,
        };
        let entry = by_rate
            .entry(tax.rate_bp)
            .or_insert_with(|| (class.rate_label(), [0; 4]));
        for (sum, part) in entry
            .1
            .iter_mut()
            .zip([tax.taxable, tax.cgst, tax.sgst, tax.igst])
        {
            *sum += part.minor();
        }
    }
    by_rate
        .into_values()
        .map(|(rate, [taxable, cgst, sgst, igst])| TaxRow {
            rate,
            taxable: Money::new(taxable, cur),
            cgst: Money::new(cgst, cur),
            sgst: Money::new(sgst, cur),
            igst: Money::new(igst, cur),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(rate_bp: u32, inclusive: bool) -> TaxClass {
        TaxClass {
            rate_bp,
            inclusive,
            hsn: None,
        }
    }

    /// (net paise, rate bp, inclusive) → (taxable, cgst, sgst), worked by hand.
    #[test]
    fn worked_examples() {
        let cases = [
            // Exclusive 18 % on ₹100.00: 9 % each = ₹9.00 + ₹9.00; pays ₹118.00.
            (10_000, 1800, false, (10_000, 900, 900)),
            // Exclusive 5 % on ₹99.99: 2.5 % = 249.975 paise → 250 each (half up).
            (9_999, 500, false, (9_999, 250, 250)),
            // Exclusive 12 % on ₹0.25: 6 % = 1.5 paise → 2 each.
            (25, 1200, false, (25, 2, 2)),
            // Exclusive 12 % on ₹0.24: 6 % = 1.44 paise → 1 each.
            (24, 1200, false, (24, 1, 1)),
            // Inclusive 5 % on ₹105.00: taxable 10500 / 1.05 = 10000; tax 500 → 250 + 250.
            (10_500, 500, true, (10_000, 250, 250)),
            // Inclusive 18 % on ₹100.00: 10000 / 1.18 = 8474.576 → 8475; tax 1525 → 763 + 762.
            (10_000, 1800, true, (8_475, 763, 762)),
            // Inclusive 28 % on ₹1.00: 100 / 1.28 = 78.125 → 78; tax 22 → 11 + 11.
            (100, 2800, true, (78, 11, 11)),
            // Inclusive 12 % on ₹0.56: 56 / 1.12 = 50.0 exactly; tax 6 → 3 + 3.
            (56, 1200, true, (50, 3, 3)),
            // Inclusive 5 % on ₹0.21: 21 / 1.05 = 20.0; tax 1 → the odd paisa to CGST.
            (21, 500, true, (20, 1, 0)),
            // Zero-rated: all taxable, no tax.
            (4_000, 0, true, (4_000, 0, 0)),
        ];
        for (net, rate, inclusive, (taxable, cgst, sgst)) in cases {
            let t = line_tax(Money::inr(net), &class(rate, inclusive), false).unwrap();
            assert_eq!(
                (
                    t.taxable.minor(),
                    t.cgst.minor(),
                    t.sgst.minor(),
                    t.igst.minor()
                ),
                (taxable, cgst, sgst, 0),
                "{net} at {rate} bp inclusive={inclusive}"
            );
        }
        // What the customer pays.
        let ex = line_tax(Money::inr(10_000), &class(1800, false), false).unwrap();
        assert_eq!(ex.gross(Money::inr(10_000)).unwrap(), Money::inr(11_800));
        let inc = line_tax(Money::inr(10_000), &class(1800, true), false).unwrap();
        assert_eq!(inc.gross(Money::inr(10_000)).unwrap(), Money::inr(10_000));
    }

    #[test]
    fn igst_takes_the_whole_tax() {
        // Exclusive 18 % IGST on ₹99.99: 1799.82 → 1800 paise.
        let t = line_tax(Money::inr(9_999), &class(1800, false), true).unwrap();
        assert_eq!(
            (t.cgst.minor(), t.sgst.minor(), t.igst.minor()),
            (0, 0, 1_800)
        );
        // Inclusive 12 % IGST on ₹112.00: taxable 10000, IGST 1200.
        let t = line_tax(Money::inr(11_200), &class(1200, true), true).unwrap();
        assert_eq!((t.taxable.minor(), t.igst.minor()), (10_000, 1_200));
    }

    #[test]
    fn classes_are_validated_and_labelled() {
        assert!(class(1800, false).validate().is_ok());
        assert_eq!(class(1234, false).validate().unwrap_err().0, "rate_bp");
        assert_eq!(class(4500, false).validate().unwrap_err().0, "rate_bp");
        let mut c = class(500, true);
        c.hsn = Some("1006".into());
        assert!(c.validate().is_ok());
        c.hsn = Some("10a6".into());
        assert_eq!(c.validate().unwrap_err().0, "hsn");
        c.hsn = Some("10063".into());
        assert_eq!(c.validate().unwrap_err().0, "hsn");
        assert_eq!(class(500, true).rate_label(), "5");
        assert_eq!(class(25, true).rate_label(), "0.25");
        assert_eq!(class(150, true).rate_label(), "1.5");
    }
}
