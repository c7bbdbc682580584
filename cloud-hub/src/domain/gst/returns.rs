//! The returns in the portal's JSON, from a period's figures: GSTR-1,
//! GSTR-3B's outward supplies, and the summary HQ checks before filing
//! (with the numbers the hub has not received).

use super::{
    milli, portal_date, rate, rupees, DocKind, DocumentRate, GstFigures, ReturnPeriod, Series,
    Supply, TaxSums,
};
use pos_shared::gstin::Gstin;
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

// --- GSTR-1 ----------------------------------------------------------------

/// GSTR-1 for one GSTIN and month, in the portal's JSON.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Gstr1 {
    pub gstin: String,
    /// The filing period, `MMYYYY`.
    pub fp: String,
    pub b2b: Vec<B2bParty>,
    pub b2cl: Vec<B2clPlace>,
    pub b2cs: Vec<B2csLine>,
    pub cdnr: Vec<CdnrParty>,
    pub cdnur: Vec<CdnurNote>,
    pub nil: NilTable,
    pub hsn: HsnTable,
    pub doc_iss: DocIssue,
}

/// Taxable value, rate and tax of one rate of a document (`itm_det`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemDetail {
    pub txval: f64,
    pub rt: f64,
    pub iamt: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camt: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samt: Option<f64>,
    pub csamt: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Item {
    pub num: u32,
    pub itm_det: ItemDetail,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct B2bParty {
    pub ctin: String,
    pub inv: Vec<B2bInvoice>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct B2bInvoice {
    pub inum: String,
    pub idt: String,
    pub val: f64,
    pub pos: String,
    pub rchrg: String,
    pub inv_typ: String,
    pub itms: Vec<Item>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct B2clPlace {
    pub pos: String,
    pub inv: Vec<B2clInvoice>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct B2clInvoice {
    pub inum: String,
    pub idt: String,
    pub val: f64,
    pub itms: Vec<Item>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct B2csLine {
    /// `INTRA` or `INTER`.
    pub sply_ty: String,
    pub pos: String,
    /// `OE`: not through an e-commerce operator.
    pub typ: String,
    pub rt: f64,
    pub txval: f64,
    pub iamt: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camt: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samt: Option<f64>,
    pub csamt: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CdnrParty {
    pub ctin: String,
    pub nt: Vec<CdnrNote>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CdnrNote {
    /// `C`: a credit note.
    pub ntty: String,
    pub nt_num: String,
    pub nt_dt: String,
    pub val: f64,
    pub pos: String,
    pub rchrg: String,
    pub inv_typ: String,
    pub itms: Vec<Item>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CdnurNote {
    /// `B2CL`: a credit note on a large inter-state B2C invoice.
    pub typ: String,
    pub ntty: String,
    pub nt_num: String,
    pub nt_dt: String,
    pub val: f64,
    pub pos: String,
    pub itms: Vec<Item>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NilTable {
    pub inv: Vec<NilLine>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NilLine {
    /// `INTRB2B`, `INTRB2C`, `INTRAB2B` or `INTRAB2C`.
    pub sply_ty: String,
    pub nil_amt: f64,
    pub expt_amt: f64,
    pub ngsup_amt: f64,
}

/// Table 12, split into supplies to registered and unregistered buyers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HsnTable {
    pub hsn_b2b: Vec<HsnEntry>,
    pub hsn_b2c: Vec<HsnEntry>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HsnEntry {
    pub num: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hsn_sc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    pub uqc: String,
    pub qty: f64,
    pub rt: f64,
    pub txval: f64,
    pub iamt: f64,
    pub camt: f64,
    pub samt: f64,
    pub csamt: f64,
}

/// Table 13, documents issued.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocIssue {
    pub doc_det: Vec<DocTypeIssued>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocTypeIssued {
    /// 1: invoices for outward supply; 5: credit notes.
    pub doc_num: u32,
    pub doc_typ: String,
    pub docs: Vec<DocRange>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocRange {
    pub num: u32,
    pub from: String,
    pub to: String,
    pub totnum: i64,
    pub cancel: i64,
    pub net_issue: i64,
}

fn detail(rate_bp: i32, sums: &TaxSums, inter_state: bool) -> ItemDetail {
    ItemDetail {
        txval: rupees(sums.taxable),
        rt: rate(rate_bp),
        iamt: rupees(sums.igst),
        camt: (!inter_state).then(|| rupees(sums.cgst)),
        samt: (!inter_state).then(|| rupees(sums.sgst)),
        csamt: 0.0,
    }
}

/// A document's rates grouped with its head, in the order given.
struct GroupedDoc<'a> {
    head: &'a DocumentRate,
    items: Vec<Item>,
}

fn grouped<'a>(rows: impl Iterator<Item = &'a DocumentRate>) -> Vec<GroupedDoc<'a>> {
    let mut docs: Vec<GroupedDoc<'a>> = Vec::new();
    for row in rows {
        let same = docs.last().is_some_and(|d| {
            d.head.kind == row.kind
                && d.head.number == row.number
                && d.head.issued_at_ms == row.issued_at_ms
        });
        if !same {
            docs.push(GroupedDoc {
                head: row,
                items: Vec::new(),
            });
        }
        let doc = docs.last_mut().expect("just pushed");
        let num = doc.items.len() as u32 + 1;
        doc.items.push(Item {
            num,
            itm_det: detail(row.rate_bp, &row.sums, row.inter_state),
        });
    }
    docs
}

/// The place of supply: the B2B buyer's state when inter-state, else the
/// registration's.
fn place(gstin: &Gstin, buyer: Option<&str>, inter_state: bool) -> String {
    match buyer {
        Some(b) if inter_state && b.len() >= 2 => b[..2].to_owned(),
        _ => gstin.state_code().to_owned(),
    }
}

/// A kind's documents of one terminal as Table 13 lists them. A till never
/// cancels a number (a bill is numbered when it is paid), so every number
/// the hub holds is issued; numbers it does not hold are in [`gaps`].
fn range(series: &Series, num: u32) -> DocRange {
    DocRange {
        num,
        from: series.first.clone(),
        to: series.last.clone(),
        totnum: series.count,
        cancel: 0,
        net_issue: series.count,
    }
}

/// Numbers inside a terminal's series in the period that the hub holds no
/// document for: a till that has not uploaded them yet, so the period is not
/// complete. Series whose numbers are not one prefix with a fixed-width
/// number are not judged.
pub fn gaps(series: &[Series]) -> Vec<NumberingGap> {
    fn split(s: &str) -> (&str, &str) {
        let digits = s.bytes().rev().take_while(u8::is_ascii_digit).count();
        s.split_at(s.len() - digits)
    }
    let mut by_terminal: BTreeMap<Uuid, Vec<&Series>> = BTreeMap::new();
    for s in series {
        by_terminal.entry(s.terminal_id).or_default().push(s);
    }
    let mut out = Vec::new();
    for (terminal_id, kinds) in by_terminal {
        let first = kinds
            .iter()
            .map(|s| s.first.as_str())
            .min()
            .unwrap_or_default();
        let last = kinds
            .iter()
            .map(|s| s.last.as_str())
            .max()
            .unwrap_or_default();
        let held: i64 = kinds.iter().map(|s| s.count).sum();
        let (p1, n1) = split(first);
        let (p2, n2) = split(last);
        let same_shape = kinds.iter().all(|s| {
            let (a, b) = (split(&s.first), split(&s.last));
            a.0 == p1 && b.0 == p1 && a.1.len() == n1.len() && b.1.len() == n1.len()
        });
        if let (Ok(a), Ok(b), true) = (n1.parse::<i64>(), n2.parse::<i64>(), same_shape && p1 == p2)
        {
            let missing = (b - a + 1) - held;
            if missing > 0 {
                out.push(NumberingGap {
                    terminal_id,
                    from: first.to_owned(),
                    to: last.to_owned(),
                    held,
                    missing,
                });
            }
        }
    }
    out
}

/// A terminal's numbers the hub does not hold yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NumberingGap {
    pub terminal_id: Uuid,
    pub from: String,
    pub to: String,
    /// Documents the hub holds between `from` and `to`.
    pub held: i64,
    /// Numbers between them it holds no document for.
    pub missing: i64,
}

/// GSTR-1 from the period's figures.
pub fn gstr1(gstin: &Gstin, period: ReturnPeriod, f: &GstFigures) -> Gstr1 {
    let of = |kind: DocKind, supply: Supply| {
        f.documents
            .iter()
            .filter(move |d| d.kind == kind && d.supply == supply)
    };
    let mut b2b: BTreeMap<String, Vec<B2bInvoice>> = BTreeMap::new();
    for doc in grouped(of(DocKind::Invoice, Supply::B2b)) {
        let buyer = doc.head.buyer_gstin.clone().unwrap_or_default();
        b2b.entry(buyer.clone()).or_default().push(B2bInvoice {
            inum: doc.head.number.clone(),
            idt: portal_date(doc.head.issued_at_ms),
            val: rupees(doc.head.value_minor),
            pos: place(gstin, Some(&buyer), doc.head.inter_state),
            rchrg: "N".into(),
            inv_typ: "R".into(),
            itms: doc.items,
        });
    }
    let mut b2cl: BTreeMap<String, Vec<B2clInvoice>> = BTreeMap::new();
    for doc in grouped(of(DocKind::Invoice, Supply::B2cl)) {
        let items = doc
            .items
            .into_iter()
            .map(|mut i| {
                i.itm_det.camt = None;
                i.itm_det.samt = None;
                i
            })
            .collect();
        b2cl.entry(place(gstin, None, true))
            .or_default()
            .push(B2clInvoice {
                inum: doc.head.number.clone(),
                idt: portal_date(doc.head.issued_at_ms),
                val: rupees(doc.head.value_minor),
                itms: items,
            });
    }
    let mut cdnr: BTreeMap<String, Vec<CdnrNote>> = BTreeMap::new();
    for doc in grouped(of(DocKind::CreditNote, Supply::B2b)) {
        let buyer = doc.head.buyer_gstin.clone().unwrap_or_default();
        cdnr.entry(buyer.clone()).or_default().push(CdnrNote {
            ntty: "C".into(),
            nt_num: doc.head.number.clone(),
            nt_dt: portal_date(doc.head.issued_at_ms),
            val: rupees(doc.head.value_minor),
            pos: place(gstin, Some(&buyer), doc.head.inter_state),
            rchrg: "N".into(),
            inv_typ: "R".into(),
            itms: doc.items,
        });
    }
    let cdnur = grouped(of(DocKind::CreditNote, Supply::B2cl))
        .into_iter()
        .map(|doc| CdnurNote {
            typ: "B2CL".into(),
            ntty: "C".into(),
            nt_num: doc.head.number.clone(),
            nt_dt: portal_date(doc.head.issued_at_ms),
            val: rupees(doc.head.value_minor),
            pos: place(gstin, None, true),
            itms: doc.items,
        })
        .collect();
    // A rate whose credit notes cancel its supplies leaves no row.
    let b2cs = f
        .small
        .iter()
        .filter(|s| s.sums != TaxSums::default())
        .map(|s| B2csLine {
            sply_ty: if s.inter_state { "INTER" } else { "INTRA" }.into(),
            pos: gstin.state_code().to_owned(),
            typ: "OE".into(),
            rt: rate(s.rate_bp),
            txval: rupees(s.sums.taxable),
            iamt: rupees(s.sums.igst),
            camt: (!s.inter_state).then(|| rupees(s.sums.cgst)),
            samt: (!s.inter_state).then(|| rupees(s.sums.sgst)),
            csamt: 0.0,
        })
        .collect();
    let nil = NilTable {
        inv: f
            .nil
            .iter()
            .filter(|n| n.taxable != 0)
            .map(|n| NilLine {
                sply_ty: match (n.inter_state, n.b2b) {
                    (true, true) => "INTRB2B",
                    (true, false) => "INTRB2C",
                    (false, true) => "INTRAB2B",
                    (false, false) => "INTRAB2C",
                }
                .into(),
                nil_amt: rupees(n.taxable),
                expt_amt: 0.0,
                ngsup_amt: 0.0,
            })
            .collect(),
    };
    let hsn_of = |b2b: bool| -> Vec<HsnEntry> {
        f.hsn
            .iter()
            .filter(|h| h.b2b == b2b && (h.qty_milli != 0 || h.sums != TaxSums::default()))
            .enumerate()
            .map(|(i, h)| HsnEntry {
                num: i as u32 + 1,
                hsn_sc: h.hsn.clone(),
                desc: h.hsn.is_none().then(|| "Item without HSN code".to_owned()),
                uqc: h.uqc.clone(),
                qty: milli(h.qty_milli),
                rt: rate(h.rate_bp),
                txval: rupees(h.sums.taxable),
                iamt: rupees(h.sums.igst),
                camt: rupees(h.sums.cgst),
                samt: rupees(h.sums.sgst),
                csamt: 0.0,
            })
            .collect()
    };
    let docs_of = |kind: DocKind| -> Vec<DocRange> {
        f.series
            .iter()
            .filter(|s| s.kind == kind)
            .enumerate()
            .map(|(i, s)| range(s, i as u32 + 1))
            .collect()
    };
    let mut doc_det = Vec::new();
    for (kind, doc_num, doc_typ) in [
        (DocKind::Invoice, 1, "Invoices for outward supply"),
        (DocKind::CreditNote, 5, "Credit Note"),
    ] {
        let docs = docs_of(kind);
        if !docs.is_empty() {
            doc_det.push(DocTypeIssued {
                doc_num,
                doc_typ: doc_typ.into(),
                docs,
            });
        }
    }
    Gstr1 {
        gstin: gstin.as_str().to_owned(),
        fp: period.fp(),
        b2b: b2b
            .into_iter()
            .map(|(ctin, inv)| B2bParty { ctin, inv })
            .collect(),
        b2cl: b2cl
            .into_iter()
            .map(|(pos, inv)| B2clPlace { pos, inv })
            .collect(),
        b2cs,
        cdnr: cdnr
            .into_iter()
            .map(|(ctin, nt)| CdnrParty { ctin, nt })
            .collect(),
        cdnur,
        nil,
        hsn: HsnTable {
            hsn_b2b: hsn_of(true),
            hsn_b2c: hsn_of(false),
        },
        doc_iss: DocIssue { doc_det },
    }
}

// --- GSTR-3B ---------------------------------------------------------------

/// The outward supplies of GSTR-3B (table 3.1) and inter-state supplies to
/// unregistered buyers (table 3.2), in the portal's JSON.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Gstr3b {
    pub gstin: String,
    pub ret_period: String,
    pub sup_details: SupplyDetails,
    pub inter_sup: InterSupplies,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupplyDetails {
    /// 3.1(a): taxable outward supplies, net of credit notes.
    pub osup_det: TaxFigures,
    /// 3.1(b): zero-rated supplies (exports): none at a store counter.
    pub osup_zero: TaxFigures,
    /// 3.1(c): nil-rated and exempt supplies.
    pub osup_nil_exmp: TaxFigures,
    /// 3.1(d): inward supplies on reverse charge: none from sales.
    pub isup_rev: TaxFigures,
    /// 3.1(e): non-GST outward supplies.
    pub osup_nongst: TaxFigures,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct TaxFigures {
    pub txval: f64,
    pub iamt: f64,
    pub camt: f64,
    pub samt: f64,
    pub csamt: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InterSupplies {
    pub unreg_details: Vec<PlaceFigures>,
    pub comp_details: Vec<PlaceFigures>,
    pub uin_details: Vec<PlaceFigures>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlaceFigures {
    pub pos: String,
    pub txval: f64,
    pub iamt: f64,
}

fn figures(s: &TaxSums) -> TaxFigures {
    TaxFigures {
        txval: rupees(s.taxable),
        iamt: rupees(s.igst),
        camt: rupees(s.cgst),
        samt: rupees(s.sgst),
        csamt: 0.0,
    }
}

/// GSTR-3B's outward figures from the period's figures.
pub fn gstr3b(gstin: &Gstin, period: ReturnPeriod, f: &GstFigures) -> Gstr3b {
    let mut taxed = TaxSums::default();
    let mut unregistered_inter = TaxSums::default();
    for d in &f.documents {
        let sign = if d.kind == DocKind::CreditNote { -1 } else { 1 };
        let s = d.sums.times(sign);
        taxed.add(&s);
        if d.supply == Supply::B2cl {
            unregistered_inter.add(&s);
        }
    }
    for s in &f.small {
        taxed.add(&s.sums);
        if s.inter_state {
            unregistered_inter.add(&s.sums);
        }
    }
    let nil = TaxSums {
        taxable: f.nil.iter().map(|n| n.taxable).sum(),
        ..TaxSums::default()
    };
    let unreg_details = if unregistered_inter == TaxSums::default() {
        Vec::new()
    } else {
        vec![PlaceFigures {
            pos: gstin.state_code().to_owned(),
            txval: rupees(unregistered_inter.taxable),
            iamt: rupees(unregistered_inter.igst),
        }]
    };
    Gstr3b {
        gstin: gstin.as_str().to_owned(),
        ret_period: period.fp(),
        sup_details: SupplyDetails {
            osup_det: figures(&taxed),
            osup_zero: TaxFigures::default(),
            osup_nil_exmp: figures(&nil),
            isup_rev: TaxFigures::default(),
            osup_nongst: TaxFigures::default(),
        },
        inter_sup: InterSupplies {
            unreg_details,
            comp_details: Vec::new(),
            uin_details: Vec::new(),
        },
    }
}

// --- the summary HQ checks before filing -------------------------------------

/// The period's tax by rate, net of credit notes, with what the returns
/// leave out: what HQ compares with the Z reports before filing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GstSummary {
    pub gstin: String,
    pub period: String,
    pub invoices: i64,
    pub credit_notes: i64,
    /// Rates ascending, in paise.
    pub by_rate: Vec<RateTotal>,
    /// Lines of items that had no tax class when sold: in no return.
    pub untaxed_lines: i64,
    pub untaxed_value_minor: i64,
    /// HSN summary lines without an HSN code (the items had none when sold).
    pub lines_without_hsn: i64,
    /// Numbers the tills issued that the hub holds no document for yet.
    pub numbering_gaps: Vec<NumberingGap>,
    /// Tills of these stores holding facts they have not uploaded (as they
    /// last reported), made before the period ended.
    pub unsent_at_tills: Vec<UnsentAtTill>,
    /// Whether the period has ended, no number is missing and no till holds
    /// unsent facts of it: the figures will not change.
    pub complete: bool,
    /// Lines of inter-state supplies to unregistered buyers, reported at the
    /// registration's own state because the till records no walk-in buyer's
    /// state: give their place of supply before filing.
    pub inter_state_b2c_lines: i64,
    /// B2C small, nil-rated and HSN rows that net below zero: this month's
    /// credit notes exceed its supplies there (returns of an earlier month's
    /// bills), which the portal takes as an amendment of that month instead.
    pub rows_below_zero: i64,
}

/// A till that holds facts it has not uploaded, as it last reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UnsentAtTill {
    pub store_id: pos_shared::StoreId,
    pub terminal_id: pos_shared::TerminalId,
    pub terminal_name: String,
    /// Facts waiting to be uploaded.
    pub queue_depth: u64,
    /// Facts the hub refused, held in quarantine at the till.
    pub quarantined: u64,
    pub oldest_unsent_at: Option<pos_shared::Timestamp>,
    pub last_seen_at: Option<pos_shared::Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RateTotal {
    pub rate_bp: i32,
    pub taxable_minor: i64,
    pub cgst_minor: i64,
    pub sgst_minor: i64,
    pub igst_minor: i64,
}

/// The summary of the period's figures, at `now_ms`, with the tills that
/// hold unsent facts made before the period's end.
pub fn summary(
    gstin: &Gstin,
    period: ReturnPeriod,
    f: &GstFigures,
    unsent_at_tills: Vec<UnsentAtTill>,
    now_ms: i64,
) -> GstSummary {
    let below = |s: &TaxSums| s.taxable < 0 || s.tax() < 0;
    let rows_below_zero = f.small.iter().filter(|s| below(&s.sums)).count()
        + f.nil.iter().filter(|n| n.taxable < 0).count()
        + f.hsn
            .iter()
            .filter(|h| below(&h.sums) || h.qty_milli < 0)
            .count();
    let numbering_gaps = gaps(&f.series);
    let complete =
        period.bounds_ms().1 <= now_ms && numbering_gaps.is_empty() && unsent_at_tills.is_empty();
    let mut by_rate: BTreeMap<i32, TaxSums> = BTreeMap::new();
    for h in &f.hsn {
        by_rate.entry(h.rate_bp).or_default().add(&h.sums);
    }
    let count = |kind: DocKind| {
        f.series
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.count)
            .sum()
    };
    GstSummary {
        gstin: gstin.as_str().to_owned(),
        period: format!("{}-{:02}", period.year, period.month),
        invoices: count(DocKind::Invoice),
        credit_notes: count(DocKind::CreditNote),
        by_rate: by_rate
            .into_iter()
            .map(|(rate_bp, s)| RateTotal {
                rate_bp,
                taxable_minor: s.taxable,
                cgst_minor: s.cgst,
                sgst_minor: s.sgst,
                igst_minor: s.igst,
            })
            .collect(),
        untaxed_lines: f.untaxed_lines,
        untaxed_value_minor: f.untaxed_value_minor,
        lines_without_hsn: f.hsn.iter().filter(|h| h.hsn.is_none()).count() as i64,
        numbering_gaps,
        unsent_at_tills,
        complete,
        inter_state_b2c_lines: f.inter_state_b2c_lines,
        rows_below_zero: rows_below_zero as i64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_a_till_issued_that_the_hub_lacks_are_gaps() {
        let till = Uuid::now_v7();
        let series = |kind, first: &str, last: &str, count| Series {
            terminal_id: till,
            kind,
            first: first.into(),
            last: last.into(),
            count,
        };
        // Invoices 7..16 less 11 and 13, credit notes 11 and 13: complete.
        let whole = [
            series(DocKind::Invoice, "T1-000007", "T1-000016", 8),
            series(DocKind::CreditNote, "T1-000011", "T1-000013", 2),
        ];
        assert_eq!(gaps(&whole), []);
        assert_eq!(range(&whole[0], 1).totnum, 8);
        let short = [series(DocKind::Invoice, "T1-000007", "T1-000016", 7)];
        let gap = &gaps(&short)[0];
        assert_eq!((gap.held, gap.missing, gap.terminal_id), (7, 3, till));
        let odd = [series(DocKind::Invoice, "A-9", "B-10", 1)];
        assert_eq!(gaps(&odd), []);
    }

    #[test]
    fn rows_that_net_to_nothing_are_left_out_and_below_zero_are_counted() {
        let gstin = Gstin::parse("29AAACK1234A1Z6").unwrap();
        let period = ReturnPeriod::parse("2026-12").unwrap();
        let cell = |kind, rate_bp, taxable, hsn: &str| super::super::GstCell {
            supply: Supply::B2cs,
            kind,
            inter_state: false,
            rate_bp: Some(rate_bp),
            hsn: Some(hsn.into()),
            uqc: "NOS".into(),
            lines: 1,
            qty_milli: 1000,
            sums: TaxSums {
                taxable,
                cgst: taxable / 20,
                sgst: taxable / 20,
                igst: 0,
            },
        };
        let cells = vec![
            // 18 %: a sale and its return in the month, nothing left.
            cell(DocKind::Invoice, 1800, 10_000, "3401"),
            cell(DocKind::CreditNote, 1800, 10_000, "3401"),
            // 5 %: only a return of last month's bill.
            cell(DocKind::CreditNote, 500, 4_000, "0902"),
        ];
        let f = GstFigures::from_cells(cells, Vec::new(), Vec::new());
        let r = gstr1(&gstin, period, &f);
        assert_eq!(r.b2cs.len(), 1);
        assert_eq!((r.b2cs[0].rt, r.b2cs[0].txval), (5.0, -40.0));
        assert_eq!(r.hsn.hsn_b2c.len(), 1);
        let s = summary(&gstin, period, &f, Vec::new(), 0);
        // The B2CS row and its HSN line.
        assert_eq!(s.rows_below_zero, 2);
        assert!(!s.complete, "December 2026 has not ended at the epoch");
    }
}
