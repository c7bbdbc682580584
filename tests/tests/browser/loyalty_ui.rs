//! Loyalty points in headless Chromium: HQ sets the rules and welcomes
//! Meena with 200 points; the till knows her. The browser script
//! (`tests/js/browser/loyalty.mjs`) types her number on the tender screen,
//! reads her points, pays what the rules allow in points (F9) and the rest
//! in cash, and reads the points on the receipt; this side checks her
//! statement at the hub.

use crate::harness::{eventually, Agent, Backend, Hub};
use serde_json::json;

const TEA: &str = "8901234567890";
const PHONE: &str = "+919876543210";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bill_paid_partly_in_points_in_the_browser() {
    let _turn = crate::ONE_BROWSER_AT_A_TIME.lock().await;
    let hub = Hub::start(Backend::Sqlite).await;
    let (hq, store, codes) = crate::demo_store(&hub, 1).await;
    hq.create_staff(&store, "Ravi", "101", "cashier", "4821")
        .await
        .unwrap();
    let (s, rules) = hq
        .put_json(
            "/v1/loyalty/rules",
            &json!({"enabled": true, "points_per_100": 1, "point_value": {"minor": 100, "currency": "INR"},
                    "max_bill_percent": 50, "min_redeem": 10}),
        )
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 200, "{rules}");
    let (s, welcome) = hq
        .post_json(
            &format!("/v1/customers/{PHONE}/points/adjustments"),
            &json!({"points": 200, "reason": "welcome"}),
        )
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201, "{welcome}");
    let till = Agent::start(&hub, &codes[0]).await;
    crate::wait_till_ready(&till, "101", "4821", &[TEA]).await;
    // The store meets her: its till gets half her points to hold.
    till.put("/v1/customers/9876543210", json!({"name": "Meena Iyer"}))
        .await;
    eventually(
        "the till to hold its share of her points",
        30,
        || async {
            till.get(&format!("/v1/loyalty/{PHONE}")).await.1["available_here"].as_i64()
                == Some(100)
        },
        || till.log(),
    )
    .await;

    let out =
        crate::run_browser_script("loyalty.mjs", &[("TILL", &till.base), ("TEA", TEA)], || {
            till.log()
        });
    let redeemed: i64 = out
        .trim()
        .parse()
        .expect("the script names the points redeemed");
    assert_eq!(redeemed, 72, "half of ₹145, in whole ₹1 points");

    eventually(
        "the hub to hold the bill's points",
        60,
        || {
            let hq = &hq;
            async move {
                let (_, statement) = hq
                    .get_json(&format!("/v1/customers/{PHONE}/points"))
                    .await
                    .unwrap();
                statement["account"]["redeemed"].as_i64() == Some(redeemed)
                    && statement["account"]["balance"].as_i64() == Some(200 - redeemed)
            }
        },
        || till.log(),
    )
    .await;
}
