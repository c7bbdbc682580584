//! The stock ledger under replay: duplicated and shuffled movements count
//! once, and a movement id reused for something else is refused.

use crate::helpers::*;
use crate::on_both_backends;
use pos_shared::Qty;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A random walk's seed, from `STOCK_SEED` to replay one, and its generator.
fn seeded(what: &str) -> (u64, fastrand::Rng) {
    let seed = std::env::var("STOCK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("{what}: seed {seed} (STOCK_SEED={seed} replays it)");
    (seed, fastrand::Rng::with_seed(seed))
}

async fn replayed_and_shuffled_movements_count_once(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let (seed, mut rng) = seeded("stock replay");

    // 300 distinct movements, then 1,000 deliveries: each at least once, the
    // rest repeats, in random order.
    let distinct: Vec<Value> = (0..300)
        .map(|_| {
            let delta = match rng.i64(-5..=20) {
                0 => 1,
                d => d,
            };
            // Tea counts in pieces, rice (kg) to the gram.
            let (variant, _, _) = &shop.variants[rng.usize(..shop.variants.len())];
            let delta = match variant == &shop.variants[1].0 {
                true => format!("{delta}.{:03}", rng.u32(..1000)),
                false => delta.to_string(),
            };
            json!({
                "movement_id": uuid::Uuid::now_v7(),
                "variant_id": variant,
                "delta": delta,
                "reason": if delta.starts_with('-') { "adjustment" } else { "receipt" },
            })
        })
        .collect();
    let mut deliveries: Vec<&Value> = distinct.iter().collect();
    while deliveries.len() < 1_000 {
        deliveries.push(&distinct[rng.usize(..distinct.len())]);
    }
    rng.shuffle(&mut deliveries);

    let path = format!("/v1/stores/{}/movements", shop.store_id);
    let (mut recorded, mut duplicates) = (0, 0);
    for body in &deliveries {
        let (s, b) = hub.post(&path, key, (*body).clone()).await;
        match s {
            StatusCode::CREATED => recorded += 1,
            StatusCode::OK if b["duplicate"] == true => duplicates += 1,
            _ => panic!("{body}: {s} {b}"),
        }
    }
    assert_eq!((recorded, duplicates), (300, 700));

    let mut expected: BTreeMap<String, Qty> = shop
        .variants
        .iter()
        .map(|(id, _, _)| (id.clone(), Qty::units(INITIAL_STOCK)))
        .collect();
    for m in &distinct {
        let qty = expected.get_mut(m["variant_id"].as_str().unwrap()).unwrap();
        *qty = qty
            .checked_add(Qty::parse(m["delta"].as_str().unwrap()).unwrap())
            .unwrap();
    }
    let (_, inventory) = hub
        .get(&format!("/v1/stores/{}/inventory", shop.store_id), key)
        .await;
    let on_hand: BTreeMap<String, Qty> = inventory["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["variant_id"].as_str().unwrap().to_owned(),
                Qty::parse(p["on_hand"].as_str().unwrap()).unwrap(),
            )
        })
        .collect();
    assert_eq!(on_hand, expected, "seed {seed}");
    let (_, ledger) = hub.get(&format!("{path}?limit=1000"), key).await;
    let ledger = ledger["items"].as_array().unwrap().clone();
    assert_eq!(
        ledger.len(),
        300 + shop.variants.len(),
        "each movement once, besides the opening stock"
    );
    // Paged 7 at a time, the ledger reads the same, each movement once.
    let (mut paged, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let query = match &cursor {
            Some(c) => format!("{path}?limit=7&cursor={c}"),
            None => format!("{path}?limit=7"),
        };
        let (s, page) = hub.get(&query, key).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        paged.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, ledger);
    let stranger = uuid::Uuid::now_v7();
    for (query, field) in [
        (format!("{path}?cursor=nope"), "cursor"),
        (format!("{path}?cursor={stranger}"), "cursor"),
        (format!("{path}?limit=0"), "limit"),
        (format!("{path}?limit=1001"), "limit"),
    ] {
        let (s, b) = hub.get(&query, key).await;
        assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(b["field"], field, "{query}: {b}");
    }

    // The same id for a different movement is a caller's bug, not a replay.
    let mut reused = distinct[0].clone();
    reused["delta"] = json!("99");
    reused["reason"] = json!("receipt");
    let (s, b) = hub.post(&path, key, reused).await;
    assert_problem(s, &b, StatusCode::CONFLICT, "conflict");
    assert_eq!(b["field"], "movement_id");
    let other = hub.tenant("Other").await;
    let (_, store) = hub
        .post("/v1/stores", &other, json!({"code": "X", "name": "X"}))
        .await;
    let (s, _) = hub
        .post(
            &format!("/v1/stores/{}/movements", store["id"].as_str().unwrap()),
            &other,
            distinct[0].clone(),
        )
        .await;
    assert!(
        s.is_client_error(),
        "another tenant's ids mean nothing there: {s}"
    );
    let (_, after) = hub
        .get(&format!("/v1/stores/{}/inventory", shop.store_id), key)
        .await;
    assert_eq!(after, inventory, "nothing changed");
}
on_both_backends!(replayed_and_shuffled_movements_count_once);

/// What a store's stock events said, store and movement ids left out so two
/// stores' events can be compared: (type, data), in the order raised.
async fn store_events(shop: &Shop, store: &str, after: u64) -> Vec<(String, Value)> {
    let (mut seen, mut after) = (Vec::new(), after);
    loop {
        let (s, page) = shop
            .hub
            .get(
                &format!("/v1/events?type=inventory.&limit=1000&after={after}"),
                &shop.api_key,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let events = page["events"].as_array().unwrap();
        if events.is_empty() {
            return seen;
        }
        for e in events {
            after = e["seq"].as_u64().unwrap();
            if e["data"]["store_id"] != store {
                continue;
            }
            let mut data = e["data"].clone();
            for key in ["store_id", "movement_id", "occurred_at"] {
                data.as_object_mut().unwrap().remove(key);
            }
            seen.push((e["event_type"].as_str().unwrap().to_owned(), data));
        }
    }
}

async fn event_head(shop: &Shop) -> u64 {
    let (_, page) = shop.hub.get("/v1/events?limit=1000", &shop.api_key).await;
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["seq"].as_u64())
        .max()
        .unwrap_or(0)
}

/// A bulk request applies its movements together, and comes to what sending
/// them one at a time would: the same positions and the same events in the
/// same order, orderability flips and low-stock alerts among them, where one
/// item moves many times in the request, crosses its reorder point and runs
/// out. Two stores of one tenant, one taking the movements in one request,
/// the other one by one.
async fn a_bulk_request_comes_to_what_one_at_a_time_would(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let (seed, mut rng) = seeded("bulk against one by one");
    let (_, second) = hub
        .post(
            "/v1/stores",
            key,
            json!({"code": "BLR-2", "name": "Koramangala"}),
        )
        .await;
    let stores = [
        shop.store_id.clone(),
        second["id"].as_str().unwrap().to_owned(),
    ];
    for (variant, _, _) in &shop.variants {
        let (s, b) = hub
            .post(
                &format!("/v1/stores/{}/movements", stores[1]),
                key,
                json!({"variant_id": variant, "delta": INITIAL_STOCK, "reason": "receipt"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        for store in &stores {
            let (s, b) = hub
                .put(
                    &format!("/v1/stores/{store}/reorder-points/{variant}"),
                    key,
                    json!({"reorder_point": "45"}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{b}");
        }
    }
    // Replays of movements each store has already recorded, to mix in.
    let mut earlier: [Vec<Value>; 2] = [Vec::new(), Vec::new()];
    for (i, store) in stores.iter().enumerate() {
        for _ in 0..3 {
            let m = json!({"movement_id": uuid::Uuid::now_v7(), "variant_id": shop.variants[0].0,
                "delta": "1", "reason": "receipt"});
            let (s, b) = hub
                .post(&format!("/v1/stores/{store}/movements"), key, m.clone())
                .await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
            earlier[i].push(m);
        }
    }
    let after = event_head(&shop).await;

    // A walk that runs both items down through their reorder point and
    // out of stock, and back.
    let steps: Vec<(usize, i64)> = (0..80)
        .map(|i| {
            let variant = rng.usize(..shop.variants.len());
            let delta = match i < 40 {
                true => -rng.i64(1..=6),
                false => rng.i64(1..=6),
            };
            (variant, delta)
        })
        .collect();
    let movements = |store: usize| -> Vec<Value> {
        let mut list: Vec<Value> = steps
            .iter()
            .map(|(variant, delta)| {
                json!({"movement_id": uuid::Uuid::now_v7(), "variant_id": shop.variants[*variant].0,
                    "delta": delta.to_string(), "reason": "adjustment"})
            })
            .collect();
        for (at, replay) in [(5, 0), (41, 1), (79, 2)] {
            list.insert(at, earlier[store][replay].clone());
        }
        list
    };
    let (s, bulk) = hub
        .post(
            &format!("/v1/stores/{}/movements/bulk", stores[0]),
            key,
            json!({"movements": movements(0)}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{bulk}");
    assert_eq!(
        (&bulk["recorded"], &bulk["duplicates"]),
        (&json!(80), &json!(3))
    );
    let mut answers = Vec::new();
    for m in movements(1) {
        let (s, b) = hub
            .post(&format!("/v1/stores/{}/movements", stores[1]), key, m)
            .await;
        assert!(s.is_success(), "{s} {b}");
        answers.push(b["duplicate"].clone());
    }
    let bulk_answers: Vec<Value> = bulk["movements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["duplicate"].clone())
        .collect();
    assert_eq!(bulk_answers, answers, "seed {seed}");

    let position = |inventory: &Value| -> BTreeMap<String, String> {
        inventory["positions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["variant_id"].as_str().unwrap().to_owned(),
                    p["on_hand"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let (_, one) = hub
        .get(&format!("/v1/stores/{}/inventory", stores[0]), key)
        .await;
    let (_, other) = hub
        .get(&format!("/v1/stores/{}/inventory", stores[1]), key)
        .await;
    assert_eq!(position(&one), position(&other), "seed {seed}");

    let (bulk_events, single_events) = (
        store_events(&shop, &stores[0], after).await,
        store_events(&shop, &stores[1], after).await,
    );
    let kinds =
        |events: &[(String, Value)], kind: &str| events.iter().filter(|(t, _)| t == kind).count();
    assert_eq!(
        kinds(&bulk_events, "inventory.stock.adjusted"),
        80,
        "{bulk_events:?}"
    );
    assert!(
        kinds(&bulk_events, "inventory.stock.low") >= 1
            && kinds(&bulk_events, "inventory.orderability.changed") >= 1,
        "the walk crosses the reorder point and runs out: {bulk_events:?}"
    );
    assert_eq!(bulk_events, single_events, "seed {seed}");
}
on_both_backends!(a_bulk_request_comes_to_what_one_at_a_time_would);
