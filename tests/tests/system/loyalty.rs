//! Loyalty points on two tills apart, as real processes: HQ sets the rules
//! and gives Meena 400 points; both of the store's tills hear their share.
//! With the hub down each lets bills be paid in points until it holds no
//! more (the points those bills earn count at once), and back online the
//! chain has never paid out more points than she had; a bigger bill online
//! draws on the points the hub holds, and no further.

use crate::harness::{eventually, Agent, Backend, Hub};
use crate::{demo_chain, on_both_backends, wait_drained, wait_synced, RICE};
use serde_json::{json, Value};

const PHONE: &str = "+919876543210";

async fn here(till: &Agent) -> i64 {
    let (_, p) = till.get(&format!("/v1/loyalty/{PHONE}")).await;
    p["available_here"].as_i64().unwrap_or(-1)
}

/// `kg` of rice (₹62.50 a kilo, no GST), `points` of it in points and the
/// rest in cash.
async fn bill(till: &Agent, kg: i64, points: i64) -> (reqwest::StatusCode, Value) {
    let total = kg * 6_250;
    let mut tenders = vec![
        json!({"method": "cash", "amount": {"minor": total - points * 100, "currency": "INR"}}),
    ];
    if points > 0 {
        tenders.insert(
            0,
            json!({"method": "points", "amount": {"minor": points * 100, "currency": "INR"}}),
        );
    }
    till.try_post(
        "/v1/sales",
        json!({"lines": [{"barcode": RICE, "qty": kg.to_string()}], "tenders": tenders, "customer_phone": "98765 43210"}),
    )
    .await
}

/// Bills of 2 kg paid 10 points each until the till refuses; how many went.
async fn redeem_until_refused(till: &Agent) -> usize {
    for n in 0..40 {
        let (s, answer) = bill(till, 2, 10).await;
        if s.as_u16() == 422 {
            assert_eq!(answer["field"], "tenders[0].amount", "{answer}");
            assert!(
                answer["detail"]
                    .as_str()
                    .unwrap()
                    .contains("points at this till"),
                "{answer}"
            );
            return n;
        }
        assert_eq!(s.as_u16(), 201, "{answer}");
        assert_eq!(answer["customer"]["points_redeemed"], 10);
    }
    panic!("the till never stopped taking points");
}

async fn points_on_two_tills_offline_never_pay_out_more_than_she_has(backend: Backend) {
    let mut hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 2).await;
    let a = Agent::start(&hub, &codes[0]).await;
    let b = Agent::start(&hub, &codes[1]).await;
    wait_synced(&a, &hq, &store).await;
    wait_synced(&b, &hq, &store).await;

    let (s, rules) = hq
        .put_json(
            "/v1/loyalty/rules",
            &json!({"enabled": true, "points_per_100": 1, "point_value": {"minor": 100, "currency": "INR"},
                    "max_bill_percent": 100, "min_redeem": 1}),
        )
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 200, "{rules}");
    // The store meets Meena, and HQ welcomes her with 400 points.
    a.put("/v1/customers/9876543210", json!({"name": "Meena Iyer"}))
        .await;
    eventually(
        "the hub to know Meena at the store",
        30,
        || async {
            hq.get_json(&format!("/v1/customers/{PHONE}"))
                .await
                .unwrap()
                .0
                .is_success()
        },
        || a.log(),
    )
    .await;
    let (s, welcome) = hq
        .post_json(
            &format!("/v1/customers/{PHONE}/points/adjustments"),
            &json!({"points": 400, "reason": "welcome"}),
        )
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201, "{welcome}");
    // Each till holds a quarter of her 400 for offline use.
    for till in [&a, &b] {
        eventually(
            "the till to hear its share",
            30,
            || async { here(till).await == 100 },
            || till.log(),
        )
        .await;
    }

    hub.stop();
    // Each 2 kg bill (₹125) takes 10 points and earns 1 on the ₹115 in cash.
    let (at_a, at_b) = (
        redeem_until_refused(&a).await,
        redeem_until_refused(&b).await,
    );
    assert_eq!(
        (at_a, at_b),
        (11, 11),
        "100 held + 1 earned a bill, 10 a bill"
    );
    // A bill paid in cash earns at once: ₹625 earns 6, redeemable here.
    let (s, earned) = bill(&a, 10, 0).await;
    assert_eq!(
        (s.as_u16(), earned["customer"]["points_earned"].as_i64()),
        (201, Some(6)),
        "{earned}"
    );
    let left = here(&a).await;
    let (s, used) = bill(&a, 2, left).await;
    assert_eq!(s.as_u16(), 201, "{used}");
    assert_eq!(here(&a).await, 1, "the bill paid in points earned one");

    hub.restart().await;
    wait_drained(&a, &hub).await;
    wait_drained(&b, &hub).await;
    let (s, statement) = hq
        .get_json(&format!("/v1/customers/{PHONE}/points"))
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 200, "{statement}");
    let account = &statement["account"];
    let (earned, redeemed) = (
        account["earned"].as_i64().unwrap(),
        account["redeemed"].as_i64().unwrap(),
    );
    assert_eq!(
        statement["entries"].as_array().unwrap().len(),
        1 + 11 + 11 + 2,
        "{statement}"
    );
    assert!(
        redeemed <= 400 + earned,
        "paid out {redeemed} of {} points: {statement}",
        400 + earned
    );
    assert_eq!(
        account["balance"].as_i64().unwrap(),
        400 + earned - redeemed
    );
    assert!(account["balance"].as_i64().unwrap() >= 0);

    // Online, till B draws on what the hub holds for a bigger bill (more
    // than its share), and a bill past what she has left is refused.
    eventually(
        "till B to hear its new share",
        30,
        || async { here(&b).await > 1 },
        || b.log(),
    )
    .await;
    eventually(
        "100 points at till B online",
        30,
        || async { bill(&b, 2, 100).await.0.as_u16() == 201 },
        || b.log(),
    )
    .await;
    let (s, refused) = bill(&b, 4, 200).await;
    assert_eq!(s.as_u16(), 422, "past her balance: {refused}");
    wait_drained(&b, &hub).await;
    let (_, statement) = hq
        .get_json(&format!("/v1/customers/{PHONE}/points"))
        .await
        .unwrap();
    let account = &statement["account"];
    let (earned, redeemed) = (
        account["earned"].as_i64().unwrap(),
        account["redeemed"].as_i64().unwrap(),
    );
    assert!(redeemed <= 400 + earned, "{statement}");
    assert_eq!(
        account["balance"].as_i64().unwrap(),
        400 + earned - redeemed
    );
}
on_both_backends!(points_on_two_tills_offline_never_pay_out_more_than_she_has);
