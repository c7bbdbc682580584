//! Price windows through the HQ API: scheduling, overlap and bad input, the
//! effective price per store and instant, ending and cancelling, and what
//! tills hear of it.

use crate::helpers::*;
use crate::on_both_backends;
use pos_shared::Timestamp;
use reqwest::StatusCode;
use serde_json::{json, Value};

const HOUR: i64 = 3_600_000;

fn at(base: i64, offset: i64) -> String {
    Timestamp::from_unix_millis(base + offset).to_string()
}

fn inr(minor: i64) -> Value {
    json!({"minor": minor, "currency": "INR"})
}

async fn price_windows_set_the_effective_price_per_store_and_instant(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let (tea, _, base) = shop.variants[0].clone();
    let now = Timestamp::now().unix_millis();
    let prices = format!("/v1/variants/{tea}/prices");
    let (s, chain) = hub
        .post(
            &prices,
            key,
            json!({"price": inr(13000), "mrp": inr(base), "effective_from": at(now, -HOUR)}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{chain}");
    assert_eq!(chain["channel"], "pos");
    let (s, promo) = hub
        .post(
            &prices,
            key,
            json!({"price": inr(12000), "store_id": shop.store_id,
                   "effective_from": at(now, HOUR), "effective_to": at(now, 2 * HOUR)}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{promo}");
    // Another channel may price the same span differently.
    let (s, online) = hub
        .post(
            &prices,
            key,
            json!({"price": inr(12500), "channel": "online", "effective_from": at(now, -HOUR)}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{online}");

    let (_, other_store) = hub
        .post(
            "/v1/stores",
            key,
            json!({"code": "BLR-2", "name": "Koramangala"}),
        )
        .await;
    let other_store = other_store["id"].as_str().unwrap().to_owned();
    let tea = &tea;
    let effective = |store: String, offset: i64, channel: &'static str| async move {
        let (s, p) = hub
            .get(
                &format!(
                    "/v1/stores/{store}/prices/{tea}?channel={channel}&at={}",
                    at(now, offset).replace('+', "%2B")
                ),
                key,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{p}");
        (
            p["price"]["minor"].as_i64().unwrap(),
            p["source"].as_str().unwrap().to_owned(),
        )
    };
    let here = || shop.store_id.clone();
    assert_eq!(
        effective(here(), -2 * HOUR, "pos").await,
        (base, "base".into())
    );
    assert_eq!(
        effective(here(), 0, "pos").await,
        (13000, "chain_window".into())
    );
    assert_eq!(
        effective(here(), HOUR + 1, "pos").await,
        (12000, "store_window".into())
    );
    assert_eq!(
        effective(here(), 2 * HOUR, "pos").await,
        (13000, "chain_window".into())
    );
    assert_eq!(
        effective(other_store.clone(), HOUR + 1, "pos").await,
        (13000, "chain_window".into())
    );
    assert_eq!(
        effective(here(), 0, "online").await,
        (12500, "chain_window".into())
    );

    // Bad windows: a clear error naming the field, nothing written, nothing announced.
    let windows_before = hub.get(&prices, key).await.1;
    let feed = || async {
        hub.get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
            .await
            .1
    };
    let head_before = feed().await["next_cursor"].clone();
    let other_tenant = hub.tenant("Other").await;
    let (_, foreign) = hub
        .post(
            "/v1/stores",
            &other_tenant,
            json!({"code": "X", "name": "X"}),
        )
        .await;
    for (body, status, field) in [
        (
            json!({"price": inr(11000), "effective_from": at(now, 0)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "effective_from",
        ),
        (
            json!({"price": inr(-1)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "price",
        ),
        (
            json!({"price": inr(15000), "mrp": inr(14500), "channel": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "price",
        ),
        (
            json!({"price": inr(100), "channel": "x", "effective_from": at(now, HOUR), "effective_to": at(now, HOUR)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "effective_to",
        ),
        (
            json!({"price": inr(100), "channel": "Web Shop"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "channel",
        ),
        (
            json!({"price": inr(100), "channel": "x", "store_id": foreign["id"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "store_id",
        ),
        (
            json!({"price": {"minor": 100, "currency": "EUR"}, "channel": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "price.currency",
        ),
        (
            json!({"price": inr(100), "effective_from": "tomorrow"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "effective_from",
        ),
        (
            json!({"price": "cheap"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "price",
        ),
    ] {
        let (s, b) = hub.post(&prices, key, body.clone()).await;
        assert_eq!(
            (s, b["field"].as_str()),
            (status, Some(field)),
            "{body}: {b}"
        );
    }
    let (s, b) = hub
        .post(
            &format!("/v1/variants/{}/prices", uuid::Uuid::now_v7()),
            key,
            json!({"price": inr(1)}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, _) = hub
        .post(&prices, &other_tenant, json!({"price": inr(1)}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another tenant's variant");
    let (s, b) = hub.get(&prices, &other_tenant).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = hub
        .get(
            &format!("/v1/stores/{}/prices/{tea}?at=noon", shop.store_id),
            key,
        )
        .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("at"))
    );
    assert_eq!(hub.get(&prices, key).await.1, windows_before);
    assert_eq!(feed().await["next_cursor"], head_before);

    // Tills hear of the till-channel windows only, the store's own in its feed.
    let page = feed().await;
    let announced: Vec<&Value> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "price_scheduled")
        .collect();
    assert_eq!(announced.len(), 2, "{page}");
    assert_eq!(announced[1]["store_id"], shop.store_id);

    // End the chain's window early; cancel the promotion before it begins.
    let (s, ended) = hub
        .post(
            &format!("/v1/prices/{}/end", chain["price_id"].as_str().unwrap()),
            key,
            json!({"at": at(now, HOUR / 2)}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{ended}");
    assert_eq!(effective(here(), HOUR / 4, "pos").await.0, 13000);
    assert_eq!(
        effective(here(), 3 * HOUR / 4, "pos").await,
        (base, "base".into())
    );
    let (s, b) = hub
        .post(
            &format!("/v1/prices/{}/end", chain["price_id"].as_str().unwrap()),
            key,
            json!({"at": at(now, HOUR)}),
        )
        .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("at")),
        "{b}"
    );
    let (s, cancelled) = hub
        .post(
            &format!("/v1/prices/{}/end", promo["price_id"].as_str().unwrap()),
            key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["effective_to"], cancelled["effective_from"]);
    assert_eq!(
        effective(here(), HOUR + 1, "pos").await,
        (base, "base".into())
    );
    // The cancelled span is free again.
    let (s, b) = hub
        .post(
            &prices,
            key,
            json!({"price": inr(11000), "store_id": shop.store_id, "effective_from": at(now, HOUR)}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, _) = hub
        .post(
            &format!("/v1/prices/{}/end", uuid::Uuid::now_v7()),
            key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_both_backends!(price_windows_set_the_effective_price_per_store_and_instant);
