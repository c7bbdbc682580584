//! Dues reminders: a customer's reminder of what they owe on their credit
//! account (the khata), sent by WhatsApp through the same queue and provider
//! as e-receipts, once while what is owed stays the same and again when it
//! moves; refused in words for SMS without a provider, an account owing
//! nothing, no account or a bad number; a click-to-chat link without a
//! provider. The provider is a real HTTP server on loopback.

mod common;

use common::messaging::{
    free_port, listen_on, percent_decode, spawn_provider, till_with, whatsapp,
};
use common::{post_json, seed};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

/// A credit account at the seeded store owing `dues` paise, as the feed brings it.
fn account_owing(
    dir: &std::path::Path,
    store_id: pos_shared::StoreId,
    phone: &str,
    name: Option<&str>,
    dues: i64,
    seq: u64,
) {
    let account = pos_shared::credit::CreditAccount {
        phone: phone.into(),
        name: name.map(str::to_owned),
        store_id,
        limit: pos_shared::Money::inr(500_000),
        dues: pos_shared::Money::inr(dues),
        keep: pos_shared::Money::inr(0),
        closed: false,
        grants: Vec::new(),
    };
    common::apply_changes(
        dir,
        store_id,
        seq,
        vec![pos_shared::sync::ChangeBody::CreditAccountChanged(account)],
    );
}

#[tokio::test]
async fn a_dues_reminder_goes_through_the_same_queue_and_again_when_the_dues_move() {
    let dir = tempfile::tempdir().unwrap();
    let store = seed(dir.path()).store_id;
    account_owing(
        dir.path(),
        store,
        "+919876543210",
        Some("Meena Iyer"),
        123_450,
        20,
    );
    account_owing(dir.path(), store, "+919812345678", None, 0, 21);
    let port = free_port();
    let fake = spawn_provider(listen_on(port).await).await;
    let till = till_with(dir.path(), Some(whatsapp(port)), 100).await;
    let path = "/v1/credit-accounts/98765%2043210/reminders";
    let (status, first) = post_json(&till, path, json!({"channel": "whatsapp"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    assert_eq!(first["to"], "+919876543210");
    // Sent by the provider, with what is owed in words.
    let mut sent = Value::Null;
    for _ in 0..100 {
        let (_, list) = till.get(path).await;
        if list["messages"][0]["state"] == "sent" {
            sent = list;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        sent["messages"][0]["message_id"], first["message_id"],
        "{sent}"
    );
    let taken = fake.taken();
    assert_eq!(taken.len(), 1, "{taken:?}");
    let body: Value = serde_json::from_str(&taken[0].body).unwrap();
    let text = body["text"]["body"].as_str().unwrap();
    for part in ["Kirana Mart", "Namaste Meena Iyer", "₹1234.50 due"] {
        assert!(text.contains(part), "{part} missing from {text:?}");
    }
    // Asked again the same day: the same reminder, nothing sent twice.
    let (status, again) = post_json(&till, path, json!({"channel": "whatsapp"})).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["message_id"], first["message_id"]);
    // A payment moves what is owed: the next reminder says the new figure.
    let (status, paid) = post_json(
        &till,
        "/v1/credit-accounts/9876543210/payments",
        json!({"amount": {"minor": 23_450, "currency": "INR"}, "method": "cash"}),
    )
    .await;
    assert!(status.is_success(), "{paid}");
    let (status, moved) = post_json(&till, path, json!({"channel": "whatsapp"})).await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "a new amount, a new reminder: {moved}"
    );
    assert_ne!(moved["message_id"], first["message_id"]);
    for _ in 0..100 {
        if fake.taken().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let taken = fake.taken();
    let body: Value = serde_json::from_str(&taken[1].body).unwrap();
    let text = body["text"]["body"].as_str().unwrap();
    assert!(text.contains("₹1000.00 due"), "{text}");

    // Refused in words: SMS with no SMS provider, nothing owed, no account.
    for (path, body, status, field) in [
        (
            path,
            json!({"channel": "sms"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "channel",
        ),
        (
            "/v1/credit-accounts/9812345678/reminders",
            json!({"channel": "whatsapp"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "phone",
        ),
        (
            "/v1/credit-accounts/9000000000/reminders",
            json!({"channel": "whatsapp"}),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            "/v1/credit-accounts/12/reminders",
            json!({"channel": "whatsapp"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "phone",
        ),
    ] {
        let (status_now, answer) = post_json(&till, path, body).await;
        assert_eq!(status_now, status, "{path}: {answer}");
        if !field.is_empty() {
            assert_eq!(answer["field"], field, "{answer}");
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(fake.taken().len(), 2);
    till.agent.stop();
}

#[tokio::test]
async fn without_a_provider_a_dues_reminder_is_a_click_to_chat_link() {
    let dir = tempfile::tempdir().unwrap();
    let store = seed(dir.path()).store_id;
    account_owing(dir.path(), store, "+919876543210", None, 50_000, 20);
    let till = till_with(dir.path(), None, 8).await;
    let (status, answer) = post_json(
        &till,
        "/v1/credit-accounts/9876543210/reminders",
        json!({"channel": "whatsapp"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["state"], "link_only", "{answer}");
    let link = answer["click_to_chat"].as_str().unwrap();
    assert!(
        link.starts_with("https://wa.me/919876543210?text="),
        "{link}"
    );
    let text = percent_decode(link.split("text=").nth(1).unwrap());
    assert!(
        text.contains("Namaste, your account with us shows ₹500.00 due"),
        "{text}"
    );
    till.agent.stop();
}
