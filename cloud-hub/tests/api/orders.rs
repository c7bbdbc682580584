//! Dark-store fulfilment through HQ's API on both backends: a store's
//! delivery settings (place, radius, capacity, SLA target), set, read back,
//! announced and refused by field.

use crate::helpers::{shop, Backend};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::json;

async fn delivery_settings_are_set_read_and_cleared(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let path = format!("/v1/stores/{}/fulfilment", shop.store_id);
    let settings = json!({
        "lat": 12.9716, "lon": 77.5946,
        "delivery_radius_m": 3000, "order_capacity": 40, "sla_minutes": 15
    });
    let (s, store) = hub.put(&path, &shop.api_key, settings.clone()).await;
    assert_eq!(s, StatusCode::OK, "{store}");
    assert_eq!(store["fulfilment"], settings);
    let (_, read) = hub
        .get(&format!("/v1/stores/{}", shop.store_id), &shop.api_key)
        .await;
    assert_eq!(read["fulfilment"], settings);
    let (_, list) = hub.get("/v1/stores", &shop.api_key).await;
    assert_eq!(list[0]["fulfilment"], settings);

    let (_, events) = hub
        .get("/v1/events?type=store.fulfilment.changed", &shop.api_key)
        .await;
    let events = events["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["fulfilment"], settings);

    let (s, store) = hub
        .send(reqwest::Method::DELETE, &path, Some(&shop.api_key), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{store}");
    assert!(store.get("fulfilment").is_none(), "{store}");

    // Another tenant's key does not reach the store.
    let intruder = hub.tenant("Other Chain").await;
    let (s, _) = hub.put(&path, &intruder, settings).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    shop.hub.assert_projection_true().await;
}
on_both_backends!(delivery_settings_are_set_read_and_cleared);

async fn bad_delivery_settings_are_refused_by_field(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let path = format!("/v1/stores/{}/fulfilment", shop.store_id);
    let good = json!({
        "lat": 12.9716, "lon": 77.5946,
        "delivery_radius_m": 3000, "order_capacity": 40, "sla_minutes": 15
    });
    let with = |field: &str, value: serde_json::Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = good.clone();
        body.as_object_mut().unwrap().remove(field);
        body
    };
    for (body, field) in [
        (with("lat", json!(90.5)), "lat"),
        (with("lat", json!("north")), "lat"),
        (with("lon", json!(-181)), "lon"),
        (with("delivery_radius_m", json!(0)), "delivery_radius_m"),
        (
            with("delivery_radius_m", json!(100_001)),
            "delivery_radius_m",
        ),
        (with("delivery_radius_m", json!(-5)), "delivery_radius_m"),
        (with("order_capacity", json!(0)), "order_capacity"),
        (with("sla_minutes", json!(0)), "sla_minutes"),
        (with("sla_minutes", json!(1441)), "sla_minutes"),
        (without("sla_minutes"), "sla_minutes"),
        (without("lat"), "lat"),
        (with("radius", json!(5)), "radius"),
    ] {
        let (s, b) = hub.put(&path, &shop.api_key, body.clone()).await;
        assert!(s.is_client_error(), "{body}: {s} {b}");
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    let (_, store) = hub
        .get(&format!("/v1/stores/{}", shop.store_id), &shop.api_key)
        .await;
    assert!(store.get("fulfilment").is_none(), "{store}");
    shop.hub.assert_projection_true().await;
}
on_both_backends!(bad_delivery_settings_are_refused_by_field);

// ---- Orders -------------------------------------------------------------

/// Bengaluru, Indiranagar: where the test customer lives.
pub(crate) const HOME: (f64, f64) = (12.9784, 77.6408);

/// Opens a dark store at `(lat, lon)` with `tea` units of the shop's tea and
/// 50 of its rice; its id.
pub(crate) async fn dark_store(
    shop: &crate::helpers::Shop,
    code: &str,
    at: (f64, f64),
    radius_m: u32,
    capacity: u32,
    tea: i64,
) -> String {
    let hub = &shop.hub;
    let (s, store) = hub
        .post(
            "/v1/stores",
            &shop.api_key,
            json!({"code": code, "name": code, "kind": "dark_store"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{store}");
    let id = store["id"].as_str().unwrap().to_owned();
    let (s, b) = hub
        .put(
            &format!("/v1/stores/{id}/fulfilment"),
            &shop.api_key,
            json!({"lat": at.0, "lon": at.1, "delivery_radius_m": radius_m,
                   "order_capacity": capacity, "sla_minutes": 15}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    for (variant, qty) in [(&shop.variants[0].0, tea), (&shop.variants[1].0, 50)] {
        if qty > 0 {
            let (s, b) = hub
                .post(
                    &format!("/v1/stores/{id}/movements"),
                    &shop.api_key,
                    json!({"variant_id": variant, "delta": qty, "reason": "receipt"}),
                )
                .await;
            assert!(s.is_success(), "{b}");
        }
    }
    id
}

pub(crate) fn order(key: &str, at: (f64, f64), lines: serde_json::Value) -> serde_json::Value {
    json!({
        "idempotency_key": key,
        "customer": {"lat": at.0, "lon": at.1, "contact": "+91 98450 00000"},
        "lines": lines,
        "channel": "app",
    })
}

fn tea_line(shop: &crate::helpers::Shop, qty: &str) -> serde_json::Value {
    json!([{"variant_id": shop.variants[0].0, "qty": qty}])
}

async fn held_at(shop: &crate::helpers::Shop, store: &str) -> (String, String) {
    let (_, view) = shop
        .hub
        .get(&format!("/v1/stores/{store}/catalog-view"), &shop.api_key)
        .await;
    let tea = view["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["variant_id"] == shop.variants[0].0.as_str())
        .unwrap();
    (
        tea["on_hand"].as_str().unwrap().to_owned(),
        tea["reserved"].as_str().unwrap().to_owned(),
    )
}

async fn orders_go_to_a_store_in_range_open_and_under_capacity(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    // About 0.9 km and 2.6 km from home; a third 20 km away.
    let near = dark_store(&shop, "DS-NEAR", (12.9784, 77.6325), 3000, 1, 10).await;
    let mid = dark_store(&shop, "DS-MID", (12.9784, 77.6650), 3000, 5, 10).await;
    let _far = dark_store(&shop, "DS-FAR", (13.1586, 77.6408), 3000, 5, 10).await;

    let (s, first) = hub
        .post(
            "/v1/orders",
            &shop.api_key,
            order("o-1", HOME, tea_line(&shop, "2")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["store_id"], near.as_str());
    assert_eq!(first["state"], "pending");
    assert_eq!(held_at(&shop, &near).await, ("10".into(), "2".into()));

    // The near store is at its capacity of one: the next goes to mid.
    let (s, second) = hub
        .post(
            "/v1/orders",
            &shop.api_key,
            order("o-2", HOME, tea_line(&shop, "2")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{second}");
    assert_eq!(second["store_id"], mid.as_str());

    // Mid closed by its hours: none open in range (near is full).
    let (s, _) = hub
        .put(
            &format!("/v1/stores/{mid}/hours"),
            &shop.api_key,
            json!({"utc_offset": "+00:00", "week": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, refused) = hub
        .post(
            "/v1/orders",
            &shop.api_key,
            order("o-3", HOME, tea_line(&shop, "1")),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["type"], "order_refused");
    assert_eq!(refused["reason"], "no_store_under_capacity");

    // Far from every store.
    let (s, refused) = hub
        .post(
            "/v1/orders",
            &shop.api_key,
            order("o-4", (19.07, 72.87), tea_line(&shop, "1")),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["reason"], "no_store_in_range");

    // Near closed by status, mid by hours: none open.
    let (s, _) = hub
        .put(
            &format!("/v1/stores/{near}/status"),
            &shop.api_key,
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, refused) = hub
        .post(
            "/v1/orders",
            &shop.api_key,
            order("o-5", HOME, tea_line(&shop, "1")),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["reason"], "no_store_open");
    shop.hub.assert_projection_true().await;
}
on_both_backends!(orders_go_to_a_store_in_range_open_and_under_capacity);

async fn balanced_prefers_the_idle_store(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let near = dark_store(&shop, "DS-NEAR", (12.9784, 77.6325), 3000, 4, 3).await;
    let mid = dark_store(&shop, "DS-MID", (12.9784, 77.6500), 3000, 4, 30).await;
    // Nearest: the near store, though its cover is thin.
    let (_, o) = hub
        .post(
            "/v1/orders",
            &shop.api_key,
            order("n-1", HOME, tea_line(&shop, "1")),
        )
        .await;
    assert_eq!(o["store_id"], near.as_str(), "{o}");
    let (s, b) = hub
        .put(
            "/v1/tenant/order-strategy",
            &shop.api_key,
            json!({"strategy": "balanced"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (_, o) = hub
        .post(
            "/v1/orders",
            &shop.api_key,
            order("b-1", HOME, tea_line(&shop, "1")),
        )
        .await;
    assert_eq!(o["store_id"], mid.as_str(), "{o}");
    let (s, b) = hub
        .put(
            "/v1/tenant/order-strategy",
            &shop.api_key,
            json!({"strategy": "random"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["field"], "strategy");
    shop.hub.assert_projection_true().await;
}
on_both_backends!(balanced_prefers_the_idle_store);

async fn the_same_key_is_the_same_order(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let store = dark_store(&shop, "DS-1", (12.9784, 77.6325), 3000, 10, 10).await;
    let body = order("same-key", HOME, tea_line(&shop, "3"));
    let (s, first) = hub.post("/v1/orders", &shop.api_key, body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let (s, again) = hub.post("/v1/orders", &shop.api_key, body).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(held_at(&shop, &store).await, ("10".into(), "3".into()));
    let (s, other) = hub
        .post(
            "/v1/orders",
            &shop.api_key,
            order("same-key", HOME, tea_line(&shop, "4")),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{other}");
    assert_eq!(other["field"], "idempotency_key");
    // The key is required, by header or body.
    let mut keyless = order("x", HOME, tea_line(&shop, "1"));
    keyless.as_object_mut().unwrap().remove("idempotency_key");
    let (s, b) = hub.post("/v1/orders", &shop.api_key, keyless.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["field"], "idempotency_key");
    let response = hub
        .http
        .post(format!("{}/v1/orders", hub.base))
        .bearer_auth(&shop.api_key)
        .header("Idempotency-Key", "by-header")
        .json(&keyless)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let placed: serde_json::Value = response.json().await.unwrap();
    assert_eq!(placed["idempotency_key"], "by-header");
    shop.hub.assert_projection_true().await;
}
on_both_backends!(the_same_key_is_the_same_order);

async fn refusals_name_each_line_and_offer_substitutes(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let store = dark_store(&shop, "DS-1", (12.9784, 77.6325), 3000, 10, 4).await;
    // A second tea of the same brand-less product: link both by category.
    let green = green_tea_beside_tea(&shop, &store, 20).await;
    // Rice is taken out of the store's assortment.
    let (s, b) = hub
        .put(
            &format!("/v1/stores/{store}/assortment/{}", shop.variants[1].0),
            &shop.api_key,
            json!({"listed": false}),
        )
        .await;
    assert!(s.is_success(), "{b}");

    let (s, refused) = hub
        .post(
            "/v1/orders",
            &shop.api_key,
            order(
                "r-1",
                HOME,
                json!([
                    {"variant_id": shop.variants[0].0, "qty": "6"},
                    {"barcode": crate::helpers::RICE, "qty": "1"},
                    {"barcode": "0000000000000", "qty": "1"},
                ]),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["reason"], "lines_not_available");
    assert_eq!(refused["candidate_store_id"], store.as_str());
    let lines = refused["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3, "{refused}");
    assert_eq!(lines[0]["index"], 0);
    assert_eq!(lines[0]["reason"], "short");
    assert_eq!(lines[0]["short_by"], "2");
    assert_eq!(lines[0]["substitutes"], json!([green]));
    assert_eq!(lines[1]["reason"], "not_orderable", "{refused}");
    assert_eq!(lines[1]["reasons"], json!(["not_in_assortment"]));
    assert_eq!(lines[2]["reason"], "unknown_item");
    // Nothing was held.
    assert_eq!(held_at(&shop, &store).await, ("4".into(), "0".into()));
    shop.hub.assert_projection_true().await;
}
on_both_backends!(refusals_name_each_line_and_offer_substitutes);

/// A line for a deleted item is refused as deleted, by id and by barcode,
/// not as an item nobody knows; nothing is held.
async fn a_deleted_items_line_is_refused_as_deleted(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let store = dark_store(&shop, "DS-1", (12.9784, 77.6325), 3000, 10, 4).await;
    let rice = shop.variants[1].0.clone();
    let (s, b) = hub
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/variants/{rice}"),
            Some(&shop.api_key),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    for (key, line) in [
        ("by-id", json!({"variant_id": rice, "qty": "1"})),
        (
            "by-barcode",
            json!({"barcode": crate::helpers::RICE, "qty": "1"}),
        ),
    ] {
        let (s, refused) = hub
            .post(
                "/v1/orders",
                &shop.api_key,
                order(
                    key,
                    HOME,
                    json!([{"variant_id": shop.variants[0].0, "qty": "1"}, line]),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{key}: {refused}");
        assert_eq!(refused["reason"], "lines_not_available", "{key}: {refused}");
        let lines = refused["lines"].as_array().unwrap();
        assert_eq!(
            lines.len(),
            1,
            "{key}: only the deleted item's line: {refused}"
        );
        assert_eq!(lines[0]["index"], 1);
        assert_eq!(lines[0]["reason"], "not_orderable", "{key}: {refused}");
        assert!(
            lines[0]["reasons"]
                .as_array()
                .unwrap()
                .contains(&json!("item_deleted")),
            "{key}: {refused}"
        );
    }
    assert_eq!(held_at(&shop, &store).await, ("4".into(), "0".into()));
}
on_both_backends!(a_deleted_items_line_is_refused_as_deleted);

async fn bad_orders_are_refused_by_field(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let good = order("k", HOME, tea_line(&shop, "1"));
    let cases = [
        (
            json!({"customer": {"lat": 91.0, "lon": 77.0, "contact": "x"}}),
            "customer.lat",
        ),
        (
            json!({"customer": {"lat": 12.0, "lon": 181.0, "contact": "x"}}),
            "customer.lon",
        ),
        (
            json!({"customer": {"lat": 12.0, "lon": 77.0, "contact": " "}}),
            "customer.contact",
        ),
        (json!({"lines": []}), "lines"),
        (json!({"lines": [{"qty": "1"}]}), "lines[0]"),
        (
            json!({"lines": [{"variant_id": shop.variants[0].0, "qty": "0"}]}),
            "lines[0].qty",
        ),
        (json!({"channel": ""}), "channel"),
        (json!({"hold_minutes": 0}), "hold_minutes"),
        (
            json!({"lines": [{"variant_id": shop.variants[0].0, "qty": "0.5"}]}),
            "lines",
        ),
    ];
    for (patch, field) in cases {
        let mut body = good.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, b) = hub.post("/v1/orders", &shop.api_key, body.clone()).await;
        assert!(s.is_client_error(), "{body}: {s} {b}");
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    let (s, b) = hub.get("/v1/orders?state=lost", &shop.api_key).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["field"], "state");
    shop.hub.assert_projection_true().await;
}
on_both_backends!(bad_orders_are_refused_by_field);

async fn the_state_machine_is_enforced_recorded_and_announced(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let store = dark_store(&shop, "DS-1", (12.9784, 77.6325), 3000, 10, 10).await;
    let (_, o) = hub
        .post(
            "/v1/orders",
            &shop.api_key,
            order("sm-1", HOME, tea_line(&shop, "2")),
        )
        .await;
    let id = o["id"].as_str().unwrap().to_owned();
    let step = |to: &'static str| {
        let path = format!("/v1/orders/{id}/transitions");
        let key = shop.api_key.clone();
        async move { hub.post(&path, &key, json!({"to": to})).await }
    };
    let path = [
        "confirmed",
        "assigned_to_store",
        "picking",
        "packed",
        "assigned_to_partner",
        "picked_up",
        "in_transit",
        "delivered",
        "closed",
    ];
    let all = [
        "pending",
        "confirmed",
        "assigned_to_store",
        "picking",
        "packed",
        "assigned_to_partner",
        "picked_up",
        "in_transit",
        "delivered",
        "closed",
        "cancelled",
    ];
    let mut current = "pending";
    for next in path {
        // Every other state is refused, naming both.
        for asked in all {
            let cancellable = matches!(current, "pending" | "confirmed" | "assigned_to_store");
            if asked == next || (asked == "cancelled" && cancellable) {
                continue;
            }
            let (s, b) = step(asked).await;
            assert_eq!(s, StatusCode::CONFLICT, "{current} -> {asked}: {b}");
            assert_eq!(b["type"], "wrong_state");
            let detail = b["detail"].as_str().unwrap();
            assert!(
                detail.contains(current) && detail.contains(asked),
                "{detail}"
            );
        }
        let (s, b) = step(next).await;
        assert_eq!(s, StatusCode::OK, "{current} -> {next}: {b}");
        assert_eq!(b["state"], next);
        current = next;
    }
    let (_, o) = hub.get(&format!("/v1/orders/{id}"), &shop.api_key).await;
    let steps = o["transitions"].as_array().unwrap();
    assert_eq!(steps.len(), 10);
    assert!(
        steps
            .iter()
            .all(|t| t["actor"].as_str().unwrap().starts_with("hq:")),
        "{o}"
    );
    assert!(o["due_at"].is_string(), "{o}");

    let (_, events) = hub
        .get("/v1/events?type=order.&limit=100", &shop.api_key)
        .await;
    let types: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(types.first(), Some(&"order.created"), "{types:?}");
    assert_eq!(types.last(), Some(&"order.closed"), "{types:?}");
    assert_eq!(types.len(), 10, "{types:?}");
    let (_, assigned) = hub
        .get("/v1/events?type=store.dark_store.assigned", &shop.api_key)
        .await;
    let assigned = assigned["events"].as_array().unwrap();
    assert_eq!(assigned.len(), 1, "{assigned:?}");
    assert_eq!(assigned[0]["event_type"], "store.dark_store.assigned");

    let (_, page) = hub
        .get(
            &format!("/v1/orders?state=closed&store={store}"),
            &shop.api_key,
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    let (_, page) = hub.get("/v1/orders?state=pending", &shop.api_key).await;
    assert_eq!(page["items"], json!([]));
    shop.hub.assert_projection_true().await;
}
on_both_backends!(the_state_machine_is_enforced_recorded_and_announced);

async fn cancelling_and_expiry_release_the_stock(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let store = dark_store(&shop, "DS-1", (12.9784, 77.6325), 3000, 10, 10).await;
    let (_, o) = hub
        .post(
            "/v1/orders",
            &shop.api_key,
            order("c-1", HOME, tea_line(&shop, "4")),
        )
        .await;
    let id = o["id"].as_str().unwrap().to_owned();
    assert_eq!(held_at(&shop, &store).await, ("10".into(), "4".into()));
    let (s, b) = hub
        .post(
            &format!("/v1/orders/{id}/transitions"),
            &shop.api_key,
            json!({"to": "cancelled", "reason": "customer changed mind"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "cancelled");
    assert_eq!(b["cancel_reason"], "customer changed mind");
    assert_eq!(held_at(&shop, &store).await, ("10".into(), "0".into()));

    // Held for a minute; the sweep a minute later cancels it.
    let mut body = order("c-2", HOME, tea_line(&shop, "3"));
    body["hold_minutes"] = json!(1);
    let (s, o) = hub.post("/v1/orders", &shop.api_key, body).await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    let id = o["id"].as_str().unwrap().to_owned();
    let later = pos_shared::Timestamp::from_unix_millis(
        pos_shared::Timestamp::now().unix_millis() + 61_000,
    );
    let swept = hub.storage.expire_reservations(later).await.unwrap();
    assert_eq!(swept, 1);
    let (_, o) = hub.get(&format!("/v1/orders/{id}"), &shop.api_key).await;
    assert_eq!(o["state"], "cancelled", "{o}");
    assert_eq!(o["cancel_reason"], "reservation_expired");
    assert_eq!(
        o["transitions"].as_array().unwrap().last().unwrap()["actor"],
        "hub"
    );
    assert_eq!(held_at(&shop, &store).await, ("10".into(), "0".into()));
    shop.hub.assert_projection_true().await;
}
on_both_backends!(cancelling_and_expiry_release_the_stock);

async fn concurrent_placements_never_hold_more_than_there_is(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let store = dark_store(&shop, "DS-1", (12.9784, 77.6325), 3000, 1000, 100).await;
    let n = if matches!(backend, Backend::Postgres) {
        500
    } else {
        100
    };
    let attempts = (0..n).map(|i| {
        hub.post(
            "/v1/orders",
            &shop.api_key,
            order(&format!("rush-{i}"), HOME, tea_line(&shop, "1")),
        )
    });
    let outcomes = futures_util::future::join_all(attempts).await;
    let placed = outcomes
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let refused = outcomes
        .iter()
        .filter(|(s, b)| *s == StatusCode::UNPROCESSABLE_ENTITY && b["type"] == "order_refused")
        .count();
    assert_eq!(
        (placed, refused),
        (100, n - 100),
        "{:?}",
        outcomes.iter().find(|(s, _)| !s.is_success())
    );
    assert_eq!(held_at(&shop, &store).await, ("100".into(), "100".into()));
    let (_, page) = hub
        .get(
            &format!("/v1/orders?store={store}&limit=1000"),
            &shop.api_key,
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 100);
    shop.hub.assert_projection_true().await;
}
on_both_backends!(concurrent_placements_never_hold_more_than_there_is);

async fn orders_past_their_sla_are_listed(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let store = dark_store(&shop, "DS-1", (12.9784, 77.6325), 3000, 10, 10).await;
    let mut ids = Vec::new();
    for key in ["sla-1", "sla-2", "sla-3"] {
        let (s, o) = hub
            .post(
                "/v1/orders",
                &shop.api_key,
                order(key, HOME, tea_line(&shop, "1")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{o}");
        ids.push(o["id"].as_str().unwrap().to_owned());
    }
    // sla-1 and sla-2 confirmed (the clock starts), sla-2 delivered at once;
    // sla-3 never confirmed has no clock.
    for (id, steps) in [(&ids[0], 1), (&ids[1], 8)] {
        for to in [
            "confirmed",
            "assigned_to_store",
            "picking",
            "packed",
            "assigned_to_partner",
            "picked_up",
            "in_transit",
            "delivered",
        ]
        .iter()
        .take(steps)
        {
            let (s, b) = hub
                .post(
                    &format!("/v1/orders/{id}/transitions"),
                    &shop.api_key,
                    json!({"to": to}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{b}");
        }
    }
    let (s, now) = hub.get("/v1/orders/sla-breaches", &shop.api_key).await;
    assert_eq!(s, StatusCode::OK, "{now}");
    assert_eq!(now["items"], json!([]));
    // Sixteen minutes on (the target is 15): only the undelivered one.
    let later = pos_shared::Timestamp::from_unix_millis(
        pos_shared::Timestamp::now().unix_millis() + 16 * 60_000,
    );
    let (s, late) = hub
        .get(
            &format!("/v1/orders/sla-breaches?store={store}&at={later}"),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{late}");
    let late: Vec<&str> = late["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(late, [ids[0].as_str()]);
    let (s, perf) = hub
        .get(
            &format!("/v1/stores/{store}/order-performance?hours=2&at={later}"),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{perf}");
    assert_eq!(perf["placed"], 3, "{perf}");
    assert_eq!(perf["orders_per_hour"], 1.5, "{perf}");
    assert_eq!(perf["delivered"], 1, "{perf}");
    assert_eq!(perf["sla_breaches"], 1, "{perf}");
    assert_eq!(perf["open"], 2, "{perf}");
    let (s, b) = hub
        .get(
            &format!("/v1/stores/{store}/order-performance?hours=0"),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["field"], "hours");
    // Orders placed before the window are not counted.
    let much_later = pos_shared::Timestamp::from_unix_millis(
        pos_shared::Timestamp::now().unix_millis() + 2 * 3_600_000,
    );
    let (_, perf) = hub
        .get(
            &format!("/v1/stores/{store}/order-performance?hours=1&at={much_later}"),
            &shop.api_key,
        )
        .await;
    assert_eq!(perf["placed"], 0, "{perf}");
    let (s, b) = hub
        .get("/v1/orders/sla-breaches?at=soon", &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["field"], "at");
    shop.hub.assert_projection_true().await;
}
on_both_backends!(orders_past_their_sla_are_listed);

async fn a_store_limited_key_reaches_its_own_stores_orders_only(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let near = dark_store(&shop, "DS-NEAR", (12.9784, 77.6325), 3000, 10, 10).await;
    let mid = dark_store(&shop, "DS-MID", (12.9784, 77.6650), 3000, 10, 10).await;
    let (s, b) = hub
        .post(
            "/v1/api-keys",
            &shop.api_key,
            json!({"label": "Mid's app", "role": "store_manager", "store_ids": [mid]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let limited = b["api_key"].as_str().unwrap().to_owned();
    // The nearest store is not the key's: the order goes to its own.
    let (s, placed) = hub
        .post(
            "/v1/orders",
            &limited,
            order("l-1", HOME, tea_line(&shop, "1")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{placed}");
    assert_eq!(placed["store_id"], mid.as_str());
    // An order at the near store (placed by the owner) is not there for it.
    let (_, other) = hub
        .post(
            "/v1/orders",
            &shop.api_key,
            order("o-1", HOME, tea_line(&shop, "1")),
        )
        .await;
    assert_eq!(other["store_id"], near.as_str());
    let other_id = other["id"].as_str().unwrap();
    let (s, _) = hub.get(&format!("/v1/orders/{other_id}"), &limited).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = hub
        .post(
            &format!("/v1/orders/{other_id}/transitions"),
            &limited,
            json!({"to": "cancelled"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, still) = hub
        .get(&format!("/v1/orders/{other_id}"), &shop.api_key)
        .await;
    assert_eq!(still["state"], "pending");
    let (_, listed) = hub.get("/v1/orders", &limited).await;
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [placed["id"].as_str().unwrap()]);
    shop.hub.assert_projection_true().await;
}
on_both_backends!(a_store_limited_key_reaches_its_own_stores_orders_only);

/// A green tea in the shop tea's category (so it is offered instead of it),
/// with `stock` of it received at `store`; its variant id.
pub(crate) async fn green_tea_beside_tea(
    shop: &crate::helpers::Shop,
    store: &str,
    stock: i64,
) -> String {
    let hub = &shop.hub;
    let (s, cat) = hub
        .post(
            "/v1/categories",
            &shop.api_key,
            json!({"name": "Beverages"}),
        )
        .await;
    assert!(s.is_success(), "{cat}");
    let cat_id = cat["id"]
        .as_str()
        .or(cat["category_id"].as_str())
        .unwrap()
        .to_owned();
    let (s, other) = hub
        .post(
            "/v1/products",
            &shop.api_key,
            json!({"name": "Green Tea", "variants": [
                {"name": "Green Tea 100 g", "sku": "GTEA-100", "barcode": "8901234500019", "price": {"minor": 9900, "currency": "INR"}}
            ]}),
        )
        .await;
    assert!(s.is_success(), "{other}");
    let green = other["variants"][0]["variant_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for variant in [&shop.variants[0].0, &green] {
        let (s, b) = hub
            .send(
                reqwest::Method::PATCH,
                &format!("/v1/variants/{variant}"),
                Some(&shop.api_key),
                Some(json!({"category_id": cat_id})),
            )
            .await;
        assert!(s.is_success(), "{b}");
    }
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{store}/movements"),
            &shop.api_key,
            json!({"variant_id": green, "delta": stock, "reason": "receipt"}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    green
}
