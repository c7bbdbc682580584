//! Batches and expiry through HQ's API on both backends: receipts name their
//! batch, a till's sale takes the batch its pack's symbol named (else the one
//! that expires first) and is never refused for it, write-offs name theirs,
//! and batches about to expire are announced once.

use crate::helpers::{assert_problem, shop, shop_with, Backend, Shop};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn batches(shop: &Shop) -> Vec<(String, String, String)> {
    let (s, list) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/batches", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["code"].as_str().unwrap().to_owned(),
                b["expires_on"].as_str().unwrap().to_owned(),
                b["on_hand"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn owned(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

async fn movement(shop: &Shop, body: Value) -> (StatusCode, Value) {
    shop.hub
        .post(
            &format!("/v1/stores/{}/movements", shop.store_id),
            &shop.api_key,
            body,
        )
        .await
}

async fn batches_are_sold_first_to_expire_and_announced_once(backend: Backend) {
    // The test names the day it checks expiry on; the hub's own check against
    // today (its background task, every 5 minutes) is put off so it cannot
    // announce these batches first.
    let shop = shop_with(backend, |config| cloud_hub::config::HubConfig {
        expiry_check_every: std::time::Duration::from_secs(3600),
        ..config
    })
    .await;
    let tea = shop.variants[0].0.clone();
    for (code, expires, qty) in [("LOT-A", "2026-12-01", "10"), ("LOT-B", "2026-11-28", "5")] {
        let (s, b) = movement(
            &shop,
            json!({"variant_id": tea, "delta": qty, "reason": "receipt",
                   "batch": {"code": code, "expires_on": expires}}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        assert_eq!(b["movement"]["batch"]["code"], code);
    }
    assert_eq!(
        batches(&shop).await,
        owned(&[("LOT-B", "2026-11-28", "5"), ("LOT-A", "2026-12-01", "10")])
    );
    // A code typed in another case is neither a second batch nor a miss:
    // HQ is told the code the store holds.
    for (delta, reason) in [("3", "receipt"), ("-1", "damage")] {
        let (s, b) = movement(
            &shop,
            json!({"variant_id": tea, "delta": delta, "reason": reason,
                   "batch": {"code": "lot-a", "expires_on": "2026-12-01"}}),
        )
        .await;
        assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(b["field"], "batch.code", "{b}");
        assert!(b["detail"].as_str().unwrap().contains("LOT-A"), "{b}");
    }
    assert_eq!(
        batches(&shop).await,
        owned(&[("LOT-B", "2026-11-28", "5"), ("LOT-A", "2026-12-01", "10")])
    );

    // A till's sale of 7 names no batch: the one expiring first goes first.
    let (s, ack) = shop.upload(&[shop.sale("T1-000001", &[(0, "7")])]).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    assert_eq!(batches(&shop).await, owned(&[("LOT-A", "2026-12-01", "8")]));

    let (s, b) = movement(
        &shop,
        json!({"variant_id": tea, "delta": "-2", "reason": "damage",
               "batch": {"code": "LOT-A", "expires_on": "2026-12-01"}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(batches(&shop).await, owned(&[("LOT-A", "2026-12-01", "6")]));
    let (_, ledger) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/movements", shop.store_id),
            &shop.api_key,
        )
        .await;
    let damaged: Vec<&Value> = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["reason"] == "damage")
        .collect();
    assert_eq!(
        damaged[0]["batch"],
        json!({"code": "LOT-A", "expires_on": "2026-12-01"})
    );

    // Three days ahead of 2026-11-29, LOT-A is announced, once.
    assert_eq!(
        shop.hub
            .storage
            .announce_expiring_batches("2026-11-30")
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        shop.hub
            .storage
            .announce_expiring_batches("2026-12-02")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        shop.hub
            .storage
            .announce_expiring_batches("2026-12-02")
            .await
            .unwrap(),
        0
    );
    let (_, events) = shop
        .hub
        .get("/v1/events?type=inventory.batch.expiring", &shop.api_key)
        .await;
    let events = events["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (
            &events[0]["data"]["code"],
            &events[0]["data"]["on_hand"],
            &events[0]["store_id"]
        ),
        (&json!("LOT-A"), &json!("6"), &json!(shop.store_id))
    );
    let (_, list) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/batches", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(list[0]["alerted"], true);
}
on_both_backends!(batches_are_sold_first_to_expire_and_announced_once);

async fn bad_batches_are_refused_and_change_nothing(backend: Backend) {
    let shop = shop(backend).await;
    let tea = shop.variants[0].0.clone();
    let (s, _) = movement(
        &shop,
        json!({"variant_id": tea, "delta": "4", "reason": "receipt",
               "batch": {"code": "LOT-A", "expires_on": "2026-12-01"}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let before = shop.snapshot().await;
    for (batch, delta, reason, field) in [
        (
            json!({"code": "LOT-A", "expires_on": "2026-12-02"}),
            "1",
            "receipt",
            "batch.expires_on",
        ),
        (
            json!({"code": "LOT-A", "expires_on": "2026-12-01"}),
            "-5",
            "damage",
            "batch.code",
        ),
        (
            json!({"code": "LOT-Z", "expires_on": "2026-12-01"}),
            "-1",
            "expiry",
            "batch.code",
        ),
        (
            json!({"code": "", "expires_on": "2026-12-01"}),
            "1",
            "receipt",
            "batch.code",
        ),
        (
            json!({"code": " LOT ", "expires_on": "2026-12-01"}),
            "1",
            "receipt",
            "batch.code",
        ),
        (
            json!({"code": "LOT-C", "expires_on": "2026-13-01"}),
            "1",
            "receipt",
            "batch.expires_on",
        ),
        (
            json!({"code": "LOT-C", "expires_on": "1 Dec 2026"}),
            "1",
            "receipt",
            "batch.expires_on",
        ),
        (json!({"code": "LOT-C"}), "1", "receipt", "batch.expires_on"),
    ] {
        let (s, b) = movement(
            &shop,
            json!({"variant_id": tea, "delta": delta, "reason": reason, "batch": batch}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{batch}: {b}");
        assert_eq!(b["field"], field, "{batch}: {b}");
    }
    // In a bulk count, the item is named.
    let (s, b) = shop
        .hub
        .post(
            &format!("/v1/stores/{}/movements/bulk", shop.store_id),
            &shop.api_key,
            json!({"movements": [
                {"variant_id": tea, "delta": "1", "reason": "receipt"},
                {"variant_id": tea, "delta": "-9", "reason": "damage", "batch": {"code": "LOT-A", "expires_on": "2026-12-01"}},
            ]}),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(b["field"], "movements[1].batch.code");
    assert_eq!(shop.snapshot().await, before, "nothing was written");
    assert_eq!(batches(&shop).await, owned(&[("LOT-A", "2026-12-01", "4")]));
    let intruder = shop.hub.tenant("Other Chain").await;
    let (s, _) = shop
        .hub
        .get(&format!("/v1/stores/{}/batches", shop.store_id), &intruder)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_both_backends!(bad_batches_are_refused_and_change_nothing);

async fn batches_travel_with_a_transfer(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let tea = shop.variants[0].0.clone();
    for (code, expires, qty) in [("LOT-B", "2099-12-10", "6"), ("LOT-A", "2099-12-01", "4")] {
        let (s, b) = movement(
            &shop,
            json!({"variant_id": tea, "delta": qty, "reason": "receipt",
                   "batch": {"code": code, "expires_on": expires}}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let (_, dark) = hub
        .post(
            "/v1/stores",
            key,
            json!({"code": "BLR-D1", "name": "HSR dark store", "kind": "dark_store"}),
        )
        .await;
    let dark = dark["id"].as_str().unwrap().to_owned();
    let (s, sent) = hub
        .post(
            &format!("/v1/stores/{}/transfers", shop.store_id),
            key,
            json!({"to_store_id": dark, "variant_id": tea, "qty": "7"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sent}");
    assert_eq!(
        sent["batches"],
        json!([
            {"code": "LOT-A", "expires_on": "2099-12-01", "qty": "4"},
            {"code": "LOT-B", "expires_on": "2099-12-10", "qty": "3"}
        ]),
        "first expiry first"
    );
    assert_eq!(batches(&shop).await, owned(&[("LOT-B", "2099-12-10", "3")]));

    // Five of the seven arrive: they fill the first-expiring batch first.
    let id = sent["transfer_id"].as_str().unwrap();
    let (s, got) = hub
        .post(
            &format!("/v1/transfers/{id}/receive"),
            key,
            json!({"received_qty": "5"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["batches"][0]["received_qty"], "4");
    assert_eq!(got["batches"][1]["received_qty"], "1");
    let (_, at_dark) = hub.get(&format!("/v1/stores/{dark}/batches"), key).await;
    let at_dark: Vec<(Value, Value)> = at_dark
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["code"].clone(), b["on_hand"].clone()))
        .collect();
    assert_eq!(
        at_dark,
        [(json!("LOT-A"), json!("4")), (json!("LOT-B"), json!("1"))]
    );
    // Received again with the same count: nothing moves twice.
    let (s, again) = hub
        .post(
            &format!("/v1/transfers/{id}/receive"),
            key,
            json!({"received_qty": "5"}),
        )
        .await;
    assert_eq!((s, &again), (StatusCode::OK, &got));
    let (_, listed) = hub.get(&format!("/v1/stores/{dark}/transfers"), key).await;
    assert_eq!(listed["items"][0], got);
}
on_both_backends!(batches_travel_with_a_transfer);

/// A till's sales that name the batch scanned off the pack: taken from it as
/// far as it goes, the rest first to expire; an unknown batch or a date that
/// disagrees never refuses the sale, which the shelf has already made.
async fn a_scanned_batch_is_sold_from_and_never_refused(backend: Backend) {
    let shop = shop_with(backend, |config| cloud_hub::config::HubConfig {
        expiry_check_every: std::time::Duration::from_secs(3600),
        ..config
    })
    .await;
    let tea = shop.variants[0].0.clone();
    for (code, expires, qty) in [("LOT-A", "2026-12-01", "10"), ("LOT-B", "2026-11-28", "5")] {
        let (s, b) = movement(
            &shop,
            json!({"variant_id": tea, "delta": qty, "reason": "receipt",
                   "batch": {"code": code, "expires_on": expires}}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let scanned = |code: &'static str, expires: &'static str| {
        move |lines: &mut Vec<pos_shared::sale::SaleLine>| {
            lines[0].batch = Some(code.into());
            lines[0].expires_on = Some(expires.into());
        }
    };
    // 3 of LOT-A (not the first to expire): LOT-A gives them.
    let sale = shop.sale_with("T1-000001", &[(0, "3")], scanned("LOT-A", "2026-12-01"));
    let (s, ack) = shop.upload(&[sale]).await;
    assert_eq!(
        (s, Shop::statuses(&ack)),
        (StatusCode::OK, vec!["accepted".to_owned()]),
        "{ack}"
    );
    assert_eq!(
        batches(&shop).await,
        owned(&[("LOT-B", "2026-11-28", "5"), ("LOT-A", "2026-12-01", "7")])
    );
    // 9 of LOT-A, which holds 7: the other 2 come from LOT-B.
    let sale = shop.sale_with("T1-000002", &[(0, "9")], scanned("LOT-A", "2026-12-01"));
    let (s, ack) = shop.upload(&[sale]).await;
    assert_eq!(
        (s, Shop::statuses(&ack)),
        (StatusCode::OK, vec!["accepted".to_owned()]),
        "{ack}"
    );
    assert_eq!(batches(&shop).await, owned(&[("LOT-B", "2026-11-28", "3")]));
    // A batch the hub never received, with its own date: accepted, first to expire.
    let sale = shop.sale_with("T1-000003", &[(0, "1")], scanned("LOT-Z", "2027-01-31"));
    let (s, ack) = shop.upload(&[sale]).await;
    assert_eq!(
        (s, Shop::statuses(&ack)),
        (StatusCode::OK, vec!["accepted".to_owned()]),
        "{ack}"
    );
    assert_eq!(batches(&shop).await, owned(&[("LOT-B", "2026-11-28", "2")]));
    // A batch code no GS1 symbol carries is the fact's fault: refused by name.
    let sale = shop.sale_with("T1-000004", &[(0, "1")], |lines| {
        lines[0].batch = Some("X".repeat(21));
    });
    let (s, ack) = shop.upload(&[sale]).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), vec!["rejected".to_owned()], "{ack}");
    assert!(ack.to_string().contains("lines[0].batch"), "{ack}");
}

on_both_backends!(a_scanned_batch_is_sold_from_and_never_refused);
