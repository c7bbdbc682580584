//! Transfers at one till, through its HTTP API and SQLite file: HQ's request
//! to send and a transfer on its way arrive in the feed; whoever is signed
//! in scans the goods out and dispatches them, and scans an arrival in by
//! batch (a GS1 label's batch, plain scans put into the batches sent first
//! expiry first) and receives it. The stock moves at once and the facts
//! wait in the outbox. Wrong items, extra packs, batches not sent and
//! repeats are refused in words; a dispatch the hub refuses as the second
//! is taken back.

mod common;

use common::*;
use pos_shared::staff::Role;
use pos_shared::sync::ChangeBody;
use pos_shared::transfer::{
    Transfer, TransferBatch, TransferRequest, TransferRequestState, TransferState,
};
use pos_shared::{Qty, StoreId, Timestamp, VariantId};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const CLERK: (&str, &str) = ("101", "4821");

fn request(from: StoreId, variant: VariantId, qty: i64) -> TransferRequest {
    TransferRequest {
        request_id: Uuid::now_v7(),
        from_store_id: from,
        from_store_name: "Indiranagar".into(),
        to_store_id: StoreId::new(),
        to_store_name: "HSR dark store".into(),
        variant_id: variant,
        qty: Qty::units(qty),
        note: "restock HSR".into(),
        state: TransferRequestState::Open,
        raised_at: Timestamp::now(),
        transfer_id: None,
    }
}

fn transfer_to(to: StoreId, variant: VariantId, batches: &[(&str, &str, i64)]) -> Transfer {
    let batches: Vec<TransferBatch> = batches
        .iter()
        .map(|(code, day, qty)| TransferBatch {
            code: (*code).into(),
            expires_on: (*day).into(),
            qty: Qty::units(*qty),
            received_qty: None,
        })
        .collect();
    Transfer {
        transfer_id: Uuid::now_v7(),
        request_id: None,
        from_store_id: StoreId::new(),
        from_store_name: "Warehouse".into(),
        to_store_id: to,
        to_store_name: "Indiranagar".into(),
        variant_id: variant,
        qty: Qty::units(
            batches
                .iter()
                .map(|b| b.qty.milli() / 1000)
                .sum::<i64>()
                .max(3),
        ),
        note: String::new(),
        state: TransferState::InTransit,
        dispatched_at: Timestamp::now(),
        dispatched_by: Some("Meena".into()),
        received_qty: None,
        shortfall: None,
        received_at: None,
        received_by: None,
        batches,
    }
}

async fn sign_in(till: &Till) {
    let (s, b) = post_json(
        till,
        "/v1/session",
        json!({"code": CLERK.0, "pin": CLERK.1}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

async fn scan(till: &Till, id: Uuid, body: Value) -> (StatusCode, Value) {
    post_json(till, &format!("/v1/transfers/{id}/scans"), body).await
}

#[tokio::test]
async fn goods_are_scanned_out_and_in_and_move_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let store = credential.store_id;
    let (tea, rice) = (
        variant_of(dir.path(), "Assam"),
        variant_of(dir.path(), "Rice"),
    );
    let to_send = request(store, tea, 6);
    let coming = transfer_to(
        store,
        tea,
        &[("L1", "2027-01-31", 4), ("L2", "2027-06-30", 6)],
    );
    let empty = transfer_to(store, rice, &[]);
    let elsewhere = request(StoreId::new(), tea, 1);
    let clerk = member(store, CLERK.0, "Ravi", Role::Cashier, CLERK.1);
    apply_changes(
        dir.path(),
        store,
        5,
        vec![
            ChangeBody::StaffUpserted(clerk),
            ChangeBody::TransferRequested(to_send.clone()),
            ChangeBody::TransferChanged(coming.clone()),
            ChangeBody::TransferChanged(empty.clone()),
            ChangeBody::TransferRequested(elsewhere),
        ],
    );
    let tea_before = on_hand(dir.path(), tea);
    let till = start_till(dir.path()).await;

    let (s, b) = scan(&till, to_send.request_id, json!({"code": TEA})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    sign_in(&till).await;
    let (s, listed) = till.get("/v1/transfers").await;
    assert_eq!(s, StatusCode::OK, "{listed}");
    assert_eq!(listed["to_send"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["to_send"][0]["other_store"], "HSR dark store");
    assert_eq!(listed["to_send"][0]["expected"], "6");
    assert_eq!(listed["to_receive"].as_array().unwrap().len(), 2);

    // Out: the wrong item and an extra case are refused in words.
    let (s, b) = scan(&till, to_send.request_id, json!({"code": RICE})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(
        b["detail"]
            .as_str()
            .unwrap()
            .contains("not in this transfer"),
        "{b}"
    );
    for _ in 0..2 {
        let (s, b) = scan(&till, to_send.request_id, json!({"code": TEA})).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let (s, b) = scan(&till, to_send.request_id, json!({"code": TEA, "qty": "5"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b["detail"].as_str().unwrap().contains("Only 6"), "{b}");
    let path = format!("/v1/transfers/{}/dispatch", to_send.request_id);
    let (s, b) = post_json(&till, &path, json!({"qty": "1"})).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "it dispatches what was counted, nothing else: {b}"
    );
    let (s, b) = post_json(
        &till,
        &format!("/v1/transfers/{}/dispatch", to_send.request_id),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["done_here"]["qty"], "2", "dispatches what was counted");
    assert_eq!(on_hand(dir.path(), tea), tea_before - 2_000);
    let dispatched = queued(dir.path(), "pos.transfer.dispatched");
    assert_eq!(dispatched.len(), 1);
    assert_eq!(dispatched[0]["data"]["qty"], "2");
    assert_eq!(
        dispatched[0]["data"]["request_id"],
        to_send.request_id.to_string()
    );
    let (s, again) = post_json(
        &till,
        &format!("/v1/transfers/{}/dispatch", to_send.request_id),
        json!({}),
    )
    .await;
    assert_eq!((s, &again["done_here"]), (StatusCode::OK, &b["done_here"]));
    assert_eq!(
        queued(dir.path(), "pos.transfer.dispatched").len(),
        1,
        "once"
    );
    let (s, b) = scan(&till, to_send.request_id, json!({"code": TEA})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    let path = format!("/v1/transfers/{}/receive", to_send.request_id);
    let (s, b) = post_json(&till, &path, json!({})).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a request is dispatched, never received: {b}"
    );

    // In: a label's batch counts into it; a batch not sent or with another
    // date is refused; plain scans fill the sent batches first to expire.
    let id = coming.transfer_id;
    let (s, b) = scan(
        &till,
        id,
        json!({"code": gs1_label(TEA, "270131", "L1", None)}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["batch"]["code"], "L1");
    let (s, b) = scan(
        &till,
        id,
        json!({"code": gs1_label(TEA, "270131", "L9", None)}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(
        b["detail"]
            .as_str()
            .unwrap()
            .contains("not recorded as sent"),
        "{b}"
    );
    let (s, b) = scan(
        &till,
        id,
        json!({"code": gs1_label(TEA, "270228", "L1", None)}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b["detail"].as_str().unwrap().contains("2027-01-31"), "{b}");
    let (s, b) = scan(&till, id, json!({"code": TEA, "qty": "5"})).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["sheet"]["counted"], "6");
    let (s, b) = put_json(
        &till,
        &format!("/v1/transfers/{id}/count"),
        json!({"batch_code": "L2", "qty": "7"}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "more of L2 than was sent: {b}"
    );
    assert_eq!(b["field"], "qty", "{b}");
    assert!(b["detail"].as_str().unwrap().contains("of batch L2"), "{b}");
    let path = format!("/v1/transfers/{id}/receive");
    let (s, b) = post_json(&till, &path, json!({"nothing_arrived": true})).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "goods were counted: {b}"
    );
    assert_eq!(b["field"], "nothing_arrived", "{b}");
    let before = on_hand(dir.path(), tea);
    let (s, b) = post_json(&till, &format!("/v1/transfers/{id}/receive"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(on_hand(dir.path(), tea), before + 6_000);
    let received = queued(dir.path(), "pos.transfer.received");
    let lines: Vec<(Value, Value)> = received[0]["data"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["batch"]["code"].clone(), l["qty"].clone()))
        .collect();
    assert_eq!(
        lines,
        [(json!("L1"), json!("4")), (json!("L2"), json!("2"))],
        "1 scanned into L1, the 5 plain ones fill L1 then L2"
    );

    // Nothing arrived: only when said so.
    let (s, b) = post_json(
        &till,
        &format!("/v1/transfers/{}/receive", empty.transfer_id),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["field"], "counted", "{b}");
    let (s, b) = post_json(
        &till,
        &format!("/v1/transfers/{}/receive", empty.transfer_id),
        json!({"nothing_arrived": true}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["done_here"]["qty"], "0");
    let (_, listed) = till.get("/v1/transfers").await;
    assert_eq!(listed["to_send"], json!([]));
    assert_eq!(listed["to_receive"], json!([]));

    // The hub keeps another till's dispatch of the request: this till's is
    // taken back from its ledger at once.
    let id: Uuid = dispatched[0]["event_id"].as_str().unwrap().parse().unwrap();
    let store = edge_agent::store::LocalStore::open(&dir.path().join("edge.db")).unwrap();
    store
        .with_conn(|c| {
            edge_agent::store::outbox::settle(
                c,
                &[edge_agent::store::outbox::Verdict::Quarantined(
                    id,
                    format!(
                        "{} the request was already dispatched",
                        pos_shared::transfer::TRANSFER_SETTLED
                    ),
                )],
            )
        })
        .unwrap();
    assert_eq!(on_hand(dir.path(), tea), tea_before + 6_000);
}

#[tokio::test]
async fn a_cancelled_request_is_not_dispatched_and_unknown_ids_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let credential = seed(dir.path());
    let store = credential.store_id;
    let tea = variant_of(dir.path(), "Assam");
    let mut r = request(store, tea, 3);
    let clerk = member(store, CLERK.0, "Ravi", Role::Cashier, CLERK.1);
    apply_changes(
        dir.path(),
        store,
        5,
        vec![
            ChangeBody::StaffUpserted(clerk),
            ChangeBody::TransferRequested(r.clone()),
        ],
    );
    r.state = TransferRequestState::Cancelled;
    apply_changes(
        dir.path(),
        store,
        7,
        vec![ChangeBody::TransferRequested(r.clone())],
    );
    let till = start_till(dir.path()).await;
    sign_in(&till).await;
    let (s, b) = scan(&till, r.request_id, json!({"code": TEA})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(
        b["detail"].as_str().unwrap().contains("HQ cancelled"),
        "{b}"
    );
    let (_, listed) = till.get("/v1/transfers").await;
    assert_eq!(listed["to_send"], json!([]));
    let (s, b) = scan(&till, Uuid::now_v7(), json!({"code": TEA})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    let (s, b) = post_json(
        &till,
        &format!("/v1/transfers/{}/scans", r.request_id),
        json!({"code": TEA, "qty": "two"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["field"], "qty", "{b}");
}
