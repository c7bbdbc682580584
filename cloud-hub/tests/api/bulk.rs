//! Bulk prices and bulk movements through HQ's API on both backends: one
//! transaction each, so a refused item leaves nothing of the request behind,
//! and the error names the item.

use crate::helpers::{assert_problem, shop, Backend, Shop};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn inr(minor: i64) -> Value {
    json!({"minor": minor, "currency": "INR"})
}

async fn prices(shop: &Shop) -> Vec<i64> {
    let mut out = Vec::new();
    for (id, _, _) in &shop.variants {
        let (_, item) = shop
            .hub
            .get(&format!("/v1/catalog/{id}"), &shop.api_key)
            .await;
        out.push(item["price"]["minor"].as_i64().unwrap());
    }
    out
}

async fn on_hand(shop: &Shop) -> Vec<String> {
    let (_, inventory) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/inventory", shop.store_id),
            &shop.api_key,
        )
        .await;
    let positions = inventory["positions"].as_array().unwrap();
    shop.variants
        .iter()
        .map(|(id, _, _)| {
            let p = positions
                .iter()
                .find(|p| p["variant_id"] == id.as_str())
                .unwrap();
            p["on_hand"].as_str().unwrap().to_owned()
        })
        .collect()
}

async fn feed_head(shop: &Shop) -> Value {
    let (_, page) = shop
        .hub
        .get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
        .await;
    page["next_cursor"].clone()
}

async fn a_price_list_is_set_at_once_or_not_at_all(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let (tea, rice) = (shop.variants[0].0.clone(), shop.variants[1].0.clone());
    let head = feed_head(&shop).await;

    let body = json!({"prices": [{"variant_id": tea, "price": inr(15000)}, {"variant_id": rice, "price": inr(6250)}]});
    let (s, set) = hub.post("/v1/prices/bulk", key, body).await;
    assert_eq!(s, StatusCode::OK, "{set}");
    assert_eq!(set, json!({"updated": 1, "unchanged": 1, "changed": [tea]}));
    assert_eq!(prices(&shop).await, [15000, 6250]);
    let (_, events) = hub.get("/v1/events?type=catalog.price.updated", key).await;
    assert_eq!(
        events["events"].as_array().unwrap().len(),
        1,
        "one price changed"
    );
    assert_ne!(feed_head(&shop).await, head, "tills hear of the change");

    let unknown = uuid::Uuid::now_v7().to_string();
    let cases = [
        (
            json!({"prices": [{"variant_id": tea, "price": inr(15100)}, {"variant_id": unknown, "price": inr(1)}]}),
            StatusCode::NOT_FOUND,
            "prices[1].variant_id",
        ),
        (
            json!({"prices": [{"variant_id": tea, "price": inr(15100)}, {"variant_id": rice, "price": inr(-1)}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "prices[1].price",
        ),
        (
            json!({"prices": [{"variant_id": tea, "price": inr(15100)}, {"variant_id": tea, "price": inr(1)}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "prices[1].variant_id",
        ),
        (
            json!({"prices": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "prices",
        ),
        (
            json!({"prices": (0..1001).map(|_| json!({"variant_id": tea, "price": inr(1)})).collect::<Vec<_>>()}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "prices",
        ),
        (
            json!({"prices": [{"variant_id": tea, "price": 151}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "prices[0].price",
        ),
    ];
    for (body, status, field) in cases {
        let (s, b) = hub.post("/v1/prices/bulk", key, body).await;
        assert_eq!(s, status, "{b}");
        assert_eq!(b["field"], field, "{b}");
    }
    let (s, _) = hub.post_raw("/v1/prices/bulk", key, "{\"prices\": [").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Another tenant's variant is not theirs to price.
    let intruder = hub.tenant("Other Chain").await;
    let (s, b) = hub
        .post(
            "/v1/prices/bulk",
            &intruder,
            json!({"prices": [{"variant_id": tea, "price": inr(1)}]}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(b["field"], "prices[0].variant_id");
    assert_eq!(
        prices(&shop).await,
        [15000, 6250],
        "nothing of a refused list was set"
    );
}
on_both_backends!(a_price_list_is_set_at_once_or_not_at_all);

async fn a_stock_count_goes_in_at_once_or_not_at_all(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let (tea, rice) = (shop.variants[0].0.clone(), shop.variants[1].0.clone());
    let path = format!("/v1/stores/{}/movements/bulk", shop.store_id);
    let ids: Vec<String> = (0..3).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let count = json!({"movements": [
        {"movement_id": ids[0], "variant_id": tea, "delta": "10", "reason": "receipt"},
        {"movement_id": ids[1], "variant_id": rice, "delta": "-1", "reason": "damage"},
        {"movement_id": ids[2], "variant_id": rice, "delta": "-2.5", "reason": "adjustment"},
    ]});
    let (s, done) = hub.post(&path, key, count.clone()).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(
        (&done["recorded"], &done["duplicates"]),
        (&json!(3), &json!(0))
    );
    assert_eq!(on_hand(&shop).await, ["60", "46.5"]);
    let (s, again) = hub.post(&path, key, count).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(
        (&again["recorded"], &again["duplicates"]),
        (&json!(0), &json!(3))
    );
    assert_eq!(
        on_hand(&shop).await,
        ["60", "46.5"],
        "a replayed count counts once"
    );

    let unknown = uuid::Uuid::now_v7().to_string();
    let ok = json!({"variant_id": tea, "delta": "5", "reason": "receipt"});
    let cases = [
        (
            json!([ok, {"variant_id": unknown, "delta": "1", "reason": "receipt"}]),
            StatusCode::NOT_FOUND,
            "movements[1].variant_id",
        ),
        (
            json!([ok, {"variant_id": rice, "delta": "-1", "reason": "sale"}]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "movements[1].reason",
        ),
        (
            json!([ok, {"variant_id": rice, "delta": "1", "reason": "expiry"}]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "movements[1].delta",
        ),
        (
            json!([ok, {"variant_id": rice, "delta": "0", "reason": "adjustment"}]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "movements[1].delta",
        ),
        // A receipt or a return brings stock in; a correction is an adjustment.
        (
            json!([ok, {"variant_id": rice, "delta": "-1", "reason": "receipt"}]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "movements[1].delta",
        ),
        (
            json!([ok, {"variant_id": rice, "delta": "-1", "reason": "return"}]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "movements[1].delta",
        ),
        (
            json!([ok, {"movement_id": ids[0], "variant_id": rice, "delta": "3", "reason": "receipt"}]),
            StatusCode::CONFLICT,
            "movements[1].movement_id",
        ),
        (
            json!([{"movement_id": unknown, "variant_id": tea, "delta": "1", "reason": "receipt"},
                {"movement_id": unknown, "variant_id": tea, "delta": "1", "reason": "receipt"}]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "movements[1].movement_id",
        ),
        (json!([]), StatusCode::UNPROCESSABLE_ENTITY, "movements"),
    ];
    for (movements, status, field) in cases {
        let (s, b) = hub.post(&path, key, json!({"movements": movements})).await;
        assert_eq!(s, status, "{b}");
        assert_eq!(b["field"], field, "{b}");
    }
    assert_eq!(
        on_hand(&shop).await,
        ["60", "46.5"],
        "nothing of a refused count went in"
    );

    // A manager of another store cannot count this one.
    let (_, other) = hub
        .post(
            "/v1/stores",
            key,
            json!({"code": "BLR-9", "name": "Elsewhere"}),
        )
        .await;
    let (_, issued) = hub
        .post(
            "/v1/api-keys",
            key,
            json!({"label": "mgr", "role": "store_manager", "store_ids": [other["id"]]}),
        )
        .await;
    let (s, _) = hub
        .post(
            &path,
            issued["api_key"].as_str().unwrap(),
            json!({"movements": [ok]}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = hub
        .post(
            &format!("/v1/stores/{unknown}/movements/bulk"),
            key,
            json!({"movements": [ok]}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(on_hand(&shop).await, ["60", "46.5"]);
}
on_both_backends!(a_stock_count_goes_in_at_once_or_not_at_all);
