//! A purchase order received by scan while the hub is down, as real
//! processes: HQ raises an order for the store, the till hears of it, the
//! hub goes down, the clerk scans the delivery in (GS1 labels with batch,
//! expiry and weight; a damaged pack sent back; an item nobody ordered) and
//! posts it, the shelf stock is sellable at once, and a sale follows. When
//! the hub is back the receipt reaches it as receipt movements into its
//! batches, HQ reads the order's differences, the till's stock equals the
//! hub's, and the order the till shows is what is still to come, counted
//! once.

use crate::harness::{eventually, Agent, Backend, Hub};
use crate::{
    demo_chain, gtin, hub_positions, on_both_backends, till_positions, wait_drained, wait_sign_in,
    wait_synced, DAL, RICE, TEA,
};
use pos_shared::Qty;
use reqwest::Method;
use serde_json::{json, Value};

const CLERK: (&str, &str) = ("101", "4821");

/// A GS1 label: the item, its expiry (YYMMDD), its batch, and a weight in
/// grams when given.
fn label(barcode: &str, expiry: &str, batch: &str, grams: Option<u32>) -> String {
    let mut text = format!("]C101{}17{expiry}10{batch}", gtin(barcode));
    if let Some(g) = grams {
        text.push_str(&format!("\u{1d}3103{g:06}"));
    }
    text
}

fn item<'a>(order: &'a Value, barcode: &str, inventory: &Value) -> &'a Value {
    let variant = inventory["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["barcode"] == gtin(barcode))
        .map(|p| p["variant_id"].clone())
        .unwrap();
    order["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["variant_id"] == variant)
        .unwrap_or_else(|| panic!("no {barcode} on {order}"))
}

fn outstanding(receivable: &Value, line: usize) -> Option<String> {
    receivable["orders"][0]["items"][line]["outstanding"]
        .as_str()
        .map(str::to_owned)
}

async fn a_delivery_received_by_scan_offline_reaches_the_hub_in_batches_with_its_differences(
    backend: Backend,
) {
    let mut hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    hq.create_staff(&store, "Ravi", CLERK.0, "cashier", CLERK.1)
        .await
        .unwrap();
    let till = Agent::start(&hub, &codes[0]).await;
    wait_synced(&till, &hq, &store).await;
    wait_sign_in(&till, CLERK.0, CLERK.1, 200).await;

    let inventory = hq.inventory(&store).await.unwrap();
    let variant = |barcode: &str| {
        inventory["positions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["barcode"] == gtin(barcode))
            .map(|p| p["variant_id"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let (s, supplier) = hq
        .post_json("/v1/suppliers", &json!({"name": "Sharma Traders"}))
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201, "{supplier}");
    let (s, po) = hq
        .post_json(
            &format!("/v1/stores/{store}/purchase-orders"),
            &json!({"supplier_id": supplier["supplier_id"], "lines": [
                {"variant_id": variant(TEA), "qty": "24", "unit_cost_minor": 11000},
                {"variant_id": variant(RICE), "qty": "50"}
            ]}),
        )
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201, "{po}");
    let po_id = po["po_id"].as_str().unwrap().to_owned();

    eventually(
        "the till to hear of the order",
        30,
        || async {
            outstanding(&till.get("/v1/purchase-orders").await.1, 1).as_deref() == Some("50")
        },
        || till.log(),
    )
    .await;

    // The hub goes down; the delivery comes.
    hub.stop();
    let tea_before = Qty::parse(&till.available(TEA).await.unwrap()).unwrap();
    let started = till
        .post(
            "/v1/goods-receipts",
            json!({"po_id": po_id, "bill_no": "INV-4471"}),
        )
        .await;
    let receipt = started["receipt_id"].as_str().unwrap().to_owned();
    let scans = format!("/v1/goods-receipts/{receipt}/scans");
    let tea_label = label(TEA, "270331", "T-1", None);
    for _ in 0..2 {
        till.post(&scans, json!({"code": tea_label, "qty": "12"}))
            .await;
    }
    let broken = till
        .post(&scans, json!({"code": tea_label, "damaged": true}))
        .await;
    assert_eq!(broken["line_damaged"], "1", "{broken}");
    till.post(
        &scans,
        json!({"code": label(RICE, "270101", "R-9", Some(25_500))}),
    )
    .await;
    let dal = till.post(&scans, json!({"code": DAL, "qty": "5"})).await;
    assert!(dal["message"].as_str().unwrap().contains("Not on"), "{dal}");
    let posted = till
        .post(&format!("/v1/goods-receipts/{receipt}/post"), json!({}))
        .await;
    assert_eq!(posted["state"], "posted", "{posted}");
    assert_eq!(posted["differs"], true);

    // Sellable at once, offline: two of the new tea go.
    let tea_now = Qty::parse(&till.available(TEA).await.unwrap()).unwrap();
    assert_eq!(tea_now, tea_before.checked_add(Qty::units(24)).unwrap());
    till.sell(&[(TEA, "2")]).await;

    hub.restart().await;
    wait_drained(&till, &hub).await;
    eventually(
        "the hub's stock to equal the till's",
        60,
        || async { hub_positions(&hq, &store).await == till_positions(&till).await },
        || format!("{}\n{}", till.log(), hub.log()),
    )
    .await;
    let positions = hub_positions(&hq, &store).await;
    assert_eq!(
        Qty::parse(&positions[&gtin(TEA)]).unwrap(),
        tea_before.checked_add(Qty::units(22)).unwrap()
    );

    // HQ reads what differed from the order.
    let (s, order) = hq
        .send_json(Method::GET, &format!("/v1/purchase-orders/{po_id}"), None)
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 200, "{order}");
    assert_eq!(order["state"], "part_received", "{order}");
    let inventory = hq.inventory(&store).await.unwrap();
    let tea = item(&order, TEA, &inventory);
    assert_eq!(
        (
            tea["received"].as_str(),
            tea["damaged"].as_str(),
            tea["short"].as_str()
        ),
        (Some("24"), Some("1"), Some("0"))
    );
    let rice = item(&order, RICE, &inventory);
    assert_eq!(
        (rice["received"].as_str(), rice["short"].as_str()),
        (Some("25.5"), Some("24.5"))
    );
    let dal = item(&order, DAL, &inventory);
    assert_eq!(
        (dal["ordered"].as_str(), dal["excess"].as_str()),
        (Some("0"), Some("5"))
    );
    assert_eq!(order["deliveries"][0]["bill_no"], "INV-4471");
    assert_eq!(order["deliveries"][0]["received_by"]["name"], "Ravi");

    // Into its batches at the hub.
    let (_, batches) = hq
        .send_json(Method::GET, &format!("/v1/stores/{store}/batches"), None)
        .await
        .unwrap();
    let rice_batch = batches
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["code"] == "R-9")
        .unwrap_or_else(|| panic!("no batch R-9: {batches}"));
    assert_eq!(
        (
            rice_batch["on_hand"].as_str(),
            rice_batch["expires_on"].as_str()
        ),
        (Some("25.5"), Some("2027-01-01"))
    );
    assert!(
        batches
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["code"] == "T-1" && b["expires_on"] == "2027-03-31"),
        "{batches}"
    );

    // The till shows what is still to come, its own delivery counted once.
    eventually(
        "the till to hear where the order stands",
        30,
        || async {
            let r = till.get("/v1/purchase-orders").await.1;
            r["orders"][0]["state"] == "part_received"
                && outstanding(&r, 0).as_deref() == Some("0")
                && outstanding(&r, 1).as_deref() == Some("24.5")
        },
        || till.log(),
    )
    .await;

    // HQ closes it: the till stops offering it.
    let (s, closed) = hq
        .post_json(&format!("/v1/purchase-orders/{po_id}/close"), &json!({}))
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 200, "{closed}");
    eventually(
        "the till to drop the closed order",
        30,
        || async {
            till.get("/v1/purchase-orders").await.1["orders"]
                .as_array()
                .is_some_and(|o| o.is_empty())
        },
        || till.log(),
    )
    .await;
}
on_both_backends!(
    a_delivery_received_by_scan_offline_reaches_the_hub_in_batches_with_its_differences
);
