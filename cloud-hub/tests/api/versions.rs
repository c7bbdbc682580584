//! A variant's version history: each distinct state once, with a normalized
//! hash; setting what is already there makes no version and reaches no till.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// How many times the tea has been announced to the store's tills.
async fn announcements(shop: &Shop) -> usize {
    let (s, feed) = shop
        .hub
        .get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
        .await;
    assert_eq!(s, StatusCode::OK, "{feed}");
    feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["type"] == "variant_upserted" && c["variant_id"] == shop.variants[0].0.as_str()
        })
        .count()
}

async fn versions(shop: &Shop, variant: &str) -> Vec<Value> {
    let (s, v) = shop
        .hub
        .get(&format!("/v1/catalog/{variant}/versions"), &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().unwrap().clone()
}

async fn set_price(shop: &Shop, paise: i64) {
    let (s, b) = shop
        .hub
        .send(
            reqwest::Method::PUT,
            &format!("/v1/variants/{}/price", shop.variants[0].0),
            Some(&shop.api_key),
            Some(json!({"price": {"minor": paise, "currency": "INR"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["price"]["minor"], paise);
}

async fn an_identical_update_is_a_no_op_that_emits_nothing(backend: Backend) {
    let shop = shop(backend).await;
    let tea = shop.variants[0].0.clone();
    let created = versions(&shop, &tea).await;
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0]["version"], 1);
    assert_eq!(created[0]["record"]["price"]["minor"], 14500);
    assert_eq!(created[0]["hash"].as_str().unwrap().len(), 64);
    let announced = announcements(&shop).await;

    set_price(&shop, 15000).await;
    assert_eq!(versions(&shop, &tea).await.len(), 2);
    assert_eq!(announcements(&shop).await, announced + 1);

    // The same price again: no version, nothing for the tills.
    set_price(&shop, 15000).await;
    assert_eq!(versions(&shop, &tea).await.len(), 2);
    assert_eq!(announcements(&shop).await, announced + 1);

    // Back to the first price: a new version whose hash is the first one's.
    set_price(&shop, 14500).await;
    let history = versions(&shop, &tea).await;
    assert_eq!(history.len(), 3);
    assert_eq!(history[2]["version"], 3);
    assert_eq!(
        history[2]["hash"], history[0]["hash"],
        "normalized: equal states hash equal"
    );
    assert_ne!(history[1]["hash"], history[0]["hash"]);
    assert_eq!(announcements(&shop).await, announced + 2);

    // Not found, not an id, not this tenant's.
    let (s, b) = shop
        .hub
        .get(
            &format!("/v1/catalog/{}/versions", uuid::Uuid::now_v7()),
            &shop.api_key,
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = shop
        .hub
        .get("/v1/catalog/tea/versions", &shop.api_key)
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_id");
    let stranger = shop.hub.tenant("Another Chain").await;
    let (s, _) = shop
        .hub
        .get(&format!("/v1/catalog/{tea}/versions"), &stranger)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_both_backends!(an_identical_update_is_a_no_op_that_emits_nothing);
