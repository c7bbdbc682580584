//! Editing, deleting and restoring a variant through the HQ API: what tills
//! hear (an upsert, a tombstone), what HQ sees, and bad edits refused whole.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn patch(shop: &Shop, variant: &str, body: Value) -> (StatusCode, Value) {
    shop.hub
        .send(
            Method::PATCH,
            &format!("/v1/variants/{variant}"),
            Some(&shop.api_key),
            Some(body),
        )
        .await
}

/// The store's feed as a till of protocol `v` reads it.
async fn feed(shop: &Shop, v: u16) -> Vec<Value> {
    let (s, page) = shop
        .hub
        .get(
            &format!("/v1/sync/feed?since=0&limit=5000&v={v}"),
            &shop.device_token,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    page["changes"].as_array().unwrap().clone()
}

fn of_type<'a>(changes: &'a [Value], kind: &str, variant: &str) -> Vec<&'a Value> {
    changes
        .iter()
        .filter(|c| c["type"] == kind && c["variant_id"] == variant)
        .collect()
}

async fn catalog_ids(shop: &Shop) -> Vec<String> {
    let (s, page) = shop.hub.get("/v1/catalog", &shop.api_key).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["variant_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn an_edit_reaches_tills_and_history_and_a_repeat_changes_nothing(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let tea = shop.variants[0].0.clone();
    let (_, brand) = hub
        .post("/v1/brands", &shop.api_key, json!({"name": "Tata"}))
        .await;
    let (_, category) = hub
        .post(
            "/v1/categories",
            &shop.api_key,
            json!({"name": "Beverages"}),
        )
        .await;
    let edit = json!({
        "name": "Assam Tea Gold 250 g",
        "sku": "TEA-GOLD-250",
        "barcode": "96385074",
        "barcodes": ["4006381333931"],
        "tax": {"rate_bp": 500, "inclusive": true, "hsn": "0902"},
        "quick_key": 3,
        "synonyms": ["chai"],
        "brand_id": brand["brand_id"],
        "category_id": category["category_id"],
    });
    // The rice holds 4006381333931: taking it is a conflict, and nothing changes.
    let (s, b) = patch(&shop, &tea, edit.clone()).await;
    assert_problem(s, &b, StatusCode::CONFLICT, "conflict");
    assert_eq!(b["field"], "barcode", "{b}");
    let (_, unchanged) = hub.get(&format!("/v1/catalog/{tea}"), &shop.api_key).await;
    assert_eq!(unchanged["sku"], "TEA-250");
    let before = feed(&shop, pos_shared::sync::PROTOCOL_VERSION).await.len();

    let mut edit = edit;
    edit["barcodes"] = json!(["5901234123457"]);
    let (s, edited) = patch(&shop, &tea, edit.clone()).await;
    assert_eq!(s, StatusCode::OK, "{edited}");
    assert_eq!(edited["name"], "Assam Tea Gold 250 g");
    assert_eq!(edited["barcode"], "00000096385074");
    assert_eq!(edited["extra_barcodes"], json!(["05901234123457"]));
    assert_eq!(edited["brand"], "Tata");
    assert_eq!(edited["category_id"], category["category_id"]);
    assert_eq!(edited["tax"]["rate_bp"], 500);
    assert_eq!(edited["price"]["minor"], 14500, "the price is not touched");
    let changes = feed(&shop, pos_shared::sync::PROTOCOL_VERSION).await;
    let upserts = of_type(&changes, "variant_upserted", &tea);
    assert_eq!(changes.len(), before + 1);
    assert_eq!(upserts.last().unwrap()["sku"], "TEA-GOLD-250");
    let (_, versions) = hub
        .get(&format!("/v1/catalog/{tea}/versions"), &shop.api_key)
        .await;
    assert_eq!(versions.as_array().unwrap().len(), 2);
    // The old barcode is free again, the new one finds the tea.
    let (_, found) = hub.get("/v1/catalog?q=96385074", &shop.api_key).await;
    assert_eq!(found["items"][0]["variant_id"], tea.as_str());

    // The same edit again is no change: no version, nothing for tills.
    let (s, again) = patch(&shop, &tea, edit).await;
    assert_eq!((s, &again), (StatusCode::OK, &edited));
    assert_eq!(
        feed(&shop, pos_shared::sync::PROTOCOL_VERSION).await.len(),
        before + 1
    );
    let (_, versions) = hub
        .get(&format!("/v1/catalog/{tea}/versions"), &shop.api_key)
        .await;
    assert_eq!(versions.as_array().unwrap().len(), 2);

    // null clears an optional field; what is left out stays.
    let (s, cleared) = patch(
        &shop,
        &tea,
        json!({"tax": null, "brand_id": null, "quick_key": null}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{cleared}");
    assert!(cleared.get("tax").is_none() && cleared.get("brand").is_none());
    assert!(cleared.get("quick_key").is_none(), "{cleared}");
    assert_eq!(cleared["sku"], "TEA-GOLD-250");
    assert_eq!(cleared["category_id"], category["category_id"]);
}
on_both_backends!(an_edit_reaches_tills_and_history_and_a_repeat_changes_nothing);

async fn bad_edits_are_refused_by_field_and_change_nothing(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let tea = shop.variants[0].0.clone();
    let (_, before) = hub.get(&format!("/v1/catalog/{tea}"), &shop.api_key).await;
    let head = feed(&shop, pos_shared::sync::PROTOCOL_VERSION).await.len();
    let unknown = uuid::Uuid::now_v7();
    let cases: Vec<(Value, StatusCode, &str, &str)> = vec![
        (
            json!({"name": "  "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "name",
        ),
        (
            json!({"sku": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "sku",
        ),
        (
            json!({"sku": "RICE-KG"}),
            StatusCode::CONFLICT,
            "conflict",
            "sku",
        ),
        (
            json!({"barcode": RICE}),
            StatusCode::CONFLICT,
            "conflict",
            "barcode",
        ),
        (
            json!({"barcode": "8901234567891"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "barcode",
        ),
        (
            json!({"barcodes": ["96385074", "96385074"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "barcodes[1]",
        ),
        (
            json!({"barcodes": [TEA]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "barcodes[0]",
        ),
        (
            json!({"tax": {"rate_bp": 99999, "inclusive": true}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "tax.rate_bp",
        ),
        (
            json!({"brand_id": unknown}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "brand_id",
        ),
        (
            json!({"category_id": unknown}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "category_id",
        ),
        (
            json!({"quick_key": -1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "quick_key",
        ),
        (
            json!({"price": {"minor": 1, "currency": "INR"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "price",
        ),
        (
            json!({"modifiers": [{"name": "", "min": 0, "max": 1, "options": []}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "modifiers[0].name",
        ),
    ];
    for (body, status, kind, field) in cases {
        let (s, b) = patch(&shop, &tea, body.clone()).await;
        assert_problem(s, &b, status, kind);
        assert!(
            b["field"].as_str().unwrap_or_default().starts_with(field)
                || b["detail"].as_str().unwrap().contains(field),
            "{body}: {b}"
        );
    }
    let (s, b) = hub
        .send(
            Method::PATCH,
            &format!("/v1/variants/{tea}"),
            Some(&shop.api_key),
            None,
        )
        .await;
    assert!(s.is_client_error(), "no body: {s} {b}");
    let (s, b) = hub
        .as_(&shop.api_key)
        .send_bytes(
            Method::PATCH,
            &format!("/v1/variants/{tea}"),
            "application/json",
            "{\"name\": ",
        )
        .await
        .unwrap();
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, b) = patch(&shop, &unknown.to_string(), json!({"name": "X"})).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = patch(&shop, "tea", json!({"name": "X"})).await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_id");
    assert_eq!(b["field"], "variant_id");

    // Another tenant can neither edit, delete nor restore it.
    let other = hub.tenant("Other").await;
    for (method, path) in [
        (Method::PATCH, format!("/v1/variants/{tea}")),
        (Method::DELETE, format!("/v1/variants/{tea}")),
        (Method::POST, format!("/v1/variants/{tea}/restore")),
    ] {
        // Delete and restore take no body.
        let body = (method == Method::PATCH).then(|| json!({"name": "Stolen"}));
        let (s, b) = hub.send(method, &path, Some(&other), body).await;
        assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    }

    let (_, after) = hub.get(&format!("/v1/catalog/{tea}"), &shop.api_key).await;
    assert_eq!(after, before, "nothing was half-applied");
    assert_eq!(
        feed(&shop, pos_shared::sync::PROTOCOL_VERSION).await.len(),
        head,
        "nothing reached tills"
    );
}
on_both_backends!(bad_edits_are_refused_by_field_and_change_nothing);

async fn a_deleted_item_leaves_the_catalog_as_a_tombstone_and_can_be_restored(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let tea = shop.variants[0].0.clone();
    let store = shop.store_id.clone();
    let tea_path = format!("/v1/variants/{tea}");
    let delete = || hub.send(Method::DELETE, &tea_path, Some(&shop.api_key), None);
    // A receipt recorded before the delete, whose answer HQ may not have had.
    let movements = format!("/v1/stores/{store}/movements");
    let earlier = json!({"movement_id": uuid::Uuid::now_v7(), "variant_id": tea, "delta": "5", "reason": "receipt"});
    let (s, b) = hub.post(&movements, &shop.api_key, earlier.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    // Where the item stands for orders at the store, by the events HQ hears.
    let orderable = || async {
        let (_, page) = hub
            .get(
                "/v1/events?type=inventory.orderability.changed&limit=1000",
                &shop.api_key,
            )
            .await;
        page["events"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|e| e["data"]["variant_id"] == tea.as_str())
            .map(|e| e["data"].clone())
    };
    let (_, view) = hub
        .get(&format!("/v1/stores/{store}/catalog-view"), &shop.api_key)
        .await;
    let tea_in_view = view["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["variant_id"] == tea.as_str())
        .cloned();
    assert_eq!(tea_in_view.unwrap()["orderable"], true, "{view}");
    let (s, b) = delete().await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    // The store's order takers hear it can no longer be ordered.
    let flipped = orderable().await.expect("an orderability event");
    assert_eq!(flipped["orderable"], false, "{flipped}");
    assert_eq!(flipped["reasons"], json!(["item_deleted"]), "{flipped}");

    assert_eq!(catalog_ids(&shop).await, vec![shop.variants[1].0.clone()]);
    let (s, b) = hub.get(&format!("/v1/catalog/{tea}"), &shop.api_key).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(b["detail"], "variant was deleted", "{b}");
    let (_, view) = hub
        .get(&format!("/v1/stores/{store}/catalog-view"), &shop.api_key)
        .await;
    assert_eq!(view["items"].as_array().unwrap().len(), 1, "{view}");
    let tombstones = of_type(
        &feed(&shop, pos_shared::sync::PROTOCOL_VERSION).await,
        "variant_deleted",
        &tea,
    )
    .len();
    assert_eq!(tombstones, 1);

    // Deleting again is not an error and tells tills nothing new.
    let head = feed(&shop, pos_shared::sync::PROTOCOL_VERSION).await.len();
    assert_eq!(delete().await.0, StatusCode::NO_CONTENT);
    assert_eq!(
        feed(&shop, pos_shared::sync::PROTOCOL_VERSION).await.len(),
        head
    );

    // It can no longer be priced, listed or reserved, each refusal saying
    // it was deleted, not that there is no such item.
    let deleted = |b: &serde_json::Value| {
        assert_eq!(b["detail"], "variant was deleted", "{b}");
    };
    let price = json!({"price": {"minor": 1000, "currency": "INR"}});
    for (method, path, body, detail) in [
        (
            Method::PUT,
            format!("/v1/variants/{tea}/price"),
            price.clone(),
            "variant was deleted",
        ),
        (
            Method::POST,
            format!("/v1/variants/{tea}/prices"),
            price.clone(),
            "variant was deleted",
        ),
        (
            Method::POST,
            "/v1/prices/bulk".to_owned(),
            json!({"prices": [{"variant_id": tea, "price": price["price"]}]}),
            "prices[0]: variant was deleted",
        ),
        (
            Method::POST,
            format!("/v1/variants/{tea}/disable"),
            json!({}),
            "variant was deleted",
        ),
    ] {
        let (s, b) = hub
            .send(method, &path, Some(&shop.api_key), Some(body))
            .await;
        assert_eq!(
            (s, b["detail"].as_str()),
            (StatusCode::NOT_FOUND, Some(detail)),
            "{path}: {b}"
        );
    }
    let (s, b) = hub
        .put(
            &format!("/v1/stores/{store}/assortment/{tea}"),
            &shop.api_key,
            json!({"listed": false}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    deleted(&b);
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{store}/reservations"),
            &shop.api_key,
            json!({"variant_id": tea, "qty": "1", "order_ref": "O-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    deleted(&b);
    // HQ can no longer move its stock, alone or in a list (the one path on
    // PostgreSQL settles a lone movement outside a transaction), though a
    // movement recorded before, sent again, is the duplicate it is.
    let (_, before) = hub.get(&movements, &shop.api_key).await;
    let (s, b) = hub.post(&movements, &shop.api_key, earlier.clone()).await;
    assert_eq!((s, &b["duplicate"]), (StatusCode::OK, &json!(true)), "{b}");
    let (s, b) = hub
        .post(
            &format!("{movements}/bulk"),
            &shop.api_key,
            json!({"movements": [earlier]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let receipt = json!({"variant_id": tea, "delta": "5", "reason": "receipt"});
    let (s, b) = hub.post(&movements, &shop.api_key, receipt.clone()).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(b["field"], "variant_id", "{b}");
    deleted(&b);
    let coffee = json!({"variant_id": shop.variants[1].0, "delta": "5", "reason": "receipt"});
    let (s, b) = hub
        .post(
            &format!("{movements}/bulk"),
            &shop.api_key,
            json!({"movements": [coffee, receipt]}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(b["field"], "movements[1].variant_id", "{b}");
    assert_eq!(b["detail"], "movements[1]: variant was deleted", "{b}");
    let (_, after) = hub.get(&movements, &shop.api_key).await;
    assert_eq!(
        after, before,
        "a refused movement leaves the ledger as it was"
    );
    let (s, b) = patch(&shop, &tea, json!({"name": "Ghost"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    deleted(&b);
    // …and a new snapshot leaves it out.
    let (s, snap) = hub
        .http
        .get(format!("{}/v1/sync/snapshot?v=11", hub.base))
        .bearer_auth(&shop.device_token)
        .send()
        .await
        .map(|r| (r.status(), r))
        .unwrap();
    assert_eq!(s, StatusCode::OK);
    let bytes = snap.bytes().await.unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
        .unwrap();
    assert_eq!(
        text.lines().next().map(|h| h.contains("\"variants\":1")),
        Some(true),
        "{text}"
    );
    // Its stock stays in the snapshot, so a till is right should it return.
    assert!(
        !text
            .lines()
            .any(|l| l.contains("\"type\":\"variant\"") && l.contains(&tea)),
        "{text}"
    );

    // A till that sold it before it heard still has its sale counted.
    let (s, ack) = shop.upload(&[shop.sale("T1-000001", &[(0, "2")])]).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["accepted"]);
    let (_, ledger) = hub
        .get(&format!("/v1/stores/{store}/movements"), &shop.api_key)
        .await;
    let sold: Vec<&Value> = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["variant_id"] == tea.as_str() && m["reason"] == "sale")
        .collect();
    assert_eq!(sold.len(), 1, "{ledger}");

    // Restored, it is back as it was, with its stock, and tills hear of it.
    let (s, restored) = hub
        .post(
            &format!("/v1/variants/{tea}/restore"),
            &shop.api_key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{restored}");
    assert_eq!(restored["sku"], "TEA-250");
    assert_eq!(catalog_ids(&shop).await.len(), 2);
    assert_eq!(shop.on_hand(TEA).await, "53"); // 50 + 5 received - 2 sold
    let changes = feed(&shop, pos_shared::sync::PROTOCOL_VERSION).await;
    assert_eq!(changes.last().unwrap()["type"], "variant_upserted");
    assert_eq!(changes.last().unwrap()["variant_id"], tea.as_str());
    let flipped = orderable().await.expect("an orderability event");
    assert_eq!(flipped["orderable"], true, "orderable again: {flipped}");
    let (s, b) = hub
        .post(
            &format!("/v1/variants/{}/restore", uuid::Uuid::now_v7()),
            &shop.api_key,
            json!({}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
}
on_both_backends!(a_deleted_item_leaves_the_catalog_as_a_tombstone_and_can_be_restored);

async fn an_items_unit_pack_pictures_and_attributes_are_kept(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let (s, product) = hub
        .post(
            "/v1/products",
            key,
            json!({"name": "Toor Dal", "variants": [
                {"name": "Toor Dal 500 g", "sku": "DAL-500", "barcode": "8901234000014",
                 "price": {"minor": 9900, "currency": "INR"},
                 "pack": {"size": "500", "unit": "g"},
                 "image_urls": ["https://cdn.example.com/dal-500.jpg"],
                 "attributes": {"origin": "Karnataka", "organic": false}},
                {"name": "Toor Dal (loose)", "sku": "DAL-KG", "barcode": "8901234000021",
                 "price": {"minor": 17500, "currency": "INR"}, "unit": "kg"}
            ]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{product}");
    let packed = product["variants"][0].clone();
    let loose = product["variants"][1].clone();
    assert_eq!(packed["pack"], json!({"size": "500", "unit": "g"}));
    assert!(
        packed.get("unit").is_none(),
        "each is the default: {packed}"
    );
    assert_eq!(loose["unit"], "kg");
    assert!(loose.get("pack").is_none() && loose.get("attributes").is_none());
    let dal = packed["variant_id"].as_str().unwrap().to_owned();
    let (_, read) = hub.get(&format!("/v1/catalog/{dal}"), key).await;
    assert_eq!(
        read["attributes"],
        json!({"origin": "Karnataka", "organic": false})
    );
    assert_eq!(
        read["image_urls"],
        json!(["https://cdn.example.com/dal-500.jpg"])
    );
    let till = of_type(
        &feed(&shop, pos_shared::sync::PROTOCOL_VERSION).await,
        "variant_upserted",
        &dal,
    )
    .last()
    .map(|c| c["pack"].clone());
    assert_eq!(
        till,
        Some(json!({"size": "500", "unit": "g"})),
        "tills hear of it"
    );

    // A change replaces what it names; the rest stays.
    let (s, edited) = patch(
        &shop,
        &dal,
        json!({"attributes": {"origin": "Maharashtra"}, "pack": null}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{edited}");
    assert_eq!(edited["attributes"], json!({"origin": "Maharashtra"}));
    assert!(edited.get("pack").is_none(), "{edited}");
    assert_eq!(edited["image_urls"], read["image_urls"]);
    let history = format!("/v1/catalog/{dal}/versions");
    let versions = || async { hub.get(&history, key).await.1 };
    let before = versions().await;
    let (s, _) = patch(
        &shop,
        &dal,
        json!({"attributes": {"origin": "Maharashtra"}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        versions().await,
        before,
        "the same details again: no version"
    );

    for (body, field) in [
        (json!({"pack": {"size": "0", "unit": "g"}}), "pack.size"),
        (
            json!({"image_urls": ["ftp://cdn.example.com/x.jpg"]}),
            "image_urls[0]",
        ),
        (
            json!({"image_urls": vec!["https://cdn.example.com/x.jpg"; 9]}),
            "image_urls",
        ),
        (
            json!({"attributes": {"notes": "x".repeat(5000)}}),
            "attributes",
        ),
    ] {
        let (s, b) = patch(&shop, &dal, body.clone()).await;
        assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    for body in [
        json!({"unit": "dozen"}),
        json!({"attributes": ["origin"]}),
        json!({"pack": {"size": "1", "unit": "g", "colour": "red"}}),
    ] {
        let (s, b) = patch(&shop, &dal, body.clone()).await;
        assert_eq!(s.as_u16() / 100, 4, "{body}: {b}");
    }
    let (s, b) = hub
        .post(
            "/v1/products",
            key,
            json!({"name": "X", "variants": [{"sku": "X-1", "barcode": "8901234000038",
                   "price": {"minor": 1, "currency": "INR"},
                   "image_urls": ["not a url"]}]}),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "variants[0].image_urls[0]");
    assert_eq!(versions().await, before, "nothing refused was written");
}
on_both_backends!(an_items_unit_pack_pictures_and_attributes_are_kept);

/// `null` clears a list or map of an item as it clears any optional field,
/// and the store search stops finding it by what was cleared.
async fn null_clears_an_items_lists_and_attributes(backend: Backend) {
    let shop = shop(backend).await;
    let key = &shop.api_key;
    let (s, product) = shop
        .hub
        .post(
            "/v1/products",
            key,
            json!({"name": "Soya Chunks", "synonyms": ["meal maker"], "variants": [
                {"name": "Soya Chunks 200 g", "sku": "SOYA-200", "price": {"minor": 4500, "currency": "INR"},
                 "image_urls": ["https://cdn.example.com/soya.jpg"],
                 "attributes": {"diet": "veg", "note": "mock meat"}}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{product}");
    let variant = product["variants"][0]["variant_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let search = |q: &'static str| {
        let hub = shop.hub.clone();
        let path = format!("/v1/stores/{}/search?q={q}", shop.store_id);
        let key = key.clone();
        async move { hub.get(&path, &key).await.1["matched"].as_u64().unwrap() }
    };
    assert_eq!(search("meal%20maker").await, 1);
    assert_eq!(search("mock").await, 1);
    let (s, b) = patch(
        &shop,
        &variant,
        json!({"attributes": null, "synonyms": null, "image_urls": null, "barcodes": null, "modifiers": null}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    for field in [
        "attributes",
        "synonyms",
        "image_urls",
        "barcodes",
        "modifiers",
    ] {
        assert!(b.get(field).is_none(), "{field} still set: {b}");
    }
    assert_eq!(search("meal%20maker").await, 0);
    assert_eq!(search("mock").await, 0);
    // Left out, a field is left as it is.
    let (s, b) = patch(&shop, &variant, json!({"name": "Soya Chunks 200 g Pack"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["name"], "Soya Chunks 200 g Pack");
}
on_both_backends!(null_clears_an_items_lists_and_attributes);
