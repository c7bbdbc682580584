//! Sales reports from what the tills uploaded (the month of `gst_month`):
//! by day, hour, cashier, tender, store and category, JSON and CSV.

use crate::gst_month::*;
use crate::helpers::*;
use crate::on_both_backends;
use pos_shared::sale::{Tender, TenderMethod};
use pos_shared::Money;
use reqwest::StatusCode;
use serde_json::json;

/// The same month as sales reports: by day, hour, cashier, tender, store
/// and category, each adding up to the same bills, returns and GST.
async fn a_month_of_sales_reads_by_day_hour_cashier_tender_and_category(backend: Backend) {
    let shop = shop(backend).await;
    let (mut month, december) = november(&shop);
    // The last bill of the month rounded to the rupee, paid ₹100 by card
    // and ₹60 in cash, with the change.
    let last = month.sales.last_mut().unwrap();
    let rounding = (last.total.minor() + 50) / 100 * 100 - last.total.minor();
    last.rounding = Some(Money::inr(rounding));
    last.tenders = vec![
        Tender {
            method: TenderMethod::Card,
            amount: Money::inr(10_000),
            reference: Some("APPR01".into()),
        },
        Tender {
            method: TenderMethod::Cash,
            amount: Money::inr(6_000),
            reference: None,
        },
    ];
    last.change_due = Money::inr(16_000 - (last.total.minor() + rounding));
    month.sales[0].cashier = Some(pos_shared::sale::SaleCashier {
        staff_id: pos_shared::StaffId::new(),
        name: "Asha".into(),
    });
    let z = upload_month(&shop, &month, &december).await;
    let sold: i64 = month.sales.iter().map(|s| s.total.minor()).sum();
    let refunded: i64 = month.returns.iter().map(|r| r.total.minor()).sum();
    let tax: i64 = z
        .tax
        .iter()
        .map(|t| t.cgst.minor() + t.sgst.minor() + t.igst.minor())
        .sum();
    let range = "from=2026-11-01&to=2026-11-30";
    let read = |by: &str| {
        let shop = &shop;
        let path = format!("/v1/reports/sales?{range}&by={by}");
        async move {
            let (status, body) = shop.hub.get(&path, &shop.api_key).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body
        }
    };
    for by in ["day", "hour", "cashier", "tender", "store", "category"] {
        let r = read(by).await;
        let t = &r["total"];
        assert_eq!(
            (t["sales_minor"].as_i64(), t["returns_minor"].as_i64()),
            (Some(sold), Some(refunded)),
            "{by}: {r}"
        );
        assert_eq!(t["net_minor"].as_i64(), Some(sold - refunded), "{by}: {r}");
        // A bill paid two ways, or with two categories, is one bill.
        assert_eq!(t["tax_minor"].as_i64(), Some(tax), "{by}: {r}");
        assert_eq!(
            (t["bills"].as_i64(), t["returns"].as_i64()),
            (Some(6), Some(2)),
            "{by}: {r}"
        );
    }
    let days = read("day").await;
    let keys: Vec<&str> = days["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "2026-11-01",
            "2026-11-05",
            "2026-11-08",
            "2026-11-12",
            "2026-11-15",
            "2026-11-20",
            "2026-11-21",
            "2026-11-30"
        ]
    );
    let hours = read("hour").await;
    let last = hours["rows"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["key"].as_str(), last["label"].as_str()),
        (Some("23"), Some("23:00-00:00")),
        "{hours}"
    );
    let cashiers = read("cashier").await;
    let asha = cashiers["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == "Asha")
        .cloned()
        .expect("Asha's row");
    assert_eq!(
        (asha["bills"].as_i64(), asha["sales_minor"].as_i64()),
        (Some(1), Some(month.sales[0].total.minor())),
        "{cashiers}"
    );
    // By tender: card, cash net of change, and the cash rounding that makes
    // them add up to the bills; no GST column by method.
    let tenders = read("tender").await;
    let rows = tenders["rows"].as_array().unwrap();
    let keys: Vec<&str> = rows.iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["card", "cash", "rounding"], "{tenders}");
    assert_eq!(
        (rows[0]["label"].as_str(), rows[0]["sales_minor"].as_i64()),
        (Some("Card"), Some(10_000)),
        "{tenders}"
    );
    assert_eq!(
        rows[2]["sales_minor"].as_i64(),
        Some(-rounding),
        "{tenders}"
    );
    assert!(rows[0].get("tax_minor").is_none(), "{tenders}");
    let categories = read("category").await;
    assert_eq!(
        categories["rows"][0]["label"], "(no category)",
        "{categories}"
    );
    // One store; the December bill counts once the range reaches it.
    let (_, one) = shop
        .hub
        .get(
            &format!(
                "/v1/reports/sales?from=2026-11-01&to=2026-12-01&by=store&store_id={}",
                shop.store_id
            ),
            &shop.api_key,
        )
        .await;
    assert_eq!(one["rows"][0]["bills"], 7, "{one}");
    assert_eq!(one["rows"][0]["label"], "BLR-1 Indiranagar", "{one}");
    // As CSV: a heading, the days, the total.
    let (status, text) = csv(
        &shop,
        &format!("/v1/reports/sales?{range}&by=day&format=csv"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "day,label,bills,returns,sales,returns_value,net,gst"
    );
    assert!(
        lines.last().unwrap().starts_with("total,Total,6,2,"),
        "{text}"
    );
    assert_eq!(lines.len(), 10, "{text}");
    for (query, field) in [
        ("from=2026-11-01&to=2026-11-30&by=week", "by"),
        ("from=2026-11-30&to=2026-11-01&by=day", "to"),
        ("from=2026-01-01&to=2027-03-01&by=day", "to"),
        ("from=2026-11-31&to=2026-12-01&by=day", "from"),
        ("from=2026-11-01&to=2026-11-30&by=day&format=xml", "format"),
    ] {
        let (status, body) = shop
            .hub
            .get(&format!("/v1/reports/sales?{query}"), &shop.api_key)
            .await;
        assert_problem(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        );
        assert_eq!(body["field"], field, "{query}: {body}");
    }
    // Bills the store issued before HQ entered its GSTIN were issued under it.
    let (status, _) = shop
        .hub
        .put(
            &format!("/v1/stores/{}/gstin", shop.store_id),
            &shop.api_key,
            json!({"gstin": SELLER}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, late) = shop
        .hub
        .get(
            &format!("/v1/reports/gst-summary?gstin={SELLER}&period=2026-11"),
            &shop.api_key,
        )
        .await;
    assert_eq!(
        (late["invoices"].as_i64(), late["credit_notes"].as_i64()),
        (Some(6), Some(2)),
        "{late}"
    );
}
on_both_backends!(a_month_of_sales_reads_by_day_hour_cashier_tender_and_category);
