//! The summary HQ checks before filing a period: its GST by rate (what the
//! Z reports say), and what no return carries or is not settled yet: lines
//! without a tax class or HSN code, numbers the hub never received, tills
//! holding unsent facts, IGST sales with no buyer's state, rows below zero.

use super::{DocKind, GstFigures, ReturnPeriod, Series, TaxSums};
use pos_shared::gstin::Gstin;
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::gst::returns::{gstr1, range};
    use crate::domain::gst::Supply;

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
        let cell = |kind, rate_bp, taxable, hsn: &str| crate::domain::gst::GstCell {
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
