//! ERP inventory through the gateway: a snapshot sent three times between
//! shuffled deltas (the stock of one application), newer snapshots, and
//! lines that contradict each other refused by name.

use crate::helpers::*;
use crate::ingestion::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn adjustment(id: &str, sku: &str, qty: i64, at: &str) -> Value {
    let kind = if qty >= 0 { "ADD" } else { "REMOVE" };
    json!({"adjustmentId": id, "itemSKU": sku, "facilityCode": "WH1", "quantity": qty.abs(), "adjustmentType": kind, "updated": at})
}

async fn erp_snapshots_sent_again_between_shuffled_deltas_count_once(backend: Backend) {
    let shop = shop(backend).await;
    let source = register(&shop, "uc", "erp", "WH1").await;
    let snapshot = json!({"updated": "2026-12-01T10:00:00Z", "inventorySnapshots": [
        {"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": 30},
        {"itemSKU": "RICE-KG", "facilityCode": "WH1", "inventory": "12.5"}
    ]});
    let mut deltas: Vec<Value> = (0..12)
        .map(|i| {
            let qty = if i % 3 == 0 { -2 } else { 5 };
            adjustment(
                &format!("ADJ-{i}"),
                "TEA-250",
                qty,
                &format!("2026-12-01T10:{:02}:00Z", 10 + i),
            )
        })
        .collect();
    // Already in the snapshot: happened before it was taken.
    deltas.push(adjustment("ADJ-OLD", "TEA-250", 7, "2026-12-01T09:00:00Z"));
    let expected_tea = 30
        + (0..12)
            .map(|i| if i % 3 == 0 { -2 } else { 5 })
            .sum::<i64>();
    let mut rng = fastrand::Rng::with_seed(21);
    rng.shuffle(&mut deltas);
    let (first, rest) = deltas.split_at(6);
    let mut bodies = vec![snapshot.clone()];
    bodies.extend(first.iter().map(|d| json!({"inventoryAdjustments": [d]})));
    bodies.push(snapshot.clone());
    bodies.push(json!({"inventoryAdjustments": rest}));
    // The same adjustments again, in another payload.
    bodies.push(json!({"inventoryAdjustments": first}));
    bodies.push(snapshot.clone());
    for (s, b) in push(&shop, &source, &bodies).await {
        assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    }
    let payloads = settled(&shop, &source).await;
    assert!(
        payloads.iter().all(|p| p["state"] == "applied"),
        "{payloads:?}"
    );
    assert_eq!(shop.on_hand(TEA).await, expected_tea.to_string());
    assert_eq!(shop.on_hand(RICE).await, "12.5");
    // One movement for the snapshot's difference per item, one per delta after it.
    let (_, movements) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/movements?limit=1000", shop.store_id),
            &shop.api_key,
        )
        .await;
    let adjustments = movements["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["reason"] == "adjustment")
        .count();
    assert_eq!(adjustments, 2 + 12, "{movements}");
    // A newer snapshot sets the figure again, counting the deltas after it only.
    let newer = json!({"updated": "2026-12-01T10:15:00Z", "inventorySnapshots": [
        {"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": 100}
    ]});
    push(&shop, &source, &[newer]).await;
    settled(&shop, &source).await;
    let after_newer = 100
        + (6..12)
            .map(|i| if i % 3 == 0 { -2 } else { 5 })
            .sum::<i64>();
    assert_eq!(shop.on_hand(TEA).await, after_newer.to_string());
    // Lines that cannot be applied are refused one by one.
    let bad = json!({"inventorySnapshots": [
        {"itemSKU": "NOPE", "facilityCode": "WH1", "inventory": 1, "updated": "2026-12-02T00:00:00Z"},
        {"itemSKU": "TEA-250", "facilityCode": "WH9", "inventory": 1, "updated": "2026-12-02T00:00:00Z"},
        {"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": "1.5", "updated": "2026-12-02T00:00:00Z"},
        {"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": -1, "updated": "2026-12-02T00:00:00Z"},
        {"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": 1, "updated": "yesterday"}
    ]});
    push(&shop, &source, &[bad]).await;
    let payloads = settled(&shop, &source).await;
    let run = run_of(&shop, &payloads[0]).await;
    assert_eq!(run["counts"]["failed"], 5, "{run}");
    let fields: Vec<&str> = run["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["itemSKU", "facilityCode", "inventory", "updated"] {
        assert!(fields.contains(&field), "{field} in {run}");
    }
    assert_eq!(
        shop.on_hand(TEA).await,
        after_newer.to_string(),
        "nothing half-applied"
    );
}
on_both_backends!(erp_snapshots_sent_again_between_shuffled_deltas_count_once);

async fn inventory_lines_that_contradict_are_refused_not_swallowed(backend: Backend) {
    let shop = shop(backend).await;
    let source = register(&shop, "uc", "erp", "WH1").await;
    // Snapshots and adjustments in one payload: both applied.
    push(&shop, &source, &[json!({
        "inventorySnapshots": [{"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": 20, "updated": "2026-12-01T10:00:00Z"}],
        "inventoryAdjustments": [adjustment("C1", "TEA-250", 1, "2026-12-01T11:00:00Z")]
    })]).await;
    let payloads = settled(&shop, &source).await;
    assert_eq!(run_of(&shop, &payloads[0]).await["counts"]["applied"], 2);
    assert_eq!(shop.on_hand(TEA).await, "21");
    // The same adjustment id for another change, a second figure for the
    // same time, a time far ahead of the hub's clock: each refused by name.
    push(&shop, &source, &[json!({
        "inventorySnapshots": [
            {"itemSKU": "RICE-KG", "facilityCode": "WH1", "inventory": 10, "updated": "2026-12-01T10:00:00Z"},
            {"itemSKU": "RICE-KG", "facilityCode": "WH1", "inventory": 30, "updated": "2026-12-01T10:00:00Z"},
            {"itemSKU": "TEA-250", "facilityCode": "WH1", "inventory": 99, "updated": "2099-01-01T00:00:00Z"}
        ],
        "inventoryAdjustments": [adjustment("C1", "TEA-250", 99, "2026-12-01T11:00:00Z")]
    })]).await;
    let payloads = settled(&shop, &source).await;
    let run = run_of(&shop, &payloads[0]).await;
    assert_eq!(run["counts"]["applied"], 1, "{run}");
    assert_eq!(run["counts"]["failed"], 3, "{run}");
    let fields: Vec<&str> = run["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["inventory", "updated", "adjustmentId"] {
        assert!(fields.contains(&field), "{field} in {run}");
    }
    assert_eq!(shop.on_hand(TEA).await, "21");
    assert_eq!(shop.on_hand(RICE).await, "10");
    let (_, failing) = shop
        .hub
        .get(
            &format!("/v1/ingestion-runs?source_id={}&failed=true", source.id),
            &shop.api_key,
        )
        .await;
    assert_eq!(failing["items"].as_array().unwrap().len(), 1, "{failing}");
    let (_, rates) = shop
        .hub
        .get(&format!("/v1/sources/{}/rates", source.id), &shop.api_key)
        .await;
    assert_eq!(rates["runs_with_failures"], 1, "{rates}");
    assert_eq!(rates["entities_failed"], 3, "{rates}");
    // A body with a byte-order mark is read like any other.
    let body = format!("\u{feff}{}", json!({"inventorySnapshots": []}));
    let ts = now_secs();
    let signature = sign_with_python(&source.secret, &[("bom".into(), ts, body.clone())]).remove(0);
    let (s, b) = post_raw(
        &shop,
        &source.id,
        &[
            ("webhook-id", "bom".into()),
            ("webhook-timestamp", ts.to_string()),
            ("webhook-signature", signature),
        ],
        &body,
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    let payloads = settled(&shop, &source).await;
    assert_eq!(payloads[0]["state"], "applied", "{:?}", payloads[0]);
}
on_both_backends!(inventory_lines_that_contradict_are_refused_not_swallowed);
