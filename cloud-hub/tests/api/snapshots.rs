//! A store's snapshot read whole: every variant as the feed sent it, every
//! position once, across the chunks the hub reads it in.

use crate::feed::{snapshot_get, snapshot_lines};
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A store bigger than a snapshot's chunk of rows, with every field of an
/// item set on one of them: the snapshot holds each variant exactly as the
/// feed sent it, and each position once (the hub reads both a chunk at a
/// time, by key, on SQLite as one packed value a chunk).
async fn a_snapshot_holds_every_variant_as_the_feed_sent_it(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let (_, dairy) = hub
        .post("/v1/categories", key, json!({"name": "Dairy"}))
        .await;
    let (_, amul) = hub
        .post("/v1/brands", key, json!({"name": "Amul \"Taaza\" ✓"}))
        .await;
    let inr = |m: i64| json!({"minor": m, "currency": "INR"});
    let (s, rich) = hub
        .post(
            "/v1/products",
            key,
            json!({"name": "Ghee", "brand_id": amul["brand_id"], "category_id": dairy["category_id"],
                   "synonyms": ["clarified butter", "घी"],
                   "variants": [{"name": "Ghee (loose, kg)", "sku": "GHEE-KG", "barcode": "8901262010016",
                                 "barcodes": ["96385074"], "quick_key": 7, "unit": "kg",
                                 "image_urls": ["https://cdn.example.com/ghee.jpg"],
                                 "tax": {"rate_bp": 1200, "inclusive": true, "hsn": "04059020"},
                                 "modifiers": [{"name": "Jar", "min": 0, "max": 1, "options": [
                                     {"code": "jar", "name": "Glass jar", "price": inr(2000)}]}],
                                 "price": inr(65000)}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{rich}");
    let many = cloud_hub::domain::sync::SNAPSHOT_CHUNK + 150;
    for range in 0..many.div_ceil(1000) {
        let variants: Vec<Value> = (range * 1000..((range + 1) * 1000).min(many))
            .map(|i| {
                json!({"name": format!("Item {i}"), "sku": format!("SKU-{i}"),
                            "barcode": crate::seller_feeds::ean(i as u64), "price": inr(1000 + i as i64)})
            })
            .collect();
        let (s, b) = hub
            .post(
                "/v1/products",
                key,
                json!({"name": format!("Range {range}"), "variants": variants}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        // Stock for each, so the positions span chunks too.
        let movements: Vec<Value> = b["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| json!({"variant_id": v["variant_id"], "delta": "3", "reason": "receipt"}))
            .collect();
        let (s, b) = hub
            .post(
                &format!("/v1/stores/{}/movements/bulk", shop.store_id),
                key,
                json!({"movements": movements}),
            )
            .await;
        assert!(s.is_success(), "{b}");
    }
    let rich_id = rich["variants"][0]["variant_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{}/movements", shop.store_id),
            key,
            json!({"variant_id": rich_id, "delta": "2.5", "reason": "receipt"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");

    let mut sent = std::collections::HashMap::new();
    let mut since = 0;
    loop {
        let (_, page) = hub
            .get(
                &format!("/v1/sync/feed?since={since}&limit=5000"),
                &shop.device_token,
            )
            .await;
        for change in page["changes"].as_array().unwrap() {
            if change["type"] == "variant_upserted" {
                let mut record = change.clone();
                record.as_object_mut().unwrap().remove("type");
                record.as_object_mut().unwrap().remove("seq");
                sent.insert(change["variant_id"].as_str().unwrap().to_owned(), record);
            }
        }
        let next = page["next_cursor"].as_u64().unwrap();
        if next == since || page["changes"].as_array().unwrap().is_empty() {
            break;
        }
        since = next;
    }

    let got = snapshot_get(&shop, "", None).await;
    assert_eq!(got.status(), StatusCode::OK);
    let lines = snapshot_lines(&got.bytes().await.unwrap());
    let mut held = std::collections::HashMap::new();
    let mut positions = std::collections::HashMap::new();
    for line in &lines[1..] {
        let mut record = line.clone();
        let kind = record.as_object_mut().unwrap().remove("type").unwrap();
        let id = line["variant_id"].as_str().unwrap_or_default().to_owned();
        if kind == "variant" {
            assert!(held.insert(id.clone(), record).is_none(), "{id} twice");
        } else if kind == "position" {
            assert!(
                positions
                    .insert(id.clone(), line["on_hand"].clone())
                    .is_none(),
                "{id}'s position twice"
            );
        }
    }
    assert_eq!(lines[0]["variants"], held.len() as u64);
    assert_eq!(lines[0]["positions"], positions.len() as u64);
    assert_eq!(held.len(), sent.len(), "every variant, once");
    for (id, record) in &sent {
        assert_eq!(
            held.get(id),
            Some(record),
            "variant {id} as the feed sent it"
        );
    }
    let ghee = &held[&rich_id];
    assert_eq!(ghee["tax"]["inclusive"], true, "{ghee}");
    assert_eq!(ghee["quick_key"], 7, "{ghee}");
    assert_eq!(ghee["brand"], "Amul \"Taaza\" ✓", "{ghee}");
    assert_eq!(positions[&rich_id], "2.5");
    assert!(positions.len() > many, "{} positions", positions.len());
    assert!(sent
        .keys()
        .filter(|id| **id != rich_id && held[*id]["sku"].as_str().unwrap().starts_with("SKU-"))
        .all(|id| positions[id] == "3"));
}
on_both_backends!(a_snapshot_holds_every_variant_as_the_feed_sent_it);
