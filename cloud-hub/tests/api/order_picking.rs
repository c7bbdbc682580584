//! A dark store's side of an order through the device API on both backends:
//! the order reaches the store's feed with its pick list (prices, bin and
//! zone, batches first-to-expire first, substitutes at no more than the
//! line's price), older terminals do not see it, the first claim the hub
//! hears of wins, and the packed order becomes movements with batches,
//! settles the held stock and sets the total to what was picked. Packs that
//! do not fit the order are refused naming the field.

use crate::helpers::{shop, Backend, Shop};
use crate::on_both_backends;
use crate::orders::{dark_store, order, HOME};
use pos_shared::orders::{OrderClaim, PackedLine, PackedOrder, Pick, Picker};
use pos_shared::sync::{Batch, Fact};
use pos_shared::{Envelope, Money, MovementId, Qty, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A terminal enrolled at `store`: (terminal id, device token).
pub(crate) async fn terminal_at(
    shop: &Shop,
    store: &str,
    name: &str,
    code: &str,
) -> (String, String) {
    let hq = shop.hub.as_(&shop.api_key);
    let terminal = hq.create_terminal(store, name, code).await.unwrap();
    let credential = shop
        .hub
        .hq
        .enroll(&terminal.enrollment_code, "test")
        .await
        .unwrap();
    (credential.terminal_id.to_string(), credential.token)
}

pub(crate) fn envelope(shop: &Shop, id: uuid::Uuid, fact: Fact) -> Value {
    let event_type = fact.event_type();
    serde_json::to_value(Envelope::new(
        id,
        event_type,
        crate::helpers::source_of(&fact),
        shop.tenant_id.parse().unwrap(),
        Timestamp::now(),
        fact,
    ))
    .unwrap()
}

pub(crate) async fn upload(shop: &Shop, token: &str, facts: &[Value]) -> Value {
    let (s, ack) = shop
        .hub
        .post(
            "/v1/sync/outbox",
            token,
            json!({"protocol_version": pos_shared::sync::PROTOCOL_VERSION, "facts": facts}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    ack["results"][0].clone()
}

/// The last state of `order` in the feed as a terminal speaking `v` reads it.
async fn order_in_feed(shop: &Shop, token: &str, order: &str, v: u16) -> Option<Value> {
    let (s, page) = shop
        .hub
        .get(&format!("/v1/sync/feed?since=0&limit=5000&v={v}"), token)
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|c| c["type"] == "order_changed" && c["order_id"] == order)
        .cloned()
}

pub(crate) fn picker(terminal: &str, name: &str) -> Picker {
    Picker {
        terminal_id: terminal.parse().unwrap(),
        staff_id: pos_shared::StaffId::new(),
        name: name.into(),
    }
}

pub(crate) fn claim(store: &str, order: &str, picker: &Picker) -> (uuid::Uuid, Fact) {
    let id = uuid::Uuid::now_v7();
    let fact = Fact::OrderClaimed(OrderClaim {
        claim_id: id,
        order_id: order.parse().unwrap(),
        store_id: store.parse().unwrap(),
        picker: picker.clone(),
        claimed_at: Timestamp::now(),
    });
    (id, fact)
}

pub(crate) fn pick(variant: &str, qty: &str, batch: Option<(&str, &str)>) -> Pick {
    Pick {
        movement_id: MovementId::new(),
        variant_id: variant.parse().unwrap(),
        qty: Qty::parse(qty).unwrap(),
        batch: batch.map(|(code, expires_on)| Batch {
            code: code.into(),
            expires_on: expires_on.into(),
        }),
        picked_at: Timestamp::now(),
    }
}

pub(crate) fn pack(
    store: &str,
    order: &str,
    picker: &Picker,
    lines: Vec<(u32, Vec<Pick>, i64)>,
) -> PackedOrder {
    let total: i64 = lines.iter().map(|l| l.2).sum();
    PackedOrder {
        pack_id: uuid::Uuid::now_v7(),
        order_id: order.parse().unwrap(),
        store_id: store.parse().unwrap(),
        picker: picker.clone(),
        started_at: Timestamp::now(),
        packed_at: Timestamp::now(),
        lines: lines
            .into_iter()
            .map(|(line, picks, amount)| PackedLine {
                line,
                picks,
                amount: Money::inr(amount),
            })
            .collect(),
        packed_total: Money::inr(total),
        wrong_scans: 0,
    }
}

pub(crate) fn packed_fact(shop: &Shop, packed: PackedOrder) -> Value {
    envelope(shop, packed.pack_id, Fact::OrderPacked(packed))
}

/// Receives `(lot, expires_on, qty)` of `variant` at `store`.
async fn receive_lots(shop: &Shop, store: &str, variant: &str, lots: &[(&str, &str, i64)]) {
    for (code, expires, qty) in lots {
        let (s, b) = shop
            .hub
            .post(
                &format!("/v1/stores/{store}/movements"),
                &shop.api_key,
                json!({"variant_id": variant, "delta": qty, "reason": "receipt",
                       "batch": {"code": code, "expires_on": expires}}),
            )
            .await;
        assert!(s.is_success(), "{b}");
    }
}

async fn item(shop: &Shop, store: &str, variant: &str) -> Value {
    let (_, view) = shop
        .hub
        .get(&format!("/v1/stores/{store}/catalog-view"), &shop.api_key)
        .await;
    view["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["variant_id"] == variant)
        .cloned()
        .unwrap()
}

pub(crate) async fn step(shop: &Shop, order: &str, to: &str) {
    let (s, b) = shop
        .hub
        .post(
            &format!("/v1/orders/{order}/transitions"),
            &shop.api_key,
            json!({"to": to}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

async fn a_store_picks_and_packs_what_it_was_sent(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let (tea, rice) = (shop.variants[0].0.clone(), shop.variants[1].0.clone());
    let store = dark_store(&shop, "DS-1", (12.9784, 77.6325), 3000, 10, 0).await;
    // Tea in two batches, slotted in an ambient bin; a cheaper tea of the
    // same category to offer instead.
    receive_lots(
        &shop,
        &store,
        &tea,
        &[("L2", "2027-03-01", 5), ("L1", "2027-01-10", 5)],
    )
    .await;
    let (s, b) = hub
        .put(
            &format!("/v1/stores/{store}/bins/A-01"),
            key,
            json!({"zone": "ambient"}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    let (s, b) = hub
        .put(
            &format!("/v1/stores/{store}/slots/{tea}"),
            key,
            json!({"bin": "A-01"}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    let green = crate::orders::green_tea_beside_tea(&shop, &store, 20).await;
    let (a_id, a_token) = terminal_at(&shop, &store, "Picker A", "pa").await;
    let (b_id, b_token) = terminal_at(&shop, &store, "Picker B", "pb").await;

    let (s, placed) = hub
        .post(
            "/v1/orders",
            key,
            order(
                "p-1",
                HOME,
                json!([{"variant_id": tea, "qty": "3"}, {"variant_id": rice, "qty": "1.5"}]),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{placed}");
    // 3 × ₹145 + 1.5 kg × ₹62.50
    assert_eq!(placed["total"]["minor"], 43_500 + 9_375, "{placed}");
    assert_eq!(placed["lines"][0]["unit_price"]["minor"], 14_500);
    let id = placed["id"].as_str().unwrap().to_owned();
    // Nothing reaches the store before it is assigned.
    assert!(order_in_feed(
        &shop,
        &a_token,
        &id,
        pos_shared::sync::OLDEST_SUPPORTED_PROTOCOL
    )
    .await
    .is_none());
    step(&shop, &id, "confirmed").await;
    step(&shop, &id, "assigned_to_store").await;

    let sent = order_in_feed(
        &shop,
        &a_token,
        &id,
        pos_shared::sync::OLDEST_SUPPORTED_PROTOCOL,
    )
    .await
    .expect("order in feed");
    assert_eq!(sent["state"], "assigned_to_store");
    let line = &sent["lines"][0];
    assert_eq!(
        (line["bin"].as_str(), line["zone"].as_str()),
        (Some("A-01"), Some("ambient"))
    );
    let batches: Vec<&str> = line["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["code"].as_str().unwrap())
        .collect();
    assert_eq!(batches, ["L1", "L2"], "first to expire first: {line}");
    let offer = &line["substitutes"][0];
    assert_eq!(offer["variant_id"], green.as_str(), "{line}");
    assert_eq!(offer["unit_price"]["minor"], 9_900);
    assert_eq!(sent["lines"][1]["qty"], "1.5");
    // A terminal one protocol behind (orders came in 6, the streamed
    // snapshot in 7) has it too.
    assert!(order_in_feed(
        &shop,
        &a_token,
        &id,
        pos_shared::sync::OLDEST_SUPPORTED_PROTOCOL
    )
    .await
    .is_some());

    // B's claim reaches the hub first and wins; A's is kept but loses.
    let (pb, pa) = (picker(&b_id, "Bela"), picker(&a_id, "Arun"));
    let (cid, fact) = claim(&store, &id, &pb);
    assert_eq!(
        upload(&shop, &b_token, &[envelope(&shop, cid, fact)]).await["status"],
        "accepted"
    );
    let (cid, fact) = claim(&store, &id, &pa);
    assert_eq!(
        upload(&shop, &a_token, &[envelope(&shop, cid, fact)]).await["status"],
        "accepted"
    );
    let (_, now) = hub.get(&format!("/v1/orders/{id}"), key).await;
    assert_eq!(now["state"], "picking");
    assert_eq!(now["picker"]["name"], "Bela");
    let sent = order_in_feed(
        &shop,
        &a_token,
        &id,
        pos_shared::sync::OLDEST_SUPPORTED_PROTOCOL,
    )
    .await
    .unwrap();
    assert_eq!(sent["picker"]["name"], "Bela", "every device hears who won");
    let (_, lost) = hub
        .get("/v1/events?type=store.dark_store.claim_lost", key)
        .await;
    assert_eq!(lost["events"].as_array().unwrap().len(), 1, "{lost}");

    // Packs that do not fit the order are refused by field.
    let bad = [
        // Says more than its picks come to.
        pack(
            &store,
            &id,
            &pb,
            vec![(0, vec![pick(&tea, "3", None)], 50_000)],
        ),
        // Four of three.
        pack(
            &store,
            &id,
            &pb,
            vec![(0, vec![pick(&tea, "4", None)], 58_000)],
        ),
        // Something never offered.
        pack(
            &store,
            &id,
            &pb,
            vec![(1, vec![pick(&tea, "1", None)], 14_500)],
        ),
        // A line the order does not have.
        pack(
            &store,
            &id,
            &pb,
            vec![(7, vec![pick(&tea, "1", None)], 14_500)],
        ),
    ];
    for packed in bad {
        let outcome = upload(&shop, &b_token, &[packed_fact(&shop, packed)]).await;
        assert_eq!(outcome["status"], "rejected", "{outcome}");
    }

    // Two teas of the first batch, the third short and made up with green
    // tea at its lower price; 1.42 kg of rice.
    let good = pack(
        &store,
        &id,
        &pb,
        vec![
            (
                0,
                vec![
                    pick(&tea, "2", Some(("L1", "2027-01-10"))),
                    pick(&green, "1", None),
                ],
                2 * 14_500 + 9_900,
            ),
            (1, vec![pick(&rice, "1.42", None)], 8_875),
        ],
    );
    let fact = packed_fact(&shop, good);
    assert_eq!(
        upload(&shop, &b_token, std::slice::from_ref(&fact)).await["status"],
        "accepted"
    );
    assert_eq!(
        upload(&shop, &b_token, &[fact]).await["status"],
        "duplicate"
    );
    let (_, packed) = hub.get(&format!("/v1/orders/{id}"), key).await;
    assert_eq!(packed["state"], "packed");
    assert_eq!(packed["packed_total"]["minor"], 38_900 + 8_875);
    let last = packed["transitions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        last["reason"], "short on lines 0",
        "1.42 of 1.5 kg is the weight asked: {last}"
    );
    assert!(last["actor"].as_str().unwrap().contains("Bela"), "{last}");
    let (_, perf) = hub
        .get(&format!("/v1/stores/{store}/order-performance"), key)
        .await;
    assert_eq!(perf["packed"], 1, "{perf}");
    assert_eq!(
        perf["pick_accuracy"], 0.5,
        "tea short, rice within its weight: {perf}"
    );
    assert_eq!(perf["scan_accuracy"], 1.0, "{perf}");
    assert_eq!(perf["substituted_lines"], 1, "{perf}");
    // Stock: held no more, taken as picked, from the batch scanned.
    let t = item(&shop, &store, &tea).await;
    assert_eq!(
        (t["on_hand"].as_str(), t["reserved"].as_str()),
        (Some("8"), Some("0"))
    );
    let r = item(&shop, &store, &rice).await;
    assert_eq!(
        (r["on_hand"].as_str(), r["reserved"].as_str()),
        (Some("48.58"), Some("0"))
    );
    assert_eq!(item(&shop, &store, &green).await["on_hand"], "19");
    let (_, batches) = hub.get(&format!("/v1/stores/{store}/batches"), key).await;
    let l1 = batches["batches"]
        .as_array()
        .or(batches.as_array())
        .unwrap()
        .iter()
        .find(|b| b["code"] == "L1" && b["variant_id"] == tea.as_str())
        .cloned()
        .unwrap();
    assert_eq!(l1["on_hand"], "3", "{l1}");

    // A second pack of the same order is refused: the goods go back.
    let again = pack(
        &store,
        &id,
        &pa,
        vec![(0, vec![pick(&tea, "1", None)], 14_500)],
    );
    let outcome = upload(&shop, &a_token, &[packed_fact(&shop, again)]).await;
    assert_eq!(outcome["status"], "rejected");
    assert!(
        outcome["reason"]
            .as_str()
            .unwrap()
            .contains("already packed"),
        "{outcome}"
    );
    shop.hub.assert_projection_true().await;
}
on_both_backends!(a_store_picks_and_packs_what_it_was_sent);

async fn a_cancelled_order_cannot_be_packed(backend: Backend) {
    let shop = shop(backend).await;
    let key = &shop.api_key;
    let tea = shop.variants[0].0.clone();
    let store = dark_store(&shop, "DS-1", (12.9784, 77.6325), 3000, 10, 10).await;
    let (t_id, token) = terminal_at(&shop, &store, "Picker A", "pa").await;
    let (_, placed) = shop
        .hub
        .post(
            "/v1/orders",
            key,
            order("c-1", HOME, json!([{"variant_id": tea, "qty": "2"}])),
        )
        .await;
    let id = placed["id"].as_str().unwrap().to_owned();
    step(&shop, &id, "confirmed").await;
    step(&shop, &id, "assigned_to_store").await;
    step(&shop, &id, "cancelled").await;
    let sent = order_in_feed(
        &shop,
        &token,
        &id,
        pos_shared::sync::OLDEST_SUPPORTED_PROTOCOL,
    )
    .await
    .unwrap();
    assert_eq!(
        sent["state"], "cancelled",
        "the store hears of the cancellation"
    );
    let p = picker(&t_id, "Arun");
    let packed = pack(
        &store,
        &id,
        &p,
        vec![(0, vec![pick(&tea, "2", None)], 29_000)],
    );
    let outcome = upload(&shop, &token, &[packed_fact(&shop, packed)]).await;
    assert_eq!(outcome["status"], "rejected");
    assert!(
        outcome["reason"].as_str().unwrap().contains("cancelled"),
        "{outcome}"
    );
    assert_eq!(item(&shop, &store, &tea).await["on_hand"], "10");
    // Another store's terminal cannot claim it.
    let other = dark_store(&shop, "DS-2", (12.9784, 77.6325), 3000, 10, 0).await;
    let (o_id, o_token) = terminal_at(&shop, &other, "Other", "ot").await;
    let (cid, fact) = claim(&other, &id, &picker(&o_id, "Zed"));
    let outcome = upload(&shop, &o_token, &[envelope(&shop, cid, fact)]).await;
    assert_eq!(outcome["status"], "rejected");
    assert!(
        outcome["reason"]
            .as_str()
            .unwrap()
            .contains("another store"),
        "{outcome}"
    );
    shop.hub.assert_projection_true().await;
}
on_both_backends!(a_cancelled_order_cannot_be_packed);

async fn packed_by_hq_takes_the_stock_as_ordered(backend: Backend) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let tea = shop.variants[0].0.clone();
    let store = dark_store(&shop, "DS-1", (12.9784, 77.6325), 3000, 10, 0).await;
    // A lot past its date (pulled, not sold) and a good one.
    receive_lots(
        &shop,
        &store,
        &tea,
        &[("OLD", "2026-01-01", 4), ("GOOD", "2099-01-01", 6)],
    )
    .await;
    let (_, placed) = hub
        .post(
            "/v1/orders",
            key,
            order("m-1", HOME, json!([{"variant_id": tea, "qty": "2"}])),
        )
        .await;
    let id = placed["id"].as_str().unwrap().to_owned();
    for to in ["confirmed", "assigned_to_store", "picking", "packed"] {
        step(&shop, &id, to).await;
    }
    let (_, packed) = hub.get(&format!("/v1/orders/{id}"), key).await;
    assert_eq!(packed["packed_total"], placed["total"], "{packed}");
    let t = item(&shop, &store, &tea).await;
    assert_eq!(
        (t["on_hand"].as_str(), t["reserved"].as_str()),
        (Some("8"), Some("0")),
        "{t}"
    );
    let (_, batches) = hub.get(&format!("/v1/stores/{store}/batches"), key).await;
    let lot = |code: &str| {
        batches
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["code"] == code)
            .map(|b| b["on_hand"].as_str().unwrap().to_owned())
    };
    assert_eq!(
        lot("OLD").as_deref(),
        Some("4"),
        "the expired lot is not sold: {batches}"
    );
    assert_eq!(lot("GOOD").as_deref(), Some("4"), "{batches}");
    // Closing it later holds nothing either.
    for to in [
        "assigned_to_partner",
        "picked_up",
        "in_transit",
        "delivered",
        "closed",
    ] {
        step(&shop, &id, to).await;
    }
    assert_eq!(item(&shop, &store, &tea).await["reserved"], "0");
    shop.hub.assert_projection_true().await;
}
on_both_backends!(packed_by_hq_takes_the_stock_as_ordered);
