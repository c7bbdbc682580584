//! Goods receipt at one till, through its HTTP API and SQLite file: a
//! purchase order arrives in the feed, whoever is signed in takes the
//! delivery in by scan (GS1 labels with batch, expiry and weight; a typed
//! case; a pack refused as damaged; an item not on the order), recounts a
//! line and posts it: the stock is on hand at once, in its batches, and the
//! receipt waits in the outbox. Orders HQ closed, closed receipts and bad
//! input are refused by name, and nothing half-posted is left.

mod common;

use common::*;
use pos_shared::purchase::{OrderedLine, PurchaseOrder, PurchaseOrderState};
use pos_shared::staff::Role;
use pos_shared::sync::ChangeBody;
use pos_shared::{Gtin, Qty, StoreId, Timestamp, VariantId};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;
use uuid::Uuid;

const CLERK: (&str, &str) = ("101", "4821");

fn order(
    store: StoreId,
    tea: VariantId,
    rice: VariantId,
    state: PurchaseOrderState,
) -> PurchaseOrder {
    PurchaseOrder {
        po_id: Uuid::now_v7(),
        number: "PO-000007".into(),
        store_id: store,
        supplier_id: Uuid::now_v7(),
        supplier_name: "Sharma Traders".into(),
        state,
        raised_at: Timestamp::now(),
        expected_on: Some("2026-12-05".into()),
        note: String::new(),
        lines: vec![
            OrderedLine {
                variant_id: tea,
                ordered: Qty::units(24),
                received: Qty::ZERO,
                unit_cost_minor: Some(11_000),
            },
            OrderedLine {
                variant_id: rice,
                ordered: Qty::units(50),
                received: Qty::ZERO,
                unit_cost_minor: None,
            },
        ],
    }
}

/// A till with two items, a clerk signed in, and `po` heard from the feed.
async fn till_with_order(
    dir: &Path,
    state: PurchaseOrderState,
) -> (Till, PurchaseOrder, VariantId, VariantId) {
    let credential = seed(dir);
    let (tea, rice) = (variant_of(dir, "Assam"), variant_of(dir, "Rice"));
    let po = order(credential.store_id, tea, rice, state);
    let clerk = member(credential.store_id, CLERK.0, "Ravi", Role::Cashier, CLERK.1);
    apply_changes(
        dir,
        credential.store_id,
        5,
        vec![
            ChangeBody::StaffUpserted(clerk),
            ChangeBody::VariantUpserted(soap()),
            ChangeBody::PurchaseOrderChanged(po.clone()),
        ],
    );
    let till = start_till(dir).await;
    (till, po, tea, rice)
}

async fn sign_in(till: &Till) {
    let (s, b) = post_json(
        till,
        "/v1/session",
        json!({"code": CLERK.0, "pin": CLERK.1}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

async fn scan(till: &Till, receipt: &str, body: Value) -> (StatusCode, Value) {
    post_json(till, &format!("/v1/goods-receipts/{receipt}/scans"), body).await
}

fn against<'a>(sheet: &'a Value, name_starts: &str) -> &'a Value {
    sheet["against_order"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"].as_str().unwrap().starts_with(name_starts))
        .unwrap_or_else(|| panic!("no line {name_starts}: {sheet}"))
}

#[tokio::test]
async fn a_delivery_scanned_against_its_order_is_on_hand_in_its_batches_and_queued() {
    let dir = tempfile::tempdir().unwrap();
    let (till, po, tea, rice) = till_with_order(dir.path(), PurchaseOrderState::Open).await;

    // Receiving needs someone signed in.
    let (s, b) = post_json(&till, "/v1/goods-receipts", json!({"po_id": po.po_id})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    sign_in(&till).await;

    // The order the feed brought is there to receive against.
    let (s, receivable) = till.get("/v1/purchase-orders").await;
    assert_eq!(s, StatusCode::OK, "{receivable}");
    let listed = &receivable["orders"][0];
    assert_eq!(listed["number"], "PO-000007");
    assert_eq!(listed["items"][0]["outstanding"], "24");
    assert_eq!(receivable["suppliers"][0]["name"], "Sharma Traders");

    let (s, started) = post_json(
        &till,
        "/v1/goods-receipts",
        json!({"po_id": po.po_id, "bill_no": " INV-4471 "}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{started}");
    let receipt = started["receipt_id"].as_str().unwrap().to_owned();
    assert_eq!(started["state"], "open");
    assert_eq!(started["bill_no"], "INV-4471");
    assert_eq!(against(&started, "Assam")["short"], "24");

    // Two cases of tea from batch T-1 (a typed case of 12 each, the label
    // giving batch and expiry), one packet refused as damaged.
    let tea_label = gs1_label(TEA, "270331", "T-1", None);
    for _ in 0..2 {
        let (s, b) = scan(&till, &receipt, json!({"code": tea_label, "qty": "12"})).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let (s, broken) = scan(&till, &receipt, json!({"code": tea_label, "damaged": true})).await;
    assert_eq!(s, StatusCode::CREATED, "{broken}");
    assert_eq!(
        (
            broken["line_received"].as_str(),
            broken["line_damaged"].as_str()
        ),
        (Some("24"), Some("1"))
    );
    assert_eq!(broken["batch"]["expires_on"], "2027-03-31");

    // Rice in two batches, weighed on the label: 25.5 kg and 20 kg.
    for (batch, grams) in [("R-9", 25_500), ("R-10", 20_000)] {
        let (s, b) = scan(
            &till,
            &receipt,
            json!({"code": gs1_label(RICE, "270101", batch, Some(grams))}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    // Soap was not ordered: it is taken in, and said to be not ordered.
    let (s, b) = scan(
        &till,
        &receipt,
        json!({"code": SOAP, "qty": "6", "batch": {"code": "S-1", "expires_on": "2028-01-31"}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert!(
        b["message"].as_str().unwrap().contains("Not on PO-000007"),
        "{b}"
    );

    // The same order cannot be open twice on the till, nor the same bill.
    let (s, b) = post_json(&till, "/v1/goods-receipts", json!({"po_id": po.po_id})).await;
    assert_eq!(
        (s, b["type"].as_str()),
        (StatusCode::CONFLICT, Some("receipt_open")),
        "{b}"
    );
    let (s, b) = post_json(
        &till,
        "/v1/goods-receipts",
        json!({"supplier_id": po.supplier_id, "bill_no": "INV-4471"}),
    )
    .await;
    assert_eq!(
        (s, b["type"].as_str()),
        (StatusCode::CONFLICT, Some("bill_already_received")),
        "{b}"
    );

    // A typed count of packs whose label carries their weight is that many
    // labels' worth: two more 1.25 kg packs of the R-9 rice make 2.5 kg.
    let (s, b) = scan(
        &till,
        &receipt,
        json!({"code": gs1_label(RICE, "270101", "R-9", Some(1_250)), "qty": "2"}),
    )
    .await;
    assert_eq!(
        (s, b["added"].as_str(), b["line_received"].as_str()),
        (StatusCode::CREATED, Some("2.5"), Some("28")),
        "{b}"
    );
    let (s, b) = scan(
        &till,
        &receipt,
        json!({"code": gs1_label(RICE, "270101", "R-9", Some(1_250)), "qty": "1.5"}),
    )
    .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("qty")),
        "{b}"
    );

    // Bad input is refused by name and takes nothing in.
    for (body, status, what) in [
        // The same batch with another expiry than it came in under.
        (
            json!({"code": gs1_label(RICE, "270202", "R-9", Some(1_000))}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "batch_expiry_differs",
        ),
        // A batch typed over the label's.
        (
            json!({"code": gs1_label(RICE, "270101", "R-9", Some(1_000)), "batch": {"code": "R-77", "expires_on": "2027-01-01"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "batch_differs",
        ),
        // A pack past its expiry is not taken into stock.
        (
            json!({"code": gs1_label(TEA, "250101", "OLD-1", None)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "expired",
        ),
        (
            json!({"code": "8901058000030"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_item",
        ),
        (
            json!({"code": RICE}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "weight_needed",
        ),
        (
            json!({"code": TEA, "qty": "1.5"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "qty",
        ),
        (
            json!({"code": TEA, "qty": "0"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "qty",
        ),
        (
            json!({"code": TEA, "batch": {"code": "X", "expires_on": "31/12/2027"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "batch.expires_on",
        ),
        (
            json!({"code": format!("]C101{}10NOEXP", Gtin::parse(TEA).unwrap().as_str())}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "expiry_needed",
        ),
    ] {
        let (s, b) = scan(&till, &receipt, body.clone()).await;
        let named = b["field"].as_str() == Some(what) || b["type"].as_str() == Some(what);
        assert!(s == status && named, "{body} → {s} {b}");
    }

    // The sheet: tea complete with one damaged, rice 4.5 kg short, soap extra.
    let (_, sheet) = till.get(&format!("/v1/goods-receipts/{receipt}")).await;
    assert_eq!(sheet["lines"].as_array().unwrap().len(), 4, "{sheet}");
    let t = against(&sheet, "Assam");
    assert_eq!(
        (
            t["now"].as_str(),
            t["short"].as_str(),
            t["damaged"].as_str()
        ),
        (Some("24"), Some("0"), Some("1"))
    );
    let r = against(&sheet, "Rice");
    assert_eq!(
        (r["now"].as_str(), r["short"].as_str()),
        (Some("48"), Some("2")),
        "{sheet}"
    );
    let s_line = against(&sheet, "Neem");
    assert_eq!(
        (s_line["ordered"].as_str(), s_line["excess"].as_str()),
        (Some("0"), Some("6")),
        "{sheet}"
    );
    assert_eq!(sheet["differs"], true);

    // A recount: the second rice batch was 19.75 kg. A fraction of a piece
    // of tea is refused.
    let (s, recounted) = put_json(
        &till,
        &format!("/v1/goods-receipts/{receipt}/lines"),
        json!({"variant_id": rice, "batch": {"code": "R-10", "expires_on": "2027-01-01"}, "received": "19.75"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{recounted}");
    assert_eq!(against(&recounted, "Rice")["now"], "47.75");
    let (s, b) = put_json(
        &till,
        &format!("/v1/goods-receipts/{receipt}/lines"),
        json!({"variant_id": tea, "batch": {"code": "T-1", "expires_on": "2027-03-31"}, "received": "23.5"}),
    )
    .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("received")),
        "{b}"
    );

    // Nothing moves before posting.
    assert_eq!(on_hand(dir.path(), tea), 10_000);
    let (s, posted) = post_json(
        &till,
        &format!("/v1/goods-receipts/{receipt}/post"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{posted}");
    assert_eq!(posted["state"], "posted");
    assert_eq!(posted["closed_by"], "Ravi");
    assert_eq!(
        on_hand(dir.path(), tea),
        34_000,
        "24 accepted, the damaged one not"
    );
    assert_eq!(on_hand(dir.path(), rice), 10_000 + 47_750);

    // One fact waits for the hub, its movements in their batches.
    let receipts = queued(dir.path(), "pos.goods.received");
    assert_eq!(receipts.len(), 1, "{receipts:?}");
    let fact = &receipts[0]["data"];
    assert_eq!(fact["po_id"], po.po_id.to_string());
    assert_eq!(fact["supplier_id"], po.supplier_id.to_string());
    assert_eq!(fact["bill_no"], "INV-4471");
    let lines = fact["lines"].as_array().unwrap();
    let tea_line = lines
        .iter()
        .find(|l| l["variant_id"] == tea.to_string())
        .unwrap();
    assert_eq!(
        (tea_line["received"].as_str(), tea_line["damaged"].as_str()),
        (Some("24"), Some("1"))
    );
    assert_eq!(tea_line["batch"]["code"], "T-1");
    assert!(tea_line["movement_id"].is_string());
    let rice_batches: Vec<&str> = lines
        .iter()
        .filter(|l| l["variant_id"] == rice.to_string())
        .map(|l| l["batch"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(rice_batches.len(), 2, "{lines:?}");

    // Until the hub hears of it, the order counts it as received here.
    let (_, receivable) = till.get("/v1/purchase-orders").await;
    let items = &receivable["orders"][0]["items"];
    assert_eq!(
        (
            items[0]["received"].as_str(),
            items[0]["outstanding"].as_str()
        ),
        (Some("24"), Some("0"))
    );
    assert_eq!(items[1]["outstanding"], "2.25");

    // A posted receipt takes no more scans, and is not posted twice.
    let (s, b) = scan(&till, &receipt, json!({"code": TEA})).await;
    assert_eq!(
        (s, b["type"].as_str()),
        (StatusCode::CONFLICT, Some("receipt_closed")),
        "{b}"
    );
    // Posting again (a retry after a lost answer) gives the same answer and
    // sends nothing more.
    let (s, again) = post_json(
        &till,
        &format!("/v1/goods-receipts/{receipt}/post"),
        json!({}),
    )
    .await;
    assert_eq!(
        (s, &again["state"]),
        (StatusCode::OK, &json!("posted")),
        "{again}"
    );
    assert_eq!(queued(dir.path(), "pos.goods.received").len(), 1);

    // It all survives a restart.
    drop(till);
    let till = start_till(dir.path()).await;
    let (_, sheet) = till.get(&format!("/v1/goods-receipts/{receipt}")).await;
    assert_eq!(sheet["state"], "posted");
    assert_eq!(against(&sheet, "Assam")["now"], "24");
}

#[tokio::test]
async fn a_receipt_names_an_order_still_expected_or_a_known_supplier_and_empty_ones_do_not_post() {
    let dir = tempfile::tempdir().unwrap();
    let (till, po, _, _) = till_with_order(dir.path(), PurchaseOrderState::Closed).await;
    sign_in(&till).await;

    let (_, receivable) = till.get("/v1/purchase-orders").await;
    assert_eq!(
        receivable["orders"].as_array().unwrap().len(),
        0,
        "a closed order is not offered: {receivable}"
    );

    let (s, b) = post_json(&till, "/v1/goods-receipts", json!({"po_id": po.po_id})).await;
    assert_eq!(
        (s, b["type"].as_str()),
        (StatusCode::CONFLICT, Some("order_not_expected")),
        "{b}"
    );
    assert!(
        b["detail"]
            .as_str()
            .unwrap()
            .contains("PO-000007 is closed"),
        "{b}"
    );
    for (body, field) in [
        (json!({}), "po_id"),
        (json!({"po_id": Uuid::now_v7()}), "po_id"),
        (json!({"supplier_id": Uuid::now_v7()}), "supplier_id"),
        (
            json!({"supplier_id": po.supplier_id, "bill_no": "x".repeat(41)}),
            "bill_no",
        ),
    ] {
        let (s, b) = post_json(&till, "/v1/goods-receipts", body.clone()).await;
        assert_eq!(
            (s, b["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{body}: {b}"
        );
    }

    // Without an order, from a supplier the store has ordered from.
    let (s, started) = post_json(
        &till,
        "/v1/goods-receipts",
        json!({"supplier_id": po.supplier_id}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{started}");
    assert_eq!(started["supplier_name"], "Sharma Traders");
    assert!(started["against_order"].as_array().unwrap().is_empty());
    let receipt = started["receipt_id"].as_str().unwrap().to_owned();

    let (s, b) = post_json(
        &till,
        &format!("/v1/goods-receipts/{receipt}/post"),
        json!({}),
    )
    .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("lines")),
        "{b}"
    );
    // A pack past its expiry goes back: scanned as damaged it is taken.
    let expired = format!(
        "]C101{}17250101\u{1d}10OLD-1",
        Gtin::parse(TEA).unwrap().as_str()
    );
    let (s, b) = scan(&till, &receipt, json!({"code": expired, "damaged": true})).await;
    assert_eq!(
        (s, b["line_damaged"].as_str()),
        (StatusCode::CREATED, Some("1")),
        "{b}"
    );
    let (s, b) = scan(&till, &receipt, json!({"code": TEA, "qty": "2"})).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, cancelled) = post_json(
        &till,
        &format!("/v1/goods-receipts/{receipt}/cancel"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["state"], "cancelled");
    assert!(
        queued(dir.path(), "pos.goods.received").is_empty(),
        "a cancelled receipt sends nothing"
    );
    let (s, _) = post_json(
        &till,
        &format!("/v1/goods-receipts/{receipt}/post"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // Cancelling again gives the same answer.
    let (s, again) = post_json(
        &till,
        &format!("/v1/goods-receipts/{receipt}/cancel"),
        json!({}),
    )
    .await;
    assert_eq!(
        (s, &again["state"]),
        (StatusCode::OK, &json!("cancelled")),
        "{again}"
    );

    let (s, list) = till.get("/v1/goods-receipts").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list[0]["state"], "cancelled", "{list}");
}

#[tokio::test]
async fn a_recount_meets_the_scans_rules_and_the_stores_batch_dates_come_from_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let (tea, rice) = (
        variant_of(dir.path(), "Assam"),
        variant_of(dir.path(), "Rice"),
    );
    let po = order(credential.store_id, tea, rice, PurchaseOrderState::Open);
    let clerk = member(credential.store_id, CLERK.0, "Ravi", Role::Cashier, CLERK.1);
    // HQ took batch LOT-H of tea in expiring 2027-01-01: the feed says so.
    let hq_receipt = pos_shared::sync::MovementRecord {
        movement_id: pos_shared::MovementId::new(),
        store_id: credential.store_id,
        variant_id: tea,
        delta: Qty::units(6),
        reason: pos_shared::sync::MovementReason::Receipt,
        sale_id: None,
        terminal_id: None,
        occurred_at: Timestamp::now(),
        batch: Some(pos_shared::sync::Batch {
            code: "LOT-H".into(),
            expires_on: "2027-01-01".into(),
        }),
    };
    apply_changes(
        dir.path(),
        credential.store_id,
        5,
        vec![
            ChangeBody::StaffUpserted(clerk),
            ChangeBody::PurchaseOrderChanged(po.clone()),
            ChangeBody::StockMoved(hq_receipt),
        ],
    );
    let till = start_till(dir.path()).await;
    sign_in(&till).await;
    let (_, started) = post_json(&till, "/v1/goods-receipts", json!({"po_id": po.po_id})).await;
    let receipt = started["receipt_id"].as_str().unwrap().to_owned();
    let lines = format!("/v1/goods-receipts/{receipt}/lines");

    // The store's date of LOT-H is the hub's: a label saying otherwise is
    // refused, one agreeing is taken.
    let (s, b) = scan(
        &till,
        &receipt,
        json!({"code": gs1_label(TEA, "270201", "LOT-H", None)}),
    )
    .await;
    assert_eq!(
        (s, b["type"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("batch_expiry_differs")
        ),
        "{b}"
    );
    assert!(b["detail"].as_str().unwrap().contains("2027-01-01"), "{b}");
    let (s, b) = scan(
        &till,
        &receipt,
        json!({"code": gs1_label(TEA, "270101", "LOT-H", None)}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");

    // A recount names the batch as a scan reads it: another date, or an
    // expired batch taken into stock, is refused as a scan is.
    for (body, kind) in [
        (
            json!({"variant_id": tea, "batch": {"code": "LOT-H", "expires_on": "2028-01-01"}, "received": "2"}),
            "batch_expiry_differs",
        ),
        (
            json!({"variant_id": tea, "batch": {"code": "OLD-9", "expires_on": "2024-01-31"}, "received": "6"}),
            "expired",
        ),
    ] {
        let (s, b) = put_json(&till, &lines, body.clone()).await;
        assert_eq!(
            (s, b["type"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(kind)),
            "{body}: {b}"
        );
    }
    // An expired batch may be recounted as damaged: it goes back.
    let (s, sheet) = put_json(
        &till,
        &lines,
        json!({"variant_id": tea, "batch": {"code": "OLD-9", "expires_on": "2024-01-31"}, "received": "0", "damaged": "6"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{sheet}");
    assert_eq!(
        (
            sheet["lines_received"].as_u64(),
            sheet["lines_damaged"].as_u64()
        ),
        (Some(1), Some(1)),
        "{sheet}"
    );

    // A bill number is one receipt whatever its letter case.
    let (s, _) = post_json(
        &till,
        &format!("/v1/goods-receipts/{receipt}/cancel"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = post_json(
        &till,
        "/v1/goods-receipts",
        json!({"supplier_id": po.supplier_id, "bill_no": "INV-1"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = post_json(
        &till,
        "/v1/goods-receipts",
        json!({"supplier_id": po.supplier_id, "bill_no": "inv-1"}),
    )
    .await;
    assert_eq!(
        (s, b["type"].as_str()),
        (StatusCode::CONFLICT, Some("bill_already_received")),
        "{b}"
    );
}
