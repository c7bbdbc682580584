//! Sales reports from what the tills uploaded (the month of `gst_month`):
//! by day, hour, cashier, tender, store and category, JSON and CSV.

use crate::gst_month::*;
use crate::helpers::*;
use crate::on_both_backends;
use pos_shared::sale::{Tender, TenderMethod};
use pos_shared::{Money, Timestamp};
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
        "day,label,bills,returns,sales,returns_value,net,gst,net_before_gst,costed,cost,margin,margin_percent"
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

/// Margins where the cost is known: tea priced on a purchase order, then
/// billed dearer by the supplier (the bill's price wins); rice never priced.
/// Sold and partly returned, the margin reads the same by day, store and
/// category, with the uncosted rice in the net but not in the margin.
async fn margins_are_read_where_the_cost_is_known(backend: Backend) {
    use crate::purchasing::{envelope, raise, receipt, supplier, upload_one};
    let shop = shop(backend).await;
    let sharma = supplier(&shop, "Sharma Traders").await;
    let po = raise(&shop, &sharma).await;
    let (tea, tea_price) = (shop.variants[0].0.clone(), shop.variants[0].2);
    let rice_price = shop.variants[1].2;
    let day = Timestamp::now();
    let today = {
        let ist = day.unix_millis() + 330 * 60_000;
        cloud_hub::domain::sales_report::day_text(ist.div_euclid(86_400_000))
    };
    let read = |by: &'static str| {
        let shop = &shop;
        let path = format!("/v1/reports/sales?from={today}&to={today}&by={by}");
        async move {
            let (status, body) = shop.hub.get(&path, &shop.api_key).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body
        }
    };

    // Three tea and a kilo of rice sold; one tea comes back.
    let sale = shop.sale("T1-000001", &[(0, "3"), (1, "1")]);
    let (s, ack) = shop.upload(std::slice::from_ref(&sale)).await;
    assert_eq!(Shop::statuses(&ack), ["accepted"], "{s} {ack}");
    let (_, ack) = shop
        .upload(&[shop.return_of(&sale, "T1-000002", TenderMethod::Cash)])
        .await;
    assert_eq!(Shop::statuses(&ack), ["accepted"], "{ack}");
    // The return takes back the whole first line (three tea): sell one more
    // tea so something costed stays sold.
    let (_, ack) = shop.upload(&[shop.sale("T1-000003", &[(0, "2")])]).await;
    assert_eq!(Shop::statuses(&ack), ["accepted"], "{ack}");
    let net_tea = 2 * tea_price;

    // The order's price is the cost until a bill says otherwise.
    let margin = read("day").await["total"]["margin"].clone();
    assert_eq!(margin["taxable_minor"], net_tea + rice_price, "{margin}");
    assert_eq!(margin["costed_minor"], net_tea);
    assert_eq!(margin["cost_minor"], 2 * 11_000);
    assert_eq!(margin["margin_minor"], net_tea - 22_000);
    assert_eq!(margin["margin_bp"], (net_tea - 22_000) * 10_000 / net_tea);

    let delivered = receipt(
        &shop,
        po["po_id"].as_str(),
        &sharma,
        &[(0, None, "24", "0")],
    );
    let delivered_id = delivered.receipt_id.to_string();
    assert_eq!(
        upload_one(&shop, envelope(&shop, delivered)).await.0,
        "accepted"
    );
    let (s, bill) = shop
        .hub
        .post(
            "/v1/supplier-bills",
            &shop.api_key,
            json!({"supplier_id": sharma, "bill_no": "SB/1", "bill_date": "2026-12-04",
                   "receipt_ids": [delivered_id], "lines": [
                {"variant_id": tea, "qty": "24", "unit_cost_minor": 11_550}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{bill}");
    for by in ["day", "store", "category", "cashier", "hour"] {
        let r = read(by).await;
        let m = &r["total"]["margin"];
        assert_eq!(m["cost_minor"], 2 * 11_550, "{by}: {r}");
        assert_eq!(m["margin_minor"], net_tea - 23_100, "{by}: {r}");
        let rows: i64 = r["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["margin"]["margin_minor"].as_i64().unwrap())
            .sum();
        assert_eq!(rows, net_tea - 23_100, "{by}: the rows add up to the total");
    }
    let by_tender = read("tender").await;
    assert!(by_tender["total"].get("margin").is_none(), "{by_tender}");
    assert!(by_tender["rows"][0].get("margin").is_none());

    let (s, csv) = csv(
        &shop,
        &format!("/v1/reports/sales?from={today}&to={today}&by=day&format=csv"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{csv}");
    let head = csv.lines().next().unwrap_or_default();
    assert!(
        head.ends_with("net_before_gst,costed,cost,margin,margin_percent"),
        "{csv}"
    );
    let total = csv.lines().last().unwrap_or_default();
    let rupees = |m: i64| format!("{}.{:02}", m / 100, m % 100);
    assert!(
        total.contains(&format!(",{},{},", rupees(net_tea), rupees(23_100))),
        "{total}"
    );
}
on_both_backends!(margins_are_read_where_the_cost_is_known);
