//! Dead stock through HQ's API on both backends: what a store holds and has
//! not sold (at a till) for a number of days, by SKU and a page at a time,
//! with the last sale and the stock's value at the base price; bad queries
//! refused by name.

use crate::helpers::{assert_problem, shop, Backend, Shop};
use crate::on_both_backends;
use pos_shared::Timestamp;
use reqwest::StatusCode;
use serde_json::{json, Value};

const DAY_MS: i64 = 86_400_000;

/// A sale of `lines` that happened `days_ago` days ago at the shop's till.
fn sale_days_ago(
    shop: &Shop,
    receipt: &str,
    lines: &[(usize, &str)],
    days_ago: i64,
) -> (Value, Value) {
    let at = Timestamp::from_unix_millis(Timestamp::now().unix_millis() - days_ago * DAY_MS);
    let at = serde_json::to_value(at).unwrap();
    let mut sale = shop.sale(receipt, lines);
    sale["occurred_at"] = at.clone();
    sale["data"]["occurred_at"] = at.clone();
    (sale, at)
}

async fn dead(shop: &Shop, query: &str) -> (StatusCode, Value) {
    shop.hub
        .get(
            &format!("/v1/stores/{}/dead-stock{query}", shop.store_id),
            &shop.api_key,
        )
        .await
}

/// (sku, on_hand, last_sold_at, value in paise) of a page.
fn lines(page: &Value) -> Vec<(String, String, Value, i64)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["sku"].as_str().unwrap().to_owned(),
                i["on_hand"].as_str().unwrap().to_owned(),
                i["last_sold_at"].clone(),
                i["value_at_base_price"]["minor"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn stock_unsold_for_days_is_dead(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let (tea, rice) = (shop.variants[0].0.clone(), shop.variants[1].0.clone());
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{}/movements", shop.store_id),
            key,
            json!({"variant_id": rice, "delta": "-2.667", "reason": "adjustment"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    // Tea last sold 100 days ago, rice 10 days ago.
    let (old, tea_sold) = sale_days_ago(&shop, "T1-000001", &[(0, "1")], 100);
    let (recent, rice_sold) = sale_days_ago(&shop, "T1-000002", &[(1, "1")], 10);
    let (s, ack) = shop.upload(&[old, recent]).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["accepted", "accepted"], "{ack}");

    // 49 teas at 145.00 and 46.333 kg of rice at 62.50 (2,895.8125: 2,895.81).
    let (s, page) = dead(&shop, "").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(
        lines(&page),
        [("TEA-250".into(), "49".into(), tea_sold.clone(), 710_500)],
        "90 days by default: only tea is dead"
    );
    assert!(page.get("next_cursor").is_none(), "{page}");
    let (_, page) = dead(&shop, "?days=5").await;
    assert_eq!(
        lines(&page),
        [
            (
                "RICE-KG".into(),
                "46.333".into(),
                rice_sold.clone(),
                289_581
            ),
            ("TEA-250".into(), "49".into(), tea_sold.clone(), 710_500),
        ]
    );
    let (_, page) = dead(&shop, "?days=365").await;
    assert_eq!(lines(&page), [], "both sold within a year");

    // A page at a time, by SKU.
    let (_, first) = dead(&shop, "?days=5&limit=1").await;
    assert_eq!(lines(&first)[0].0, "RICE-KG");
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let (s, second) = dead(&shop, &format!("?days=5&limit=1&cursor={cursor}")).await;
    assert_eq!(s, StatusCode::OK, "{second}");
    assert_eq!(lines(&second)[0].0, "TEA-250");
    assert!(second.get("next_cursor").is_none(), "{second}");

    // Stock that is gone is not dead stock, however long unsold.
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{}/movements", shop.store_id),
            key,
            json!({"variant_id": tea, "delta": "-49", "reason": "damage"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (_, page) = dead(&shop, "?days=5").await;
    assert_eq!(
        lines(&page).into_iter().map(|l| l.0).collect::<Vec<_>>(),
        ["RICE-KG"]
    );

    for (query, field) in [
        ("?days=0", "days"),
        ("?days=ninety", "days"),
        ("?days=3651", "days"),
        ("?limit=0", "limit"),
        ("?cursor=nope", "cursor"),
        (
            &format!("?cursor={}", uuid::Uuid::now_v7()) as &str,
            "cursor",
        ),
    ] {
        let (s, b) = dead(&shop, query).await;
        assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(b["field"], field, "{query}: {b}");
    }
    // A parameter it does not take is refused, as everywhere in the API.
    let (s, _) = dead(&shop, "?color=red").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, b) = hub
        .get(
            &format!("/v1/stores/{}/dead-stock", uuid::Uuid::now_v7()),
            key,
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let other = hub.tenant("Other").await;
    let (s, _) = hub
        .get(&format!("/v1/stores/{}/dead-stock", shop.store_id), &other)
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another tenant's store is not there"
    );
}
on_both_backends!(stock_unsold_for_days_is_dead);
