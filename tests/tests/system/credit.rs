//! Credit sales on two tills with the hub down, as real processes: HQ opens
//! a customer's account with a ₹1,000 limit, both tills hear their shares,
//! the hub goes down, and each till puts sales on the account until it is
//! refused; a payment at one till lets it lend that much more. Offline the
//! store never lends past what the tills were granted. When the hub is back
//! every sale and the payment reach the account once, what is owed is within
//! the limit, and a till online draws more of the limit for a bigger sale,
//! but not past the limit.

use crate::harness::{eventually, Agent, Backend, Hub};
use crate::{demo_chain, on_both_backends, wait_drained, wait_synced, RICE};
use serde_json::{json, Value};

const PHONE: &str = "+919876543210";
/// Rice is ₹62.50 a kg, without GST.
const KG: i64 = 6_250;

/// Puts `kg` of rice on the account; the till's answer.
async fn on_account(till: &Agent, kg: i64) -> (reqwest::StatusCode, Value) {
    till.try_post(
        "/v1/sales",
        json!({
            "lines": [{"barcode": RICE, "qty": kg.to_string()}],
            "tenders": [{"method": "credit", "amount": {"minor": kg * KG, "currency": "INR"}}],
            "customer_phone": "98765 43210",
        }),
    )
    .await
}

/// Sells a kilo at a time on the account until the till refuses; the
/// receipt numbers it sold. A refusal names the tender and says what is left.
async fn sell_until_refused(till: &Agent) -> Vec<String> {
    let mut sold = Vec::new();
    for _ in 0..20 {
        let (status, answer) = on_account(till, 1).await;
        if status == reqwest::StatusCode::UNPROCESSABLE_ENTITY {
            assert_eq!(answer["field"], "tenders[0].amount", "{answer}");
            assert!(
                answer["detail"].as_str().unwrap().contains("can go on"),
                "{answer}"
            );
            return sold;
        }
        assert_eq!(status, reqwest::StatusCode::CREATED, "{answer}");
        sold.push(answer["receipt_no"].as_str().unwrap().to_owned());
    }
    panic!("the till never stopped lending");
}

async fn available_here(till: &Agent) -> i64 {
    let (_, account) = till.get(&format!("/v1/credit-accounts/{PHONE}")).await;
    account["available_here"]["minor"].as_i64().unwrap_or(-1)
}

async fn credit_on_two_tills_offline_stays_within_the_limit(backend: Backend) {
    let mut hub = Hub::start(backend).await;
    let (hq, store, codes) = demo_chain(&hub, 2).await;
    let a = Agent::start(&hub, &codes[0]).await;
    let b = Agent::start(&hub, &codes[1]).await;
    wait_synced(&a, &hq, &store).await;
    wait_synced(&b, &hq, &store).await;

    let account_path = format!("/v1/stores/{store}/credit-accounts/{PHONE}");
    let (s, account) = hq
        .put_json(
            &account_path,
            &json!({"limit": {"minor": 100_000, "currency": "INR"}, "name": "Meena Iyer"}),
        )
        .await
        .unwrap();
    assert_eq!(s.as_u16(), 201, "{account}");
    // Each of the two tills holds a quarter of the ₹1,000 for offline sales.
    for till in [&a, &b] {
        eventually(
            "the till to hear its share of the account",
            30,
            || async { available_here(till).await == 25_000 },
            || till.log(),
        )
        .await;
    }

    hub.stop();
    let sold_a = sell_until_refused(&a).await;
    let sold_b = sell_until_refused(&b).await;
    assert_eq!(
        (sold_a.len(), sold_b.len()),
        (4, 4),
        "each till lends its ₹250 and no more"
    );
    // The customer pays ₹62.50 at till A: A may lend that much again.
    let (s, paid) = a
        .try_post(
            &format!("/v1/credit-accounts/{PHONE}/payments"),
            json!({"amount": {"minor": KG, "currency": "INR"}, "method": "cash"}),
        )
        .await;
    assert_eq!(s.as_u16(), 201, "{paid}");
    assert_eq!(paid["account"]["available_here"]["minor"], KG);
    assert_eq!(sell_until_refused(&a).await.len(), 1);
    assert!(sell_until_refused(&b).await.is_empty());
    // A kilo comes back: asked for in cash, it goes back on the account
    // (the bill was on account), and the till may lend that much again.
    let back = a
        .post(
            "/v1/returns",
            json!({"original_receipt_no": sold_a[0], "lines": [{"sale_line": 0, "qty": "1"}],
                   "refund_to": "cash", "reason": "damp"}),
        )
        .await;
    assert_eq!(back["refunds"][0]["method"], "credit", "{back}");
    assert_eq!(available_here(&a).await, KG);
    assert_eq!(sell_until_refused(&a).await.len(), 1);

    hub.restart().await;
    wait_drained(&a, &hub).await;
    wait_drained(&b, &hub).await;
    let (s, statement) = hq.get_json(&account_path).await.unwrap();
    assert_eq!(s.as_u16(), 200, "{statement}");
    let entries = statement["entries"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        12,
        "ten sales, a payment and a return, once each: {statement}"
    );
    assert_eq!(statement["account"]["dues"]["minor"], 8 * KG, "{statement}");
    assert_eq!(statement["ageing"]["days_0_30"]["minor"], 8 * KG);
    let held: i64 = statement["account"]["tills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["granted"]["minor"].as_i64().unwrap() - t["released"]["minor"].as_i64().unwrap())
        .sum();
    assert!(
        held <= 100_000,
        "the tills hold {held} of the limit: {statement}"
    );

    // Online, till B draws more of the limit for a sale bigger than its
    // share, but not past the limit.
    eventually(
        "till B to hear its new share",
        30,
        || async { available_here(&b).await > 0 },
        || b.log(),
    )
    .await;
    // The tills give back what they hold past their new shares as they hear
    // them; until the hub has heard, less of the limit is free to draw.
    eventually(
        "₹250 on account at till B online",
        30,
        || async { on_account(&b, 4).await.0.as_u16() == 201 },
        || b.log(),
    )
    .await;
    let (s, refused) = on_account(&b, 8).await;
    assert_eq!(s.as_u16(), 422, "past the limit: {refused}");
    wait_drained(&b, &hub).await;
    let (_, statement) = hq.get_json(&account_path).await.unwrap();
    let dues = statement["account"]["dues"]["minor"].as_i64().unwrap();
    assert_eq!(dues, 12 * KG, "{statement}");
    assert!(dues <= 100_000);
    // The top-up the refused sale drew is given back at once: the till holds
    // no more than its share, and the hub has the rest to grant again.
    let keep = statement["account"]["keep"]["minor"].as_i64().unwrap();
    eventually(
        "till B to give back the top-up of the sale that did not go through",
        30,
        || async { available_here(&b).await <= keep },
        || b.log(),
    )
    .await;
}
on_both_backends!(credit_on_two_tills_offline_stays_within_the_limit);
