//! A month of a store's bills for the GST and sales report tests: every
//! kind a store makes (B2C, B2B within and across states, a large inter-state
//! B2C bill, nil-rated and untaxed lines, a line without an HSN code, returns
//! of a B2B and a B2C bill, a number the hub never got, a bill either side of
//! the month's edge on Indian time), uploaded by the till with its Z report.

use crate::helpers::*;
use pos_shared::returns::{refund_for, ReturnFact, ReturnLine};
use pos_shared::sale::{SaleCustomer, SaleFact, SaleLine, Tender, TenderMethod};
use pos_shared::shift::ShiftReport;
use pos_shared::tax::{line_tax, TaxClass};
use pos_shared::{Envelope, Money, MovementId, Qty, ReturnId, ShiftId, Timestamp};
use reqwest::StatusCode;
use serde_json::Value;
pub(crate) const SELLER: &str = "29AAACK1234A1Z6";
pub(crate) const BUYER_HERE: &str = "29AABCB5678C1ZM";
pub(crate) const BUYER_AWAY: &str = "27AACCM9999D1ZW";
pub(crate) const UNUSED: &str = "33AADCT4321E1ZV";

/// 1 November 2026, 00:00 in India.
pub(crate) const NOV_1_IST_MS: i64 = 1_793_471_400_000;

pub(crate) fn ist_november(day: i64, hour: i64, minute: i64) -> Timestamp {
    Timestamp::from_unix_millis(NOV_1_IST_MS + (((day - 1) * 24 + hour) * 60 + minute) * 60_000)
}

/// Taxes a line as a till would: `rate_bp` on its net amount.
pub(crate) fn taxed(line: &mut SaleLine, rate_bp: u32, hsn: Option<&str>, igst: bool) {
    let net = line.unit_price.times(line.qty).expect("net");
    let class = TaxClass {
        rate_bp,
        inclusive: false,
        hsn: hsn.map(str::to_owned),
    };
    let tax = line_tax(net, &class, igst).expect("tax");
    line.line_total = tax.gross(net).expect("gross");
    line.tax = Some(tax);
}

pub(crate) struct Month {
    pub(crate) sales: Vec<SaleFact>,
    pub(crate) returns: Vec<ReturnFact>,
}

pub(crate) fn sale(
    shop: &Shop,
    number: &str,
    at: Timestamp,
    lines: &[(usize, &str)],
    buyer: Option<&str>,
    tax: impl FnOnce(&mut Vec<SaleLine>),
) -> SaleFact {
    let envelope = shop.sale_with(number, lines, tax);
    let mut sale: SaleFact = serde_json::from_value(envelope["data"].clone()).expect("sale");
    sale.occurred_at = at;
    sale.customer = buyer.map(|g| SaleCustomer {
        phone: "9845012345".into(),
        name: Some("Buyer".into()),
        gstin: Some(pos_shared::gstin::Gstin::parse(g).expect("gstin")),
        ..Default::default()
    });
    sale
}

pub(crate) fn give_back(
    sale: &SaleFact,
    line: usize,
    qty: i64,
    number: &str,
    at: Timestamp,
) -> ReturnFact {
    let (refund, tax) = refund_for(&sale.lines[line], Qty::ZERO, Qty::units(qty));
    ReturnFact {
        return_id: ReturnId::new(),
        store_id: sale.store_id,
        terminal_id: sale.terminal_id,
        receipt_no: number.into(),
        original_sale_id: sale.sale_id,
        original_receipt_no: sale.receipt_no.clone(),
        occurred_at: at,
        reason: "damaged".into(),
        lines: vec![ReturnLine {
            movement_id: MovementId::new(),
            sale_line: line,
            variant_id: sale.lines[line].variant_id,
            barcode: sale.lines[line].barcode.clone(),
            name: sale.lines[line].name.clone(),
            qty: Qty::units(qty),
            refund,
            tax,
        }],
        total: refund,
        refunds: vec![Tender {
            method: TenderMethod::Cash,
            amount: refund,
            reference: None,
        }],
        rounding: None,
    }
}

/// November's documents of till T1 (items: 0 tea at ₹145 each, 1 rice at
/// ₹62.50 a kg), and one bill on 1 December.
pub(crate) fn november(shop: &Shop) -> (Month, SaleFact) {
    let b2c = sale(
        shop,
        "T1-000001",
        ist_november(1, 10, 0),
        &[(0, "2"), (1, "1.5")],
        None,
        |l| {
            taxed(&mut l[0], 500, Some("0902"), false);
            taxed(&mut l[1], 0, Some("1006"), false);
        },
    );
    let b2b_here = sale(
        shop,
        "T1-000002",
        ist_november(5, 11, 0),
        &[(0, "10")],
        Some(BUYER_HERE),
        |l| taxed(&mut l[0], 500, Some("0902"), false),
    );
    let b2b_away = sale(
        shop,
        "T1-000003",
        ist_november(8, 12, 0),
        &[(0, "4")],
        Some(BUYER_AWAY),
        |l| taxed(&mut l[0], 1800, Some("0902"), true),
    );
    // ₹1,16,000 + 5 % IGST: a large inter-state B2C bill.
    let large = sale(
        shop,
        "T1-000004",
        ist_november(12, 9, 30),
        &[(0, "800")],
        None,
        |l| taxed(&mut l[0], 500, Some("0902"), true),
    );
    // One line of an item with no tax class, one with no HSN code.
    let gaps = sale(
        shop,
        "T1-000005",
        ist_november(15, 18, 0),
        &[(0, "1"), (0, "1")],
        None,
        |l| taxed(&mut l[1], 500, None, false),
    );
    let back_b2b = give_back(&b2b_here, 0, 2, "T1-000006", ist_november(20, 10, 0));
    let back_b2c = give_back(&b2c, 0, 1, "T1-000007", ist_november(21, 10, 0));
    // T1-000008 never reached the hub.
    let last_minute = sale(
        shop,
        "T1-000009",
        ist_november(30, 23, 59),
        &[(0, "1")],
        None,
        |l| taxed(&mut l[0], 500, Some("0902"), false),
    );
    let december = sale(
        shop,
        "T1-000010",
        ist_november(31, 0, 1),
        &[(0, "1")],
        None,
        |l| taxed(&mut l[0], 500, Some("0902"), false),
    );
    (
        Month {
            sales: vec![b2c, b2b_here, b2b_away, large, gaps, last_minute],
            returns: vec![back_b2b, back_b2c],
        },
        december,
    )
}

pub(crate) fn envelope(
    shop: &Shop,
    id: uuid::Uuid,
    kind: &str,
    at: Timestamp,
    fact: pos_shared::sync::Fact,
) -> Value {
    serde_json::to_value(Envelope::new(
        id,
        kind,
        crate::helpers::source_of(&fact),
        shop.tenant_id.parse().unwrap(),
        at,
        fact,
    ))
    .unwrap()
}

pub(crate) async fn upload_month(shop: &Shop, month: &Month, december: &SaleFact) -> ShiftReport {
    let mut facts: Vec<Value> = month
        .sales
        .iter()
        .chain(std::iter::once(december))
        .map(|s| {
            envelope(
                shop,
                s.sale_id.as_uuid(),
                "pos.sale.completed",
                s.occurred_at,
                pos_shared::sync::Fact::Sale(s.clone()),
            )
        })
        .collect();
    facts.extend(month.returns.iter().map(|r| {
        envelope(
            shop,
            r.return_id.as_uuid(),
            "pos.return.completed",
            r.occurred_at,
            pos_shared::sync::Fact::Return(r.clone()),
        )
    }));
    let z = ShiftReport::compute(
        ShiftId::new(),
        shop.store_id.parse().unwrap(),
        shop.terminal_id.parse().unwrap(),
        "Asha".into(),
        ist_november(1, 8, 0),
        Money::inr(200_000),
        &month.sales,
        &month.returns,
        &[],
        Money::inr(0),
        Money::inr(0),
    )
    .unwrap();
    let z = z
        .clone()
        .close(z.expected_cash, ist_november(30, 23, 59))
        .unwrap();
    facts.push(envelope(
        shop,
        z.shift_id.as_uuid(),
        "pos.shift.closed",
        ist_november(30, 23, 59),
        pos_shared::sync::Fact::ShiftClosed(z.clone()),
    ));
    let (status, ack) = shop.upload(&facts).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert!(
        Shop::statuses(&ack).iter().all(|s| s == "accepted"),
        "{ack}"
    );
    z
}

pub(crate) async fn csv(shop: &Shop, path: &str) -> (StatusCode, String) {
    let response = shop
        .hub
        .http
        .get(format!("{}{path}", shop.hub.base))
        .bearer_auth(&shop.api_key)
        .send()
        .await
        .unwrap();
    let status = response.status();
    if status == StatusCode::OK {
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
    }
    (status, response.text().await.unwrap())
}
