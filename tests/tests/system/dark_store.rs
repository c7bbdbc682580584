//! A dark store end to end: HQ places orders at the hub, the store's two
//! picking stations (real agents) receive them through the feed, pickers
//! pick them by scanner text (GS1 DataMatrix with batch and expiry, plain
//! EAN-13) with the hub down part of the time — a wrong item, a pack past
//! its expiry, a later batch while an earlier one is on the shelf, a weighed
//! item, a short line made up with a substitute — and two pickers claim one
//! order while apart. After reconnection the hub holds the orders packed by
//! the claim it heard of first, the movements with their batches, no stock
//! held, and positions equal at the hub and both stations.

use crate::harness::{eventually, Agent, Backend, Hub, ADMIN_TOKEN};
use crate::{gtin, on_both_backends, wait_drained, DAL, MILK, RICE, TEA};
use serde_json::{json, Value};
use system_tests::dark_store::{datamatrix, ORGANIC_DAL};
use system_tests::Hq;

async fn place(hq: &Hq, key: &str, lines: Value) -> String {
    system_tests::dark_store::place(hq, key, lines)
        .await
        .unwrap()
}

async fn queue(station: &Agent) -> Vec<Value> {
    station
        .get("/v1/picking/orders")
        .await
        .1
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn wait_queued(station: &Agent, order: &str) {
    eventually(
        "the order to reach the picking station",
        60,
        || async move { queue(station).await.iter().any(|o| o["order_id"] == order) },
        || station.log(),
    )
    .await;
}

/// Scans `code` onto `order` at `station`; (status, answer).
async fn scan(station: &Agent, order: &str, body: Value) -> (u16, Value) {
    let (s, v) = station
        .try_post(&format!("/v1/picking/orders/{order}/scans"), body)
        .await;
    (s.as_u16(), v)
}

fn line<'a>(sheet: &'a Value, name_starts: &str) -> &'a Value {
    sheet["sheet"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"].as_str().unwrap().starts_with(name_starts))
        .unwrap_or_else(|| panic!("no line {name_starts}: {sheet}"))
}

async fn sign_in(station: &Agent, code: &str, pin: &str) {
    let (s, b) = station
        .try_post("/v1/session", json!({"code": code, "pin": pin}))
        .await;
    assert!(s.is_success(), "sign-in {code}: {s} {b}");
}

async fn positions(hq: &Hq, store: &str) -> std::collections::BTreeMap<String, String> {
    crate::hub_positions(hq, store).await
}

async fn dark_store_orders_are_picked_offline_and_packed(backend: Backend) {
    let mut hub = Hub::start(backend).await;
    let hq = system_tests::create_tenant(&hub.base, ADMIN_TOKEN, "Quick Chain")
        .await
        .unwrap();
    let seeded = system_tests::dark_store::seed(&hq, 2).await.unwrap();
    let (store, codes) = (&seeded.store, &seeded.codes);
    let (tea, dal, rice) = (
        seeded.variant(TEA),
        seeded.variant(DAL),
        seeded.variant(RICE),
    );
    let first = place(
        &hq,
        "order-1",
        json!([{"variant_id": tea, "qty": "3"}, {"variant_id": dal, "qty": "2"}, {"variant_id": rice, "qty": "1.5"}]),
    )
    .await;
    let contested = place(&hq, "order-2", json!([{"variant_id": tea, "qty": "1"}])).await;
    let station_a = Agent::start(&hub, &codes[0]).await;
    let station_b = Agent::start(&hub, &codes[1]).await;
    for station in [&station_a, &station_b] {
        wait_queued(station, &first).await;
        wait_queued(station, &contested).await;
    }
    sign_in(&station_a, "201", "4821").await;
    sign_in(&station_b, "202", "1357").await;

    // The sheet walks the store: ambient, B-05.
    let (_, sheet) = station_a.get(&format!("/v1/picking/orders/{first}")).await;
    let walk: Vec<&str> = sheet["sheet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["bin"].as_str().unwrap())
        .collect();
    assert_eq!(walk, ["A-01", "A-02", "B-05"], "{sheet}");
    assert_eq!(
        line(&sheet, "Assam Tea")["take_batch"]["code"],
        "L1",
        "{sheet}"
    );

    // The hub goes away; picking goes on.
    hub.stop();
    // Two pickers claim the same order while apart.
    for station in [&station_a, &station_b] {
        let (s, b) = station
            .try_post(&format!("/v1/picking/orders/{contested}/claim"), json!({}))
            .await;
        assert!(s.is_success(), "{s} {b}");
    }
    let (s, _) = station_a
        .try_post(&format!("/v1/picking/orders/{first}/claim"), json!({}))
        .await;
    assert!(s.is_success());

    // Not claimed here: refused.
    let (s, b) = scan(&station_b, &first, json!({"code": TEA})).await;
    assert_eq!((s, b["type"].as_str()), (409, Some("not_claimed")), "{b}");
    // Milk is not in the order.
    let (s, b) = scan(&station_a, &first, json!({"code": MILK})).await;
    assert_eq!((s, b["type"].as_str()), (422, Some("wrong_item")), "{b}");
    assert!(b["detail"].as_str().unwrap().contains("Milk"), "{b}");
    // A tea pack past its use-by.
    let (s, b) = scan(
        &station_a,
        &first,
        json!({"code": datamatrix(TEA, "261101", "L0")}),
    )
    .await;
    assert_eq!((s, b["type"].as_str()), (422, Some("expired_batch")), "{b}");
    // The later lot while the earlier is on the shelf: a warning to confirm.
    let later = datamatrix(TEA, "270630", "L2");
    let (s, b) = scan(&station_a, &first, json!({"code": later})).await;
    assert_eq!(
        (s, b["type"].as_str()),
        (409, Some("earlier_batch_in_stock")),
        "{b}"
    );
    assert!(b["detail"].as_str().unwrap().contains("L1"), "{b}");
    // Both packs of the earlier lot, then the later one is fine.
    for _ in 0..2 {
        let (s, b) = scan(
            &station_a,
            &first,
            json!({"code": datamatrix(TEA, "270131", "L1")}),
        )
        .await;
        assert_eq!(s, 201, "{b}");
    }
    let (s, b) = scan(&station_a, &first, json!({"code": later})).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(line(&b["order"], "Assam Tea")["status"], "done", "{b}");
    let (s, b) = scan(&station_a, &first, json!({"code": TEA})).await;
    assert_eq!((s, b["type"].as_str()), (422, Some("line_complete")), "{b}");
    // One dal on the shelf of two: the line is closed short and the
    // organic dal offered instead is picked.
    let (s, b) = scan(&station_a, &first, json!({"code": DAL})).await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = scan(&station_a, &first, json!({"code": ORGANIC_DAL})).await;
    assert_eq!(
        (s, b["type"].as_str()),
        (422, Some("wrong_item")),
        "not before the line is short: {b}"
    );
    let dal_line = line(&b_sheet(&station_a, &first).await, "Toor Dal")["line"].clone();
    let (s, b) = station_a
        .send(
            reqwest::Method::PUT,
            &format!("/v1/picking/orders/{first}/lines/{dal_line}/short"),
            json!({"short": true}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    let (s, b) = scan(&station_a, &first, json!({"code": ORGANIC_DAL})).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["substitute"], true, "{b}");
    // Rice is weighed: the picker types the weight.
    let (s, b) = scan(&station_a, &first, json!({"code": RICE})).await;
    assert_eq!((s, b["type"].as_str()), (422, Some("weight_needed")), "{b}");
    let (s, b) = scan(&station_a, &first, json!({"code": RICE, "qty": "1.48"})).await;
    assert_eq!(s, 201, "{b}");
    let (s, packed) = station_a
        .try_post(&format!("/v1/picking/orders/{first}/pack"), json!({}))
        .await;
    assert!(s.is_success(), "{packed}");
    // 3 teas, a dal and the organic one at the dal's price, 1.48 kg of rice.
    let expected_total = 3 * 14_500 + 16_900 + 16_900 + 9_250;
    assert_eq!(
        packed["packed"]["packed_total"]["minor"], expected_total,
        "{packed}"
    );
    assert_eq!(
        packed["packed"]["short_lines"],
        json!([dal_line]),
        "1.48 of 1.5 kg is the weight asked: {packed}"
    );
    assert!(
        queue(&station_a)
            .await
            .iter()
            .all(|o| o["order_id"] != first.as_str()),
        "packed orders leave the queue"
    );

    // The hub returns: both stations upload, the documents meet.
    hub.restart().await;
    wait_drained(&station_a, &hub).await;
    wait_drained(&station_b, &hub).await;
    let order = hq.order(&first).await.unwrap();
    assert_eq!(order["state"], "packed", "{order}");
    assert_eq!(order["packed_total"]["minor"], expected_total, "{order}");
    assert_eq!(order["picker"]["name"], "Asha");
    // Milk and the organic dal before the line was short were wrong items.
    assert_eq!(
        order["pack_stats"],
        json!({"lines": 3, "short_lines": 1, "substituted_lines": 1, "picks": 6, "wrong_scans": 2}),
        "{order}"
    );
    let steps: Vec<&str> = order["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "pending",
            "confirmed",
            "assigned_to_store",
            "picking",
            "packed"
        ],
        "{order}"
    );

    // The contested order: the hub took one claim first; both stations
    // come to see both claims and the same winner.
    let winner = eventually_value(&hq, &contested).await;
    let (winning, losing, winner_name) = if winner == "Asha" {
        (&station_a, &station_b, "Asha")
    } else {
        (&station_b, &station_a, "Bela")
    };
    let contested_ref = contested.as_str();
    for station in [&station_a, &station_b] {
        eventually(
            "both claims and the winner at each station",
            60,
            || async move {
                let (_, s) = station
                    .get(&format!("/v1/picking/orders/{contested_ref}"))
                    .await;
                s["claims"].as_array().map_or(0, Vec::len) == 2
                    && s["winner"]["name"] == winner_name
                    && s["contested"] == true
            },
            || station.log(),
        )
        .await;
    }
    let (s, b) = scan(
        losing,
        &contested,
        json!({"code": datamatrix(TEA, "270630", "L2")}),
    )
    .await;
    assert_eq!(
        (s, b["type"].as_str()),
        (409, Some("claimed_elsewhere")),
        "{b}"
    );
    assert!(b["detail"].as_str().unwrap().contains(winner_name), "{b}");
    let (s, b) = scan(
        winning,
        &contested,
        json!({"code": datamatrix(TEA, "270630", "L2")}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = winning
        .try_post(&format!("/v1/picking/orders/{contested}/pack"), json!({}))
        .await;
    assert!(s.is_success(), "{b}");
    wait_drained(winning, &hub).await;
    assert_eq!(hq.order(&contested).await.unwrap()["state"], "packed");

    // The ledger: lots as scanned, nothing held, every position equal.
    let (_, batches) = hq
        .get_json(&format!("/v1/stores/{store}/batches"))
        .await
        .unwrap();
    let lot = |code: &str| {
        batches
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["code"] == code)
            .map(|b| b["on_hand"].as_str().unwrap().to_owned())
    };
    assert_eq!(lot("L1").unwrap_or_else(|| "0".into()), "0", "{batches}");
    assert_eq!(lot("L2").as_deref(), Some("6"), "{batches}");
    let inventory = hq.inventory(store).await.unwrap();
    for p in inventory["positions"].as_array().unwrap() {
        assert_eq!(p["reserved"], "0", "{p}");
    }
    let at_hub = positions(&hq, store).await;
    assert_eq!(at_hub[&gtin(TEA)], "6");
    assert_eq!(at_hub[&gtin(DAL)], "1");
    assert_eq!(at_hub[&gtin(ORGANIC_DAL)], "4");
    assert_eq!(at_hub[&gtin(RICE)], "18.52");
    for station in [&station_a, &station_b] {
        let want = at_hub.clone();
        eventually(
            "the station's stock to equal the hub's",
            60,
            || {
                let want = want.clone();
                async move {
                    let mut all = true;
                    for (barcode, on_hand) in &want {
                        all &=
                            station.available(barcode).await.as_deref() == Some(on_hand.as_str());
                    }
                    all
                }
            },
            || station.log(),
        )
        .await;
    }
}
on_both_backends!(dark_store_orders_are_picked_offline_and_packed);

async fn b_sheet(station: &Agent, order: &str) -> Value {
    station.get(&format!("/v1/picking/orders/{order}")).await.1
}

/// The name of the picker the hub settled on for `order`, once it has.
async fn eventually_value(hq: &Hq, order: &str) -> String {
    for _ in 0..300 {
        let o = hq.order(order).await.unwrap();
        if let Some(name) = o["picker"]["name"].as_str() {
            return name.to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the hub never settled a picker for {order}");
}
