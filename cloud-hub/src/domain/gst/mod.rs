//! GST returns: the tax documents a store's tills issue, as the hub keeps
//! them, and the returns a GST-registered business files from them.
//!
//! - A sale is an invoice and a return a credit note ([`TaxDocument`]), with
//!   each line's tax as the till computed it (`pos_shared::tax`); the hub
//!   stores them with the fact and never recomputes a line.
//! - A return period is a calendar month in Indian time ([`ReturnPeriod`]);
//!   a GSTIN is registered in one state, so all its stores share that state.
//! - A supply is B2B when the invoice names the buyer's GSTIN; B2C large
//!   (B2CL) when it is inter-state and worth more than ₹1,00,000; else B2C
//!   small (B2CS). A credit note is the supply of its invoice. B2CS and nil-
//!   rated figures, and the HSN summary, are net of credit notes; B2B and
//!   B2CL credit notes are listed one by one (CDNR, CDNUR).
//! - The place of supply of a B2B inter-state supply is the buyer's state;
//!   of every other supply, the registration's state (the till records no
//!   B2C buyer's address).
//!
//! This module owns the documents, the period and the figures the storage
//! aggregates; `returns` writes GSTR-1 in the portal's JSON
//! (`schemas/gstr1.schema.json` is its schema, kept with the code) and
//! GSTR-3B's outward figures; `summary` what HQ checks before filing; `csv` writes GSTR-1's sections as the
//! offline tool's CSV.

mod csv;
mod returns;
mod summary;

pub use csv::{gstr1_csv, place_name, CSV_SECTIONS};
pub use returns::*;
pub use summary::*;

use pos_shared::item::Unit;
use pos_shared::returns::ReturnFact;
use pos_shared::sale::SaleFact;
use std::collections::BTreeMap;
use uuid::Uuid;

/// An inter-state B2C invoice above this (₹1,00,000, from 1 August 2024) is
/// reported invoice by invoice (B2CL).
pub const B2CL_ABOVE_MINOR: i64 = 10_000_000;

/// India Standard Time, UTC+05:30 all year: the clock a return period and
/// a document's date are read on.
pub const IST_OFFSET_SECONDS: i32 = 19_800;

/// A sale is an invoice; a return, a credit note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DocKind {
    Invoice,
    CreditNote,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Invoice => "invoice",
            DocKind::CreditNote => "credit_note",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "invoice" => Some(DocKind::Invoice),
            "credit_note" => Some(DocKind::CreditNote),
            _ => None,
        }
    }
}

/// A tax document as the hub keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxDocument {
    /// The sale's or return's id.
    pub id: Uuid,
    pub kind: DocKind,
    pub number: String,
    pub issued_at_ms: i64,
    pub value_minor: i64,
    pub buyer_gstin: Option<String>,
    /// The customer an invoice named (phone, name as the till had it).
    pub buyer: Option<(String, Option<String>)>,
    pub original_id: Option<Uuid>,
    pub inter_state: bool,
    /// The sale's cashier (id, name), when the till named one.
    pub cashier: Option<(Uuid, String)>,
    pub lines: Vec<TaxDocumentLine>,
    /// How it was settled: (method, amount) taken or refunded, cash net of
    /// the change given.
    pub tenders: Vec<(&'static str, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxDocumentLine {
    pub line_no: i32,
    pub variant_id: Uuid,
    pub hsn: Option<String>,
    /// `None`: the item had no tax class when sold.
    pub rate_bp: Option<i32>,
    pub qty_milli: i64,
    pub sums: TaxSums,
}

/// Taxable value and tax, in paise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaxSums {
    pub taxable: i64,
    pub cgst: i64,
    pub sgst: i64,
    pub igst: i64,
}

impl TaxSums {
    pub fn add(&mut self, other: &TaxSums) {
        self.taxable += other.taxable;
        self.cgst += other.cgst;
        self.sgst += other.sgst;
        self.igst += other.igst;
    }

    pub fn times(&self, sign: i64) -> TaxSums {
        TaxSums {
            taxable: self.taxable * sign,
            cgst: self.cgst * sign,
            sgst: self.sgst * sign,
            igst: self.igst * sign,
        }
    }

    pub fn tax(&self) -> i64 {
        self.cgst + self.sgst + self.igst
    }
}

/// A document line from a fact's line: its item, quantity and tax, or, for
/// an item with no tax class, its whole `value` as untaxed.
fn document_line(
    line_no: usize,
    variant: pos_shared::VariantId,
    qty: pos_shared::Qty,
    tax: Option<&pos_shared::tax::LineTax>,
    value: i64,
) -> TaxDocumentLine {
    TaxDocumentLine {
        line_no: line_no as i32,
        variant_id: variant.as_uuid(),
        hsn: tax.and_then(|t| t.hsn.clone()),
        rate_bp: tax.map(|t| t.rate_bp as i32),
        qty_milli: qty.milli(),
        sums: match tax {
            Some(t) => TaxSums {
                taxable: t.taxable.minor(),
                cgst: t.cgst.minor(),
                sgst: t.sgst.minor(),
                igst: t.igst.minor(),
            },
            None => TaxSums {
                taxable: value,
                ..TaxSums::default()
            },
        },
    }
}

/// What each tender settled, by method: the change given comes off the
/// cash tendered (the last cash first), as change is only given in cash.
fn settled(tenders: &[pos_shared::sale::Tender], change_minor: i64) -> Vec<(&'static str, i64)> {
    let mut out: Vec<(&'static str, i64)> = tenders
        .iter()
        .map(|t| (method_name(t.method), t.amount.minor()))
        .collect();
    let mut change = change_minor;
    for (method, amount) in out.iter_mut().rev() {
        if change > 0 && *method == "cash" {
            let taken = change.min(*amount);
            *amount -= taken;
            change -= taken;
        }
    }
    out
}

/// A tender method as stored: `cash`, `card`, `upi`.
pub fn method_name(method: pos_shared::sale::TenderMethod) -> &'static str {
    match method {
        pos_shared::sale::TenderMethod::Cash => "cash",
        pos_shared::sale::TenderMethod::Card => "card",
        pos_shared::sale::TenderMethod::Upi => "upi",
        pos_shared::sale::TenderMethod::Credit => "credit",
        pos_shared::sale::TenderMethod::Points => "points",
    }
}

impl TaxDocument {
    /// The invoice a sale is.
    pub fn of_sale(sale: &SaleFact) -> Self {
        let lines: Vec<TaxDocumentLine> = sale
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                document_line(i, l.variant_id, l.qty, l.tax.as_ref(), l.line_total.minor())
            })
            .collect();
        TaxDocument {
            id: sale.sale_id.as_uuid(),
            kind: DocKind::Invoice,
            number: sale.receipt_no.clone(),
            issued_at_ms: sale.occurred_at.unix_millis(),
            value_minor: sale.total.minor(),
            buyer_gstin: sale
                .customer
                .as_ref()
                .and_then(|c| c.gstin.as_ref())
                .map(|g| g.as_str().to_owned()),
            buyer: sale
                .customer
                .as_ref()
                .map(|c| (c.phone.clone(), c.name.clone())),
            original_id: None,
            inter_state: lines.iter().any(|l| l.sums.igst != 0),
            cashier: sale
                .cashier
                .as_ref()
                .map(|c| (c.staff_id.as_uuid(), c.name.clone())),
            lines,
            tenders: settled(&sale.tenders, sale.change_due.minor()),
        }
    }

    /// The credit note a return is.
    pub fn of_return(ret: &ReturnFact) -> Self {
        let lines: Vec<TaxDocumentLine> = ret
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| document_line(i, l.variant_id, l.qty, l.tax.as_ref(), l.refund.minor()))
            .collect();
        TaxDocument {
            id: ret.return_id.as_uuid(),
            kind: DocKind::CreditNote,
            number: ret.receipt_no.clone(),
            issued_at_ms: ret.occurred_at.unix_millis(),
            value_minor: ret.total.minor(),
            buyer_gstin: None,
            buyer: None,
            original_id: Some(ret.original_sale_id.as_uuid()),
            inter_state: lines.iter().any(|l| l.sums.igst != 0),
            cashier: None,
            lines,
            tenders: settled(&ret.refunds, 0),
        }
    }
}

/// The GST portal's unit quantity code for an item's unit.
pub fn uqc(unit: Unit) -> &'static str {
    match unit {
        Unit::Each => "NOS",
        Unit::Kg => "KGS",
        Unit::G => "GMS",
        Unit::L => "LTR",
        Unit::Ml => "MLT",
        Unit::M => "MTR",
    }
}

/// A month of returns, read on Indian time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnPeriod {
    pub year: i32,
    pub month: u8,
}

fn ist() -> time::UtcOffset {
    time::UtcOffset::from_whole_seconds(IST_OFFSET_SECONDS).expect("IST is a valid offset")
}

impl ReturnPeriod {
    /// `2026-11`; the error is words for whoever typed it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("period {text:?} is not a month such as 2026-11");
        let (year, month) = text.split_once('-').ok_or_else(bad)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let month: u8 = month.parse().map_err(|_| bad())?;
        if !(2017..=2999).contains(&year) || !(1..=12).contains(&month) {
            return Err(format!(
                "period {text:?} is not a GST return month (July 2017 to December 2999)"
            ));
        }
        if year == 2017 && month < 7 {
            return Err(format!("period {text:?} is before GST began (July 2017)"));
        }
        Ok(ReturnPeriod { year, month })
    }

    /// The portal's filing period, `MMYYYY`.
    pub fn fp(&self) -> String {
        format!("{:02}{}", self.month, self.year)
    }

    /// The period as `[start, end)` in milliseconds since the epoch.
    pub fn bounds_ms(&self) -> (i64, i64) {
        let start = month_start_ms(self.year, self.month);
        let end = if self.month == 12 {
            month_start_ms(self.year + 1, 1)
        } else {
            month_start_ms(self.year, self.month + 1)
        };
        (start, end)
    }
}

fn month_start_ms(year: i32, month: u8) -> i64 {
    let month = time::Month::try_from(month).expect("a checked month");
    let date = time::Date::from_calendar_date(year, month, 1).expect("a checked date");
    date.midnight().assume_offset(ist()).unix_timestamp() * 1000
}

/// A date as the portal writes it, `dd-mm-yyyy`, on Indian time.
pub fn portal_date(ms: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(ist());
    format!("{:02}-{:02}-{}", at.day(), u8::from(at.month()), at.year())
}

/// How a document's supply is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supply {
    B2b,
    B2cl,
    B2cs,
}

impl Supply {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "b2b" => Some(Supply::B2b),
            "b2cl" => Some(Supply::B2cl),
            "b2cs" => Some(Supply::B2cs),
            _ => None,
        }
    }
}

/// One rate of a B2B or B2CL document (reported document by document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRate {
    pub kind: DocKind,
    pub supply: Supply,
    pub number: String,
    pub issued_at_ms: i64,
    pub value_minor: i64,
    /// The buyer's GSTIN (B2B).
    pub buyer_gstin: Option<String>,
    pub inter_state: bool,
    pub rate_bp: i32,
    pub sums: TaxSums,
}

/// B2C small supplies at one rate, net of their credit notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmallSupply {
    pub inter_state: bool,
    pub rate_bp: i32,
    pub sums: TaxSums,
}

/// Nil-rated supplies (rate 0), net of credit notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NilSupply {
    pub b2b: bool,
    pub inter_state: bool,
    pub taxable: i64,
}

/// One line of the HSN summary, net of credit notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsnLine {
    pub b2b: bool,
    pub hsn: Option<String>,
    pub uqc: String,
    pub rate_bp: i32,
    pub qty_milli: i64,
    pub sums: TaxSums,
}

/// The documents one terminal issued of one kind in the period. A
/// terminal numbers its invoices and credit notes in one series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub terminal_id: Uuid,
    pub kind: DocKind,
    pub first: String,
    pub last: String,
    pub count: i64,
}

/// The period's lines summed by what decides where they are reported: one
/// supply and kind of document, inter-state or not, one rate, HSN code and
/// unit. Sums are as the documents carry them (a credit note's are not
/// negated). The storage reads them in one pass; B2B and B2CL documents,
/// reported one by one, come beside them as [`DocumentRate`]s, and
/// [`GstFigures::from_cells`] sorts both into the returns' tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GstCell {
    pub supply: Supply,
    pub kind: DocKind,
    pub inter_state: bool,
    /// `None`: lines of items with no tax class.
    pub rate_bp: Option<i32>,
    pub hsn: Option<String>,
    pub uqc: String,
    pub lines: i64,
    pub qty_milli: i64,
    pub sums: TaxSums,
}

/// An HSN summary line's place: B2B first, then code, rate and unit.
type HsnKey = (std::cmp::Reverse<bool>, Option<String>, i32, String);

impl GstFigures {
    /// The returns' tables from the period's cells: B2B and B2CL documents by
    /// rate, B2CS and nil-rated supplies and the HSN summary net of credit
    /// notes, and what carries no tax class, each in a fixed order.
    pub fn from_cells(
        cells: Vec<GstCell>,
        mut documents: Vec<DocumentRate>,
        series: Vec<Series>,
    ) -> Self {
        let mut small: BTreeMap<(bool, i32), TaxSums> = BTreeMap::new();
        let mut nil: BTreeMap<(bool, bool), i64> = BTreeMap::new();
        let mut hsn: BTreeMap<HsnKey, (i64, TaxSums)> = BTreeMap::new();
        let (mut untaxed_lines, mut untaxed_value_minor, mut inter_state_b2c_lines) = (0, 0, 0);
        for cell in cells {
            if cell.inter_state && cell.supply != Supply::B2b {
                inter_state_b2c_lines += cell.lines;
            }
            let sign = if cell.kind == DocKind::CreditNote {
                -1
            } else {
                1
            };
            let signed = cell.sums.times(sign);
            let b2b = cell.supply == Supply::B2b;
            let Some(rate_bp) = cell.rate_bp else {
                untaxed_lines += cell.lines;
                untaxed_value_minor += signed.taxable;
                continue;
            };
            let entry = hsn
                .entry((
                    std::cmp::Reverse(b2b),
                    cell.hsn.clone(),
                    rate_bp,
                    cell.uqc.clone(),
                ))
                .or_default();
            entry.0 += sign * cell.qty_milli;
            entry.1.add(&signed);
            if rate_bp == 0 {
                *nil.entry((cell.inter_state, b2b)).or_default() += signed.taxable;
            } else if cell.supply == Supply::B2cs {
                small
                    .entry((cell.inter_state, rate_bp))
                    .or_default()
                    .add(&signed);
            }
        }
        // Nil-rated lines of B2B bills are in the nil table, not the bill's items.
        documents.retain(|d| d.rate_bp > 0 && d.supply != Supply::B2cs);
        documents.sort_by(|a, b| {
            (a.kind, &a.buyer_gstin, a.issued_at_ms, &a.number, a.rate_bp).cmp(&(
                b.kind,
                &b.buyer_gstin,
                b.issued_at_ms,
                &b.number,
                b.rate_bp,
            ))
        });
        GstFigures {
            documents,
            small: small
                .into_iter()
                .map(|((inter_state, rate_bp), sums)| SmallSupply {
                    inter_state,
                    rate_bp,
                    sums,
                })
                .collect(),
            nil: nil
                .into_iter()
                .map(|((inter_state, b2b), taxable)| NilSupply {
                    b2b,
                    inter_state,
                    taxable,
                })
                .collect(),
            hsn: hsn
                .into_iter()
                .map(|((b2b, hsn, rate_bp, uqc), (qty_milli, sums))| HsnLine {
                    b2b: b2b.0,
                    hsn,
                    uqc,
                    rate_bp,
                    qty_milli,
                    sums,
                })
                .collect(),
            series,
            untaxed_lines,
            untaxed_value_minor,
            inter_state_b2c_lines,
        }
    }
}

/// What the period's documents add up to, as the storage aggregates them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GstFigures {
    pub documents: Vec<DocumentRate>,
    pub small: Vec<SmallSupply>,
    pub nil: Vec<NilSupply>,
    pub hsn: Vec<HsnLine>,
    pub series: Vec<Series>,
    /// Lines of items with no tax class, net of credit notes: kept out of
    /// every return and shown in the summary.
    pub untaxed_lines: i64,
    pub untaxed_value_minor: i64,
    /// Lines of inter-state supplies to unregistered buyers: reported at the
    /// registration's own state, as the till records no walk-in buyer's.
    pub inter_state_b2c_lines: i64,
}

pub(super) fn rupees(minor: i64) -> f64 {
    minor as f64 / 100.0
}

pub(super) fn rate(bp: i32) -> f64 {
    f64::from(bp) / 100.0
}

pub(super) fn milli(q: i64) -> f64 {
    q as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_a_month_on_indian_time() {
        let p = ReturnPeriod::parse("2026-11").unwrap();
        assert_eq!(p.fp(), "112026");
        let (start, end) = p.bounds_ms();
        // 1 November 2026 00:00 IST is 31 October 18:30 UTC.
        assert_eq!(start, 1_793_471_400_000);
        assert_eq!(portal_date(start), "01-11-2026");
        assert_eq!(portal_date(start - 1), "31-10-2026");
        assert_eq!(portal_date(end - 1), "30-11-2026");
        assert_eq!(portal_date(end), "01-12-2026");
        let december = ReturnPeriod::parse("2026-12").unwrap().bounds_ms();
        assert_eq!(december.0, end);
        assert_eq!(portal_date(december.1), "01-01-2027");
        for bad in [
            "2026-13", "2026-00", "26-11", "2026/11", "2017-06", "november", "",
        ] {
            assert!(ReturnPeriod::parse(bad).is_err(), "{bad}");
        }
    }
}
