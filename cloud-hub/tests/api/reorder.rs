//! Reorder points and low-stock alerts through HQ's API on both backends:
//! every path that changes what is available (movements, till sales,
//! reservations, transfers, the point itself) raises `inventory.stock.low`
//! once when it falls to the point and `inventory.stock.replenished` once
//! when it climbs back.

use crate::helpers::{assert_problem, shop, Backend, Shop};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The stock alerts raised so far: (type, available).
async fn alerts(shop: &Shop) -> Vec<(String, String)> {
    let (s, page) = shop
        .hub
        .get("/v1/events?type=inventory.stock.&limit=1000", &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["event_type"] == "inventory.stock.low"
                || e["event_type"] == "inventory.stock.replenished"
        })
        .map(|e| {
            (
                e["event_type"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("inventory.stock.")
                    .to_owned(),
                e["data"]["available"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn point(shop: &Shop, variant: &str, body: Value) -> (StatusCode, Value) {
    shop.hub
        .put(
            &format!("/v1/stores/{}/reorder-points/{variant}", shop.store_id),
            &shop.api_key,
            body,
        )
        .await
}

async fn move_stock(shop: &Shop, variant: &str, delta: &str) {
    let (s, b) = shop
        .hub
        .post(
            &format!("/v1/stores/{}/movements", shop.store_id),
            &shop.api_key,
            json!({"variant_id": variant, "delta": delta, "reason": "adjustment"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

async fn low_stock_is_raised_once_per_crossing(backend: Backend) {
    let shop = shop(backend).await;
    let tea = shop.variants[0].0.clone();
    let (s, line) = point(&shop, &tea, json!({"reorder_point": "45"})).await;
    assert_eq!(s, StatusCode::OK, "{line}");
    assert_eq!(
        (
            &line["sku"],
            &line["reorder_point"],
            &line["available"],
            &line["low"]
        ),
        (&json!("TEA-250"), &json!("45"), &json!("50"), &json!(false))
    );
    assert!(alerts(&shop).await.is_empty());

    move_stock(&shop, &tea, "-5").await; // 45: at the point
    move_stock(&shop, &tea, "-1").await; // 44: still low, nothing new
                                         // A till's sale counts like any movement.
    let sale = shop.sale("T1-000001", &[(0, "2")]);
    let (s, ack) = shop
        .hub
        .post(
            "/v1/sync/outbox",
            &shop.device_token,
            json!({"protocol_version": pos_shared::sync::PROTOCOL_VERSION, "facts": [sale]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    move_stock(&shop, &tea, "10").await; // 52: replenished
    let (s, r) = shop
        .hub
        .post(
            &format!("/v1/stores/{}/reservations", shop.store_id),
            &shop.api_key,
            json!({"variant_id": tea, "qty": "10", "order_ref": "ORD-7"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}"); // 42 available: low
    let (s, _) = shop
        .hub
        .post(
            &format!(
                "/v1/reservations/{}/release",
                r["reservation_id"].as_str().unwrap()
            ),
            &shop.api_key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK); // 52 again
    assert_eq!(
        alerts(&shop).await,
        [
            ("low", "45"),
            ("replenished", "52"),
            ("low", "42"),
            ("replenished", "52")
        ]
        .map(|(t, a)| (t.to_owned(), a.to_owned()))
    );

    // Raising the point above what is there alerts at once; removing it does not.
    let (_, line) = point(&shop, &tea, json!({"reorder_point": "60"})).await;
    assert_eq!(line["low"], true);
    let (s, list) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/reorder-points", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list, json!([line]));
    let (s, _) = point(&shop, &tea, json!({"reorder_point": null})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, list) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/reorder-points", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(list, json!([]));
    let all = alerts(&shop).await;
    assert_eq!(all.len(), 5, "{all:?}");
    assert_eq!(all[4], ("low".to_owned(), "52".to_owned()));
    move_stock(&shop, &tea, "20").await;
    assert_eq!(alerts(&shop).await.len(), 5, "no point, no alert");
}
on_both_backends!(low_stock_is_raised_once_per_crossing);

async fn bad_reorder_points_are_refused(backend: Backend) {
    let shop = shop(backend).await;
    let tea = shop.variants[0].0.clone();
    for (body, status, field) in [
        (
            json!({"reorder_point": "-1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reorder_point",
        ),
        (
            json!({"reorder_point": 2.5}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reorder_point",
        ),
        (
            json!({"reorder_point": "ten"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reorder_point",
        ),
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY, "reorder_point"),
        (
            json!({"reorder_point": "1", "at": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "at",
        ),
    ] {
        let (s, b) = point(&shop, &tea, body.clone()).await;
        assert_eq!(s, status, "{body}: {b}");
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    let unknown = uuid::Uuid::now_v7();
    let (s, b) = point(&shop, &unknown.to_string(), json!({"reorder_point": "1"})).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = shop
        .hub
        .put(
            &format!("/v1/stores/{unknown}/reorder-points/{tea}"),
            &shop.api_key,
            json!({"reorder_point": "1"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = point(&shop, "nope", json!({"reorder_point": "1"})).await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_id");
    let intruder = shop.hub.tenant("Other Chain").await;
    let (s, _) = shop
        .hub
        .put(
            &format!("/v1/stores/{}/reorder-points/{tea}", shop.store_id),
            &intruder,
            json!({"reorder_point": "1"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/reorder-points", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(list, json!([]), "nothing was set");
}
on_both_backends!(bad_reorder_points_are_refused);
