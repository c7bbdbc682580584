//! The completed sale: an immutable fact written at the till and uploaded to the hub.
//!
//! The same arithmetic check runs on both sides: the till before it commits, the
//! hub before it accepts. A sale whose numbers do not add up is refused for good.

use crate::{
    Gtin, Money, MoneyError, MovementId, Qty, SaleId, StoreId, TerminalId, Timestamp, VariantId,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleLine {
    /// The stock movement this line makes; minted with the sale.
    pub movement_id: MovementId,
    pub variant_id: VariantId,
    pub barcode: Gtin,
    pub name: String,
    pub qty: Qty,
    pub unit_price: Money,
    pub line_total: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenderMethod {
    Cash,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tender {
    pub method: TenderMethod,
    pub amount: Money,
}

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

impl SaleFact {
    /// Checks that lines, total, tenders and change agree exactly.
    pub fn validate(&self) -> Result<(), SaleError> {
        if self.lines.is_empty() {
            return Err(SaleError::new("lines", "a sale needs at least one line"));
        }
        let currency = self.total.currency();
        for (i, line) in self.lines.iter().enumerate() {
            if !line.qty.is_positive() {
                return Err(SaleError::new(
                    format!("lines[{i}].qty"),
                    "quantity must be positive",
                ));
            }
            let field = format!("lines[{i}].line_total");
            let expected = line.unit_price.times(line.qty).map_err(money_err(&field))?;
            if expected != line.line_total {
                return Err(SaleError::new(
                    field,
                    format!(
                        "{} × {} is {expected}, not {}",
                        line.unit_price, line.qty, line.line_total
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
        }
        let tendered = Money::sum(currency, self.tenders.iter().map(|t| &t.amount))
            .map_err(money_err("tenders"))?;
        let change = tendered
            .checked_sub(self.total)
            .map_err(money_err("tenders"))?;
        if change.is_negative() {
            return Err(SaleError::new(
                "tenders",
                format!("tendered {tendered} is short of the total {}", self.total),
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
            }],
            change_due: Money::inr(4900),
        }
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
