//! Transfers at the store, through HQ's API and the tills' sync on both
//! backends: HQ requests a transfer, the source store's till hears it and
//! dispatches what it scanned out (its batches taken first expiry first),
//! the destination's till hears the transfer and receives it by batch. A
//! second dispatch or arrival is refused so its till takes it back; bad
//! requests and facts are refused by field and change nothing.

use crate::helpers::*;
use crate::on_both_backends;
use pos_shared::sale::SaleCashier;
use pos_shared::sync::{Batch, Fact};
use pos_shared::transfer::{ArrivedLine, TransferDispatched, TransferReceived, TRANSFER_SETTLED};
use pos_shared::{Envelope, MovementId, Qty, StaffId, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

fn who() -> SaleCashier {
    SaleCashier {
        staff_id: StaffId::new(),
        name: "Ravi".into(),
    }
}

fn envelope(shop: &Shop, id: Uuid, fact: Fact) -> Value {
    let envelope = Envelope::new(
        id,
        fact.event_type(),
        crate::helpers::source_of(&fact),
        shop.tenant_id.parse().unwrap(),
        Timestamp::now(),
        fact,
    );
    serde_json::to_value(envelope).unwrap()
}

fn dispatch(till: &Shop, request: &Value, qty: &str) -> (Uuid, Value) {
    let d = TransferDispatched {
        transfer_id: Uuid::now_v7(),
        request_id: request["request_id"].as_str().unwrap().parse().unwrap(),
        store_id: till.store_id.parse().unwrap(),
        terminal_id: till.terminal_id.parse().unwrap(),
        variant_id: request["variant_id"].as_str().unwrap().parse().unwrap(),
        qty: Qty::parse(qty).unwrap(),
        dispatched_at: Timestamp::now(),
        dispatched_by: who(),
    };
    (
        d.transfer_id,
        envelope(till, d.transfer_id, Fact::TransferDispatched(d)),
    )
}

fn arrival(till: &Shop, transfer: &Value, lines: &[(Option<(&str, &str)>, &str)]) -> Value {
    let r = TransferReceived {
        receipt_id: Uuid::now_v7(),
        transfer_id: transfer["transfer_id"].as_str().unwrap().parse().unwrap(),
        store_id: till.store_id.parse().unwrap(),
        terminal_id: till.terminal_id.parse().unwrap(),
        variant_id: transfer["variant_id"].as_str().unwrap().parse().unwrap(),
        received_at: Timestamp::now(),
        received_by: who(),
        lines: lines
            .iter()
            .map(|(batch, qty)| ArrivedLine {
                batch: batch.map(|(code, day)| Batch {
                    code: code.into(),
                    expires_on: day.into(),
                }),
                qty: Qty::parse(qty).unwrap(),
                movement_id: MovementId::new(),
            })
            .collect(),
    };
    envelope(till, r.receipt_id, Fact::TransferReceived(r))
}

/// The single result of an upload: its status and reason.
async fn upload_one(till: &Shop, fact: &Value) -> (String, String) {
    let (s, ack) = till.upload(std::slice::from_ref(fact)).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    let r = &ack["results"][0];
    (
        r["status"].as_str().unwrap().to_owned(),
        r["reason"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The last change of `kind` the till heard after `since`.
async fn last_heard(till: &Shop, since: u64, kind: &str) -> Option<Value> {
    let (changes, _) = till.feed_after(since).await;
    changes.into_iter().rfind(|c| c["type"] == kind)
}

/// The transfer records of a new till's snapshot at protocol `v`, after
/// checking the header counts them.
async fn snapshot_kinds(till: &Shop, v: u16) -> Vec<String> {
    let lines = till.snapshot_records(v).await;
    let kinds: Vec<String> = lines
        .iter()
        .filter_map(|l| l["type"].as_str())
        .filter(|t| t.starts_with("transfer"))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        lines[0]["transfers"].as_u64().unwrap_or(0),
        kinds.len() as u64,
        "v{v}"
    );
    kinds
}

async fn on_hand_at(shop: &Shop, store: &str, variant: &str) -> String {
    let (_, inventory) = shop
        .hub
        .get(&format!("/v1/stores/{store}/inventory"), &shop.api_key)
        .await;
    inventory["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["variant_id"] == variant)
        .map_or("0".into(), |p| p["on_hand"].as_str().unwrap().to_owned())
}

async fn a_requested_transfer_is_dispatched_and_received_at_the_stores(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, &shop.api_key);
    let (from, tea) = (shop.store_id.clone(), shop.variants[0].0.clone());
    let dest = shop.second_store("BLR-2", "HSR dark store").await;
    let to = dest.store_id.clone();
    for (code, day, qty) in [("L1", "2027-01-31", "4"), ("L2", "2027-06-30", "10")] {
        let (s, b) = hub
            .post(
                &format!("/v1/stores/{from}/movements"),
                key,
                json!({"variant_id": tea, "delta": qty, "reason": "receipt",
                       "batch": {"code": code, "expires_on": day}}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let (_, source_cursor) = shop.feed_after(0).await;
    let (_, dest_cursor) = dest.feed_after(0).await;

    // HQ asks; nothing moves; only the source's till hears of it.
    let path = format!("/v1/stores/{from}/transfer-requests");
    let id = Uuid::now_v7().to_string();
    let body = json!({"request_id": id, "to_store_id": to, "variant_id": tea, "qty": "12", "note": "restock HSR"});
    let (s, request) = hub.post(&path, key, body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{request}");
    assert_eq!(request["state"], "open");
    assert_eq!(request["to_store_name"], "HSR dark store");
    let (s, again) = hub.post(&path, key, body).await;
    assert_eq!((s, &again), (StatusCode::OK, &request));
    assert_eq!(on_hand_at(&shop, &from, &tea).await, "64");
    let heard = last_heard(&shop, source_cursor, "transfer_requested")
        .await
        .expect("the source's till hears the request");
    assert_eq!(heard["request_id"], id);
    assert!(last_heard(&dest, dest_cursor, "transfer_requested")
        .await
        .is_none());
    // A protocol-11 till cannot read it: its feed and snapshot leave it out.
    let (s, old) = hub
        .get(
            &format!("/v1/sync/feed?since={source_cursor}&limit=1000&v=11"),
            &shop.device_token,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{old}");
    assert!(!old.to_string().contains("transfer_requested"), "{old}");
    assert_eq!(snapshot_kinds(&shop, 12).await, ["transfer_request"]);
    assert!(snapshot_kinds(&shop, 11).await.is_empty());

    // The source's till scans out 12: batches first expiry first.
    let (transfer_id, sent) = dispatch(&shop, &request, "12");
    assert_eq!(upload_one(&shop, &sent).await.0, "accepted");
    assert_eq!(upload_one(&shop, &sent).await.0, "duplicate");
    assert_eq!(on_hand_at(&shop, &from, &tea).await, "52");
    let (_, request) = hub.get(&format!("/v1/transfer-requests/{id}"), key).await;
    assert_eq!(request["state"], "dispatched");
    assert_eq!(request["transfer_id"], transfer_id.to_string());
    let (_, transfer) = hub.get(&format!("/v1/transfers/{transfer_id}"), key).await;
    assert_eq!(transfer["state"], "in_transit");
    assert_eq!(transfer["qty"], "12");
    assert_eq!(transfer["request_id"], id);
    assert_eq!(transfer["dispatched_by"], "Ravi");
    assert_eq!(transfer["from_store_name"], "Indiranagar");
    let sent_batches: Vec<(String, String)> = transfer["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["code"].as_str().unwrap().into(),
                b["qty"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        sent_batches,
        [("L1".into(), "4".into()), ("L2".into(), "8".into())]
    );
    let heard = last_heard(&dest, dest_cursor, "transfer_changed")
        .await
        .expect("the destination's till hears the transfer");
    assert_eq!(heard["state"], "in_transit");
    assert_eq!(heard["batches"].as_array().unwrap().len(), 2);
    let heard = last_heard(&shop, source_cursor, "transfer_requested")
        .await
        .unwrap();
    assert_eq!(
        heard["state"], "dispatched",
        "the source's tills stop offering it"
    );

    // A second dispatch of the same request (another till, while apart) is
    // refused so that till takes its movement back; HQ cannot cancel it now.
    let (_, twice) = dispatch(&shop, &request, "12");
    let (status, reason) = upload_one(&shop, &twice).await;
    assert_eq!(status, "rejected");
    assert!(reason.starts_with(TRANSFER_SETTLED), "{reason}");
    assert!(reason.contains("by Ravi"), "{reason}");
    assert_eq!(on_hand_at(&shop, &from, &tea).await, "52");
    let (s, b) = hub
        .post(
            &format!("/v1/transfer-requests/{id}/cancel"),
            key,
            json!({}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");

    // The wrong store, a batch not sent, more than sent: refused.
    let (status, reason) = upload_one(&shop, &arrival(&shop, &transfer, &[(None, "1")])).await;
    assert_eq!(status, "rejected");
    assert!(reason.starts_with("transfer_id:"), "{reason}");
    let wrong = arrival(&dest, &transfer, &[(Some(("L9", "2027-01-31")), "1")]);
    let (status, reason) = upload_one(&dest, &wrong).await;
    assert_eq!(status, "rejected");
    assert!(reason.starts_with("lines[0].batch.code"), "{reason}");
    let (status, reason) = upload_one(&dest, &arrival(&dest, &transfer, &[(None, "13")])).await;
    assert_eq!(status, "rejected");
    assert!(reason.starts_with("lines:"), "{reason}");
    assert_eq!(on_hand_at(&shop, &to, &tea).await, "0");

    // The destination's till receives 9 into the batches sent: 3 short.
    let got = arrival(
        &dest,
        &transfer,
        &[
            (Some(("L1", "2027-01-31")), "4"),
            (Some(("L2", "2027-06-30")), "5"),
        ],
    );
    assert_eq!(upload_one(&dest, &got).await.0, "accepted");
    let (_, transfer) = hub.get(&format!("/v1/transfers/{transfer_id}"), key).await;
    assert_eq!(transfer["state"], "received");
    assert_eq!(transfer["received_qty"], "9");
    assert_eq!(transfer["shortfall"], "3");
    assert_eq!(transfer["received_by"], "Ravi");
    let received: Vec<&str> = transfer["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["received_qty"].as_str().unwrap())
        .collect();
    assert_eq!(received, ["4", "5"]);
    assert_eq!(on_hand_at(&shop, &to, &tea).await, "9");
    let (_, batches) = hub.get(&format!("/v1/stores/{to}/batches"), key).await;
    let held: Vec<(&str, &str)> = batches
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["code"].as_str().unwrap(), b["on_hand"].as_str().unwrap()))
        .collect();
    assert_eq!(held, [("L1", "4"), ("L2", "5")]);
    let heard = last_heard(&dest, dest_cursor, "transfer_changed")
        .await
        .unwrap();
    assert_eq!(heard["state"], "received");

    // A second arrival is refused so its till takes it back; HQ's receive
    // of another quantity is a 409.
    let (status, reason) = upload_one(&dest, &arrival(&dest, &transfer, &[(None, "2")])).await;
    assert_eq!(status, "rejected");
    assert!(reason.starts_with(TRANSFER_SETTLED), "{reason}");
    assert_eq!(on_hand_at(&shop, &to, &tea).await, "9");
    let (s, b) = hub
        .post(
            &format!("/v1/transfers/{transfer_id}/receive"),
            key,
            json!({"received_qty": "12"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "wrong_state");

    // Listed both ways, a page at a time.
    for store in [&from, &to] {
        let listed = page_through(
            hub,
            &format!("/v1/stores/{store}/transfer-requests"),
            key,
            1,
        )
        .await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["request_id"], id);
    }
}

async fn requests_are_refused_by_field_and_cancelled_once(backend: Backend) {
    let shop = shop(backend).await;
    let (hub, key) = (&shop.hub, &shop.api_key);
    let (from, tea) = (shop.store_id.clone(), shop.variants[0].0.clone());
    let rice = shop.variants[1].0.clone();
    let dest = shop.second_store("BLR-2", "HSR dark store").await;
    let to = dest.store_id.clone();
    let path = format!("/v1/stores/{from}/transfer-requests");
    for (body, field) in [
        (
            json!({"to_store_id": to, "variant_id": tea, "qty": "0"}),
            "qty",
        ),
        (
            json!({"to_store_id": from, "variant_id": tea, "qty": "1"}),
            "to_store_id",
        ),
        (
            json!({"to_store_id": to, "variant_id": tea, "qty": "1.5"}),
            "qty",
        ),
        (
            json!({"to_store_id": to, "variant_id": tea, "qty": "1", "note": "x".repeat(201)}),
            "note",
        ),
    ] {
        let (s, b) = hub.post(&path, key, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(b["field"], field, "{b}");
    }
    let unknown = pos_shared::VariantId::new().to_string();
    let (s, b) = hub
        .post(
            &path,
            key,
            json!({"to_store_id": to, "variant_id": unknown, "qty": "1"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = hub
        .post(
            &path,
            key,
            json!({"to_store_id": pos_shared::StoreId::new(), "variant_id": tea, "qty": "1"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (_, listed) = hub.get(&path, key).await;
    assert_eq!(listed["items"], json!([]), "nothing half-made");

    // A request and a transfer never share an id: tills know both by it.
    let (s, sent) = hub
        .post(
            &format!("/v1/stores/{from}/transfers"),
            key,
            json!({"to_store_id": to, "variant_id": tea, "qty": "1"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sent}");
    let (s, b) = hub
        .post(
            &path,
            key,
            json!({"request_id": sent["transfer_id"], "to_store_id": to, "variant_id": tea, "qty": "1"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "conflict");
    assert_eq!(b["field"], "request_id", "{b}");
    let (s, asked) = hub
        .post(
            &path,
            key,
            json!({"to_store_id": to, "variant_id": tea, "qty": "1"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{asked}");
    let (s, b) = hub
        .post(
            &format!("/v1/stores/{from}/transfers"),
            key,
            json!({"transfer_id": asked["request_id"], "to_store_id": to, "variant_id": tea, "qty": "1"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "conflict");
    assert_eq!(b["field"], "transfer_id", "{b}");

    // Loose rice by the kilo: a dispatch beyond what was asked, or in a
    // unit the item does not count in, is refused.
    let (s, request) = hub
        .post(
            &path,
            key,
            json!({"to_store_id": to, "variant_id": rice, "qty": "2.5"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{request}");
    let (_, more) = dispatch(&shop, &request, "3");
    let (status, reason) = upload_one(&shop, &more).await;
    assert_eq!(status, "rejected");
    assert!(reason.starts_with("qty:"), "{reason}");
    let (_, wrong_till) = dispatch(&dest, &request, "1");
    let (status, reason) = upload_one(&dest, &wrong_till).await;
    assert_eq!(status, "rejected");
    assert!(reason.starts_with("request_id:"), "{reason}");

    // Cancelled once; the source's till hears it; a dispatch made offline
    // before it heard still stands (the goods left).
    let id = request["request_id"].as_str().unwrap();
    let (_, cursor) = shop.feed_after(0).await;
    for _ in 0..2 {
        let (s, b) = hub
            .post(
                &format!("/v1/transfer-requests/{id}/cancel"),
                key,
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["state"], "cancelled");
    }
    let heard = last_heard(&shop, cursor, "transfer_requested")
        .await
        .expect("the till hears the cancel");
    assert_eq!(heard["state"], "cancelled");
    let (_, late) = dispatch(&shop, &request, "2.5");
    assert_eq!(upload_one(&shop, &late).await.0, "accepted");
    assert_eq!(on_hand_at(&shop, &from, &rice).await, "47.5");
    let (_, request) = hub.get(&format!("/v1/transfer-requests/{id}"), key).await;
    assert_eq!(request["state"], "dispatched");
}

on_both_backends!(a_requested_transfer_is_dispatched_and_received_at_the_stores);
on_both_backends!(requests_are_refused_by_field_and_cancelled_once);
