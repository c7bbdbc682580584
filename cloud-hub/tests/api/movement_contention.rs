//! HQ's single stock movements, one after another and many at once on one
//! item, on both backends. On PostgreSQL a single movement is settled in one
//! call when the item's standing holds from its read to its locks, and in a
//! transaction when another writer moved it between (`sql/movement_alone.rs`);
//! either way the outcome must be the one the transaction gives. So: the
//! position is the sum of the ledger; every orderability and low-stock event
//! says what the stock was just after the movement it follows in the outbox;
//! the item turns orderable and back, low and replenished, strictly in turn,
//! while HQ also takes it out of the store's assortment and puts it back;
//! and `/metrics` counts how each movement was settled. A hub of another
//! version that defined the PostgreSQL function its own way costs the
//! movements the transaction, never their outcome.

use crate::helpers::*;
use crate::observe::{sample, scrape, METRICS_TOKEN};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

/// (settled alone, settled in a transaction) as `/metrics` reads now.
async fn settled(shop: &Shop) -> (u64, u64) {
    let (status, _, text) = scrape(shop, Some(METRICS_TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let count = |path: &str| {
        sample(
            &text,
            "hub_stock_movements_settled_total",
            &[&format!("path=\"{path}\"")],
        )
        .unwrap_or(0.0) as u64
    };
    (count("alone"), count("transaction"))
}

async fn move_tea(shop: &Shop, tea: &str, delta: i64) {
    let (s, b) = shop
        .hub
        .post(
            &format!("/v1/stores/{}/movements", shop.store_id),
            &shop.api_key,
            json!({"variant_id": tea, "delta": delta.to_string(), "reason": "adjustment"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

fn milli(qty: &Value) -> i64 {
    let text = qty.as_str().expect("a quantity");
    (text.parse::<f64>().expect("a number") * 1000.0).round() as i64
}

async fn concurrent_single_movements_come_to_what_the_transaction_gives(backend: Backend) {
    let shop = Arc::new(
        shop_with(backend, |c| cloud_hub::config::HubConfig {
            metrics_token: Some(pos_shared::Secret::new(METRICS_TOKEN)),
            ..c
        })
        .await,
    );
    let tea = shop.variants[0].0.clone();
    let (s, b) = shop
        .hub
        .put(
            &format!("/v1/stores/{}/reorder-points/{tea}", shop.store_id),
            &shop.api_key,
            json!({"reorder_point": "2"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let before = settled(&shop).await;

    // One after another, nothing in the way: none waits for a transaction
    // on PostgreSQL. Down to nothing, so the item stops being orderable.
    move_tea(&shop, &tea, -(INITIAL_STOCK - 10)).await;
    for _ in 0..10 {
        move_tea(&shop, &tea, -1).await;
    }
    let after = settled(&shop).await;
    let alone = after.0 - before.0;
    let in_transaction = after.1 - before.1;
    match backend {
        Backend::Postgres => assert_eq!((alone, in_transaction), (11, 0)),
        Backend::Sqlite => assert_eq!((alone, in_transaction), (0, 11)),
    }

    // Eight writers at once on the one item, each taking one in and one out
    // in turn: stock goes between 0 and 8, over and over, and it crosses the
    // point and zero both ways many times.
    // HQ takes the item out of the store's assortment and puts it back
    // meanwhile: a standing that moves without the position moving.
    let assortment = {
        let shop = shop.clone();
        let tea = tea.clone();
        tokio::spawn(async move {
            for i in 0..12 {
                let (s, b) = shop
                    .hub
                    .put(
                        &format!("/v1/stores/{}/assortment/{tea}", shop.store_id),
                        &shop.api_key,
                        json!({"listed": i % 2 == 1}),
                    )
                    .await;
                assert_eq!(s, StatusCode::OK, "{b}");
                tokio::task::yield_now().await;
            }
        })
    };
    let writers: Vec<_> = (0..8)
        .map(|_| {
            let shop = shop.clone();
            let tea = tea.clone();
            tokio::spawn(async move {
                for i in 0..24 {
                    move_tea(&shop, &tea, if i % 2 == 0 { 1 } else { -1 }).await;
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("writer");
    }
    assortment.await.expect("assortment");
    let end = settled(&shop).await;
    assert_eq!((end.0 - after.0) + (end.1 - after.1), 8 * 24, "{end:?}");
    if matches!(backend, Backend::Postgres) {
        assert!(end.0 > after.0, "none settled alone: {end:?}");
    }
    assert_eq!(shop.on_hand(&shop.variants[0].1).await, "0");

    // The outbox, in order: each event about stock after a movement says
    // what the stock was just after it, and the item turns each way in turn.
    let (s, page) = shop
        .hub
        .get("/v1/events?type=inventory.&limit=1000", &shop.api_key)
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let events = page["events"].as_array().expect("events");
    assert!(events.len() < 1000, "more than a page");
    let mut stock = 0;
    let (mut adjusted, mut turns, mut alerts) = (0, Vec::new(), Vec::new());
    for e in events {
        let data = &e["data"];
        if data["variant_id"] != json!(tea) {
            continue;
        }
        match e["event_type"].as_str().expect("type") {
            "inventory.stock.adjusted" => {
                stock += milli(&data["delta"]);
                adjusted += 1;
            }
            "inventory.orderability.changed" => {
                assert_eq!(milli(&data["available"]), stock, "{e}");
                turns.push(data["orderable"].as_bool().expect("orderable"));
            }
            "inventory.stock.low" | "inventory.stock.replenished" => {
                assert_eq!(milli(&data["available"]), stock, "{e}");
                alerts.push(e["event_type"] == "inventory.stock.low");
            }
            _ => {}
        }
    }
    assert_eq!(stock, 0);
    assert_eq!(adjusted, 1 + 11 + 8 * 24);
    // Received (orderable), emptied (not), then in turn from there.
    assert!(turns.len() >= 4, "{turns:?}");
    for (i, orderable) in turns.iter().enumerate() {
        assert_eq!(*orderable, i % 2 == 0, "turn {i} of {turns:?}");
    }
    assert!(alerts.len() >= 3, "{alerts:?}");
    for (i, low) in alerts.iter().enumerate() {
        assert_eq!(*low, i % 2 == 0, "alert {i} of {alerts:?}");
    }
}

on_both_backends!(concurrent_single_movements_come_to_what_the_transaction_gives);

/// PostgreSQL: a hub of another version that defined `pos_move_stock` its
/// own way (here, checking a standing that never matches) costs the
/// movements the transaction, never their outcome; a hub connecting to the
/// database again defines it as its binary reads.
#[tokio::test]
async fn a_move_function_of_another_version_costs_the_transaction_not_the_outcome() {
    let shop = shop_with(Backend::Postgres, |c| cloud_hub::config::HubConfig {
        metrics_token: Some(pos_shared::Secret::new(METRICS_TOKEN)),
        ..c
    })
    .await;
    let (tea, barcode) = (shop.variants[0].0.clone(), shop.variants[0].1.clone());
    let pool = sqlx::PgPool::connect(&shop.hub.database_url)
        .await
        .expect("database");
    let (ours,): (String,) =
        sqlx::query_as("SELECT pg_get_functiondef(CAST('pos_move_stock' AS REGPROC))")
            .fetch_one(&pool)
            .await
            .expect("definition");
    let theirs = ours.replace(
        "SELECT md5(CAST(q AS TEXT)) INTO standing_now FROM (",
        "SELECT md5('another version') INTO standing_now FROM (",
    );
    assert_ne!(theirs, ours, "the check is where this test looks for it");
    sqlx::raw_sql(&theirs)
        .execute(&pool)
        .await
        .expect("redefine");

    let before = settled(&shop).await;
    move_tea(&shop, &tea, -5).await;
    move_tea(&shop, &tea, 2).await;
    let after = settled(&shop).await;
    assert_eq!((after.0 - before.0, after.1 - before.1), (0, 2));
    assert_eq!(
        shop.on_hand(&barcode).await,
        (INITIAL_STOCK - 3).to_string()
    );

    let again = cloud_hub::start(cloud_hub::config::HubConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        ..cloud_hub::config::HubConfig::new(shop.hub.database_url.clone())
    })
    .await
    .expect("another hub");
    move_tea(&shop, &tea, 1).await;
    let end = settled(&shop).await;
    assert_eq!((end.0 - after.0, end.1 - after.1), (1, 0));
    assert_eq!(
        shop.on_hand(&barcode).await,
        (INITIAL_STOCK - 2).to_string()
    );
    again.stop().await.expect("stop");
}
