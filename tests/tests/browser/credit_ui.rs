//! Credit in headless Chromium: HQ opens a customer's account with a ₹1,000
//! limit; the browser script (`tests/js/browser/credit.mjs`) puts a bill on
//! it from the tender screen (more than the till holds, so it is topped up
//! from the hub), is refused a bill on an unknown number, and takes part of
//! the dues in cash from the customer dialog; this side starts a real hub
//! and till and then checks the account's statement at the hub.

use crate::harness::{eventually, Agent, Backend, Hub};
use serde_json::json;

const TEA: &str = "8901234567890";
const PHONE: &str = "+919876543210";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bill_on_account_and_a_payment_of_dues_in_the_browser() {
    let _turn = crate::ONE_BROWSER_AT_A_TIME.lock().await;
    let hub = Hub::start(Backend::Sqlite).await;
    let (hq, store, codes) = crate::demo_store(&hub, 1).await;
    hq.create_staff(&store, "Ravi", "101", "cashier", "4821")
        .await
        .unwrap();
    let path = format!("/v1/stores/{store}/credit-accounts/{PHONE}");
    let (s, account) = hq
        .put_json(
            &path,
            &json!({"limit": {"minor": 100_000, "currency": "INR"}, "name": "Meena Iyer"}),
        )
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201, "{account}");
    let till = Agent::start(&hub, &codes[0]).await;
    crate::wait_till_ready(&till, "101", "4821", &[TEA]).await;
    eventually(
        "the till to hear of the account",
        30,
        || async {
            till.get(&format!("/v1/credit-accounts/{PHONE}"))
                .await
                .0
                .is_success()
        },
        || till.log(),
    )
    .await;

    let out =
        crate::run_browser_script("credit.mjs", &[("TILL", &till.base), ("TEA", TEA)], || {
            till.log()
        });
    // The bill's total as the tender screen showed it: ₹152.25.
    let total = pos_shared::Money::parse_decimal(
        &out.trim_start_matches('₹').replace(',', ""),
        pos_shared::Currency::INR,
    )
    .expect("the script names the bill on account")
    .minor();

    eventually(
        "the hub to hold the bill on account and the payment",
        60,
        || {
            let (hq, path) = (&hq, &path);
            async move {
                let (_, statement) = hq.get_json(path).await.unwrap();
                let kinds: Vec<&str> = statement["entries"]
                    .as_array()
                    .map(|e| e.iter().filter_map(|e| e["kind"].as_str()).collect())
                    .unwrap_or_default();
                kinds == ["sale", "payment"]
                    && statement["account"]["dues"]["minor"].as_i64() == Some(total - 10_000)
            }
        },
        || till.log(),
    )
    .await;
}
