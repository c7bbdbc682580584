//! The Automerge relay's refusals of bad document messages.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::Value;

async fn bad_document_sync_messages_are_refused(backend: Backend) {
    let shop = shop(backend).await;
    let (s, b) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/documents/item_state", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");

    let post = |path: &str, body: &'static [u8], protocol: Option<&'static str>| {
        let mut req = shop
            .hub
            .http
            .post(format!("{}{path}", shop.hub.base))
            .bearer_auth(&shop.device_token)
            .header("content-type", "application/octet-stream")
            .body(body);
        if let Some(v) = protocol {
            req = req.header(pos_shared::sync::PROTOCOL_HEADER, v);
        }
        async move {
            let r = req.send().await.unwrap();
            let status = r.status();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, b) = post("/v1/sync/docs/item_state", b"\x42garbage", None).await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "malformed_sync_message");
    let (s, b) = post("/v1/sync/docs/everything", b"", None).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_document");
    assert!(b["detail"].as_str().unwrap().contains("item_state"), "{b}");
    let (s, b) = post("/v1/sync/docs/item_state", b"", Some("99")).await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "unsupported_protocol");
    // A purpose that is not text once decoded is an unknown document, said
    // as a problem (axum's own refusal was plain text).
    let (s, b) = post("/v1/sync/docs/%FF", b"", None).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "unknown_document");
    // A message past the body limit is refused as a problem too.
    let big: &'static [u8] = Vec::leak(vec![0u8; 3 * 1024 * 1024]);
    let (s, b) = post("/v1/sync/docs/item_state", big, None).await;
    assert_problem(s, &b, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    // An empty message is a terminal asking for news: the hub answers, and
    // stores no document for it.
    let r = shop
        .hub
        .http
        .post(format!("{}/v1/sync/docs/item_state", shop.hub.base))
        .bearer_auth(&shop.device_token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let (s, _) = shop
        .hub
        .get(
            &format!("/v1/stores/{}/documents/item_state", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_both_backends!(bad_document_sync_messages_are_refused);
