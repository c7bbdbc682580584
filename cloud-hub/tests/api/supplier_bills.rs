//! Supplier bills matched to deliveries, through HQ's API: a bill entered
//! against the receipts it charges for reads, item by item, what was billed
//! against what came in and the billed price against the order's; a receipt
//! is billed once, a bill number once per supplier; bad input is refused by
//! field and enters nothing.

use crate::helpers::*;
use crate::on_both_backends;
use crate::purchasing::{envelope, raise, receipt, supplier, upload_one};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

fn line<'a>(bill: &'a Value, sku: &str) -> &'a Value {
    bill["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["sku"] == sku)
        .unwrap_or_else(|| panic!("no {sku}: {bill}"))
}

async fn a_bill_is_matched_to_its_deliveries_and_says_what_differs(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let sharma = supplier(&shop, "Sharma Traders").await;
    let po = raise(&shop, &sharma).await;
    let po_id = po["po_id"].as_str().unwrap();
    let first = receipt(
        &shop,
        Some(po_id),
        &sharma,
        &[(0, Some("T-1"), "24", "1"), (1, None, "30", "0")],
    );
    let second = receipt(&shop, Some(po_id), &sharma, &[(1, None, "20", "0")]);
    let (first_id, second_id) = (first.receipt_id.to_string(), second.receipt_id.to_string());
    for r in [first, second] {
        assert_eq!(upload_one(&shop, envelope(&shop, r)).await.0, "accepted");
    }
    let (tea, rice) = (&shop.variants[0].0, &shop.variants[1].0);

    // The first bill charges for what came, at the order's price: it matches.
    let (s, matched) = hub
        .post(
            "/v1/supplier-bills",
            key,
            json!({"supplier_id": sharma, "bill_no": "SB/771", "bill_date": "2026-12-04",
                   "receipt_ids": [first_id], "lines": [
                {"variant_id": tea, "qty": "24", "unit_cost_minor": 11000},
                {"variant_id": rice, "qty": "30", "unit_cost_minor": 6000}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{matched}");
    assert_eq!(matched["matched"], true, "{matched}");
    assert_eq!(matched["billed_minor"], 444_000);
    assert_eq!(matched["receipts"][0]["po_number"], "PO-000001");
    assert_eq!(
        line(&matched, "TEA-250")["received"],
        "24",
        "the damaged one is not billed"
    );

    // The second bills tea that did not come on it, more rice than came, and
    // dearer tea than ordered.
    let (s, differs) = hub
        .post(
            "/v1/supplier-bills",
            key,
            json!({"supplier_id": sharma, "bill_no": "SB/772", "bill_date": "2026-12-02",
                   "receipt_ids": [second_id], "lines": [
                {"variant_id": tea, "qty": "2", "unit_cost_minor": 11500},
                {"variant_id": rice, "qty": "21", "unit_cost_minor": 6000}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{differs}");
    assert_eq!(differs["matched"], false);
    assert_eq!(
        line(&differs, "TEA-250")["findings"],
        json!(["billed_not_received", "price_above_order"])
    );
    assert_eq!(
        line(&differs, "RICE-KG")["findings"],
        json!(["over_billed"])
    );
    assert_eq!(line(&differs, "RICE-KG")["received"], "20");

    // Entered again with its id: the same bill; its id on another: refused.
    let bill_id = differs["bill_id"].as_str().unwrap();
    let body = json!({"bill_id": bill_id, "supplier_id": sharma, "bill_no": "SB/772", "bill_date": "2026-12-02",
                      "receipt_ids": [second_id], "lines": [{"variant_id": rice, "qty": "21", "unit_cost_minor": 6000}]});
    let (s, again) = hub.post("/v1/supplier-bills", key, body).await;
    assert_eq!(
        (s, &again["bill_id"]),
        (StatusCode::OK, &differs["bill_id"]),
        "{again}"
    );
    let (s, b) = hub
        .post(
            "/v1/supplier-bills",
            key,
            json!({"bill_id": bill_id, "supplier_id": sharma, "bill_no": "SB/999", "bill_date": "2026-12-02",
                   "receipt_ids": [second_id], "lines": [{"variant_id": rice, "qty": "1", "unit_cost_minor": 1}]}),
        )
        .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::CONFLICT, Some("bill_id")),
        "{b}"
    );

    // Bad bills are refused by field and enter nothing.
    let gupta = supplier(&shop, "Gupta Wholesale").await;
    let good_line = json!([{"variant_id": tea, "qty": "1", "unit_cost_minor": 100}]);
    let walk_in = receipt(&shop, None, &gupta, &[(0, None, "1", "0")]);
    let walk_in_id = walk_in.receipt_id.to_string();
    assert_eq!(
        upload_one(&shop, envelope(&shop, walk_in)).await.0,
        "accepted"
    );
    for (body, field) in [
        (
            json!({"supplier_id": sharma, "bill_no": "SB/771", "bill_date": "2026-12-03", "receipt_ids": [Uuid::now_v7()], "lines": good_line}),
            "bill_no",
        ),
        (
            json!({"supplier_id": sharma, "bill_no": "SB/800", "bill_date": "2026-12-03", "receipt_ids": [first_id], "lines": good_line}),
            "receipt_ids",
        ),
        (
            json!({"supplier_id": sharma, "bill_no": "SB/800", "bill_date": "2026-12-03", "receipt_ids": [walk_in_id], "lines": good_line}),
            "receipt_ids",
        ),
        (
            json!({"supplier_id": sharma, "bill_no": "SB/800", "bill_date": "2026-12-03", "receipt_ids": [Uuid::now_v7()], "lines": good_line}),
            "receipt_ids",
        ),
        (
            json!({"supplier_id": Uuid::now_v7(), "bill_no": "SB/800", "bill_date": "2026-12-03", "receipt_ids": [walk_in_id], "lines": good_line}),
            "supplier_id",
        ),
        (
            json!({"supplier_id": gupta, "bill_no": " ", "bill_date": "2026-12-03", "receipt_ids": [walk_in_id], "lines": good_line}),
            "bill_no",
        ),
        (
            json!({"supplier_id": gupta, "bill_no": "G-1", "bill_date": "06/12/2026", "receipt_ids": [walk_in_id], "lines": good_line}),
            "bill_date",
        ),
        (
            json!({"supplier_id": gupta, "bill_no": "G-1", "bill_date": "2026-12-03", "receipt_ids": [], "lines": good_line}),
            "receipt_ids",
        ),
        (
            json!({"supplier_id": gupta, "bill_no": "G-1", "bill_date": "2026-12-03", "receipt_ids": [walk_in_id, walk_in_id], "lines": good_line}),
            "receipt_ids",
        ),
        (
            json!({"supplier_id": gupta, "bill_no": "G-1", "bill_date": "2026-12-03", "receipt_ids": [walk_in_id], "lines": []}),
            "lines",
        ),
        (
            json!({"supplier_id": gupta, "bill_no": "G-1", "bill_date": "2026-12-03", "receipt_ids": [walk_in_id],
                "lines": [{"variant_id": Uuid::now_v7(), "qty": "1", "unit_cost_minor": 1}]}),
            "lines[0].variant_id",
        ),
        (
            json!({"supplier_id": gupta, "bill_no": "G-1", "bill_date": "2026-12-03", "receipt_ids": [walk_in_id],
                "lines": [{"variant_id": tea, "qty": "0", "unit_cost_minor": 1}]}),
            "lines[0].qty",
        ),
        (
            json!({"supplier_id": gupta, "bill_no": "G-1", "bill_date": "2026-12-03", "receipt_ids": [walk_in_id],
                "lines": [{"variant_id": tea, "qty": "1", "unit_cost_minor": -1}]}),
            "lines[0].unit_cost_minor",
        ),
    ] {
        let (s, b) = hub.post("/v1/supplier-bills", key, body.clone()).await;
        assert!(s.is_client_error(), "{body}: {s} {b}");
        assert_eq!(b["field"].as_str(), Some(field), "{body}: {b}");
    }
    for (body, field) in [
        (
            json!({"supplier_id": gupta, "bill_no": "G-1", "bill_date": "2026-12-03", "receipt_ids": [walk_in_id],
                "lines": [{"variant_id": tea, "qty": "1.5", "unit_cost_minor": 100}]}),
            "lines[0].qty",
        ),
        (
            json!({"supplier_id": gupta, "bill_no": "G-1", "bill_date": "2031-12-04", "receipt_ids": [walk_in_id], "lines": good_line}),
            "bill_date",
        ),
    ] {
        let (s, b) = hub.post("/v1/supplier-bills", key, body.clone()).await;
        assert_eq!(
            (s.is_client_error(), b["field"].as_str()),
            (true, Some(field)),
            "{body}: {b}"
        );
    }
    // A walk-in delivery without an order is billed too: nothing to compare
    // the price with, so only the quantities count.
    let (s, walk_in_bill) = hub
        .post(
            "/v1/supplier-bills",
            key,
            json!({"supplier_id": gupta, "bill_no": "G-1", "bill_date": "2026-12-03", "receipt_ids": [walk_in_id], "lines": good_line}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{walk_in_bill}");
    assert_eq!(walk_in_bill["matched"], true, "{walk_in_bill}");

    // An item on none of the bill's orders is said to be not ordered.
    let (s, tea_only) = hub
        .post(
            &format!("/v1/stores/{}/purchase-orders", shop.store_id),
            key,
            json!({"supplier_id": sharma, "lines": [{"variant_id": tea, "qty": "5", "unit_cost_minor": 11000}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{tea_only}");
    let rice_instead = receipt(
        &shop,
        tea_only["po_id"].as_str(),
        &sharma,
        &[(1, None, "4", "0")],
    );
    let rice_instead_id = rice_instead.receipt_id.to_string();
    assert_eq!(
        upload_one(&shop, envelope(&shop, rice_instead)).await.0,
        "accepted"
    );
    let (s, unordered) = hub
        .post(
            "/v1/supplier-bills",
            key,
            json!({"supplier_id": sharma, "bill_no": "SB/773", "bill_date": "2026-12-04", "receipt_ids": [rice_instead_id],
                   "lines": [{"variant_id": rice, "qty": "4", "unit_cost_minor": 6000}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{unordered}");
    assert_eq!(
        line(&unordered, "RICE-KG")["findings"],
        json!(["not_ordered"]),
        "{unordered}"
    );

    // HQ reads a supplier's bills, pages them, and hears of each.
    let bills = page_through(hub, &format!("/v1/suppliers/{sharma}/bills"), key, 1).await;
    assert_eq!(bills.len(), 3);
    assert_eq!(bills[1]["bill_no"], "SB/772");
    assert_cursors_checked(
        hub,
        &format!("/v1/suppliers/{sharma}/bills"),
        key,
        &Uuid::now_v7().to_string(),
    )
    .await;
    let (s, _) = hub
        .get(&format!("/v1/supplier-bills/{}", Uuid::now_v7()), key)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, events) = hub.get("/v1/events?type=purchase.bill.matched", key).await;
    let events = events["events"].as_array().unwrap();
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(events[1]["data"]["matched"], false);
}
on_both_backends!(a_bill_is_matched_to_its_deliveries_and_says_what_differs);
