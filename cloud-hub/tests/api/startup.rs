//! `cloud_hub::start` runs the hub as production does: its background tasks
//! work without anyone calling them (every API test's hub runs them all; the
//! reservation tests rely on the expiry sweep), and `stop` ends serving.

use crate::helpers::{database_url, shop_on, spawn_hub_with, Backend};
use crate::on_both_backends;
use cloud_hub::config::HubConfig;
use serde_json::json;
use std::time::{Duration, Instant};

async fn the_hub_announces_a_batch_about_to_expire_by_itself(backend: Backend) {
    let hub = spawn_hub_with(backend, |config| HubConfig {
        expiry_check_every: Duration::from_millis(100),
        ..config
    })
    .await;
    let shop = shop_on(std::sync::Arc::new(hub), "Chain").await;
    let tomorrow = time::OffsetDateTime::now_utc().date() + time::Duration::days(1);
    let (s, b) = shop
        .hub
        .post(
            &format!("/v1/stores/{}/movements", shop.store_id),
            &shop.api_key,
            json!({"variant_id": shop.variants[0].0, "delta": "6", "reason": "receipt",
                   "batch": {"code": "LOT-SOON", "expires_on": tomorrow.to_string()}}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    // Nobody calls the hub's expiry check: its background task finds the batch.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, page) = shop
            .hub
            .get("/v1/events?type=inventory.batch.expiring", &shop.api_key)
            .await;
        if let Some(event) = page["events"].as_array().and_then(|e| e.first()) {
            assert_eq!(event["data"]["code"], "LOT-SOON", "{page}");
            assert_eq!(event["source"], "hub", "{page}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no inventory.batch.expiring event: {page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
on_both_backends!(the_hub_announces_a_batch_about_to_expire_by_itself);

#[tokio::test]
async fn a_stopped_hub_no_longer_answers() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(Backend::Sqlite, dir.path()).await;
    let hub = cloud_hub::start(HubConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..HubConfig::new(url)
    })
    .await
    .unwrap();
    let health = format!("{}/health", hub.base_url());
    let http = reqwest::Client::new();
    assert!(http
        .get(&health)
        .send()
        .await
        .unwrap()
        .status()
        .is_success());
    hub.stop().await.unwrap();
    assert!(http.get(&health).send().await.is_err());
}

/// Hub processes started at the same moment on a new PostgreSQL database (a
/// service manager bringing several up) all start: they take turns at the
/// migrations, and each finds the schema whole.
#[tokio::test]
async fn hubs_started_together_on_a_new_database_all_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(Backend::Postgres, dir.path()).await;
    let start = || {
        cloud_hub::start(HubConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..HubConfig::new(url.clone())
        })
    };
    let (a, b, c) = tokio::join!(start(), start(), start());
    for hub in [a, b, c] {
        let hub = hub.expect("every hub starts");
        let health = format!("{}/health", hub.base_url());
        assert!(reqwest::get(&health).await.unwrap().status().is_success());
        hub.stop().await.unwrap();
    }
}
