//! Opening hours through HQ's API on both backends: outside them a store's
//! items are not orderable (`outside_hours`) and reservations are refused.

use crate::helpers::{assert_problem, shop, shop_with, Backend, Shop};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn reasons_at(shop: &Shop, at: &str) -> Value {
    let (s, view) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/catalog-view?at={at}", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{view}");
    view["items"][0]["reasons"].clone()
}

async fn reserve(shop: &Shop) -> (StatusCode, Value) {
    shop.hub
        .post(
            &format!("/v1/stores/{}/reservations", shop.store_id),
            &shop.api_key,
            json!({"variant_id": shop.variants[0].0, "qty": "1", "order_ref": "ORD-1"}),
        )
        .await
}

async fn orders_are_taken_only_in_opening_hours(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let path = format!("/v1/stores/{}/hours", shop.store_id);
    let hours =
        json!({"utc_offset": "+05:30", "week": {"mon": [{"opens": "07:00", "closes": "13:00"}]}});
    let (s, store) = hub.put(&path, &shop.api_key, hours.clone()).await;
    assert_eq!(s, StatusCode::OK, "{store}");
    assert_eq!(store["hours"], hours);
    let (_, read) = hub
        .get(&format!("/v1/stores/{}", shop.store_id), &shop.api_key)
        .await;
    assert_eq!(read["hours"], hours);

    // 2026-11-23 is a Monday: 07:30 and 14:30 in the store's offset.
    assert_eq!(reasons_at(&shop, "2026-11-23T02:00:00Z").await, json!([]));
    assert_eq!(
        reasons_at(&shop, "2026-11-23T09:00:00Z").await,
        json!(["outside_hours"])
    );
    assert_eq!(
        reasons_at(&shop, "2026-11-24T02:00:00Z").await,
        json!(["outside_hours"]),
        "no hours on Tuesday"
    );

    // Closed every day: no reservation now; open all day: taken.
    let (s, _) = hub
        .put(
            &path,
            &shop.api_key,
            json!({"utc_offset": "+00:00", "week": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = reserve(&shop).await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");
    assert_eq!(b["field"], "store_id");
    assert!(
        b["detail"].as_str().unwrap().contains("opening hours"),
        "{b}"
    );
    let all_day: serde_json::Map<String, Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| {
            (
                d.to_string(),
                json!([{"opens": "00:00", "closes": "24:00"}]),
            )
        })
        .collect();
    let (s, _) = hub
        .put(
            &path,
            &shop.api_key,
            json!({"utc_offset": "+00:00", "week": all_day}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, r) = reserve(&shop).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");

    let (s, store) = hub
        .send(reqwest::Method::DELETE, &path, Some(&shop.api_key), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{store}");
    assert!(store.get("hours").is_none(), "{store}");
    assert_eq!(reasons_at(&shop, "2026-11-24T02:00:00Z").await, json!([]));
    let (_, events) = hub
        .get("/v1/events?type=store.hours.changed", &shop.api_key)
        .await;
    assert_eq!(events["events"].as_array().unwrap().len(), 4);
}
on_both_backends!(orders_are_taken_only_in_opening_hours);

async fn bad_hours_are_refused_by_field(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let path = format!("/v1/stores/{}/hours", shop.store_id);
    let day = |opens: &str, closes: &str| json!([{"opens": opens, "closes": closes}]);
    for (body, field) in [
        (json!({"utc_offset": "IST", "week": {}}), "utc_offset"),
        (
            json!({"utc_offset": "+05:30", "week": {"monday": day("07:00", "13:00")}}),
            "week.monday",
        ),
        (
            json!({"utc_offset": "+05:30", "week": {"mon": day("07:00", "25:00")}}),
            "week.mon[0].closes",
        ),
        (
            json!({"utc_offset": "+05:30", "week": {"mon": day("22:00", "02:00")}}),
            "week.mon[0].closes",
        ),
        (json!({"utc_offset": "+05:30"}), "week"),
        (
            json!({"utc_offset": "+05:30", "week": {}, "holidays": []}),
            "holidays",
        ),
    ] {
        let (s, b) = hub.put(&path, &shop.api_key, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {b}");
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    let (_, store) = hub
        .get(&format!("/v1/stores/{}", shop.store_id), &shop.api_key)
        .await;
    assert!(store.get("hours").is_none(), "nothing was set: {store}");
    let unknown = uuid::Uuid::now_v7();
    let (s, b) = hub
        .put(
            &format!("/v1/stores/{unknown}/hours"),
            &shop.api_key,
            json!({"utc_offset": "+00:00", "week": {}}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let intruder = hub.tenant("Other Chain").await;
    let (s, _) = hub
        .put(
            &path,
            &intruder,
            json!({"utc_offset": "+00:00", "week": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, issued) = hub
        .post(
            "/v1/api-keys",
            &shop.api_key,
            json!({"label": "ro", "role": "read_only"}),
        )
        .await;
    let (s, _) = hub
        .put(
            &path,
            issued["api_key"].as_str().unwrap(),
            json!({"utc_offset": "+00:00", "week": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
on_both_backends!(bad_hours_are_refused_by_field);

async fn opening_and_closing_by_the_clock_is_announced_once(backend: Backend) {
    use pos_shared::Timestamp;
    // The test turns the clock itself; the hub's own look at the real clock
    // (its background task, every 30 s) is put off so it cannot flip the
    // store between the test's looks.
    let shop = shop_with(backend, |config| cloud_hub::config::HubConfig {
        hours_check_every: std::time::Duration::from_secs(3600),
        ..config
    })
    .await;
    let hub = &shop.hub;
    let path = format!("/v1/stores/{}/hours", shop.store_id);
    let (s, _) = hub
        .put(
            &path,
            &shop.api_key,
            json!({"utc_offset": "+05:30", "week": {"mon": [{"opens": "07:00", "closes": "13:00"}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let at = |text: &str| -> Timestamp { serde_json::from_value(json!(text)).unwrap() };
    let look = |text: &'static str| {
        let storage = hub.storage.clone();
        async move { storage.announce_hours_flips(at(text)).await.unwrap() }
    };
    // Monday 07:30 in the store's offset: open (announced unless it already was).
    look("2026-11-23T02:00:00Z").await;
    assert_eq!(
        look("2026-11-23T02:30:00Z").await,
        0,
        "still open: nothing new"
    );
    assert_eq!(look("2026-11-23T09:00:00Z").await, 1, "14:30: closed");
    assert_eq!(
        look("2026-11-24T02:00:00Z").await,
        0,
        "Tuesday: still closed"
    );
    assert_eq!(look("2026-11-30T02:00:00Z").await, 1, "next Monday: open");

    let (_, events) = hub
        .get("/v1/events?type=store.hours.&limit=100", &shop.api_key)
        .await;
    let flips: Vec<(String, Value)> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] != "store.hours.changed")
        .map(|e| {
            (
                e["event_type"].as_str().unwrap().to_owned(),
                e["data"].clone(),
            )
        })
        .collect();
    let last_two = &flips[flips.len() - 2..];
    assert_eq!(last_two[0].0, "store.hours.closed");
    assert_eq!(last_two[0].1["at"], "2026-11-23T09:00:00Z");
    assert_eq!(last_two[0].1["store_id"], shop.store_id.as_str());
    assert_eq!(last_two[1].0, "store.hours.opened");
    assert_eq!(last_two[1].1["open"], true);

    // Other tenants hear nothing of it.
    let intruder = hub.tenant("Other Chain").await;
    let (_, theirs) = hub.get("/v1/events?type=store.", &intruder).await;
    assert_eq!(theirs["events"], json!([]));

    // Without hours a store is open whenever its status is: no flips.
    let (s, _) = hub
        .send(reqwest::Method::DELETE, &path, Some(&shop.api_key), None)
        .await;
    assert_eq!(s.as_u16() / 100, 2);
    assert_eq!(look("2026-11-30T09:00:00Z").await, 0);
}
on_both_backends!(opening_and_closing_by_the_clock_is_announced_once);
