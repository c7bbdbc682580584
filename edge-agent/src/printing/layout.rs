//! Laying a receipt out for a paper width: a list of blocks (text cut to the
//! width, pairs spread across it, barcodes, the logo) that every renderer
//! (printer bytes, plain text, HTML) draws the same way.

use super::codepage::CodePage;
use super::escpos::{Align, Barcode};
use super::profile::PrinterProfile;
use super::receipt::*;

/// One piece of a laid-out receipt; text is already cut to the paper width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Logo,
    Text {
        text: String,
        align: Align,
        bold: bool,
        double: bool,
    },
    /// A label on the left and an amount on the right, spread to the width.
    Pair {
        left: String,
        right: String,
        bold: bool,
        double: bool,
    },
    Rule,
    Barcode(Barcode),
    Qr(String),
    Feed(u8),
}

fn text(text: impl Into<String>, align: Align) -> Block {
    Block::Text {
        text: text.into(),
        align,
        bold: false,
        double: false,
    }
}

fn pair(left: impl Into<String>, right: impl Into<String>) -> Block {
    Block::Pair {
        left: left.into(),
        right: right.into(),
        bold: false,
        double: false,
    }
}

fn bold(text: impl Into<String>, align: Align) -> Block {
    Block::Text {
        text: text.into(),
        align,
        bold: true,
        double: false,
    }
}

/// Breaks `s` into lines of at most `width` characters, at spaces where it can.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in s.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            lines.push(word.drain(..width).collect());
        }
        let word: String = word.into_iter().collect();
        let len = current.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// `left` and `right` on one line of `width`, the left side cut if both do not fit.
pub fn spread(left: &str, right: &str, width: usize) -> String {
    let right_len = right.chars().count();
    let room = width.saturating_sub(right_len + 1);
    let left: String = left.chars().take(room).collect();
    let gap = width
        .saturating_sub(left.chars().count() + right_len)
        .max(1);
    format!("{left}{}{right}", " ".repeat(gap))
}

/// The receipt's text as `page` shows it, so lines are wrapped at the width the
/// paper will really have (`₹` printed as `Rs.` is three columns, not one).
fn as_shown(receipt: &Receipt, page: CodePage) -> Receipt {
    // Lines in scripts the page lacks are printed as images: kept as they are.
    let v = |s: &String| super::text_image::shown(page, s);
    let mut r = receipt.clone();
    r.header = r.header.iter().map(v).collect();
    r.gstin = r.gstin.as_ref().map(v);
    r.title = v(&r.title);
    r.receipt_no = v(&r.receipt_no);
    r.terminal = r.terminal.as_ref().map(v);
    r.details = r.details.iter().map(v).collect();
    r.footer = r.footer.iter().map(v).collect();
    for line in &mut r.lines {
        line.name = v(&line.name);
        line.modifiers = line.modifiers.iter().map(v).collect();
        if let Some((reason, _)) = &mut line.discount {
            *reason = v(reason);
        }
    }
    for (reason, _) in &mut r.bill_discounts {
        *reason = v(reason);
    }
    for t in &mut r.tenders {
        t.label = v(&t.label);
        t.reference = t.reference.as_ref().map(v);
    }
    r
}

/// Lays the receipt out for the printer `profile`.
pub fn layout(receipt: &Receipt, profile: &PrinterProfile, with_logo: bool) -> Vec<Block> {
    let columns = profile.columns_a;
    let receipt = &as_shown(receipt, profile.page_for(&receipt_text(receipt)));
    let mut out = Vec::new();
    if with_logo {
        out.push(Block::Logo);
    }
    let mut header = receipt.header.iter();
    if let Some(name) = header.next() {
        for l in wrap(name, columns / 2) {
            out.push(Block::Text {
                text: l,
                align: Align::Center,
                bold: true,
                double: true,
            });
        }
    }
    for h in header {
        out.extend(wrap(h, columns).into_iter().map(|l| text(l, Align::Center)));
    }
    if let Some(gstin) = &receipt.gstin {
        out.push(text(format!("GSTIN: {gstin}"), Align::Center));
    }
    out.push(Block::Rule);
    out.push(bold(receipt.title.clone(), Align::Center));
    out.push(pair(
        format!("{}: {}", receipt.number_label, receipt.receipt_no),
        receipt.issued_at.clone(),
    ));
    if let Some(terminal) = &receipt.terminal {
        out.push(text(format!("Till: {terminal}"), Align::Left));
    }
    for c in &receipt.details {
        out.extend(wrap(c, columns).into_iter().map(|l| text(l, Align::Left)));
    }
    out.push(Block::Rule);
    for line in &receipt.lines {
        if super::text_image::has_drawn(&line.name) {
            // Printed as an image, wrapped to the paper's dots, not columns.
            out.push(text(line.name.clone(), Align::Left));
        } else {
            out.extend(
                wrap(&line.name, columns)
                    .into_iter()
                    .map(|l| text(l, Align::Left)),
            );
        }
        for m in &line.modifiers {
            out.extend(
                wrap(&format!("+ {m}"), columns - 2)
                    .into_iter()
                    .map(|l| text(format!("  {l}"), Align::Left)),
            );
        }
        let qty = match &line.unit {
            Some(u) => format!(
                "  {} {u} x {}/{u}",
                line.qty,
                line.unit_price.grouped_indian()
            ),
            None => format!("  {} x {}", line.qty, line.unit_price.grouped_indian()),
        };
        out.push(pair(qty, line.amount.grouped_indian()));
        if let Some(note) = &line.tax_note {
            out.push(text(format!("  {note}"), Align::Left));
        }
        if let Some((reason, amount)) = &line.discount {
            let label = format!("  Discount ({reason})");
            out.push(pair(label, format!("-{}", amount.grouped_indian())));
        }
    }
    out.push(Block::Rule);
    for (reason, amount) in &receipt.bill_discounts {
        out.push(pair(
            format!("Bill discount ({reason})"),
            format!("-{}", amount.grouped_indian()),
        ));
    }
    out.push(text(format!("Items: {}", receipt.lines.len()), Align::Left));
    out.push(pair("Subtotal", receipt.subtotal.grouped_indian()));
    if let Some(added) = receipt.gst_added {
        out.push(pair("GST added", format!("+{}", added.grouped_indian())));
    }
    let payable = match receipt.rounding {
        Some(r) => {
            let sign = if r.is_negative() { "" } else { "+" };
            out.push(pair("Round off", format!("{sign}{}", r.grouped_indian())));
            receipt.total.checked_add(r).unwrap_or(receipt.total)
        }
        None => receipt.total,
    };
    let (left, right) = (
        format!("TOTAL {}", receipt.total.currency()),
        payable.grouped_indian(),
    );
    // Double size where it fits half the columns, else normal size in bold.
    let double = left.len() + 1 + right.len() <= columns / 2;
    out.push(Block::Pair {
        left,
        right,
        bold: true,
        double,
    });
    for t in &receipt.tenders {
        let label = match &t.reference {
            Some(r) => format!("{} ({r})", t.label),
            None => t.label.clone(),
        };
        out.push(pair(label, t.amount.grouped_indian()));
    }
    if receipt.change_due.minor() != 0 {
        out.push(Block::Pair {
            left: "Change".into(),
            right: receipt.change_due.grouped_indian(),
            bold: true,
            double: false,
        });
    }
    if !receipt.tax_summary.is_empty() {
        out.push(Block::Rule);
        let igst = receipt.tax_summary.iter().any(|t| t.igst.minor() != 0);
        let row = |cells: &[&str]| {
            let col = columns / cells.len();
            let mut s = format!("{:<col$}", cells[0]);
            for c in &cells[1..] {
                s.push_str(&format!("{c:>col$}"));
            }
            s
        };
        if igst {
            out.push(bold(row(&["GST%", "Taxable", "IGST"]), Align::Left));
        } else {
            out.push(bold(row(&["GST%", "Taxable", "CGST", "SGST"]), Align::Left));
        }
        for t in &receipt.tax_summary {
            let (taxable, cgst, sgst, igst_amount) = (
                t.taxable.grouped_indian(),
                t.cgst.grouped_indian(),
                t.sgst.grouped_indian(),
                t.igst.grouped_indian(),
            );
            let cells: Vec<&str> = if igst {
                vec![&t.rate, &taxable, &igst_amount]
            } else {
                vec![&t.rate, &taxable, &cgst, &sgst]
            };
            out.push(text(row(&cells), Align::Left));
        }
    }
    out.push(Block::Rule);
    for f in &receipt.footer {
        out.extend(wrap(f, columns).into_iter().map(|l| text(l, Align::Center)));
    }
    out.push(Block::Barcode(Barcode::Code128(receipt.receipt_no.clone())));
    if let Some(qr) = &receipt.qr {
        out.push(Block::Qr(qr.clone()));
    }
    out.push(Block::Feed(1));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_and_names_wrap_to_the_width() {
        assert_eq!(
            wrap("Basmati rice premium long grain 5 kg", 16),
            vec!["Basmati rice", "premium long", "grain 5 kg"]
        );
        assert_eq!(wrap("ABCDEFGHIJ", 4), vec!["ABCD", "EFGH", "IJ"]);
        assert_eq!(spread("Total", "12.00", 12), "Total  12.00");
        assert_eq!(spread("A very long label", "12.00", 12), "A very 12.00");
    }
}
