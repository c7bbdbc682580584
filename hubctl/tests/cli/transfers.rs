//! `hubctl transfers` for HQ's stock desk: a store asked to send tea to
//! another, the request listed and cancelled, stock sent at once and taken
//! in at the destination one short; what cannot be done is said in words
//! with exit code 2 or 1.

use crate::helpers::{shop, Backend, TEA};
use crate::hubctl::hubctl;
use crate::on_both_backends;
use serde_json::json;

async fn a_stock_desk_requests_sends_and_receives(backend: Backend) {
    let shop = shop(backend).await;
    let base = shop.hub.base.clone();
    let key = Some(shop.api_key.as_str());
    let (s, b) = shop
        .hub
        .post(
            "/v1/stores",
            &shop.api_key,
            json!({"code": "BLR-2", "name": "HSR dark store"}),
        )
        .await;
    assert!(s.is_success(), "{b}");

    let asked = hubctl(
        &base,
        key,
        &[
            "--json",
            "transfers",
            "request",
            "blr-1",
            "blr-2",
            TEA,
            "6",
            "--note",
            "weekend",
        ],
    )
    .await;
    assert_eq!(asked.code, 0, "{}", asked.stderr);
    assert_eq!(asked.json()["state"], "open");
    assert_eq!(asked.json()["to_store_name"], "HSR dark store");
    let request = asked.json()["request_id"].as_str().unwrap().to_owned();

    let sent = hubctl(
        &base,
        key,
        &[
            "--json",
            "transfers",
            "send",
            "BLR-1",
            "BLR-2",
            "TEA-250",
            "5",
        ],
    )
    .await;
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    assert_eq!(sent.json()["state"], "in_transit");
    let transfer = sent.json()["transfer_id"].as_str().unwrap().to_owned();

    let listed = hubctl(&base, key, &["transfers", "list", "blr-2"]).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(listed.stdout.contains(&transfer), "{}", listed.stdout);
    assert!(listed.stdout.contains(&request), "{}", listed.stdout);
    assert!(listed.stdout.contains("in_transit"), "{}", listed.stdout);

    let cancelled = hubctl(&base, key, &["transfers", "cancel", &request]).await;
    assert_eq!(cancelled.code, 0, "{}", cancelled.stderr);
    assert!(
        cancelled.stdout.contains("state     cancelled"),
        "{}",
        cancelled.stdout
    );

    let received = hubctl(
        &base,
        key,
        &["transfers", "receive", &transfer, "--qty", "4"],
    )
    .await;
    assert_eq!(received.code, 0, "{}", received.stderr);
    assert!(
        received.stdout.contains("received  4 (short 1)"),
        "{}",
        received.stdout
    );

    for (args, code, words) in [
        (
            vec!["transfers", "send", "blr-1", "blr-1", TEA, "1"],
            1,
            "another store",
        ),
        (
            vec!["transfers", "request", "blr-1", "blr-2", TEA, "0"],
            1,
            "more than zero",
        ),
        (
            vec!["transfers", "send", "blr-1", "blr-2", TEA, "9999"],
            1,
            "available",
        ),
        (vec!["transfers", "list", "NOPE"], 2, "no store"),
        (
            vec!["transfers", "receive", &transfer, "--qty", "5"],
            1,
            "already received",
        ),
    ] {
        let out = hubctl(&base, key, &args).await;
        assert_eq!(out.code, code, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(words), "{args:?}: {}", out.stderr);
    }
}
on_both_backends!(a_stock_desk_requests_sends_and_receives);
