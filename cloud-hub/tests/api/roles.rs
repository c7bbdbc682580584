//! HQ API keys with roles and store limits: each role does what it is for
//! and is refused the rest (403 naming what it lacks), a store-limited key
//! reaches only its stores, and revoked keys stop working.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn issue(shop: &Shop, body: Value) -> (StatusCode, Value) {
    shop.hub.post("/v1/api-keys", &shop.api_key, body).await
}

async fn key(shop: &Shop, role: &str, stores: &[&str]) -> String {
    let (s, b) = issue(
        shop,
        json!({"label": format!("{role} key"), "role": role, "store_ids": stores}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert!(b["api_key"].as_str().unwrap().starts_with("hq_"));
    b["api_key"].as_str().unwrap().to_owned()
}

fn product(sku: &str) -> Value {
    json!({"name": sku, "variants": [{"sku": sku, "barcode": "96385074",
           "price": {"minor": 100, "currency": "INR"}}]})
}

fn movement(shop: &Shop) -> Value {
    json!({"variant_id": shop.variants[0].0, "delta": "1", "reason": "receipt"})
}

async fn each_role_does_its_own_work_and_is_refused_the_rest(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let store = shop.store_id.clone();
    let (_, other_store) = hub
        .post(
            "/v1/stores",
            &shop.api_key,
            json!({"code": "BLR-2", "name": "Koramangala"}),
        )
        .await;
    let other_store = other_store["id"].as_str().unwrap().to_owned();
    let tea = shop.variants[0].0.clone();
    let moves = format!("/v1/stores/{store}/movements");
    let forbidden =
        |s: StatusCode, b: &Value| assert_problem(s, b, StatusCode::FORBIDDEN, "forbidden");

    // Read-only: reads, and nothing else.
    let reader = key(&shop, "read_only", &[]).await;
    let (s, _) = hub
        .get(&format!("/v1/stores/{store}/inventory"), &reader)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = hub.get("/v1/catalog", &reader).await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = hub.post("/v1/products", &reader, product("R-1")).await;
    forbidden(s, &b);
    assert!(b["detail"].as_str().unwrap().contains("read_only"), "{b}");
    let (s, b) = hub.post(&moves, &reader, movement(&shop)).await;
    forbidden(s, &b);
    let (s, b) = hub.get("/v1/api-keys", &reader).await;
    forbidden(s, &b);

    // Catalog manager: the catalog, not the stock or the stores.
    let catalog = key(&shop, "catalog_manager", &[]).await;
    let (s, b) = hub.post("/v1/products", &catalog, product("C-1")).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = hub
        .send(
            Method::PATCH,
            &format!("/v1/variants/{tea}"),
            Some(&catalog),
            Some(json!({"name": "Tea"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = hub.post(&moves, &catalog, movement(&shop)).await;
    forbidden(s, &b);
    let (s, b) = hub
        .put(
            &format!("/v1/stores/{store}/status"),
            &catalog,
            json!({"status": "closed"}),
        )
        .await;
    forbidden(s, &b);
    let (s, b) = hub
        .post("/v1/stores", &catalog, json!({"code": "X", "name": "X"}))
        .await;
    forbidden(s, &b);

    // Store manager of the first store: its stock and set-up only.
    let manager = key(&shop, "store_manager", &[&store]).await;
    let (s, b) = hub.post(&moves, &manager, movement(&shop)).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{other_store}/movements"),
            &manager,
            movement(&shop),
        )
        .await;
    forbidden(s, &b);
    let (s, b) = hub
        .get(&format!("/v1/stores/{other_store}/inventory"), &manager)
        .await;
    forbidden(s, &b);
    let (s, b) = hub.post("/v1/products", &manager, product("M-1")).await;
    forbidden(s, &b);
    let (s, held) = hub
        .post(
            &format!("/v1/stores/{store}/reservations"),
            &manager,
            json!({"variant_id": tea, "qty": "1", "order_ref": "O-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{held}");
    // A reservation and staff at the other store, made by the owner, are out of reach.
    let (s, _) = hub
        .post(
            &format!("/v1/stores/{other_store}/movements"),
            &shop.api_key,
            movement(&shop),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, theirs) = hub
        .post(
            &format!("/v1/stores/{other_store}/reservations"),
            &shop.api_key,
            json!({"variant_id": tea, "qty": "1", "order_ref": "O-2"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{theirs}");
    let id = theirs["reservation_id"].as_str().unwrap();
    let (s, b) = hub.get(&format!("/v1/reservations/{id}"), &manager).await;
    forbidden(s, &b);
    let (s, b) = hub
        .post(
            &format!("/v1/reservations/{id}/release"),
            &manager,
            json!({}),
        )
        .await;
    forbidden(s, &b);
    let (_, still) = hub
        .get(&format!("/v1/reservations/{id}"), &shop.api_key)
        .await;
    assert_eq!(still["state"], "held", "nothing happened to it");
    let (s, staff) = hub
        .post(
            &format!("/v1/stores/{other_store}/staff"),
            &shop.api_key,
            json!({"name": "Ravi", "code": "701", "pin": "4321", "role": "cashier"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{staff}");
    let (s, b) = hub
        .post(
            &format!(
                "/v1/staff/{}/deactivate",
                staff["staff_id"].as_str().unwrap()
            ),
            &manager,
            json!({}),
        )
        .await;
    forbidden(s, &b);
    let (s, b) = hub
        .put(
            &format!("/v1/staff/{}/pin", staff["staff_id"].as_str().unwrap()),
            &manager,
            json!({"pin": "5931"}),
        )
        .await;
    forbidden(s, &b);
    let (s, b) = hub
        .post(
            &format!(
                "/v1/reservations/{}/release",
                held["reservation_id"].as_str().unwrap()
            ),
            &manager,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // Events: only its store's, asked for by name.
    let (s, b) = hub.get("/v1/events", &manager).await;
    forbidden(s, &b);
    let (s, b) = hub
        .get(&format!("/v1/events?store_id={other_store}"), &manager)
        .await;
    forbidden(s, &b);
    let (s, page) = hub
        .get(&format!("/v1/events?store_id={store}"), &manager)
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(!page["events"].as_array().unwrap().is_empty());
}
on_both_backends!(each_role_does_its_own_work_and_is_refused_the_rest);

async fn owners_issue_list_and_revoke_keys(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let unknown = uuid::Uuid::now_v7();
    for (body, field) in [
        (json!({"label": "", "role": "read_only"}), "label"),
        (json!({"label": "ERP", "role": "cashier"}), "role"),
        (
            json!({"label": "ERP", "role": "read_only", "store_ids": [unknown]}),
            "store_ids",
        ),
        (
            json!({"label": "ERP", "role": "read_only", "store_ids": ["nope"]}),
            "store_ids[0]",
        ),
        (
            json!({"label": "ERP", "role": "owner", "store_ids": [shop.store_id]}),
            "store_ids",
        ),
        (
            json!({"label": "ERP", "role": "read_only", "scope": "all"}),
            "",
        ),
    ] {
        let (s, b) = issue(&shop, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {b}");
        if !field.is_empty() {
            assert_eq!(b["field"], field, "{body}: {b}");
        }
    }
    let (s, b) = hub
        .post_raw("/v1/api-keys", &shop.api_key, "{\"label\":")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");

    let erp = key(&shop, "store_manager", &[&shop.store_id]).await;
    let (s, keys) = hub.get("/v1/api-keys", &shop.api_key).await;
    assert_eq!(s, StatusCode::OK);
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_eq!(keys[0]["role"], "owner");
    assert_eq!(keys[1]["store_ids"], json!([shop.store_id]));
    assert!(
        keys.iter()
            .all(|k| k.get("api_key").is_none() && k.get("key_hash").is_none()),
        "secrets are never listed"
    );

    let (s, revoked) = hub
        .post(
            &format!(
                "/v1/api-keys/{}/revoke",
                keys[1]["key_id"].as_str().unwrap()
            ),
            &shop.api_key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{revoked}");
    assert!(revoked["revoked_at"].is_string());
    let (s, _) = hub.get("/v1/catalog", &erp).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a revoked key stops working");
    // Both are in the event log, by the owner key, without the secret.
    let (_, events) = hub.get("/v1/events?type=access.key.", &shop.api_key).await;
    let events = events["events"].as_array().unwrap();
    let seen: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["event_type"].as_str().unwrap(),
                e["data"]["key_id"].as_str().unwrap(),
            )
        })
        .collect();
    let id = keys[1]["key_id"].as_str().unwrap();
    assert_eq!(
        seen,
        [("access.key.issued", id), ("access.key.revoked", id)]
    );
    assert_eq!(
        events[0]["source"],
        format!("hq:key:{}", keys[0]["key_id"].as_str().unwrap())
    );
    assert!(!events[0]["data"].to_string().contains("hq_"), "{events:?}");

    // The last owner key cannot be revoked; with a second owner it can.
    let first_owner = keys[0]["key_id"].as_str().unwrap().to_owned();
    let (s, b) = hub
        .post(
            &format!("/v1/api-keys/{first_owner}/revoke"),
            &shop.api_key,
            json!({}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");
    let second = key(&shop, "owner", &[]).await;
    let (s, _) = hub
        .post(
            &format!("/v1/api-keys/{first_owner}/revoke"),
            &second,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = hub.get("/v1/catalog", &shop.api_key).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Another tenant's owner sees none of these keys and revokes none.
    let other = hub.tenant("Other").await;
    let (_, theirs) = hub.get("/v1/api-keys", &other).await;
    assert_eq!(theirs.as_array().unwrap().len(), 1);
    let (s, b) = hub
        .post(
            &format!(
                "/v1/api-keys/{}/revoke",
                keys[1]["key_id"].as_str().unwrap()
            ),
            &other,
            json!({}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = hub
        .post("/v1/api-keys/nope/revoke", &second, json!({}))
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_id");
}
on_both_backends!(owners_issue_list_and_revoke_keys);
