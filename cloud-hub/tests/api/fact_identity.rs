//! A fact is its id within the tenant plus its content: the same fact again
//! is a duplicate, anything else under a taken id is refused as an
//! `id_conflict` (never acknowledged as if stored); uploads are bounded.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// `fact` given the sale id (and so the event id) of `taken`.
fn under_id_of(mut fact: Value, taken: &Value) -> Value {
    fact["event_id"] = taken["event_id"].clone();
    fact["data"]["sale_id"] = taken["data"]["sale_id"].clone();
    fact
}

fn reason(ack: &Value, i: usize) -> String {
    ack["results"][i]["reason"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

async fn a_sale_id_reused_for_another_sale_is_a_conflict(backend: Backend) {
    let shop = shop(backend).await;
    let first = shop.sale("T1-000001", &[(0, "2")]);
    let (status, ack) = shop.upload(std::slice::from_ref(&first)).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["accepted"]);
    let before = shop.snapshot().await;

    // Another basket under the same id, from the same till.
    let other = under_id_of(shop.sale("T1-000002", &[(0, "5"), (1, "1")]), &first);
    let (status, ack) = shop.upload(&[other, first.clone()]).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["rejected", "duplicate"], "{ack}");
    assert!(reason(&ack, 0).starts_with("id_conflict:"), "{ack}");
    assert_eq!(
        shop.snapshot().await,
        before,
        "the conflicting sale wrote nothing"
    );
    assert_eq!(shop.on_hand(TEA).await, "48");
}
on_both_backends!(a_sale_id_reused_for_another_sale_is_a_conflict);

async fn another_tenants_id_is_a_conflict_not_a_duplicate(backend: Backend) {
    let first = shop(backend).await;
    let second = shop_on(first.hub.clone(), "Other Chain").await;
    let taken = first.sale("T1-000001", &[(0, "1")]);
    let (_, ack) = first.upload(std::slice::from_ref(&taken)).await;
    assert_eq!(Shop::statuses(&ack), ["accepted"]);

    let theirs = under_id_of(second.sale("T1-000001", &[(0, "1")]), &taken);
    let (status, ack) = second.upload(&[theirs]).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(Shop::statuses(&ack), ["rejected"], "{ack}");
    assert!(reason(&ack, 0).starts_with("id_conflict:"), "{ack}");
    assert!(
        second.snapshot().await["sales"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing was stored for the second tenant"
    );
    assert_eq!(second.on_hand(TEA).await, INITIAL_STOCK.to_string());
    assert_eq!(first.snapshot().await["sales"].as_array().unwrap().len(), 1);
}
on_both_backends!(another_tenants_id_is_a_conflict_not_a_duplicate);

async fn an_upload_over_the_limit_is_413_naming_it(backend: Backend) {
    let shop = shop(backend).await;
    let limit = pos_shared::limits::MAX_UPLOAD_BYTES;
    let body = format!(
        "{{\"protocol_version\":{},\"facts\":[],\"pad\":\"{}\"}}",
        pos_shared::sync::PROTOCOL_VERSION,
        "x".repeat(limit + 1)
    );
    let (status, problem) = shop
        .hub
        .post_raw("/v1/sync/outbox", &shop.device_token, &body)
        .await;
    assert_problem(
        status,
        &problem,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    assert_eq!(problem["field"], "facts");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&limit.to_string()),
        "{problem}"
    );

    // Just under the limit, a batch of many facts is taken whole.
    let facts: Vec<Value> = (1..=pos_shared::limits::MAX_UPLOAD_FACTS)
        .map(|n| shop.sale(&format!("T1-{n:06}"), &[(1, "0.001")]))
        .collect();
    let (status, ack) = shop.upload(&facts).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert!(Shop::statuses(&ack).iter().all(|s| s == "accepted"));
    let too_many = vec![json!({}); pos_shared::limits::MAX_UPLOAD_FACTS + 1];
    let (status, problem) = shop.upload(&too_many).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["field"], "facts");
}
on_both_backends!(an_upload_over_the_limit_is_413_naming_it);
