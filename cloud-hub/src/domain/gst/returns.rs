//! The returns in the portal's JSON, from a period's figures: GSTR-1 and
//! GSTR-3B's outward supplies.

use super::{
    milli, portal_date, rate, rupees, DocKind, DocumentRate, GstFigures, ReturnPeriod, Series,
    Supply, TaxSums,
};
use pos_shared::gstin::Gstin;
use serde::Serialize;
use std::collections::BTreeMap;

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
pub(super) fn range(series: &Series, num: u32) -> DocRange {
    DocRange {
        num,
        from: series.first.clone(),
        to: series.last.clone(),
        totnum: series.count,
        cancel: 0,
        net_issue: series.count,
    }
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
