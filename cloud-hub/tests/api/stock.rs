//! The stock ledger under replay: duplicated and shuffled movements count
//! once, and a movement id reused for something else is refused.

use crate::helpers::*;
use crate::on_both_backends;
use pos_shared::Qty;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;

async fn replayed_and_shuffled_movements_count_once(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, shop.api_key.as_str());
    let seed = std::env::var("STOCK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("stock replay seed {seed} (STOCK_SEED={seed} replays it)");
    let mut rng = fastrand::Rng::with_seed(seed);

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
