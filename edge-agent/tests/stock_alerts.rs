//! Stock alerts at one till with the hub out of reach, through its HTTP API
//! and SQLite file: the hub's last stock watch (kept from an earlier
//! answer) lists what is at or below its reorder point against the till's
//! live stock, so a sale made offline shows at once, and the batches to pull
//! or sell first, with how many days each has left. Before the hub ever
//! answered the lists are empty and say so; bad input is refused by name.

mod common;

use common::*;
use pos_shared::staff::Role;
use pos_shared::stock_watch::{ExpiringBatch, ReorderPoint, StockWatch};
use pos_shared::sync::ChangeBody;
use pos_shared::{Qty, Timestamp};
use reqwest::StatusCode;
use serde_json::json;

const CLERK: (&str, &str) = ("101", "4821");

fn day_in(n: i64) -> String {
    let day = time::OffsetDateTime::now_utc().date() + time::Duration::days(n);
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

#[tokio::test]
async fn alerts_stand_on_the_last_watch_and_the_tills_live_stock() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let store = credential.store_id;
    let (tea, rice) = (
        variant_of(dir.path(), "Assam"),
        variant_of(dir.path(), "Rice"),
    );
    let clerk = member(store, CLERK.0, "Ravi", Role::Cashier, CLERK.1);
    apply_changes(dir.path(), store, 5, vec![ChangeBody::StaffUpserted(clerk)]);
    let tea_now = Qty::from_milli(on_hand(dir.path(), tea));
    let till = start_till(dir.path()).await;
    let (s, b) = till.get("/v1/stock-alerts").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    let (s, b) = post_json(
        &till,
        "/v1/session",
        json!({"code": CLERK.0, "pin": CLERK.1}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // Before the hub ever answered: nothing to stand on, said so.
    let (s, alerts) = till.get("/v1/stock-alerts").await;
    assert_eq!(s, StatusCode::OK, "{alerts}");
    assert!(alerts.get("as_of").is_none(), "{alerts}");
    assert_eq!(alerts["fresh"], false);
    assert_eq!(alerts["low_stock"], json!([]));

    // The hub's last answer: tea's point one below its stock, rice's far
    // above; a rice batch expired yesterday, one in 3 days, one in 20.
    let watch = StockWatch {
        as_of: Timestamp::now(),
        days: 30,
        reorder_points: vec![
            ReorderPoint {
                variant_id: tea,
                reorder_point: tea_now.checked_sub(Qty::units(1)).unwrap(),
            },
            ReorderPoint {
                variant_id: rice,
                reorder_point: Qty::units(100_000),
            },
        ],
        expiring: vec![
            ExpiringBatch {
                variant_id: rice,
                code: "R-1".into(),
                expires_on: day_in(-1),
                on_hand: Qty::units(2),
            },
            ExpiringBatch {
                variant_id: rice,
                code: "R-2".into(),
                expires_on: day_in(3),
                on_hand: Qty::units(5),
            },
            ExpiringBatch {
                variant_id: rice,
                code: "R-3".into(),
                expires_on: day_in(20),
                on_hand: Qty::units(9),
            },
        ],
    };
    let db = edge_agent::store::LocalStore::open(&dir.path().join("edge.db")).unwrap();
    db.with_conn(|c| edge_agent::store::stock_watch::keep(c, &watch))
        .unwrap();

    let (s, alerts) = till.get("/v1/stock-alerts?days=7").await;
    assert_eq!(s, StatusCode::OK, "{alerts}");
    assert_eq!(alerts["fresh"], false, "the hub is out of reach");
    assert!(alerts["as_of"].is_string());
    let low: Vec<&str> = alerts["low_stock"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(low.len(), 1, "{alerts}");
    assert!(
        low[0].starts_with("Sona") || low[0].contains("Rice"),
        "{alerts}"
    );
    let expiring: Vec<(&str, i64)> = alerts["expiring"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["code"].as_str().unwrap(),
                b["days_left"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        expiring,
        [("R-1", -1), ("R-2", 3)],
        "within 7 days, the expired first"
    );

    // Two teas sold offline: tea falls to its point and is listed at once.
    let (s, sale) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "2"}], "tenders": cash(100_000)}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sale}");
    let (_, alerts) = till.get("/v1/stock-alerts?days=30").await;
    let tea_line = alerts["low_stock"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["variant_id"] == tea.to_string())
        .cloned()
        .unwrap_or_else(|| panic!("tea is low now: {alerts}"));
    assert_eq!(
        tea_line["available"],
        tea_now.checked_sub(Qty::units(2)).unwrap().to_string()
    );
    assert_eq!(alerts["expiring"].as_array().unwrap().len(), 3);

    for bad in ["days=0", "days=91", "days=soon"] {
        let (s, b) = till.get(&format!("/v1/stock-alerts?{bad}")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {b}");
        assert_eq!(b["field"], "days", "{b}");
    }
}
