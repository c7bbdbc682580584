//! `hubctl gst` against a real hub: a store registered under a GSTIN, a B2B
//! and a B2C bill uploaded by its till, and the month's returns written to
//! files (the portal JSON, a CSV section) and summed up on the terminal.

use crate::helpers::{shop, Backend, Shop};
use crate::hubctl::hubctl;
use crate::on_both_backends;
use pos_shared::sale::{SaleCustomer, SaleFact};
use pos_shared::tax::{line_tax, TaxClass};
use pos_shared::{Envelope, Timestamp};

const SELLER: &str = "29AAACK1234A1Z6";
const BUYER: &str = "29AABCB5678C1ZM";
/// 10 November 2026, 12:00 in India.
const NOV_10_NOON_IST_MS: i64 = 1_794_292_200_000;

/// A bill of one tea at 5 % on 10 November, to `buyer` if given.
fn bill(shop: &Shop, number: &str, buyer: Option<&str>) -> serde_json::Value {
    let envelope = shop.sale_with(number, &[(0, "1")], |lines| {
        let net = lines[0].unit_price.times(lines[0].qty).unwrap();
        let class = TaxClass {
            rate_bp: 500,
            inclusive: false,
            hsn: Some("0902".into()),
        };
        let tax = line_tax(net, &class, false).unwrap();
        lines[0].line_total = tax.gross(net).unwrap();
        lines[0].tax = Some(tax);
    });
    let mut sale: SaleFact = serde_json::from_value(envelope["data"].clone()).unwrap();
    sale.occurred_at = Timestamp::from_unix_millis(NOV_10_NOON_IST_MS);
    sale.customer = buyer.map(|g| SaleCustomer {
        phone: "9845012345".into(),
        name: None,
        gstin: Some(pos_shared::gstin::Gstin::parse(g).unwrap()),
        ..Default::default()
    });
    serde_json::to_value(Envelope::new(
        sale.sale_id.as_uuid(),
        "pos.sale.completed",
        format!("terminal:{}", shop.terminal_id),
        shop.tenant_id.parse().unwrap(),
        sale.occurred_at,
        pos_shared::sync::Fact::Sale(sale),
    ))
    .unwrap()
}

async fn an_accountant_files_the_month_from_the_command_line(backend: Backend) {
    let shop = shop(backend).await;
    let base = shop.hub.base.clone();
    let key = Some(shop.api_key.as_str());

    let bad = hubctl(&base, key, &["gst", "register", "BLR-1", "29AAACK1234A1Z7"]).await;
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("check character"), "{}", bad.stderr);
    let set = hubctl(&base, key, &["gst", "register", "blr-1", SELLER]).await;
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert!(set.stdout.contains(SELLER), "{}", set.stdout);
    let listed = hubctl(&base, key, &["store", "list"]).await;
    assert!(
        listed.stdout.contains("GSTIN") && listed.stdout.contains(SELLER),
        "{}",
        listed.stdout
    );

    let (status, ack) = shop
        .upload(&[
            bill(&shop, "T1-000001", Some(BUYER)),
            bill(&shop, "T1-000002", None),
        ])
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{ack}");

    let dir = tempfile::tempdir().unwrap();
    let json_file = dir.path().join("gstr1.json");
    let period = ["--gstin", SELLER, "--period", "2026-11"];
    let mut args = vec!["gst", "gstr1", "--out", json_file.to_str().unwrap()];
    args.extend(period);
    let run = hubctl(&base, key, &args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_file).unwrap()).unwrap();
    assert_eq!(report["fp"], "112026");
    assert_eq!(report["b2b"][0]["ctin"], BUYER);
    assert_eq!(report["b2b"][0]["inv"][0]["inum"], "T1-000001");
    assert_eq!(report["b2cs"][0]["txval"], 145.0);

    let mut args = vec!["gst", "gstr1", "--section", "docs"];
    args.extend(period);
    let docs = hubctl(&base, key, &args).await;
    assert_eq!(docs.code, 0, "{}", docs.stderr);
    assert!(
        docs.stdout
            .contains("Invoices for outward supply,T1-000001,T1-000002,2,0"),
        "{}",
        docs.stdout
    );

    let mut args = vec!["gst", "summary"];
    args.extend(period);
    let summary = hubctl(&base, key, &args).await;
    assert_eq!(summary.code, 0, "{}", summary.stderr);
    // 5 %: ₹145 + ₹145 taxable, ₹3.63 + ₹3.63 CGST.
    assert!(summary.stdout.contains("290.00"), "{}", summary.stdout);
    assert!(summary.stdout.contains("invoices 2"), "{}", summary.stdout);

    let mut args = vec!["gst", "gstr1", "--section", "b2x"];
    args.extend(period);
    let unknown = hubctl(&base, key, &args).await;
    assert_eq!(unknown.code, 1, "{}", unknown.stderr);
    assert!(unknown.stderr.contains("hsn_b2b"), "{}", unknown.stderr);
}
on_both_backends!(an_accountant_files_the_month_from_the_command_line);
