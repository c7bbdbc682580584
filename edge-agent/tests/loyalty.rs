//! Loyalty points at a till with the hub out of reach: a bill with the
//! customer's phone earns points by HQ's rules; a bill is paid in points
//! only in whole points, within the rules' share of the bill and within
//! what this till holds (its grant and what it earned), each refusal naming
//! its tender; what the till holds past its share is given back as a
//! release fact; a return gives the points it paid back; the receipt says
//! what was earned and redeemed.

mod common;

use common::*;
use pos_shared::loyalty::{LoyaltyAccount, LoyaltyRules, PointsGrant};
use pos_shared::sync::ChangeBody;
use pos_shared::Money;
use reqwest::StatusCode;
use serde_json::json;

const PHONE: &str = "+919876543210";

async fn points(till: &Till) -> (i64, i64) {
    let (s, p) = till.get(&format!("/v1/loyalty/{PHONE}")).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    (
        p["balance"].as_i64().unwrap(),
        p["available_here"].as_i64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn points_are_earned_and_redeemed_within_what_the_till_holds() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    // One point per ₹100, a point worth ₹1, at most half a bill in points,
    // ten at least; the hub granted this till 100 of Meena's 300 and asks
    // it to keep 150.
    let rules = LoyaltyRules {
        enabled: true,
        points_per_100: 1,
        point_value: Money::inr(100),
        max_bill_percent: 50,
        min_redeem: 10,
    };
    let account = LoyaltyAccount {
        phone: PHONE.into(),
        balance: 300,
        keep: 150,
        grants: vec![PointsGrant {
            terminal_id: credential.terminal_id,
            granted: 100,
        }],
    };
    apply_changes(
        dir.path(),
        credential.store_id,
        10,
        vec![
            ChangeBody::LoyaltyRulesChanged(rules),
            ChangeBody::LoyaltyAccountChanged(account),
        ],
    );
    let till = start_till(dir.path()).await;
    post_json(
        &till,
        "/v1/shifts",
        json!({"cashier": "Asha", "opening_float": inr(100000)}),
    )
    .await;
    assert_eq!(points(&till).await, (300, 100));
    let (s, none) = till.get("/v1/loyalty/9000000001").await;
    assert_eq!(
        (s, none["field"].as_str()),
        (StatusCode::NOT_FOUND, Some("phone")),
        "{none}"
    );

    // Four teas (₹580): refusals, each naming the points tender.
    let teas = |tenders: serde_json::Value, phone: Option<&str>| {
        let mut body = json!({"lines": [{"barcode": TEA, "qty": "4"}], "tenders": tenders});
        if let Some(p) = phone {
            body["customer_phone"] = json!(p);
        }
        body
    };
    for (tenders, phone, field, words) in [
        (
            json!([tender("points", 5_000, None), tender("cash", 53_000, None)]),
            None,
            "customer_phone",
            "phone",
        ),
        (
            json!([tender("points", 5_050, None), tender("cash", 52_950, None)]),
            Some("9876543210"),
            "tenders[0].amount",
            "whole points",
        ),
        (
            json!([tender("points", 500, None), tender("cash", 57_500, None)]),
            Some("9876543210"),
            "tenders[0].amount",
            "at least 10",
        ),
        (
            json!([tender("points", 30_000, None), tender("cash", 28_000, None)]),
            Some("9876543210"),
            "tenders[0].amount",
            "at most 50%",
        ),
        (
            json!([tender("points", 20_000, None), tender("cash", 38_000, None)]),
            Some("9876543210"),
            "tenders[0].amount",
            "100 points at this till",
        ),
    ] {
        let (s, p) = till.sell(teas(tenders.clone(), phone)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{tenders}: {p}");
        assert_eq!(p["field"], field, "{p}");
        assert!(
            p["detail"].as_str().unwrap().contains(words),
            "{words}: {p}"
        );
    }
    assert_eq!(points(&till).await, (300, 100), "refusals moved nothing");

    // 80 points and ₹500 cash: the cash part earns 5 points.
    let (s, sale) = till
        .sell(teas(
            json!([tender("points", 8_000, None), tender("cash", 50_000, None)]),
            Some("98765 43210"),
        ))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["customer"]["points_redeemed"], 80);
    assert_eq!(sale["customer"]["points_earned"], 5);
    assert_eq!(points(&till).await, (225, 25));
    // The shift still reads with a bill paid in points in it.
    let (s, shift) = till.get("/v1/shifts/current").await;
    assert_eq!(s, StatusCode::OK, "{shift}");
    let receipt = sale["receipt_no"].as_str().unwrap().to_owned();

    // A bill without points earns: ₹1,450 earns 14; the till now holds 39,
    // under its keep of 150, so nothing is given back.
    let (s, sale) = till
        .sell(json!({"lines": [{"barcode": TEA, "qty": "10"}], "tenders": [tender("cash", 145_000, None)],
                     "customer_phone": PHONE}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sale}");
    assert_eq!(sale["customer"]["points_earned"], 14);
    assert_eq!(points(&till).await, (239, 39));
    let earning = sale["receipt_no"].as_str().unwrap().to_owned();
    assert!(queued(dir.path(), "pos.loyalty.released").is_empty());

    // The first bill comes back whole: its 80 points go back as points,
    // the rest in cash.
    let (s, ret) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": receipt, "refund_to": "cash", "reason": "damp",
               "lines": [{"sale_line": 0, "qty": "4"}]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{ret}");
    assert_eq!(ret["refunds"][0], tender("points", 8_000, None), "{ret}");
    assert_eq!(ret["refunds"][1]["method"], "cash");
    // ...and the 5 it earned go.
    assert_eq!(points(&till).await, (314, 114));
    // Were the hub to refuse that return (another till took the bill back
    // first), it stops counting here as at the hub; sent again by HQ, it
    // counts again.
    let return_id: uuid::Uuid = ret["return_id"].as_str().unwrap().parse().unwrap();
    let store = edge_agent::store::LocalStore::open(&dir.path().join("edge.db")).unwrap();
    store
        .with_conn(|c| {
            edge_agent::store::outbox::settle(
                c,
                &[edge_agent::store::outbox::Verdict::Quarantined(
                    return_id,
                    "lines[0].qty: returned already".into(),
                )],
            )
        })
        .unwrap();
    // Undone as at the hub: neither its 80 back nor its 5 taken back count.
    assert_eq!(points(&till).await, (239, 39));
    store
        .with_conn(|c| edge_agent::store::outbox::resend(c, return_id))
        .unwrap();
    assert_eq!(points(&till).await, (314, 114));
    // Half the earning bill comes back: the 7 points that half earned go at
    // once, so they cannot be spent after the goods came back.
    let (s, ret) = post_json(
        &till,
        "/v1/returns",
        json!({"original_receipt_no": earning, "refund_to": "cash", "reason": "changed mind",
               "lines": [{"sale_line": 0, "qty": "5"}]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{ret}");
    assert_eq!(points(&till).await, (307, 107));

    // The hub lowers the keep to 20: the till gives back what it holds past it.
    let lower = LoyaltyAccount {
        phone: PHONE.into(),
        balance: 307,
        keep: 20,
        grants: vec![PointsGrant {
            terminal_id: credential.terminal_id,
            granted: 100,
        }],
    };
    drop(till);
    apply_changes(
        dir.path(),
        credential.store_id,
        20,
        vec![ChangeBody::LoyaltyAccountChanged(lower)],
    );
    let store = edge_agent::store::LocalStore::open(&dir.path().join("edge.db")).unwrap();
    store
        .with_conn(|c| {
            edge_agent::store::loyalty::release_excess_on(c, &credential, &[PHONE.to_owned()])
        })
        .unwrap();
    let released = queued(dir.path(), "pos.loyalty.released");
    assert_eq!(released.len(), 1);
    assert_eq!(released[0]["data"]["released"], 87, "{released:?}");
}
