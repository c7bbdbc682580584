//! The day book for the accountant, as Tally imports it: one sales voucher
//! per store and day (its tenders debited, its sales by GST rate and the
//! output tax credited, cash rounding to round off), one credit note per
//! store and day for the returns, and one receipt per store and day for the
//! payments customers made against their dues, in Tally's XML import
//! envelope. Sales and credit notes are read from the same tax documents as
//! the GST returns and the sales reports, so they add up to them to the
//! paisa; receipts from the credit accounts' statements.

use super::sales_report::day_text;
use uuid::Uuid;

/// The kind of voucher a day's documents make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Voucher {
    /// The day's bills.
    Sales,
    /// The day's returns.
    CreditNote,
    /// The day's payments against dues: money in, the customers' account
    /// down.
    Receipt,
}

/// A store's documents of one kind on one day, summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayBook {
    pub store_id: Uuid,
    pub store_code: String,
    pub store_name: String,
    /// Days since the epoch, Indian time.
    pub day: i64,
    pub kind: Voucher,
    pub documents: i64,
    /// The first and last bill or return numbers; empty for receipts.
    pub first_number: String,
    pub last_number: String,
    /// What each method took (or refunded), cash net of change.
    pub tenders: Vec<(String, i64)>,
    /// By rate (basis points; `None`: no tax class): taxable value and tax.
    pub rates: Vec<RateSums>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateSums {
    pub rate_bp: Option<i32>,
    pub taxable: i64,
    pub cgst: i64,
    pub sgst: i64,
    pub igst: i64,
}

/// One line of a voucher: a ledger and its amount in Tally's sign
/// (negative is a debit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub ledger: String,
    pub amount: i64,
}

/// The ledger of what customers owe on account.
const ON_ACCOUNT: &str = "Customers on account";

/// The ledger a tender is posted to.
fn tender_ledger(method: &str) -> String {
    match method {
        "cash" => "Cash".into(),
        "card" => "Card receipts".into(),
        "upi" => "UPI receipts".into(),
        "credit" => ON_ACCOUNT.into(),
        "points" => "Loyalty points redeemed".into(),
        other => format!("{other} receipts"),
    }
}

/// `5`, `2.5`, `0.25`: a rate in basis points as a percentage.
fn percent(bp: i32) -> String {
    let whole = format!("{}.{:02}", bp / 100, bp % 100);
    whole.trim_end_matches('0').trim_end_matches('.').to_owned()
}

impl DayBook {
    /// The voucher's entries: they sum to zero.
    pub fn entries(&self) -> Vec<Entry> {
        // A sale debits what was taken and credits sales and tax; a credit
        // note the other way round; a receipt debits what was taken and
        // credits the customers' account.
        let sign = match self.kind {
            Voucher::Sales | Voucher::Receipt => 1,
            Voucher::CreditNote => -1,
        };
        let mut out: Vec<Entry> = self
            .tenders
            .iter()
            .filter(|(_, a)| *a != 0)
            .map(|(m, a)| Entry {
                ledger: tender_ledger(m),
                amount: -sign * a,
            })
            .collect();
        let mut credited = 0;
        for r in &self.rates {
            let (sales, half, full) = match r.rate_bp.filter(|bp| *bp > 0) {
                Some(bp) => (
                    format!("Sales @ {}%", percent(bp)),
                    percent(bp / 2),
                    percent(bp),
                ),
                None => (
                    "Sales exempt or nil rated".to_owned(),
                    String::new(),
                    String::new(),
                ),
            };
            for (ledger, amount) in [
                (sales, r.taxable),
                (format!("Output CGST @ {half}%"), r.cgst),
                (format!("Output SGST @ {half}%"), r.sgst),
                (format!("Output IGST @ {full}%"), r.igst),
            ] {
                if amount != 0 {
                    credited += amount;
                    out.push(Entry {
                        ledger,
                        amount: sign * amount,
                    });
                }
            }
        }
        let taken: i64 = self.tenders.iter().map(|(_, a)| a).sum();
        let rest = taken - credited;
        if rest != 0 {
            out.push(Entry {
                ledger: match self.kind {
                    Voucher::Receipt => ON_ACCOUNT,
                    _ => "Round off",
                }
                .into(),
                amount: sign * rest,
            });
        }
        out
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn rupees(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.abs() / 100, minor.abs() % 100)
}

/// The vouchers in Tally's XML import envelope, in the order given.
pub fn xml(days: &[DayBook]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ENVELOPE>\n<HEADER><TALLYREQUEST>Import Data</TALLYREQUEST></HEADER>\n\
         <BODY><IMPORTDATA>\n<REQUESTDESC><REPORTNAME>Vouchers</REPORTNAME></REQUESTDESC>\n<REQUESTDATA>\n",
    );
    for d in days {
        let date = day_text(d.day).replace('-', "");
        let (kind, tag, what) = match (d.kind, d.documents == 1) {
            (Voucher::Sales, true) => ("Sales", "", "bill"),
            (Voucher::Sales, false) => ("Sales", "", "bills"),
            (Voucher::CreditNote, true) => ("Credit Note", "CN/", "return"),
            (Voucher::CreditNote, false) => ("Credit Note", "CN/", "returns"),
            (Voucher::Receipt, true) => ("Receipt", "RC/", "payment against dues"),
            (Voucher::Receipt, false) => ("Receipt", "RC/", "payments against dues"),
        };
        let numbers = match d.first_number.is_empty() {
            true => String::new(),
            false => format!(", {} to {}", d.first_number, d.last_number),
        };
        out.push_str(&format!(
            "<TALLYMESSAGE xmlns:UDF=\"TallyUDF\">\n<VOUCHER VCHTYPE=\"{kind}\" ACTION=\"Create\">\n<DATE>{date}</DATE>\n\
             <VOUCHERTYPENAME>{kind}</VOUCHERTYPENAME>\n<VOUCHERNUMBER>{}</VOUCHERNUMBER>\n<PERSISTEDVIEW>Accounting Voucher View</PERSISTEDVIEW>\n\
             <NARRATION>{}</NARRATION>\n",
            escape(&format!("{}/{tag}{date}", d.store_code)),
            escape(&format!(
                "{} {}: {} {what}{numbers}",
                d.store_code, d.store_name, d.documents
            )),
        ));
        for e in d.entries() {
            out.push_str(&format!(
                "<ALLLEDGERENTRIES.LIST><LEDGERNAME>{}</LEDGERNAME><ISDEEMEDPOSITIVE>{}</ISDEEMEDPOSITIVE><AMOUNT>{}</AMOUNT></ALLLEDGERENTRIES.LIST>\n",
                escape(&e.ledger),
                if e.amount < 0 { "Yes" } else { "No" },
                rupees(e.amount)
            ));
        }
        out.push_str("</VOUCHER>\n</TALLYMESSAGE>\n");
    }
    out.push_str("</REQUESTDATA>\n</IMPORTDATA></BODY>\n</ENVELOPE>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(kind: Voucher) -> DayBook {
        DayBook {
            store_id: Uuid::nil(),
            store_code: "BLR-1".into(),
            store_name: "Indiranagar & Co".into(),
            day: 20_397,
            kind,
            documents: 2,
            first_number: "T1-000001".into(),
            last_number: "T1-000002".into(),
            // ₹210 of goods at 5% and ₹62.50 exempt, paid ₹200 card and
            // ₹73 cash (rounded up by 50 paise).
            tenders: vec![("card".into(), 20_000), ("cash".into(), 7_300)],
            rates: vec![
                RateSums {
                    rate_bp: Some(500),
                    taxable: 20_000,
                    cgst: 500,
                    sgst: 500,
                    igst: 0,
                },
                RateSums {
                    rate_bp: None,
                    taxable: 6_250,
                    cgst: 0,
                    sgst: 0,
                    igst: 0,
                },
            ],
        }
    }

    #[test]
    fn a_day_balances_and_reads_as_tally_imports_it() {
        for kind in [Voucher::Sales, Voucher::CreditNote] {
            let entries = day(kind).entries();
            assert_eq!(
                entries.iter().map(|e| e.amount).sum::<i64>(),
                0,
                "{entries:?}"
            );
            let round = entries.iter().find(|e| e.ledger == "Round off").unwrap();
            assert_eq!(round.amount.abs(), 50);
        }
        let sales = day(Voucher::Sales).entries();
        assert_eq!(
            sales[0],
            Entry {
                ledger: "Card receipts".into(),
                amount: -20_000
            }
        );
        assert!(sales.contains(&Entry {
            ledger: "Output CGST @ 2.5%".into(),
            amount: 500
        }));
        assert!(sales.contains(&Entry {
            ledger: "Sales exempt or nil rated".into(),
            amount: 6_250
        }));
        let text = xml(&[day(Voucher::Sales)]);
        assert!(text.contains("<DATE>20251105</DATE>"), "{text}");
        assert!(text.contains("BLR-1 Indiranagar &amp; Co: 2 bills, T1-000001 to T1-000002"));
        assert!(text.contains("<LEDGERNAME>Cash</LEDGERNAME><ISDEEMEDPOSITIVE>Yes</ISDEEMEDPOSITIVE><AMOUNT>-73.00</AMOUNT>"));
        assert_eq!(percent(25), "0.25");

        // A day's payments against dues: money in, the account down.
        let receipt = DayBook {
            kind: Voucher::Receipt,
            documents: 1,
            first_number: String::new(),
            last_number: String::new(),
            tenders: vec![("upi".into(), 12_000)],
            rates: vec![],
            ..day(Voucher::Sales)
        };
        assert_eq!(
            receipt.entries(),
            [
                Entry {
                    ledger: "UPI receipts".into(),
                    amount: -12_000
                },
                Entry {
                    ledger: ON_ACCOUNT.into(),
                    amount: 12_000
                }
            ]
        );
        let text = xml(&[receipt]);
        assert!(text.contains("VCHTYPE=\"Receipt\""), "{text}");
        assert!(
            text.contains(
                "<NARRATION>BLR-1 Indiranagar &amp; Co: 1 payment against dues</NARRATION>"
            ),
            "{text}"
        );
        assert_eq!(percent(1800), "18");
    }
}
