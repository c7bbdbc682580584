//! Stock reservations for orders: they take stock out of what a store can
//! promise, never more than is free; release, commit and expiry give it back
//! or move it out of the ledger; the inventory's orderability follows.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The tea's position: (on hand, reserved, available, orderable, reasons).
/// The tea's line of the store's inventory: on hand, reserved, available,
/// orderable, reasons.
pub(crate) async fn tea(shop: &Shop) -> (String, String, String, bool, Value) {
    let (_, inventory) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/inventory", shop.store_id),
            &shop.api_key,
        )
        .await;
    let p = inventory["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["variant_id"] == shop.variants[0].0.as_str())
        .unwrap()
        .clone();
    let text = |k: &str| p[k].as_str().unwrap().to_owned();
    (
        text("on_hand"),
        text("reserved"),
        text("available"),
        p["orderable"].as_bool().unwrap(),
        p["reasons"].clone(),
    )
}

async fn reservations_hold_release_and_commit_stock(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let path = format!("/v1/stores/{}/reservations", shop.store_id);
    let tea_id = shop.variants[0].0.clone();
    let reserve =
        |qty: &str, order: &str| json!({"variant_id": tea_id, "qty": qty, "order_ref": order});

    let (s, first) = hub.post(&path, key, reserve("30", "ORD-1")).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["state"], "held");
    let (s, second) = hub.post(&path, key, reserve("15", "ORD-2")).await;
    assert_eq!(s, StatusCode::CREATED, "{second}");
    assert_eq!(
        tea(&shop).await,
        ("50".into(), "45".into(), "5".into(), true, json!([]))
    );

    // More than is free is refused, naming the quantity and what is free.
    let (s, refused) = hub.post(&path, key, reserve("6", "ORD-3")).await;
    assert_problem(
        s,
        &refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
    );
    assert_eq!(refused["field"], "qty");
    assert!(
        refused["detail"].as_str().unwrap().contains("only 5 "),
        "{refused}"
    );

    // A retry with the same id is the same reservation; the id on another
    // request is refused.
    let mut again = reserve("30", "ORD-1");
    again["reservation_id"] = first["reservation_id"].clone();
    let (s, same) = hub.post(&path, key, again.clone()).await;
    assert_eq!(s, StatusCode::OK, "{same}");
    assert_eq!(same, first);
    again["qty"] = json!("31");
    let (s, clash) = hub.post(&path, key, again).await;
    assert_problem(s, &clash, StatusCode::CONFLICT, "conflict");
    assert_eq!(clash["field"], "reservation_id");

    // Release gives the stock back; commit takes it out of the ledger.
    let id1 = first["reservation_id"].as_str().unwrap();
    let id2 = second["reservation_id"].as_str().unwrap();
    let (s, released) = hub
        .post(&format!("/v1/reservations/{id1}/release"), key, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{released}");
    assert_eq!(released["state"], "released");
    let (s, committed) = hub
        .post(&format!("/v1/reservations/{id2}/commit"), key, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{committed}");
    assert_eq!(committed["state"], "committed");
    // Committing twice moves stock once.
    let (s, _) = hub
        .post(&format!("/v1/reservations/{id2}/commit"), key, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        tea(&shop).await,
        ("35".into(), "0".into(), "35".into(), true, json!([]))
    );
    let (_, movements) = hub
        .get(&format!("/v1/stores/{}/movements", shop.store_id), key)
        .await;
    let sold: Vec<&Value> = movements["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["movement_id"] == id2)
        .collect();
    assert_eq!(sold.len(), 1, "{movements}");
    assert_eq!(sold[0]["delta"], "-15");

    // A settled reservation cannot be settled the other way.
    let (s, wrong) = hub
        .post(&format!("/v1/reservations/{id1}/commit"), key, json!({}))
        .await;
    assert_problem(s, &wrong, StatusCode::CONFLICT, "wrong_state");
    assert!(
        wrong["detail"].as_str().unwrap().contains("released"),
        "{wrong}"
    );

    // Everything free reserved: not orderable, with the reason.
    let (s, _) = hub.post(&path, key, reserve("35", "ORD-4")).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, _, available, orderable, reason) = tea(&shop).await;
    assert_eq!((available.as_str(), orderable), ("0", false));
    assert_eq!(reason, json!(["zero_stock"]));
    shop.hub.assert_projection_true().await;
}
on_both_backends!(reservations_hold_release_and_commit_stock);

async fn an_expired_reservation_frees_its_stock(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let path = format!("/v1/stores/{}/reservations", shop.store_id);
    let (s, held) = hub
        .post(
            &path,
            key,
            json!({"variant_id": shop.variants[0].0, "qty": "50", "order_ref": "ORD-9", "ttl_secs": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{held}");
    let (_, _, _, orderable, reason) = tea(&shop).await;
    assert!(!orderable);
    assert_eq!(reason, json!(["zero_stock"]));

    // Past its expiry its holder reads it as expired; the hub's sweeper
    // settles it so, and the tea is orderable again.
    let id = held["reservation_id"].as_str().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, r) = hub.get(&format!("/v1/reservations/{id}"), key).await;
        if r["settled_at"].is_string() {
            assert_eq!(r["state"], "expired", "{r}");
            break;
        }
        assert!(Instant::now() < deadline, "never expired: {r}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        tea(&shop).await,
        ("50".into(), "0".into(), "50".into(), true, json!([]))
    );
    let (_, released) = hub
        .get("/v1/events?type=inventory.stock.released", key)
        .await;
    assert_eq!(
        released["events"][0]["source"], "hub",
        "the hub's own sweeper released it, not HQ: {released}"
    );
    let (s, late) = hub
        .post(&format!("/v1/reservations/{id}/commit"), key, json!({}))
        .await;
    assert_problem(s, &late, StatusCode::CONFLICT, "wrong_state");
    assert!(
        late["detail"].as_str().unwrap().contains("expired"),
        "{late}"
    );
    shop.hub.assert_projection_true().await;
}
on_both_backends!(an_expired_reservation_frees_its_stock);

async fn bad_reservations_are_refused_by_name(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let path = format!("/v1/stores/{}/reservations", shop.store_id);
    let tea_id = shop.variants[0].0.clone();
    let other_tenant = hub.tenant("Another Chain").await;
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"variant_id": tea_id, "qty": "-1", "order_ref": "X"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "qty",
        ),
        (
            json!({"variant_id": tea_id, "qty": "0", "order_ref": "X"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "qty",
        ),
        (
            json!({"variant_id": tea_id, "qty": 1.5, "order_ref": "X"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "qty",
        ),
        (
            json!({"variant_id": tea_id, "qty": "1", "order_ref": " "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "order_ref",
        ),
        (
            json!({"variant_id": tea_id, "qty": "1", "order_ref": "X", "ttl_secs": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "ttl_secs",
        ),
        (
            json!({"variant_id": tea_id, "qty": "1", "order_ref": "X", "ttl_secs": 86_401}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "ttl_secs",
        ),
        (
            json!({"variant_id": "not-a-uuid", "qty": "1", "order_ref": "X"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "variant_id",
        ),
        (
            json!({"variant_id": tea_id, "qty": "1", "order_ref": "X", "colour": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
    ];
    for (body, status, field) in cases {
        let (s, b) = hub.post(&path, key, body.clone()).await;
        assert_eq!(s, status, "{body} → {b}");
        if !field.is_empty() {
            assert_eq!(b["field"], field, "{body} → {b}");
        }
    }
    let (s, b) = hub.post_raw(&path, key, "{\"variant_id\": ").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let unknown = uuid::Uuid::now_v7();
    let (s, b) = hub
        .post(
            &path,
            key,
            json!({"variant_id": unknown, "qty": "1", "order_ref": "X"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = hub.get(&format!("/v1/reservations/{unknown}"), key).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = hub.get("/v1/reservations/nope", key).await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "invalid_id");

    // Another tenant can neither reserve at this store nor see or settle its reservations.
    let (s, mine) = hub
        .post(
            &path,
            key,
            json!({"variant_id": tea_id, "qty": "1", "order_ref": "MINE"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = mine["reservation_id"].as_str().unwrap();
    let (s, _) = hub
        .post(
            &path,
            &other_tenant,
            json!({"variant_id": tea_id, "qty": "1", "order_ref": "X"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = hub
        .get(&format!("/v1/reservations/{id}"), &other_tenant)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = hub
        .post(
            &format!("/v1/reservations/{id}/release"),
            &other_tenant,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Nothing but the one good reservation was written.
    let (_, reserved, _, _, _) = tea(&shop).await;
    assert_eq!(reserved, "1");
    shop.hub.assert_projection_true().await;
}
on_both_backends!(bad_reservations_are_refused_by_name);

async fn orders_racing_for_the_last_units_never_oversell(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let path = format!("/v1/stores/{}/reservations", shop.store_id);
    // Twenty orders of 5 at once against 50 on hand: exactly ten are held.
    let attempts = (0..20).map(|n| {
        hub.post(
            &path,
            key,
            json!({"variant_id": shop.variants[0].0, "qty": "5", "order_ref": format!("RUSH-{n}")}),
        )
    });
    let outcomes = futures_util::future::join_all(attempts).await;
    let held = outcomes
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let refused = outcomes
        .iter()
        .filter(|(s, b)| *s == StatusCode::UNPROCESSABLE_ENTITY && b["field"] == "qty")
        .count();
    assert_eq!((held, refused), (10, 10), "{outcomes:?}");
    assert_eq!(
        tea(&shop).await,
        (
            "50".into(),
            "50".into(),
            "0".into(),
            false,
            json!(["zero_stock"])
        )
    );
    shop.hub.assert_projection_true().await;
}
on_both_backends!(orders_racing_for_the_last_units_never_oversell);

/// Ids the caller mints are checked where they could clash: a reservation id
/// another tenant holds is a 409 naming `reservation_id` (ids are unique
/// across tenants), and a reservation whose id a stock movement already took
/// is not committed (its goods would leave it without leaving the stock): a
/// 409, the reservation still held, the stock as it was; a movement sent
/// again with another batch is not the same movement.
async fn ids_that_clash_are_refused_by_name(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let tea_id = shop.variants[0].0.clone();
    let path = format!("/v1/stores/{}/reservations", shop.store_id);
    let held = uuid::Uuid::now_v7().to_string();
    let (s, first) = hub
        .post(
            &path,
            key,
            json!({"reservation_id": held, "variant_id": tea_id, "qty": "2", "order_ref": "ORD-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");

    let other = shop_on(shop.hub.clone(), "Other Chain").await;
    let (s, clash) = other
        .hub
        .post(
            &format!("/v1/stores/{}/reservations", other.store_id),
            &other.api_key,
            json!({"reservation_id": held, "variant_id": other.variants[0].0, "qty": "1", "order_ref": "X"}),
        )
        .await;
    assert_problem(s, &clash, StatusCode::CONFLICT, "conflict");
    assert_eq!(clash["field"], "reservation_id");

    // A movement under the reservation's id, then its commit.
    let (s, moved) = hub
        .post(
            &format!("/v1/stores/{}/movements", shop.store_id),
            key,
            json!({"movement_id": held, "variant_id": tea_id, "delta": "1", "reason": "receipt"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{moved}");
    let (s, refused) = hub
        .post(&format!("/v1/reservations/{held}/commit"), key, json!({}))
        .await;
    assert_problem(s, &refused, StatusCode::CONFLICT, "conflict");
    assert_eq!(refused["field"], "reservation_id");
    assert_eq!(
        tea(&shop).await,
        ("51".into(), "2".into(), "49".into(), true, json!([]))
    );
    let (s, released) = hub
        .post(&format!("/v1/reservations/{held}/release"), key, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{released}");
    assert_eq!(
        tea(&shop).await,
        ("51".into(), "0".into(), "51".into(), true, json!([]))
    );

    // The same movement id with another batch is another movement.
    let movement = uuid::Uuid::now_v7().to_string();
    let with_batch = |code: &str| {
        json!({"movement_id": movement, "variant_id": tea_id, "delta": "2", "reason": "receipt",
               "batch": {"code": code, "expires_on": "2027-01-31"}})
    };
    let movements = format!("/v1/stores/{}/movements", shop.store_id);
    let (s, b) = hub.post(&movements, key, with_batch("LOT-Q")).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = hub.post(&movements, key, with_batch("LOT-Q")).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = hub.post(&movements, key, with_batch("LOT-R")).await;
    assert_problem(s, &b, StatusCode::CONFLICT, "conflict");
    assert_eq!(b["field"], "movement_id");
    let mut without = with_batch("LOT-Q");
    without.as_object_mut().unwrap().remove("batch");
    let (s, b) = hub.post(&movements, key, without).await;
    assert_problem(s, &b, StatusCode::CONFLICT, "conflict");
    assert_eq!(b["field"], "movement_id");
    assert_eq!(tea(&shop).await.0, "53");
}
on_both_backends!(ids_that_clash_are_refused_by_name);
