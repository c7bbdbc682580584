//! The receipt: what a customer's slip says, built from the sale or the
//! return; [`super::layout`] lays it out for a paper width.

use pos_shared::credit::DuesPayment;
use pos_shared::item::Unit;
use pos_shared::returns::ReturnFact;
use pos_shared::sale::SaleFact;
use pos_shared::tax::LineTax;
use pos_shared::{Money, Qty, VariantId};
use serde::Serialize;
use std::collections::HashMap;

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
    /// The unit a measured item is sold by (`kg`, `g`, `l`, `ml`, `m`):
    /// printed as `0.375 kg x 899.00/kg`. `None` for counted items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// HSN code and GST rate, printed under the line on a tax invoice to a
    /// registered buyer (one with a GSTIN), e.g. `HSN 0902  GST 5%`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_note: Option<String>,
}

pub use pos_shared::tax::{tax_summary, TaxRow};

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
    /// What the number is called: `Bill` on a sale, `Credit note` on a return.
    pub number_label: String,
    pub receipt_no: String,
    /// Local date and time as printed.
    pub issued_at: String,
    pub terminal: Option<String>,
    /// Lines under the bill number: who bought (name, phone's last digits,
    /// GSTIN), or which bill a return is against and why.
    pub details: Vec<String>,
    pub lines: Vec<ReceiptLine>,
    pub bill_discounts: Vec<(String, Money)>,
    /// The lines' amounts less every discount: what the goods come to before
    /// GST charged on top of exclusive prices.
    pub subtotal: Money,
    /// GST charged on top of prices that exclude it; `subtotal + gst_added`
    /// is `total`. `None` when every price includes its GST.
    pub gst_added: Option<Money>,
    pub total: Money,
    /// Cash rounding; the total printed is `total + rounding`.
    pub rounding: Option<Money>,
    pub tax_summary: Vec<TaxRow>,
    pub tenders: Vec<ReceiptTender>,
    pub change_due: Money,
    pub footer: Vec<String>,
    /// Printed as a QR code under the footer (digital receipt, e-invoice, UPI).
    pub qr: Option<String>,
}

/// What a store puts on every receipt, from the agent's config.
#[derive(Debug, Clone)]
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
    /// Fonts for text the printer's code page lacks (Devanagari, Tamil, …),
    /// printed as images: [`super::text_image::DEFAULT_FONT_DIR`] by default.
    pub font_dir: std::path::PathBuf,
}

/// The unit a line's quantity is printed with: measured units only.
fn measured(unit: Option<&Unit>) -> Option<String> {
    unit.filter(|u| u.is_measured())
        .map(|u| u.as_str().to_owned())
}

/// `HSN 0902  GST 5%` for a taxed line, `GST: none` for an untaxed one.
fn tax_note(tax: Option<&LineTax>) -> String {
    match tax {
        Some(t) => {
            let rate = pos_shared::tax::TaxClass {
                rate_bp: t.rate_bp,
                inclusive: t.inclusive,
                hsn: None,
            }
            .rate_label();
            format!("HSN {}  GST {rate}%", t.hsn.as_deref().unwrap_or("-"))
        }
        None => "GST: none".into(),
    }
}

/// The lines' amounts less their discounts and the bill's.
fn subtotal(
    lines: &[ReceiptLine],
    bill_discounts: &[(String, Money)],
    cur: pos_shared::Currency,
) -> Money {
    let minor: i64 = lines
        .iter()
        .map(|l| l.amount.minor() - l.discount.as_ref().map_or(0, |d| d.1.minor()))
        .sum::<i64>()
        - bill_discounts.iter().map(|d| d.1.minor()).sum::<i64>();
    Money::new(minor, cur)
}

impl Default for ReceiptSettings {
    fn default() -> Self {
        ReceiptSettings {
            header: Vec::new(),
            gstin: None,
            footer: Vec::new(),
            logo_png: None,
            qr_template: None,
            utc_offset_minutes: 0,
            font_dir: super::text_image::DEFAULT_FONT_DIR.into(),
        }
    }
}

impl Receipt {
    /// The receipt for a recorded sale; `duplicate` marks a reprint. `units`
    /// says what each item is sold by, so measured lines print their unit.
    pub fn from_sale(
        sale: &SaleFact,
        settings: &ReceiptSettings,
        terminal: Option<&str>,
        duplicate: bool,
        units: &HashMap<VariantId, Unit>,
    ) -> Self {
        let cur = sale.total.currency();
        // A registered buyer's invoice carries HSN and rate per line.
        let b2b = sale.customer.as_ref().is_some_and(|c| c.gstin.is_some());
        let lines: Vec<ReceiptLine> = sale
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
                unit: measured(units.get(&l.variant_id)),
                tax_note: b2b.then(|| tax_note(l.tax.as_ref())),
            })
            .collect();
        let added: i64 = sale
            .lines
            .iter()
            .filter_map(|l| l.tax.as_ref().filter(|t| !t.inclusive))
            .map(|t| t.total().map_or(0, |m| m.minor()))
            .sum();
        Receipt {
            header: settings.header.clone(),
            gstin: settings.gstin.clone(),
            title: if duplicate {
                "DUPLICATE RECEIPT".into()
            } else {
                "TAX INVOICE".into()
            },
            number_label: "Bill".into(),
            receipt_no: sale.receipt_no.clone(),
            issued_at: local_time(sale.occurred_at.unix_millis(), settings.utc_offset_minutes),
            terminal: terminal.map(str::to_owned),
            details: customer_lines(sale),
            subtotal: subtotal(&lines, &[], cur),
            lines,
            bill_discounts: Vec::new(),
            gst_added: (added != 0).then(|| Money::new(added, cur)),
            total: sale.total,
            rounding: sale.rounding,
            tax_summary: tax_summary(sale.lines.iter().filter_map(|l| l.tax.as_ref()), cur),
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
    if c.points_redeemed > 0 {
        out.push(format!("Points redeemed: {}", c.points_redeemed));
    }
    if c.points_earned > 0 {
        out.push(format!("Points earned: {}", c.points_earned));
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
    // Text printed as an image does not choose the code page.
    s.retain(|t| !super::text_image::has_drawn(t));
    s.concat()
}

impl Receipt {
    /// The credit note for a return: what came back, against which bill, and
    /// how the money went back.
    pub fn from_return(
        ret: &ReturnFact,
        settings: &ReceiptSettings,
        terminal: Option<&str>,
        units: &HashMap<VariantId, Unit>,
    ) -> Self {
        let cur = ret.total.currency();
        let lines: Vec<ReceiptLine> = ret
            .lines
            .iter()
            .map(|l| ReceiptLine {
                name: l.name.clone(),
                qty: l.qty,
                // For the "qty x price" line only; the refund is exact.
                unit_price: Money::new(
                    (i128::from(l.refund.minor()) * 1000 / i128::from(l.qty.milli().max(1))) as i64,
                    l.refund.currency(),
                ),
                amount: l.refund,
                discount: None,
                modifiers: Vec::new(),
                unit: measured(units.get(&l.variant_id)),
                tax_note: None,
            })
            .collect();
        Receipt {
            header: settings.header.clone(),
            gstin: settings.gstin.clone(),
            title: "CREDIT NOTE (RETURN)".into(),
            number_label: "Credit note".into(),
            receipt_no: ret.receipt_no.clone(),
            issued_at: local_time(ret.occurred_at.unix_millis(), settings.utc_offset_minutes),
            terminal: terminal.map(str::to_owned),
            details: vec![
                format!("Against bill: {}", ret.original_receipt_no),
                format!("Reason: {}", ret.reason),
            ],
            subtotal: subtotal(&lines, &[], cur),
            lines,
            bill_discounts: Vec::new(),
            // Refunds include the GST they reverse, exclusive or not.
            gst_added: None,
            total: ret.total,
            rounding: ret.rounding,
            tax_summary: tax_summary(ret.lines.iter().filter_map(|l| l.tax.as_ref()), cur),
            tenders: ret
                .refunds
                .iter()
                .map(|t| ReceiptTender {
                    label: format!("Refund: {}", t.method.label()),
                    amount: t.amount,
                    reference: t.reference.clone(),
                })
                .collect(),
            change_due: Money::new(0, cur),
            footer: settings.footer.clone(),
            qr: None,
        }
    }
}

impl Receipt {
    /// The slip for a payment against a customer's dues (the khata): what was
    /// paid, how, and what is owed after it.
    pub fn from_dues_payment(
        payment: &DuesPayment,
        holder: Option<&str>,
        owed_after: Money,
        settings: &ReceiptSettings,
        terminal: Option<&str>,
    ) -> Self {
        let cur = payment.amount.currency();
        let line = ReceiptLine {
            name: "Paid against dues (on account)".into(),
            qty: Qty::from_milli(1000),
            unit_price: payment.amount,
            amount: payment.amount,
            discount: None,
            modifiers: Vec::new(),
            unit: None,
            tax_note: None,
        };
        let mut details = vec![match holder {
            Some(name) => format!("Customer: {name} ({})", payment.phone),
            None => format!("Customer: {}", payment.phone),
        }];
        details.push(format!("Owed now: {}", owed_after.grouped_indian()));
        if let Some(cashier) = &payment.cashier {
            details.push(format!("Taken by: {}", cashier.name));
        }
        let id = payment.payment_id.simple().to_string();
        Receipt {
            header: settings.header.clone(),
            gstin: settings.gstin.clone(),
            title: "PAYMENT RECEIVED".into(),
            number_label: "Payment".into(),
            receipt_no: id[id.len() - 10..].to_uppercase(),
            issued_at: local_time(
                payment.occurred_at.unix_millis(),
                settings.utc_offset_minutes,
            ),
            terminal: terminal.map(str::to_owned),
            details,
            subtotal: payment.amount,
            lines: vec![line],
            bill_discounts: Vec::new(),
            gst_added: None,
            total: payment.amount,
            rounding: None,
            tax_summary: Vec::new(),
            tenders: vec![ReceiptTender {
                label: payment.method.label().into(),
                amount: payment.amount,
                reference: payment.reference.clone(),
            }],
            change_due: Money::new(0, cur),
            footer: settings.footer.clone(),
            qr: None,
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
            number_label: "Bill".into(),
            receipt_no: "T1-000001".into(),
            issued_at: "23-11-2026 10:00".into(),
            terminal: None,
            details: vec![],
            lines: vec![],
            bill_discounts: vec![],
            subtotal: Money::inr(23875),
            gst_added: None,
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
