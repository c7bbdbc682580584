//! The last two reasons an item cannot be ordered, through HQ's API on both
//! backends: HQ disables it at every store (`item_disabled`), or its stock at
//! one store is put on hold (`blocked`). Both show in the catalog view, stop
//! reservations, and flip orderability with an event.

use crate::helpers::{assert_problem, shop, Backend, Shop};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The reasons the catalog view gives for `variant` at `store`.
async fn reasons(shop: &Shop, store: &str, variant: &str) -> Vec<String> {
    let view = shop.hub.catalog_view(store, "", &shop.api_key).await;
    let item = view["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["variant_id"] == variant)
        .unwrap_or_else(|| panic!("{variant} not in {view}"))
        .clone();
    assert_eq!(item["orderable"], item["reasons"] == json!([]), "{item}");
    item["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

async fn event_types(shop: &Shop) -> Vec<String> {
    let (_, page) = shop.hub.get("/v1/events?limit=1000", &shop.api_key).await;
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap().to_owned())
        .collect()
}

async fn reserve(shop: &Shop, variant: &str) -> (StatusCode, Value) {
    shop.hub
        .post(
            &format!("/v1/stores/{}/reservations", shop.store_id),
            &shop.api_key,
            json!({"variant_id": variant, "qty": "1", "order_ref": "ORD-1"}),
        )
        .await
}

async fn blocked_stock_and_disabled_items_cannot_be_ordered(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let (store, tea, rice) = (
        shop.store_id.clone(),
        shop.variants[0].0.clone(),
        shop.variants[1].0.clone(),
    );
    let (_, other) = hub
        .post(
            "/v1/stores",
            key,
            json!({"code": "BLR-2", "name": "Dark store"}),
        )
        .await;
    let other = other["id"].as_str().unwrap().to_owned();
    assert!(reasons(&shop, &store, &tea).await.is_empty());
    let seen = event_types(&shop).await.len();

    let block = format!("/v1/stores/{store}/blocks/{tea}");
    let (s, b) = hub
        .put(
            &block,
            key,
            json!({"blocked": true, "reason": "quality check"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["reason"], "quality check");
    assert_eq!(reasons(&shop, &store, &tea).await, ["blocked"]);
    let (s, b) = reserve(&shop, &tea).await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");
    assert!(b["detail"].as_str().unwrap().contains("blocked"), "{b}");
    let (s, _) = hub.put(&block, key, json!({"blocked": false})).await;
    assert_eq!(s, StatusCode::OK);
    assert!(reasons(&shop, &store, &tea).await.is_empty());
    assert_eq!(
        event_types(&shop).await[seen..],
        [
            "inventory.stock.blocked",
            "inventory.orderability.changed",
            "inventory.stock.unblocked",
            "inventory.orderability.changed"
        ]
    );

    let seen = event_types(&shop).await.len();
    let (s, b) = hub
        .post(&format!("/v1/variants/{rice}/disable"), key, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b, json!({"variant_id": rice, "disabled": true}));
    assert_eq!(reasons(&shop, &store, &rice).await, ["item_disabled"]);
    // No stock there either: both reasons, and no flip since it was never orderable.
    assert_eq!(
        reasons(&shop, &other, &rice).await,
        ["item_disabled", "zero_stock"]
    );
    let (s, b) = reserve(&shop, &rice).await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");
    assert!(
        b["detail"].as_str().unwrap().contains("item_disabled"),
        "{b}"
    );
    let (s, _) = hub
        .post(&format!("/v1/variants/{rice}/disable"), key, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "disabling again is not an error");
    assert_eq!(
        event_types(&shop).await[seen..],
        ["catalog.variant.disabled", "inventory.orderability.changed"],
        "one event for the item, one flip where it was orderable"
    );
    let (s, _) = hub
        .post(&format!("/v1/variants/{rice}/enable"), key, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(reasons(&shop, &store, &rice).await.is_empty());
    let (s, r) = reserve(&shop, &rice).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    // Tills are not stopped: the item stays in their feed as it was.
    let (_, page) = hub
        .get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
        .await;
    let deleted = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "variant_deleted")
        .count();
    assert_eq!(deleted, 0);
}
on_both_backends!(blocked_stock_and_disabled_items_cannot_be_ordered);

async fn bad_holds_are_refused_and_change_nothing(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let (store, tea) = (shop.store_id.clone(), shop.variants[0].0.clone());
    let block = format!("/v1/stores/{store}/blocks/{tea}");
    for (body, field) in [
        (json!({"blocked": true}), "reason"),
        (json!({"blocked": true, "reason": "  "}), "reason"),
        (json!({"blocked": false, "reason": "x"}), "reason"),
        (json!({"blocked": "yes", "reason": "x"}), "blocked"),
        (
            json!({"blocked": true, "reason": "x", "until": "never"}),
            "until",
        ),
    ] {
        let (s, b) = hub.put(&block, key, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {b}");
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    let unknown = uuid::Uuid::now_v7();
    let (s, b) = hub
        .put(
            &format!("/v1/stores/{store}/blocks/{unknown}"),
            key,
            json!({"blocked": true, "reason": "x"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = hub
        .post(&format!("/v1/variants/{unknown}/disable"), key, json!({}))
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = hub.post("/v1/variants/nope/disable", key, json!({})).await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_id");

    let intruder = hub.tenant("Other Chain").await;
    let (s, _) = hub
        .put(&block, &intruder, json!({"blocked": true, "reason": "x"}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = hub
        .post(&format!("/v1/variants/{tea}/disable"), &intruder, json!({}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A store manager holds stock at their store but cannot stop an item chain-wide.
    let (_, issued) = hub
        .post(
            "/v1/api-keys",
            key,
            json!({"label": "mgr", "role": "store_manager", "store_ids": [store]}),
        )
        .await;
    let manager = issued["api_key"].as_str().unwrap();
    let (s, _) = hub
        .post(&format!("/v1/variants/{tea}/disable"), manager, json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        reasons(&shop, &store, &tea).await.is_empty(),
        "nothing was held"
    );
    let (s, _) = hub
        .put(
            &block,
            manager,
            json!({"blocked": true, "reason": "recall"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(reasons(&shop, &store, &tea).await, ["blocked"]);
}
on_both_backends!(bad_holds_are_refused_and_change_nothing);

/// The `item_at_store` changes after `since` in the feed of a terminal
/// speaking protocol `v`, without their sequence numbers.
async fn heard(shop: &Shop, since: u64, v: u16) -> Vec<Value> {
    let path = format!("/v1/sync/feed?since={since}&limit=5000&v={v}");
    let (s, page) = shop.hub.get(&path, &shop.device_token).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "item_at_store")
        .map(|c| {
            let mut c = c.clone();
            c.as_object_mut().unwrap().remove("seq");
            c
        })
        .collect()
}

/// The `item_at_store` records of a new snapshot, checked against its head.
async fn stopped(shop: &Shop) -> Vec<Value> {
    let mut lines = shop
        .snapshot_records(pos_shared::sync::PROTOCOL_VERSION)
        .await
        .into_iter();
    let head = lines.next().unwrap();
    let items: Vec<Value> = lines.filter(|r| r["type"] == "item_at_store").collect();
    assert_eq!(head["items_at_store"], items.len(), "{head}");
    items
}

/// The store's tills hear which items they may not sell: the feed carries
/// each delisting and hold (with its reason, and a new reason on a held item)
/// to protocol-8 terminals and to no other store, older terminals skip it,
/// and a snapshot holds what still stands.
async fn the_stores_tills_hear_what_they_may_not_sell(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let (store, tea, rice) = (
        shop.store_id.clone(),
        shop.variants[0].0.clone(),
        shop.variants[1].0.clone(),
    );
    let (_, before) = hub
        .get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
        .await;
    let since = before["next_cursor"].as_u64().unwrap();
    let (_, other) = hub
        .post(
            "/v1/stores",
            key,
            json!({"code": "BLR-2", "name": "Elsewhere"}),
        )
        .await;
    let other = other["id"].as_str().unwrap().to_owned();

    hub.put(
        &format!("/v1/stores/{store}/assortment/{rice}"),
        key,
        json!({"listed": false}),
    )
    .await;
    hub.put(
        &format!("/v1/stores/{store}/blocks/{tea}"),
        key,
        json!({"blocked": true, "reason": "recall"}),
    )
    .await;
    hub.put(
        &format!("/v1/stores/{store}/blocks/{tea}"),
        key,
        json!({"blocked": true, "reason": "recall, batch B7"}),
    )
    .await;
    let (_, events) = hub.get("/v1/events?limit=1000", key).await;
    let last = events["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&last["event_type"], &last["data"]["reason"]),
        (
            &json!("inventory.stock.blocked"),
            &json!("recall, batch B7")
        ),
        "a new reason is an event too: {last}"
    );
    let (s, b) = hub
        .put(
            &format!("/v1/stores/{store}/blocks/{tea}"),
            key,
            json!({"blocked": true, "reason": "recall\nCALL \u{1b}[2J"}),
        )
        .await;
    assert_eq!(
        (s, &b["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("reason")),
        "{b}"
    );
    hub.put(
        &format!("/v1/stores/{other}/assortment/{tea}"),
        key,
        json!({"listed": false}),
    )
    .await;
    assert_eq!(
        heard(&shop, since, pos_shared::sync::OLDEST_SUPPORTED_PROTOCOL).await,
        [
            json!({"type": "item_at_store", "store_id": store, "variant_id": rice, "listed": false}),
            json!({"type": "item_at_store", "store_id": store, "variant_id": tea, "listed": true, "hold": "recall"}),
            json!({"type": "item_at_store", "store_id": store, "variant_id": tea, "listed": true, "hold": "recall, batch B7"}),
        ],
        "this store's, in order, and not the other store's"
    );
    // Every protocol the hub still serves hears them; a till older than
    // that is told to upgrade, not fed a page it cannot read.
    let (s, refused) = shop
        .hub
        .get(
            &format!(
                "/v1/sync/feed?since={since}&limit=5000&v={}",
                pos_shared::sync::OLDEST_SUPPORTED_PROTOCOL - 1
            ),
            &shop.device_token,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{refused}");
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("upgrade the terminal"),
        "{refused}"
    );

    // A snapshot holds both, counted in its head; released and relisted, none.
    let items = stopped(&shop).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items
        .iter()
        .any(|i| i["variant_id"] == rice.as_str() && i["listed"] == false));
    assert!(items
        .iter()
        .any(|i| i["variant_id"] == tea.as_str() && i["hold"] == "recall, batch B7"));
    hub.put(
        &format!("/v1/stores/{store}/assortment/{rice}"),
        key,
        json!({"listed": true}),
    )
    .await;
    hub.put(
        &format!("/v1/stores/{store}/blocks/{tea}"),
        key,
        json!({"blocked": false}),
    )
    .await;
    assert_eq!(stopped(&shop).await, Vec::<Value>::new());
    let last = heard(&shop, since, pos_shared::sync::OLDEST_SUPPORTED_PROTOCOL).await;
    assert_eq!(
        last[last.len() - 2..],
        [
            json!({"type": "item_at_store", "store_id": store, "variant_id": rice, "listed": true}),
            json!({"type": "item_at_store", "store_id": store, "variant_id": tea, "listed": true}),
        ]
    );
}
on_both_backends!(the_stores_tills_hear_what_they_may_not_sell);
