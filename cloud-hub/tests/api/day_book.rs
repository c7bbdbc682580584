//! The day book for Tally, from the month of `gst_month`: well-formed XML
//! (read by Python's own parser), one voucher per store, day and kind, each
//! balancing to the paisa, and the month's output tax in them equal to the
//! sales report's; payments against dues as a receipt; a bad range is
//! refused by field.

use crate::gst_month::*;
use crate::helpers::*;
use crate::on_both_backends;
use pos_shared::credit::DuesPayment;
use pos_shared::sale::TenderMethod;
use pos_shared::sync::Fact;
use pos_shared::Money;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const PHONE: &str = "+919876543210";

/// What Python's XML parser reads of the envelope: each voucher's type,
/// date, the sum of its amounts in paise and its tax in paise.
fn read_vouchers(xml: &str) -> Vec<Value> {
    let python = std::env::var("ORACLE_PYTHON")
        .expect("ORACLE_PYTHON is not set: run ./scripts/test.sh, which installs the test venv");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("day_book.xml");
    std::fs::write(&file, xml).unwrap();
    let script = "import json, sys, decimal, xml.etree.ElementTree as ET\n\
        root = ET.parse(sys.argv[1]).getroot()\n\
        out = []\n\
        for v in root.iter('VOUCHER'):\n\
        \x20   entries = [(e.findtext('LEDGERNAME'), int(decimal.Decimal(e.findtext('AMOUNT')) * 100), e.findtext('ISDEEMEDPOSITIVE')) for e in v.iter('ALLLEDGERENTRIES.LIST')]\n\
        \x20   signs_right = all((a < 0) == (p == 'Yes') for _, a, p in entries)\n\
        \x20   out.append({'type': v.get('VCHTYPE'), 'date': v.findtext('DATE'), 'sum': sum(a for _, a, _ in entries), 'signs_right': signs_right,\n\
        \x20               'tax': sum(a for n, a, _ in entries if n.startswith('Output ')), 'narration': v.findtext('NARRATION'),\n\
        \x20               'entries': {n: a for n, a, _ in entries}})\n\
        print(json.dumps(out))\n";
    let out = std::process::Command::new(python)
        .args(["-c", script])
        .arg(&file)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "the day book is not well-formed XML:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn a_months_day_book_balances_and_matches_the_sales_report(backend: Backend) {
    let shop = shop(backend).await;
    let (month, december) = november(&shop);
    upload_month(&shop, &month, &december).await;
    // A customer pays ₹70 and ₹50 against her dues on 15 November.
    let account = format!("/v1/stores/{}/credit-accounts/{PHONE}", shop.store_id);
    let (s, b) = shop
        .hub
        .put(
            &account,
            &shop.api_key,
            json!({"limit": {"minor": 100_000, "currency": "INR"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let payments: Vec<Value> = [
        (7_000, TenderMethod::Cash, None),
        (5_000, TenderMethod::Upi, Some("412345678901")),
    ]
    .into_iter()
    .map(|(minor, method, reference)| {
        let id = Uuid::now_v7();
        let at = ist_november(15, 11, 0);
        let paid = DuesPayment {
            payment_id: id,
            store_id: shop.store_id.parse().unwrap(),
            terminal_id: shop.terminal_id.parse().unwrap(),
            phone: PHONE.into(),
            amount: Money::inr(minor),
            method,
            reference: reference.map(str::to_owned),
            occurred_at: at,
            cashier: None,
        };
        envelope(&shop, id, "pos.dues.paid", at, Fact::DuesPaid(paid))
    })
    .collect();
    let (_, ack) = shop.upload(&payments).await;
    assert_eq!(Shop::statuses(&ack), ["accepted", "accepted"], "{ack}");
    let range = "from=2026-11-01&to=2026-11-30";
    let response = shop
        .hub
        .http
        .get(format!("{}/v1/reports/tally?{range}", shop.hub.base))
        .bearer_auth(&shop.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/xml"));
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("day_book_2026-11-01_2026-11-30.xml"));
    let xml = response.text().await.unwrap();
    let vouchers = read_vouchers(&xml);
    assert!(!vouchers.is_empty(), "{xml}");
    for v in &vouchers {
        assert_eq!(v["sum"], 0, "a voucher balances: {v}");
        assert_eq!(v["signs_right"], true, "debits are deemed positive: {v}");
        assert!(
            v["date"].as_str().unwrap().starts_with("202611"),
            "December stays out: {v}"
        );
    }
    let kinds: Vec<&str> = vouchers
        .iter()
        .map(|v| v["type"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"Sales") && kinds.contains(&"Credit Note"),
        "{kinds:?}"
    );
    // The day's payments against dues: one receipt, money in, the
    // customers' account down by as much.
    let receipts: Vec<&Value> = vouchers.iter().filter(|v| v["type"] == "Receipt").collect();
    assert_eq!(receipts.len(), 1, "{vouchers:?}");
    assert_eq!(receipts[0]["date"], "20261115");
    assert_eq!(
        receipts[0]["entries"],
        json!({"Cash": -7_000, "UPI receipts": -5_000, "Customers on account": 12_000})
    );
    assert!(
        receipts[0]["narration"]
            .as_str()
            .unwrap()
            .ends_with("2 payments against dues"),
        "{}",
        receipts[0]
    );
    // Sales credit tax, credit notes debit it: net, the sales report's GST.
    let tax: i64 = vouchers.iter().map(|v| v["tax"].as_i64().unwrap()).sum();
    let (_, report) = shop
        .hub
        .get(&format!("/v1/reports/sales?{range}&by=day"), &shop.api_key)
        .await;
    assert_eq!(
        tax,
        report["total"]["tax_minor"].as_i64().unwrap(),
        "{report}"
    );
    // One voucher per day and kind: as many sales vouchers as days with bills.
    let days_with_bills = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["bills"].as_i64() > Some(0))
        .count();
    assert_eq!(
        kinds.iter().filter(|k| **k == "Sales").count(),
        days_with_bills
    );

    let (s, b) = shop
        .hub
        .get(
            "/v1/reports/tally?from=2026-11-30&to=2026-11-01",
            &shop.api_key,
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "to");
    let (s, b) = shop
        .hub
        .get("/v1/reports/tally?from=2026-11-01", &shop.api_key)
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_query");
}
on_both_backends!(a_months_day_book_balances_and_matches_the_sales_report);
