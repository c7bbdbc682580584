//! The category tree, brands, synonyms, extra barcodes and quick keys through
//! the HQ API, and their arrival in the feed and snapshots.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn put(hub: &TestHub, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    hub.send(reqwest::Method::PUT, path, Some(token), Some(body))
        .await
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

fn changes_of<'a>(feed: &'a Value, kind: &str) -> Vec<&'a Value> {
    feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == kind)
        .collect()
}

async fn the_category_tree_and_brands_are_kept_in_order_and_refuse_bad_moves(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let create = |body: Value| async move { hub.post("/v1/categories", key, body).await };
    let (s, dairy) = create(json!({"name": "Dairy", "position": 1})).await;
    assert_eq!(s, StatusCode::CREATED, "{dairy}");
    let (_, bakery) = create(json!({"name": "Bakery"})).await;
    let (s, milk) = create(json!({"name": "Milk", "parent_id": dairy["category_id"]})).await;
    assert_eq!(s, StatusCode::CREATED, "{milk}");
    // The same name under another parent is a different shelf.
    let (s, _) = create(json!({"name": "Milk", "parent_id": bakery["category_id"]})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, tree) = hub.get("/v1/categories", key).await;
    assert_eq!(names(&tree), ["Bakery", "Milk", "Dairy", "Milk"]);

    let before = hub.get("/v1/categories", key).await.1;
    let feed_before = hub
        .get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
        .await
        .1["next_cursor"]
        .clone();
    for (body, status, field) in [
        (json!({"name": "dairy"}), StatusCode::CONFLICT, "name"),
        (
            json!({"name": "  "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            json!({"name": "Cheese", "parent_id": uuid::Uuid::now_v7()}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "parent_id",
        ),
        (
            json!({"name": "Cheese", "parent_id": "not-an-id"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "parent_id",
        ),
        (
            json!({"name": "Cheese", "position": -1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "position",
        ),
        (
            json!({"name": "Cheese", "colour": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "colour",
        ),
    ] {
        let (s, b) = create(body.clone()).await;
        assert_eq!(
            (s, b["field"].as_str()),
            (status, Some(field)),
            "{body}: {b}"
        );
    }
    // A category cannot move under itself or its own descendants.
    let dairy_path = format!("/v1/categories/{}", dairy["category_id"].as_str().unwrap());
    for parent in [&dairy["category_id"], &milk["category_id"]] {
        let (s, b) = put(
            hub,
            &dairy_path,
            key,
            json!({"name": "Dairy", "parent_id": parent}),
        )
        .await;
        assert_eq!(
            (s, b["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("parent_id")),
            "{b}"
        );
    }
    let (s, b) = put(
        hub,
        &format!("/v1/categories/{}", uuid::Uuid::now_v7()),
        key,
        json!({"name": "Ghost"}),
    )
    .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        hub.get("/v1/categories", key).await.1,
        before,
        "nothing written"
    );
    assert_eq!(
        hub.get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
            .await
            .1["next_cursor"],
        feed_before,
        "nothing announced"
    );

    // Renamed and moved to the front: the tree and the feed follow.
    let (s, renamed) = put(
        hub,
        &dairy_path,
        key,
        json!({"name": "Dairy & Eggs", "position": 0}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{renamed}");
    let (_, tree) = hub.get("/v1/categories", key).await;
    assert_eq!(names(&tree), ["Bakery", "Milk", "Dairy & Eggs", "Milk"]);
    let (_, feed) = hub
        .get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
        .await;
    let announced = changes_of(&feed, "category_upserted");
    assert_eq!(announced.len(), 5, "{feed}");
    assert_eq!(announced[4]["name"], "Dairy & Eggs");

    // Brands: unique by name within the tenant, listed by name.
    let (s, amul) = hub.post("/v1/brands", key, json!({"name": "Amul"})).await;
    assert_eq!(s, StatusCode::CREATED, "{amul}");
    let (s, b) = hub.post("/v1/brands", key, json!({"name": "Amul"})).await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::CONFLICT, Some("name")),
        "{b}"
    );
    hub.post("/v1/brands", key, json!({"name": "Aashirvaad"}))
        .await;
    assert_eq!(
        names(&hub.get("/v1/brands", key).await.1),
        ["Aashirvaad", "Amul"]
    );

    // Another tenant sees none of it.
    let other = hub.tenant("Other").await;
    assert_eq!(hub.get("/v1/categories", &other).await.1, json!([]));
    assert_eq!(hub.get("/v1/brands", &other).await.1, json!([]));
    let (s, _) = put(hub, &dairy_path, &other, json!({"name": "Mine"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_both_backends!(the_category_tree_and_brands_are_kept_in_order_and_refuse_bad_moves);

async fn products_carry_brand_category_synonyms_barcodes_and_quick_keys(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let (_, dairy) = hub
        .post("/v1/categories", key, json!({"name": "Dairy"}))
        .await;
    let (_, amul) = hub.post("/v1/brands", key, json!({"name": "Amul"})).await;
    let curd = |barcodes: Value, sku: &str| {
        json!({"name": "Dahi 400 g", "brand_id": amul["brand_id"], "category_id": dairy["category_id"],
               "synonyms": ["curd", "yogurt"],
               "variants": [{"sku": sku, "barcode": "8901262010016", "barcodes": barcodes, "quick_key": 2,
                             "price": {"minor": 3500, "currency": "INR"}}]})
    };

    let head = || async {
        hub.get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
            .await
            .1["next_cursor"]
            .clone()
    };
    let before = head().await;
    let other = hub.tenant("Other").await;
    let (_, foreign) = hub
        .post("/v1/categories", &other, json!({"name": "Theirs"}))
        .await;
    for (body, status, field) in [
        // Tea's barcode is taken, as a second barcode too.
        (
            curd(json!([TEA]), "DAHI-400"),
            StatusCode::CONFLICT,
            "barcode",
        ),
        (
            curd(json!(["96385074", "96385074"]), "DAHI-400"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "variants[0].barcodes[1]",
        ),
        (
            curd(json!(["8901262010016"]), "DAHI-400"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "variants[0].barcodes[0]",
        ),
        (
            curd(json!(["96385075"]), "DAHI-400"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "variants[0].barcodes[0]",
        ),
        (
            {
                let mut b = curd(json!([]), "DAHI-400");
                b["brand_id"] = json!(uuid::Uuid::now_v7());
                b
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "brand_id",
        ),
        (
            {
                let mut b = curd(json!([]), "DAHI-400");
                b["category_id"] = foreign["category_id"].clone();
                b
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "category_id",
        ),
        (
            {
                let mut b = curd(json!([]), "DAHI-400");
                b["synonyms"] = json!(["curd", ""]);
                b
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "synonyms[1]",
        ),
        (
            {
                let mut b = curd(json!([]), "DAHI-400");
                b["variants"][0]["quick_key"] = json!(70000);
                b
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "variants[0].quick_key",
        ),
    ] {
        let (s, b) = hub.post("/v1/products", key, body.clone()).await;
        assert_eq!(
            (s, b["field"].as_str()),
            (status, Some(field)),
            "{body}: {b}"
        );
    }
    assert_eq!(head().await, before, "nothing half-written");

    let (s, product) = hub
        .post("/v1/products", key, curd(json!(["96385074"]), "DAHI-400"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{product}");
    let variant = &product["variants"][0];
    assert_eq!(variant["brand"], "Amul");
    assert_eq!(variant["category_id"], dairy["category_id"]);
    assert_eq!(variant["synonyms"], json!(["curd", "yogurt"]));
    assert_eq!(variant["extra_barcodes"], json!(["00000096385074"]));
    assert_eq!(variant["quick_key"], 2);
    // The second barcode is now taken for every other variant.
    let (s, b) = hub
        .post(
            "/v1/products",
            key,
            json!({"name": "Other", "variants": [{"sku": "O-1", "barcode": "96385074", "price": {"minor": 1, "currency": "INR"}}]}),
        )
        .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::CONFLICT, Some("barcode")),
        "{b}"
    );

    let (_, feed) = hub
        .get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
        .await;
    let upserted = changes_of(&feed, "variant_upserted");
    assert_eq!(
        upserted.last().unwrap()["synonyms"],
        json!(["curd", "yogurt"])
    );
    // A price change keeps everything else the variant carries.
    let (s, repriced) = put(
        hub,
        &format!(
            "/v1/variants/{}/price",
            variant["variant_id"].as_str().unwrap()
        ),
        key,
        json!({"price": {"minor": 3800, "currency": "INR"}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{repriced}");
    assert_eq!(repriced["brand"], "Amul");
    assert_eq!(repriced["extra_barcodes"], json!(["00000096385074"]));
}
on_both_backends!(products_carry_brand_category_synonyms_barcodes_and_quick_keys);

async fn terminals_two_versions_behind_get_their_feed_and_older_ones_are_refused(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let (s, _) = hub
        .post("/v1/categories", &shop.api_key, json!({"name": "Dairy"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, current) = hub
        .get("/v1/sync/feed?since=0&limit=5000", &shop.device_token)
        .await;
    let behind = pos_shared::sync::OLDEST_SUPPORTED_PROTOCOL;
    assert_eq!(behind, pos_shared::sync::PROTOCOL_VERSION - 2);
    let (s, older) = hub
        .get(
            &format!("/v1/sync/feed?since=0&limit=5000&v={behind}"),
            &shop.device_token,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{older}");
    assert_eq!(
        (
            changes_of(&current, "category_upserted").len(),
            changes_of(&older, "category_upserted").len()
        ),
        (1, 1)
    );
    assert_eq!(older["next_cursor"], current["next_cursor"]);
    assert_eq!(older["protocol_version"], behind);
    let (s, b) = hub
        .get(
            &format!("/v1/sync/feed?since=0&v={}", behind - 1),
            &shop.device_token,
        )
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "unsupported_protocol");
    assert_eq!(b["field"], "v");

    let lines = |bytes: &[u8]| -> Vec<Value> {
        use std::io::BufRead;
        std::io::BufReader::new(flate2::read::GzDecoder::new(bytes))
            .lines()
            .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
            .collect()
    };
    for query in (behind..=pos_shared::sync::PROTOCOL_VERSION).map(|v| format!("?v={v}")) {
        let categories = 1;
        let r = hub
            .http
            .get(format!("{}/v1/sync/snapshot{query}", hub.base))
            .bearer_auth(&shop.device_token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let records = lines(&r.bytes().await.unwrap());
        assert_eq!(records[0]["categories"], categories, "{query}");
        assert_eq!(
            records.iter().filter(|l| l["type"] == "category").count(),
            categories,
            "{query}: {records:?}"
        );
    }
    // Without a version a terminal is taken for version 1, which is no longer served.
    let (s, b) = hub.get("/v1/sync/snapshot", &shop.device_token).await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("v"))
    );
}
on_both_backends!(terminals_two_versions_behind_get_their_feed_and_older_ones_are_refused);
