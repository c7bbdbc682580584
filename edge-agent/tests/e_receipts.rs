//! E-receipts: a sale's receipt link sent to the customer's mobile by
//! WhatsApp (Meta's Cloud API) or SMS (Twilio), queued in the till's file
//! while the provider cannot be reached and sent once it answers; refused
//! messages failed with the provider's words; a till restarted keeps its
//! queue; with no provider, a click-to-chat link. The providers are real
//! HTTP servers on loopback speaking their APIs (`common/messaging.rs`).

mod common;

use common::messaging::*;
use common::{cash, seed, Till, TEA};
use edge_agent::config::AgentConfig;
use edge_agent::messages::Provider;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

/// A sale of one tea to a customer whose mobile was taken: its id and key.
async fn sale_to_customer(till: &Till, phone: Option<&str>) -> (String, String) {
    let mut body = json!({"lines": [{"barcode": TEA, "qty": "1"}], "tenders": cash(14500)});
    if let Some(p) = phone {
        body["customer_phone"] = p.into();
    }
    let (status, sale) = till.sell(body).await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    let key = sale["receipt_key"]
        .as_str()
        .expect("a receipt key")
        .to_owned();
    assert_eq!(key.len(), 32, "128 bits in hex: {key}");
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
    (sale["sale_id"].as_str().unwrap().to_owned(), key)
}

async fn ask(till: &Till, sale_id: &str, body: Value) -> (StatusCode, Value) {
    let r = till
        .http
        .post(format!("{}/v1/sales/{sale_id}/e-receipt", till.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

async fn messages(till: &Till, sale_id: &str) -> Value {
    let (status, list) = till.get(&format!("/v1/sales/{sale_id}/e-receipts")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list
}

/// Waits (boundedly) until the sale's first message is in `state`.
async fn until_state(till: &Till, sale_id: &str, state: &str) -> Value {
    for _ in 0..100 {
        let list = messages(till, sale_id).await;
        if list["messages"][0]["state"] == state {
            return list["messages"][0].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never {state}: {}", messages(till, sale_id).await);
}

#[tokio::test]
async fn a_whatsapp_receipt_queued_offline_is_sent_once_the_provider_answers() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let port = free_port();
    let till = till_with(dir.path(), Some(whatsapp(port)), 100).await;
    let (sale_id, key) = sale_to_customer(&till, Some("98450 12345")).await;

    let (status, queued) = ask(&till, &sale_id, json!({"channel": "whatsapp"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
    assert_eq!(queued["state"], "queued");
    assert_eq!(queued["to"], "+919845012345");
    assert_eq!(queued["channel"], "whatsapp");
    assert!(queued.get("click_to_chat").is_none(), "{queued}");

    // The provider is down: the message waits, saying why.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let waiting = &messages(&till, &sale_id).await["messages"][0];
    assert_eq!(waiting["state"], "queued", "{waiting}");
    assert!(waiting["attempts"].as_u64().unwrap() >= 1, "{waiting}");
    assert!(
        waiting["last_error"]
            .as_str()
            .unwrap()
            .contains("could not be reached"),
        "{waiting}"
    );
    let (_, status) = till.get("/v1/sync/status").await;
    assert_eq!(status["receipts_unsent"], 1, "{status}");
    // Asking again while it waits answers the same message.
    let (status, again) = ask(&till, &sale_id, json!({"channel": "whatsapp"})).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["message_id"], queued["message_id"]);

    // The provider comes back: sent, once.
    let fake = spawn_provider(listen_on(port).await).await;
    let sent = until_state(&till, &sale_id, "sent").await;
    assert_eq!(sent["message_id"], queued["message_id"]);
    assert!(sent.get("last_error").is_none(), "{sent}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let taken = fake.taken();
    assert_eq!(taken.len(), 1, "{taken:?}");
    assert_eq!(taken[0].path, "/v21.0/106540352242922/messages");
    assert_eq!(taken[0].authorization, "Bearer EAAG-test-token");
    let body: Value = serde_json::from_str(&taken[0].body).unwrap();
    assert_eq!(body["messaging_product"], "whatsapp");
    assert_eq!(body["to"], "919845012345");
    assert_eq!(body["type"], "text");
    assert_eq!(body["text"]["preview_url"], true);
    let text = body["text"]["body"].as_str().unwrap();
    for part in [
        "Kirana Mart",
        "T1-000001",
        "₹145.00",
        &format!("https://receipts.example.in/r/{key}"),
    ] {
        assert!(text.contains(part), "{part} missing from {text:?}");
    }
    let (_, status) = till.get("/v1/sync/status").await;
    assert_eq!(status["receipts_unsent"], 0, "{status}");
    // Sent stays the answer: no second send.
    let (status, again) = ask(&till, &sale_id, json!({"channel": "whatsapp"})).await;
    assert_eq!((status, &again["state"]), (StatusCode::OK, &json!("sent")));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(fake.taken().len(), 1);
    till.agent.stop();
}

#[tokio::test]
async fn a_till_restarted_keeps_its_queue_and_sends_by_sms() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let port = free_port();
    let till = till_with(dir.path(), Some(twilio(port)), 100).await;
    let (sale_id, key) = sale_to_customer(&till, None).await;
    let (_, list) = till.get(&format!("/v1/sales/{sale_id}/e-receipts")).await;
    assert_eq!(list["sms_available"], true, "{list}");
    assert_eq!(list["whatsapp_provider"], false, "{list}");
    let (status, queued) = ask(
        &till,
        &sale_id,
        json!({"channel": "sms", "phone": "+91 99000-11223"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
    assert_eq!(queued["to"], "+919900011223");
    // A second sale's receipt waits behind it.
    let (other_sale, _) = sale_to_customer(&till, Some("9845012345")).await;
    let (status, _) = ask(&till, &other_sale, json!({"channel": "sms"})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, status) = till.get("/v1/sync/status").await;
    assert_eq!(status["receipts_unsent"], 2, "{status}");
    till.agent.stop();

    // Back on the same file, with the provider answering.
    let fake = spawn_provider(listen_on(port).await).await;
    let till = till_with(dir.path(), Some(twilio(port)), 100).await;
    let sent = until_state(&till, &sale_id, "sent").await;
    assert_eq!(sent["message_id"], queued["message_id"]);
    until_state(&till, &other_sale, "sent").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut taken = fake.taken();
    assert_eq!(taken.len(), 2, "each message once: {taken:?}");
    taken.retain(|t| t.body.contains("To=%2B919900011223"));
    assert_eq!(taken.len(), 1, "{taken:?}");
    assert_eq!(
        taken[0].path,
        "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json"
    );
    // Basic auth: the account SID and the auth token.
    let (scheme, credentials) = taken[0].authorization.split_once(' ').unwrap();
    assert_eq!(scheme, "Basic");
    assert_eq!(
        credentials,
        "QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjp0d2lsaW8tYXV0aC10b2tlbg=="
    );
    let form = &taken[0].body;
    assert!(form.contains("To=%2B919900011223"), "{form}");
    assert!(form.contains("From=%2B15005550006"), "{form}");
    assert!(
        form.contains(&format!("receipts.example.in%2Fr%2F{key}")),
        "{form}"
    );
    till.agent.stop();
}

#[tokio::test]
async fn a_message_the_provider_refuses_fails_with_its_words() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let listener = listen_on(0).await;
    let port = listener.local_addr().unwrap().port();
    let fake = spawn_provider(listener).await;
    *fake.answer.lock().unwrap() = Answer::Refuse(
        400,
        json!({"code": 21211, "message": "The 'To' number +919845012345 is not a valid phone number.", "status": 400}),
    );
    let till = till_with(dir.path(), Some(twilio(port)), 100).await;
    let (sale_id, _) = sale_to_customer(&till, Some("9845012345")).await;
    let (status, _) = ask(&till, &sale_id, json!({"channel": "sms"})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let failed = until_state(&till, &sale_id, "failed").await;
    let why = failed["last_error"].as_str().unwrap();
    assert!(
        why.contains("Twilio refused the message (HTTP 400)")
            && why.contains("is not a valid phone number")
            && why.contains("code 21211"),
        "{why}"
    );
    assert_eq!(failed["attempts"], 1, "a 4xx is not tried again");
    // Asked again after a failure: a new message, tried afresh.
    *fake.answer.lock().unwrap() = Answer::Take;
    let (status, second) = ask(&till, &sale_id, json!({"channel": "sms"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{second}");
    assert_ne!(second["message_id"], failed["message_id"]);
    for _ in 0..100 {
        if messages(&till, &sale_id).await["messages"][1]["state"] == "sent" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        messages(&till, &sale_id).await["messages"][1]["state"],
        "sent"
    );
    till.agent.stop();
}

#[tokio::test]
async fn a_provider_unwell_past_the_tries_fails_the_message_in_words() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let listener = listen_on(0).await;
    let port = listener.local_addr().unwrap().port();
    let fake = spawn_provider(listener).await;
    *fake.answer.lock().unwrap() = Answer::Refuse(
        503,
        json!({"error": {"message": "Service temporarily unavailable", "code": 2}}),
    );
    let till = till_with(dir.path(), Some(whatsapp(port)), 2).await;
    let (sale_id, _) = sale_to_customer(&till, Some("9845012345")).await;
    ask(&till, &sale_id, json!({"channel": "whatsapp"})).await;
    let failed = until_state(&till, &sale_id, "failed").await;
    let why = failed["last_error"].as_str().unwrap();
    assert!(
        why.contains(
            "WhatsApp refused the message (HTTP 503): Service temporarily unavailable (code 2)"
        ) && why.contains("gave up after 2 tries"),
        "{why}"
    );
    assert_eq!(failed["attempts"], 2);
    assert_eq!(fake.taken().len(), 2);
    till.agent.stop();
}

#[tokio::test]
async fn without_a_provider_whatsapp_is_a_click_to_chat_link() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = till_with(dir.path(), None, 8).await;
    let (sale_id, key) = sale_to_customer(&till, Some("098450 12345")).await;
    let list = messages(&till, &sale_id).await;
    assert_eq!(
        (
            &list["sms_available"],
            &list["whatsapp_provider"],
            &list["customer_phone"]
        ),
        (&json!(false), &json!(false), &json!("+919845012345"))
    );
    let (status, linked) = ask(&till, &sale_id, json!({"channel": "whatsapp"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{linked}");
    assert_eq!(linked["state"], "link_only");
    let link = linked["click_to_chat"].as_str().unwrap();
    let text = link
        .strip_prefix("https://wa.me/919845012345?text=")
        .unwrap_or_else(|| panic!("{link}"));
    assert!(
        !text.contains(' ') && !text.contains('/'),
        "encoded: {text}"
    );
    let text = percent_decode(text);
    assert_eq!(
        text,
        format!(
            "Kirana Mart: thank you for shopping with us. Receipt T1-000001 for ₹145.00: https://receipts.example.in/r/{key}"
        )
    );
    let (status, again) = ask(&till, &sale_id, json!({"channel": "whatsapp"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, linked);
    // Nothing to send: nothing counts as unsent.
    let (_, status) = till.get("/v1/sync/status").await;
    assert_eq!(status["receipts_unsent"], 0, "{status}");
    till.agent.stop();
}

#[tokio::test]
async fn bad_requests_are_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let till = till_with(dir.path(), None, 8).await;
    let (with_phone, _) = sale_to_customer(&till, Some("9845012345")).await;
    let (without_phone, _) = sale_to_customer(&till, None).await;
    let unknown = uuid::Uuid::now_v7().to_string();

    let cases = [
        (
            unknown.as_str(),
            json!({"channel": "whatsapp"}),
            StatusCode::NOT_FOUND,
            "sale_id",
            unknown.clone(),
        ),
        (
            "not-a-sale",
            json!({"channel": "whatsapp"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "sale_id",
            "not a sale's id".into(),
        ),
        (
            without_phone.as_str(),
            json!({"channel": "whatsapp"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "phone",
            "has no customer mobile".into(),
        ),
        (
            with_phone.as_str(),
            json!({"channel": "whatsapp", "phone": "12345"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "phone",
            "not an Indian mobile number".into(),
        ),
        (
            with_phone.as_str(),
            json!({"channel": "sms"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "channel",
            "no SMS provider".into(),
        ),
    ];
    for (sale, body, status, field, words) in cases {
        let (got, problem) = ask(&till, sale, body.clone()).await;
        assert_eq!(got, status, "{sale} {body}: {problem}");
        assert_eq!(problem["field"], field, "{sale} {body}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(&words),
            "{sale} {body}: {problem}"
        );
    }
    let (got, problem) = ask(&till, &with_phone, json!({"channel": "email"})).await;
    assert!(got.is_client_error(), "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("channel"),
        "{problem}"
    );
    let (got, problem) = till.get(&format!("/v1/sales/{unknown}/e-receipts")).await;
    assert_eq!(got, StatusCode::NOT_FOUND, "{problem}");
    // Nothing was written for any of them.
    assert_eq!(messages(&till, &with_phone).await["messages"], json!([]));
    till.agent.stop();
}

fn config_from(pairs: &[(&str, &str)]) -> Result<AgentConfig, String> {
    let map: std::collections::HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let var = |name: &str| map.get(name).cloned();
    let env = edge_agent::config::Settings::from_env(&var)?;
    let merged = edge_agent::config::Settings::defaults().over(env);
    AgentConfig::from_settings(&merged)
}

#[test]
fn provider_settings_are_checked_at_start_up_and_secrets_never_print() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let base = [("EDGE_DATA_DIR", data)];
    let none = config_from(&base).unwrap();
    assert!(none.messages.provider.is_none());

    let err = config_from(&[base[0], ("EDGE_MESSAGES_PROVIDER", "pigeon")]).unwrap_err();
    assert!(
        err.contains("EDGE_MESSAGES_PROVIDER") && err.contains("whatsapp_cloud"),
        "{err}"
    );
    let err = config_from(&[
        base[0],
        ("EDGE_MESSAGES_PROVIDER", "whatsapp_cloud"),
        ("EDGE_MESSAGES_TOKEN", "t"),
    ])
    .unwrap_err();
    assert!(err.contains("EDGE_WHATSAPP_PHONE_NUMBER_ID"), "{err}");
    let err = config_from(&[
        base[0],
        ("EDGE_MESSAGES_PROVIDER", "twilio_sms"),
        ("EDGE_TWILIO_ACCOUNT_SID", "AC1"),
        ("EDGE_TWILIO_FROM", "+15005550006"),
    ])
    .unwrap_err();
    assert!(err.contains("EDGE_MESSAGES_TOKEN"), "{err}");
    let err =
        config_from(&[base[0], ("EDGE_RECEIPT_LINK_BASE", "receipts.example.in")]).unwrap_err();
    assert!(err.contains("receipts.link_base"), "{err}");

    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "secret-from-file\n").unwrap();
    let config = config_from(&[
        base[0],
        ("EDGE_MESSAGES_PROVIDER", "whatsapp_cloud"),
        ("EDGE_WHATSAPP_PHONE_NUMBER_ID", "106540352242922"),
        ("EDGE_MESSAGES_TOKEN_FILE", token_file.to_str().unwrap()),
    ])
    .unwrap();
    match &config.messages.provider {
        Some(Provider::WhatsappCloud {
            token, base_url, ..
        }) => {
            assert_eq!(token.expose(), "secret-from-file");
            assert_eq!(base_url, "https://graph.facebook.com");
        }
        other => panic!("{other:?}"),
    }
    assert!(!format!("{config:?}").contains("secret-from-file"));

    let map: std::collections::HashMap<&str, &str> =
        [("EDGE_MESSAGES_TOKEN", "very-secret")].into();
    let var = |name: &str| map.get(name).map(|v| v.to_string());
    let settings = edge_agent::config::Settings::defaults()
        .over(edge_agent::config::Settings::from_env(&var).unwrap());
    let printed = settings.to_toml().unwrap();
    assert!(!printed.contains("very-secret"), "{printed}");
    assert!(printed.contains("messages.token is set"), "{printed}");
}
