//! Numbers the hub takes from HQ: quantities and prices within the shared
//! bounds, prices in the tenant's one currency, quantities in the item's unit,
//! ledger positions that never overflow; and tills' facts stored as they were
//! made, past every one of those rules. Also the startup step that makes
//! counted items sold by weight measured.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn inr(minor: i64) -> Value {
    json!({"minor": minor, "currency": "INR"})
}

/// How many movements the store's ledger holds.
async fn ledger_len(shop: &Shop) -> usize {
    let path = format!("/v1/stores/{}/movements?limit=1000", shop.store_id);
    let (_, page) = shop.hub.get(&path, &shop.api_key).await;
    page["items"].as_array().expect("items").len()
}

async fn a_bulk_count_past_the_bounds_is_refused_whole(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let rice = &shop.variants[1].0;
    let path = format!("/v1/stores/{}/movements/bulk", shop.store_id);
    let before = ledger_len(&shop).await;

    // The outside check's reproduction: a thousand deltas whose sum leaves
    // an i64. Refused at the first, by name, and nothing is applied.
    let huge: Vec<Value> = (0..1000)
        .map(|_| json!({"variant_id": rice, "delta": "9223372036854.775", "reason": "receipt"}))
        .collect();
    let (s, b) = hub.post(&path, key, json!({"movements": huge})).await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "movements[0].delta");
    assert!(b["detail"].as_str().unwrap().contains("largest"), "{b}");
    assert_eq!(shop.on_hand(RICE).await, "50");
    assert_eq!(ledger_len(&shop).await, before);

    // One bad row among good ones: a fraction of a counted item.
    let tea = &shop.variants[0].0;
    let rows = json!({"movements": [
        {"variant_id": rice, "delta": "1.25", "reason": "receipt"},
        {"variant_id": tea, "delta": "3", "reason": "receipt"},
        {"variant_id": rice, "delta": "100000", "reason": "receipt"},
        {"variant_id": tea, "delta": "0.001", "reason": "receipt"},
    ]});
    let (s, b) = hub.post(&path, key, rows).await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "movements[3].delta");
    assert!(b["detail"].as_str().unwrap().contains("whole"), "{b}");
    assert_eq!(
        (shop.on_hand(TEA).await, shop.on_hand(RICE).await),
        ("50".to_owned(), "50".to_owned()),
        "nothing of the refused count was applied"
    );
    assert_eq!(ledger_len(&shop).await, before);

    // The hub is alive and takes the same rows without the bad one; the
    // largest quantity on a line is allowed, one gram more is not.
    let rows = json!({"movements": [
        {"variant_id": rice, "delta": "1.25", "reason": "receipt"},
        {"variant_id": tea, "delta": "3", "reason": "receipt"},
        {"variant_id": rice, "delta": "100000", "reason": "receipt"},
    ]});
    let (s, b) = hub.post(&path, key, rows).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(shop.on_hand(RICE).await, "100051.25");
    assert_eq!(shop.on_hand(TEA).await, "53");
    let one_more = json!({"variant_id": rice, "delta": "100000.001", "reason": "receipt"});
    let single = format!("/v1/stores/{}/movements", shop.store_id);
    let (s, b) = hub.post(&single, key, one_more).await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "delta");
}
on_both_backends!(a_bulk_count_past_the_bounds_is_refused_whole);

async fn prices_are_in_the_tenants_currency_and_bounded(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let tea = &shop.variants[0].0;
    let price = format!("/v1/variants/{tea}/price");

    // The outside check's reproduction: dollars in a rupee tenant.
    let usd = json!({"price": {"minor": 100, "currency": "USD"}});
    let (s, b) = hub.put(&price, key, usd).await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "price.currency");
    assert!(b["detail"].as_str().unwrap().contains("INR"), "{b}");

    // The largest 64-bit price, and one paisa past the largest price.
    for minor in [i64::MAX, pos_shared::limits::MAX_PRICE_MINOR + 1] {
        let (s, b) = hub.put(&price, key, json!({"price": inr(minor)})).await;
        assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(b["field"], "price.minor");
    }
    let (_, item) = hub.get(&format!("/v1/catalog/{tea}"), key).await;
    assert_eq!(item["price"], inr(14500), "nothing refused was set");
    let most = pos_shared::limits::MAX_PRICE_MINOR;
    let (s, b) = hub.put(&price, key, json!({"price": inr(most)})).await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // Every other way money comes in from HQ.
    let usd = json!({"minor": 100, "currency": "USD"});
    let windows = format!("/v1/variants/{tea}/prices");
    let refusals = [
        (
            "/v1/products".to_owned(),
            json!({"name": "Dollar tea", "variants": [{"sku": "USD-TEA", "barcode": "4006381333900", "price": usd}]}),
            "variants[0].price.currency",
        ),
        (
            "/v1/products".to_owned(),
            json!({"name": "Pricey", "variants": [{"sku": "BIG", "barcode": "4006381333900", "price": inr(i64::MAX)}]}),
            "variants[0].price.minor",
        ),
        (
            "/v1/products".to_owned(),
            json!({"name": "Thali", "variants": [{"sku": "THALI", "barcode": "4006381333900", "price": inr(10000),
                "modifiers": [{"name": "Extras", "min": 0, "max": 1, "options": [
                    {"code": "gold", "name": "Gold leaf", "price": inr(most + 1)}]}]}]}),
            "variants[0].modifiers[0].options[0].price.minor",
        ),
        (windows.clone(), json!({"price": usd}), "price.currency"),
        (
            windows.clone(),
            json!({"price": inr(100), "mrp": {"minor": 200, "currency": "USD"}}),
            "mrp.currency",
        ),
        (
            windows.clone(),
            json!({"price": inr(100), "mrp": inr(i64::MAX)}),
            "mrp.minor",
        ),
        (
            "/v1/prices/bulk".to_owned(),
            json!({"prices": [{"variant_id": tea, "price": inr(100)}, {"variant_id": shop.variants[1].0, "price": usd}]}),
            "prices[1].price.currency",
        ),
        (
            "/v1/stores".to_owned(),
            json!({"code": "NYC-1", "name": "Manhattan", "currency": "USD"}),
            "currency",
        ),
    ];
    for (path, body, field) in refusals {
        let (s, b) = hub.post(&path, key, body.clone()).await;
        assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(b["field"], field, "{path} {body}");
    }
    let (_, item) = hub.get(&format!("/v1/catalog/{tea}"), key).await;
    assert_eq!(
        item["price"],
        inr(most),
        "the refused price list set nothing"
    );

    // A tenant made to sell in dollars takes dollars, and its stores are in them.
    let (s, created) = hub
        .post(
            "/v1/admin/tenants",
            ADMIN_TOKEN,
            json!({"name": "Corner Deli", "currency": "USD"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["currency"], "USD");
    let deli = created["api_key"].as_str().unwrap();
    let (s, store) = hub
        .post(
            "/v1/stores",
            deli,
            json!({"code": "NYC-1", "name": "Manhattan"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{store}");
    assert_eq!(store["currency"], "USD");
    let bagel =
        json!({"name": "Bagel", "variants": [{"sku": "BAGEL", "barcode": RICE, "price": usd}]});
    let (s, b) = hub.post("/v1/products", deli, bagel).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let rupees =
        json!({"name": "Chai", "variants": [{"sku": "CHAI", "barcode": TEA, "price": inr(100)}]});
    let (s, b) = hub.post("/v1/products", deli, rupees).await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "variants[0].price.currency");
}
on_both_backends!(prices_are_in_the_tenants_currency_and_bounded);

async fn hq_quantities_follow_the_unit(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let (tea, rice) = (&shop.variants[0].0, &shop.variants[1].0);
    let store = &shop.store_id;
    let (s, other) = hub
        .post(
            "/v1/stores",
            key,
            json!({"code": "BLR-02", "name": "Jayanagar"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{other}");
    let other = other["id"].as_str().unwrap();

    let reservations = format!("/v1/stores/{store}/reservations");
    let transfers = format!("/v1/stores/{store}/transfers");
    let movements = format!("/v1/stores/{store}/movements");
    let refusals = [
        (
            reservations.clone(),
            json!({"variant_id": tea, "qty": "0.5", "order_ref": "ORD-1"}),
            "qty",
        ),
        (
            reservations.clone(),
            json!({"variant_id": rice, "qty": "100000.001", "order_ref": "ORD-1"}),
            "qty",
        ),
        (
            transfers.clone(),
            json!({"to_store_id": other, "variant_id": tea, "qty": "1.5"}),
            "qty",
        ),
        (
            movements.clone(),
            json!({"variant_id": tea, "delta": "-0.25", "reason": "damage"}),
            "delta",
        ),
    ];
    for (path, body, field) in refusals {
        let (s, b) = hub.post(&path, key, body.clone()).await;
        assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(b["field"], field, "{path} {body}");
    }
    assert_eq!(shop.on_hand(TEA).await, "50");

    // Weighed rice moves to the gram; counted tea in pieces.
    let (s, b) = hub
        .post(
            &reservations,
            key,
            json!({"variant_id": rice, "qty": "1.25", "order_ref": "ORD-2"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, sent) = hub
        .post(
            &transfers,
            key,
            json!({"to_store_id": other, "variant_id": tea, "qty": "3"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sent}");
    let id = sent["transfer_id"].as_str().unwrap();
    let receive = format!("/v1/transfers/{id}/receive");
    let (s, b) = hub
        .post(&receive, key, json!({"received_qty": "2.5"}))
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "received_qty");
    let (s, b) = hub.post(&receive, key, json!({"received_qty": "2"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["shortfall"], "1");
}
on_both_backends!(hq_quantities_follow_the_unit);

async fn tills_facts_are_stored_past_the_new_rules(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());

    // A till made before the unit rule sold half a packet of tea, and one
    // (broken or not) sold far more than a store may hold: both happened,
    // both are stored.
    let half = shop.sale("T1-000001", &[(0, "0.5")]);
    let (s, ack) = shop.upload(&[half]).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["accepted"]);
    assert_eq!(shop.on_hand(TEA).await, "49.5");
    let vast = shop.sale("T1-000002", &[(0, "10000000000000")]);
    let (s, ack) = shop.upload(&[vast]).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["accepted"]);
    assert_eq!(shop.on_hand(TEA).await, "-9999999999950.5");

    // HQ may not take that position further from zero, but may bring it back.
    let path = format!("/v1/stores/{}/movements", shop.store_id);
    let tea = &shop.variants[0].0;
    let (s, b) = hub
        .post(
            &path,
            key,
            json!({"variant_id": tea, "delta": "-1", "reason": "adjustment"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "delta");
    let (s, b) = hub
        .post(
            &path,
            key,
            json!({"variant_id": tea, "delta": "100000", "reason": "receipt"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(shop.on_hand(TEA).await, "-9999999899950.5");
}
on_both_backends!(tills_facts_are_stored_past_the_new_rules);

/// Marks the startup data steps pending again, as on a hub upgraded from
/// before them, through a connection of its own to the hub's database.
async fn pend_data_steps(backend: Backend, url: &str) {
    let sql = "UPDATE hub_data_steps SET done_at_ms = NULL";
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(url).await.expect("sqlite");
            sqlx::query(sql).execute(&pool).await.expect("update");
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(url).await.expect("postgres");
            sqlx::query(sql).execute(&pool).await.expect("update");
            pool.close().await;
        }
    }
}

async fn counted_items_sold_by_weight_become_measured_at_startup(backend: Backend) {
    let mut shop = shop(backend).await;
    let (tea, rice) = (shop.variants[0].0.clone(), shop.variants[1].0.clone());
    // Made before units counted: a third item, counted, sold by weight at
    // the counter; tea sold in whole packets; rice measured already.
    let (s, dal) = shop
        .hub
        .post(
            "/v1/products",
            &shop.api_key,
            json!({"name": "Loose dal", "variants": [{"sku": "DAL-LOOSE", "barcode": "8901058000016", "price": inr(16900)}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{dal}");
    let dal = dal["variants"][0]["variant_id"]
        .as_str()
        .unwrap()
        .to_owned();
    shop.variants
        .push((dal.clone(), "08901058000016".into(), 16900));
    let sales = [
        shop.sale("T1-000001", &[(2, "0.750"), (0, "2")]),
        shop.sale("T1-000002", &[(1, "1.5")]),
    ];
    let (_, ack) = shop.upload(&sales).await;
    assert_eq!(Shop::statuses(&ack), ["accepted", "accepted"]);
    let (_, feed) = shop
        .hub
        .get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
        .await;
    let since = feed["next_cursor"].as_u64().unwrap();

    // The hub restarts on a database from before the step.
    pend_data_steps(backend, &shop.hub.database_url).await;
    let restarted = cloud_hub::storage::connect(&shop.hub.database_url)
        .await
        .expect("restart");
    drop(restarted);

    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let unit = |item: &Value| item["unit"].as_str().unwrap_or("each").to_owned();
    let (_, item) = hub.get(&format!("/v1/catalog/{dal}"), key).await;
    assert_eq!(unit(&item), "kg", "{item}");
    let (_, item) = hub.get(&format!("/v1/catalog/{tea}"), key).await;
    assert_eq!(unit(&item), "each", "{item}");
    let (_, item) = hub.get(&format!("/v1/catalog/{rice}"), key).await;
    assert_eq!(unit(&item), "kg", "{item}");
    let (_, versions) = hub.get(&format!("/v1/catalog/{dal}/versions"), key).await;
    assert_eq!(versions.as_array().unwrap().len(), 2, "{versions}");

    // Tills hear of it in the feed, as of any HQ edit.
    let (_, feed) = shop
        .hub
        .get(
            &format!("/v1/sync/feed?since={since}&limit=5000"),
            &shop.device_token,
        )
        .await;
    let changes = feed["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{feed}");
    assert_eq!(changes[0]["type"], "variant_upserted");
    assert_eq!(changes[0]["variant_id"], dal.as_str());
    assert_eq!(changes[0]["unit"], "kg");

    // Once done, a step does not run again: a unit HQ sets back stays.
    let (s, b) = hub
        .send(
            reqwest::Method::PATCH,
            &format!("/v1/variants/{dal}"),
            Some(key),
            Some(json!({"unit": "each"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    drop(
        cloud_hub::storage::connect(&shop.hub.database_url)
            .await
            .expect("restart"),
    );
    let (_, item) = hub.get(&format!("/v1/catalog/{dal}"), key).await;
    assert_eq!(unit(&item), "each", "{item}");
}
on_both_backends!(counted_items_sold_by_weight_become_measured_at_startup);
