//! Transfers between stores and write-offs, through HQ's API on both
//! backends: stock leaves the source on dispatch, arrives at the destination
//! for what was received, once, and tills one protocol behind still read it.

use crate::helpers::{assert_cursors_checked, assert_problem, page_through, shop, Backend, Shop};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn second_store(shop: &Shop) -> String {
    second_store_named(shop, "BLR-2").await
}

async fn second_store_named(shop: &Shop, code: &str) -> String {
    let (s, store) = shop
        .hub
        .post(
            "/v1/stores",
            &shop.api_key,
            json!({"code": code, "name": "HSR dark store"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{store}");
    store["id"].as_str().unwrap().to_owned()
}

async fn on_hand(shop: &Shop, store: &str, variant: &str) -> String {
    let (s, inventory) = shop
        .hub
        .get(&format!("/v1/stores/{store}/inventory"), &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::OK, "{inventory}");
    let p = inventory["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["variant_id"] == variant)
        .unwrap_or_else(|| panic!("{variant} not in {inventory}"));
    p["on_hand"].as_str().unwrap().to_owned()
}

async fn reasons_at(shop: &Shop, store: &str) -> Vec<(String, String)> {
    let (_, movements) = shop
        .hub
        .get(&format!("/v1/stores/{store}/movements"), &shop.api_key)
        .await;
    movements["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["reason"].as_str().unwrap().to_owned(),
                m["delta"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn stock_is_sent_and_received_once(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let (from, tea) = (shop.store_id.clone(), shop.variants[0].0.clone());
    let to = second_store(&shop).await;
    let id = uuid::Uuid::now_v7().to_string();
    let body = json!({"transfer_id": id, "to_store_id": to, "variant_id": tea, "qty": "20", "note": "restock HSR"});

    let (s, sent) = hub
        .post(&format!("/v1/stores/{from}/transfers"), key, body.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["state"], "in_transit");
    assert_eq!(sent["note"], "restock HSR");
    assert_eq!(on_hand(&shop, &from, &tea).await, "30");
    assert_eq!(
        on_hand(&shop, &to, &tea).await,
        "0",
        "not there until received"
    );

    // A retry is the same transfer; the same id for another is refused.
    let (s, again) = hub
        .post(&format!("/v1/stores/{from}/transfers"), key, body.clone())
        .await;
    assert_eq!((s, &again), (StatusCode::OK, &sent));
    let mut other = body.clone();
    other["qty"] = json!("5");
    let (s, b) = hub
        .post(&format!("/v1/stores/{from}/transfers"), key, other)
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "conflict");
    assert_eq!(b["field"], "transfer_id");
    assert_eq!(on_hand(&shop, &from, &tea).await, "30");

    let (s, got) = hub
        .post(
            &format!("/v1/transfers/{id}/receive"),
            key,
            json!({"received_qty": "18"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(
        (&got["state"], &got["received_qty"], &got["shortfall"]),
        (&json!("received"), &json!("18"), &json!("2"))
    );
    assert_eq!(on_hand(&shop, &to, &tea).await, "18");
    let (s, same) = hub
        .post(
            &format!("/v1/transfers/{id}/receive"),
            key,
            json!({"received_qty": "18"}),
        )
        .await;
    assert_eq!(
        (s, &same),
        (StatusCode::OK, &got),
        "receiving again changes nothing"
    );
    let (s, b) = hub
        .post(&format!("/v1/transfers/{id}/receive"), key, json!({}))
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");
    // The body may be left out (all of it arrived): read as {}.
    let (s, b) = hub
        .send(
            reqwest::Method::POST,
            &format!("/v1/transfers/{id}/receive"),
            Some(key),
            None,
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");
    assert_eq!(on_hand(&shop, &to, &tea).await, "18");

    assert!(reasons_at(&shop, &from)
        .await
        .contains(&("transfer_out".into(), "-20".into())));
    assert_eq!(
        reasons_at(&shop, &to).await,
        vec![("transfer_in".to_owned(), "18".to_owned())]
    );
    let (_, one) = hub.get(&format!("/v1/transfers/{id}"), key).await;
    assert_eq!(one, got);
    for store in [&from, &to] {
        let (_, list) = hub.get(&format!("/v1/stores/{store}/transfers"), key).await;
        assert_eq!(list, json!({"items": [got]}), "both stores list it");
    }

    // The source's till hears of it, at the oldest protocol served too
    // (protocol 5 brought transfer reasons; older terminals are no longer
    // served).
    for v in [
        pos_shared::sync::PROTOCOL_VERSION,
        pos_shared::sync::OLDEST_SUPPORTED_PROTOCOL,
    ] {
        let reason = "transfer_out";
        let (s, page) = hub
            .get(
                &format!("/v1/sync/feed?since=0&limit=5000&v={v}"),
                &shop.device_token,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let moved: Vec<&Value> = page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["type"] == "stock_moved" && c["movement_id"] == id.as_str())
            .collect();
        assert_eq!(moved.len(), 1, "{page}");
        assert_eq!(moved[0]["reason"], reason, "v{v}");
    }

    let (_, events) = hub
        .get("/v1/events?type=inventory.transfer.&limit=100", key)
        .await;
    let types: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "inventory.transfer.dispatched",
            "inventory.transfer.received"
        ]
    );
    assert_eq!(events["events"][1]["data"]["shortfall"], "2");
    shop.hub.assert_projection_true().await;
}
on_both_backends!(stock_is_sent_and_received_once);

async fn bad_transfers_are_refused_and_change_nothing(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let (from, tea) = (shop.store_id.clone(), shop.variants[0].0.clone());
    let to = second_store(&shop).await;
    let path = format!("/v1/stores/{from}/transfers");
    let unknown = uuid::Uuid::now_v7().to_string();
    // Orders hold 45 of the 50: only 5 can be sent.
    let (s, r) = hub
        .post(
            &format!("/v1/stores/{from}/reservations"),
            key,
            json!({"variant_id": tea, "qty": "45", "order_ref": "ORD-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");

    let cases = [
        (
            json!({"to_store_id": to, "variant_id": tea, "qty": "6"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "qty",
        ),
        (
            json!({"to_store_id": to, "variant_id": tea, "qty": "0"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "qty",
        ),
        (
            json!({"to_store_id": to, "variant_id": tea, "qty": "-1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "qty",
        ),
        (
            json!({"to_store_id": from, "variant_id": tea, "qty": "1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "to_store_id",
        ),
        (
            json!({"to_store_id": to, "variant_id": tea, "qty": "1", "note": "x".repeat(201)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "note",
        ),
        (
            json!({"to_store_id": to, "variant_id": tea, "qty": 1.5}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "qty",
        ),
        (
            json!({"to_store_id": to, "variant_id": tea, "qty": "1", "colour": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "colour",
        ),
        (
            json!({"to_store_id": "nope", "variant_id": tea, "qty": "1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "to_store_id",
        ),
    ];
    for (body, status, field) in cases {
        let (s, b) = hub.post(&path, key, body.clone()).await;
        assert_eq!(s, status, "{body}: {b}");
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    let (s, b) = hub
        .post(
            &path,
            key,
            json!({"to_store_id": unknown, "variant_id": tea, "qty": "1"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    assert!(
        b["detail"].as_str().unwrap().contains("destination store"),
        "{b}"
    );
    let (s, b) = hub
        .post(
            &path,
            key,
            json!({"to_store_id": to, "variant_id": unknown, "qty": "1"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, _) = hub.post_raw(&path, key, "{\"to_store_id\": ").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, b) = hub.get("/v1/transfers/not-a-uuid", key).await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_id");
    let (s, b) = hub
        .post(&format!("/v1/transfers/{unknown}/receive"), key, json!({}))
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        on_hand(&shop, &from, &tea).await,
        "50",
        "nothing left the store"
    );

    let (s, sent) = hub
        .post(
            &path,
            key,
            json!({"to_store_id": to, "variant_id": tea, "qty": "5"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sent}");
    let id = sent["transfer_id"].as_str().unwrap();
    for (body, field) in [
        (json!({"received_qty": "6"}), "received_qty"),
        (json!({"received_qty": "-1"}), "received_qty"),
    ] {
        let (s, b) = hub
            .post(&format!("/v1/transfers/{id}/receive"), key, body)
            .await;
        assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(b["field"], field, "{b}");
    }
    assert_eq!(on_hand(&shop, &to, &tea).await, "0");

    // Another tenant sees none of it.
    let intruder = hub.tenant("Other Chain").await;
    let (s, _) = hub.get(&format!("/v1/transfers/{id}"), &intruder).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = hub
        .post(&format!("/v1/transfers/{id}/receive"), &intruder, json!({}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = hub
        .get(&format!("/v1/stores/{from}/transfers"), &intruder)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(on_hand(&shop, &to, &tea).await, "0");

    // Keys limited to one store: the source's sends, the destination's receives.
    let limited = |store: String| {
        let hub = &shop.hub;
        async move {
            let (_, k) = hub
                .post(
                    "/v1/api-keys",
                    key,
                    json!({"label": "mgr", "role": "store_manager", "store_ids": [store]}),
                )
                .await;
            k["api_key"].as_str().unwrap().to_owned()
        }
    };
    let (source_key, dest_key) = (limited(from.clone()).await, limited(to.clone()).await);
    let (s, _) = hub
        .post(
            &format!("/v1/transfers/{id}/receive"),
            &source_key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = hub
        .post(
            &format!("/v1/stores/{to}/transfers"),
            &source_key,
            json!({"to_store_id": from, "variant_id": tea, "qty": "1"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, got) = hub
        .post(&format!("/v1/transfers/{id}/receive"), &dest_key, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(on_hand(&shop, &to, &tea).await, "5");
    shop.hub.assert_projection_true().await;
}
on_both_backends!(bad_transfers_are_refused_and_change_nothing);

async fn write_offs_take_stock_out(backend: Backend) {
    let shop = shop(backend).await;
    let (store, rice) = (shop.store_id.clone(), shop.variants[1].0.clone());
    let path = format!("/v1/stores/{store}/movements");
    for (reason, delta) in [("damage", "-2"), ("expiry", "-3.5")] {
        let (s, b) = shop
            .hub
            .post(
                &path,
                &shop.api_key,
                json!({"variant_id": rice, "delta": delta, "reason": reason}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    assert_eq!(on_hand(&shop, &store, &rice).await, "44.5");
    for (reason, delta, field) in [
        ("damage", "2", "delta"),
        ("transfer_in", "2", "reason"),
        ("transfer_out", "-2", "reason"),
    ] {
        let (s, b) = shop
            .hub
            .post(
                &path,
                &shop.api_key,
                json!({"variant_id": rice, "delta": delta, "reason": reason}),
            )
            .await;
        assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(b["field"], field, "{b}");
    }
    assert_eq!(on_hand(&shop, &store, &rice).await, "44.5");
    shop.hub.assert_projection_true().await;
}
on_both_backends!(write_offs_take_stock_out);

async fn a_stores_transfers_are_listed_a_page_at_a_time(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let (from, tea) = (shop.store_id.clone(), shop.variants[0].0.clone());
    let to = second_store(&shop).await;
    let mut sent = Vec::new();
    for _ in 0..3 {
        let (s, t) = hub
            .post(
                &format!("/v1/stores/{from}/transfers"),
                key,
                json!({"to_store_id": to, "variant_id": tea, "qty": "1"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        sent.push(t["transfer_id"].clone());
    }
    // One the other way, so each store's list has sent and received ones.
    let (s, back) = hub
        .post(
            &format!("/v1/transfers/{}/receive", sent[0].as_str().unwrap()),
            key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{back}");
    let (s, t) = hub
        .post(
            &format!("/v1/stores/{to}/transfers"),
            key,
            json!({"to_store_id": from, "variant_id": tea, "qty": "1"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    sent.push(t["transfer_id"].clone());
    for store in [&from, &to] {
        let path = format!("/v1/stores/{store}/transfers");
        let listed: Vec<Value> = page_through(hub, &path, key, 1)
            .await
            .iter()
            .map(|t| t["transfer_id"].clone())
            .collect();
        assert_eq!(listed, sent, "in the order they were dispatched");
    }
    // A transfer between two other stores is not a cursor of this list.
    let third = second_store_named(&shop, "BLR-9").await;
    let (s, _) = hub
        .post(
            &format!("/v1/transfers/{}/receive", sent[1].as_str().unwrap()),
            key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, other) = hub
        .post(
            &format!("/v1/stores/{to}/transfers"),
            key,
            json!({"to_store_id": third, "variant_id": tea, "qty": "1"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{other}");
    let foreign = other["transfer_id"].as_str().unwrap().to_owned();
    assert_cursors_checked(hub, &format!("/v1/stores/{from}/transfers"), key, &foreign).await;
    shop.hub.assert_projection_true().await;
}
on_both_backends!(a_stores_transfers_are_listed_a_page_at_a_time);
