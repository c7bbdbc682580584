//! Stock alerts at a till that never had them open while the hub was up, as
//! real processes: HQ sets a reorder point and receives a batch that expires
//! in ten days; the till keeps the store's stock watch on its own as it
//! starts; the hub goes down; the till's alerts still list the item to
//! reorder against its live stock (a sale made offline counts at once) and
//! the batch, within a window wider than any asked for before.

use crate::harness::{eventually, Agent, Backend, Hub};
use crate::{demo_chain, on_both_backends, wait_synced, TEA};
use serde_json::json;

async fn a_till_shows_stock_alerts_offline_without_having_asked_before(backend: Backend) {
    let mut hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 1).await;
    hq.create_staff(&store, "Ravi", "101", "cashier", "4821")
        .await
        .unwrap();
    let tea = system_tests::variant_at(&hq, &store, TEA).await.unwrap();
    let in_ten_days = pos_shared::Timestamp::from_unix_millis(
        pos_shared::Timestamp::now().unix_millis() + 10 * 86_400_000,
    )
    .to_string();
    let (s, b) = hq
        .post_json(
            &format!("/v1/stores/{store}/movements"),
            &json!({"variant_id": tea, "delta": "4", "reason": "receipt",
                    "batch": {"code": "T-10", "expires_on": in_ten_days.get(..10)}}),
        )
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201, "{b}");
    // Tea is to be reordered one below what the store holds now.
    let held = crate::hub_positions(&hq, &store).await
        [pos_shared::Gtin::parse(TEA).unwrap().as_str()]
    .clone();
    let point = pos_shared::Qty::parse(&held)
        .unwrap()
        .checked_sub(pos_shared::Qty::units(1))
        .unwrap();
    let (s, b) = hq
        .put_json(
            &format!("/v1/stores/{store}/reorder-points/{tea}"),
            &json!({"reorder_point": point.to_string()}),
        )
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 200, "{b}");
    let till = Agent::start(&hub, &codes[0]).await;
    wait_synced(&till, &hq, &store).await;
    // Nobody opens the alerts: the till keeps the watch as it starts.
    wait_watch_kept(&till, &point.to_string()).await;

    hub.stop();
    let (s, b) = till
        .try_post("/v1/session", json!({"code": "101", "pin": "4821"}))
        .await;
    assert!(s.is_success(), "{b}");
    let (s, alerts) = till.get("/v1/stock-alerts?days=3").await;
    assert_eq!(s.as_u16(), 200, "{alerts}");
    assert_eq!(alerts["fresh"], false);
    assert_eq!(alerts["low_stock"], json!([]), "not low yet: {alerts}");
    assert_eq!(alerts["expiring"], json!([]), "nothing within 3 days");
    // Two teas sold offline: at its point now, and listed at once.
    let sale = till.sell(&[(TEA, "2")]).await;
    assert!(sale["receipt_no"].is_string(), "{sale}");
    let (_, alerts) = till.get("/v1/stock-alerts?days=14").await;
    assert_eq!(
        alerts["low_stock"][0]["variant_id"],
        tea.as_str(),
        "{alerts}"
    );
    assert_eq!(
        alerts["expiring"][0]["code"], "T-10",
        "a wider window offline: {alerts}"
    );
    assert_eq!(alerts["days"], 14);
}

/// Waits until the till's own file holds a stock watch with `point`.
async fn wait_watch_kept(till: &Agent, point: &str) {
    let path = till.data_dir.join("edge.db");
    eventually(
        "the till to keep the store's stock watch",
        60,
        || {
            let path = path.clone();
            async move {
                let conn = rusqlite::Connection::open(&path).unwrap();
                let kept: Option<String> = conn
                    .query_row(
                        "SELECT value FROM meta WHERE key = 'stock_watch'",
                        [],
                        |r| r.get(0),
                    )
                    .ok();
                kept.is_some_and(|k| k.contains(point))
            }
        },
        || till.log(),
    )
    .await;
}

on_both_backends!(a_till_shows_stock_alerts_offline_without_having_asked_before);
