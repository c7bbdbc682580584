//! A store as its customers see it: status, assortment, and the catalog view
//! that gives each item's effective price, stock and orderability in one call.

use crate::helpers::*;
use crate::on_both_backends;
use pos_shared::Timestamp;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The whole view, checked against the same view read a page at a time.
async fn view(shop: &Shop, store: &str, query: &str) -> Value {
    shop.hub.catalog_view(store, query, &shop.api_key).await
}

/// The item with `sku` in a catalog view.
fn item<'a>(view: &'a Value, sku: &str) -> &'a Value {
    view["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["sku"] == sku)
        .unwrap_or_else(|| panic!("{sku} in {view}"))
}

async fn put(shop: &Shop, path: &str, body: Value) -> (StatusCode, Value) {
    shop.hub
        .send(reqwest::Method::PUT, path, Some(&shop.api_key), Some(body))
        .await
}

async fn the_catalog_view_answers_price_stock_and_orderability(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let store = shop.store_id.clone();
    let (tea, rice) = (shop.variants[0].0.clone(), shop.variants[1].0.clone());
    let (s, other) = hub
        .post(
            "/v1/stores",
            key,
            json!({"code": "BLR-02", "name": "Koramangala"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{other}");
    let other = other["id"].as_str().unwrap().to_owned();

    // A store price for tea here, a chain price for rice, 20 teas held for an order.
    let inr = |minor: i64| json!({"minor": minor, "currency": "INR"});
    let (s, b) = hub
        .post(
            &format!("/v1/variants/{tea}/prices"),
            key,
            json!({"price": inr(13900), "store_id": store}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = hub
        .post(
            &format!("/v1/variants/{rice}/prices"),
            key,
            json!({"price": inr(6000)}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{store}/reservations"),
            key,
            json!({"variant_id": tea, "qty": "20", "order_ref": "ORD-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");

    let here = view(&shop, &store, "").await;
    assert_eq!(here["store"]["status"], "open");
    assert_eq!(here["channel"], "pos");
    let t = item(&here, "TEA-250");
    assert_eq!(t["price"]["minor"], 13900);
    assert_eq!(t["price_source"], "store_window");
    assert_eq!(
        (&t["on_hand"], &t["reserved"], &t["available"]),
        (&json!("50"), &json!("20"), &json!("30"))
    );
    assert_eq!(
        (&t["listed"], &t["orderable"], &t["reasons"]),
        (&json!(true), &json!(true), &json!([]))
    );
    let r = item(&here, "RICE-KG");
    assert_eq!(
        (&r["price"]["minor"], &r["price_source"]),
        (&json!(6000), &json!("chain_window"))
    );

    // The other store: the chain's prices, no stock of its own.
    let there = view(&shop, &other, "").await;
    let t2 = item(&there, "TEA-250");
    assert_eq!(
        (&t2["price"]["minor"], &t2["price_source"]),
        (&json!(14500), &json!("base"))
    );
    assert_eq!(t2["reasons"], json!(["zero_stock"]));
    assert_eq!(item(&there, "RICE-KG")["price"]["minor"], 6000);

    // Another channel, or an instant before the windows began: base prices.
    let online = view(&shop, &store, "?channel=online").await;
    assert_eq!(item(&online, "TEA-250")["price_source"], "base");
    let past = view(&shop, &store, "?at=2020-01-01T00:00:00Z").await;
    assert_eq!(item(&past, "RICE-KG")["price"]["minor"], 6250);

    // Tea leaves this store's assortment only: hidden here, sold there.
    let (s, b) = put(
        &shop,
        &format!("/v1/stores/{store}/assortment/{tea}"),
        json!({"listed": false}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let here = view(&shop, &store, "").await;
    let t = item(&here, "TEA-250");
    assert_eq!(
        (&t["listed"], &t["orderable"], &t["reasons"]),
        (&json!(false), &json!(false), &json!(["not_in_assortment"]))
    );
    assert_eq!(
        item(&view(&shop, &other, "").await, "TEA-250")["listed"],
        true
    );
    let (s, refused) = hub
        .post(
            &format!("/v1/stores/{store}/reservations"),
            key,
            json!({"variant_id": tea, "qty": "1", "order_ref": "ORD-2"}),
        )
        .await;
    assert_problem(s, &refused, StatusCode::CONFLICT, "wrong_state");
    assert_eq!(refused["field"], "variant_id");
    let (_, inventory) = hub.get(&format!("/v1/stores/{store}/inventory"), key).await;
    let position = inventory["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["variant_id"] == tea.as_str())
        .unwrap();
    assert_eq!(
        position["reasons"],
        json!(["not_in_assortment"]),
        "{inventory}"
    );
    let (s, _) = put(
        &shop,
        &format!("/v1/stores/{store}/assortment/{tea}"),
        json!({"listed": true}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        item(&view(&shop, &store, "").await, "TEA-250")["orderable"],
        true
    );

    // A closed store takes no orders; maintenance neither; open again, it does.
    let (s, b) = put(
        &shop,
        &format!("/v1/stores/{store}/status"),
        json!({"status": "closed"}),
    )
    .await;
    assert_eq!((s, &b["status"]), (StatusCode::OK, &json!("closed")), "{b}");
    let closed = view(&shop, &store, "").await;
    assert_eq!(closed["store"]["status"], "closed");
    for i in closed["items"].as_array().unwrap() {
        assert_eq!(i["reasons"][0], "store_closed", "{i}");
        assert_eq!(i["orderable"], false);
    }
    let (s, refused) = hub
        .post(
            &format!("/v1/stores/{store}/reservations"),
            key,
            json!({"variant_id": rice, "qty": "1", "order_ref": "ORD-3"}),
        )
        .await;
    assert_problem(s, &refused, StatusCode::CONFLICT, "wrong_state");
    assert_eq!(refused["field"], "store_id");
    put(
        &shop,
        &format!("/v1/stores/{store}/status"),
        json!({"status": "maintenance"}),
    )
    .await;
    assert_eq!(
        item(&view(&shop, &store, "").await, "RICE-KG")["reasons"],
        json!(["store_maintenance"])
    );
    put(
        &shop,
        &format!("/v1/stores/{store}/status"),
        json!({"status": "open"}),
    )
    .await;
    assert_eq!(
        item(&view(&shop, &store, "").await, "RICE-KG")["orderable"],
        true
    );
}
on_both_backends!(the_catalog_view_answers_price_stock_and_orderability);

async fn bad_store_requests_are_refused_by_name(backend: Backend) {
    let shop = shop(backend).await;
    let store = shop.store_id.clone();
    let tea = shop.variants[0].0.clone();
    let stranger = shop.hub.tenant("Another Chain").await;
    let status_path = format!("/v1/stores/{store}/status");
    for (body, field) in [
        (json!({"status": "shut"}), "status"),
        (json!({"status": 3}), "status"),
        (json!({}), "status"),
        (json!({"status": "open", "reason": "x"}), ""),
    ] {
        let (s, b) = put(&shop, &status_path, body.clone()).await;
        assert!(s.is_client_error(), "{body} → {s} {b}");
        if !field.is_empty() {
            assert_eq!(b["field"], field, "{body} → {b}");
        }
    }
    let listing = format!("/v1/stores/{store}/assortment/{tea}");
    let (s, b) = put(&shop, &listing, json!({"listed": "yes"})).await;
    assert_eq!(
        (s, &b["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("listed")),
        "{b}"
    );
    let unknown = uuid::Uuid::now_v7();
    let (s, b) = put(
        &shop,
        &format!("/v1/stores/{store}/assortment/{unknown}"),
        json!({"listed": false}),
    )
    .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = put(
        &shop,
        &format!("/v1/stores/{store}/assortment/tea"),
        json!({"listed": false}),
    )
    .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_id");

    let view_path = format!("/v1/stores/{store}/catalog-view");
    for (query, status, field) in [
        ("?at=yesterday", StatusCode::UNPROCESSABLE_ENTITY, "at"),
        ("?channel=", StatusCode::UNPROCESSABLE_ENTITY, "channel"),
        ("?colour=red", StatusCode::BAD_REQUEST, ""),
        ("?limit=0", StatusCode::UNPROCESSABLE_ENTITY, "limit"),
        ("?limit=1001", StatusCode::UNPROCESSABLE_ENTITY, "limit"),
        ("?limit=ten", StatusCode::UNPROCESSABLE_ENTITY, "limit"),
        (
            "?cursor=garbage",
            StatusCode::UNPROCESSABLE_ENTITY,
            "cursor",
        ),
        (
            "?cursor=0190a8e2-0000-7000-8000-000000000000",
            StatusCode::UNPROCESSABLE_ENTITY,
            "cursor",
        ),
    ] {
        let (s, b) = shop
            .hub
            .get(&format!("{view_path}{query}"), &shop.api_key)
            .await;
        assert_eq!(s, status, "{query} → {b}");
        if !field.is_empty() {
            assert_eq!(b["field"], field, "{query} → {b}");
        }
    }

    // Another tenant can neither read nor change this store.
    let (s, _) = shop.hub.get(&view_path, &stranger).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = shop
        .hub
        .send(
            reqwest::Method::PUT,
            &status_path,
            Some(&stranger),
            Some(json!({"status": "closed"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = shop
        .hub
        .send(
            reqwest::Method::PUT,
            &listing,
            Some(&stranger),
            Some(json!({"listed": false})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Nothing was changed by any of it.
    let v = view(&shop, &store, "").await;
    assert_eq!(v["store"]["status"], "open");
    assert_eq!(item(&v, "TEA-250")["listed"], true);
}
on_both_backends!(bad_store_requests_are_refused_by_name);

/// The view reads what each position carries of the store's assortment,
/// holds, bins, reservations and price windows (the catalog's read model).
/// Every write those come from keeps it true, a view at another instant
/// still sees reservations lapse and windows open and close, and rows
/// written around the hub are found astray and rebuilt.
async fn the_view_follows_every_write_its_read_model_is_kept_from(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let store = shop.store_id.clone();
    let (tea, rice) = (shop.variants[0].0.clone(), shop.variants[1].0.clone());
    let at = |offset_secs: i64| {
        let t = Timestamp::from_unix_millis(Timestamp::now().unix_millis() + offset_secs * 1000);
        format!("?at={t}")
    };

    // Two reservations of tea that lapse at different times.
    let mut reservations = Vec::new();
    for (order, qty, ttl) in [("ORD-A", "2", 600), ("ORD-B", "3", 3600)] {
        let (s, b) = hub
            .post(
                &format!("/v1/stores/{store}/reservations"),
                key,
                json!({"variant_id": tea, "qty": qty, "order_ref": order, "ttl_secs": ttl}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        reservations.push(b["reservation_id"].as_str().unwrap().to_owned());
    }
    let held = |v: &Value| item(v, "TEA-250")["reserved"].clone();
    assert_eq!(held(&view(&shop, &store, "").await), "5");
    assert_eq!(
        held(&view(&shop, &store, &at(1800)).await),
        "3",
        "half an hour on, the first has lapsed"
    );
    assert_eq!(held(&view(&shop, &store, &at(7200)).await), "0");

    // A window of this store and one of the chain, both ending in an hour.
    let end = Timestamp::from_unix_millis(Timestamp::now().unix_millis() + 3_600_000);
    for (variant, minor, scope) in [(&tea, 13000, Some(&store)), (&rice, 6000, None)] {
        let (s, b) = hub
            .post(
                &format!("/v1/variants/{variant}/prices"),
                key,
                json!({"price": {"minor": minor, "currency": "INR"}, "store_id": scope,
                       "effective_to": end.to_string()}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let prices = |v: &Value| {
        (
            item(v, "TEA-250")["price_source"].clone(),
            item(v, "RICE-KG")["price_source"].clone(),
        )
    };
    assert_eq!(
        prices(&view(&shop, &store, "").await),
        (json!("store_window"), json!("chain_window"))
    );
    assert_eq!(
        prices(&view(&shop, &store, &at(7200)).await),
        (json!("base"), json!("base"))
    );

    // Slotted in a bin whose zone then changes; delisted; blocked.
    let (s, b) = hub
        .put(
            &format!("/v1/stores/{store}/bins/C-1"),
            key,
            json!({"zone": "ambient"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    for variant in [&tea, &rice] {
        let (s, b) = hub
            .put(
                &format!("/v1/stores/{store}/slots/{variant}"),
                key,
                json!({"bin": "C-1"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    let (s, b) = hub
        .put(
            &format!("/v1/stores/{store}/bins/C-1"),
            key,
            json!({"zone": "chilled"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    put(
        &shop,
        &format!("/v1/stores/{store}/assortment/{rice}"),
        json!({"listed": false}),
    )
    .await;
    put(
        &shop,
        &format!("/v1/stores/{store}/blocks/{tea}"),
        json!({"blocked": true, "reason": "recall"}),
    )
    .await;
    let now = view(&shop, &store, "").await;
    let (t, r) = (item(&now, "TEA-250"), item(&now, "RICE-KG"));
    assert_eq!(
        (&t["bin"], &t["zone"], &r["zone"]),
        (&json!("C-1"), &json!("chilled"), &json!("chilled"))
    );
    assert_eq!(
        (&t["reasons"], &r["listed"]),
        (&json!(["blocked"]), &json!(false))
    );

    // Releasing, then unslotting, relisting and unblocking undo it all.
    let (s, b) = hub
        .post(
            &format!("/v1/reservations/{}/release", reservations[1]),
            key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    for variant in [&tea, &rice] {
        hub.put(
            &format!("/v1/stores/{store}/slots/{variant}"),
            key,
            json!({"bin": null}),
        )
        .await;
    }
    put(
        &shop,
        &format!("/v1/stores/{store}/assortment/{rice}"),
        json!({"listed": true}),
    )
    .await;
    put(
        &shop,
        &format!("/v1/stores/{store}/blocks/{tea}"),
        json!({"blocked": false}),
    )
    .await;
    let now = view(&shop, &store, "").await;
    let (t, r) = (item(&now, "TEA-250"), item(&now, "RICE-KG"));
    assert_eq!(
        (&t["reserved"], &t["orderable"], &r["listed"]),
        (&json!("2"), &json!(true), &json!(true))
    );
    assert!(t.get("bin").is_none() && r.get("zone").is_none(), "{now}");

    // Rows written around the hub (as a bulk load in SQL would) leave the
    // model astray: the check names each, and a rebuild makes it true.
    put(
        &shop,
        &format!("/v1/stores/{store}/assortment/{rice}"),
        json!({"listed": false}),
    )
    .await;
    let reset = "UPDATE stock_positions SET delisted = FALSE, held_milli = 0, held_until_ms = NULL, has_store_windows = FALSE";
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&hub.database_url).await.unwrap();
            sqlx::query(reset).execute(&pool).await.unwrap();
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&hub.database_url).await.unwrap();
            sqlx::query(reset).execute(&pool).await.unwrap();
        }
    }
    let tenant = pos_shared::TenantId::from_uuid(shop.tenant_id.parse().unwrap());
    let drift = hub
        .storage
        .catalog_projection_drift(Some(tenant))
        .await
        .unwrap();
    for column in [
        "delisted",
        "held_milli",
        "held_until_ms",
        "has_store_windows",
    ] {
        assert!(
            drift.iter().any(|d| d.ends_with(column)),
            "{column} in {drift:?}"
        );
    }
    hub.storage
        .rebuild_catalog_projection(tenant)
        .await
        .unwrap();
    let now = view(&shop, &store, "").await;
    assert_eq!(
        (
            &item(&now, "TEA-250")["reserved"],
            &item(&now, "RICE-KG")["listed"]
        ),
        (&json!("2"), &json!(false))
    );
}
on_both_backends!(the_view_follows_every_write_its_read_model_is_kept_from);
