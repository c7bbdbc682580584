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
}
on_both_backends!(bad_delivery_settings_are_refused_by_field);
