//! Credit at a till with the hub out of reach: what goes on a customer's
//! account and what comes back. A bill partly on account comes back on the
//! account first, whatever refund is asked; a payment in another currency
//! is refused; a payment the hub refuses stops counting toward what the till
//! may lend, while its cash stays in the shift's drawer.

mod common;

use common::*;
use edge_agent::store::outbox::{self, Verdict};
use pos_shared::credit::{CreditAccount, CreditGrant};
use pos_shared::sync::ChangeBody;
use pos_shared::Money;
use reqwest::StatusCode;
use serde_json::json;

const PHONE: &str = "+919876543210";

async fn available(till: &Till) -> i64 {
    let (s, account) = till.get(&format!("/v1/credit-accounts/{PHONE}")).await;
    assert_eq!(s, StatusCode::OK, "{account}");
    account["available_here"]["minor"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_goes_on_an_account_comes_back_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    // The hub granted this till ₹1,000 of a ₹2,000 limit, and asks it to
    // keep up to ₹1,500 (more would be given back).
    let account = CreditAccount {
        phone: PHONE.into(),
        name: Some("Meena Iyer".into()),
        store_id: credential.store_id,
        limit: Money::inr(200_000),
        dues: Money::inr(0),
        keep: Money::inr(150_000),
        closed: false,
        grants: vec![CreditGrant {
            terminal_id: credential.terminal_id,
            granted: Money::inr(100_000),
        }],
    };
    apply_changes(
        dir.path(),
        credential.store_id,
        10,
        vec![ChangeBody::CreditAccountChanged(account)],
    );
    let till = start_till(dir.path()).await;
    post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Asha", "opening_float": inr(100000)}),
    )
    .await;
    assert_eq!(available(&till).await, 100_000);

    // Two teas (₹290): ₹200 on account, ₹90 in cash.
    let (s, sale) = till
        .sell(json!({
            "lines": [{"barcode": TEA, "qty": "2"}],
            "tenders": [tender("credit", 20_000, None), tender("cash", 9_000, None)],
            "customer_phone": "98765 43210",
        }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sale}");
    assert_eq!(available(&till).await, 80_000);
    let receipt = sale["receipt_no"].as_str().unwrap().to_owned();

    // One tea back, cash asked for: it goes back on the account.
    let give_back = |refund_to: &str| {
        json!({"original_receipt_no": receipt, "refund_to": refund_to, "reason": "damp",
               "lines": [{"sale_line": 0, "qty": "1"}]})
    };
    let (s, first) = post_json(&till, "/v1/returns", give_back("cash")).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(
        first["refunds"],
        json!([tender("credit", 14_500, None)]),
        "{first}"
    );
    // The other: what is left on account (₹55) back on it, the rest in cash.
    let (s, second) = post_json(&till, "/v1/returns", give_back("original")).await;
    assert_eq!(s, StatusCode::CREATED, "{second}");
    assert_eq!(
        second["refunds"][0],
        tender("credit", 5_500, None),
        "{second}"
    );
    assert_eq!(second["refunds"][1]["method"], "cash", "{second}");
    assert_eq!(second["refunds"][1]["amount"]["minor"], 9_000, "{second}");
    assert_eq!(available(&till).await, 100_000, "all of it lendable again");

    // A payment in another currency is refused and changes nothing.
    let pay = |amount: serde_json::Value| json!({"amount": amount, "method": "cash"});
    let path = format!("/v1/credit-accounts/{PHONE}/payments");
    let (s, refused) = post_json(&till, &path, pay(json!({"minor": 500, "currency": "USD"}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["field"], "amount.currency");
    // Dues are paid in money: not on account, not in points.
    for method in ["credit", "points"] {
        let body = json!({"amount": inr(500), "method": method, "reference": "x"});
        let (s, refused) = post_json(&till, &path, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{method}: {refused}");
        assert_eq!(refused["field"], "method", "{refused}");
    }
    assert_eq!(available(&till).await, 100_000);

    // A payment of ₹50 lets the till lend that much more...
    let (s, paid) = post_json(&till, &path, pay(inr(5_000))).await;
    assert_eq!(s, StatusCode::CREATED, "{paid}");
    assert_eq!(available(&till).await, 105_000);
    // ...until the hub refuses it for good: then it no longer counts, and
    // its cash is still in the drawer.
    let id: uuid::Uuid = paid["payment"]["payment_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let store = edge_agent::store::LocalStore::open(&dir.path().join("edge.db")).unwrap();
    store
        .with_conn(|c| outbox::settle(c, &[Verdict::Quarantined(id, "id_conflict: test".into())]))
        .unwrap();
    assert_eq!(available(&till).await, 100_000);
    let (_, x) = till.get("/v1/shifts/current").await;
    assert_eq!(x["dues_received"][0]["amount"]["minor"], 5_000, "{x}");
    // HQ sends it again: it counts again.
    store.with_conn(|c| outbox::resend(c, id)).unwrap();
    assert_eq!(available(&till).await, 105_000);
}
