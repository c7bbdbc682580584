//! Buying stock in at the hub, through HQ's API and the tills' upload: HQ
//! lists a supplier and raises a purchase order for a store (its terminals
//! hear of it in the feed and the snapshot, from protocol 10 on); the store's
//! receipts arrive as facts and move stock into their batches once; the
//! order then reads line by line what came short, over, damaged or not
//! ordered, and moves on (part received, received); HQ closes or cancels
//! orders as their state allows. Bad input is refused by field and leaves
//! nothing half-written.

use crate::helpers::*;
use crate::on_both_backends;
use pos_shared::purchase::{GoodsReceived, ReceivedLine};
use pos_shared::sale::SaleCashier;
use pos_shared::sync::{Batch, Fact};
use pos_shared::{Envelope, MovementId, Qty, StaffId, Timestamp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

/// A supplier on the shop's list; each its own GST registration (one
/// registration is one supplier).
pub(crate) async fn supplier(shop: &Shop, name: &str) -> String {
    let gstin = match name {
        n if n.starts_with("Sharma") => "29ABCDE1234F1ZW",
        n if n.starts_with("Gupta") => "27AAPFU0939F1ZV",
        _ => "07AAACR5055K1Z9",
    };
    let (s, b) = shop
        .hub
        .post(
            "/v1/suppliers",
            &shop.api_key,
            json!({"name": name, "gstin": gstin, "phone": "+91 80 4000 1234"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["supplier_id"].as_str().unwrap().to_owned()
}

/// An order of 24 tea and 50 kg of rice.
pub(crate) async fn raise(shop: &Shop, supplier: &str) -> Value {
    let (s, b) = shop
        .hub
        .post(
            &format!("/v1/stores/{}/purchase-orders", shop.store_id),
            &shop.api_key,
            json!({"supplier_id": supplier, "expected_on": "2026-12-08", "lines": [
                {"variant_id": shop.variants[0].0, "qty": "24", "unit_cost_minor": 11000},
                {"variant_id": shop.variants[1].0, "qty": "50"}
            ]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b
}

/// A receipt from the shop's till: `(variant index, batch, received, damaged)`.
pub(crate) fn receipt(
    shop: &Shop,
    po: Option<&str>,
    supplier: &str,
    lines: &[(usize, Option<&str>, &str, &str)],
) -> GoodsReceived {
    GoodsReceived {
        receipt_id: Uuid::now_v7(),
        po_id: po.map(|p| p.parse().unwrap()),
        supplier_id: supplier.parse().unwrap(),
        store_id: shop.store_id.parse().unwrap(),
        terminal_id: shop.terminal_id.parse().unwrap(),
        started_at: Timestamp::from_unix_millis(Timestamp::now().unix_millis() - 60_000),
        received_at: Timestamp::now(),
        received_by: SaleCashier {
            staff_id: StaffId::new(),
            name: "Ravi".into(),
        },
        bill_no: "INV-4471".into(),
        note: String::new(),
        lines: lines
            .iter()
            .map(|(i, batch, received, damaged)| {
                let received = Qty::parse(received).unwrap();
                ReceivedLine {
                    variant_id: shop.variants[*i].0.parse().unwrap(),
                    batch: batch.map(|code| Batch {
                        code: code.into(),
                        expires_on: "2027-03-31".into(),
                    }),
                    received,
                    damaged: Qty::parse(damaged).unwrap(),
                    movement_id: received.is_positive().then(MovementId::new),
                }
            })
            .collect(),
    }
}

pub(crate) fn envelope(shop: &Shop, r: GoodsReceived) -> Value {
    let e = Envelope::new(
        r.receipt_id,
        "pos.goods.received",
        format!("terminal:{}", shop.terminal_id),
        shop.tenant_id.parse().unwrap(),
        r.received_at,
        Fact::GoodsReceived(r),
    );
    serde_json::to_value(e).unwrap()
}

pub(crate) async fn upload_one(shop: &Shop, fact: Value) -> (String, String) {
    let (s, ack) = shop.upload(&[fact]).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    let r = &ack["results"][0];
    (
        r["status"].as_str().unwrap().to_owned(),
        r["reason"].as_str().unwrap_or_default().to_owned(),
    )
}

fn item<'a>(order: &'a Value, sku: &str) -> &'a Value {
    order["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["sku"] == sku)
        .unwrap_or_else(|| panic!("no {sku}: {order}"))
}

async fn feed_orders(shop: &Shop, v: u16) -> Vec<Value> {
    let (s, page) = shop
        .hub
        .get(
            &format!("/v1/sync/feed?since=0&limit=5000&v={v}"),
            &shop.device_token,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "purchase_order_changed")
        .cloned()
        .collect()
}

async fn an_order_received_in_two_deliveries_moves_stock_into_batches_and_reads_its_differences(
    backend: Backend,
) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let sharma = supplier(&shop, "Sharma Traders").await;
    let po = raise(&shop, &sharma).await;
    let po_id = po["po_id"].as_str().unwrap().to_owned();
    assert_eq!(po["number"], "PO-000001");
    assert_eq!(po["state"], "open");
    assert_eq!(item(&po, "TEA-250")["short"], "24");

    // The store's tills hear of it (protocol 10 on; older ones are told to
    // upgrade).
    let heard = feed_orders(&shop, 11).await;
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(heard[0]["number"], "PO-000001");
    assert_eq!(heard[0]["lines"][1]["ordered"], "50");

    // First delivery: 20 tea in batch T-1 with 2 damaged, 30 kg of rice.
    let first = receipt(
        &shop,
        Some(&po_id),
        &sharma,
        &[(0, Some("T-1"), "20", "2"), (1, None, "30", "0")],
    );
    let first_envelope = envelope(&shop, first.clone());
    assert_eq!(
        upload_one(&shop, first_envelope.clone()).await.0,
        "accepted"
    );
    assert_eq!(
        shop.on_hand(TEA).await,
        "70",
        "the damaged two did not come in"
    );
    assert_eq!(shop.on_hand(RICE).await, "80");
    // Sent again (the till did not hear the answer): moved once.
    assert_eq!(upload_one(&shop, first_envelope).await.0, "duplicate");
    assert_eq!(shop.on_hand(TEA).await, "70");

    let (_, order) = hub
        .get(&format!("/v1/purchase-orders/{po_id}"), &shop.api_key)
        .await;
    assert_eq!(order["state"], "part_received", "{order}");
    let tea = item(&order, "TEA-250");
    assert_eq!(
        (
            tea["received"].as_str(),
            tea["damaged"].as_str(),
            tea["short"].as_str()
        ),
        (Some("20"), Some("2"), Some("4"))
    );
    assert_eq!(order["differs"], true);
    assert_eq!(order["deliveries"].as_array().unwrap().len(), 1);
    assert_eq!(order["deliveries"][0]["received_by"]["name"], "Ravi");
    assert_eq!(order["deliveries"][0]["bill_no"], "INV-4471");
    // Worth at the agreed costs (only tea has one): ordered and come in.
    assert_eq!(
        (
            order["ordered_minor"].as_i64(),
            order["received_minor"].as_i64()
        ),
        (Some(264_000), Some(220_000)),
        "{order}"
    );

    // The tills hear where it stands.
    let heard = feed_orders(&shop, 11).await;
    let last = heard.last().unwrap();
    assert_eq!(last["state"], "part_received");
    assert_eq!(last["lines"][0]["received"], "20");

    // Second delivery: the rest of the tea, 21 kg of rice (one over) and
    // six soaps nobody ordered.
    let (s, soap) = hub
        .post(
            "/v1/products",
            &shop.api_key,
            json!({"name": "Neem Soap", "variants": [{"name": "Neem Soap", "sku": "SOAP-1", "barcode": "8901058000023",
                "price": {"minor": 4000, "currency": "INR"}}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{soap}");
    let mut shop = Shop::clone_of(&shop);
    shop.variants.push((
        soap["variants"][0]["variant_id"]
            .as_str()
            .unwrap()
            .to_owned(),
        "8901058000023".into(),
        4000,
    ));
    let second = receipt(
        &shop,
        Some(&po_id),
        &sharma,
        &[
            (0, Some("T-2"), "4", "0"),
            (1, None, "21", "0"),
            (2, Some("S-1"), "6", "0"),
        ],
    );
    assert_eq!(
        upload_one(&shop, envelope(&shop, second)).await.0,
        "accepted"
    );
    let (_, order) = hub
        .get(&format!("/v1/purchase-orders/{po_id}"), &shop.api_key)
        .await;
    assert_eq!(order["state"], "received", "every line in full: {order}");
    // The second delivery came under the first's bill number: said so.
    assert_eq!(
        order["deliveries"][1]["same_bill_as"], order["deliveries"][0]["receipt_id"],
        "{order}"
    );
    assert!(order["deliveries"][0].get("same_bill_as").is_none());
    let rice = item(&order, "RICE-KG");
    assert_eq!(
        (
            rice["received"].as_str(),
            rice["short"].as_str(),
            rice["excess"].as_str()
        ),
        (Some("51"), Some("0"), Some("1"))
    );
    let soap = item(&order, "SOAP-1");
    assert_eq!(
        (soap["ordered"].as_str(), soap["excess"].as_str()),
        (Some("0"), Some("6")),
        "not ordered: {order}"
    );

    // Into their batches.
    let (s, batches) = hub
        .get(
            &format!("/v1/stores/{}/batches", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{batches}");
    let codes: Vec<(&str, &str)> = batches
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["code"].as_str().unwrap(), b["on_hand"].as_str().unwrap()))
        .collect();
    for expected in [("T-1", "20"), ("T-2", "4"), ("S-1", "6")] {
        assert!(codes.contains(&expected), "{expected:?} in {codes:?}");
    }

    // HQ's lists: the store's orders by state, its deliveries, one delivery.
    let (_, list) = hub
        .get(
            &format!(
                "/v1/stores/{}/purchase-orders?state=received",
                shop.store_id
            ),
            &shop.api_key,
        )
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["receipts"], 2);
    let (_, none) = hub
        .get(
            &format!("/v1/stores/{}/purchase-orders?state=open", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert!(none["items"].as_array().unwrap().is_empty(), "{none}");
    let (s, bad) = hub
        .get(
            &format!("/v1/stores/{}/purchase-orders?state=shipped", shop.store_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(
        (s, bad["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("state"))
    );
    let receipts = page_through(
        hub,
        &format!("/v1/stores/{}/goods-receipts", shop.store_id),
        &shop.api_key,
        1,
    )
    .await;
    assert_eq!(receipts.len(), 2);
    assert_eq!(receipts[0]["po_number"], "PO-000001");
    let (_, one) = hub
        .get(
            &format!("/v1/goods-receipts/{}", first.receipt_id),
            &shop.api_key,
        )
        .await;
    assert_eq!(one["items"][0]["batch"]["code"], "T-1", "{one}");
    assert_eq!(one["items"][0]["damaged"], "2");
    assert_eq!(
        (
            one["lines_received"].as_u64(),
            one["lines_damaged"].as_u64()
        ),
        (Some(2), Some(1)),
        "{one}"
    );

    // HQ heard of each delivery.
    let (_, events) = hub
        .get("/v1/events?type=purchase.goods_received", &shop.api_key)
        .await;
    let events = events["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["data"]["po_number"], "PO-000001");

    // A received order is not cancelled, nor closed again.
    let (s, b) = hub
        .post(
            &format!("/v1/purchase-orders/{po_id}/cancel"),
            &shop.api_key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(
        b["detail"].as_str().unwrap().contains("already received"),
        "{b}"
    );
}
on_both_backends!(
    an_order_received_in_two_deliveries_moves_stock_into_batches_and_reads_its_differences
);

async fn orders_and_receipts_that_do_not_add_up_are_refused_by_field_and_move_nothing(
    backend: Backend,
) {
    let shop = shop(backend).await;
    let hub = &shop.hub;
    let key = &shop.api_key;
    let sharma = supplier(&shop, "Sharma Traders").await;

    // Suppliers: one a name, a GSTIN that checks out.
    for (body, field) in [
        (json!({"name": " sharma traders "}), "name"),
        (json!({"name": ""}), "name"),
        (
            json!({"name": "Gupta", "gstin": "29ABCDE1234F1Z5"}),
            "gstin",
        ),
        (json!({"name": "Gupta", "phone": "call me"}), "phone"),
    ] {
        let (s, b) = hub.post("/v1/suppliers", key, body.clone()).await;
        assert_eq!(
            (s, b["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{body}: {b}"
        );
    }

    let store = &shop.store_id;
    let tea = &shop.variants[0].0;
    let path = format!("/v1/stores/{store}/purchase-orders");
    for (body, field) in [
        (json!({"supplier_id": sharma, "lines": []}), "lines"),
        (
            json!({"supplier_id": Uuid::now_v7(), "lines": [{"variant_id": tea, "qty": "1"}]}),
            "supplier_id",
        ),
        (
            json!({"supplier_id": sharma, "lines": [{"variant_id": tea, "qty": "1"}, {"variant_id": tea, "qty": "2"}]}),
            "lines[1].variant_id",
        ),
        (
            json!({"supplier_id": sharma, "lines": [{"variant_id": tea, "qty": "0"}]}),
            "lines[0].qty",
        ),
        (
            json!({"supplier_id": sharma, "lines": [{"variant_id": tea, "qty": "1.5"}]}),
            "lines[0].qty",
        ),
        (
            json!({"supplier_id": sharma, "lines": [{"variant_id": Uuid::now_v7(), "qty": "1"}]}),
            "lines[0].variant_id",
        ),
        (
            json!({"supplier_id": sharma, "lines": [{"variant_id": tea, "qty": "1", "unit_cost_minor": -5}]}),
            "lines[0].unit_cost_minor",
        ),
        (
            json!({"supplier_id": sharma, "expected_on": "08/12/2026", "lines": [{"variant_id": tea, "qty": "1"}]}),
            "expected_on",
        ),
        (
            json!({"supplier_id": sharma, "expected_on": "9999-12-31", "lines": [{"variant_id": tea, "qty": "1"}]}),
            "expected_on",
        ),
        (
            json!({"supplier_id": sharma, "expected_on": "2020-01-01", "lines": [{"variant_id": tea, "qty": "1"}]}),
            "expected_on",
        ),
    ] {
        let (s, b) = hub.post(&path, key, body.clone()).await;
        assert!(s.is_client_error(), "{body}: {s} {b}");
        assert_eq!(b["field"].as_str(), Some(field), "{body}: {b}");
    }
    let (_, list) = hub.get(&path, key).await;
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing raised: {list}"
    );

    // The same order asked for again is the order; its id on another is refused.
    let po_id = Uuid::now_v7();
    let body =
        json!({"po_id": po_id, "supplier_id": sharma, "lines": [{"variant_id": tea, "qty": "12"}]});
    let (s, first) = hub.post(&path, key, body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let (s, again) = hub.post(&path, key, body).await;
    assert_eq!((s, &again["number"]), (StatusCode::OK, &first["number"]));
    let (s, _) = hub
        .post(&path, key, json!({"po_id": po_id, "supplier_id": sharma, "lines": [{"variant_id": tea, "qty": "13"}]}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, b) = hub
        .post(&path, key, json!({"po_id": po_id, "supplier_id": sharma, "lines": [{"variant_id": tea, "qty": "13"}]}))
        .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (StatusCode::CONFLICT, Some("po_id")),
        "{b}"
    );

    // Receipts that do not add up are rejected by field and move nothing.
    let gupta = supplier(&shop, "Gupta Wholesale").await;
    let po = po_id.to_string();
    let cases: Vec<(GoodsReceived, &str)> = vec![
        (
            receipt(&shop, Some(&po), &gupta, &[(0, None, "1", "0")]),
            "supplier_id:",
        ),
        (
            receipt(
                &shop,
                Some(&Uuid::now_v7().to_string()),
                &sharma,
                &[(0, None, "1", "0")],
            ),
            "po_id:",
        ),
        (
            receipt(
                &shop,
                None,
                &Uuid::now_v7().to_string(),
                &[(0, None, "1", "0")],
            ),
            "supplier_id:",
        ),
        (
            receipt(&shop, Some(&po), &sharma, &[(0, None, "1.5", "0")]),
            "lines[0].received",
        ),
        (
            receipt(&shop, Some(&po), &sharma, &[(0, None, "1", "0.5")]),
            "lines[0].damaged",
        ),
        (
            receipt(&shop, Some(&po), &sharma, &[(0, None, "0", "0")]),
            "lines[0]",
        ),
    ];
    for (r, field) in cases {
        let (status, reason) = upload_one(&shop, envelope(&shop, r)).await;
        assert_eq!(status, "rejected", "{field}: {reason}");
        assert!(reason.starts_with(field), "{field}: {reason}");
    }
    let mut unknown = receipt(
        &shop,
        Some(&po),
        &sharma,
        &[(0, None, "1", "0"), (1, None, "2", "0")],
    );
    unknown.lines[1].variant_id = pos_shared::VariantId::new();
    let (status, reason) = upload_one(&shop, envelope(&shop, unknown)).await;
    assert_eq!(status, "rejected");
    assert!(reason.starts_with("lines[1].variant_id"), "{reason}");
    assert_eq!(
        shop.on_hand(TEA).await,
        INITIAL_STOCK.to_string(),
        "nothing moved"
    );
    let (_, order) = hub.get(&format!("/v1/purchase-orders/{po}"), key).await;
    assert_eq!(order["state"], "open", "{order}");
    assert!(order["deliveries"].as_array().unwrap().is_empty());

    // A delivery without an order, from a listed supplier, is kept.
    let walk_in = receipt(&shop, None, &gupta, &[(1, Some("R-1"), "12.5", "0")]);
    assert_eq!(
        upload_one(&shop, envelope(&shop, walk_in)).await.0,
        "accepted"
    );
    assert_eq!(shop.on_hand(RICE).await, "62.5");
    // The same batch code again, its label giving another expiry: the goods
    // are on the shelf, so the receipt stands, taken into the store's batch
    // under the store's date, and the receipt shows both.
    let mut relabelled = receipt(&shop, None, &gupta, &[(1, Some("R-1"), "2.5", "0")]);
    relabelled.lines[0].batch.as_mut().unwrap().expires_on = "2027-04-30".into();
    let relabelled_id = relabelled.receipt_id;
    assert_eq!(
        upload_one(&shop, envelope(&shop, relabelled)).await.0,
        "accepted"
    );
    assert_eq!(shop.on_hand(RICE).await, "65");
    let (_, report) = hub
        .get(&format!("/v1/goods-receipts/{relabelled_id}"), key)
        .await;
    let line = &report["items"][0];
    assert_eq!(
        (
            line["batch"]["expires_on"].as_str(),
            line["store_expires_on"].as_str()
        ),
        (Some("2027-04-30"), Some("2027-03-31")),
        "{report}"
    );
    let (_, batches) = hub
        .get(&format!("/v1/stores/{}/batches", shop.store_id), key)
        .await;
    let r1: Vec<&Value> = batches
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["code"] == "R-1")
        .collect();
    assert_eq!(r1.len(), 1, "{batches}");
    assert_eq!(
        (r1[0]["on_hand"].as_str(), r1[0]["expires_on"].as_str()),
        (Some("15"), Some("2027-03-31"))
    );

    // Packs that all came damaged leave the order open: nothing was taken in.
    let broken = receipt(&shop, Some(&po), &sharma, &[(0, None, "0", "3")]);
    assert_eq!(
        upload_one(&shop, envelope(&shop, broken)).await.0,
        "accepted"
    );
    let (_, order) = hub.get(&format!("/v1/purchase-orders/{po}"), key).await;
    assert_eq!(
        (order["state"].as_str(), order["differs"].as_bool()),
        (Some("open"), Some(true)),
        "{order}"
    );

    // Cancelled before anything came in; closed part received; neither again.
    let (s, cancelled) = hub
        .post(&format!("/v1/purchase-orders/{po}/cancel"), key, json!({}))
        .await;
    assert_eq!(
        (s, cancelled["state"].as_str()),
        (StatusCode::OK, Some("cancelled")),
        "{cancelled}"
    );
    let (s, b) = hub
        .post(&format!("/v1/purchase-orders/{po}/close"), key, json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    let heard = feed_orders(&shop, 11).await;
    assert_eq!(
        heard.last().unwrap()["state"],
        "cancelled",
        "the tills stop offering it"
    );
    // Goods that come all the same (the till was offline when HQ cancelled):
    // the order was not called off after all, so it is closed with what came,
    // and the delivery says what state it found the order in.
    let late = receipt(&shop, Some(&po), &sharma, &[(0, None, "2", "0")]);
    let late_id = late.receipt_id;
    assert_eq!(upload_one(&shop, envelope(&shop, late)).await.0, "accepted");
    let (_, order) = hub.get(&format!("/v1/purchase-orders/{po}"), key).await;
    assert_eq!(
        (order["state"].as_str(), order["differs"].as_bool()),
        (Some("closed"), Some(true)),
        "{order}"
    );
    let (_, late) = hub.get(&format!("/v1/goods-receipts/{late_id}"), key).await;
    assert_eq!(late["order_was"], "cancelled", "{late}");
    let other = raise(&shop, &sharma).await;
    let other_id = other["po_id"].as_str().unwrap();
    let part = receipt(&shop, Some(other_id), &sharma, &[(0, None, "10", "0")]);
    assert_eq!(upload_one(&shop, envelope(&shop, part)).await.0, "accepted");
    let (s, b) = hub
        .post(
            &format!("/v1/purchase-orders/{other_id}/cancel"),
            key,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(
        b["detail"].as_str().unwrap().contains("close it instead"),
        "{b}"
    );
    let (s, closed) = hub
        .post(
            &format!("/v1/purchase-orders/{other_id}/close"),
            key,
            json!({}),
        )
        .await;
    assert_eq!(
        (s, closed["state"].as_str()),
        (StatusCode::OK, Some("closed")),
        "{closed}"
    );
    assert_eq!(
        item(&closed, "TEA-250")["short"],
        "14",
        "what did not come stays visible"
    );

    // A key limited to another store neither raises nor reads this store's orders.
    let (_, other_store) = hub
        .post(
            "/v1/stores",
            key,
            json!({"code": "BLR-9", "name": "Jayanagar"}),
        )
        .await;
    let (_, limited) = hub
        .post(
            "/v1/api-keys",
            key,
            json!({"label": "mgr", "role": "store_manager", "store_ids": [other_store["id"]]}),
        )
        .await;
    let limited = limited["api_key"].as_str().unwrap();
    let (s, _) = hub
        .post(
            &path,
            limited,
            json!({"supplier_id": sharma, "lines": [{"variant_id": tea, "qty": "1"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = hub
        .get(&format!("/v1/purchase-orders/{other_id}"), limited)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_cursors_checked(hub, &path, key, &Uuid::now_v7().to_string()).await;
}
on_both_backends!(orders_and_receipts_that_do_not_add_up_are_refused_by_field_and_move_nothing);

async fn an_order_still_expected_after_its_day_is_overdue(backend: Backend) {
    let shop = shop(backend).await;
    let sharma = supplier(&shop, "Sharma Traders").await;
    let yesterday = (time::OffsetDateTime::now_utc().date() - time::Duration::days(1)).to_string();
    let path = format!("/v1/stores/{}/purchase-orders", shop.store_id);
    let (s, late) = shop
        .hub
        .post(
            &path,
            &shop.api_key,
            json!({"supplier_id": sharma, "expected_on": yesterday, "lines": [{"variant_id": shop.variants[0].0, "qty": "1"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{late}");
    assert_eq!(late["overdue"], true, "{late}");
    assert!(
        late.get("ordered_minor").is_none(),
        "no costs, no value: {late}"
    );
    let (_, list) = shop
        .hub
        .get(&format!("{path}?state=open"), &shop.api_key)
        .await;
    assert_eq!(list["items"][0]["overdue"], true, "{list}");
    // Closed, nothing is overdue.
    let (_, closed) = shop
        .hub
        .post(
            &format!(
                "/v1/purchase-orders/{}/close",
                late["po_id"].as_str().unwrap()
            ),
            &shop.api_key,
            json!({}),
        )
        .await;
    assert_eq!(closed["overdue"], false, "{closed}");
}
on_both_backends!(an_order_still_expected_after_its_day_is_overdue);
