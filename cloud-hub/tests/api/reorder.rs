//! Reorder points and low-stock alerts through HQ's API on both backends:
//! every path that changes what is available (movements, till sales,
//! reservations, transfers, the point itself) raises `inventory.stock.low`
//! once when it falls to the point and `inventory.stock.replenished` once
//! when it climbs back; each change of a point is announced with where the
//! item stands against it.

use crate::helpers::{assert_problem, shop, Backend, Shop};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The events whose type starts with `prefix`, oldest first.
async fn events(shop: &Shop, prefix: &str) -> Vec<Value> {
    let (s, page) = shop
        .hub
        .get(
            &format!("/v1/events?type={prefix}&limit=1000"),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    page["events"].as_array().unwrap().clone()
}

/// The stock alerts raised so far: (type, available).
async fn alerts(shop: &Shop) -> Vec<(String, String)> {
    events(shop, "inventory.stock.")
        .await
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

    // Raising the point above what is there alerts at once; removing it raises no alert.
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
    // Each change of the point is announced, its removal too, with where
    // the item stands against it: a follower of the alerts knows the low
    // one no longer stands. Setting the same point again says nothing.
    let (s, _) = point(&shop, &tea, json!({"reorder_point": "60"})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = point(&shop, &tea, json!({"reorder_point": "60"})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = point(&shop, &tea, json!({"reorder_point": null})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let changes: Vec<(Value, Value, Value)> = events(&shop, "inventory.reorder_point.")
        .await
        .iter()
        .map(|e| {
            assert_eq!(e["data"]["variant_id"], tea.as_str(), "{e}");
            let d = &e["data"];
            (
                d["reorder_point"].clone(),
                d["available"].clone(),
                d["low"].clone(),
            )
        })
        .collect();
    let change = |p: Value, a: &str, low: bool| (p, json!(a), json!(low));
    assert_eq!(
        changes,
        [
            change(json!("45"), "50", false),
            change(json!("60"), "52", true),
            change(Value::Null, "52", false),
            change(json!("60"), "72", false),
            change(Value::Null, "72", false),
        ]
    );

    // Deleted while low, the item leaves the list; HQ may still withdraw
    // its point, and with it the alert, but set none.
    let (_, line) = point(&shop, &tea, json!({"reorder_point": "80"})).await;
    assert_eq!(line["low"], true);
    let (s, _) = shop
        .hub
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/variants/{tea}"),
            Some(&shop.api_key),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = point(&shop, &tea, json!({"reorder_point": "5"})).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, _) = point(&shop, &tea, json!({"reorder_point": null})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let last = events(&shop, "inventory.reorder_point.")
        .await
        .pop()
        .unwrap();
    assert_eq!(
        (&last["data"]["reorder_point"], &last["data"]["low"]),
        (&Value::Null, &json!(false)),
        "{last}"
    );
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
        // The tea is counted in pieces: a point of two and a half of them.
        (
            json!({"reorder_point": "2.5"}),
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
    assert_eq!(b["field"], "variant_id", "{b}");
    let (s, b) = shop
        .hub
        .put(
            &format!("/v1/stores/{unknown}/reorder-points/{tea}"),
            &shop.api_key,
            json!({"reorder_point": "1"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(b["field"], "store_id", "{b}");
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

/// A day `n` days from today, `YYYY-MM-DD`.
fn day_in(n: i64) -> String {
    let day = time::OffsetDateTime::now_utc().date() + time::Duration::days(n);
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

async fn a_till_reads_its_stores_reorder_points_and_expiring_batches(backend: Backend) {
    let shop = shop(backend).await;
    let (tea, rice) = (shop.variants[0].0.clone(), shop.variants[1].0.clone());
    let (s, b) = point(&shop, &tea, json!({"reorder_point": "12"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    for (code, expires, qty) in [
        ("SOON", day_in(2), "4"),
        ("LATER", day_in(40), "6"),
        ("GONE", day_in(-1), "1"),
    ] {
        let (s, b) = shop
            .hub
            .post(
                &format!("/v1/stores/{}/movements", shop.store_id),
                &shop.api_key,
                json!({"variant_id": rice, "delta": qty, "reason": "receipt",
                       "batch": {"code": code, "expires_on": expires}}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let (s, watch) = shop
        .hub
        .get("/v1/sync/stock-watch?days=7", &shop.device_token)
        .await;
    assert_eq!(s, StatusCode::OK, "{watch}");
    assert_eq!(watch["days"], 7);
    assert_eq!(
        watch["reorder_points"],
        json!([{"variant_id": tea, "reorder_point": "12"}])
    );
    let expiring: Vec<(&str, &str)> = watch["expiring"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["code"].as_str().unwrap(), b["on_hand"].as_str().unwrap()))
        .collect();
    assert_eq!(
        expiring,
        [("GONE", "1"), ("SOON", "4")],
        "soonest first, the expired too"
    );
    let (_, wider) = shop
        .hub
        .get("/v1/sync/stock-watch?days=60", &shop.device_token)
        .await;
    assert_eq!(wider["expiring"].as_array().unwrap().len(), 3);
    for (bad, status) in [
        ("days=0", StatusCode::UNPROCESSABLE_ENTITY),
        ("days=91", StatusCode::UNPROCESSABLE_ENTITY),
        ("days=soon", StatusCode::BAD_REQUEST),
    ] {
        let (s, b) = shop
            .hub
            .get(&format!("/v1/sync/stock-watch?{bad}"), &shop.device_token)
            .await;
        assert_eq!(s, status, "{bad}: {b}");
        assert_eq!(b["field"], "days", "{b}");
    }
    let (s, _) = shop.hub.get("/v1/sync/stock-watch", &shop.api_key).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "for tills only");
}
on_both_backends!(a_till_reads_its_stores_reorder_points_and_expiring_batches);

/// The item's turns as its events told them, in order: `orderable` or
/// `unorderable`, `low` or `replenished`, each with what was available.
async fn turns(shop: &Shop) -> Vec<(String, String)> {
    events(shop, "inventory.")
        .await
        .iter()
        .filter_map(|e| {
            let turn = match e["event_type"].as_str().unwrap() {
                "inventory.orderability.changed" if e["data"]["orderable"] == true => "orderable",
                "inventory.orderability.changed" => "unorderable",
                "inventory.stock.low" => "low",
                "inventory.stock.replenished" => "replenished",
                _ => return None,
            };
            Some((
                turn.to_owned(),
                e["data"]["available"].as_str().unwrap().to_owned(),
            ))
        })
        .collect()
}

/// A reservation past its expiry that the sweep has not yet released still
/// holds its stock until the sweep releases it, for what the hub announces,
/// answers and decides alike: a movement in between is judged from the stock
/// as last announced, a reservation is weighed against it, and the sweep
/// announces the turn the release makes, once, however many lapsed together.
/// (Judged from what held at the instant, a receipt after the lapse turned
/// nothing and the sweep announced nothing: the item stayed unorderable as
/// far as anyone listening knew; judged so only for what was decided, the
/// events said unorderable with a negative `available` while a reservation
/// was accepted against the lapsed stock.)
async fn a_lapsed_reservation_is_announced_when_the_sweep_releases_it(backend: Backend) {
    // The sweep runs when the test says.
    let shop = crate::helpers::shop_with(backend, |c| cloud_hub::config::HubConfig {
        reservation_sweep_every: std::time::Duration::from_secs(3600),
        ..c
    })
    .await;
    let tea = shop.variants[0].0.clone();
    let (s, line) = point(&shop, &tea, json!({"reorder_point": "2"})).await;
    assert_eq!(s, StatusCode::OK, "{line}");
    move_stock(&shop, &tea, "-46").await; // 4
                                          // The shop's items turned orderable as they were stocked.
    let before = turns(&shop).await.len();
    let reserve = |qty: &str, order: &str| json!({"variant_id": tea, "qty": qty, "order_ref": order, "ttl_secs": 1});
    let path = format!("/v1/stores/{}/reservations", shop.store_id);
    let (s, r) = shop
        .hub
        .post(&path, &shop.api_key, reserve("4", "ORD-1"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}"); // 0 available
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    // Lapsed, not yet swept: 1 more received.
    move_stock(&shop, &tea, "1").await;
    // Until the sweep releases it, the lapsed reservation holds its 4 for
    // everything the hub answers and decides, as for what it announces.
    let line = crate::reservations::tea(&shop).await;
    assert_eq!(
        (line.0.as_str(), line.1.as_str(), line.2.as_str(), line.3),
        ("5", "4", "1", true)
    );
    let (s, b) = shop
        .hub
        .post(&path, &shop.api_key, reserve("2", "ORD-X"))
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "qty", "{b}");
    let (s, line) = point(&shop, &tea, json!({"reorder_point": "2"})).await;
    assert_eq!(s, StatusCode::OK, "{line}");
    assert_eq!(
        (&line["available"], &line["low"]),
        (&json!("1"), &json!(true))
    );
    // Its holder reads it as expired, as committing it answers.
    let lapsed = format!("/v1/reservations/{}", r["reservation_id"].as_str().unwrap());
    let (s, read) = shop.hub.get(&lapsed, &shop.api_key).await;
    assert_eq!(
        (s, &read["state"]),
        (StatusCode::OK, &json!("expired")),
        "{read}"
    );
    let (s, b) = shop
        .hub
        .post(&format!("{lapsed}/commit"), &shop.api_key, json!({}))
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");
    assert!(b["detail"].as_str().unwrap().contains("is expired"), "{b}");
    let sweep = || async {
        shop.hub
            .storage
            .expire_reservations(pos_shared::Timestamp::now())
            .await
            .unwrap()
    };
    assert_eq!(sweep().await, 1); // 5 available
    let line = crate::reservations::tea(&shop).await;
    assert_eq!(
        (line.0.as_str(), line.1.as_str(), line.2.as_str()),
        ("5", "0", "5")
    );

    // Two lapse together, swept in one go.
    for (qty, order) in [("2", "ORD-2"), ("3", "ORD-3")] {
        let (s, r) = shop
            .hub
            .post(&path, &shop.api_key, reserve(qty, order))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    } // 3, then 0 available
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(sweep().await, 2); // 2, then 5 available
    let turn = |t: &str, available: &str| (t.to_owned(), available.to_owned());
    assert_eq!(
        turns(&shop).await[before..],
        vec![
            turn("unorderable", "0"),
            turn("low", "0"),
            turn("orderable", "1"), // the receipt, the lapsed four still held
            turn("replenished", "5"), // the sweep
            turn("unorderable", "0"),
            turn("low", "0"),
            turn("orderable", "2"), // the sweep, the first of two
            turn("replenished", "5"),
        ]
    );

    // Its holder may release a lapsed one before the sweep does: the stock
    // is free at once, and the sweep finds nothing left to do.
    let (s, r) = shop
        .hub
        .post(&path, &shop.api_key, reserve("1", "ORD-5"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let release = format!(
        "/v1/reservations/{}/release",
        r["reservation_id"].as_str().unwrap()
    );
    for _ in 0..2 {
        let (s, released) = shop.hub.post(&release, &shop.api_key, json!({})).await;
        assert_eq!(s, StatusCode::OK, "{released}");
        assert_eq!(released["state"], "expired", "{released}");
        assert!(released["settled_at"].is_string(), "{released}");
    }
    let line = crate::reservations::tea(&shop).await;
    assert_eq!((line.1.as_str(), line.2.as_str()), ("0", "5"));
    assert_eq!(sweep().await, 0);
    shop.hub.assert_projection_true().await;
}
on_both_backends!(a_lapsed_reservation_is_announced_when_the_sweep_releases_it);
