//! What a store's tills hear from the hub of its purchase orders and of the
//! store itself (protocol 10): a new till's snapshot holds the store's recent
//! orders and its record; the feed carries the GSTIN and status HQ sets to
//! that store's tills only; a till too old to read them (protocol 9) is
//! told to upgrade, never fed what it cannot read.

use crate::helpers::*;
use crate::on_both_backends;
use crate::purchasing::{raise, supplier};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn a_new_till_gets_the_stores_recent_orders_in_its_snapshot(backend: Backend) {
    let shop = shop(backend).await;
    let sharma = supplier(&shop, "Sharma Traders").await;
    let open = raise(&shop, &sharma).await;
    let cancelled = raise(&shop, &sharma).await;
    let (s, _) = shop
        .hub
        .post(
            &format!(
                "/v1/purchase-orders/{}/cancel",
                cancelled["po_id"].as_str().unwrap()
            ),
            &shop.api_key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // Protocol 11 on (the oldest served): both recent orders (the cancelled
    // one too: the till knows the store's suppliers from them) and the
    // store's own record.
    for (v, expected, store_records) in [(11u16, 2usize, 1usize), (13, 2, 1)] {
        let lines = shop.snapshot_records(v).await;
        assert_eq!(
            lines[0]["purchase_orders"].as_u64().unwrap_or(0),
            expected as u64,
            "v{v}: {}",
            lines[0]
        );
        let orders: Vec<&Value> = lines
            .iter()
            .filter(|l| l["type"] == "purchase_order")
            .collect();
        assert_eq!(orders.len(), expected, "v{v}");
        // The store's own record travels from protocol 10 too.
        let stores: Vec<&Value> = lines.iter().filter(|l| l["type"] == "store").collect();
        assert_eq!(
            (stores.len(), lines[0]["stores"].as_u64().unwrap_or(0)),
            (store_records, store_records as u64),
            "v{v}"
        );
        if expected == 2 {
            assert_eq!(orders[0]["po_id"], open["po_id"]);
            assert_eq!(
                (orders[0]["state"].as_str(), orders[1]["state"].as_str()),
                (Some("open"), Some("cancelled"))
            );
        }
    }
}
on_both_backends!(a_new_till_gets_the_stores_recent_orders_in_its_snapshot);

async fn the_gstin_and_status_hq_sets_reach_the_stores_tills_only(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let store = &shop.store_id;
    let (s, b) = hub
        .put(
            &format!("/v1/stores/{store}/gstin"),
            &shop.api_key,
            json!({"gstin": "29AAACK1234A1Z6"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = hub
        .put(
            &format!("/v1/stores/{store}/status"),
            &shop.api_key,
            json!({"status": "maintenance"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let token = &shop.device_token;
    let profiles = |v: u16| async move {
        let (s, page) = hub
            .get(&format!("/v1/sync/feed?since=0&limit=5000&v={v}"), token)
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["type"] == "store_profile")
            .cloned()
            .collect::<Vec<Value>>()
    };
    let heard = profiles(11).await;
    assert_eq!(heard.len(), 2, "{heard:?}");
    assert_eq!(
        (heard[0]["gstin"].as_str(), heard[0]["status"].as_str()),
        (Some("29AAACK1234A1Z6"), Some("open"))
    );
    assert_eq!(heard[1]["status"], "maintenance");
    let (s, behind) = hub.get("/v1/sync/feed?since=0&limit=5000&v=9", token).await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "a protocol-9 till cannot read them: {behind}"
    );

    // Another store's tills hear nothing of it.
    let (_, other) = hub
        .post(
            "/v1/stores",
            &shop.api_key,
            json!({"code": "BLR-7", "name": "HSR"}),
        )
        .await;
    let other = other["id"].as_str().unwrap();
    let (s, _) = hub
        .put(
            &format!("/v1/stores/{other}/status"),
            &shop.api_key,
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(profiles(11).await.len(), 2);
}
on_both_backends!(the_gstin_and_status_hq_sets_reach_the_stores_tills_only);
