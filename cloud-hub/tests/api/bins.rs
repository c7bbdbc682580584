//! Dark stores, bins and slotting through HQ's API on both backends: where
//! each item is picked from shows beside it in the inventory and catalog view.

use crate::helpers::{assert_problem, shop, Backend, Shop};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn position(shop: &Shop, variant: &str) -> Value {
    let (_, inventory) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/inventory", shop.store_id),
            &shop.api_key,
        )
        .await;
    inventory["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["variant_id"] == variant)
        .unwrap()
        .clone()
}

async fn items_are_picked_from_their_bins(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let (store, tea) = (shop.store_id.clone(), shop.variants[0].0.clone());
    let (_, own) = hub.get(&format!("/v1/stores/{store}"), key).await;
    assert_eq!(own["kind"], "store");
    let (s, dark) = hub
        .post(
            "/v1/stores",
            key,
            json!({"code": "BLR-D1", "name": "HSR dark store", "kind": "dark_store"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{dark}");
    assert_eq!(dark["kind"], "dark_store");

    let bin = format!("/v1/stores/{store}/bins/a-01-03");
    let (s, b) = hub.put(&bin, key, json!({"zone": "chilled"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        b,
        json!({"code": "A-01-03", "zone": "chilled", "items": []})
    );
    let (_, b) = hub.put(&bin, key, json!({"zone": "frozen"})).await;
    assert_eq!(b["zone"], "frozen", "moved to another zone");

    let slot = format!("/v1/stores/{store}/slots/{tea}");
    let (s, b) = hub.put(&slot, key, json!({"bin": "A-01-03"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let p = position(&shop, &tea).await;
    assert_eq!(
        (&p["bin"], &p["zone"]),
        (&json!("A-01-03"), &json!("frozen"))
    );
    let view = hub.catalog_view(&store, "", key).await;
    let item = view["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["variant_id"] == tea.as_str())
        .unwrap();
    assert_eq!(item["bin"], "A-01-03");
    let (_, bins) = hub.get(&format!("/v1/stores/{store}/bins"), key).await;
    assert_eq!(bins[0]["items"][0]["sku"], "TEA-250");

    // A bin with items in it stays until they are slotted elsewhere.
    let (s, b) = hub
        .send(reqwest::Method::DELETE, &bin, Some(key), None)
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");
    let (s, _) = hub.put(&slot, key, json!({"bin": null})).await;
    assert_eq!(s, StatusCode::OK);
    assert!(position(&shop, &tea).await.get("bin").is_none());
    let (s, _) = hub
        .send(reqwest::Method::DELETE, &bin, Some(key), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, bins) = hub.get(&format!("/v1/stores/{store}/bins"), key).await;
    assert_eq!(bins, json!([]));
}
on_both_backends!(items_are_picked_from_their_bins);

async fn bad_bins_and_slots_are_refused(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let (store, tea) = (shop.store_id.clone(), shop.variants[0].0.clone());
    let (s, b) = hub
        .post(
            "/v1/stores",
            key,
            json!({"code": "X", "name": "X", "kind": "warehouse"}),
        )
        .await;
    assert_eq!(
        (s, &b["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("kind")),
        "{b}"
    );
    for (path, body, field) in [
        (
            format!("/v1/stores/{store}/bins/A%2001"),
            json!({"zone": "x"}),
            "code",
        ),
        (
            format!("/v1/stores/{store}/bins/A-01"),
            json!({"zone": " "}),
            "zone",
        ),
        (
            format!("/v1/stores/{store}/slots/{tea}"),
            json!({"bin": "NOPE-1"}),
            "bin",
        ),
        (
            format!("/v1/stores/{store}/slots/{tea}"),
            json!({"bin": "a b"}),
            "bin",
        ),
        (format!("/v1/stores/{store}/slots/{tea}"), json!({}), "bin"),
    ] {
        let (s, b) = hub.put(&path, key, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path} {body}: {b}");
        assert_eq!(b["field"], field, "{path} {body}: {b}");
    }
    let unknown = uuid::Uuid::now_v7();
    let (s, _) = hub
        .put(
            &format!("/v1/stores/{store}/bins/A-01"),
            key,
            json!({"zone": "ambient"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = hub
        .put(
            &format!("/v1/stores/{store}/slots/{unknown}"),
            key,
            json!({"bin": "A-01"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = hub
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/stores/{store}/bins/B-09"),
            Some(key),
            None,
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let intruder = hub.tenant("Other Chain").await;
    let (s, _) = hub
        .get(&format!("/v1/stores/{store}/bins"), &intruder)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = hub
        .put(
            &format!("/v1/stores/{store}/slots/{tea}"),
            &intruder,
            json!({"bin": "A-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        position(&shop, &tea).await.get("bin").is_none(),
        "nothing was slotted"
    );
}
on_both_backends!(bad_bins_and_slots_are_refused);
