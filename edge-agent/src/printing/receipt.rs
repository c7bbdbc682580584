//! The receipt: what a customer's slip says, built from the sale or the
//! return; [`super::layout`] lays it out for a paper width.

use pos_shared::returns::ReturnFact;
use pos_shared::sale::{SaleFact, TenderMethod};
use pos_shared::{Money, Qty};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptLine {
    pub name: String,
    pub qty: Qty,
    pub unit_price: Money,
    pub amount: Money,
    /// Reason and amount taken off this line.
    pub discount: Option<(String, Money)>,
    /// Modifiers and add-ons chosen, their prices in the unit price.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<String>,
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

/// The bill's GST by rate, rates in ascending order.
fn tax_summary<'a>(
    taxes: impl Iterator<Item = &'a pos_shared::tax::LineTax>,
    cur: pos_shared::Currency,
) -> Vec<TaxRow> {
    let mut by_rate: std::collections::BTreeMap<u32, (String, [i64; 4])> = Default::default();
    for tax in taxes {
        let class = pos_shared::tax::TaxClass {
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptTender {
    pub label: String,
    pub amount: Money,
    pub reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    /// Store name first, then address lines.
    pub header: Vec<String>,
    pub gstin: Option<String>,
    pub title: String,
    pub receipt_no: String,
    /// Local date and time as printed.
    pub issued_at: String,
    pub terminal: Option<String>,
    /// Lines under the bill number: who bought (name, phone's last digits,
    /// GSTIN), or which bill a return is against and why.
    pub details: Vec<String>,
    pub lines: Vec<ReceiptLine>,
    pub bill_discounts: Vec<(String, Money)>,
    pub total: Money,
    /// Cash rounding; the total printed is `total + rounding`.
    pub rounding: Option<Money>,
    pub tax_summary: Vec<TaxRow>,
    pub tenders: Vec<ReceiptTender>,
    pub change_due: Money,
    pub footer: Vec<String>,
    /// Printed as a QR code under the footer (digital receipt, e-invoice, UPI).
    pub qr: Option<String>,
    /// Whether the cash drawer opens when this prints.
    pub open_drawer: bool,
}

/// What a store puts on every receipt, from the agent's config.
#[derive(Debug, Clone, Default)]
pub struct ReceiptSettings {
    pub header: Vec<String>,
    pub gstin: Option<String>,
    pub footer: Vec<String>,
    /// PNG printed above the header.
    pub logo_png: Option<Vec<u8>>,
    /// `{sale_id}` and `{receipt_no}` are filled in; the QR links to the
    /// digital receipt.
    pub qr_template: Option<String>,
    pub utc_offset_minutes: i32,
}

impl Receipt {
    /// The receipt for a recorded sale; `duplicate` marks a reprint.
    pub fn from_sale(
        sale: &SaleFact,
        settings: &ReceiptSettings,
        terminal: Option<&str>,
        duplicate: bool,
    ) -> Self {
        Receipt {
            header: settings.header.clone(),
            gstin: settings.gstin.clone(),
            title: if duplicate {
                "DUPLICATE RECEIPT".into()
            } else {
                "TAX INVOICE".into()
            },
            receipt_no: sale.receipt_no.clone(),
            issued_at: local_time(sale.occurred_at.unix_millis(), settings.utc_offset_minutes),
            terminal: terminal.map(str::to_owned),
            details: customer_lines(sale),
            lines: sale
                .lines
                .iter()
                .map(|l| ReceiptLine {
                    name: l.name.clone(),
                    qty: l.qty,
                    unit_price: l.unit_price,
                    // Price × qty as rung up; discounts below it, GST in the summary.
                    amount: l.unit_price.times(l.qty).unwrap_or(l.line_total),
                    discount: l.discount.as_ref().map(|d| (d.reason.clone(), d.amount)),
                    modifiers: l.modifiers.iter().map(|m| m.name.clone()).collect(),
                })
                .collect(),
            bill_discounts: Vec::new(),
            total: sale.total,
            rounding: sale.rounding,
            tax_summary: tax_summary(
                sale.lines.iter().filter_map(|l| l.tax.as_ref()),
                sale.total.currency(),
            ),
            tenders: sale
                .tenders
                .iter()
                .map(|t| ReceiptTender {
                    label: t.method.label().into(),
                    amount: t.amount,
                    reference: t.reference.clone(),
                })
                .collect(),
            change_due: sale.change_due,
            footer: settings.footer.clone(),
            qr: settings.qr_template.as_ref().map(|t| {
                t.replace("{sale_id}", &sale.sale_id.to_string())
                    .replace("{receipt_no}", &sale.receipt_no)
            }),
            // A reprint must not open the drawer again.
            open_drawer: !duplicate && sale.tenders.iter().any(|t| t.method == TenderMethod::Cash),
        }
    }
}

/// The customer as printed: the phone masked but for its last four digits.
fn customer_lines(sale: &SaleFact) -> Vec<String> {
    let Some(c) = &sale.customer else {
        return Vec::new();
    };
    let last4: String = c
        .phone
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let masked = format!("******{last4}");
    let mut out = vec![match &c.name {
        Some(name) => format!("Customer: {name} ({masked})"),
        None => format!("Customer: {masked}"),
    }];
    if let Some(g) = &c.gstin {
        out.push(format!("Buyer GSTIN: {g}"));
    }
    out
}

/// Every piece of free text on the receipt, to choose the code page by.
pub(super) fn receipt_text(r: &Receipt) -> String {
    let mut s: Vec<&str> = vec![&r.title, &r.receipt_no, &r.issued_at];
    s.extend(r.header.iter().map(String::as_str));
    s.extend(r.footer.iter().map(String::as_str));
    s.extend(r.gstin.as_deref());
    s.extend(r.terminal.as_deref());
    s.extend(r.details.iter().map(String::as_str));
    for l in &r.lines {
        s.push(&l.name);
        s.extend(l.modifiers.iter().map(String::as_str));
        s.extend(l.discount.as_ref().map(|d| d.0.as_str()));
    }
    s.extend(r.bill_discounts.iter().map(|d| d.0.as_str()));
    for t in &r.tenders {
        s.push(&t.label);
        s.extend(t.reference.as_deref());
    }
    s.concat()
}

impl Receipt {
    /// The credit note for a return: what came back, against which bill, and
    /// how the money went back.
    pub fn from_return(
        ret: &ReturnFact,
        settings: &ReceiptSettings,
        terminal: Option<&str>,
    ) -> Self {
        Receipt {
            header: settings.header.clone(),
            gstin: settings.gstin.clone(),
            title: "CREDIT NOTE (RETURN)".into(),
            receipt_no: ret.receipt_no.clone(),
            issued_at: local_time(ret.occurred_at.unix_millis(), settings.utc_offset_minutes),
            terminal: terminal.map(str::to_owned),
            details: vec![
                format!("Against bill: {}", ret.original_receipt_no),
                format!("Reason: {}", ret.reason),
            ],
            lines: ret
                .lines
                .iter()
                .map(|l| ReceiptLine {
                    name: l.name.clone(),
                    qty: l.qty,
                    // For the "qty x price" line only; the refund is exact.
                    unit_price: Money::new(
                        (i128::from(l.refund.minor()) * 1000 / i128::from(l.qty.milli().max(1)))
                            as i64,
                        l.refund.currency(),
                    ),
                    amount: l.refund,
                    discount: None,
                    modifiers: Vec::new(),
                })
                .collect(),
            bill_discounts: Vec::new(),
            total: ret.total,
            rounding: None,
            tax_summary: tax_summary(
                ret.lines.iter().filter_map(|l| l.tax.as_ref()),
                ret.total.currency(),
            ),
            tenders: ret
                .refunds
                .iter()
                .map(|t| ReceiptTender {
                    label: format!("Refund: {}", t.method.label()),
                    amount: t.amount,
                    reference: t.reference.clone(),
                })
                .collect(),
            change_due: Money::new(0, ret.total.currency()),
            footer: settings.footer.clone(),
            qr: None,
            open_drawer: ret.refunds.iter().any(|t| t.method == TenderMethod::Cash),
        }
    }
}

fn local_time(unix_millis: i64, offset_minutes: i32) -> String {
    let offset =
        time::UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap_or(time::UtcOffset::UTC);
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp(unix_millis.div_euclid(1000)) else {
        return format!("@{unix_millis}ms");
    };
    let at = at.to_offset(offset);
    format!(
        "{:02}-{:02}-{} {:02}:{:02}",
        at.day(),
        u8::from(at.month()),
        at.year(),
        at.hour(),
        at.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::super::layout::{layout, Block};
    use super::super::profile::PrinterProfile;
    use super::*;

    #[test]
    fn cash_rounding_prints_a_round_off_line_and_the_amount_due() {
        let receipt = Receipt {
            header: vec![],
            gstin: None,
            title: "TAX INVOICE".into(),
            receipt_no: "T1-000001".into(),
            issued_at: "23-11-2026 10:00".into(),
            terminal: None,
            details: vec![],
            lines: vec![],
            bill_discounts: vec![],
            total: Money::inr(23875),
            rounding: Some(Money::inr(25)),
            tax_summary: vec![],
            tenders: vec![ReceiptTender {
                label: "UPI".into(),
                amount: Money::inr(23900),
                reference: Some("412345678901".into()),
            }],
            change_due: Money::inr(0),
            footer: vec![],
            qr: None,
            open_drawer: false,
        };
        let profile = PrinterProfile::named("generic-80mm").unwrap();
        let blocks = layout(&receipt, &profile, false);
        let pairs: Vec<(String, String)> = blocks
            .iter()
            .filter_map(|b| match b {
                Block::Pair { left, right, .. } => Some((left.clone(), right.clone())),
                _ => None,
            })
            .collect();
        assert!(
            pairs.contains(&("Round off".into(), "+0.25".into())),
            "{pairs:?}"
        );
        assert!(
            pairs.contains(&("TOTAL INR".into(), "239.00".into())),
            "{pairs:?}"
        );
        assert!(
            pairs.contains(&("UPI (412345678901)".into(), "239.00".into())),
            "{pairs:?}"
        );
    }

    #[test]
    fn times_print_in_the_store_zone() {
        // 2026-11-23T18:45:00Z is 00:15 the next day in India.
        let ms = 1_795_459_500_000;
        assert_eq!(local_time(ms, 330), "24-11-2026 00:15");
        assert_eq!(local_time(ms, 0), "23-11-2026 18:45");
    }
}
